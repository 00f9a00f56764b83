#!/bin/sh
# The libFuzzer harnesses (fuzz/): each runs over its seed corpus, where
# any crash found by `make fuzz` is kept, then fuzzes for a few seconds.
# `make test` builds them (make fuzz-build) before the suite.
cd "$(dirname "$0")/.." || exit 1
case "${ASTRO_BUILD:-build/release}" in
*asan*)
	echo "1..0 # SKIP the harnesses are sanitizer builds already: they run in the first pass"
	exit 0
	;;
esac
for f in fuzz/*.c; do
	if [ ! -x "build/fuzz/fuzz/$(basename "$f" .c)" ]; then
		echo "1..1"
		echo "not ok 1 - build/fuzz/fuzz/$(basename "$f" .c) is built (make fuzz-build)"
		exit 1
	fi
done
exec fuzz/run --regress "${FUZZ_TEST_SECONDS:-3}"
