-- Deploy astronaut-hours:astronauts

BEGIN;

CREATE TABLE astro.astronauts (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name text NOT NULL
		CONSTRAINT astronauts_name_trimmed CHECK (name = btrim(name))
		CONSTRAINT astronauts_name_length CHECK (char_length(name) BETWEEN 1 AND 64)
		CONSTRAINT astronauts_name_printable CHECK (astro.is_printable(name)),
	-- libscrypt's MCF string: $s1$ then N, r, p as six hex digits, then
	-- the base64 salt and hash.
	password_hash text NOT NULL
		CONSTRAINT astronauts_password_hash_format CHECK (password_hash
			~ '^\$s1\$[0-9a-f]{6}\$[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}$')
		CONSTRAINT astronauts_password_hash_length CHECK (char_length(password_hash) <= 128),
	-- Maintained only by the hours_entries triggers (hours_totals); numeric
	-- admits 'NaN', which compares greater than every number.
	total_hours numeric(8,1) NOT NULL DEFAULT 0
		CONSTRAINT astronauts_total_hours_nonnegative
			CHECK (total_hours >= 0 AND total_hours <> 'NaN'),
	created_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE astro.astronauts IS 'One row per signed-up astronaut';
COMMENT ON COLUMN astro.astronauts.name IS
	'Display name: trimmed, 1-64 characters, printable; unique case-insensitively';
COMMENT ON COLUMN astro.astronauts.password_hash IS 'libscrypt MCF string ($s1$...)';
COMMENT ON COLUMN astro.astronauts.total_hours IS
	'Sum of this astronaut''s hours_entries, kept current by trigger; see astro.total_drift';

-- Sign-up and log-in look names up with WHERE lower(name) = lower($1).
CREATE UNIQUE INDEX astronauts_name_lower_key ON astro.astronauts (lower(name));

-- The board reads ORDER BY total_hours DESC, id, and pages by keyset on
-- the same pair.
CREATE INDEX astronauts_board_idx ON astro.astronauts (total_hours DESC, id);

COMMIT;
