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

int hours_init(const struct config *cfg);
enum result hours_page(struct ctx *ctx);

#endif
