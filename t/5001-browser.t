#!/bin/sh
# The astronaut journey in a real browser: t/browser/journey.mjs drives
# Debian's Chromium with playwright-core and leaves a screenshot of each
# page in t/artifacts/.
set -eu
cd "$(dirname "$0")/.."
if [ -z "${ASTRO_STACK:-}" ]; then
	# Run alone: a private stack for this test.
	dir=$(mktemp -d "${TMPDIR:-/tmp}/astro-stack-XXXXXX")
	chmod 755 "$dir"
	trap 'scripts/stack stop --dir "$dir" >/dev/null; rm -rf "$dir"' EXIT
	scripts/stack start --port 0 --dir "$dir" --variant "${ASTRO_VARIANT:-release}" >&2
	ASTRO_STACK=$dir/stack.env
fi
ASTRO_URL=$(sed -n 's/^ASTRO_URL=//p' "$ASTRO_STACK")
export ASTRO_URL
[ -d node_modules/playwright-core ] ||
	{ echo "Bail out! node_modules/playwright-core is missing: run npm ci"; exit 1; }
exec node t/browser/journey.mjs
