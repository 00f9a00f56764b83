#!/bin/sh
# C unit tests: t/unit/crypto.c, built by make into build/VARIANT/t/.
exec "${ASTRO_BUILD:-build/release}/t/crypto"
