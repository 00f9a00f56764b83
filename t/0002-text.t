#!/bin/sh
# C unit tests: t/unit/text.c, built by make into build/VARIANT/t/.
exec "${ASTRO_BUILD:-build/release}/t/text"
