#ifndef HOURS_H
#define HOURS_H

#include "app.h"

enum hours_stmt {
	STMT_HOURS_INSERT = STMT__COMMON,
	STMT_HOURS_LIST,
	STMT_HOURS_SUMMARY,
	STMT_HOURS_DAY,
	STMT_HOURS_BY_KEY,
	STMT_HOURS_RECENT,
	STMT__MAX
};

enum hours_key {
	HOURS_HOURS,
	HOURS_DATE,
	HOURS_NOTE,
	HOURS_CSRF,
	HOURS_KEY,
	HOURS__MAX
};
extern const struct form_field hours_fields[HOURS__MAX];

enum hours_query { QUERY_LOGGED, QUERY__MAX };
extern const struct form_field hours_query_fields[QUERY__MAX];

int hours_init(const struct config *cfg);
enum result hours_page(struct ctx *ctx);
/* The form again after a wrong CSRF token (403), as it was sent. */
enum result hours_expired(struct ctx *ctx);

#endif
