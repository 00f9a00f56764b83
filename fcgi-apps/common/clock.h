/*
 * clock: the one monotonic clock every module measures with, so that
 * deadlines, durations and "busy since" stamps compare with each other.
 */
#ifndef CLOCK_H
#define CLOCK_H

/* Milliseconds on CLOCK_MONOTONIC, with microsecond resolution. Never
 * goes backwards; unrelated to the time of day. */
double clock_ms(void);

#endif
