/* bench/alloc_shim: what libkprof-alloc.so costs its target, in ns per
 * malloc+free pair, without the shim, with the shim preloaded but inert (no
 * ring), active with a mean so large it never samples (the fast paths
 * alone: the countdown and the free-side probe), and sampling (a ring,
 * drained by this process as kprof-top would).
 * Built and run by bench/alloc_shim.sh; see docs/alloc-shim.md.
 *
 *   alloc_shim [--shim PATH] [--repeats N] [--pairs N] [--mean BYTES]
 *   alloc_shim --loop small|mixed --pairs N      (the timed child)
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sampler/alloc_ring.h"

#define MAX_REPEATS 64
#define MIXED_SLOTS 64
#define MIXED_SIZES 4096

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The pointer escapes, so the compiler cannot drop the malloc/free pair. */
static inline void escape(void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

/* 16–128 bytes, freed at once: the allocator's fastest path, where any
 * added cost shows most. */
static double loop_small(uint64_t pairs)
{
	uint64_t t0 = now_ns();
	for (uint64_t i = 0; i < pairs; i++) {
		void *p = malloc(16 + (i & 7) * 16);
		escape(p);
		free(p);
	}
	return (double)(now_ns() - t0) / (double)pairs;
}

/* 16 B – 64 KiB, log-spread, 64 blocks live: each pair frees an older
 * block and allocates a new one, so frees hit memory allocated earlier. */
static double loop_mixed(uint64_t pairs)
{
	static size_t sizes[MIXED_SIZES];
	void *live[MIXED_SLOTS] = { 0 };
	uint64_t s = 12345, t0;

	for (unsigned i = 0; i < MIXED_SIZES; i++) {
		s = s * 6364136223846793005u + 1442695040888963407u;
		unsigned octave = (unsigned)(s >> 60) % 12;      /* 16 B … 32 KiB */
		sizes[i] = ((size_t)16 << octave) + (size_t)((s >> 20) % ((uint64_t)16 << octave));
	}
	t0 = now_ns();
	for (uint64_t i = 0; i < pairs; i++) {
		unsigned slot = (unsigned)(i * 7) % MIXED_SLOTS;
		free(live[slot]);
		live[slot] = malloc(sizes[i % MIXED_SIZES]);
		escape(live[slot]);
	}
	double ns = (double)(now_ns() - t0) / (double)pairs;
	for (unsigned i = 0; i < MIXED_SLOTS; i++)
		free(live[i]);
	return ns;
}

struct result {
	double ns;
	uint64_t records, lost;
};

static void count_record(const struct alloc_ring_record *rec, void *arg)
{
	(void)rec;
	(*(uint64_t *)arg)++;
}

/* One timed child: env as the configuration says; the ring drained while
 * it runs. */
static int run_child(const char *self, const char *loop, const char *pairs, const char *shim,
		     const char *mean, int with_ring, struct result *out)
{
	char path[128], buf[64];
	struct alloc_ring ring;
	int pipefd[2], status;
	pid_t pid;
	ssize_t n;

	memset(out, 0, sizeof *out);
	if (with_ring) {
		snprintf(path, sizeof path, "/dev/shm/kprof-alloc-bench-%d", (int)getpid());
		unlink(path);
		int err = alloc_ring_create(&ring, path, 8u << 20);
		if (err) {
			fprintf(stderr, "alloc_shim: %s: %s\n", path, strerror(-err));
			return -1;
		}
	}
	if (pipe(pipefd) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		/* The timed loop alone on the last CPU, the drainer elsewhere. */
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		if (ncpu > 1) {
			cpu_set_t set;
			CPU_ZERO(&set);
			CPU_SET((int)ncpu - 1, &set);
			sched_setaffinity(0, sizeof set, &set);
		}
		dup2(pipefd[1], 1);
		close(pipefd[0]);
		if (shim)
			setenv("LD_PRELOAD", shim, 1);
		else
			unsetenv("LD_PRELOAD");
		if (with_ring)
			setenv(ALLOC_RING_ENV, path, 1);
		else
			unsetenv(ALLOC_RING_ENV);
		setenv(ALLOC_RING_MEAN_ENV, mean, 1);
		execl(self, self, "--loop", loop, "--pairs", pairs, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (with_ring)
			alloc_ring_read(&ring, count_record, &out->records);
		struct timespec ms = { 0, 2000000 };
		nanosleep(&ms, NULL);
	}
	n = read(pipefd[0], buf, sizeof buf - 1);
	close(pipefd[0]);
	if (with_ring) {
		alloc_ring_read(&ring, count_record, &out->records);
		out->lost = alloc_ring_lost(&ring);
		alloc_ring_unlink(&ring);
		alloc_ring_close(&ring);
	}
	if (n <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	buf[n] = '\0';
	out->ns = strtod(buf, NULL);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	const char *loop = NULL, *shim = "./libkprof-alloc.so", *mean = "524288";
	const char *pairs_s = NULL;
	int repeats = 7;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--loop"))
			loop = argv[i + 1];
		else if (!strcmp(argv[i], "--shim"))
			shim = argv[i + 1];
		else if (!strcmp(argv[i], "--repeats"))
			repeats = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--pairs"))
			pairs_s = argv[i + 1];
		else if (!strcmp(argv[i], "--mean"))
			mean = argv[i + 1];
		else {
			fprintf(stderr, "alloc_shim: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (loop) {
		uint64_t pairs = pairs_s ? strtoull(pairs_s, NULL, 10) : 20000000u;
		/* Keep glibc from trimming and regrowing the heap top on every
		 * big free: that would time brk, not the allocator or the shim. */
		mallopt(M_TRIM_THRESHOLD, 256 << 20);
		mallopt(M_TOP_PAD, 64 << 20);
		double ns = !strcmp(loop, "small") ? loop_small(pairs) : loop_mixed(pairs);
		printf("%.3f\n", ns);
		return 0;
	}
	if (repeats < 1 || repeats > MAX_REPEATS)
		repeats = 7;

	char shim_abs[4096], self[4096];
	if (!realpath(shim, shim_abs)) {
		fprintf(stderr, "alloc_shim: %s: %s (build it: make libkprof-alloc.so)\n", shim,
			strerror(errno));
		return 2;
	}
	ssize_t sn = readlink("/proc/self/exe", self, sizeof self - 1);
	if (sn <= 0)
		return 1;
	self[sn] = '\0';

	static const char *loops[] = { "small", "mixed" };
	static const char *default_pairs[] = { "30000000", "10000000" };
	static const char *names[] = { "no shim", "shim inert", "shim, no samples",
				       "shim sampling" };
	double ns[2][4][MAX_REPEATS];
	uint64_t records[2], lost[2];
	memset(records, 0, sizeof records);
	memset(lost, 0, sizeof lost);

	/* Configurations interleaved in every repeat, rotated, so drift in the
	 * machine's speed hits all three alike. */
	for (int r = 0; r < repeats; r++) {
		for (int l = 0; l < 2; l++) {
			for (int k = 0; k < 4; k++) {
				int c = (k + r) % 4;
				struct result res;
				if (run_child(self, loops[l], pairs_s ? pairs_s : default_pairs[l],
					      c ? shim_abs : NULL, c == 2 ? "1000000000000000" : mean,
					      c >= 2, &res) != 0) {
					fprintf(stderr, "alloc_shim: a run failed\n");
					return 1;
				}
				ns[l][c][r] = res.ns;
				if (c == 3) {
					records[l] += res.records;
					lost[l] += res.lost;
				}
			}
		}
	}
	printf("| loop | %s | %s | %s | %s (mean %s B) | added by sampling | records/run | lost |\n",
	       names[0], names[1], names[2], names[3], mean);
	printf("|---|---|---|---|---|---|---|---|\n");
	for (int l = 0; l < 2; l++) {
		double m[4], lo[4];
		for (int c = 0; c < 4; c++) {
			m[c] = median(ns[l][c], repeats);
			lo[c] = ns[l][c][0];    /* sorted by median() */
		}
		printf("| %s | %.2f (%.2f) | %.2f (%.2f) | %.2f (%.2f) | %.2f (%.2f) | %+.2f ns | %"
		       PRIu64 " | %" PRIu64 " |\n", loops[l], m[0], lo[0], m[1], lo[1], m[2], lo[2],
		       m[3], lo[3], m[3] - m[0], records[l] / (uint64_t)repeats, lost[l]);
	}
	printf("\nns per malloc+free pair: median (fastest) of %d repeats; small: %s pairs of\n"
	       "16-128 B freed at once; mixed: %s pairs of 16 B-64 KiB, 64 live.\n",
	       repeats, pairs_s ? pairs_s : default_pairs[0], pairs_s ? pairs_s : default_pairs[1]);
	return 0;
}
