-- Deploy astronaut-hours:hours_totals

BEGIN;

-- Keeps astronauts.total_hours equal to the sum of the astronaut's
-- entries, in the same transaction as the change to the entries.
--
-- Totals move by deltas (total_hours = total_hours + NEW.hours), never by
-- re-summing: two transactions logging hours for one astronaut serialize
-- on that astronaut's row lock, and under READ COMMITTED the second
-- re-reads the committed total before adding, so no update is lost.
-- (Under REPEATABLE READ or SERIALIZABLE the second fails with 40001
-- and must be retried.)
--
-- SECURITY DEFINER so that a role allowed to INSERT entries needs no
-- UPDATE privilege on astronauts; the fixed search_path keeps a caller's
-- objects from standing in for the ones named here.
CREATE FUNCTION astro.hours_entries_sync_total() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF TG_OP = 'TRUNCATE' THEN
		UPDATE astro.astronauts SET total_hours = 0 WHERE total_hours <> 0;
	ELSIF TG_OP = 'INSERT' THEN
		UPDATE astro.astronauts SET total_hours = total_hours + NEW.hours
		 WHERE id = NEW.astronaut_id;
	ELSIF TG_OP = 'DELETE' THEN
		UPDATE astro.astronauts SET total_hours = total_hours - OLD.hours
		 WHERE id = OLD.astronaut_id;
	ELSIF NEW.astronaut_id = OLD.astronaut_id THEN
		IF NEW.hours <> OLD.hours THEN
			UPDATE astro.astronauts SET total_hours = total_hours + (NEW.hours - OLD.hours)
			 WHERE id = NEW.astronaut_id;
		END IF;
	ELSE
		-- The entry moves to another astronaut. Lock both rows in id
		-- order, so that two opposite moves queue instead of deadlocking.
		PERFORM FROM astro.astronauts
		  WHERE id IN (OLD.astronaut_id, NEW.astronaut_id)
		  ORDER BY id
		    FOR NO KEY UPDATE;
		UPDATE astro.astronauts SET total_hours = total_hours - OLD.hours
		 WHERE id = OLD.astronaut_id;
		UPDATE astro.astronauts SET total_hours = total_hours + NEW.hours
		 WHERE id = NEW.astronaut_id;
	END IF;
	RETURN NULL;
END
$$;

COMMENT ON FUNCTION astro.hours_entries_sync_total() IS
	'Trigger: applies each change to hours_entries to astronauts.total_hours';

-- Triggers fire whatever EXECUTE says; nobody needs to call it directly.
REVOKE EXECUTE ON FUNCTION astro.hours_entries_sync_total() FROM PUBLIC;

CREATE TRIGGER hours_entries_sync_total
	AFTER INSERT OR DELETE OR UPDATE OF astronaut_id, hours ON astro.hours_entries
	FOR EACH ROW EXECUTE FUNCTION astro.hours_entries_sync_total();

-- TRUNCATE fires no row triggers; it empties the table, so every total
-- becomes zero.
CREATE TRIGGER hours_entries_sync_total_truncate
	AFTER TRUNCATE ON astro.hours_entries
	FOR EACH STATEMENT EXECUTE FUNCTION astro.hours_entries_sync_total();

-- Audit: astronauts whose total differs from the sum of their entries.
-- Empty when healthy. It reads every entry, so it is for audits, not for
-- pages.
CREATE VIEW astro.total_drift AS
SELECT a.id AS astronaut_id,
       a.name,
       a.total_hours,
       coalesce(e.entries_hours, 0) AS entries_hours,
       a.total_hours - coalesce(e.entries_hours, 0) AS drift
  FROM astro.astronauts AS a
  LEFT JOIN (SELECT astronaut_id, sum(hours) AS entries_hours
               FROM astro.hours_entries
              GROUP BY astronaut_id) AS e
         ON e.astronaut_id = a.id
 WHERE a.total_hours <> coalesce(e.entries_hours, 0);

COMMENT ON VIEW astro.total_drift IS
	'Astronauts whose total_hours differs from the sum of their hours_entries; empty when healthy';

COMMIT;
