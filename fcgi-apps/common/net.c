#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "server.h"

/* Splits "host:port" or "[v6]:port" into host and port. Returns 0 or -1. */
static int
net_split(const char *addr, char *host, size_t hlen, char *port, size_t plen)
{
	const char *colon, *start = addr, *end;

	if (*addr == '[') {
		start = addr + 1;
		if ((end = strchr(start, ']')) == NULL || end[1] != ':')
			return -1;
		colon = end + 1;
	} else {
		if ((colon = strrchr(addr, ':')) == NULL)
			return -1;
		end = colon;
	}
	if ((size_t)(end - start) >= hlen || strlen(colon + 1) >= plen ||
	    colon[1] == '\0')
		return -1;
	memcpy(host, start, (size_t)(end - start));
	host[end - start] = '\0';
	strcpy(port, colon + 1);
	return 0;
}

static int
net_unix_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -1;
	strcpy(sun->sun_path, path);
	return 0;
}

/* Opens a socket for addr and either binds or connects it. */
static int
net_open(const char *addr, int do_bind)
{
	struct addrinfo hints, *ai = NULL, *p;
	struct sockaddr_un sun;
	char host[256], port[16];
	int fd = -1, one = 1, rc;

	if (addr[0] == '/') {
		if (net_unix_addr(addr, &sun) == -1 ||
		    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
			return -1;
		if (do_bind) {
			unlink(addr);
			rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
		} else
			rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
		if (rc == 0)
			return fd;
		close(fd);
		return -1;
	}
	if (net_split(addr, host, sizeof(host), port, sizeof(port)) == -1) {
		errno = EINVAL;
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = do_bind ? AI_PASSIVE : 0;
	if (getaddrinfo(host[0] ? host : NULL, port, &hints, &ai) != 0) {
		errno = EINVAL;
		return -1;
	}
	for (p = ai; p != NULL; p = p->ai_next) {
		fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC,
		            p->ai_protocol);
		if (fd < 0)
			continue;
		if (do_bind) {
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
			           sizeof(one));
			rc = bind(fd, p->ai_addr, p->ai_addrlen);
		} else
			rc = connect(fd, p->ai_addr, p->ai_addrlen);
		if (rc == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

int
server_listen(const char *addr, int backlog)
{
	int fd;

	if ((fd = net_open(addr, 1)) < 0) {
		log_error("cannot listen on %s: %s", addr, strerror(errno));
		return -1;
	}
	if (listen(fd, backlog) < 0 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		log_error("cannot listen on %s: %s", addr, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
server_connect(const char *addr)
{
	return net_open(addr, 0);
}
