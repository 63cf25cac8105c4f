/* spin: a one-thread CPU-bound target that measures its own work rate, for
 * bench/overhead.sh.
 *
 * It spins doing fixed units of pure computation.  The measurement window
 * starts on SIGUSR1 (sent by the bench once the profiler has attached, so
 * attach cost is not counted) and lasts --window seconds of wall time; then
 * it writes {"units": N, "wall_s": W, "units_per_s": R, "cpu_s": C,
 * "slice_units_per_s": [...]} to --out and exits.  A profiler's slowdown of
 * the target is 1 − R / R_baseline.  The window is also cut into 100 ms
 * slices with a rate each: sampling costs the same in every slice, while a
 * burst of unrelated load on a shared machine hits only a few, so the
 * median slice rate is a measure that such bursts do not move.
 *
 * Build: gcc -O2 -o spin bench/spin.c (the bench script does it).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "workload.h"

static struct slices slices;
static volatile uint64_t sink;

/* One unit of work, ~1 µs: short enough that reading the (vDSO) clock after
 * each unit ends the window precisely, long enough that the clock read is
 * a small, constant part of the unit. */
static __attribute__((noinline)) uint64_t work_unit(uint64_t x)
{
	for (int i = 0; i < 256; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

int main(int argc, char **argv)
{
	const char *ready = NULL, *out = NULL;
	double window = 4.0, max_wait = 60.0;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--ready"))
			ready = argv[i + 1];
		else if (!strcmp(argv[i], "--out"))
			out = argv[i + 1];
		else if (!strcmp(argv[i], "--window"))
			window = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--max-wait"))
			max_wait = atof(argv[i + 1]);
		else {
			fprintf(stderr, "usage: spin --ready FILE --out FILE [--window SECS] [--max-wait SECS]\n");
			return 2;
		}
	}
	if (!ready || !out || window <= 0 || window / SLICE_S >= MAX_SLICES) {
		fprintf(stderr, "usage: spin --ready FILE --out FILE [--window SECS] [--max-wait SECS]\n");
		return 2;
	}

	catch_usr1();
	if (write_ready("spin", ready) != 0)
		return 1;

	/* Spin (not sleep) while waiting: the profiler attaches to a thread that
	 * is already running flat out, as it would in real use. */
	uint64_t x = 88172645463325252u;
	double deadline = clock_s(CLOCK_MONOTONIC) + max_wait;
	while (!wl_go) {
		x = work_unit(x);
		if (clock_s(CLOCK_MONOTONIC) > deadline) {
			fprintf(stderr, "spin: no SIGUSR1 within %.0f s\n", max_wait);
			return 1;
		}
	}

	double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	double t1 = t0, end = t0 + window;
	uint64_t units = 0;
	slices_begin(&slices, t0, 0);
	while (t1 < end) {
		x = work_unit(x);
		units++;
		t1 = clock_s(CLOCK_MONOTONIC);
		slices_tick(&slices, t1, units);
	}
	double c1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	sink = x;

	char head[256];
	snprintf(head, sizeof(head),
		 "{\"units\": %llu, \"wall_s\": %.6f, \"units_per_s\": %.3f, "
		 "\"cpu_s\": %.6f, \"slice_units_per_s\": [",
		 (unsigned long long)units, t1 - t0, (double)units / (t1 - t0), c1 - c0);
	return write_result("spin", out, head, &slices) == 0 ? 0 : 1;
}
