/* html.c and tmpl.c: the one escaping path, and templates around it. */
#include "html.h"
#include "tap.h"
#include "tmpl.h"

static struct arena arena;

/* Rows for tdict_rows(): names, and a flag on the second. */
struct rows_arg {
	const char *const *names;
	struct tval *name, *second;
	int stop_at; /* fill fails at this row; -1: never */
};

static int
fill_row(void *arg, size_t i)
{
	struct rows_arg *r = arg;

	if ((int)i == r->stop_at)
		return -1;
	tval_set(r->name, r->names[i], strlen(r->names[i]));
	tval_flag(r->second, i == 1);
	return 0;
}

/* Compiles src, renders it with d, returns the output or an error. */
static const char *
render(const char *src, struct tdict *d)
{
	static struct buf out;
	static char err[128];
	struct tmpl *t;
	const char *what = NULL;

	buf_free(&out);
	buf_init(&out, 4096);
	if ((t = tmpl_compile(src, strlen(src), err, sizeof(err))) == NULL)
		return err;
	if (tmpl_render(t, d, &out, &what) == -1) {
		snprintf(err, sizeof(err), "render failed at %s", what);
		tmpl_free(t);
		return err;
	}
	tmpl_free(t);
	return out.data ? out.data : "";
}

static const struct {
	const char *in, *want;
} escapes[] = {
    {"plain", "plain"},
    {"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
    {"a & b", "a &amp; b"},
    {"\"quoted\" 'single'", "&quot;quoted&quot; &#39;single&#39;"},
    {"&amp;", "&amp;amp;"},
    {"\xc3\x85sa", "\xc3\x85sa"},
};

static const struct {
	const char *in;
	size_t len;
	const char *want, *why;
} json[] = {
    {"Neil", 4, "\"Neil\"", "plain"},
    {"say \"hi\"", 8, "\"say \\\"hi\\\"\"", "quotes"},
    {"back\\slash", 10, "\"back\\\\slash\"", "backslash"},
    {"a\nb\x01", 4, "\"a\\u000ab\\u0001\"", "control characters"},
    {"\xc3\x85sa \xf0\x9f\x9a\x80", 9, "\"\xc3\x85sa \xf0\x9f\x9a\x80\"",
     "UTF-8 as it is"},
    {"</script>", 9, "\"</script>\"", "no HTML escaping in JSON"},
};

int
main(void)
{
	struct buf b;
	struct tdict *d, *item;
	size_t i;

	arena_init(&arena, 1 << 20);
	for (i = 0; i < sizeof(escapes) / sizeof(escapes[0]); i++) {
		buf_init(&b, 1024);
		html_escape(&b, escapes[i].in, strlen(escapes[i].in));
		is_str(b.data, escapes[i].want, "escape %s", escapes[i].in);
		buf_free(&b);
	}
	buf_init(&b, 8);
	ok(html_escape(&b, "<<<", 3) == -1 && buf_failed(&b),
	   "escaping past the buffer's bound fails");
	buf_free(&b);

	for (i = 0; i < sizeof(json) / sizeof(json[0]); i++) {
		buf_init(&b, 1024);
		json_string(&b, json[i].in, json[i].len);
		is_str(b.data, json[i].want, "JSON string: %s", json[i].why);
		buf_free(&b);
	}

	d = tdict_new(&arena);
	tdict_set(d, "name", "<b>Buzz</b>");
	tdict_flag(d, "on", 1);
	tdict_flag(d, "off", 0);
	is_str(render("Hi {{name}}!", d), "Hi &lt;b&gt;Buzz&lt;/b&gt;!",
	       "variables are escaped");
	is_str(render("Hi {{ name }}!", d), "Hi &lt;b&gt;Buzz&lt;/b&gt;!",
	       "spaces inside a tag are allowed");
	is_str(render("{{#on}}yes{{/on}}{{#off}}no{{/off}}", d), "yes",
	       "flag sections");
	is_str(render("{{^on}}a{{/on}}{{^off}}b{{/off}}{{^absent}}c{{/absent}}",
	              d),
	       "bc", "inverted sections");
	is_str(render("{{#name}}[{{name}}]{{/name}}", d),
	       "[&lt;b&gt;Buzz&lt;/b&gt;]",
	       "a non-empty string opens a section");
	is_str(render("a{{! a comment }}b", d), "ab", "comments");
	is_str(render("{{missing}}", d), "render failed at missing",
	       "an undefined variable is an error, not an empty string");
	is_str(render("{{{name}}}", d), "render failed at name",
	       "a plain string cannot be inserted raw");
	is_str(render("{{#on}}", d), "line 1: section not closed",
	       "unclosed section");
	is_str(render("x\n{{#on}}{{/off}}", d),
	       "line 2: close does not match open",
	       "mismatched close, with its line");
	is_str(render("{{/on}}", d), "line 1: close without open",
	       "close without open");
	is_str(render("{{name", d), "line 1: unterminated tag",
	       "unterminated tag");
	is_str(render("{{Na-me}}", d), "line 1: bad name in tag", "bad name");

	d = tdict_new(&arena);
	tdict_set(d, "title", "Board");
	item = tdict_push(d, "rows");
	tdict_set(item, "name", "Neil");
	item = tdict_push(d, "rows");
	tdict_set(item, "name", "Buzz & co");
	is_str(
	    render("<ul>{{#rows}}<li>{{name}} ({{title}})</li>{{/rows}}</ul>",
	           d),
	    "<ul><li>Neil (Board)</li><li>Buzz &amp; co (Board)</li></ul>",
	    "lists repeat, and items see their parent's values");
	is_str(render("{{^rows}}none{{/rows}}", d), "",
	       "a non-empty list is truthy");

	buf_init(&b, 64);
	buf_puts(&b, "<p>rendered</p>");
	tdict_fragment(d, "content", &b);
	buf_free(&b);
	is_str(render("<main>{{{content}}}</main>", d),
	       "<main><p>rendered</p></main>",
	       "a rendered fragment goes in raw");
	is_str(render("{{content}}", d), "render failed at content",
	       "a fragment is not a plain variable");

	{
		static const char *const names[] = {"Neil", "Buzz & co",
		                                    "Sally"};
		struct rows_arg r = {names, NULL, NULL, -1};
		struct tdict *rd = tdict_new(&arena), *row;
		struct tmpl *inner;
		char err[64];

		tdict_set(rd, "title", "Board");
		row = tdict_rows(rd, "rows", 3, fill_row, &r);
		r.name = tdict_val(row, "name");
		r.second = tdict_val(row, "second");
		ok(row && r.name && r.second, "a list of rows and its values");
		is_str(render("{{#rows}}<li{{#second}} class=x{{/second}}>"
		              "{{name}} ({{title}})</li>{{/rows}}",
		              rd),
		       "<li>Neil (Board)</li><li class=x>Buzz &amp; co "
		       "(Board)</li><li>Sally (Board)</li>",
		       "rows are filled in turn, escaped, and see their "
		       "parent's values");
		is_str(render("{{^rows}}none{{/rows}}", rd), "",
		       "rows are truthy");
		r.stop_at = 1;
		is_str(render("{{#rows}}{{name}}{{/rows}}", rd),
		       "render failed at rows", "a failed fill stops the page");
		is_str(render("{{#rows}}{{nope}}{{/rows}}", rd),
		       "render failed at nope",
		       "an undefined name inside rows still fails");
		row = tdict_rows(rd, "rows", 0, fill_row, &r);
		is_str(render("{{^rows}}none{{/rows}}", rd), "none",
		       "no rows are falsy");

		inner = tmpl_compile("<p>{{title}}</p>", 16, err, sizeof(err));
		ok(tdict_template(rd, "content", inner, rd) == 0,
		   "a template as a value");
		is_str(render("<main>{{{content}}}</main>", rd),
		       "<main><p>Board</p></main>",
		       "is rendered in place with its values");
		is_str(render("{{content}}", rd), "render failed at content",
		       "but not as a plain variable");
		tmpl_free(inner);
		inner =
		    tmpl_compile("<p>{{{content}}}</p>", 20, err, sizeof(err));
		tdict_template(rd, "content", inner, rd);
		is_str(render("{{{content}}}", rd), "render failed at content",
		       "a template that contains itself fails, and ends");
		tmpl_free(inner);
	}

	{
		struct tdict *pd = tdict_new(&arena);
		struct tval *n = tdict_val(pd, "n");

		tval_set_plain(n, "12.5", 4);
		is_str(render("<td>{{n}}</td>", pd), "<td>12.5</td>",
		       "a plain value is written as it is");
		tval_set(n, "<b>", 3);
		is_str(render("<td>{{n}}</td>", pd), "<td>&lt;b&gt;</td>",
		       "set again as text, it is escaped again");
		tval_set_plain(n, "7", 1);
		tdict_set(pd, "n", "a&b");
		is_str(render("{{n}}", pd), "a&amp;b",
		       "and so when set through the dictionary");
	}

	ok(tdict_set(d, "x", NULL) == -1,
	   "setting NULL fails (failed allocations)");
	{
		char src[] = "a\0b";

		ok(tmpl_compile(src, 3, (char[64]){0}, 64) == NULL,
		   "a NUL inside a template is refused");
	}
	arena_free(&arena);
	return done_testing();
}
