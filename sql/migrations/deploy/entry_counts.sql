-- Deploy astronaut-hours:entry_counts

BEGIN;

-- The number of entries an astronaut has, kept beside total_hours by the
-- same trigger and in the same statements, so that the hours page reads
-- one row instead of counting the astronaut's whole history. The column
-- is filled from the entries in this transaction: ALTER TABLE holds
-- astronauts' ACCESS EXCLUSIVE lock until COMMIT, and every change to
-- the entries updates its astronaut's row, so no entry can be logged
-- between the count and the new trigger.
ALTER TABLE astro.astronauts
	ADD COLUMN entry_count integer NOT NULL DEFAULT 0
		CONSTRAINT astronauts_entry_count_nonnegative CHECK (entry_count >= 0);

COMMENT ON COLUMN astro.astronauts.entry_count IS
	'Number of this astronaut''s hours_entries, kept current by trigger; see astro.total_drift';

UPDATE astro.astronauts AS a
   SET entry_count = e.n
  FROM (SELECT astronaut_id, count(*) AS n FROM astro.hours_entries GROUP BY astronaut_id) AS e
 WHERE e.astronaut_id = a.id;

-- The daily_cap trigger, with entry_count moving with total_hours. An
-- entry whose hours or date change leaves and rejoins its astronaut:
-- - 1 then + 1, in the two statements that already move the total.
CREATE OR REPLACE FUNCTION astro.hours_entries_sync_total() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	day_hours numeric;
BEGIN
	IF TG_OP = 'TRUNCATE' THEN
		UPDATE astro.astronauts SET total_hours = 0, entry_count = 0
		 WHERE total_hours <> 0 OR entry_count <> 0;
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
		UPDATE astro.astronauts
		   SET total_hours = total_hours - OLD.hours, entry_count = entry_count - 1
		 WHERE id = OLD.astronaut_id;
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		UPDATE astro.astronauts
		   SET total_hours = total_hours + NEW.hours, entry_count = entry_count + 1
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
	'Trigger: applies each change to hours_entries to astronauts.total_hours and entry_count';

-- The audit view reports a count that drifted as well as a total. New
-- columns go last (CREATE OR REPLACE VIEW keeps the existing ones).
CREATE OR REPLACE VIEW astro.total_drift AS
SELECT a.id AS astronaut_id,
       a.name,
       a.total_hours,
       coalesce(e.entries_hours, 0) AS entries_hours,
       a.total_hours - coalesce(e.entries_hours, 0) AS drift,
       a.entry_count,
       coalesce(e.entries, 0) AS entries,
       a.entry_count - coalesce(e.entries, 0) AS count_drift
  FROM astro.astronauts AS a
  LEFT JOIN (SELECT astronaut_id, sum(hours) AS entries_hours, count(*) AS entries
               FROM astro.hours_entries
              GROUP BY astronaut_id) AS e
         ON e.astronaut_id = a.id
 WHERE a.total_hours <> coalesce(e.entries_hours, 0)
    OR a.entry_count <> coalesce(e.entries, 0);

COMMENT ON VIEW astro.total_drift IS
	'Astronauts whose total_hours or entry_count differs from their hours_entries; empty when healthy';

GRANT SELECT (entry_count) ON astro.astronauts TO astro_hours;

COMMIT;
