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
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define SLICE_S 0.1
#define MAX_SLICES 100000
#define SLOTS 256u
#define BATCH 256u

static volatile sig_atomic_t go;
static _Atomic uint64_t calls;
static _Atomic int stop, started, warmed;
static double slice_rate[MAX_SLICES];
static double rate;

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_now(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

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
	struct timespec ms = {0, 1000000};

	(void)arg;
	/* One batch before parking: a launcher's allocation hooks set up
	 * (heaptrack's reader loads its module data) before the window. */
	churn_batch(pool, &seed);
	atomic_store(&warmed, 1);
	while (!atomic_load(&started))
		nanosleep(&ms, NULL);
	double t0 = mono_now();
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		if (rate > 0 && (double)done >= rate * (mono_now() - t0)) {
			nanosleep(&ms, NULL);
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

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

static int write_atomically(const char *path, const char *text)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "allocload: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
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

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	int err = pthread_create(&tid, NULL, worker, NULL);
	if (err) {
		fprintf(stderr, "allocload: pthread_create: %s\n", strerror(err));
		return 1;
	}
	while (!atomic_load(&warmed)) {
		struct timespec ms = {0, 1000000};
		nanosleep(&ms, NULL);
	}
	char text[32];
	snprintf(text, sizeof(text), "%d\n", (int)getpid());
	if (write_atomically(ready, text) != 0)
		return 1;
	double wait_start = mono_now();
	while (!go) {
		struct timespec ms = {0, 1000000};
		nanosleep(&ms, NULL);
		if (mono_now() - wait_start > max_wait) {
			fprintf(stderr, "allocload: no SIGUSR1 within %.0f s\n", max_wait);
			return 1;
		}
	}

	atomic_store(&started, 1);
	double t0 = mono_now(), c0 = cpu_now();
	int nslices = 0;
	double slice_start = t0, now = t0;
	uint64_t slice_calls = 0;
	while (now - t0 < window) {
		struct timespec ms = {0, 1000000};
		nanosleep(&ms, NULL);
		now = mono_now();
		if (now - slice_start >= SLICE_S && nslices < MAX_SLICES) {
			uint64_t c = atomic_load(&calls);
			slice_rate[nslices++] = (double)(c - slice_calls) / (now - slice_start);
			slice_calls = c;
			slice_start = now;
		}
	}
	uint64_t total = atomic_load(&calls);
	double t1 = mono_now(), c1 = cpu_now();
	atomic_store(&stop, 1);
	pthread_join(tid, NULL);

	size_t cap = 320 + (size_t)nslices * 24, len = 0;
	char *buf = malloc(cap);
	if (!buf)
		return 1;
	len += (size_t)snprintf(buf + len, cap - len,
				"{\"calls\": %llu, \"wall_s\": %.6f, \"calls_per_s\": %.1f, "
				"\"cpu_s\": %.6f, \"cpu_us_per_call\": %.5f, \"cpu_total_s\": %.6f, "
				"\"slice_calls_per_s\": [",
				(unsigned long long)total, t1 - t0, (double)total / (t1 - t0), c1 - c0,
				total ? 1e6 * (c1 - c0) / (double)total : 0.0, cpu_now());
	for (int i = 0; i < nslices; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%.1f", i ? ", " : "", slice_rate[i]);
	snprintf(buf + len, cap - len, "]}\n");
	int rc = write_atomically(out, buf) == 0 ? 0 : 1;
	free(buf);
	return rc;
}
