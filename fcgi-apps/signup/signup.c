#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "log.h"
#include "name.h"
#include "page.h"
#include "password.h"
#include "pwlist.h"
#include "session.h"
#include "signup.h"

static struct tmpl *signup_tmpl;
static struct tmpl *login_tmpl;

const struct form_field signup_fields[SIGNUP__MAX] = {
    [SIGNUP_NAME] = {"name", 512, valid_name},
    [SIGNUP_PASSWORD] = {"password", 1024, valid_password},
    [SIGNUP_CONFIRM] = {"confirm", 1024, NULL},
    [SIGNUP_CSRF] = {"csrf", 64, valid_token},
};

static enum valid_err valid_login_password(struct form_value *v,
                                           const struct valid_env *env);

const struct form_field login_fields[LOGIN__MAX] = {
    [LOGIN_NAME] = {"name", 512, valid_login_name},
    [LOGIN_PASSWORD] = {"password", 1024, valid_login_password},
    [LOGIN_CSRF] = {"csrf", 64, valid_token},
};

static const struct field_words name_words = {{
    [VALID_MISSING] = "Enter a name.",
    [VALID_TOO_LONG] = "Use at most 64 characters.",
    [VALID_FORBIDDEN_CHAR] = "Use letters, digits, punctuation and symbols: "
                             "control, invisible, private-use and "
                             "unassigned characters are not allowed.",
    [VALID_ODD_SPACE] = "Use ordinary spaces only.",
}};

static const struct field_words new_password_words = {{
    [VALID_MISSING] = "Choose a password.",
    [VALID_TOO_SHORT] = "Use at least 8 characters.",
    [VALID_TOO_LONG] = "Use at most 256 characters.",
    [VALID_FORBIDDEN_CHAR] = "Control characters are not allowed in "
                             "passwords.",
    [VALID_COMMON] = "This password is too easy to guess: it is a common "
                     "password, a word or a simple pattern. A few unrelated "
                     "words make a good one.",
}};

static const struct field_words login_name_words = {{
    [VALID_MISSING] = "Enter your name.",
}};

static const struct field_words login_password_words = {{
    [VALID_MISSING] = "Enter your password.",
}};

#define MSG_EXPIRED                                                            \
	"This form had expired, so nothing was done. Please submit it "        \
	"again."
#define MSG_WRONG "Wrong name or password."
#define MSG_TAKEN "That name is taken. Choose another."
#define MSG_LOOKALIKE                                                          \
	"That name looks like \xe2\x80\x9c%s\xe2\x80\x9d, which is taken: "    \
	"letters of other alphabets or styles that look the same count as "    \
	"the same. Choose another."

int
signup_init(const struct config *cfg)
{
	if (crypto_secret_load() == -1) {
		log_error("%s must be set, to at least %d characters",
		          SECRET_ENV, SECRET_MIN_CHARS);
		return -1;
	}
	if (pwlist_open() == -1) {
		log_error("cannot read cracklib's dictionary (%s): install "
		          "cracklib-runtime",
		          pwlist_path());
		return -1;
	}
	if (password_limit(cfg->hash_concurrency, cfg->hash_waiters,
	                   cfg->hash_budget_ms) == -1) {
		log_error("cannot set up the scrypt permits");
		return -1;
	}
	signup_tmpl = page_load(cfg->html_dir, "signup.html");
	login_tmpl = page_load(cfg->html_dir, "login.html");
	return signup_tmpl && login_tmpl ? 0 : -1;
}

/* Any text at all: whether it is right is for the hash to say. */
static enum valid_err
valid_login_password(struct form_value *v, const struct valid_env *env)
{
	(void)env;
	return v->len == 0 ? VALID_MISSING : VALID_OK;
}

/* Renders a form page with its CSRF token and an optional message. */
static enum result
form_page(struct ctx *ctx, int status, enum tab tab, const char *title,
          const struct tmpl *t, struct tdict *d, const char *message)
{
	const char *csrf = csrf_token(ctx);

	if (csrf == NULL || tdict_set(d, "csrf", csrf) == -1 ||
	    tdict_set(d, "message", message ? message : "") == -1)
		return RESULT_ERROR;
	return page_render(ctx, status, tab, title, t, d);
}

/*
 * Signs the browser in as astronaut id with a new session, replacing the
 * session it presented (a new token at every log-in), and sends it on
 * to /hours.
 */
static enum result
session_start(struct ctx *ctx, const uint8_t token[TOKEN_BYTES])
{
	uint8_t old[32];
	const char *params[1] = {(const char *)old};
	int lengths[1] = {sizeof(old)}, formats[1] = {1};
	PGresult *res;

	if (ctx->viewer.has_token) {
		crypto_sha256(ctx->viewer.token, TOKEN_BYTES, old);
		if (db_exec(&ctx->db, STMT_SESSION_DELETE, 1, params, lengths,
		            formats, &res) == DB_OK)
			PQclear(res);
	}
	session_cookie_set(ctx, token);
	resp_redirect(&ctx->resp, 303, "/hours");
	return RESULT_OK;
}

/* ---- sign up ----------------------------------------------------- */

static enum result
signup_form(struct ctx *ctx, int status, const struct form_value *v,
            const char *message, const char *name_error,
            const char *confirm_error)
{
	static const struct form_value empty = {0, "", 0, VALID_OK, {0}};
	struct tdict *d = tdict_new(&ctx->arena);

	if (d == NULL ||
	    page_field(d, "name", v ? &v[SIGNUP_NAME] : &empty, 1,
	               &name_words) == -1 ||
	    page_field(d, "password", v ? &v[SIGNUP_PASSWORD] : &empty, 0,
	               &new_password_words) == -1 ||
	    (name_error && tdict_set(d, "name_error", name_error) == -1) ||
	    (confirm_error &&
	     tdict_set(d, "confirm_error", confirm_error) == -1))
		return RESULT_ERROR;
	return form_page(ctx, status, TAB_SIGNUP, "Sign up", signup_tmpl, d,
	                 message);
}

/*
 * Whether the name, or one that looks like it, is taken. Returns NULL if
 * not (or on a database failure, in *rc), else the words for the form.
 */
static const char *
name_taken(struct ctx *ctx, const struct form_value *name, enum db_rc *rc)
{
	const char *const *skel = name->v.skeletons;
	const char *params[4] = {name->s, skel[NAME_SKEL_FOLDED],
	                         skel[NAME_SKEL_TYPED], skel[NAME_SKEL_UPPER]};
	const char *taken = NULL;
	PGresult *res;

	if ((*rc = db_exec(&ctx->db, STMT_NAME_TAKEN, 4, params, NULL, NULL,
	                   &res)) != DB_OK)
		return NULL;
	if (PQntuples(res) == 1) {
		if (strcmp(PQgetvalue(res, 0, PQfnumber(res, "same")), "t") ==
		    0)
			taken = MSG_TAKEN;
		else
			taken = arena_printf(
			    &ctx->arena, MSG_LOOKALIKE,
			    PQgetvalue(res, 0, PQfnumber(res, "name")));
		if (taken == NULL) /* no room for the other name */
			taken = MSG_TAKEN;
	}
	PQclear(res);
	return taken;
}

/* The words a form gives when its password could not be hashed in time;
 * sets Retry-After. NULL when out of memory. */
static const char *
busy_message(struct ctx *ctx, const char *what)
{
	int secs = password_busy_seconds();
	char retry[16];

	snprintf(retry, sizeof(retry), "%d", secs);
	resp_header(&ctx->resp, "Retry-After", retry);
	return arena_printf(&ctx->arena,
	                    "Too many people are %s just now, so nothing "
	                    "was done. Please try again in %d second%s.",
	                    what, secs, secs == 1 ? "" : "s");
}

/* No hash could be done in time (password.h): 503, the form again. */
static enum result
signup_busy(struct ctx *ctx, const struct form_value *v)
{
	const char *msg = busy_message(ctx, "signing up");

	return msg ? signup_form(ctx, 503, v, msg, NULL, NULL) : RESULT_ERROR;
}

static enum result
signup_post(struct ctx *ctx)
{
	struct form_value *v = ctx->form;
	char mcf[PASSWORD_MCF_MAX], ttl[16];
	uint8_t token[TOKEN_BYTES], hash[32];
	const char *params[7];
	int lengths[7] = {0, 0, sizeof(hash), 0, 0, 0, 0};
	int formats[7] = {0, 0, 1, 0, 0, 0, 0};
	const char *taken;
	const char *mismatch = NULL, *confirm;
	size_t clen;
	enum db_rc rc;
	PGresult *res;
	int created;

	/* The password is in NFC by now (valid_password); so is the copy
	 * compared with it. */
	if (v[SIGNUP_PASSWORD].err == VALID_OK &&
	    (name_nfc(&ctx->arena, v[SIGNUP_CONFIRM].s, v[SIGNUP_CONFIRM].len,
	              &confirm, &clen) == -1 ||
	     clen != v[SIGNUP_PASSWORD].len ||
	     memcmp(confirm, v[SIGNUP_PASSWORD].s, clen) != 0))
		mismatch = "The two passwords do not match.";
	v[SIGNUP_CONFIRM].err = VALID_OK; /* judged by the comparison only */
	if (!form_valid(v, SIGNUP__MAX) || mismatch)
		return signup_form(ctx, 422, v, NULL, NULL, mismatch);
	if ((taken = name_taken(ctx, &v[SIGNUP_NAME], &rc)) != NULL)
		return signup_form(ctx, 409, v, NULL, taken, NULL);
	if (rc != DB_OK)
		return result_from_db(rc, &ctx->db, "name check");
	switch (
	    password_hash(v[SIGNUP_PASSWORD].s, v[SIGNUP_PASSWORD].len, mcf)) {
	case 0:
		break;
	case PASSWORD_GONE:
		return RESULT_GONE;
	case PASSWORD_BUSY:
		return signup_busy(ctx, v);
	default:
		return RESULT_ERROR;
	}
	if (session_new(token, hash) == -1)
		return RESULT_ERROR;
	snprintf(ttl, sizeof(ttl), "%d", ctx->cfg->session_ttl);
	params[0] = v[SIGNUP_NAME].s;
	params[1] = mcf;
	params[2] = (const char *)hash;
	params[3] = ttl;
	params[4] = v[SIGNUP_NAME].v.skeletons[NAME_SKEL_FOLDED];
	params[5] = v[SIGNUP_NAME].v.skeletons[NAME_SKEL_TYPED];
	params[6] = v[SIGNUP_NAME].v.skeletons[NAME_SKEL_UPPER];
	if ((rc = db_exec(&ctx->db, STMT_SIGNUP, 7, params, lengths, formats,
	                  &res)) != DB_OK)
		return result_from_db(rc, &ctx->db, "sign-up");
	created = PQntuples(res) == 1;
	PQclear(res);
	if (!created)
		return signup_form(ctx, 409, v, NULL, MSG_TAKEN, NULL);
	return session_start(ctx, token);
}

enum result
signup_page(struct ctx *ctx)
{
	if (ctx->req.method == HTTP_POST)
		return signup_post(ctx);
	return signup_form(ctx, 200, NULL, NULL, NULL, NULL);
}

enum result
signup_expired(struct ctx *ctx)
{
	return signup_form(ctx, 403, ctx->form, MSG_EXPIRED, NULL, NULL);
}

/* ---- log in ------------------------------------------------------ */

static enum result
login_form(struct ctx *ctx, int status, const struct form_value *v,
           const char *message)
{
	static const struct form_value empty = {0, "", 0, VALID_OK, {0}};
	struct tdict *d = tdict_new(&ctx->arena);

	if (d == NULL ||
	    page_field(d, "name", v ? &v[LOGIN_NAME] : &empty, 1,
	               &login_name_words) == -1 ||
	    page_field(d, "password", v ? &v[LOGIN_PASSWORD] : &empty, 0,
	               &login_password_words) == -1)
		return RESULT_ERROR;
	return form_page(ctx, status, TAB_LOGIN, "Log in", login_tmpl, d,
	                 message);
}

/* login_check(): the name must wait after wrong passwords. */
#define LOGIN_WAIT 2

/*
 * Verifies the typed password against mcf: in NFC first (what sign-up
 * hashes), then as typed if that differs, for hashes made before
 * passwords were normalized. Returns as password_verify() does.
 */
static int
login_verify(struct ctx *ctx, const struct form_value *pw, const char *mcf)
{
	const char *nfc;
	size_t nlen;
	int ok;

	if (name_nfc(&ctx->arena, pw->s, pw->len, &nfc, &nlen) == -1) {
		nfc = pw->s; /* not UTF-8: it can only match as typed */
		nlen = pw->len;
	}
	ok = password_verify(nfc, nlen, mcf);
	if (ok == 0 && (nlen != pw->len || memcmp(nfc, pw->s, nlen) != 0))
		ok = password_verify(pw->s, pw->len, mcf);
	return ok;
}

/*
 * Checks name and password. Returns 1 on a match, 0 on a mismatch (or a
 * database failure, in *rc), LOGIN_WAIT when the name must wait *wait
 * more seconds after wrong passwords, PASSWORD_GONE if the client left
 * before the hash, PASSWORD_BUSY if it could not be hashed in time. *id is the
 * account's id, or 0 if there is none. The password is hashed in every case (an
 * unknown name, a name that must wait), so timing tells nothing.
 */
static int
login_check(struct ctx *ctx, const struct form_value *v, long long *id,
            long *wait, enum db_rc *rc)
{
	const char *params[1] = {v[LOGIN_NAME].s};
	PGresult *res;
	int ok = 0;

	*id = 0;
	*wait = 0;
	*rc = db_exec(&ctx->db, STMT_LOGIN_LOOKUP, 1, params, NULL, NULL, &res);
	if (*rc != DB_OK)
		return 0;
	if (PQntuples(res) == 1) {
		ok = login_verify(
		    ctx, &v[LOGIN_PASSWORD],
		    PQgetvalue(res, 0, PQfnumber(res, "password_hash")));
		if (ok == -1)
			ok = 0;
		*id =
		    strtoll(PQgetvalue(res, 0, PQfnumber(res, "id")), NULL, 10);
		*wait = strtol(PQgetvalue(res, 0, PQfnumber(res, "wait")), NULL,
		               10);
		if (*wait > 0 && ok != PASSWORD_GONE && ok != PASSWORD_BUSY)
			ok = LOGIN_WAIT;
	} else
		ok = password_verify_dummy(v[LOGIN_PASSWORD].s,
		                           v[LOGIN_PASSWORD].len);
	PQclear(res);
	return ok;
}

/* Runs a statement about the account id that returns nothing useful. */
static enum db_rc
login_account(struct ctx *ctx, int stmt, long long id)
{
	char idbuf[24];
	const char *params[1] = {idbuf};
	PGresult *res;
	enum db_rc rc;

	snprintf(idbuf, sizeof(idbuf), "%lld", id);
	if ((rc = db_exec(&ctx->db, stmt, 1, params, NULL, NULL, &res)) ==
	    DB_OK)
		PQclear(res);
	return rc;
}

/* The name must wait: the form says for how long. */
static enum result
login_wait(struct ctx *ctx, const struct form_value *v, long wait)
{
	char secs[16];
	const char *msg;

	msg = arena_printf(&ctx->arena,
	                   "Too many wrong passwords for this name, so the "
	                   "password was not checked. Please try again in %ld "
	                   "second%s.",
	                   wait, wait == 1 ? "" : "s");
	if (msg == NULL)
		return RESULT_ERROR;
	snprintf(secs, sizeof(secs), "%ld", wait);
	resp_header(&ctx->resp, "Retry-After", secs);
	return login_form(ctx, 429, v, msg);
}

/* No hash could be done in time (password.h): 503, the form again. */
static enum result
login_busy(struct ctx *ctx, const struct form_value *v)
{
	const char *msg = busy_message(ctx, "logging in");

	return msg ? login_form(ctx, 503, v, msg) : RESULT_ERROR;
}

static enum result
login_post(struct ctx *ctx)
{
	struct form_value *v = ctx->form;
	uint8_t token[TOKEN_BYTES], hash[32];
	char idbuf[24], ttl[16];
	const char *params[3] = {(const char *)hash, idbuf, ttl};
	int lengths[3] = {sizeof(hash), 0, 0}, formats[3] = {1, 0, 0};
	long long id = 0;
	long wait = 0;
	enum db_rc rc;
	PGresult *res;

	if (v[LOGIN_NAME].err == VALID_MISSING ||
	    v[LOGIN_PASSWORD].err == VALID_MISSING)
		return login_form(ctx, 422, v, NULL);
	/* A name that could never have been registered cannot match. */
	if (!form_valid(v, LOGIN__MAX)) {
		v[LOGIN_NAME].err = VALID_OK;
		switch (password_verify_dummy(v[LOGIN_PASSWORD].s,
		                              v[LOGIN_PASSWORD].len)) {
		case PASSWORD_GONE:
			return RESULT_GONE;
		case PASSWORD_BUSY:
			return login_busy(ctx, v);
		}
		return login_form(ctx, 403, v, MSG_WRONG);
	}
	switch (login_check(ctx, v, &id, &wait, &rc)) {
	case 1:
		break;
	case PASSWORD_GONE:
		return RESULT_GONE;
	case PASSWORD_BUSY:
		return login_busy(ctx, v);
	case LOGIN_WAIT:
		return login_wait(ctx, v, wait);
	default:
		if (rc != DB_OK)
			return result_from_db(rc, &ctx->db, "log-in lookup");
		if (id != 0 &&
		    (rc = login_account(ctx, STMT_LOGIN_FAILED, id)) != DB_OK)
			return result_from_db(rc, &ctx->db, "log-in failure");
		return login_form(ctx, 403, v, MSG_WRONG);
	}
	if ((rc = login_account(ctx, STMT_LOGIN_CLEAR, id)) != DB_OK)
		return result_from_db(rc, &ctx->db, "log-in failures cleared");
	if (session_new(token, hash) == -1)
		return RESULT_ERROR;
	snprintf(idbuf, sizeof(idbuf), "%lld", id);
	snprintf(ttl, sizeof(ttl), "%d", ctx->cfg->session_ttl);
	if ((rc = db_exec(&ctx->db, STMT_SESSION_CREATE, 3, params, lengths,
	                  formats, &res)) != DB_OK)
		return result_from_db(rc, &ctx->db, "session create");
	PQclear(res);
	return session_start(ctx, token);
}

enum result
login_page(struct ctx *ctx)
{
	if (ctx->req.method == HTTP_POST)
		return login_post(ctx);
	return login_form(ctx, 200, NULL, NULL);
}

enum result
login_expired(struct ctx *ctx)
{
	return login_form(ctx, 403, ctx->form, MSG_EXPIRED);
}

/* ---- log out ----------------------------------------------------- */

const struct form_field logout_fields[LOGOUT__MAX] = {
    [LOGOUT_CSRF] = {"csrf", 64, valid_token},
};

enum result
logout_expired(struct ctx *ctx)
{
	return page_error(ctx, 403, "Not logged out",
	                  "That log-out form had expired, so you are still "
	                  "signed in. Use the Log out button again.");
}

enum result
logout_post(struct ctx *ctx)
{
	uint8_t hash[32];
	const char *params[1] = {(const char *)hash};
	int lengths[1] = {sizeof(hash)}, formats[1] = {1};
	enum db_rc drc;
	PGresult *res;

	if (ctx->viewer.signed_in) {
		crypto_sha256(ctx->viewer.token, TOKEN_BYTES, hash);
		if ((drc = db_exec(&ctx->db, STMT_SESSION_DELETE, 1, params,
		                   lengths, formats, &res)) != DB_OK)
			return result_from_db(drc, &ctx->db, "log-out");
		PQclear(res);
	}
	session_cookie_clear(ctx);
	resp_redirect(&ctx->resp, 303, "/board");
	return RESULT_OK;
}
