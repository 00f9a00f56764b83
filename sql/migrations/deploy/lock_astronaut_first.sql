-- Deploy astronaut-hours:lock_astronaut_first

BEGIN;

-- Every change to an astronaut's entries updates the astronaut's row (the
-- totals trigger), and an entry that names an astronaut also has the
-- foreign key check lock that row FOR KEY SHARE, before the totals
-- trigger runs (AFTER triggers fire in name order, and the check's
-- RI_ConstraintTrigger_… sorts first). So each transaction took a weak
-- lock and then upgraded it to an update, while other transactions did
-- the same on the same row. PostgreSQL 15.18 does not always get that
-- upgrade right when the transactions run it inside subtransactions
-- (PL/pgSQL exception blocks, savepoints): sixteen clients logging hours
-- for one astronaut at once, each in an exception block, failed with
-- "new multixact has more than one updating member" (t/9014, 16
-- clients and 400 attempts each: four runs in six).
--
-- This trigger takes the strong lock first: BEFORE the row is written,
-- FOR NO KEY UPDATE on every astronaut row the change will update, in id
-- order. The foreign key check then finds its lock already held by the
-- same transaction and takes nothing, the totals trigger's UPDATE uses
-- the lock it holds, and a second transaction for the same astronaut
-- waits here, before it has locked anything, until the first ends. The
-- daily cap's reasoning (sum of the day read after the row lock) is
-- unchanged: the lock is only taken earlier.
CREATE FUNCTION astro.hours_entries_lock_astronaut() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		PERFORM FROM astro.astronauts WHERE id = OLD.astronaut_id FOR NO KEY UPDATE;
		RETURN OLD;
	END IF;
	-- OLD is NULL for an INSERT; NULL matches no id.
	PERFORM FROM astro.astronauts
	  WHERE id IN (NEW.astronaut_id, OLD.astronaut_id)
	  ORDER BY id
	    FOR NO KEY UPDATE;
	RETURN NEW;
END
$$;

REVOKE EXECUTE ON FUNCTION astro.hours_entries_lock_astronaut() FROM PUBLIC;

COMMENT ON FUNCTION astro.hours_entries_lock_astronaut() IS
	'Trigger: locks the astronaut rows a change to hours_entries will update, before the foreign key check';

CREATE TRIGGER hours_entries_lock_astronaut
	BEFORE INSERT OR DELETE OR UPDATE OF astronaut_id, hours, trained_on ON astro.hours_entries
	FOR EACH ROW EXECUTE FUNCTION astro.hours_entries_lock_astronaut();

COMMIT;
