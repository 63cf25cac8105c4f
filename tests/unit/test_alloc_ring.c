/* Unit tests for sampler/alloc_ring.c (writer and reader in one process:
 * round trips, wrap, a full ring, concurrent writers) and for the shim
 * built on it: the alloc_sites fixture run under LD_PRELOAD, its retained
 * bytes recovered from the ring against the truth it prints. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "sampler/alloc_ring.h"
#include "elf_truth.h"

static char ring_path[128];

static int make_ring(struct alloc_ring *ring, size_t bytes)
{
	static unsigned n;
	const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	snprintf(ring_path, sizeof ring_path, "%s/kprof-alloc-test-%d-%u", dir, (int)getpid(), n++);
	unlink(ring_path);
	return alloc_ring_create(ring, ring_path, bytes);
}

/* A failed assertion leaves its test early: never leave its ring file in
 * /dev/shm. */
static int unlink_ring(void **state)
{
	(void)state;
	if (ring_path[0])
		unlink(ring_path);
	return 0;
}

static void drop_ring(struct alloc_ring *ring)
{
	assert_int_equal(alloc_ring_unlink(ring), 0);
	alloc_ring_close(ring);
}

/* Every record a read delivered, copied (frames included). */
struct got {
	struct alloc_ring_record rec[4096];
	uint64_t ips[4096][8];
	size_t n;
};

static void collect(const struct alloc_ring_record *rec, void *arg)
{
	struct got *g = arg;

	assert_true(g->n < 4096);
	g->rec[g->n] = *rec;
	for (unsigned i = 0; i < rec->nframes && i < 8; i++)
		g->ips[g->n][i] = rec->ips[i];
	g->rec[g->n].ips = NULL;
	g->n++;
}

static void test_round_trip(void **state)
{
	static struct got g;
	struct alloc_ring ring;
	const uint64_t ips[3] = { 0x401000, 0x402000, 0x403000 };

	(void)state;
	g.n = 0;
	assert_int_equal(make_ring(&ring, 4096), 0);
	assert_true(alloc_ring_write_start(&ring, 10, 4242, 524288));
	assert_true(alloc_ring_write_alloc(&ring, 11, 77, 0xdead0000, 100, 524300, ips, 3));
	assert_true(alloc_ring_write_free(&ring, 12, 78, 0xdead0000));
	assert_int_equal(alloc_ring_read(&ring, collect, &g), 3);
	assert_int_equal(g.n, 3);

	assert_int_equal(g.rec[0].type, ALLOC_RING_START);
	assert_int_equal(g.rec[0].time_ns, 10);
	assert_int_equal(g.rec[0].tid, 4242);
	assert_int_equal(g.rec[0].size, 524288);

	assert_int_equal(g.rec[1].type, ALLOC_RING_ALLOC);
	assert_int_equal(g.rec[1].time_ns, 11);
	assert_int_equal(g.rec[1].tid, 77);
	assert_int_equal(g.rec[1].address, 0xdead0000);
	assert_int_equal(g.rec[1].size, 100);
	assert_int_equal(g.rec[1].weight, 524300);
	assert_int_equal(g.rec[1].nframes, 3);
	assert_memory_equal(g.ips[1], ips, sizeof ips);

	assert_int_equal(g.rec[2].type, ALLOC_RING_FREE);
	assert_int_equal(g.rec[2].time_ns, 12);
	assert_int_equal(g.rec[2].tid, 78);
	assert_int_equal(g.rec[2].address, 0xdead0000);

	/* Nothing new: nothing delivered. */
	assert_int_equal(alloc_ring_read(&ring, collect, &g), 0);
	assert_int_equal(alloc_ring_lost(&ring), 0);
	drop_ring(&ring);
}

/* Records of 5 sizes through a one-page ring many times over: every
 * record, header or body, crosses the end at some point. */
static void test_wrap(void **state)
{
	static struct got g;
	struct alloc_ring ring;
	uint64_t ips[8];

	(void)state;
	assert_int_equal(make_ring(&ring, 4096), 0);
	for (uint64_t seq = 0; seq < 20000;) {
		g.n = 0;
		uint64_t first = seq;
		for (int k = 0; k < 7; k++, seq++) {
			unsigned nf = (unsigned)(seq % 5);
			for (unsigned i = 0; i < nf; i++)
				ips[i] = seq * 16 + i;
			if (seq % 3 == 0)
				assert_true(alloc_ring_write_free(&ring, seq, 1, seq));
			else
				assert_true(alloc_ring_write_alloc(&ring, seq, 1, seq, seq, seq, ips, nf));
		}
		assert_int_equal(alloc_ring_read(&ring, collect, &g), 7);
		for (size_t i = 0; i < g.n; i++) {
			uint64_t s = first + i;
			assert_int_equal(g.rec[i].time_ns, s);
			assert_int_equal(g.rec[i].address, s);
			if (s % 3 == 0) {
				assert_int_equal(g.rec[i].type, ALLOC_RING_FREE);
				continue;
			}
			assert_int_equal(g.rec[i].type, ALLOC_RING_ALLOC);
			assert_int_equal(g.rec[i].nframes, s % 5);
			for (unsigned f = 0; f < g.rec[i].nframes; f++)
				assert_int_equal(g.ips[i][f], s * 16 + f);
		}
	}
	assert_int_equal(alloc_ring_lost(&ring), 0);
	drop_ring(&ring);
}

/* The header's words, by offset (alloc_ring.h): the target can write them. */
static void poke_u64(struct alloc_ring *ring, size_t off, uint64_t v)
{
	memcpy((unsigned char *)ring->hdr + off, &v, sizeof v);
}

/* A hostile target owns the ring's memory: a broken record with a head
 * 2^63 bytes ahead once spun the reader (zeroing up to head) for ever, and
 * a misaligned tail read word 0 across the end of the area.  Both must
 * give up what is there, count it lost and leave a usable ring (found by
 * tests/fuzz/fuzz_alloc_ring). */
static void test_hostile_header(void **state)
{
	static struct got g;
	struct alloc_ring ring;
	uint64_t bad = 0xffffffffu | (uint64_t)ALLOC_RING_ALLOC << 32;

	(void)state;
	assert_int_equal(make_ring(&ring, 4096), 0);
	memcpy(ring.data, &bad, sizeof bad);
	poke_u64(&ring, 64, 1ULL << 63);          /* head */
	g.n = 0;
	assert_int_equal(alloc_ring_read(&ring, collect, &g), 0);
	assert_int_equal(alloc_ring_lost(&ring), 1);
	assert_true(alloc_ring_write_free(&ring, 1, 2, 3));
	assert_int_equal(alloc_ring_read(&ring, collect, &g), 1);
	assert_int_equal(g.rec[0].address, 3);

	poke_u64(&ring, 128, 4096 - 4);           /* tail, misaligned */
	poke_u64(&ring, 64, 4096);
	memset(ring.data + 4096 - 8, 0xff, 8);
	assert_int_equal(alloc_ring_read(&ring, collect, &g), 0);
	assert_int_equal(alloc_ring_lost(&ring), 2);
	assert_true(alloc_ring_write_free(&ring, 1, 2, 4));
	assert_int_equal(alloc_ring_read(&ring, collect, &g), 1);
	assert_int_equal(g.rec[1].address, 4);
	drop_ring(&ring);
}

/* A full ring refuses (never blocks), counts what it refused, and takes
 * records again once read. */
static void test_full_drops(void **state)
{
	static struct got g;
	struct alloc_ring ring;
	uint64_t ips[10] = { 0 };
	size_t ok = 0, refused = 0;

	(void)state;
	g.n = 0;
	assert_int_equal(make_ring(&ring, 4096), 0);
	/* 8 × (6 + 10) = 128 bytes a record: 32 fit in 4096. */
	for (int i = 0; i < 50; i++) {
		if (alloc_ring_write_alloc(&ring, (uint64_t)i, 1, (uint64_t)i, 1, 1, ips, 10))
			ok++;
		else
			refused++;
	}
	assert_int_equal(ok, 32);
	assert_int_equal(refused, 18);
	assert_int_equal(alloc_ring_lost(&ring), 18);
	assert_int_equal(alloc_ring_read(&ring, collect, &g), 32);
	for (size_t i = 0; i < g.n; i++)
		assert_int_equal(g.rec[i].address, i);
	assert_true(alloc_ring_write_free(&ring, 99, 1, 99));
	g.n = 0;
	assert_int_equal(alloc_ring_read(&ring, collect, &g), 1);
	assert_int_equal(g.rec[0].address, 99);
	drop_ring(&ring);
}

static void test_attach_and_owner(void **state)
{
	struct alloc_ring ring, w;
	char junk[160];
	int fd;

	(void)state;
	assert_int_equal(make_ring(&ring, 8192), 0);
	assert_int_equal(alloc_ring_attach(&w, ring_path), 0);
	assert_true(alloc_ring_claim(&w, 1234));
	assert_true(alloc_ring_claim(&w, 1234));
	assert_false(alloc_ring_claim(&w, 1235));
	alloc_ring_close(&w);
	drop_ring(&ring);

	assert_int_equal(make_ring(&ring, 8192), 0);
	alloc_ring_set_owner(&ring, 777);
	assert_int_equal(alloc_ring_attach(&w, ring_path), 0);
	assert_false(alloc_ring_claim(&w, 1234));
	assert_true(alloc_ring_claim(&w, 777));
	alloc_ring_close(&w);
	/* Made once: a second create of the same path fails. */
	assert_int_equal(alloc_ring_create(&w, ring_path, 8192), -EEXIST);
	drop_ring(&ring);

	/* Not a ring. */
	snprintf(junk, sizeof junk, "%s.junk", ring_path);
	fd = open(junk, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 16384), 0);
	close(fd);
	assert_int_equal(alloc_ring_attach(&w, junk), -EINVAL);
	unlink(junk);
	assert_int_equal(alloc_ring_attach(&w, "/nonexistent/ring"), -ENOENT);
}

/* ---- concurrent writers ------------------------------------------------ */

#define WRITERS 4
#define PER_WRITER 50000

struct writer_arg {
	struct alloc_ring *ring;
	unsigned id;
	unsigned refused;
};

static void *writer_main(void *p)
{
	struct writer_arg *a = p;
	uint64_t ips[4];

	for (uint64_t i = 0; i < PER_WRITER; i++) {
		ips[0] = i;
		ips[1] = a->id;
		bool ok = i % 2
			? alloc_ring_write_free(a->ring, i, a->id, i)
			: alloc_ring_write_alloc(a->ring, i, a->id, i, i, i, ips, (unsigned)(i % 4) + 1);
		a->refused += !ok;
	}
	return NULL;
}

struct order_check {
	uint64_t next[WRITERS];
	uint64_t total;
	int bad;
};

static void check_order(const struct alloc_ring_record *rec, void *arg)
{
	struct order_check *c = arg;

	/* Each writer's records arrive whole and in its own order. */
	if (rec->tid >= WRITERS || rec->address != c->next[rec->tid] ||
	    rec->type != (rec->address % 2 ? ALLOC_RING_FREE : ALLOC_RING_ALLOC) ||
	    (rec->type == ALLOC_RING_ALLOC &&
	     (rec->nframes != rec->address % 4 + 1 || rec->ips[0] != rec->address ||
	      (rec->nframes > 1 && rec->ips[1] != rec->tid)))) {
		c->bad++;
		return;
	}
	c->next[rec->tid]++;
	c->total++;
}

static void test_concurrent_writers(void **state)
{
	struct alloc_ring ring;
	pthread_t th[WRITERS];
	struct writer_arg args[WRITERS];
	struct order_check c;

	(void)state;
	memset(&c, 0, sizeof c);
	/* Big enough for everything: the reader may fall behind, nothing is lost. */
	assert_int_equal(make_ring(&ring, 16u << 20), 0);
	for (unsigned i = 0; i < WRITERS; i++) {
		args[i] = (struct writer_arg){ .ring = &ring, .id = i };
		assert_int_equal(pthread_create(&th[i], NULL, writer_main, &args[i]), 0);
	}
	/* Read while they write. */
	while (c.total < (uint64_t)WRITERS * PER_WRITER / 2 && !c.bad)
		alloc_ring_read(&ring, check_order, &c);
	for (unsigned i = 0; i < WRITERS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(args[i].refused, 0);
	}
	alloc_ring_read(&ring, check_order, &c);
	assert_int_equal(c.bad, 0);
	assert_int_equal(c.total, (uint64_t)WRITERS * PER_WRITER);
	assert_int_equal(alloc_ring_lost(&ring), 0);
	drop_ring(&ring);
}

/* A small ring, no reader until the end: writers drop, never block, and
 * what was kept plus what was counted lost is everything. */
static void test_concurrent_full(void **state)
{
	struct alloc_ring ring;
	pthread_t th[WRITERS];
	struct writer_arg args[WRITERS];
	struct order_check c;
	uint64_t refused = 0;

	(void)state;
	memset(&c, 0, sizeof c);
	assert_int_equal(make_ring(&ring, 65536), 0);
	for (unsigned i = 0; i < WRITERS; i++) {
		args[i] = (struct writer_arg){ .ring = &ring, .id = i };
		assert_int_equal(pthread_create(&th[i], NULL, writer_main, &args[i]), 0);
	}
	for (unsigned i = 0; i < WRITERS; i++) {
		pthread_join(th[i], NULL);
		refused += args[i].refused;
	}
	/* Drops break the per-writer sequence, so only count here. */
	size_t kept = 0;
	struct got *g = calloc(1, sizeof *g);
	while (1) {
		g->n = 0;
		size_t k = alloc_ring_read(&ring, collect, g);
		if (!k)
			break;
		kept += k;
	}
	free(g);
	assert_true(refused > 0);
	assert_int_equal(alloc_ring_lost(&ring), refused);
	assert_int_equal(kept + refused, (uint64_t)WRITERS * PER_WRITER);
	drop_ring(&ring);
}

/* ---- the shim, end to end -------------------------------------------------- */

__attribute__((nonnull)) static const char *built_file(char *buf, size_t size, const char *rel)
{
	const char *dir = getenv("UNIT_BUILDDIR");

	if (dir) {
		snprintf(buf, size, "%s/../../%s", dir, rel);
		if (access(buf, R_OK) == 0)
			return buf;
	}
	snprintf(buf, size, "./%s", rel);
	return access(buf, R_OK) == 0 ? buf : NULL;
}

enum site { SITE_OTHER, SITE_RETAIN, SITE_CHURN };

struct sample {
	uint64_t time_ns, weight;
	enum site site;
	bool freed;
};

struct shim_run {
	uint64_t retain_lo, retain_hi, churn_lo, churn_hi;
	struct sample *samples;
	size_t n, cap;
	/* indices of samples not freed yet, with their addresses */
	size_t *live;
	uint64_t *live_addr;
	size_t nlive, live_cap;
	unsigned starts;
	uint32_t start_pid;
	uint64_t frees_matched, frees_unknown;
};

static enum site classify(const struct shim_run *r, const struct alloc_ring_record *rec)
{
	for (unsigned i = 0; i < rec->nframes; i++) {
		uint64_t ip = rec->ips[i] - 1;  /* return addresses: the call is before */
		if (ip - r->retain_lo < r->retain_hi - r->retain_lo)
			return SITE_RETAIN;
		if (ip - r->churn_lo < r->churn_hi - r->churn_lo)
			return SITE_CHURN;
	}
	return SITE_OTHER;
}

static void shim_collect(const struct alloc_ring_record *rec, void *arg)
{
	struct shim_run *r = arg;

	switch (rec->type) {
	case ALLOC_RING_START:
		r->starts++;
		r->start_pid = rec->tid;
		r->nlive = 0;
		break;
	case ALLOC_RING_ALLOC:
		if (r->n == r->cap) {
			r->cap = r->cap ? 2 * r->cap : 4096;
			r->samples = realloc(r->samples, r->cap * sizeof *r->samples);
			assert_non_null(r->samples);
		}
		if (r->nlive == r->live_cap) {
			r->live_cap = r->live_cap ? 2 * r->live_cap : 1024;
			r->live = realloc(r->live, r->live_cap * sizeof *r->live);
			r->live_addr = realloc(r->live_addr, r->live_cap * sizeof *r->live_addr);
			assert_true(r->live && r->live_addr);
		}
		r->samples[r->n] = (struct sample){ .time_ns = rec->time_ns, .weight = rec->weight,
						    .site = classify(r, rec) };
		r->live[r->nlive] = r->n++;
		r->live_addr[r->nlive++] = rec->address;
		break;
	case ALLOC_RING_FREE:
		for (size_t i = r->nlive; i-- > 0;) {
			if (r->live_addr[i] != rec->address)
				continue;
			r->samples[r->live[i]].freed = true;
			r->live[i] = r->live[r->nlive - 1];
			r->live_addr[i] = r->live_addr[--r->nlive];
			r->frees_matched++;
			return;
		}
		r->frees_unknown++;
		break;
	}
}

/* Where path is mapped at offset 0 in pid: the load base of a PIE. */
static uint64_t load_base(pid_t pid, const char *path)
{
	char maps[64], line[4096], real[PATH_MAX];
	uint64_t base = 0;
	FILE *f;

	assert_non_null(realpath(path, real));
	snprintf(maps, sizeof maps, "/proc/%d/maps", (int)pid);
	f = fopen(maps, "r");
	assert_non_null(f);
	while (!base && fgets(line, sizeof line, f)) {
		uint64_t lo, off;
		char *name = strchr(line, '/');
		if (!name || sscanf(line, "%" SCNx64 "-%*x %*s %" SCNx64, &lo, &off) != 2)
			continue;
		name[strcspn(name, "\n")] = '\0';
		if (off == 0 && strcmp(name, real) == 0)
			base = lo;
	}
	fclose(f);
	assert_true(base != 0);
	return base;
}

static void symbol_range(const char *path, const char *name, uint64_t base,
			 uint64_t *lo, uint64_t *hi)
{
	struct truth t;
	uint64_t v = 0, size = 0;

	assert_true(truth_open(&t, path));
	if (!truth_sym(&t, name, &v, &size))
		fail_msg("%s has no symbol %s", path, name);
	truth_close(&t);
	assert_true(size > 0);
	*lo = base + v;
	*hi = base + v + size;
}

static double json_num(json_t *root, const char *a, const char *b, const char *c)
{
	json_t *v = json_object_get(json_object_get(root, a), b);

	if (c)
		v = json_object_get(v, c);
	assert_true(json_is_number(v));
	return json_number_value(v);
}

/* Runs the fixture under the shim with a ring, reading the ring as it goes
 * (as kprof-top does); returns the fixture's exit status. */
static int run_under_shim(struct alloc_ring *ring, struct shim_run *r, const char *shim,
			  const char *fixture, const char *mean, const char *seconds,
			  const char *truth, bool with_ring)
{
	char ready[160], abs_shim[PATH_MAX];
	int status = -1;
	pid_t pid;

	snprintf(ready, sizeof ready, "%s.ready", ring_path);
	unlink(ready);
	unlink(truth);
	assert_non_null(realpath(shim, abs_shim));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setenv("LD_PRELOAD", abs_shim, 1);
		if (with_ring)
			setenv(ALLOC_RING_ENV, ring_path, 1);
		else
			unsetenv(ALLOC_RING_ENV);
		setenv(ALLOC_RING_MEAN_ENV, mean, 1);
		execl(fixture, fixture, "--now", "--seconds", seconds, "--ready", ready,
		      "--truth", truth, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; access(ready, R_OK) != 0; i++) {
		assert_true(i < 5000);
		assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
		usleep(1000);
	}
	symbol_range(fixture, "retain_leak", load_base(pid, fixture), &r->retain_lo, &r->retain_hi);
	symbol_range(fixture, "churn", load_base(pid, fixture), &r->churn_lo, &r->churn_hi);
	while (waitpid(pid, &status, WNOHANG) == 0) {
		alloc_ring_read(ring, shim_collect, r);
		usleep(10000);
	}
	alloc_ring_read(ring, shim_collect, r);
	unlink(ready);
	return status;
}

static void free_run(struct shim_run *r)
{
	free(r->samples);
	free(r->live);
	free(r->live_addr);
}

static void test_shim_fixture(void **state)
{
	char shim_buf[PATH_MAX], fix_buf[PATH_MAX], truth[160];
	const char *shim = built_file(shim_buf, sizeof shim_buf, "libkprof-alloc.so");
	const char *fixture = truth_fixture("alloc_sites");
	struct alloc_ring ring;
	struct shim_run r;
	json_error_t jerr;
	json_t *root;

	(void)state;
	if (!fixture)
		fixture = built_file(fix_buf, sizeof fix_buf, "tests/fixtures/alloc_sites");
	if (!shim || !fixture) {
		print_message("libkprof-alloc.so or alloc_sites not built: skipped\n");
		skip();
	}
	memset(&r, 0, sizeof r);
	assert_int_equal(make_ring(&ring, 32u << 20), 0);
	snprintf(truth, sizeof truth, "%s.truth", ring_path);
	/* A 64 KiB mean: nearly every retained block (≥ 64 KiB) is sampled, so
	 * the check measures the shim, not the luck of a few samples. */
	int status = run_under_shim(&ring, &r, shim, fixture, "65536", "2", truth, true);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	root = json_load_file(truth, 0, &jerr);
	if (!root)
		fail_msg("truth %s: %s", truth, jerr.text);
	uint64_t t0 = (uint64_t)json_num(root, "window", "start_ns", NULL);
	uint64_t t1 = (uint64_t)json_num(root, "window", "end_ns", NULL);
	double retained = json_num(root, "sites", "retain_leak", "retained_bytes");
	double churned = json_num(root, "sites", "churn", "bytes_allocated");
	json_decref(root);
	unlink(truth);

	double retain_est = 0, churn_alloc = 0, churn_out = 0;
	for (size_t i = 0; i < r.n; i++) {
		const struct sample *s = &r.samples[i];
		if (s->time_ns < t0 || s->time_ns > t1)
			continue;
		if (s->site == SITE_RETAIN && !s->freed)
			retain_est += (double)s->weight;
		if (s->site == SITE_CHURN) {
			churn_alloc += (double)s->weight;
			if (!s->freed)
				churn_out += (double)s->weight;
		}
	}
	print_message("shim: %zu samples, %u start(s); retain_leak truth %.0f, recovered %.0f "
		      "(%+.1f %%); churn allocated truth %.0f, recovered %.0f (%+.1f %%), "
		      "outstanding %.0f; frees matched %" PRIu64 ", lost %" PRIu64 "\n",
		      r.n, r.starts, retained, retain_est, 100 * (retain_est / retained - 1),
		      churned, churn_alloc, 100 * (churn_alloc / churned - 1), churn_out,
		      r.frees_matched, alloc_ring_lost(&ring));
	assert_int_equal(r.starts, 1);
	assert_true(retained > 0);
	assert_true(retain_est > 0.75 * retained && retain_est < 1.25 * retained);
	assert_true(churn_alloc > 0.75 * churned && churn_alloc < 1.25 * churned);
	/* Churn holds ~64 KiB live: what it leaves outstanding is a sample or
	 * two, not growth. */
	assert_true(churn_out < 0.25 * retained);
	assert_true(churn_out < 0.01 * churn_alloc);
	assert_true(r.frees_matched > 100);
	assert_int_equal(r.frees_unknown, 0);
	assert_int_equal(alloc_ring_lost(&ring), 0);
	assert_int_equal(alloc_ring_untracked(&ring), 0);
	free_run(&r);
	drop_ring(&ring);
}

/* Preloaded without a ring, or with a ring that belongs to another
 * process: the target runs normally and writes nothing. */
static void test_shim_inert(void **state)
{
	char shim_buf[PATH_MAX], fix_buf[PATH_MAX], truth[160];
	const char *shim = built_file(shim_buf, sizeof shim_buf, "libkprof-alloc.so");
	const char *fixture = truth_fixture("alloc_sites");
	struct alloc_ring ring;
	struct shim_run r;
	int status;

	(void)state;
	if (!fixture)
		fixture = built_file(fix_buf, sizeof fix_buf, "tests/fixtures/alloc_sites");
	if (!shim || !fixture) {
		print_message("libkprof-alloc.so or alloc_sites not built: skipped\n");
		skip();
	}
	assert_int_equal(make_ring(&ring, 1u << 20), 0);
	snprintf(truth, sizeof truth, "%s.truth", ring_path);

	memset(&r, 0, sizeof r);
	status = run_under_shim(&ring, &r, shim, fixture, "4096", "0.3", truth, false);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(r.n + r.starts, 0);
	free_run(&r);

	memset(&r, 0, sizeof r);
	alloc_ring_set_owner(&ring, 1);
	status = run_under_shim(&ring, &r, shim, fixture, "4096", "0.3", truth, true);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(r.n + r.starts, 0);
	free_run(&r);
	unlink(truth);
	drop_ring(&ring);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_round_trip, unlink_ring),
		cmocka_unit_test_teardown(test_wrap, unlink_ring),
		cmocka_unit_test_teardown(test_full_drops, unlink_ring),
		cmocka_unit_test_teardown(test_hostile_header, unlink_ring),
		cmocka_unit_test_teardown(test_attach_and_owner, unlink_ring),
		cmocka_unit_test_teardown(test_concurrent_writers, unlink_ring),
		cmocka_unit_test_teardown(test_concurrent_full, unlink_ring),
		cmocka_unit_test_teardown(test_shim_fixture, unlink_ring),
		cmocka_unit_test_teardown(test_shim_inert, unlink_ring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
