/*
 * http: the request as FastCGI hands it over, and the response a handler
 * builds. Nothing here writes to the network; server.c does that.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>

#include "buf.h"

enum http_method {
	HTTP_GET = 1,
	HTTP_HEAD = 2,
	HTTP_POST = 4,
};

struct req {
	unsigned method;         /* one HTTP_* bit, 0 for anything else */
	const char *method_name; /* as received, for the log */
	const char *path;        /* DOCUMENT_URI: decoded, normalized */
	const char *query;       /* QUERY_STRING, "" when none */
	const char *cookie;      /* the Cookie header, or NULL */
	const char *accept;      /* the Accept header, or NULL */
	const char *host;        /* the Host header, or NULL */
	const char *origin;      /* the Origin header, or NULL */
	const char *fetch_site;  /* the Sec-Fetch-Site header, or NULL */
	const char *content_type;
	const char *request_id; /* nginx's $request_id, sanitized */
	long content_length;    /* -1 when absent */
	int https;              /* the client reached the edge over HTTPS */
	const char *body;
	size_t body_len;
};

struct resp {
	int status;
	const char *content_type;
	struct buf head; /* extra header lines, each ending in CRLF */
	struct buf body;
};

/* The reason phrase for a status this product sends. */
const char *http_reason(int status);

/* Finds cookie name in the Cookie header. Returns 1 and points *val at
 * its value (not NUL-terminated) or returns 0. */
int http_cookie(const struct req *r, const char *name, const char **val,
                size_t *len);
/* 1 if the Accept header ranks application/json above text/html. */
int http_wants_json(const char *accept);
/* Copies a request id if it is 1..64 characters of [A-Za-z0-9-], so it
 * is safe in logs; otherwise writes "-". */
void http_request_id(const char *in, char out[65]);

void resp_init(struct resp *resp, size_t max_body);
void resp_reset(struct resp *resp);
void resp_free(struct resp *resp);
/* Adds a header line. name and value must not contain CR or LF; the
 * callers pass constants and values this code made, never input. */
void resp_header(struct resp *resp, const char *name, const char *value);
/* Sets status and a Location for a redirect after a POST or to a
 * canonical URL; location is a path on this site. */
void resp_redirect(struct resp *resp, int status, const char *location);

#endif
