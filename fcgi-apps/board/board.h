#ifndef BOARD_H
#define BOARD_H

#include "app.h"

enum board_stmt {
	STMT_BOARD_FIRST = STMT__COMMON,
	STMT_BOARD_AFTER,
	STMT__MAX
};

enum board_key { BOARD_AFTER, BOARD__MAX };
extern const struct form_field board_fields[BOARD__MAX];

int board_init(const struct config *cfg);
enum result board_html(struct ctx *ctx);
enum result board_json(struct ctx *ctx);

#endif
