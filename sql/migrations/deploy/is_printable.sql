-- Deploy astronaut-hours:is_printable

BEGIN;

-- The characters no name or note may contain: C0 controls, DEL and C1
-- controls, zero-width and directional marks, line and paragraph
-- separators, bidi embeddings and overrides, bidi isolates, and the
-- byte-order mark. They let a name disguise itself or others on the
-- board. fcgi-apps/common/text.c applies the same list before any INSERT;
-- this function is the database's copy, used by every CHECK on user text.
-- The \uXXXX escapes name exactly one code point each (\x would read
-- as many hex digits as follow it).
CREATE FUNCTION astro.is_printable(value text) RETURNS boolean
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	RETURN value OPERATOR(pg_catalog.!~)
		'[\u0001-\u001F\u007F-\u009F\u200B-\u200F\u2028-\u202E\u2066-\u2069\uFEFF]';

COMMENT ON FUNCTION astro.is_printable(text) IS
	'False if the text holds a control, zero-width, bidi-control or byte-order-mark character';

-- Functions are executable by PUBLIC by default. Only the roles whose
-- INSERTs evaluate the CHECK constraints need it (see grants).
REVOKE EXECUTE ON FUNCTION astro.is_printable(text) FROM PUBLIC;

COMMIT;
