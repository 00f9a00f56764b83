/*
 * tap: the Test Anything Protocol for the C unit tests, run by prove.
 * Each test program includes this once, calls the checks, and returns
 * done_testing().
 */
#ifndef TAP_H
#define TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failures;

__attribute__((format(printf, 4, 0), unused)) static int
tap_vok(int pass, const char *file, int line, const char *fmt, va_list ap)
{
	tap_count++;
	printf("%sok %d - ", pass ? "" : "not ", tap_count);
	vprintf(fmt, ap);
	printf("\n");
	if (!pass) {
		tap_failures++;
		printf("#   Failed test at %s line %d.\n", file, line);
	}
	return pass;
}

__attribute__((format(printf, 4, 5), unused)) static int
tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = tap_vok(pass, file, line, fmt, ap);
	va_end(ap);
	return rc;
}

__attribute__((format(printf, 5, 6), unused)) static int
tap_is_int(long long got, long long want, const char *file, int line,
           const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = tap_vok(got == want, file, line, fmt, ap);
	va_end(ap);
	if (!rc)
		printf("#          got: %lld\n#     expected: %lld\n", got,
		       want);
	return rc;
}

__attribute__((format(printf, 5, 6), unused)) static int
tap_is_str(const char *got, const char *want, const char *file, int line,
           const char *fmt, ...)
{
	va_list ap;
	int rc, same = got && want ? strcmp(got, want) == 0 : got == want;

	va_start(ap, fmt);
	rc = tap_vok(same, file, line, fmt, ap);
	va_end(ap);
	if (!rc)
		printf("#          got: '%s'\n#     expected: '%s'\n",
		       got ? got : "(null)", want ? want : "(null)");
	return rc;
}

#define ok(cond, ...)     tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(g, w, ...) tap_is_int((g), (w), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(g, w, ...) tap_is_str((g), (w), __FILE__, __LINE__, __VA_ARGS__)
#define diag(...)         (printf("# "), printf(__VA_ARGS__), printf("\n"))

__attribute__((unused)) static int
done_testing(void)
{
	printf("1..%d\n", tap_count);
	return tap_failures > 0;
}

#endif
