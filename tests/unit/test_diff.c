/* The before/after comparison: verdicts at and around their thresholds,
 * the noise guards (small shares, few samples), functions matched by name
 * across models whose ids differ, a model against itself (nothing to say),
 * and the differential folded stacks read back line by line.  Expected
 * counts come from the synthetic models, counted by hand. */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "analysis/diff.h"
#include "analysis/model.h"

#define SEC 1000000000ULL

/* A two-leaf profile as cpu_split makes: main;path_alpha;leaf_hot and
 * main;path_beta;leaf_cold, hot of n samples hot.  extra: funcs interned
 * first in another order, so ids differ between the two sides. */
static struct model *split_model(uint64_t hot, uint64_t cold, bool reorder)
{
	struct model *m = model_new(60);
	uint32_t mn, pa, lh, pb, lc;

	if (reorder) {
		lc = funcs_intern(m->funcs, "leaf_cold", "app");
		pb = funcs_intern(m->funcs, "path_beta", "app");
	}
	mn = funcs_intern(m->funcs, "main", "app");
	pa = funcs_intern(m->funcs, "path_alpha", "app");
	lh = funcs_intern(m->funcs, "leaf_hot", "app");
	if (!reorder) {
		pb = funcs_intern(m->funcs, "path_beta", "app");
		lc = funcs_intern(m->funcs, "leaf_cold", "app");
	}
	uint32_t a[] = { mn, pa, lh }, b[] = { mn, pb, lc };
	model_tick(m, 100 * SEC);
	model_add_stack(m, 101 * SEC, 7, a, 3, hot);
	model_add_stack(m, 101 * SEC, 7, b, 3, cold);
	model_tick(m, 105 * SEC);
	strcpy(m->target.command, reorder ? "after" : "before");
	return m;
}

static const struct diff_row *row(const struct diff_row *r, size_t n, const char *name)
{
	static const struct diff_row none;

	for (size_t i = 0; i < n; i++)
		if (!strcmp(r[i].name, name))
			return &r[i];
	fail_msg("no row for %s", name);
	return &none;   /* not reached: fail_msg does not return */
}

static void test_judge_thresholds(void **state)
{
	double change, z;
	(void)state;

	/* 100 000 samples a side: a 10 % share is known to ±0.1 pt, so the
	 * relative thresholds decide.  Just over and just under each. */
	assert_int_equal(diff_judge(10000, 100000, 11200, 100000, &change, &z), DIFF_REGRESSION);
	assert_true(fabs(change - 0.12) < 1e-9);
	assert_true(z > DIFF_MIN_Z);
	assert_int_equal(diff_judge(10000, 100000, 10900, 100000, &change, &z), DIFF_WARNING);
	assert_int_equal(diff_judge(10000, 100000, 10400, 100000, &change, &z), DIFF_SAME);
	assert_int_equal(diff_judge(10000, 100000, 9400, 100000, &change, &z), DIFF_IMPROVED);
	assert_int_equal(diff_judge(10000, 100000, 9600, 100000, &change, &z), DIFF_SAME);
	/* Shares, not counts: twice the samples in a run twice as long. */
	assert_int_equal(diff_judge(10000, 100000, 20000, 200000, &change, &z), DIFF_SAME);
	assert_true(fabs(change) < 1e-12);
	/* A new function: infinite change, a regression once it is significant. */
	assert_int_equal(diff_judge(0, 100000, 3000, 100000, &change, &z), DIFF_REGRESSION);
	assert_true(isinf(change));
	/* Gone: an improvement. */
	assert_int_equal(diff_judge(3000, 100000, 0, 100000, &change, &z), DIFF_IMPROVED);
}

static void test_judge_noise(void **state)
{
	double change, z;
	(void)state;

	/* +20 % on 100 samples a side: 10 -> 12 samples is noise (z ~ 0.45). */
	assert_int_equal(diff_judge(10, 100, 12, 100, &change, &z), DIFF_SAME);
	assert_true(change > DIFF_REGRESSION_CHANGE);
	assert_true(fabs(z) < DIFF_MIN_Z);
	/* Doubled, and significant, but under DIFF_MIN_SHARE on both sides. */
	assert_int_equal(diff_judge(200, 100000, 400, 100000, &change, &z), DIFF_SAME);
	assert_true(z > DIFF_MIN_Z);
	/* The same at 0.6 %: flagged. */
	assert_int_equal(diff_judge(300, 100000, 600, 100000, &change, &z), DIFF_REGRESSION);
	/* Nothing on one side. */
	assert_int_equal(diff_judge(5, 10, 0, 0, &change, &z), DIFF_SAME);
}

static void test_compare_split(void **state)
{
	struct model *before = split_model(7000, 3000, false), *after = split_model(5000, 5000, true);
	struct diff_side sb, sa;
	struct diff_row *r;
	size_t n;
	(void)state;

	diff_side_from_model(&sb, before, 0);
	diff_side_from_model(&sa, after, 0);
	n = diff_compare(&sb, &sa, &r);
	assert_int_equal(n, 5);   /* main, path_alpha, leaf_hot, path_beta, leaf_cold */
	/* Regressions first. */
	assert_string_equal(r[0].name, "leaf_cold");
	assert_int_equal(r[0].verdict, DIFF_REGRESSION);
	assert_true(fabs(r[0].before_pct - 30.0) < 1e-9 && fabs(r[0].after_pct - 50.0) < 1e-9);
	assert_true(fabs(r[0].change - (50.0 / 30.0 - 1)) < 1e-9);
	assert_int_equal(row(r, n, "leaf_hot")->verdict, DIFF_IMPROVED);
	/* No self time on either side: same, whatever its total did. */
	assert_int_equal(row(r, n, "path_beta")->verdict, DIFF_SAME);
	assert_true(fabs(row(r, n, "path_beta")->after_total_pct - 50.0) < 1e-9);
	assert_int_equal(row(r, n, "main")->verdict, DIFF_SAME);
	free(r);

	/* The other way round, the verdicts swap. */
	n = diff_compare(&sa, &sb, &r);
	assert_string_equal(r[0].name, "leaf_hot");
	assert_int_equal(r[0].verdict, DIFF_REGRESSION);
	assert_int_equal(row(r, n, "leaf_cold")->verdict, DIFF_IMPROVED);
	free(r);
	diff_side_fini(&sb);
	diff_side_fini(&sa);
	model_free(before);
	model_free(after);
}

static void test_compare_self(void **state)
{
	struct model *m = split_model(6123, 3877, false);
	struct diff_side s;
	struct diff_row *r;
	size_t n, regressions = 99;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	(void)state;

	diff_side_from_model(&s, m, 0);
	n = diff_compare(&s, &s, &r);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(r[i].verdict, DIFF_SAME);
		assert_true(r[i].change == 0.0 && r[i].z == 0.0);
	}
	free(r);
	diff_side_fini(&s);

	f = open_memstream(&text, &len);
	assert_int_equal(diff_report(f, m, "a.json", m, "a.json", 40, &regressions), 0);
	fclose(f);
	assert_int_equal(regressions, 0);
	assert_non_null(strstr(text, "0 REGRESSION, 0 WARNING, 0 IMPROVED"));
	free(text);
	model_free(m);
}

static void test_report_rows(void **state)
{
	struct model *before = split_model(7000, 3000, false), *after = split_model(5000, 5000, true);
	size_t regressions = 0, len = 0;
	char *text = NULL, *line;
	FILE *f = open_memstream(&text, &len);
	(void)state;

	assert_int_equal(diff_report(f, before, "b.json", after, "a.json", 40, &regressions), 0);
	fclose(f);
	assert_int_equal(regressions, 1);
	line = strstr(text, "\nREGRESSION");
	assert_non_null(line);
	assert_non_null(strstr(line, "30.00 %  50.00 % +20.00 pt"));
	assert_non_null(strstr(line, "+67 %"));
	assert_true(strstr(line, "leaf_cold (app)") < strchr(line + 1, '\n'));
	assert_non_null(strstr(text, "\nIMPROVED"));
	free(text);
	model_free(before);
	model_free(after);
}

static void test_folded(void **state)
{
	struct model *before = split_model(7000, 3000, false), *after = model_new(60);
	uint32_t mn = funcs_intern(after->funcs, "main", "app");
	uint32_t pa = funcs_intern(after->funcs, "path_alpha", "app");
	uint32_t lh = funcs_intern(after->funcs, "leaf_hot", "app");
	uint32_t nw = funcs_intern(after->funcs, "leaf_new", "app");
	uint32_t a[] = { mn, pa, lh }, c[] = { mn, pa, nw };
	char *text = NULL, want[4][64];
	size_t len = 0, found = 0;
	FILE *f;
	(void)state;

	model_add_stack(after, 1 * SEC, 1, a, 3, 40);
	model_add_stack(after, 1 * SEC, 1, c, 3, 60);
	f = open_memstream(&text, &len);
	assert_int_equal(diff_folded(f, before, after), 0);
	fclose(f);
	/* Every stack of either side once, with both counts (0 where absent). */
	snprintf(want[0], sizeof want[0], "main;path_alpha;leaf_hot 7000 40\n");
	snprintf(want[1], sizeof want[1], "main;path_beta;leaf_cold 3000 0\n");
	snprintf(want[2], sizeof want[2], "main;path_alpha;leaf_new 0 60\n");
	for (int i = 0; i < 3; i++)
		found += strstr(text, want[i]) != NULL;
	assert_int_equal(found, 3);
	for (char *p = text; *p; p++)
		found += *p == '\n';
	assert_int_equal(found, 6);   /* 3 matches + exactly 3 lines */
	free(text);
	model_free(before);
	model_free(after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_judge_thresholds),
		cmocka_unit_test(test_judge_noise),
		cmocka_unit_test(test_compare_split),
		cmocka_unit_test(test_compare_self),
		cmocka_unit_test(test_report_rows),
		cmocka_unit_test(test_folded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
