#!/bin/sh
# The board's pages byte for byte against golden renderings:
# t/unit/board-page.c, built by make into build/VARIANT/t/.
exec "${ASTRO_BUILD:-build/release}/t/board-page"
