-- After concurrent clients logged and deleted hours (t/9004-totals-concurrent.t
-- runs pgbench, then this file with -v committed=N -v ran=N):
-- every total and every entry count is what the clients committed for that
-- astronaut, as written in the ledger the clients kept in the same
-- transactions.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;

SELECT plan(9);

SELECT is(:committed, :ran, 'every transaction the clients ran committed');

SELECT is((SELECT count(*) FROM public.ledger), :committed::bigint,
	'the ledger holds one line per committed transaction');
SELECT cmp_ok((SELECT count(*) FROM public.ledger WHERE entries = -1), '>', 0::bigint,
	'some entries were deleted while others were logged');
SELECT is((SELECT count(*) FROM astro.hours_entries), (SELECT sum(entries) FROM public.ledger),
	'every entry logged and not deleted is there');
SELECT is((SELECT count(DISTINCT astronaut_id) FROM astro.hours_entries), 5::bigint,
	'all five pilots logged hours');
SELECT results_eq(
	'SELECT name, total_hours FROM astro.astronauts ORDER BY name',
	'SELECT astronaut_name, sum(hours) FROM public.ledger GROUP BY astronaut_name ORDER BY astronaut_name',
	'each pilot''s total is the sum of the hours committed for them');
SELECT results_eq(
	'SELECT name, entry_count::bigint FROM astro.astronauts ORDER BY name',
	'SELECT astronaut_name, sum(entries)::bigint FROM public.ledger GROUP BY astronaut_name ORDER BY astronaut_name',
	'each pilot''s entry count is the number of entries committed for them');
SELECT is((SELECT sum(total_hours) FROM astro.astronauts), (SELECT sum(hours) FROM public.ledger),
	'all totals add up to all hours committed');
SELECT is_empty('SELECT * FROM astro.total_drift',
	'every total equals the sum of its entries, every count their number');

SELECT * FROM finish();
ROLLBACK;
