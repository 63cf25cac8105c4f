/* memload: a many-threaded target whose call stacks keep being new, for
 * bench/memory.sh (the DESIGN.md budget: kprof-top's memory bounded, under
 * 50 MB after an hour on a 16-thread target).
 *
 * Each of --threads threads loops: it walks a random path of depth 1..7
 * through eight functions (f0..f7, each calling a random one of them
 * again), computes ~50 µs at the end of it, then sleeps so that it is busy
 * --duty of its time.  8 + 8^2 + ... + 8^7 ≈ 2.4 million possible stacks,
 * so a profiler keeps meeting new ones for the whole run, as in a big
 * program, which is what makes a profiler's memory grow.  Runs until
 * killed.
 *
 * Build: cc -O2 -pthread -o memload bench/memload.c (the bench does it).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "workload.h"

#define FANOUT 8
#define MAX_DEPTH 7
#define BURN_NS 50000.0

static double duty = 0.05;
static volatile uint64_t sink;

typedef uint64_t step_fn(uint64_t x, uint64_t *rng, int depth);
static step_fn *steps[FANOUT];

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint64_t burn(uint64_t x)
{
	double end = clock_s(CLOCK_THREAD_CPUTIME_ID) + BURN_NS / 1e9;

	do {
		for (int i = 0; i < 256; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			__asm__ volatile("" : "+r"(x));
		}
	} while (clock_s(CLOCK_THREAD_CPUTIME_ID) < end);
	return x;
}

/* One step down the path, or the burn at its end.  The volatile add after
 * the call keeps it from being a tail call, so every frame stays. */
#define STEP(n)									\
	static __attribute__((noinline)) uint64_t f##n(uint64_t x, uint64_t *rng, int depth) \
	{									\
		uint64_t r;							\
		if (depth == 0)							\
			return burn(x + n);					\
		r = steps[rng_next(rng) % FANOUT](x, rng, depth - 1);		\
		__asm__ volatile("" : "+r"(r));					\
		return r + n;							\
	}
STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7)

static void *memload_thread(void *arg)
{
	uint64_t rng = 0x9e3779b97f4a7c15u ^ (uint64_t)(uintptr_t)arg * 0x100000001b3u;
	double idle_ns = BURN_NS * (1.0 - duty) / duty;

	for (;;) {
		int depth = (int)(rng_next(&rng) % MAX_DEPTH);
		sink += steps[rng_next(&rng) % FANOUT](rng, &rng, depth);
		struct timespec ts = { 0, (long)idle_ns };
		nanosleep(&ts, NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *ready = NULL;
	int threads = 16;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--ready"))
			ready = argv[i + 1];
		else if (!strcmp(argv[i], "--threads"))
			threads = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--duty"))
			duty = atof(argv[i + 1]);
		else
			break;
	}
	if (!ready || threads < 1 || threads > 1024 || duty <= 0 || duty > 1) {
		fprintf(stderr, "usage: memload --ready FILE [--threads N] [--duty FRACTION]\n");
		return 2;
	}
	steps[0] = f0, steps[1] = f1, steps[2] = f2, steps[3] = f3;
	steps[4] = f4, steps[5] = f5, steps[6] = f6, steps[7] = f7;
	for (int i = 1; i < threads; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, memload_thread, (void *)(uintptr_t)i) != 0) {
			fprintf(stderr, "memload: cannot start thread %d\n", i);
			return 1;
		}
	}
	if (write_ready("memload", ready) != 0)
		return 1;
	memload_thread((void *)(uintptr_t)0);
	return 0;
}
