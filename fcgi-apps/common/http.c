#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"

#define RESP_MAX_HEAD 4096

const char *
http_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 302:
		return "Found";
	case 303:
		return "See Other";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 411:
		return "Length Required";
	case 413:
		return "Content Too Large";
	case 415:
		return "Unsupported Media Type";
	case 422:
		return "Unprocessable Content";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Unknown";
	}
}

int
http_cookie(const struct req *r, const char *name, const char **val,
            size_t *len)
{
	const char *p = r->cookie, *end;
	size_t nlen = strlen(name);

	if (p == NULL)
		return 0;
	while (*p != '\0') {
		while (*p == ' ' || *p == ';')
			p++;
		end = strchr(p, ';');
		if (end == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) > nlen && strncmp(p, name, nlen) == 0 &&
		    p[nlen] == '=') {
			*val = p + nlen + 1;
			*len = (size_t)(end - *val);
			return 1;
		}
		p = end;
	}
	return 0;
}

/* The q parameter among a media range's parameters [p, end), in
 * thousandths; 1000 when there is none. */
static int
http_q(const char *p, const char *end)
{
	double q;

	while (p < end) {
		while (p < end && (*p == ';' || *p == ' '))
			p++;
		if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') &&
		    p[1] == '=') {
			q = strtod(p + 2, NULL);
			return q >= 0 && q <= 1 ? (int)(q * 1000) : 0;
		}
		while (p < end && *p != ';')
			p++;
	}
	return 1000;
}

/*
 * The q value (in thousandths) that accept gives to type: from the most
 * specific range that covers it (the exact type, then any subtype of its
 * major type, then anything at all), or -1 when nothing does.
 */
static int
http_accept_q(const char *accept, const char *type)
{
	const char *p = accept, *end;
	size_t len, tlen = strlen(type), major = strcspn(type, "/");
	int best = -1, prec = -1, this_prec;

	while (*p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		len = strcspn(p, ";,");
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len == tlen && strncasecmp(p, type, len) == 0)
			this_prec = 2;
		else if (len == major + 2 && strncasecmp(p, type, major) == 0 &&
		         p[major] == '/' && p[major + 1] == '*')
			this_prec = 1;
		else if (len == 3 && strncmp(p, "*/*", 3) == 0)
			this_prec = 0;
		else
			this_prec = -1;
		if (this_prec > prec) {
			best = http_q(p + len, end);
			prec = this_prec;
		}
		p = end;
	}
	return best;
}

int
http_wants_json(const char *accept)
{
	int json;

	if (accept == NULL)
		return 0;
	json = http_accept_q(accept, "application/json");
	return json > 0 && json > http_accept_q(accept, "text/html");
}

void
http_request_id(const char *in, char out[65])
{
	size_t i;

	if (in == NULL)
		in = "";
	for (i = 0; in[i] != '\0' && i < 64; i++) {
		char c = in[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-'))
			break;
		out[i] = c;
	}
	if (i == 0 || in[i] != '\0') {
		out[0] = '-';
		i = 1;
	}
	out[i] = '\0';
}

void
resp_init(struct resp *resp, size_t max_body)
{
	resp->status = 200;
	resp->content_type = "text/html; charset=utf-8";
	buf_init(&resp->head, RESP_MAX_HEAD);
	buf_init(&resp->body, max_body);
}

void
resp_reset(struct resp *resp)
{
	resp->status = 200;
	resp->content_type = "text/html; charset=utf-8";
	buf_reset(&resp->head);
	buf_reset(&resp->body);
}

void
resp_free(struct resp *resp)
{
	buf_free(&resp->head);
	buf_free(&resp->body);
}

void
resp_header(struct resp *resp, const char *name, const char *value)
{
	buf_puts(&resp->head, name);
	buf_puts(&resp->head, ": ");
	buf_puts(&resp->head, value);
	buf_puts(&resp->head, "\r\n");
}

void
resp_redirect(struct resp *resp, int status, const char *location)
{
	resp->status = status;
	resp_header(resp, "Location", location);
}
