-- Deploy astronaut-hours:name_checks_cached

BEGIN;

-- PostgreSQL evaluates every CHECK constraint of a row on every UPDATE,
-- whichever columns the UPDATE sets, and builds each constraint's
-- expression afresh for every statement. The name policy's constraints
-- called SQL functions that the planner inlines, copying their generated
-- character classes (thousands of ranges) into the expression: every
-- statement that updated an astronaut's row paid for that, and every
-- logged hour updates its astronaut's row (total_hours, entry_count,
-- from the totals trigger). Measured on the bench's 100 000 astronauts:
-- the trigger's UPDATE took 0.87 ms, of which 0.7 ms were the four name
-- constraints, for names it never touches; POST /hours spent 1.5 ms of
-- database CPU an entry against 0.35 ms before the name policy.
--
-- Each constraint now calls a PL/pgSQL function that calls the policy
-- function: the constraint's expression is one call, and PL/pgSQL plans
-- the policy expression (and PostgreSQL compiles its regular expression)
-- once per connection, not once per statement. The policy functions and
-- what the constraints accept are unchanged; the legacy names the policy
-- constraints left in place (NOT VALID) are still left in place.
CREATE FUNCTION astro.name_chars_check(value text) RETURNS boolean
	LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
BEGIN
	RETURN astro.name_chars_ok(value);
END
$$;

CREATE FUNCTION astro.name_visible_check(value text) RETURNS boolean
	LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
BEGIN
	RETURN astro.name_has_visible(value);
END
$$;

CREATE FUNCTION astro.name_marks_check(value text) RETURNS boolean
	LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
BEGIN
	RETURN astro.name_marks_ok(value);
END
$$;

CREATE FUNCTION astro.name_printable_check(value text) RETURNS boolean
	LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
BEGIN
	RETURN astro.is_printable(value);
END
$$;

COMMENT ON FUNCTION astro.name_chars_check(text) IS
	'astro.name_chars_ok() for the CHECK constraint, planned once per connection';
COMMENT ON FUNCTION astro.name_visible_check(text) IS
	'astro.name_has_visible() for the CHECK constraint, planned once per connection';
COMMENT ON FUNCTION astro.name_marks_check(text) IS
	'astro.name_marks_ok() for the CHECK constraint, planned once per connection';
COMMENT ON FUNCTION astro.name_printable_check(text) IS
	'astro.is_printable() for the CHECK constraint on names, planned once per connection';

-- CHECK constraints run with the privileges of the inserting role.
REVOKE EXECUTE ON FUNCTION astro.name_chars_check(text), astro.name_visible_check(text),
	astro.name_marks_check(text), astro.name_printable_check(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION astro.name_chars_check(text), astro.name_visible_check(text),
	astro.name_marks_check(text), astro.name_printable_check(text) TO astro_signup;

-- The same names, so that the services' and the tests' reading of a
-- refusal (SQLSTATE 23514 and the constraint's name) does not change.
ALTER TABLE astro.astronauts
	DROP CONSTRAINT astronauts_name_chars,
	DROP CONSTRAINT astronauts_name_visible,
	DROP CONSTRAINT astronauts_name_marks,
	DROP CONSTRAINT astronauts_name_printable,
	ADD CONSTRAINT astronauts_name_chars CHECK (astro.name_chars_check(name)) NOT VALID,
	ADD CONSTRAINT astronauts_name_visible CHECK (astro.name_visible_check(name)) NOT VALID,
	ADD CONSTRAINT astronauts_name_marks CHECK (astro.name_marks_check(name)) NOT VALID,
	ADD CONSTRAINT astronauts_name_printable CHECK (astro.name_printable_check(name)) NOT VALID;
-- Printable names were a validated constraint from the start: they stay
-- one.
ALTER TABLE astro.astronauts VALIDATE CONSTRAINT astronauts_name_printable;

COMMIT;
