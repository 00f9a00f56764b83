-- Deploy astronaut-hours:daily_cap

BEGIN;

-- At most 24 hours per astronaut per date, in the same transaction as the
-- change to the entries. The totals trigger locks the astronaut's row
-- before it adds (the UPDATE of total_hours), so every transaction adding
-- hours for one astronaut waits for the one before it to end; the sum of
-- the day is read after that, by a statement of its own, and so sees
-- every entry committed before (READ COMMITTED). Under REPEATABLE READ or
-- SERIALIZABLE the second transaction fails with 40001 instead.
--
-- A change that adds hours to a date past 24 fails with SQLSTATE 23514
-- and the constraint name hours_entries_daily_cap (what the services
-- read); its DETAIL is the hours the date had before. Removing hours never
-- fails, so dates over 24 from before this change can still be corrected.
--
-- With every date from 1900-01-01 to tomorrow capped at 24 hours, a total
-- stays below 24 * 51 000 = 1 224 000 hours until the year 2039 and below
-- numeric(8,1)'s 9 999 999.9 until well past the year 3000: totals cannot
-- overflow.
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

-- A change of date moves hours from one date to another.
DROP TRIGGER hours_entries_sync_total ON astro.hours_entries;
CREATE TRIGGER hours_entries_sync_total
	AFTER INSERT OR DELETE OR UPDATE OF astronaut_id, hours, trained_on ON astro.hours_entries
	FOR EACH ROW EXECUTE FUNCTION astro.hours_entries_sync_total();

-- The hours service limits how many entries one astronaut logs in a
-- while: the entries an astronaut made lately.
CREATE INDEX hours_entries_recent_idx ON astro.hours_entries (astronaut_id, created_at);

COMMIT;
