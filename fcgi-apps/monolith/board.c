/* astro-board's routes and statements, from its own main.c. */
#include "monolith.h"

#define main board_service_main
#include "../board/main.c"
#undef main

const struct app *const monolith_board = &board_app;
