#!/bin/sh
# C unit tests: t/unit/http.c, built by make into build/VARIANT/t/.
exec "${ASTRO_BUILD:-build/release}/t/http"
