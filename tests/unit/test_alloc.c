/* Allocation sites: a retaining site against a churning one (growth rate
 * recovered, only the retainer suspected), frees of unsampled addresses,
 * exec clearing, window rates, the leak rule's drop limit, the caps
 * (sites folded into "(other sites)", live addresses dropped and
 * counted), the Poisson byte sampler's unbiasedness, and the ingest paths:
 * shim samples, uprobe call/return pairs with realloc, page faults in
 * anonymous vs file-backed mappings, exec. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "analysis/alloc.h"
#include "analysis/ingest.h"
#include "analysis/model.h"
#include "sampler/event.h"

#define SEC  1000000000ULL
#define MS   1000000ULL
#define KIB  1024ULL
#define MIB  (1024.0 * 1024.0)
#define T0   (1000 * SEC)

static void assert_near(double got, double want, double eps)
{
	if (!(got > want - eps && got < want + eps))
		fail_msg("got %.6f, want %.6f +- %g", got, want, eps);
}

static bool has(const struct alloc_site_info *v, size_t n, uint32_t stack)
{
	for (size_t i = 0; i < n; i++)
		if (!v[i].other && v[i].stack == stack)
			return true;
	return false;
}

/* The site of stack, which must be listed. */
static const struct alloc_site_info *find(const struct alloc_site_info *v, size_t n,
					  uint32_t stack)
{
	static const struct alloc_site_info none;

	for (size_t i = 0; i < n; i++)
		if (!v[i].other && v[i].stack == stack)
			return &v[i];
	fail_msg("no site for stack %u", stack);
	return &none;
}

enum { RETAIN = 1, CHURN = 2, QUIET = 3 };

/* 60 s: RETAIN keeps a 64 KiB block every 1/32 s (2 MiB/s), each sample
 * weighted its size; CHURN allocates 100 samples of 512 KiB a second and
 * frees each 5 ms later (50 MiB/s through, nothing kept). */
static struct alloc *retain_and_churn(void)
{
	struct alloc *a = alloc_new(300);
	uint64_t addr = 0x10000;

	for (uint64_t ms = 0; ms < 60000; ms++) {
		uint64_t t = T0 + ms * MS;
		if (ms * 32 % 1000 < 32)   /* 32 times a second */
			alloc_add(a, t, RETAIN, addr += 0x10000, 64 * KIB);
		if (ms % 10 == 0)
			alloc_add(a, t, CHURN, 0x7f0000000000ULL + ms, 512 * KIB);
		if (ms % 10 == 5)
			alloc_remove(a, t, 0x7f0000000000ULL + ms - 5);
		alloc_tick(a, t);
	}
	alloc_tick(a, T0 + 60 * SEC);
	return a;
}

static void test_retain_vs_churn(void **state)
{
	struct alloc *a = retain_and_churn();
	static const uint32_t windows[] = { 0, 60, 30 };

	for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
		struct alloc_site_info *v;
		size_t n = alloc_sites(a, windows[w], &v);
		const struct alloc_site_info *r = find(v, n, RETAIN), *c = find(v, n, CHURN);

		assert_int_equal(n, 2);
		assert_true(v[0].stack == RETAIN);   /* growth ranks first */
		assert_near(r->growth_bytes_per_s, 2 * MIB, 0.03 * 2 * MIB);
		assert_near(r->alloc_bytes_per_s, 2 * MIB, 0.03 * 2 * MIB);
		assert_near(r->free_bytes_per_s, 0, 1e-9);
		assert_true(r->leak_suspect);
		assert_int_equal(r->outstanding_bytes, 1920 * 64 * KIB);
		assert_int_equal(r->live, 1920);
		assert_near(r->oldest_age_s, 60, 0.1);

		assert_int_equal(c->outstanding_bytes, 0);
		assert_near(c->growth_bytes_per_s, 0, 1e-6);
		assert_false(c->leak_suspect);
		assert_near(c->alloc_bytes_per_s, 50 * MIB, 0.02 * 50 * MIB);
		assert_near(c->free_bytes_per_s, 50 * MIB, 0.02 * 50 * MIB);
		assert_int_equal(c->allocs, 6000);
		assert_int_equal(c->frees, 6000);
		assert_near(c->oldest_age_s, 0, 1e-9);
		free(v);
	}
	/* 5 s is too short a window to call anything a leak. */
	struct alloc_site_info *v;
	size_t n = alloc_sites(a, 5, &v);
	assert_false(find(v, n, RETAIN)->leak_suspect);
	assert_near(find(v, n, RETAIN)->growth_bytes_per_s, 2 * MIB, 0.05 * 2 * MIB);
	free(v);

	/* The sparkline series: outstanding at each second's end, rising. */
	double s[10];
	alloc_site_series(a, RETAIN, 10, s);
	for (int i = 1; i < 9; i++)
		assert_near(s[i] - s[i - 1], 2 * MIB, 0.05 * 2 * MIB);
	assert_near(s[9], 1920.0 * 64 * KIB, 1);   /* second 60 has just begun */
	alloc_free(a);
}

/* Frees of addresses never sampled change nothing; a sampled one freed
 * twice counts once. */
static void test_unsampled_free(void **state)
{
	struct alloc *a = alloc_new(60);
	struct alloc_site_info *v;
	struct alloc_totals t;
	size_t n;

	alloc_add(a, T0, RETAIN, 0x1000, 4096);
	alloc_remove(a, T0 + MS, 0x2000);
	alloc_remove(a, T0 + MS, 0);
	n = alloc_sites(a, 0, &v);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].frees, 0);
	assert_int_equal(v[0].outstanding_bytes, 4096);
	free(v);
	alloc_remove(a, T0 + 2 * MS, 0x1000);
	alloc_remove(a, T0 + 3 * MS, 0x1000);
	alloc_totals(a, &t);
	assert_int_equal(t.frees, 1);
	assert_int_equal(t.free_bytes, 4096);
	assert_int_equal(t.outstanding_bytes, 0);
	assert_int_equal(t.live, 0);

	/* A live address allocated again: its free was lost, the old sample
	 * counts as freed. */
	alloc_add(a, T0 + 4 * MS, RETAIN, 0x3000, 100);
	alloc_add(a, T0 + 5 * MS, CHURN, 0x3000, 300);
	alloc_totals(a, &t);
	assert_int_equal(t.frees, 2);
	assert_int_equal(t.outstanding_bytes, 300);
	assert_int_equal(t.live, 1);
	alloc_free(a);
}

/* exec: every live address goes (not as frees); a free of an old one
 * afterwards is ignored, and the window's outstanding series drops. */
static void test_exec_clears(void **state)
{
	struct alloc *a = alloc_new(60);
	struct alloc_site_info *v;
	struct alloc_totals t;
	size_t n;

	for (uint64_t i = 0; i < 20; i++)
		alloc_add(a, T0 + i * 100 * MS, RETAIN, 0x1000 + i * 16, 1000);
	alloc_clear_live(a);
	alloc_remove(a, T0 + 2 * SEC, 0x1000);
	alloc_tick(a, T0 + 3 * SEC);
	alloc_totals(a, &t);
	assert_int_equal(t.live, 0);
	assert_int_equal(t.frees, 0);
	assert_int_equal(t.outstanding_bytes, 0);
	n = alloc_sites(a, 10, &v);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].outstanding_bytes, 0);
	assert_near(v[0].oldest_age_s, 0, 1e-9);
	assert_false(v[0].leak_suspect);
	free(v);
	double s[4];
	alloc_site_series(a, RETAIN, 4, s);
	assert_near(s[0], 10000, 1e-9);   /* second 0: ten samples */
	assert_near(s[1], 0, 1e-9);       /* cleared in second 1 */
	assert_near(s[3], 0, 1e-9);
	alloc_free(a);
}

/* Rates follow the window: a site that stopped allocating has none in a
 * recent window but still shows what it holds; a steady one has its rate
 * in any window; a quiet, empty site leaves the window's list. */
static void test_window_rates(void **state)
{
	struct alloc *a = alloc_new(300);
	struct alloc_site_info *v;
	size_t n;

	alloc_add(a, T0, QUIET, 0x1, 10);
	alloc_remove(a, T0 + MS, 0x1);
	for (uint64_t ms = 0; ms < 40000; ms += 100) {
		uint64_t t = T0 + ms * MS;
		if (ms < 30000)   /* 1 MiB/s for 30 s, kept */
			alloc_add(a, t, RETAIN, 0x100000 + ms, 100 * KIB);
		alloc_add(a, t, CHURN, 0x900000 + ms, 200 * KIB);   /* 2 MiB/s, freed */
		alloc_remove(a, t + 50 * MS, 0x900000 + ms);
		alloc_tick(a, t + 50 * MS);
	}
	alloc_tick(a, T0 + 40 * SEC);

	n = alloc_sites(a, 10, &v);
	assert_int_equal(n, 2);   /* QUIET: nothing in the window, nothing held */
	assert_near(find(v, n, RETAIN)->alloc_bytes_per_s, 0, 1e-9);
	assert_near(find(v, n, RETAIN)->growth_bytes_per_s, 0, 1e-6);
	assert_int_equal(find(v, n, RETAIN)->outstanding_bytes, 300 * 100 * KIB);
	assert_false(find(v, n, RETAIN)->leak_suspect);   /* flat: it stopped */
	assert_near(find(v, n, CHURN)->alloc_bytes_per_s, 2 * MIB, 0.03 * 2 * MIB);
	assert_near(find(v, n, CHURN)->free_bytes_per_s, 2 * MIB, 0.03 * 2 * MIB);
	free(v);

	n = alloc_sites(a, 0, &v);
	assert_int_equal(n, 3);
	assert_near(find(v, n, RETAIN)->alloc_bytes_per_s, 30.0 * 100 * KIB * 10 / 40, 1);
	assert_near(find(v, n, CHURN)->alloc_bytes_per_s, 2 * MIB, 0.03 * 2 * MIB);
	/* Over the run it grew then stopped: no steady growth to suspect?  It
	 * never fell, so it is: the rule is about falling, not stopping. */
	assert_true(find(v, n, RETAIN)->leak_suspect);
	free(v);

	/* 20 s: 10 s of growth then 10 s flat. */
	n = alloc_sites(a, 20, &v);
	assert_near(find(v, n, RETAIN)->alloc_bytes_per_s, 100.0 * KIB * 10 * 10 / 20, 0.1 * MIB);
	assert_true(find(v, n, RETAIN)->growth_bytes_per_s > 0);
	free(v);
	alloc_free(a);
}

/* The drop limit: a site that gives back more than a tenth of its peak
 * is not a suspect; one that gives back a little still is. */
static void test_leak_drop(void **state)
{
	for (int big = 0; big <= 1; big++) {
		struct alloc *a = alloc_new(60);
		struct alloc_site_info *v;
		size_t n;

		for (uint64_t s = 0; s < 30; s++)
			alloc_add(a, T0 + s * SEC, RETAIN, 0x1000 + s, 1000);
		/* 25 000 at the end of second 24; in second 25 one more, then
		 * 4 freed (ends 12 % below the peak) or 2 (4 %). */
		for (uint64_t k = 0; k < (big ? 4u : 2u); k++)
			alloc_remove(a, T0 + 25 * SEC + 500 * MS, 0x1000 + k);
		alloc_tick(a, T0 + 30 * SEC);
		n = alloc_sites(a, 0, &v);
		assert_int_equal(n, 1);
		assert_true(v[0].growth_bytes_per_s > 900);
		if (big)
			assert_false(v[0].leak_suspect);
		else
			assert_true(v[0].leak_suspect);
		free(v);
		n = alloc_sites(a, 60, &v);
		assert_true(big ? !v[0].leak_suspect : v[0].leak_suspect);
		free(v);
		alloc_free(a);
	}
}

/* A churning site whose live set creeps up by a sample now and then while
 * it frees nearly all it allocates (a free missed, a sample still live at
 * the end) is no leak; the same creep with little allocated is. */
static void test_leak_kept(void **state)
{
	for (int churn = 0; churn <= 1; churn++) {
		struct alloc *a = alloc_new(60);
		struct alloc_site_info *v;
		uint64_t addr = 0x100000;

		(void)state;
		for (uint64_t s = 0; s < 20; s++) {
			/* One sample kept a second... */
			alloc_add(a, T0 + s * SEC, RETAIN, addr++, 1000);
			/* ...beside 50 allocated and freed within it. */
			for (uint64_t k = 0; churn && k < 50; k++) {
				alloc_add(a, T0 + s * SEC + (k + 1) * MS, RETAIN, addr, 1000);
				alloc_remove(a, T0 + s * SEC + (k + 2) * MS, addr++);
			}
		}
		alloc_tick(a, T0 + 20 * SEC);
		assert_int_equal(alloc_sites(a, 0, &v), 1);
		assert_true(v[0].growth_bytes_per_s > 500);
		assert_true(churn ? !v[0].leak_suspect : v[0].leak_suspect);
		free(v);
		alloc_free(a);
	}
}

/* More stacks than ALLOC_MAX_SITES: the least busy fold into one site,
 * sums stay exact, frees still find folded samples, and the fold is never
 * a suspect.  More live samples than ALLOC_MAX_LIVE: counted, not kept. */
static void test_caps(void **state)
{
	struct alloc *a = alloc_new(60);
	struct alloc_site_info *v;
	struct alloc_totals t;
	size_t n, nother = 0;
	uint64_t sum = 0;
	const uint32_t extra = 600;

	/* Stack s holds s + 1 bytes: the small ones are the least busy. */
	for (uint32_t s = 0; s < ALLOC_MAX_SITES + extra; s++)
		alloc_add(a, T0 + s * MS, s, 0x10000 + (uint64_t)s * 16, s + 1);
	alloc_totals(a, &t);
	assert_true(t.sites <= ALLOC_MAX_SITES);
	assert_true(t.folded_sites >= extra);
	assert_int_equal(t.live, ALLOC_MAX_SITES + extra);
	n = alloc_sites(a, 0, &v);
	assert_int_equal(n, t.sites);
	for (size_t i = 0; i < n; i++) {
		sum += (uint64_t)v[i].outstanding_bytes;
		if (v[i].other) {
			nother++;
			assert_int_equal(v[i].stack, ALLOC_OTHER_STACK);
			assert_false(v[i].leak_suspect);
		}
	}
	assert_int_equal(nother, 1);
	assert_int_equal(sum, (uint64_t)(ALLOC_MAX_SITES + extra) * (ALLOC_MAX_SITES + extra + 1) / 2);
	/* The biggest stack is its own site still; stack 0 was folded. */
	assert_true(has(v, n, ALLOC_MAX_SITES + extra - 1));
	assert_false(has(v, n, 0));
	free(v);

	/* Free every sample: the folded ones are found through the fold. */
	for (uint32_t s = 0; s < ALLOC_MAX_SITES + extra; s++)
		alloc_remove(a, T0 + 10 * SEC, 0x10000 + (uint64_t)s * 16);
	alloc_totals(a, &t);
	assert_int_equal(t.outstanding_bytes, 0);
	assert_int_equal(t.frees, ALLOC_MAX_SITES + extra);
	assert_int_equal(t.live, 0);

	/* Live cap. */
	for (uint64_t i = 0; i < ALLOC_MAX_LIVE + 5; i++)
		alloc_add(a, T0 + 11 * SEC, 7, 0x100000000ULL + i * 16, 1);
	alloc_totals(a, &t);
	assert_int_equal(t.live, ALLOC_MAX_LIVE);
	assert_int_equal(t.live_dropped, 5);
	assert_int_equal(t.outstanding_bytes, ALLOC_MAX_LIVE);
	assert_true(alloc_memory(a) > ALLOC_MAX_LIVE * 24);
	alloc_free(a);
}

/* The Poisson byte sampler: sums of weights estimate bytes; requests much
 * bigger than the mean are always taken at their size. */
static void test_sampler(void **state)
{
	struct alloc_sampler s;
	uint64_t bytes = 0, samples = 0;
	double est = 0;

	alloc_sampler_init(&s, 64 * KIB, 42);
	for (uint64_t i = 0; i < 400000; i++) {
		uint64_t size = 16 + (i * 2654435761ULL) % (64 * KIB);
		uint64_t w = alloc_sampler_take(&s, size);
		bytes += size;
		if (w) {
			samples++;
			est += (double)w;
			assert_true(w >= size);
		}
	}
	assert_near(est / (double)bytes, 1.0, 0.02);
	/* Several sample points in one request make one sample: for sizes
	 * uniform below the mean, E[1 - e^-x] / E[x] = 2/e of bytes/mean. */
	assert_near((double)samples / ((double)bytes / (64 * KIB)), 0.736, 0.03);
	for (int i = 0; i < 100; i++) {
		uint64_t w = alloc_sampler_take(&s, 64 * 64 * KIB);
		assert_true(w >= 64 * 64 * KIB && w <= 64 * 64 * KIB + 1);
	}
	assert_int_equal(alloc_sampler_take(&s, 0), 0);
}

/* ---- through ingest ---------------------------------------------------- */

#define PID 77

static struct ingest *new_ingest(struct model *m, uint64_t mean)
{
	return ingest_new(m, &(struct ingest_config){ .pid = PID, .root = "/nonexistent",
						       .alloc_sample_bytes = mean });
}

static void feed(struct ingest *in, struct event ev)
{
	ingest_event(in, &ev);
}

static size_t sites_of(struct model *m, struct alloc_site_info **v)
{
	return alloc_sites(m->alloc, 0, v);
}

/* The shim's samples and frees, another process's ignored, and exec. */
static void test_ingest_shim(void **state)
{
	struct model *m = model_new(60);
	struct ingest *in = new_ingest(m, 0);
	static const uint64_t ips[] = { 0x401010, 0x402020, 0x403030 };
	struct alloc_site_info *v;
	size_t n;

	feed(in, (struct event){ .kind = EVENT_ALLOC_STATUS, .time_ns = T0,
				 .alloc_status = { .mode = "preload", .note = NULL } });
	assert_string_equal(m->target.alloc_mode, "preload");
	assert_string_equal(m->target.alloc_note, "");
	for (uint64_t i = 0; i < 10; i++)
		feed(in, (struct event){ .kind = EVENT_ALLOC, .time_ns = T0 + i * MS,
			.alloc = { .pid = PID, .tid = PID, .fn = EVENT_ALLOC_MALLOC, .addr = 0x5000 + i * 64,
				   .size = 100, .weight = 524288, .nr_ips = 3, .ips = ips } });
	feed(in, (struct event){ .kind = EVENT_ALLOC, .time_ns = T0 + 20 * MS,
		.alloc = { .pid = PID + 1, .addr = 0x9000, .size = 100, .weight = 1, .nr_ips = 3, .ips = ips } });
	feed(in, (struct event){ .kind = EVENT_FREE, .time_ns = T0 + 30 * MS,
				 .free = { .pid = PID, .tid = PID, .addr = 0x5000 } });
	feed(in, (struct event){ .kind = EVENT_FREE, .time_ns = T0 + 30 * MS,
				 .free = { .pid = PID + 1, .tid = PID, .addr = 0x5040 } });
	n = sites_of(m, &v);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].allocs, 10);
	assert_int_equal(v[0].frees, 1);
	assert_int_equal(v[0].outstanding_bytes, 9 * 524288);
	/* Three frames, each symbolized (no files here: all one name, but three). */
	uint32_t nf;
	stacks_frames(m->stacks, v[0].stack, &nf);
	assert_int_equal(nf, 3);
	free(v);
	/* CPU samples untouched. */
	assert_int_equal(m->stats.samples, 0);

	feed(in, (struct event){ .kind = EVENT_COMM, .time_ns = T0 + 40 * MS,
				 .comm = { .pid = PID, .tid = PID, .comm = "new", .exec = true } });
	n = sites_of(m, &v);
	assert_int_equal(v[0].outstanding_bytes, 0);
	assert_int_equal(v[0].frees, 1);
	free(v);
	ingest_free(in);
	model_free(m);
}

/* uprobes: calls paired with returns by thread; calls without a stack are
 * not sites; realloc frees the old block and samples the new; a failed
 * realloc keeps the old; the allocator's own frame is dropped. */
static void test_ingest_uprobes(void **state)
{
	struct model *m = model_new(60);
	/* A mean of one byte: every call with a stack is taken, at its size. */
	struct ingest *in = new_ingest(m, 1);
	static const uint64_t chain[] = { 0x7f0000001000ULL /* malloc */, 0x401234, 0x400100 };
	struct event_sample smp = { .pid = PID, .tid = 5, .ip = chain[0], .nr_ips = 3, .ips = chain };
	struct alloc_site_info *v;
	struct alloc_totals t;
	size_t n;

	feed(in, (struct event){ .kind = EVENT_ALLOC_CALL, .time_ns = T0,
		.alloc_call = { .pid = PID, .tid = 5, .fn = EVENT_ALLOC_MALLOC, .size = 1000,
				.weight = 1, .sample = &smp } });
	/* Another thread's call in between, without a stack. */
	feed(in, (struct event){ .kind = EVENT_ALLOC_CALL, .time_ns = T0 + 1,
		.alloc_call = { .pid = PID, .tid = 6, .fn = EVENT_ALLOC_MALLOC, .size = 5000 } });
	feed(in, (struct event){ .kind = EVENT_ALLOC_RETURN, .time_ns = T0 + 2,
				 .alloc_return = { .pid = PID, .tid = 6, .addr = 0xb000 } });
	feed(in, (struct event){ .kind = EVENT_ALLOC_RETURN, .time_ns = T0 + 3,
				 .alloc_return = { .pid = PID, .tid = 5, .addr = 0xa000 } });
	/* A return with no call: ignored. */
	feed(in, (struct event){ .kind = EVENT_ALLOC_RETURN, .time_ns = T0 + 4,
				 .alloc_return = { .pid = PID, .tid = 9, .addr = 0xc000 } });
	alloc_totals(m->alloc, &t);
	assert_int_equal(t.allocs, 1);
	assert_int_equal(t.outstanding_bytes, 1000);
	n = sites_of(m, &v);
	assert_int_equal(n, 1);
	uint32_t nf;
	stacks_frames(m->stacks, v[0].stack, &nf);
	assert_int_equal(nf, 2);   /* malloc's own frame dropped */
	free(v);

	/* realloc(0xa000, 3000) → 0xd000, stacks every 4th call: weight 4. */
	feed(in, (struct event){ .kind = EVENT_ALLOC_CALL, .time_ns = T0 + 5,
		.alloc_call = { .pid = PID, .tid = 5, .fn = EVENT_ALLOC_REALLOC, .size = 3000,
				.old_addr = 0xa000, .weight = 4, .sample = &smp } });
	feed(in, (struct event){ .kind = EVENT_ALLOC_RETURN, .time_ns = T0 + 6,
				 .alloc_return = { .pid = PID, .tid = 5, .addr = 0xd000 } });
	alloc_totals(m->alloc, &t);
	assert_int_equal(t.frees, 1);
	assert_int_equal(t.allocs, 2);
	assert_int_equal(t.outstanding_bytes, 4 * 3000);

	/* A failed realloc keeps its block. */
	feed(in, (struct event){ .kind = EVENT_ALLOC_CALL, .time_ns = T0 + 7,
		.alloc_call = { .pid = PID, .tid = 5, .fn = EVENT_ALLOC_REALLOC, .size = 1 << 30,
				.old_addr = 0xd000, .weight = 1, .sample = &smp } });
	feed(in, (struct event){ .kind = EVENT_ALLOC_RETURN, .time_ns = T0 + 8,
				 .alloc_return = { .pid = PID, .tid = 5, .addr = 0 } });
	alloc_totals(m->alloc, &t);
	assert_int_equal(t.outstanding_bytes, 4 * 3000);

	/* In place: realloc returns the same block; old freed first, new kept. */
	feed(in, (struct event){ .kind = EVENT_ALLOC_CALL, .time_ns = T0 + 9,
		.alloc_call = { .pid = PID, .tid = 5, .fn = EVENT_ALLOC_REALLOC, .size = 2000,
				.old_addr = 0xd000, .weight = 1, .sample = &smp } });
	feed(in, (struct event){ .kind = EVENT_ALLOC_RETURN, .time_ns = T0 + 10,
				 .alloc_return = { .pid = PID, .tid = 5, .addr = 0xd000 } });
	alloc_totals(m->alloc, &t);
	assert_int_equal(t.outstanding_bytes, 2000);
	assert_int_equal(t.live, 1);

	/* A lost record drops the pending call. */
	feed(in, (struct event){ .kind = EVENT_ALLOC_CALL, .time_ns = T0 + 11,
		.alloc_call = { .pid = PID, .tid = 5, .fn = EVENT_ALLOC_MALLOC, .size = 10,
				.weight = 1, .sample = &smp } });
	feed(in, (struct event){ .kind = EVENT_LOST, .time_ns = T0 + 12, .lost = { .count = 1 } });
	feed(in, (struct event){ .kind = EVENT_ALLOC_RETURN, .time_ns = T0 + 13,
				 .alloc_return = { .pid = PID, .tid = 5, .addr = 0xe000 } });
	alloc_totals(m->alloc, &t);
	assert_int_equal(t.live, 1);
	ingest_free(in);
	model_free(m);
}

/* The estimator over uprobe calls: stacks every Nth call, byte-sampled,
 * recover the bytes of every call. */
static void test_ingest_uprobes_estimate(void **state)
{
	struct model *m = model_new(60);
	struct ingest *in = new_ingest(m, 64 * KIB);
	static const uint64_t chain[] = { 0x7f0000001000ULL, 0x401234, 0x400100 };
	struct event_sample smp = { .pid = PID, .tid = 5, .ip = chain[0], .nr_ips = 3, .ips = chain };
	struct alloc_totals t;
	uint64_t bytes = 0;

	for (uint64_t i = 0; i < 200000; i++) {
		uint64_t size = 64 + (i * 2654435761ULL) % (8 * KIB);
		bool stacked = i % 8 == 0;
		bytes += size;
		feed(in, (struct event){ .kind = EVENT_ALLOC_CALL, .time_ns = T0 + i * 1000,
			.alloc_call = { .pid = PID, .tid = 5, .fn = EVENT_ALLOC_MALLOC, .size = size,
					.weight = 8, .sample = stacked ? &smp : NULL } });
		feed(in, (struct event){ .kind = EVENT_ALLOC_RETURN, .time_ns = T0 + i * 1000 + 500,
					 .alloc_return = { .pid = PID, .tid = 5, .addr = 0x100000 + i * 16 } });
	}
	alloc_totals(m->alloc, &t);
	assert_near((double)t.alloc_bytes / (double)bytes, 1.0, 0.08);
	/* Sample points at one per mean bytes of real allocation (N x size
	 * per stacked call, up to 8 KiB x 8 = the mean: 2/e of them, as in
	 * test_sampler, are distinct samples). */
	assert_near((double)t.allocs / ((double)bytes / (64 * KIB)), 0.736, 0.06);
	ingest_free(in);
	model_free(m);
}

/* Page faults: in anonymous memory (or memory no mapping covers yet) they
 * count as touched bytes at their stack; in file-backed mappings they are
 * counted and skipped; CPU samples are not counted. */
static void test_ingest_faults(void **state)
{
	struct model *m = model_new(60);
	struct ingest *in = new_ingest(m, 0);
	static const uint64_t chain[] = { 0x401234, 0x400100 };
	struct alloc_site_info *v;
	size_t n;

	feed(in, (struct event){ .kind = EVENT_MAPS, .time_ns = T0, .maps = { .pid = PID, .text =
		"00400000-00410000 r-xp 00000000 08:01 123 /usr/bin/app\n"
		"00600000-00700000 rw-p 00000000 00:00 0 [heap]\n"
		"7f0000000000-7f0000100000 r--p 00000000 08:01 124 /usr/share/data.bin\n" } });
	for (uint64_t i = 0; i < 20; i++) {
		struct event ev = { .kind = EVENT_FAULT, .time_ns = T0 + i * 100 * MS };
		ev.sample = (struct event_sample){ .pid = PID, .tid = PID, .ip = chain[0], .period = 16,
						   .nr_ips = 2, .ips = chain,
						   .addr = i % 4 == 0 ? 0x7f0000000100ULL
							 : i % 4 == 1 ? 0x900000000ULL : 0x600100 };
		ingest_event(in, &ev);
	}
	feed(in, (struct event){ .kind = EVENT_TICK, .time_ns = T0 + 2 * SEC });
	assert_int_equal(m->stats.faults, 20);
	assert_int_equal(m->stats.faults_file, 5);
	assert_int_equal(m->stats.samples, 0);
	n = sites_of(m, &v);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].faults, 15);
	assert_int_equal(v[0].touched_bytes, 15 * 16 * ALLOC_PAGE_BYTES);
	assert_near(v[0].touched_bytes_per_s, 15.0 * 16 * ALLOC_PAGE_BYTES / 2, 1e-6);
	assert_int_equal(v[0].outstanding_bytes, 0);
	assert_false(v[0].leak_suspect);
	free(v);
	ingest_free(in);
	model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retain_vs_churn),
		cmocka_unit_test(test_unsampled_free),
		cmocka_unit_test(test_exec_clears),
		cmocka_unit_test(test_window_rates),
		cmocka_unit_test(test_leak_drop),
		cmocka_unit_test(test_leak_kept),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_sampler),
		cmocka_unit_test(test_ingest_shim),
		cmocka_unit_test(test_ingest_uprobes),
		cmocka_unit_test(test_ingest_uprobes_estimate),
		cmocka_unit_test(test_ingest_faults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
