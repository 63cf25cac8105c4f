/* Stack interning: identity, distinctness (prefixes, empty, order), and
 * 100 000 random stacks held compactly and found again. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "analysis/stacks.h"

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static void assert_frames(const struct stacks *s, uint32_t id, const uint32_t *want, uint32_t n)
{
	uint32_t got_n = 99;
	const uint32_t *got = stacks_frames(s, id, &got_n);

	assert_int_equal(got_n, n);
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(got[i], want[i]);
}

static void test_identity(void **state)
{
	struct stacks *s = stacks_new();
	uint32_t a[] = { 7, 3, 9 };
	uint32_t copy[] = { 7, 3, 9 };

	uint32_t id1 = stacks_intern(s, a, 3);
	uint32_t id2 = stacks_intern(s, copy, 3);
	assert_int_equal(id1, id2);
	assert_int_equal(stacks_count(s), 1);
	assert_frames(s, id1, copy, 3);
	/* The caller's array may change afterwards: the stack was copied. */
	a[0] = 100;
	assert_frames(s, id1, copy, 3);
	stacks_free(s);
}

static void test_distinct(void **state)
{
	struct stacks *s = stacks_new();
	uint32_t ab[] = { 1, 2 }, abc[] = { 1, 2, 3 }, a[] = { 1 }, ba[] = { 2, 1 };
	uint32_t abc0[] = { 1, 2, 3, 0 }, zero[] = { 0 };
	uint32_t ids[7];

	ids[0] = stacks_intern(s, ab, 2);
	ids[1] = stacks_intern(s, abc, 3);
	ids[2] = stacks_intern(s, a, 1);
	ids[3] = stacks_intern(s, NULL, 0);
	ids[4] = stacks_intern(s, ba, 2);
	ids[5] = stacks_intern(s, abc0, 4);
	ids[6] = stacks_intern(s, zero, 1);
	for (int i = 0; i < 7; i++)
		for (int j = i + 1; j < 7; j++)
			assert_int_not_equal(ids[i], ids[j]);
	assert_int_equal(stacks_count(s), 7);

	/* Again, in another order: the same ids. */
	assert_int_equal(stacks_intern(s, zero, 1), ids[6]);
	assert_int_equal(stacks_intern(s, abc, 3), ids[1]);
	assert_int_equal(stacks_intern(s, NULL, 0), ids[3]);
	assert_int_equal(stacks_intern(s, ab, 2), ids[0]);
	assert_int_equal(stacks_count(s), 7);

	assert_frames(s, ids[0], ab, 2);
	assert_frames(s, ids[1], abc, 3);
	assert_frames(s, ids[3], NULL, 0);
	assert_frames(s, ids[5], abc0, 4);

	uint32_t n = 5;
	assert_null(stacks_frames(s, 1000, &n));
	assert_int_equal(n, 0);
	stacks_free(s);
}

/* Every prefix of one long stack is its own stack. */
static void test_prefixes(void **state)
{
	struct stacks *s = stacks_new();
	uint32_t f[1000];

	for (uint32_t i = 0; i < 1000; i++)
		f[i] = i % 7;
	for (uint32_t n = 0; n <= 1000; n++)
		assert_int_equal(stacks_intern(s, f, n), n);
	assert_int_equal(stacks_count(s), 1001);
	for (uint32_t n = 0; n <= 1000; n += 37)
		assert_frames(s, stacks_intern(s, f, n), f, n);
	stacks_free(s);
}

#define MANY 100000
#define MAXLEN 40

static void test_many(void **state)
{
	struct stacks *s = stacks_new();
	uint32_t (*frames)[MAXLEN] = malloc(MANY * sizeof *frames);
	uint32_t *len = malloc(MANY * sizeof *len);
	uint32_t *id = malloc(MANY * sizeof *id);
	unsigned char *used;
	size_t total_frames = 0;

	/* Stack i starts with i's digits in base 1000 behind a marker, so all
	 * are distinct whatever the random tail; tails share frame values
	 * heavily, like real stacks. */
	for (uint32_t i = 0; i < MANY; i++) {
		uint32_t n = 0;
		frames[i][n++] = 5000;
		frames[i][n++] = i / 1000;
		frames[i][n++] = i % 1000;
		uint32_t extra = rng() % (MAXLEN - n);
		for (uint32_t k = 0; k < extra; k++)
			frames[i][n++] = rng() % 500;
		len[i] = n;
		total_frames += n;
	}
	for (uint32_t i = 0; i < MANY; i++)
		id[i] = stacks_intern(s, frames[i], len[i]);
	assert_int_equal(stacks_count(s), MANY);

	used = calloc(MANY, 1);
	for (uint32_t i = 0; i < MANY; i++) {
		assert_true(id[i] < MANY);
		assert_false(used[id[i]]);
		used[id[i]] = 1;
	}
	/* Found again from a fresh copy, in another order. */
	for (uint32_t k = 0; k < MANY; k++) {
		uint32_t i = (uint32_t)(((uint64_t)k * 7919) % MANY);
		uint32_t copy[MAXLEN];
		memcpy(copy, frames[i], len[i] * sizeof *copy);
		assert_int_equal(stacks_intern(s, copy, len[i]), id[i]);
		assert_frames(s, id[i], frames[i], len[i]);
	}
	assert_int_equal(stacks_count(s), MANY);

	/* Compact: frames at most doubled by growth, plus tens of bytes per
	 * stack of index, and no per-stack allocation. */
	size_t bound = 2 * total_frames * sizeof(uint32_t) + 64 * MANY + 65536;
	print_message("      %d stacks, %zu frames: %zu bytes held (raw frames %zu)\n",
		      MANY, total_frames, stacks_memory(s), total_frames * sizeof(uint32_t));
	assert_true(stacks_memory(s) <= bound);
	assert_true(stacks_memory(s) >= total_frames * sizeof(uint32_t));

	free(used);
	free(id);
	free(len);
	free(frames);
	stacks_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_distinct),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
