/* astro-hours's routes and statements, from its own main.c. */
#include "monolith.h"

#define main hours_service_main
#include "../hours/main.c"
#undef main

const struct app *const monolith_hours = &hours_app;
