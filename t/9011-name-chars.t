#!/bin/sh
# The schema's name functions (sql/migrations/deploy/name_chars.sql) are
# what sql/tools/name-chars generates from this machine's ICU and
# fcgi-apps/common/name.h: the database and the services apply one rule.
# A difference means the sets or the Unicode version changed: add a new
# sqitch change with the regenerated functions (sqitch rework name_chars).
cd "$(dirname "$0")/.." || exit 1
gen=${ASTRO_BUILD:-build/release}/sql/name-chars
echo 1..2
if [ -x "$gen" ]; then
	echo "ok 1 - $gen is built"
else
	echo "not ok 1 - $gen is built (make build)"
	exit 1
fi
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
"$gen" >"$out" || { echo "not ok 2 - name-chars ran"; exit 1; }
if cmp -s "$out" sql/migrations/deploy/name_chars.sql; then
	echo "ok 2 - deploy/name_chars.sql is what this ICU generates"
else
	echo "not ok 2 - deploy/name_chars.sql is what ICU generates"
	diff -u sql/migrations/deploy/name_chars.sql "$out" | head -40 | sed 's/^/# /'
fi
