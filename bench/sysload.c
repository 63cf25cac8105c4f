/* sysload: syscall-heavy targets that measure their own rate, for
 * bench/syscalls.sh (what tracing futex and read/write-family syscalls
 * costs the traced program).
 *
 *   sysload write --rate N [--size 64] [--file /dev/null]
 *       one thread write(2)s --size bytes to --file, paced at N calls/s
 *       (in 1 ms batches on an absolute schedule; 0: as fast as it can);
 *   sysload mutex [--threads 4] [--hold 100]
 *       a mutex ping-pong: a token goes round the threads in order, each
 *       waiting for its turn on its own condition variable under one mutex
 *       and doing --hold iterations of computation with it, so every
 *       handoff is a futex wake plus a futex wait.
 *
 * The window starts on SIGUSR1 (sent once the profiler has attached and
 * set up, so attach cost is not counted) and lasts --window seconds; then
 * it writes {"calls", "wall_s", "calls_per_s", "cpu_s", "cpu_us_per_call",
 * "slice_calls_per_s": [...]} to --out and exits.  "calls" are write(2)s or
 * token handoffs; cpu_s is the whole process's user+system time over
 * the window (getrusage), so a traced call's extra kernel time shows in
 * cpu_us_per_call even when a paced loop keeps its rate.  The window is cut
 * into 100 ms slices, each with its rate, as in spin.c.
 *
 * Build: cc -O2 -pthread -o sysload bench/sysload.c (the bench script does it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "workload.h"

#define MAX_THREADS 64

static _Atomic uint64_t calls;        /* the shared counter the slices read */
static _Atomic int stop;
static _Atomic int started;           /* set by main when the window starts */
static struct slices slices;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_cond[MAX_THREADS];
static int turn, nworkers;           /* protected by lock */
static uint64_t shared_state;
static long hold_iters = 100;

static __attribute__((noinline)) uint64_t compute(uint64_t x, long iters)
{
	for (long i = 0; i < iters; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

/* Workers exist before the ready file (so a profiler attaching with -p
 * finds every thread, also one that does not follow new threads) and
 * park, without syscalls a profiler traces, until the window starts. */
static void park(void)
{
	while (!atomic_load(&started))
		nap_ms();
}

/* The ping-pong: a token goes round the threads in order, under one mutex;
 * each thread waits on its own condition variable for its turn, then
 * passes the token on and wakes the next.  Every handoff is a futex wake
 * and a futex wait, whatever the number of CPUs. */
static void *mutex_worker(void *arg)
{
	int me = (int)(uintptr_t)arg, next = (me + 1) % nworkers;
	uint64_t n = 0;

	park();
	pthread_mutex_lock(&lock);
	for (;;) {
		while (turn != me && !atomic_load_explicit(&stop, memory_order_relaxed))
			pthread_cond_wait(&turn_cond[me], &lock);
		if (atomic_load_explicit(&stop, memory_order_relaxed))
			break;
		shared_state = compute(shared_state ^ n, hold_iters);
		turn = next;
		pthread_cond_signal(&turn_cond[next]);
		/* Batched: a shared counter bumped on every handoff would be one
		 * more contended cache line. */
		if (++n % 64 == 0)
			atomic_fetch_add_explicit(&calls, 64, memory_order_relaxed);
	}
	pthread_mutex_unlock(&lock);
	atomic_fetch_add_explicit(&calls, n % 64, memory_order_relaxed);
	return NULL;
}

struct writer_args {
	int fd;
	size_t size;
	double rate;
};

static void *write_worker(void *arg)
{
	const struct writer_args *w = arg;
	char buf[4096];
	uint64_t done = 0;

	memset(buf, 'x', sizeof(buf));
	park();
	double t0 = mono_now();
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		uint64_t want = done + 256;
		if (w->rate > 0) {
			/* Catch up to the schedule, then sleep to the next ms. */
			want = (uint64_t)(w->rate * (mono_now() - t0));
			if (want <= done) {
				nap_ms();
				continue;
			}
			/* In batches of at most 256, so the counter the slices
			 * read moves even when a profiler makes the loop fall
			 * far behind its schedule. */
			if (want > done + 256)
				want = done + 256;
		}
		for (; done < want; done++) {
			if (write(w->fd, buf, w->size) < 0 && errno != EINTR) {
				perror("sysload: write");
				exit(1);
			}
		}
		atomic_store_explicit(&calls, done, memory_order_relaxed);
	}
	return NULL;
}

static int usage(void)
{
	fputs("usage: sysload write|mutex [--window S] [--ready FILE] [--out FILE]\n"
	      "         write: [--rate CALLS/S] [--size BYTES] [--file PATH]\n"
	      "         mutex: [--threads N] [--hold ITERS]\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	const char *ready = NULL, *out = NULL, *file = "/dev/null";
	double window = 3.0, rate = 200000, max_wait = 60.0;
	int threads = 4, mode_write;
	size_t size = 64;
	pthread_t tids[MAX_THREADS];
	struct writer_args wa;

	if (argc < 2)
		return usage();
	mode_write = !strcmp(argv[1], "write");
	if (!mode_write && strcmp(argv[1], "mutex"))
		return usage();
	for (int i = 2; i + 1 < argc; i += 2) {
		const char *a = argv[i], *v = argv[i + 1];
		if (!strcmp(a, "--ready")) ready = v;
		else if (!strcmp(a, "--out")) out = v;
		else if (!strcmp(a, "--window")) window = atof(v);
		else if (!strcmp(a, "--rate")) rate = atof(v);
		else if (!strcmp(a, "--size")) size = (size_t)atol(v);
		else if (!strcmp(a, "--file")) file = v;
		else if (!strcmp(a, "--threads")) threads = atoi(v);
		else if (!strcmp(a, "--hold")) hold_iters = atol(v);
		else return usage();
	}
	if (!out || window <= 0 || size < 1 || size > 4096 || threads < 2 || threads > MAX_THREADS)
		return usage();
	nworkers = threads;
	for (int i = 0; i < threads; i++)
		pthread_cond_init(&turn_cond[i], NULL);

	catch_usr1();
	int nthreads = mode_write ? 1 : threads;
	if (mode_write) {
		wa.fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		wa.size = size;
		wa.rate = rate;
		if (wa.fd < 0) {
			fprintf(stderr, "sysload: %s: %s\n", file, strerror(errno));
			return 1;
		}
	}
	for (int i = 0; i < nthreads; i++) {
		int err = mode_write ? pthread_create(&tids[i], NULL, write_worker, &wa)
				     : pthread_create(&tids[i], NULL, mutex_worker, (void *)(uintptr_t)i);
		if (err) {
			fprintf(stderr, "sysload: pthread_create: %s\n", strerror(err));
			return 1;
		}
	}
	if (ready && write_ready("sysload", ready) != 0)
		return 1;
	if (nap_until_go("sysload", max_wait) != 0)
		return 1;

	/* The main thread only watches the clock (1 ms naps). */
	struct window w;
	atomic_store(&started, 1);
	watch_window(&calls, window, &slices, &w);
	atomic_store(&stop, 1);
	pthread_mutex_lock(&lock);
	for (int i = 0; i < nworkers; i++)
		pthread_cond_broadcast(&turn_cond[i]);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < nthreads; i++)
		pthread_join(tids[i], NULL);

	char head[320];
	snprintf(head, sizeof(head),
		 "{\"mode\": \"%s\", \"calls\": %llu, \"wall_s\": %.6f, \"calls_per_s\": %.1f, "
		 "\"cpu_s\": %.6f, \"cpu_us_per_call\": %.4f, \"slice_calls_per_s\": [",
		 mode_write ? "write" : "mutex", (unsigned long long)w.total, w.t1 - w.t0,
		 (double)w.total / (w.t1 - w.t0), w.c1 - w.c0,
		 w.total ? 1e6 * (w.c1 - w.c0) / (double)w.total : 0.0);
	return write_result("sysload", out, head, &slices) == 0 ? 0 : 1;
}
