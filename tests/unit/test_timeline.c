/* The timeline: last-N-seconds windows against everything, idle ticks,
 * late (out-of-order) samples, retention that drops buckets but keeps the
 * totals, series, and memory that stops growing; plus the model's clock and
 * thread counts on top of it. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "analysis/model.h"
#include "analysis/timeline.h"

#define SEC 1000000000ULL
#define MS  1000000ULL

/* The window as a dense array by stack (0 where absent), checking on the way
 * that entries are sorted, distinct and non-zero. */
static size_t window(const struct timeline *t, uint32_t secs, uint64_t *dense, size_t ndense)
{
	struct stack_count *sc;
	size_t n = timeline_window(t, secs, &sc);

	for (size_t i = 0; i < ndense; i++)
		dense[i] = 0;
	for (size_t i = 0; i < n; i++) {
		assert_true(sc[i].count > 0);
		if (i)
			assert_true(sc[i].stack > sc[i - 1].stack);
		assert_true(sc[i].stack < ndense);
		dense[sc[i].stack] = sc[i].count;
	}
	if (n == 0)
		assert_null(sc);
	free(sc);
	return n;
}

static void assert_dense(const uint64_t *got, const uint64_t *want, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(got[i], want[i]);
}

static void test_window_vs_all(void **state)
{
	struct timeline *t = timeline_new(60);
	uint64_t w[4];

	assert_int_equal(window(t, 0, w, 4), 0);
	timeline_tick(t, 0);                /* seconds count from here */
	timeline_add(t, 500 * MS, 0, 3);    /* second 0 */
	timeline_add(t, 1500 * MS, 1, 2);   /* second 1 */
	timeline_add(t, 5200 * MS, 0, 1);   /* second 5 */
	timeline_add(t, 9900 * MS, 2, 4);   /* second 9 */

	assert_int_equal(window(t, 1, w, 4), 1);
	assert_dense(w, (uint64_t[]){ 0, 0, 4, 0 }, 4);
	assert_int_equal(window(t, 5, w, 4), 2);          /* seconds 5..9 */
	assert_dense(w, (uint64_t[]){ 1, 0, 4, 0 }, 4);
	assert_int_equal(window(t, 4, w, 4), 1);          /* seconds 6..9 */
	assert_dense(w, (uint64_t[]){ 0, 0, 4, 0 }, 4);
	assert_int_equal(window(t, 9, w, 4), 3);          /* seconds 1..9 */
	assert_dense(w, (uint64_t[]){ 1, 2, 4, 0 }, 4);
	assert_int_equal(window(t, 0, w, 4), 3);
	assert_dense(w, (uint64_t[]){ 4, 2, 4, 0 }, 4);
	assert_int_equal(window(t, 10, w, 4), 3);         /* seconds 0..9: all */
	assert_dense(w, (uint64_t[]){ 4, 2, 4, 0 }, 4);

	uint64_t ser[4];
	timeline_series(t, 4, ser);                        /* seconds 6..9 */
	assert_int_equal(ser[0], 0);
	assert_int_equal(ser[3], 4);
	timeline_series(t, 10, (uint64_t[10]){ 0 });
	assert_true(timeline_span_s(t) > 9.89 && timeline_span_s(t) < 9.91);
	timeline_free(t);
}

static void test_idle_ticks(void **state)
{
	struct timeline *t = timeline_new(30);
	uint64_t w[2], ser[3];

	timeline_add(t, 0, 0, 5);
	timeline_add(t, 2 * SEC, 1, 1);
	assert_int_equal(window(t, 2, w, 2), 1);
	assert_dense(w, (uint64_t[]){ 0, 1 }, 2);

	timeline_tick(t, 3 * SEC + 1);     /* the window slides off second 2 */
	assert_int_equal(window(t, 1, w, 2), 0);
	assert_int_equal(window(t, 2, w, 2), 1);
	timeline_tick(t, 20 * SEC);
	assert_int_equal(window(t, 10, w, 2), 0);
	timeline_series(t, 3, ser);
	assert_int_equal(ser[0] + ser[1] + ser[2], 0);
	assert_int_equal(window(t, 0, w, 2), 2);
	assert_dense(w, (uint64_t[]){ 5, 1 }, 2);
	assert_true(timeline_span_s(t) > 19.99 && timeline_span_s(t) < 20.01);

	/* A tick back in time moves nothing. */
	timeline_tick(t, 5 * SEC);
	assert_int_equal(window(t, 10, w, 2), 0);
	timeline_free(t);
}

static void test_out_of_order(void **state)
{
	struct timeline *t = timeline_new(60);
	uint64_t w[5], ser[5];

	timeline_add(t, 10100 * MS, 0, 1);   /* base: second 0 is 10.1 s */
	timeline_add(t, 12300 * MS, 1, 1);   /* second 2 */
	timeline_add(t, 10500 * MS, 2, 1);   /* late, second 0 */
	timeline_add(t, 9000 * MS, 3, 1);    /* before the first: second -2 */
	assert_int_equal(window(t, 3, w, 5), 3);          /* seconds 0..2 */
	assert_dense(w, (uint64_t[]){ 1, 1, 1, 0, 0 }, 5);
	assert_int_equal(window(t, 5, w, 5), 4);          /* -2..2: all */
	assert_dense(w, (uint64_t[]){ 1, 1, 1, 1, 0 }, 5);
	timeline_series(t, 5, ser);                        /* -2..2 */
	assert_int_equal(ser[0], 1);
	assert_int_equal(ser[1], 0);
	assert_int_equal(ser[2], 2);
	assert_int_equal(ser[3], 0);
	assert_int_equal(ser[4], 1);

	/* Move on so seconds 0..2 are frozen, then more late samples, for a
	 * stack already in second 0 and for new ones (in an empty second too). */
	timeline_tick(t, 16 * SEC);                        /* second 5 */
	timeline_add(t, 10700 * MS, 0, 2);
	timeline_add(t, 10800 * MS, 4, 1);
	timeline_add(t, 11200 * MS, 4, 3);                 /* second 1, empty so far */
	timeline_tick(t, 19 * SEC);                        /* second 8: freezes 1 */
	timeline_add(t, 11300 * MS, 3, 1);
	timeline_add(t, 10200 * MS, 1, 1);
	assert_int_equal(window(t, 9, w, 5), 5);           /* seconds 0..8 */
	assert_dense(w, (uint64_t[]){ 3, 2, 1, 1, 4 }, 5);
	assert_int_equal(window(t, 8, w, 5), 3);           /* seconds 1..8 */
	assert_dense(w, (uint64_t[]){ 0, 1, 0, 1, 3 }, 5);
	assert_int_equal(window(t, 0, w, 5), 5);
	assert_dense(w, (uint64_t[]){ 3, 2, 1, 2, 4 }, 5);
	timeline_free(t);
}

static void test_retention(void **state)
{
	struct timeline *t = timeline_new(5);
	uint64_t w[10], ser[7];

	for (uint32_t s = 0; s < 10; s++)
		timeline_add(t, s * SEC + 10 * MS, s, s + 1);
	assert_int_equal(window(t, 5, w, 10), 5);          /* seconds 5..9 */
	assert_dense(w, (uint64_t[]){ 0, 0, 0, 0, 0, 6, 7, 8, 9, 10 }, 10);
	assert_int_equal(window(t, 8, w, 10), 5);          /* cut to the retention */
	assert_dense(w, (uint64_t[]){ 0, 0, 0, 0, 0, 6, 7, 8, 9, 10 }, 10);
	assert_int_equal(window(t, 100, w, 10), 10);       /* covers every sample */
	assert_int_equal(window(t, 0, w, 10), 10);
	for (uint32_t s = 0; s < 10; s++)
		assert_int_equal(w[s], s + 1);

	timeline_series(t, 7, ser);                        /* seconds 3..9 */
	assert_int_equal(ser[0], 0);                       /* dropped */
	assert_int_equal(ser[1], 0);
	assert_int_equal(ser[2], 6);
	assert_int_equal(ser[6], 10);

	/* Too late for its bucket: only the totals take it.  Second 4 is just
	 * out, and shares its ring slot with second 9, which must survive. */
	timeline_add(t, 2 * SEC, 7, 100);
	timeline_add(t, 4 * SEC + 500 * MS, 8, 1000);
	assert_int_equal(window(t, 5, w, 10), 5);
	assert_dense(w, (uint64_t[]){ 0, 0, 0, 0, 0, 6, 7, 8, 9, 10 }, 10);
	timeline_series(t, 7, ser);
	assert_int_equal(ser[1], 0);
	assert_int_equal(ser[6], 10);
	assert_int_equal(window(t, 0, w, 10), 10);
	assert_int_equal(w[7], 108);
	assert_int_equal(w[8], 1009);
	timeline_free(t);
}

/* After the retention has filled, holding more seconds costs nothing more. */
static void test_memory_bounded(void **state)
{
	const uint32_t retain = 60, per_sec = 4000, distinct = 3000;
	struct timeline *t = timeline_new(retain);
	uint64_t x = 88172645463325252ULL;
	size_t at[4] = { 0 };

	for (uint32_t s = 0; s < 4 * retain; s++) {
		for (uint32_t i = 0; i < per_sec; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			timeline_add(t, s * SEC + i * (SEC / per_sec), (uint32_t)(x % distinct), 1);
		}
		if ((s + 1) % retain == 0)
			at[s / retain] = timeline_memory(t);
	}
	print_message("      memory after 1..4 retention periods: %zu %zu %zu %zu bytes\n",
		      at[0], at[1], at[2], at[3]);
	assert_true(at[3] <= at[1] + at[1] / 10);
	/* At most 16 bytes per (second, stack) retained, plus the totals. */
	assert_true(at[3] < (size_t)retain * per_sec * 16 + distinct * 16 + 65536);

	struct stack_count *sc;
	size_t n = timeline_window(t, 0, &sc);
	uint64_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += sc[i].count;
	assert_int_equal(sum, (uint64_t)4 * retain * per_sec);
	free(sc);
	timeline_free(t);
}

static void test_model_clock_threads(void **state)
{
	struct model *m = model_new(30);
	uint32_t f[2];

	assert_true(model_duration_s(m) == 0.0);
	f[0] = funcs_intern(m->funcs, "main", "app");
	f[1] = funcs_intern(m->funcs, "work", "app");
	model_tick(m, 100 * SEC);
	model_add_stack(m, 101 * SEC, 11, f, 2, 1);
	model_add_stack(m, 102 * SEC, 12, f, 2, 1);
	model_add_stack(m, 102 * SEC, 11, f, 1, 2);
	model_add_stack(m, 100 * SEC + 500 * MS, 11, f, 2, 1);   /* late */
	model_tick(m, 104 * SEC);
	threads_exit(m->threads, 12, 103 * SEC);

	assert_true(model_duration_s(m) > 3.99 && model_duration_s(m) < 4.01);
	assert_int_equal(stacks_count(m->stacks), 2);
	assert_int_equal(m->stats.samples, 0);   /* the ingest step's to count */

	assert_int_equal(threads_count(m->threads), 2);
	const struct thread_info *t0 = threads_at(m->threads, 0), *t1 = threads_at(m->threads, 1);
	assert_int_equal(t0->tid, 11);
	assert_int_equal(t0->samples, 4);
	assert_int_equal(t0->first_ns, 100 * SEC + 500 * MS);
	assert_int_equal(t0->last_ns, 102 * SEC);
	assert_false(t0->exited);
	assert_int_equal(t1->tid, 12);
	assert_int_equal(t1->samples, 1);
	assert_true(t1->exited);
	assert_int_equal(t1->exit_ns, 103 * SEC);
	assert_null(threads_at(m->threads, 2));

	threads_set_name(m->threads, 11, "a-rather-long-thread-name-over-31-chars");
	assert_int_equal(strlen(threads_get(m->threads, 11)->name), 31);
	assert_int_equal(threads_count(m->threads), 2);

	uint64_t w[2];
	/* Seconds count from the first event, the tick at 100 s: the last 3
	 * are 102..104 s. */
	assert_int_equal(window(m->timeline, 3, w, 2), 2);
	assert_dense(w, (uint64_t[]){ 1, 2 }, 2);
	assert_int_equal(window(m->timeline, 0, w, 2), 2);
	assert_dense(w, (uint64_t[]){ 3, 2 }, 2);
	assert_true(model_memory(m) > 0);
	model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_vs_all),
		cmocka_unit_test(test_idle_ticks),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_retention),
		cmocka_unit_test(test_memory_bounded),
		cmocka_unit_test(test_model_clock_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
