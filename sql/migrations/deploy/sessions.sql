-- Deploy astronaut-hours:sessions

BEGIN;

-- The cookie carries a 256-bit random token; only its SHA-256 is stored,
-- so a copy of this table does not sign anybody in.
CREATE TABLE astro.sessions (
	token_hash bytea PRIMARY KEY
		CONSTRAINT sessions_token_hash_length CHECK (octet_length(token_hash) = 32),
	astronaut_id bigint NOT NULL
		CONSTRAINT sessions_astronaut_id_fkey REFERENCES astro.astronauts (id) ON DELETE CASCADE,
	created_at timestamptz NOT NULL DEFAULT now(),
	expires_at timestamptz NOT NULL,
	CONSTRAINT sessions_expiry_after_creation CHECK (expires_at > created_at)
);

COMMENT ON TABLE astro.sessions IS
	'Signed-in sessions; valid while expires_at > now(), purged by astro.purge_expired_sessions()';
COMMENT ON COLUMN astro.sessions.token_hash IS 'SHA-256 of the session token; the token is never stored';

-- Serves the foreign key (cascading deletes) and "sign out everywhere".
CREATE INDEX sessions_astronaut_idx ON astro.sessions (astronaut_id);
-- Serves the purge of expired sessions.
CREATE INDEX sessions_expires_idx ON astro.sessions (expires_at);

COMMIT;
