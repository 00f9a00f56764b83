-- Helpers for the pgTAP files in t/sql, included with \ir lib/helpers.sql.
-- They live in pg_temp: they vanish with the session and never reach a
-- deployed schema. Call them qualified (pg_temp.outcome), as pg_temp is
-- never searched for functions.

-- outcome(stmt [, role]): runs stmt, as role if given (SET ROLE), in a
-- subtransaction that is always rolled back, so cases never see each
-- other's rows, and tells how it ended: 'ok', or the SQLSTATE and the
-- constraint or index the error names ('23514 astronauts_name_length',
-- '23505 astronauts_name_lower_key'), or the SQLSTATE alone ('42501')
-- when the error names none. Those are the fields the services read
-- (PG_DIAG_SQLSTATE, PG_DIAG_CONSTRAINT_NAME).
CREATE FUNCTION pg_temp.outcome(stmt text, role name DEFAULT NULL) RETURNS text
	LANGUAGE plpgsql
AS $$
DECLARE
	-- Raised to undo a statement that succeeded; no PostgreSQL error
	-- uses this class.
	undo CONSTANT text := 'TUNDO';
	state text;
	constraint_name text;
BEGIN
	BEGIN
		IF role IS NOT NULL THEN
			-- Undone with the subtransaction, like everything else.
			EXECUTE format('SET LOCAL ROLE %I', role);
		END IF;
		EXECUTE stmt;
		RAISE EXCEPTION 'undo' USING ERRCODE = undo;
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE,
			constraint_name = CONSTRAINT_NAME;
	END;
	IF state = undo THEN
		RETURN 'ok';
	END IF;
	RETURN concat_ws(' ', state, nullif(constraint_name, ''));
END
$$;

-- plan_of(query): the text of EXPLAIN (COSTS OFF) for query, one line
-- per plan node.
CREATE FUNCTION pg_temp.plan_of(query text) RETURNS text
	LANGUAGE plpgsql
AS $$
DECLARE
	line text;
	plan text := '';
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
		plan := plan || line || E'\n';
	END LOOP;
	RETURN plan;
END
$$;

-- A real libscrypt MCF string (N = 2^14, r = 8, p = 1, 16-byte salt,
-- 64-byte hash): 124 characters.
CREATE FUNCTION pg_temp.password_hash() RETURNS text
	LANGUAGE sql IMMUTABLE
	RETURN '$s1$0e0801$AAECAwQFBgcICQoLDA0ODw==$11kKyiyYAc8G7rp3KmncMc44YlkdllIqxOa7pq0fMaUtb3NvK4WtqmJiM16xEuVvAU9BejfXS+De92abLFHCng==';

-- astronaut(name): signs up an astronaut, as the signup service does, and
-- returns the id.
CREATE FUNCTION pg_temp.astronaut(name text) RETURNS bigint
	LANGUAGE sql
AS $$
	INSERT INTO astro.astronauts (name, password_hash)
	VALUES (name, pg_temp.password_hash())
	RETURNING id;
$$;
