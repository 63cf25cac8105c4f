/* Hotspots: self and total arithmetic with recursion, empty stacks, zero
 * counts, the documented order (self, total, then function id), and a
 * randomised check against a naive recount. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "analysis/hotspots.h"
#include "analysis/model.h"

static void assert_pct(double got, double num, double den)
{
	double want = 100.0 * num / den;
	assert_true(got > want - 1e-9 && got < want + 1e-9);
}

static void test_hand_computed(void **state)
{
	struct stacks *s = stacks_new();
	enum { MAIN, A, B, C, REC, D, E, UNSEEN };
	struct stack_count in[] = {
		{ stacks_intern(s, (uint32_t[]){ MAIN, A, B }, 3), 5 },
		{ stacks_intern(s, (uint32_t[]){ MAIN, A }, 2), 3 },
		{ stacks_intern(s, (uint32_t[]){ MAIN, REC, REC, REC }, 4), 4 },
		{ stacks_intern(s, (uint32_t[]){ MAIN, B, A }, 3), 2 },
		{ stacks_intern(s, NULL, 0), 1 },
		{ stacks_intern(s, (uint32_t[]){ C }, 1), 5 },
		{ stacks_intern(s, (uint32_t[]){ E }, 1), 2 },
		{ stacks_intern(s, (uint32_t[]){ D }, 1), 2 },
		{ stacks_intern(s, (uint32_t[]){ MAIN, UNSEEN }, 2), 0 },
	};
	/* self: A 3+2, B 5, C 5, REC 4, D 2, E 2, MAIN 0;
	 * total: MAIN 5+3+4+2, A 5+3+2, B 5+2, C 5, REC 4 (not 12), D 2, E 2;
	 * samples 24 with the empty stack; UNSEEN is only in a zero count. */
	const struct { uint32_t func; uint64_t self, total; } want[] = {
		{ A, 5, 10 }, { B, 5, 7 }, { C, 5, 5 }, { REC, 4, 4 },
		{ D, 2, 2 }, { E, 2, 2 }, { MAIN, 0, 14 },
	};
	struct hotspot *hs;
	uint64_t samples = 0;
	size_t n = hotspots_compute(s, in, sizeof in / sizeof in[0], &hs, &samples);

	assert_int_equal(samples, 24);
	assert_int_equal(n, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(hs[i].func, want[i].func);
		assert_int_equal(hs[i].self, want[i].self);
		assert_int_equal(hs[i].total, want[i].total);
		assert_pct(hs[i].self_pct, (double)want[i].self, 24);
		assert_pct(hs[i].total_pct, (double)want[i].total, 24);
	}
	free(hs);
	stacks_free(s);
}

static void test_empty(void **state)
{
	struct stacks *s = stacks_new();
	struct hotspot *hs = (struct hotspot *)&hs;
	uint64_t samples = 99;

	assert_int_equal(hotspots_compute(s, NULL, 0, &hs, &samples), 0);
	assert_null(hs);
	assert_int_equal(samples, 0);

	/* Only samples without frames: counted, but no function to show. */
	struct stack_count only_empty = { stacks_intern(s, NULL, 0), 7 };
	assert_int_equal(hotspots_compute(s, &only_empty, 1, &hs, &samples), 0);
	assert_int_equal(samples, 7);
	free(hs);
	stacks_free(s);
}

/* Random stacks over few functions (so recursion is common), checked against
 * the obvious quadratic recount. */
static void test_random_against_naive(void **state)
{
	enum { NFUNC = 12, NSTACK = 400, MAXLEN = 16 };
	struct stacks *s = stacks_new();
	struct stack_count in[NSTACK];
	uint32_t fr[NSTACK][MAXLEN], len[NSTACK];
	uint64_t self[NFUNC] = { 0 }, total[NFUNC] = { 0 }, all = 0;
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	for (int i = 0; i < NSTACK; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		len[i] = (uint32_t)(x % MAXLEN);
		for (uint32_t k = 0; k < len[i]; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			fr[i][k] = (uint32_t)(x % NFUNC);
		}
		in[i].stack = stacks_intern(s, fr[i], len[i]);
		in[i].count = x % 50;
	}
	/* The window lists each stack once; keep the first of any duplicate. */
	for (int i = 0; i < NSTACK; i++)
		for (int j = 0; j < i; j++)
			if (in[j].stack == in[i].stack)
				in[i].count = 0;

	for (int i = 0; i < NSTACK; i++) {
		all += in[i].count;
		if (len[i])
			self[fr[i][len[i] - 1]] += in[i].count;
		for (uint32_t f = 0; f < NFUNC; f++) {
			int found = 0;
			for (uint32_t k = 0; k < len[i]; k++)
				found |= fr[i][k] == f;
			if (found)
				total[f] += in[i].count;
		}
	}

	struct hotspot *hs;
	uint64_t samples;
	size_t n = hotspots_compute(s, in, NSTACK, &hs, &samples);
	size_t rows = 0;
	for (uint32_t f = 0; f < NFUNC; f++)
		rows += total[f] > 0;
	assert_int_equal(samples, all);
	assert_int_equal(n, rows);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(hs[i].self, self[hs[i].func]);
		assert_int_equal(hs[i].total, total[hs[i].func]);
		assert_pct(hs[i].total_pct, (double)total[hs[i].func], (double)all);
		if (i) {   /* order: self desc, total desc, id asc */
			const struct hotspot *p = &hs[i - 1], *q = &hs[i];
			assert_true(p->self > q->self ||
				    (p->self == q->self && (p->total > q->total ||
				     (p->total == q->total && p->func < q->func))));
		}
	}
	free(hs);
	stacks_free(s);
}

/* Through the model: the window of the last second against everything. */
static void test_model_window(void **state)
{
	struct model *m = model_new(10);
	uint32_t mn = funcs_intern(m->funcs, "main", "app");
	uint32_t hot = funcs_intern(m->funcs, "hot", "app");
	uint32_t cold = funcs_intern(m->funcs, "cold", "libc.so.6");
	struct stack_count *sc;
	struct hotspot *hs;
	uint64_t samples;

	model_tick(m, 0);
	for (int i = 0; i < 30; i++)
		model_add_stack(m, 100000000ULL * (uint64_t)i, 1, (uint32_t[]){ mn, cold }, 2, 1);
	for (int i = 0; i < 10; i++)
		model_add_stack(m, 3000000000ULL + 1000ULL * (uint64_t)i, 2, (uint32_t[]){ mn, hot }, 2, 1);

	size_t n = timeline_window(m->timeline, 1, &sc);
	size_t nh = hotspots_compute(m->stacks, sc, n, &hs, &samples);
	assert_int_equal(samples, 10);
	assert_int_equal(nh, 2);
	assert_int_equal(hs[0].func, hot);
	assert_pct(hs[0].self_pct, 10, 10);
	assert_int_equal(hs[1].func, mn);
	free(hs);
	free(sc);

	n = timeline_window(m->timeline, 0, &sc);
	nh = hotspots_compute(m->stacks, sc, n, &hs, &samples);
	assert_int_equal(samples, 40);
	assert_int_equal(nh, 3);
	assert_int_equal(hs[0].func, cold);
	assert_pct(hs[0].self_pct, 30, 40);
	assert_int_equal(hs[1].func, hot);
	assert_int_equal(hs[2].func, mn);
	assert_pct(hs[2].total_pct, 40, 40);
	free(hs);
	free(sc);
	model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hand_computed),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_random_against_naive),
		cmocka_unit_test(test_model_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
