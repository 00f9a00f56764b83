/* astro-signup's routes and statements, from its own main.c. */
#include "monolith.h"

#define main signup_service_main
#include "../signup/main.c"
#undef main

const struct app *const monolith_signup = &signup_app;
