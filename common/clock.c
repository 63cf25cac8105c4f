/* Clock helpers (see clock.h). */
#include "config.h"

#include <time.h>

#include "clock.h"

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t clock_monotonic_ns(void) { return clock_ns(CLOCK_MONOTONIC); }
uint64_t clock_process_cpu_ns(void) { return clock_ns(CLOCK_PROCESS_CPUTIME_ID); }
uint64_t clock_thread_cpu_ns(void) { return clock_ns(CLOCK_THREAD_CPUTIME_ID); }

double clock_epoch_s(void)
{
	return (double)clock_ns(CLOCK_REALTIME) / 1e9;
}
