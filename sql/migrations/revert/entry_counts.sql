-- Revert astronaut-hours:entry_counts
-- The trigger and the audit view as daily_cap and hours_totals made them.

BEGIN;

DROP VIEW astro.total_drift;
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

CREATE OR REPLACE FUNCTION astro.hours_entries_sync_total() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	day_hours numeric;
BEGIN
	IF TG_OP = 'TRUNCATE' THEN
		UPDATE astro.astronauts SET total_hours = 0 WHERE total_hours <> 0;
		RETURN NULL;
	END IF;
	IF TG_OP = 'UPDATE' AND NEW.astronaut_id <> OLD.astronaut_id THEN
		-- The entry moves to another astronaut. Lock both rows in id
		-- order, so that two opposite moves queue instead of deadlocking.
		PERFORM FROM astro.astronauts
		  WHERE id IN (OLD.astronaut_id, NEW.astronaut_id)
		  ORDER BY id
		    FOR NO KEY UPDATE;
	END IF;
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		UPDATE astro.astronauts SET total_hours = total_hours - OLD.hours
		 WHERE id = OLD.astronaut_id;
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		UPDATE astro.astronauts SET total_hours = total_hours + NEW.hours
		 WHERE id = NEW.astronaut_id;
		-- Only a change that adds hours to a date is checked.
		IF TG_OP = 'INSERT' OR NEW.astronaut_id <> OLD.astronaut_id
		   OR NEW.trained_on <> OLD.trained_on OR NEW.hours > OLD.hours THEN
			SELECT sum(hours) INTO day_hours
			  FROM astro.hours_entries
			 WHERE astronaut_id = NEW.astronaut_id AND trained_on = NEW.trained_on;
			IF day_hours > 24 THEN
				RAISE EXCEPTION 'at most 24 hours a day: astronaut % would have % hours on %',
					NEW.astronaut_id, day_hours, NEW.trained_on
					USING ERRCODE = 'check_violation', SCHEMA = 'astro',
					      TABLE = 'hours_entries', CONSTRAINT = 'hours_entries_daily_cap',
					      DETAIL = (day_hours - NEW.hours)::text;
			END IF;
		END IF;
	END IF;
	RETURN NULL;
END
$$;

COMMENT ON FUNCTION astro.hours_entries_sync_total() IS
	'Trigger: applies each change to hours_entries to astronauts.total_hours';

ALTER TABLE astro.astronauts DROP COLUMN entry_count;

COMMIT;
