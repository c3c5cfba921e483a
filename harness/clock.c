/* clock.c: the harness's only clock, CLOCK_MONOTONIC wall time in nanoseconds, and
 * what is built on it: deadlines for bounded waits, stamps, a serial timer. */
#include "hx.h"

#include <errno.h>
#include <time.h>

uint64_t hx_now_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		hx_die_errno(__FILE__, __LINE__, "clock_gettime(CLOCK_MONOTONIC)", errno);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double hx_now(void)
{
	return (double)hx_now_ns() * 1e-9;
}

void hx_sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000u),
			       .tv_nsec = (long)(ns % 1000000000u) };
	while (nanosleep(&ts, &ts) != 0) {
		if (errno != EINTR)
			hx_die_errno(__FILE__, __LINE__, "nanosleep", errno);
	}
}

uint64_t hx_deadline(uint64_t ns)
{
	return hx_now_ns() + ns;
}

int hx_expired(uint64_t deadline)
{
	return hx_now_ns() > deadline;
}

uint64_t hx_stamp_ns(void)
{
	return hx_now_ns();
}

double hx_time(void (*fn)(void *arg), void *arg)
{
	double t0 = hx_now();
	fn(arg);
	return hx_now() - t0;
}
