#ifndef SIGNUP_H
#define SIGNUP_H

#include "app.h"

enum signup_stmt {
	STMT_NAME_TAKEN = STMT__COMMON,
	STMT_SIGNUP,
	STMT_LOGIN_LOOKUP,
	STMT_SESSION_CREATE,
	STMT_SESSION_DELETE,
	STMT_LOGIN_FAILED,
	STMT_LOGIN_CLEAR,
	STMT__MAX
};

enum signup_key {
	SIGNUP_NAME,
	SIGNUP_PASSWORD,
	SIGNUP_CONFIRM,
	SIGNUP_CSRF,
	SIGNUP__MAX
};
extern const struct form_field signup_fields[SIGNUP__MAX];

enum login_key { LOGIN_NAME, LOGIN_PASSWORD, LOGIN_CSRF, LOGIN__MAX };
extern const struct form_field login_fields[LOGIN__MAX];

enum logout_key { LOGOUT_CSRF, LOGOUT__MAX };
extern const struct form_field logout_fields[LOGOUT__MAX];

int signup_init(const struct config *cfg);
enum result signup_page(struct ctx *ctx);
enum result login_page(struct ctx *ctx);
enum result logout_post(struct ctx *ctx);
/* The forms again, after a wrong CSRF token (403). */
enum result signup_expired(struct ctx *ctx);
enum result login_expired(struct ctx *ctx);
enum result logout_expired(struct ctx *ctx);

#endif
