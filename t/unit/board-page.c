/*
 * board_page.c: the board's pages, byte for byte. Fixed rows are
 * rendered and compared with t/data/board/, renderings of the same rows
 * by the board as it was before its writer was rewritten for speed
 * (tdict values and the generic template walk): a faster writer must
 * write exactly the same pages. Names that need escaping, tied ranks,
 * the podium, the viewer's own row, paging, and the empty board.
 */
#include <stdlib.h>

#include "board_page.h"
#include "page.h"
#include "tap.h"

#define GOLDEN_DIR "t/data/board"

static const struct board_row top_rows[] = {
    {101, "Neil", 4, "111.0", 1},
    {102, "Buzz & <Aldrin>", 15, "102.5", 2},
    {103, "\"Collins\" 'Mike'", 16, "102.5", 2},
    {104, "Sally", 5, "100.0", 4},
    {105, "\xc3\x85sa \xf0\x9f\x9a\x80", 9, "99.9", 5},
    {106, "Valentina", 9, "99.9", 5},
    {107, "Yuri", 4, "99.9", 5},
    {108, "<script>alert(1)</script>", 25, "24.0", 8},
    {109, "Mae", 3, "0.5", 9},
};

static const struct board_row deep_rows[] = {
    {2001, "Chris", 5, "7.0", 51},
    {2002, "Peggy", 5, "7.0", 51},
    {1007, "Viewer O'Hara", 13, "6.5", 53},
    {2004, "Eileen", 6, "1.0", 54},
};

struct viewer_case {
	int signed_in;
	long long id;
	const char *name;
};

static const struct viewer_case anonymous = {0, 0, NULL};
static const struct viewer_case hara = {1, 1007, "Viewer O'Hara"};
static const struct viewer_case neil = {1, 101, "Neil"};

static const struct {
	const char *file;
	const struct viewer_case *viewer;
	const struct board_row *rows;
	int n, paged;
	const char *next;
	int json;
} cases[] = {
    {"top-anonymous.html", &anonymous, top_rows, 9, 0,
     "after=0.5,109,9,9,MACMACMACMACMACMACMACMACMACMACMACMACMACMACM", 0},
    {"top-signed-in.html", &neil, top_rows, 9, 0,
     "after=0.5,109,9,9,MACMACMACMACMACMACMACMACMACMACMACMACMACMACM", 0},
    {"deep-signed-in.html", &hara, deep_rows, 4, 1, NULL, 0},
    {"deep-other-viewer.html", &neil, deep_rows, 4, 1, NULL, 0},
    {"empty.html", &anonymous, NULL, 0, 0, NULL, 0},
    {"past-the-end.html", &hara, NULL, 0, 1, NULL, 0},
    {"top-anonymous.json", &anonymous, top_rows, 9, 0,
     "after=0.5,109,9,9,MACMACMACMACMACMACMACMACMACMACMACMACMACMACM", 1},
    {"deep-signed-in.json", &hara, deep_rows, 4, 1, NULL, 1},
    {"empty.json", &anonymous, NULL, 0, 0, NULL, 1},
};

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *s;

	if (f == NULL || (s = malloc(1 << 20)) == NULL) {
		if (f != NULL)
			fclose(f);
		return NULL;
	}
	*len = fread(s, 1, (1 << 20) - 1, f);
	s[*len] = '\0';
	fclose(f);
	return s;
}

/* Renders case i into ctx; returns the handler's result. */
static enum result
render(struct ctx *ctx, size_t i)
{
	struct board_page p = {cases[i].rows, cases[i].n, cases[i].paged,
	                       cases[i].next};
	size_t k;

	arena_reset(&ctx->arena);
	resp_reset(&ctx->resp);
	memset(&ctx->viewer, 0, sizeof(ctx->viewer));
	ctx->cache_control = "no-store";
	ctx->viewer.loaded = 1;
	if (cases[i].viewer->signed_in) {
		ctx->viewer.signed_in = 1;
		ctx->viewer.has_token = 1;
		ctx->viewer.id = cases[i].viewer->id;
		ctx->viewer.name = cases[i].viewer->name;
		for (k = 0; k < TOKEN_BYTES; k++)
			ctx->viewer.token[k] = (uint8_t)(k * 7 + 1);
	}
	return cases[i].json ? board_page_json(ctx, &p)
	                     : board_page_html(ctx, &p);
}

int
main(void)
{
	static struct ctx ctx;
	char path[256];
	const char *want_cache;
	char *want;
	size_t i, len = 0;

	arena_init(&ctx.arena, 1024 * 1024);
	resp_init(&ctx.resp, 1024 * 1024);
	ok(page_init("html") == 0 && board_page_init("html") == 0,
	   "templates load");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", GOLDEN_DIR,
		         cases[i].file);
		if (!ok(render(&ctx, i) == RESULT_OK, "%s renders",
		        cases[i].file))
			continue;
		want = slurp(path, &len);
		ok(want != NULL, "%s exists", path);
		is_int((long long)ctx.resp.body.len, (long long)len,
		       "  %zu bytes", len);
		ok(want != NULL && ctx.resp.body.len == len &&
		       memcmp(ctx.resp.body.data, want, len) == 0,
		   "  byte for byte the same as %s", path);
		is_str(ctx.resp.content_type,
		       cases[i].json ? "application/json"
		                     : "text/html; charset=utf-8",
		       "  content type");
		want_cache = cases[i].viewer->signed_in ? "private, no-store"
		                                        : "public, max-age=1";
		is_str(ctx.cache_control, want_cache, "  Cache-Control");
		is_str(ctx.resp.head.data, "Vary: Accept, Cookie\r\n",
		       "  Vary, and no other header");
		free(want);
	}
	return done_testing();
}
