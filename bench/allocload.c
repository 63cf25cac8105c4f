/* allocload: allocation-heavy and light targets that measure their own
 * rate, for bench/alloc.sh (what each way of finding allocation sites costs
 * the program it watches).
 *
 *   allocload [--rate N] [--window S] [--cpu N] --ready FILE --out FILE
 *
 * One worker thread frees and allocates blocks of 16–512 bytes over a pool
 * of 256 slots (a random slot each time, as alloc_sites' churn does: glibc's
 * fast path, no growth), in batches of 256 pairs; --rate 0 (default) as fast
 * as it can, else paced at N pairs/s on an absolute schedule (1 ms naps).
 * The worker exists, has made one batch (a warm-up) and is parked before
 * the ready file is written, so a
 * profiler attaching with -p finds it; --cpu pins the whole process (before
 * the worker starts) to that CPU.
 *
 * The window starts on SIGUSR1 and lasts --window seconds; then it writes
 * {"calls", "wall_s", "calls_per_s", "cpu_s", "cpu_us_per_call",
 * "cpu_total_s", "slice_calls_per_s": [...]} to --out and exits.  calls are
 * malloc+free pairs; cpu_s is the process's user+system time over the window
 * (getrusage), cpu_total_s over its whole life (so a launcher's rusage can
 * be split into the target's and its own); the window is cut into 100 ms
 * slices, each with its rate, as in sysload.c.
 *
 * Build: cc -O2 -pthread -o allocload bench/allocload.c (the bench script does it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "workload.h"

#define SLOTS 256u
#define BATCH 256u

static _Atomic uint64_t calls;
static _Atomic int stop, started, warmed;
static struct slices slices;
static double rate;

/* One batch of free+malloc pairs; the pool outlives it. */
static __attribute__((noinline)) void churn_batch(void **pool, uint64_t *seed)
{
	for (unsigned i = 0; i < BATCH; i++) {
		*seed = *seed * 6364136223846793005u + 1442695040888963407u;
		uint64_t r = *seed >> 33;
		unsigned slot = (unsigned)(r % SLOTS);
		free(pool[slot]);
		pool[slot] = malloc(16 + (size_t)((r >> 8) % 497));
		if (pool[slot])
			*(volatile char *)pool[slot] = (char)r;
	}
}

static void *worker(void *arg)
{
	static void *pool[SLOTS];
	uint64_t seed = 0x243f6a8885a308d3u, done = 0;

	(void)arg;
	/* One batch before parking: a launcher's allocation hooks set up
	 * (heaptrack's reader loads its module data) before the window. */
	churn_batch(pool, &seed);
	atomic_store(&warmed, 1);
	while (!atomic_load(&started))
		nap_ms();
	double t0 = mono_now();
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		if (rate > 0 && (double)done >= rate * (mono_now() - t0)) {
			nap_ms();
			continue;
		}
		churn_batch(pool, &seed);
		done += BATCH;
		atomic_store_explicit(&calls, done, memory_order_relaxed);
	}
	for (unsigned i = 0; i < SLOTS; i++)
		free(pool[i]);
	return NULL;
}

static int usage(void)
{
	fputs("usage: allocload [--rate PAIRS/S] [--window S] [--cpu N] --ready FILE --out FILE\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	const char *ready = NULL, *out = NULL;
	double window = 3.0, max_wait = 120.0;
	int cpu = -1;
	pthread_t tid;

	for (int i = 1; i + 1 < argc; i += 2) {
		const char *a = argv[i], *v = argv[i + 1];
		if (!strcmp(a, "--ready")) ready = v;
		else if (!strcmp(a, "--out")) out = v;
		else if (!strcmp(a, "--window")) window = atof(v);
		else if (!strcmp(a, "--rate")) rate = atof(v);
		else if (!strcmp(a, "--cpu")) cpu = atoi(v);
		else return usage();
	}
	if (!out || !ready || window <= 0 || rate < 0)
		return usage();
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof set, &set) != 0)
			fprintf(stderr, "allocload: cannot pin to CPU %d: %s\n", cpu, strerror(errno));
	}

	catch_usr1();
	int err = pthread_create(&tid, NULL, worker, NULL);
	if (err) {
		fprintf(stderr, "allocload: pthread_create: %s\n", strerror(err));
		return 1;
	}
	while (!atomic_load(&warmed))
		nap_ms();
	if (write_ready("allocload", ready) != 0)
		return 1;
	if (nap_until_go("allocload", max_wait) != 0)
		return 1;

	struct window w;
	atomic_store(&started, 1);
	watch_window(&calls, window, &slices, &w);
	atomic_store(&stop, 1);
	pthread_join(tid, NULL);

	char head[320];
	snprintf(head, sizeof(head),
		 "{\"calls\": %llu, \"wall_s\": %.6f, \"calls_per_s\": %.1f, "
		 "\"cpu_s\": %.6f, \"cpu_us_per_call\": %.5f, \"cpu_total_s\": %.6f, "
		 "\"slice_calls_per_s\": [",
		 (unsigned long long)w.total, w.t1 - w.t0, (double)w.total / (w.t1 - w.t0),
		 w.c1 - w.c0, w.total ? 1e6 * (w.c1 - w.c0) / (double)w.total : 0.0, cpu_now());
	return write_result("allocload", out, head, &slices) == 0 ? 0 : 1;
}
