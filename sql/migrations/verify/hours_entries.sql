-- Verify astronaut-hours:hours_entries

BEGIN;

SELECT id, astronaut_id, hours, trained_on, note, idempotency_key, created_at
  FROM astro.hours_entries
 WHERE false;

DO $$
DECLARE
	missing text;
BEGIN
	SELECT pg_catalog.string_agg(want, ', ') INTO missing
	  FROM pg_catalog.unnest(ARRAY[
		'hours_entries_pkey', 'hours_entries_astronaut_id_fkey', 'hours_entries_hours_range',
		'hours_entries_trained_on_since_1900', 'hours_entries_trained_on_not_future',
		'hours_entries_note_trimmed', 'hours_entries_note_length',
		'hours_entries_note_printable', 'hours_entries_idempotency_key']) AS want
	 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_constraint
	                    WHERE conrelid = 'astro.hours_entries'::regclass AND conname = want);
	IF missing IS NOT NULL THEN
		RAISE EXCEPTION 'astro.hours_entries lacks constraints %', missing;
	END IF;

	IF pg_catalog.to_regclass('astro.hours_entries_astronaut_idx') IS NULL THEN
		RAISE EXCEPTION 'index astro.hours_entries_astronaut_idx is missing';
	END IF;
END
$$;

ROLLBACK;
