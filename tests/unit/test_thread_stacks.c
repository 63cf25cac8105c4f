/* Per-thread stacks and the per-thread hotspot table, fed by synthetic
 * model_add_stack calls: counts per (thread, stack) cumulative and in
 * windows, the windows agreeing with the timeline's, hand-computed self and
 * total per (thread, function), each thread's hottest function, and a
 * randomised check against a naive recount. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "analysis/model.h"
#include "analysis/thread_hotspots.h"

#define SEC 1000000000ULL

static void assert_pct(double got, double num, double den)
{
	double want = 100.0 * num / den;
	assert_true(got > want - 1e-9 && got < want + 1e-9);
}

static uint64_t pair_count(const struct thread_stack_count *c, size_t n, uint32_t tid,
			   uint32_t stack)
{
	for (size_t i = 0; i < n; i++)
		if (c[i].tid == tid && c[i].stack == stack)
			return c[i].count;
	return 0;
}

static void test_counts_and_windows(void **state)
{
	struct model *m = model_new(60);
	uint32_t a = funcs_intern(m->funcs, "a", "p"), b = funcs_intern(m->funcs, "b", "p");
	uint32_t sa, sb;
	struct thread_stack_count *c;
	size_t n;

	/* Seconds 0-9: tid 1 runs a (3/s) and b (1/s); tid 2 runs b (2/s).
	 * Seconds 10-14: only tid 2, on a. */
	for (uint64_t s = 0; s < 10; s++) {
		model_add_stack(m, 100 * SEC + s * SEC, 1, &a, 1, 3);
		model_add_stack(m, 100 * SEC + s * SEC, 1, &b, 1, 1);
		model_add_stack(m, 100 * SEC + s * SEC + 1, 2, &b, 1, 2);
	}
	for (uint64_t s = 10; s < 15; s++)
		model_add_stack(m, 100 * SEC + s * SEC, 2, &a, 1, 4);
	sa = stacks_intern(m->stacks, &a, 1);
	sb = stacks_intern(m->stacks, &b, 1);
	assert_int_equal(thread_stacks_pairs(m->thread_stacks), 4);

	n = thread_stacks_window(m->thread_stacks, 0, &c);
	assert_int_equal(n, 4);
	/* Grouped by tid, ascending. */
	for (size_t i = 1; i < n; i++)
		assert_true(c[i - 1].tid <= c[i].tid);
	assert_int_equal(pair_count(c, n, 1, sa), 30);
	assert_int_equal(pair_count(c, n, 1, sb), 10);
	assert_int_equal(pair_count(c, n, 2, sb), 20);
	assert_int_equal(pair_count(c, n, 2, sa), 20);
	free(c);

	/* The last 5 s: only tid 2 on a. */
	n = thread_stacks_window(m->thread_stacks, 5, &c);
	assert_int_equal(n, 1);
	assert_int_equal(c[0].tid, 2);
	assert_int_equal(c[0].stack, sa);
	assert_int_equal(c[0].count, 20);
	free(c);

	/* Ticks move the window on while nothing is sampled. */
	model_tick(m, 100 * SEC + 30 * SEC);
	n = thread_stacks_window(m->thread_stacks, 5, &c);
	assert_int_equal(n, 0);
	assert_null(c);
	n = thread_stacks_window(m->thread_stacks, 0, &c);
	assert_int_equal(n, 4);
	free(c);
	assert_true(model_memory(m) > thread_stacks_memory(m->thread_stacks));
	model_free(m);
}

static void test_hotspots_by_thread(void **state)
{
	struct model *m = model_new(60);
	enum { MAIN, W, HOT, COLD, REC };
	uint32_t id[5];
	const char *names[] = { "main", "worker", "hot", "cold", "rec" };

	for (int i = 0; i < 5; i++)
		id[i] = funcs_intern(m->funcs, names[i], "p");
	/* tid 10: main>worker>hot x6, main>worker>cold x2, main x1
	 * tid 20: main>worker>cold x5, main>rec>rec x3, empty stack x1 */
	model_add_stack(m, SEC, 10, (uint32_t[]){ id[MAIN], id[W], id[HOT] }, 3, 6);
	model_add_stack(m, SEC, 10, (uint32_t[]){ id[MAIN], id[W], id[COLD] }, 3, 2);
	model_add_stack(m, SEC, 10, (uint32_t[]){ id[MAIN] }, 1, 1);
	model_add_stack(m, SEC, 20, (uint32_t[]){ id[MAIN], id[W], id[COLD] }, 3, 5);
	model_add_stack(m, SEC, 20, (uint32_t[]){ id[MAIN], id[REC], id[REC] }, 3, 3);
	model_add_stack(m, SEC, 20, NULL, 0, 1);

	const struct { uint32_t tid, func; uint64_t self, total; } want[] = {
		{ 10, HOT, 6, 6 }, { 20, COLD, 5, 5 }, { 20, REC, 3, 3 }, { 10, COLD, 2, 2 },
		{ 10, MAIN, 1, 9 }, { 10, W, 0, 8 }, { 20, MAIN, 0, 8 }, { 20, W, 0, 5 },
	};
	struct thread_stack_count *c;
	size_t n = thread_stacks_window(m->thread_stacks, 0, &c);
	struct thread_hotspot *rows, *hot;
	uint64_t samples = 0;
	size_t nrows = thread_hotspots_compute(m->stacks, c, n, &rows, &samples);

	assert_int_equal(samples, 18);
	assert_int_equal(nrows, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < nrows; i++) {
		const struct thread_hotspot *r = NULL;
		if (i)
			assert_true(rows[i - 1].tid <= rows[i].tid);   /* grouped */
		for (size_t k = 0; k < nrows; k++)
			if (rows[k].tid == want[i].tid && rows[k].func == id[want[i].func])
				r = &rows[k];
		assert_non_null(r);
		assert_int_equal(r->self, want[i].self);
		assert_int_equal(r->total, want[i].total);
		assert_pct(r->self_pct, (double)want[i].self, 18);
		assert_pct(r->total_pct, (double)want[i].total, 18);
	}

	size_t nhot = thread_hotspots_hottest(rows, nrows, &hot);
	assert_int_equal(nhot, 2);
	assert_int_equal(hot[0].tid, 10);
	assert_int_equal(hot[0].func, id[HOT]);
	assert_int_equal(hot[0].self, 6);
	assert_int_equal(hot[1].tid, 20);
	assert_int_equal(hot[1].func, id[COLD]);
	free(hot);
	free(rows);
	free(c);

	/* Nothing in the window: no rows, no hottest. */
	assert_int_equal(thread_hotspots_compute(m->stacks, NULL, 0, &rows, &samples), 0);
	assert_null(rows);
	assert_int_equal(samples, 0);
	assert_int_equal(thread_hotspots_hottest(NULL, 0, &hot), 0);
	assert_null(hot);
	model_free(m);
}

/* Random stacks on random threads: every (thread, function) total and self
 * equals a naive recount, and the per-thread rows add up to the threads'
 * sample counts. */
static void test_random_against_naive(void **state)
{
	enum { NF = 12, NT = 5, NS = 400, MAXD = 8 };
	struct model *m = model_new(60);
	uint32_t fr[NS][MAXD], nfr[NS], tid[NS];
	uint64_t w[NS];
	uint64_t self[NT][NF] = { { 0 } }, total[NT][NF] = { { 0 } };
	unsigned seed = 12345;

	for (uint32_t f = 0; f < NF; f++) {
		char name[16];
		snprintf(name, sizeof name, "f%u", f);
		funcs_intern(m->funcs, name, "p");
	}
	for (int i = 0; i < NS; i++) {
		bool seen[NF] = { false };
		nfr[i] = (uint32_t)(rand_r(&seed) % MAXD) + 1;
		tid[i] = 1000 + (uint32_t)(rand_r(&seed) % NT);
		w[i] = (uint64_t)(rand_r(&seed) % 5) + 1;
		for (uint32_t k = 0; k < nfr[i]; k++)
			fr[i][k] = (uint32_t)(rand_r(&seed) % NF);
		model_add_stack(m, SEC + (uint64_t)i * 1000, tid[i], fr[i], nfr[i], w[i]);
		for (uint32_t k = 0; k < nfr[i]; k++)
			if (!seen[fr[i][k]]) {
				seen[fr[i][k]] = true;
				total[tid[i] - 1000][fr[i][k]] += w[i];
			}
		self[tid[i] - 1000][fr[i][nfr[i] - 1]] += w[i];
	}

	struct thread_stack_count *c;
	size_t n = thread_stacks_window(m->thread_stacks, 0, &c);
	struct thread_hotspot *rows;
	size_t nrows = thread_hotspots_compute(m->stacks, c, n, &rows, NULL);
	size_t want_rows = 0;

	for (int t = 0; t < NT; t++)
		for (int f = 0; f < NF; f++)
			want_rows += total[t][f] != 0;
	assert_int_equal(nrows, want_rows);
	for (size_t i = 0; i < nrows; i++) {
		assert_int_equal(rows[i].self, self[rows[i].tid - 1000][rows[i].func]);
		assert_int_equal(rows[i].total, total[rows[i].tid - 1000][rows[i].func]);
		if (i)
			assert_true(rows[i - 1].tid <= rows[i].tid);
	}
	for (size_t t = 0; t < threads_count(m->threads); t++) {
		const struct thread_info *ti = threads_at(m->threads, t);
		uint64_t sum = 0;
		for (size_t i = 0; i < nrows; i++)
			if (rows[i].tid == ti->tid)
				sum += rows[i].self;
		assert_int_equal(sum, ti->samples);
	}
	free(rows);
	free(c);
	model_free(m);
}

/* Threads sharing stacks over 20 s: every (tid, stack) count, in the whole
 * run and in the last 5 s, equals a naive recount, so the owner's counts
 * (the stack's minus the others') are exact in windows too. */
static void test_window_random(void **state)
{
	enum { NSTK = 30, NT = 4, NS = 3000, SPAN = 20 };
	struct model *m = model_new(60);
	static uint64_t all[NT][NSTK], last5[NT][NSTK];
	uint32_t f[NSTK], sid[NSTK];
	unsigned seed = 777;

	memset(all, 0, sizeof all);
	memset(last5, 0, sizeof last5);
	for (uint32_t k = 0; k < NSTK; k++) {
		char name[16];
		snprintf(name, sizeof name, "g%u", k);
		f[k] = funcs_intern(m->funcs, name, "p");
	}
	for (int i = 0; i < NS; i++) {
		uint64_t t = 500 * SEC + (uint64_t)i * (SPAN * SEC / NS);
		uint32_t k = (uint32_t)(rand_r(&seed) % NSTK);
		/* Stacks below 10 stay on their first thread; the rest roam. */
		uint32_t tid = k < 10 ? k % NT : (uint32_t)(rand_r(&seed) % NT);
		uint64_t w = (uint64_t)(rand_r(&seed) % 3) + 1;
		model_add_stack(m, t, 1 + tid, &f[k], 1, w);
		all[tid][k] += w;
		if ((t - 500 * SEC) / SEC >= SPAN - 5)
			last5[tid][k] += w;
	}
	for (uint32_t k = 0; k < NSTK; k++)
		sid[k] = stacks_intern(m->stacks, &f[k], 1);
	for (int pass = 0; pass < 2; pass++) {
		struct thread_stack_count *c;
		size_t n = thread_stacks_window(m->thread_stacks, pass ? 5 : 0, &c);
		size_t want_n = 0;
		for (uint32_t t = 0; t < NT; t++)
			for (uint32_t k = 0; k < NSTK; k++) {
				uint64_t want = pass ? last5[t][k] : all[t][k];
				want_n += want != 0;
				assert_int_equal(pair_count(c, n, 1 + t, sid[k]), want);
			}
		assert_int_equal(n, want_n);
		free(c);
	}
	model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_and_windows),
		cmocka_unit_test(test_hotspots_by_thread),
		cmocka_unit_test(test_random_against_naive),
		cmocka_unit_test(test_window_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
