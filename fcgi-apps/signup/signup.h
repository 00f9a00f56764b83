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

int signup_init(const struct config *cfg);
enum result signup_page(struct ctx *ctx);
enum result login_page(struct ctx *ctx);
enum result logout_post(struct ctx *ctx);

#endif
