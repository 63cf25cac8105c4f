/* workload.h: what the bench targets (spin.c, sysload.c, allocload.c) have
 * in common: the clocks they time themselves with, the SIGUSR1 that starts
 * their measurement window, the ready and result files they write (via a
 * temporary file and rename(2), so the bench never reads half a file), and
 * the 100 ms slices their rates are cut into.
 *
 * Each target is one .c file that the bench script builds on its own with
 * `cc -O2` (no configure, no config.h), so this header holds the code
 * itself, as static inline functions: a program that does not use one gets
 * no unused-function warning.  `prog` is the program's name, for messages.
 */
#ifndef BENCH_WORKLOAD_H
#define BENCH_WORKLOAD_H

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* The window is cut into slices of SLICE_S seconds, each with its rate:
 * a profiler costs the same in every slice, while a burst of unrelated load
 * on a shared machine hits only a few, so the median slice rate is a
 * measure that such bursts do not move. */
#define SLICE_S 0.1
#define MAX_SLICES 100000

struct slices {
	int n;
	double start;           /* when the current slice began */
	uint64_t count;         /* the counter's value then */
	double rate[MAX_SLICES];
};

/* Set by SIGUSR1: the bench sends it once the profiler has attached and set
 * up, so attach cost is not counted in the window. */
static volatile sig_atomic_t wl_go;

static inline double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline double mono_now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* The whole process's user+system time, all threads, in seconds. */
static inline double cpu_now(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static inline void nap_ms(void)
{
	struct timespec ms = {0, 1000000};
	nanosleep(&ms, NULL);
}

static inline void wl_on_usr1(int sig)
{
	(void)sig;
	wl_go = 1;
}

static inline void catch_usr1(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = wl_on_usr1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}

/* Idle in 1 ms naps (not pause(): the signal may have come already) until
 * SIGUSR1; -1 if it does not come within max_wait seconds. */
static inline int nap_until_go(const char *prog, double max_wait)
{
	double wait_start = mono_now();
	while (!wl_go) {
		nap_ms();
		if (mono_now() - wait_start > max_wait) {
			fprintf(stderr, "%s: no SIGUSR1 within %.0f s\n", prog, max_wait);
			return -1;
		}
	}
	return 0;
}

static inline int write_atomically(const char *prog, const char *path, const char *text)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The ready file holds the pid: a launcher's bench learns the target's
 * pid from it. */
static inline int write_ready(const char *prog, const char *path)
{
	char text[32];
	snprintf(text, sizeof(text), "%d\n", (int)getpid());
	return write_atomically(prog, path, text);
}

static inline void slices_begin(struct slices *s, double now, uint64_t count)
{
	s->n = 0;
	s->start = now;
	s->count = count;
}

/* Close the current slice if it has lasted SLICE_S; count is the running
 * total of whatever the program counts. */
static inline void slices_tick(struct slices *s, double now, uint64_t count)
{
	if (now - s->start >= SLICE_S && s->n < MAX_SLICES) {
		s->rate[s->n++] = (double)(count - s->count) / (now - s->start);
		s->count = count;
		s->start = now;
	}
}

/* The window of a target whose worker threads bump *calls: the calling
 * thread only watches the clock (1 ms naps) for window seconds.  Fills
 * the slices, the window's ends in wall and CPU time, and the total. */
struct window {
	double t0, t1, c0, c1;
	uint64_t total;
};

static inline void watch_window(_Atomic uint64_t *calls, double window, struct slices *s,
				struct window *w)
{
	w->t0 = mono_now();
	w->c0 = cpu_now();
	slices_begin(s, w->t0, 0);
	double now = w->t0;
	while (now - w->t0 < window) {
		nap_ms();
		now = mono_now();
		/* Read the counter only when a slice ends: it is the workers'
		 * cache line. */
		if (now - s->start >= SLICE_S)
			slices_tick(s, now, atomic_load(calls));
	}
	w->total = atomic_load(calls);
	w->t1 = mono_now();
	w->c1 = cpu_now();
}

/* Write head (a JSON object up to its last key, `"slice_…": [`) followed by
 * the slice rates and `]}` to path, atomically. */
static inline int write_result(const char *prog, const char *path, const char *head,
			       const struct slices *s)
{
	size_t cap = strlen(head) + 8 + (size_t)s->n * 24, len;
	char *buf = malloc(cap);
	if (!buf) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return -1;
	}
	len = (size_t)snprintf(buf, cap, "%s", head);
	for (int i = 0; i < s->n; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%.1f", i ? ", " : "", s->rate[i]);
	snprintf(buf + len, cap - len, "]}\n");
	int rc = write_atomically(prog, path, buf);
	free(buf);
	return rc;
}

#endif
