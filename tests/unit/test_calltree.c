/* Call trees: callers and callees totals by hand, flattening with expansion
 * (and keys that survive a rebuild), re-rooting at a node's function, and
 * recursion counted once per stack. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "analysis/calltree.h"

enum { MAIN, A, B, C, F, G, REC, NONE_SEEN };

/* main>A>F>G 5, main>B>F 3, main>A>F>C 2, main>C 4, main>REC>REC>REC>F 1 */
static const uint32_t s0[] = { MAIN, A, F, G }, s1[] = { MAIN, B, F },
	s2[] = { MAIN, A, F, C }, s3[] = { MAIN, C }, s4[] = { MAIN, REC, REC, REC, F };
static const struct calltree_stack stacks[] = {
	{ s0, 4, 5 }, { s1, 3, 3 }, { s2, 4, 2 }, { s3, 2, 4 }, { s4, 5, 1 },
	{ NULL, 0, 6 },   /* no frames: counted nowhere */
};
#define NSTACKS (sizeof stacks / sizeof stacks[0])

static bool all_open(void *ctx, uint64_t key)
{
	return true;
}

static bool none_open(void *ctx, uint64_t key)
{
	return false;
}

/* Open exactly the keys in a small set. */
struct keyset {
	uint64_t k[16];
	size_t n;
};

static bool in_set(void *ctx, uint64_t key)
{
	const struct keyset *s = ctx;
	for (size_t i = 0; i < s->n; i++)
		if (s->k[i] == key)
			return true;
	return false;
}

static const struct calltree_node *row_node(const struct calltree *t, const struct calltree_row *r)
{
	return calltree_node(t, r->node);
}

static void test_callees(void **state)
{
	struct calltree *t = calltree_build(stacks, NSTACKS, F, CALLTREE_CALLEES);
	struct calltree_row *rows;
	size_t n = calltree_flatten(t, all_open, NULL, 0, &rows);

	/* F 11 (self 4: s1 and s4), then G 5, C 2, heaviest first. */
	assert_int_equal(n, 3);
	assert_int_equal(row_node(t, &rows[0])->func, F);
	assert_int_equal(row_node(t, &rows[0])->total, 11);
	assert_int_equal(row_node(t, &rows[0])->self, 4);
	assert_int_equal(rows[0].depth, 0);
	assert_true(rows[0].has_children && rows[0].expanded);
	assert_int_equal(row_node(t, &rows[1])->func, G);
	assert_int_equal(row_node(t, &rows[1])->total, 5);
	assert_int_equal(row_node(t, &rows[1])->self, 5);
	assert_false(rows[1].last);
	assert_int_equal(row_node(t, &rows[2])->func, C);
	assert_int_equal(row_node(t, &rows[2])->total, 2);
	assert_true(rows[2].last);
	assert_int_equal(rows[2].depth, 1);
	free(rows);
	calltree_free(t);
}

static void test_callers(void **state)
{
	struct calltree *t = calltree_build(stacks, NSTACKS, F, CALLTREE_CALLERS);
	struct calltree_row *rows;
	size_t n = calltree_flatten(t, all_open, NULL, 0, &rows);
	/* F 11 < A 7 < main 7, B 3 < main 3, REC 1 < REC < REC < main. */
	const struct { uint32_t func, depth; uint64_t total; } want[] = {
		{ F, 0, 11 }, { A, 1, 7 }, { MAIN, 2, 7 }, { B, 1, 3 }, { MAIN, 2, 3 },
		{ REC, 1, 1 }, { REC, 2, 1 }, { REC, 3, 1 }, { MAIN, 4, 1 },
	};

	assert_int_equal(n, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(row_node(t, &rows[i])->func, want[i].func);
		assert_int_equal(rows[i].depth, want[i].depth);
		assert_int_equal(row_node(t, &rows[i])->total, want[i].total);
	}
	/* Paths end at main: that's where their "self" (no further caller) is. */
	assert_int_equal(row_node(t, &rows[2])->self, 7);
	/* Guides: A has a later sibling, so main under A draws a bar at depth 1. */
	assert_true(rows[2].guides & 1);
	assert_false(rows[6].guides & 1);
	assert_true(rows[8].last);
	free(rows);
	calltree_free(t);
}

static void test_expansion(void **state)
{
	struct calltree *t = calltree_build(stacks, NSTACKS, F, CALLTREE_CALLERS);
	struct calltree_row *rows;
	struct keyset open = { .n = 0 };
	size_t n;

	n = calltree_flatten(t, none_open, NULL, 0, &rows);
	assert_int_equal(n, 1);
	assert_true(rows[0].has_children);
	assert_false(rows[0].expanded);
	open.k[open.n++] = rows[0].key;
	free(rows);

	n = calltree_flatten(t, in_set, &open, 0, &rows);
	assert_int_equal(n, 4);   /* F, A, B, REC */
	assert_int_equal(calltree_key(t, rows[2].node), rows[2].key);
	open.k[open.n++] = rows[2].key;   /* open B */
	free(rows);

	n = calltree_flatten(t, in_set, &open, 0, &rows);
	assert_int_equal(n, 5);
	assert_int_equal(row_node(t, &rows[3])->func, MAIN);
	assert_int_equal(row_node(t, &rows[3])->total, 3);
	free(rows);

	/* A limit cuts the walk. */
	n = calltree_flatten(t, all_open, NULL, 2, &rows);
	assert_int_equal(n, 2);
	free(rows);

	/* New data, same paths: the same keys open the same nodes. */
	struct calltree_stack more[NSTACKS + 1];
	static const uint32_t s5[] = { MAIN, C, F };
	for (size_t i = 0; i < NSTACKS; i++)
		more[i] = stacks[i];
	more[NSTACKS] = (struct calltree_stack){ s5, 3, 9 };
	struct calltree *t2 = calltree_build(more, NSTACKS + 1, F, CALLTREE_CALLERS);
	n = calltree_flatten(t2, in_set, &open, 0, &rows);
	/* F, C 9 (closed), A 7, B 3, main 3 (B open), REC 1 */
	assert_int_equal(n, 6);
	assert_int_equal(row_node(t2, &rows[1])->func, C);
	assert_false(rows[1].expanded);
	assert_int_equal(row_node(t2, &rows[3])->func, B);
	assert_true(rows[3].expanded);
	free(rows);
	calltree_free(t2);
	calltree_free(t);
}

static void test_reroot(void **state)
{
	struct calltree *t = calltree_build(stacks, NSTACKS, F, CALLTREE_CALLERS);
	struct calltree_row *rows;
	size_t n = calltree_flatten(t, all_open, NULL, 0, &rows);
	/* Re-root at A (row 1): the trees of A. */
	uint32_t a = row_node(t, &rows[1])->func;
	struct calltree *callees = calltree_build(stacks, NSTACKS, a, CALLTREE_CALLEES);
	struct calltree *callers = calltree_build(stacks, NSTACKS, a, CALLTREE_CALLERS);

	assert_int_equal(a, A);
	free(rows);
	n = calltree_flatten(callees, all_open, NULL, 0, &rows);
	/* A 7 > F 7 > G 5, C 2 */
	assert_int_equal(n, 4);
	assert_int_equal(row_node(callees, &rows[0])->total, 7);
	assert_int_equal(row_node(callees, &rows[1])->func, F);
	assert_int_equal(rows[2].depth, 2);
	free(rows);
	n = calltree_flatten(callers, all_open, NULL, 0, &rows);
	assert_int_equal(n, 2);
	assert_int_equal(row_node(callers, &rows[1])->func, MAIN);
	free(rows);
	calltree_free(callers);
	calltree_free(callees);
	calltree_free(t);
}

static void test_recursion(void **state)
{
	/* REC calls itself: the outermost REC is the entry, counted once. */
	struct calltree *t = calltree_build(stacks, NSTACKS, REC, CALLTREE_CALLEES);
	struct calltree_row *rows;
	size_t n = calltree_flatten(t, all_open, NULL, 0, &rows);
	uint64_t keys[8];

	assert_int_equal(n, 4);   /* REC > REC > REC > F */
	assert_int_equal(row_node(t, &rows[0])->total, 1);
	assert_int_equal(row_node(t, &rows[1])->func, REC);
	assert_int_equal(row_node(t, &rows[2])->func, REC);
	assert_int_equal(row_node(t, &rows[3])->func, F);
	assert_int_equal(row_node(t, &rows[3])->self, 1);
	assert_int_equal(calltree_heaviest_path(t, 8, keys), 4);
	assert_int_equal(keys[3], rows[3].key);
	free(rows);
	calltree_free(t);

	/* F recursing through G: callers show only who called the outermost F,
	 * callees show the path the recursion took; each counted once. */
	static const uint32_t r0[] = { MAIN, F, G, F, C }, r1[] = { B, F, F };
	const struct calltree_stack rs[] = { { r0, 5, 2 }, { r1, 3, 1 } };
	t = calltree_build(rs, 2, F, CALLTREE_CALLERS);
	n = calltree_flatten(t, all_open, NULL, 0, &rows);
	assert_int_equal(n, 3);   /* F 3 > main 2, B 1 */
	assert_int_equal(row_node(t, &rows[0])->total, 3);
	assert_int_equal(row_node(t, &rows[1])->func, MAIN);
	assert_int_equal(row_node(t, &rows[2])->func, B);
	free(rows);
	calltree_free(t);
	t = calltree_build(rs, 2, F, CALLTREE_CALLEES);
	n = calltree_flatten(t, all_open, NULL, 0, &rows);
	assert_int_equal(n, 5);   /* F 3 > G 2 > F 2 > C 2, F 1 */
	assert_int_equal(row_node(t, &rows[0])->total, 3);
	assert_int_equal(row_node(t, &rows[2])->func, F);
	assert_int_equal(row_node(t, &rows[3])->self, 2);
	assert_int_equal(row_node(t, &rows[4])->func, F);
	assert_int_equal(row_node(t, &rows[4])->self, 1);
	free(rows);
	calltree_free(t);

	/* A function seen nowhere: an empty tree, no rows. */
	t = calltree_build(stacks, NSTACKS, NONE_SEEN, CALLTREE_CALLERS);
	assert_int_equal(calltree_root(t), CALLTREE_NONE);
	assert_int_equal(calltree_flatten(t, all_open, NULL, 0, &rows), 0);
	assert_null(rows);
	assert_int_equal(calltree_heaviest_path(t, 8, keys), 0);
	calltree_free(t);
}

/* Totals agree with a naive recount on random stacks with recursion. */
static void test_random_totals(void **state)
{
	enum { NST = 300, MAXF = 12, NFUNC = 6 };
	static uint32_t fr[NST][MAXF];
	struct calltree_stack st[NST];
	unsigned seed = 7;

	for (size_t i = 0; i < NST; i++) {
		st[i].n = 1 + (uint32_t)(rand_r(&seed) % MAXF);
		for (uint32_t k = 0; k < st[i].n; k++)
			fr[i][k] = (uint32_t)(rand_r(&seed) % NFUNC);
		st[i].frames = fr[i];
		st[i].count = (uint64_t)(rand_r(&seed) % 5);
	}
	for (uint32_t f = 0; f < NFUNC; f++) {
		uint64_t want = 0, self = 0;
		for (size_t i = 0; i < NST; i++) {
			for (uint32_t k = 0; k < st[i].n; k++)
				if (fr[i][k] == f) {
					want += st[i].count;
					break;
				}
			if (fr[i][st[i].n - 1] == f)
				self += st[i].count;
		}
		for (int dir = CALLTREE_CALLERS; dir <= CALLTREE_CALLEES; dir++) {
			struct calltree *t = calltree_build(st, NST, f, (enum calltree_dir)dir);
			uint64_t kids = 0, leaf_self = 0;
			if (want) {
				uint32_t first = calltree_children(t, calltree_root(t));
				const struct calltree_node *r = calltree_node(t, calltree_root(t));
				struct calltree_row *rows;
				assert_int_equal(r->total, want);
				for (uint32_t c = first; c != CALLTREE_NONE;
				     c = calltree_node(t, c)->next_sibling) {
					kids += calltree_node(t, c)->total;
					if (c != first)
						assert_true(calltree_node(t, c)->total <=
							    calltree_node(t, first)->total);
				}
				assert_int_equal(kids + r->self, want);
				/* Open everything: every sample ends at exactly one node. */
				calltree_flatten(t, all_open, NULL, 0, &rows);
				free(rows);
				for (size_t id = 0; id < calltree_size(t); id++)
					leaf_self += calltree_node(t, (uint32_t)id)->self;
				assert_int_equal(leaf_self, want);
			}
			(void)self;
			calltree_free(t);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_callees),
		cmocka_unit_test(test_callers),
		cmocka_unit_test(test_expansion),
		cmocka_unit_test(test_reroot),
		cmocka_unit_test(test_recursion),
		cmocka_unit_test(test_random_totals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
