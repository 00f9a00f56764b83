/*
 * monolith: the three services in one pool (main.c tells how). Each
 * service's tables come from its own main.c, compiled here a second
 * time (signup.c, hours.c, board.c) with its main() renamed, so the
 * monolith serves exactly the routes and statements the service does
 * and the two can never drift apart.
 */
#ifndef MONOLITH_H
#define MONOLITH_H

#include "app.h"

/* Each service's struct app, as its own main.c defines it. */
extern const struct app *const monolith_signup;
extern const struct app *const monolith_hours;
extern const struct app *const monolith_board;

/* The services' own main()s, renamed; the monolith never calls them. */
int signup_service_main(int argc, char **argv);
int hours_service_main(int argc, char **argv);
int board_service_main(int argc, char **argv);

#endif
