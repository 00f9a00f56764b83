-- Deploy astronaut-hours:hours_entries

BEGIN;

CREATE TABLE astro.hours_entries (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	astronaut_id bigint NOT NULL
		CONSTRAINT hours_entries_astronaut_id_fkey
			REFERENCES astro.astronauts (id) ON DELETE CASCADE,
	-- numeric admits 'NaN', which is > 0 but not <= 24: the range rejects it.
	hours numeric(3,1) NOT NULL
		CONSTRAINT hours_entries_hours_range CHECK (hours > 0 AND hours <= 24),
	trained_on date NOT NULL
		CONSTRAINT hours_entries_trained_on_since_1900 CHECK (trained_on >= DATE '1900-01-01')
		-- Not in the future anywhere on Earth: UTC+14 (Etc/GMT-14, POSIX
		-- signs are inverted) is the first zone to reach each date. This CHECK
		-- may rely on now() only because time moves forward: a row valid
		-- when inserted stays valid, so re-checking it later (a dump
		-- restored, a constraint validated again) cannot fail.
		CONSTRAINT hours_entries_trained_on_not_future
			CHECK (trained_on <= (now() AT TIME ZONE 'Etc/GMT-14')::date),
	-- An empty note is stored as NULL, never as ''.
	note text
		CONSTRAINT hours_entries_note_trimmed CHECK (note = btrim(note))
		CONSTRAINT hours_entries_note_length CHECK (char_length(note) BETWEEN 1 AND 200)
		CONSTRAINT hours_entries_note_printable CHECK (astro.is_printable(note)),
	-- One key per submitted form: a form posted twice logs once, through
	-- INSERT ... ON CONFLICT (astronaut_id, idempotency_key) DO NOTHING.
	idempotency_key uuid NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT hours_entries_idempotency_key UNIQUE (astronaut_id, idempotency_key)
);

COMMENT ON TABLE astro.hours_entries IS
	'Logged training hours; astronauts.total_hours is their sum per astronaut';

-- "My entries, newest first".
CREATE INDEX hours_entries_astronaut_idx
	ON astro.hours_entries (astronaut_id, trained_on DESC, id DESC);

COMMIT;
