/*
 * dbhost: connecting to one of the hosts of libpq's PGHOST/PGPORT list,
 * each host with its own budget inside the request's deadline.
 *
 * libpq tries a host list in order within one connect_timeout, which
 * it does not even apply to PQconnectPoll: a host that accepts and
 * then never answers (a frozen primary) would use the whole deadline
 * and the promoted standby would never be tried. So each host is
 * connected to on its own, given the time left divided by the hosts
 * left, and libpq checks PGTARGETSESSIONATTRS (read-write) on each.
 *
 * libpq also resolves a host name with a blocking getaddrinfo(); an
 * RDS endpoint is a name, and a slow resolver would hold the worker
 * past its deadline. Names are resolved here with glibc's
 * getaddrinfo_a() within the host's budget, and libpq gets the address
 * (hostaddr) beside the name (host, still used for TLS and .pgpass).
 * Socket paths and numeric addresses need no lookup.
 */
#ifndef DBHOST_H
#define DBHOST_H

#include <libpq-fe.h>

/* Reads PGHOST and PGPORT once. Returns 0, or -1 when the lists do not
 * match (one port for all hosts, or one per host). */
int dbhost_init(void);
/*
 * Connects to the first host in the list that answers as libpq's
 * settings require, in order, before deadline_ms (clock_ms() time).
 * Returns a connection in CONNECTION_OK, or NULL (dbhost_error() then
 * says why the last host failed).
 */
PGconn *dbhost_connect(const char *app_name, double deadline_ms);
/* Why the last failed attempt failed; "" before any. */
const char *dbhost_error(void);

#endif
