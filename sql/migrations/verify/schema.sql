-- Verify astronaut-hours:schema

BEGIN;

-- Raises "schema does not exist" when it is missing.
SELECT pg_catalog.has_schema_privilege('astro', 'USAGE');

ROLLBACK;
