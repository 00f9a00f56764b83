-- Revert astronaut-hours:daily_cap
-- The totals trigger as the hours_totals change made it.

BEGIN;

DROP INDEX astro.hours_entries_recent_idx;

CREATE OR REPLACE FUNCTION astro.hours_entries_sync_total() RETURNS trigger
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

DROP TRIGGER hours_entries_sync_total ON astro.hours_entries;
CREATE TRIGGER hours_entries_sync_total
	AFTER INSERT OR DELETE OR UPDATE OF astronaut_id, hours ON astro.hours_entries
	FOR EACH ROW EXECUTE FUNCTION astro.hours_entries_sync_total();

COMMIT;
