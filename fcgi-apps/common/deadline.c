#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "deadline.h"

static timer_t deadline_timer;
static volatile sig_atomic_t deadline_fd = -1;
static volatile sig_atomic_t deadline_passed;

/* Only async-signal-safe calls here: shutdown(2) is one. */
static void
deadline_on_alarm(int sig)
{
	int fd = deadline_fd;

	(void)sig;
	if (fd >= 0) {
		shutdown(fd, SHUT_RDWR);
		deadline_passed = 1;
	}
}

int
deadline_init(void)
{
	struct sigevent sev;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = deadline_on_alarm;
	/* Calls the signal interrupts elsewhere (a log write) resume; those
	 * on the connection fail anyway once it is shut down. */
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) == -1)
		return -1;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGALRM;
	return timer_create(CLOCK_MONOTONIC, &sev, &deadline_timer);
}

void
deadline_arm(int fd, int seconds)
{
	struct itimerspec at = {.it_value = {seconds, 0}};

	deadline_passed = 0;
	deadline_fd = fd;
	timer_settime(deadline_timer, 0, &at, NULL);
}

int
deadline_disarm(void)
{
	struct itimerspec off = {{0, 0}, {0, 0}};

	/* Stopped before the descriptor is forgotten: a signal already on
	 * its way still finds it. */
	timer_settime(deadline_timer, 0, &off, NULL);
	deadline_fd = -1;
	return deadline_passed;
}
