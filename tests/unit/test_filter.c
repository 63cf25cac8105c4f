/* The regex filter: matching, smart case, an invalid pattern's message, and
 * a catastrophic pattern that must stop at pcre2's limits instead of
 * backtracking for ages. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "analysis/filter.h"

static void test_match(void **state)
{
	char err[200];
	struct filter *f = filter_new("^render_|shade", FILTER_SMARTCASE, err, sizeof err);

	assert_non_null(f);
	assert_string_equal(filter_pattern(f), "^render_|shade");
	assert_int_equal(filter_match(f, "render_frame"), FILTER_MATCH);
	assert_int_equal(filter_match(f, "SHADE_pixels"), FILTER_MATCH);
	assert_int_equal(filter_match(f, "do_render_frame"), FILTER_NOMATCH);
	assert_int_equal(filter_match(f, ""), FILTER_NOMATCH);
	/* Not valid UTF-8: still matched where it can be, never an error. */
	assert_int_equal(filter_match(f, "shade\xff\xfe"), FILTER_MATCH);
	assert_int_equal(filter_match(f, "\xc3(x"), FILTER_NOMATCH);
	assert_int_equal(filter_errors(f), 0);
	filter_free(f);

	/* An upper-case letter makes smart case exact. */
	f = filter_new("Shade", FILTER_SMARTCASE, err, sizeof err);
	assert_int_equal(filter_match(f, "shade_pixels"), FILTER_NOMATCH);
	assert_int_equal(filter_match(f, "Shade_pixels"), FILTER_MATCH);
	filter_free(f);
	/* ...but an escape like \S is not a letter to match. */
	f = filter_new("\\Sade", FILTER_SMARTCASE, err, sizeof err);
	assert_int_equal(filter_match(f, "SHADE"), FILTER_MATCH);
	filter_free(f);
	f = filter_new("std::vector<int>", 0, err, sizeof err);
	assert_int_equal(filter_match(f, "std::vector<int>::push_back"), FILTER_MATCH);
	filter_free(f);
	/* UTF-8 names. */
	f = filter_new("größe", FILTER_CASELESS, err, sizeof err);
	assert_int_equal(filter_match(f, "berechne_GRÖSSE"), FILTER_NOMATCH);
	assert_int_equal(filter_match(f, "berechne_GRÖßE"), FILTER_MATCH);
	filter_free(f);
}

static void test_invalid(void **state)
{
	char err[200] = "";

	assert_null(filter_new("foo(bar", 0, err, sizeof err));
	assert_non_null(strstr(err, "offset 7"));
	assert_non_null(strstr(err, "missing closing parenthesis"));
	assert_null(filter_new("*x", 0, err, sizeof err));
	assert_non_null(strstr(err, "quantifier does not follow"));
	assert_null(filter_new("[a-", 0, err, sizeof err));
	assert_true(strlen(err) > 10);
	/* A short buffer gets a cut message, never an overflow. */
	char tiny[8];
	assert_null(filter_new("(", 0, tiny, sizeof tiny));
	assert_int_equal(strlen(tiny), sizeof tiny - 1);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_catastrophic(void **state)
{
	char err[200], subject[64];
	const char *patterns[] = { "(a+)+$", "(a|aa)+$", "^(a|a)*$" };

	memset(subject, 'a', sizeof subject - 2);
	subject[sizeof subject - 2] = 'b';
	subject[sizeof subject - 1] = '\0';
	for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
		struct filter *f = filter_new(patterns[i], 0, err, sizeof err);
		double t0 = now_s();

		assert_non_null(f);
		/* Unbounded, each of these takes longer than the universe's age. */
		assert_int_equal(filter_match(f, subject), FILTER_ERROR);
		assert_true(now_s() - t0 < 1.0);
		assert_non_null(strstr(filter_error(f), "limit"));
		assert_int_equal(filter_errors(f), 1);
		/* The filter stays usable. */
		assert_int_equal(filter_match(f, "aaa"), FILTER_MATCH);
		filter_free(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_catastrophic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
