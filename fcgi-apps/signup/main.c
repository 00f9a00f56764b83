/*
 * astro-signup: accounts and sessions. GET/POST /signup, GET/POST
 * /login, POST /logout.
 */
#include "signup.h"

/* POST /signup and POST /login hash a password: the hashing workers
 * serve them (server.h). */
static const struct route routes[] = {
    {.path = "/signup",
     .methods = HTTP_GET | HTTP_POST,
     .fn = signup_page,
     .access = ROUTE_ANYONE,
     .post_form = signup_fields,
     .npost = SIGNUP__MAX,
     .csrf = CSRF_ALWAYS,
     .csrf_field = SIGNUP_CSRF,
     .expired = signup_expired,
     .hashes = HTTP_POST},
    {.path = "/login",
     .methods = HTTP_GET | HTTP_POST,
     .fn = login_page,
     .access = ROUTE_ANYONE,
     .post_form = login_fields,
     .npost = LOGIN__MAX,
     .csrf = CSRF_ALWAYS,
     .csrf_field = LOGIN_CSRF,
     .expired = login_expired,
     .hashes = HTTP_POST},
    /* Signed out, a log-out has nothing to protect. */
    {.path = "/logout",
     .methods = HTTP_POST,
     .fn = logout_post,
     .access = ROUTE_ANYONE,
     .post_form = logout_fields,
     .npost = LOGOUT__MAX,
     .csrf = CSRF_IF_SIGNED_IN,
     .csrf_field = LOGOUT_CSRF,
     .expired = logout_expired},
};

static const struct db_stmt stmts[STMT__MAX] = {
    COMMON_STMTS,
    /* The name itself (ignoring case), or one that looks like it (one
     * of the same TS #39 skeletons, $2..$4: name.h). */
    [STMT_NAME_TAKEN] = {"name_taken",
                         "SELECT name, lower(name) = lower($1) AS same"
                         " FROM astro.astronauts"
                         " WHERE lower(name) = lower($1) OR name_skeleton = $2"
                         " OR name_skeleton_typed = $3"
                         " OR name_skeleton_upper = $4"
                         " ORDER BY same DESC LIMIT 1",
                         1, 0},
    /* The astronaut and the first session in one statement: either both
     * exist or neither. No row back means the name was taken between
     * the check and the insert. */
    [STMT_SIGNUP] = {"signup",
                     "WITH a AS (INSERT INTO astro.astronauts"
                     " (name, password_hash, name_skeleton,"
                     " name_skeleton_typed, name_skeleton_upper)"
                     " VALUES ($1, $2, $5, $6, $7)"
                     " ON CONFLICT DO NOTHING RETURNING id)"
                     " INSERT INTO astro.sessions"
                     " (token_hash, astronaut_id, expires_at)"
                     " SELECT $3, id, now() + make_interval(secs => $4)"
                     " FROM a RETURNING astronaut_id",
                     0, 1},
    /* The account, and how many seconds its next log-in must wait
     * after wrong passwords (astro.login_delay). */
    [STMT_LOGIN_LOOKUP] = {"login_lookup",
                           "SELECT a.id, a.password_hash,"
                           " coalesce(ceil(extract(epoch FROM"
                           " f.retry_at - now())), 0) AS wait"
                           " FROM astro.astronauts a"
                           " LEFT JOIN astro.login_failures f"
                           " ON f.astronaut_id = a.id"
                           " WHERE lower(a.name) = lower($1)",
                           1, 0},
    [STMT_LOGIN_FAILED] =
        {"login_failed",
         "INSERT INTO astro.login_failures AS f"
         " (astronaut_id, failures, retry_at)"
         " VALUES ($1, 1, now() + astro.login_delay(1))"
         " ON CONFLICT (astronaut_id) DO UPDATE"
         " SET failures = f.failures + 1,"
         " last_failure = now(),"
         " retry_at = now() + astro.login_delay(f.failures + 1)",
         0, 1},
    [STMT_LOGIN_CLEAR] = {"login_clear",
                          "DELETE FROM astro.login_failures"
                          " WHERE astronaut_id = $1",
                          1, 1},
    /* A new session, and the astronaut's expired ones swept away. */
    [STMT_SESSION_CREATE] =
        {"session_create",
         "WITH gone AS (DELETE FROM astro.sessions"
         " WHERE astronaut_id = $2 AND expires_at <= now())"
         " INSERT INTO astro.sessions"
         " (token_hash, astronaut_id, expires_at)"
         " VALUES ($1, $2, now() + make_interval(secs => $3))",
         0, 1},
    [STMT_SESSION_DELETE] = {"session_delete",
                             "DELETE FROM astro.sessions WHERE token_hash = $1",
                             1, 1},
};

static const struct app signup_app = {
    "signup", routes,    sizeof(routes) / sizeof(routes[0]),
    stmts,    STMT__MAX, signup_init,
};

int
main(int argc, char **argv)
{
	return server_main(&signup_app, argc, argv);
}
