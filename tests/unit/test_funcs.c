/* Unit tests for the interned function table. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "analysis/funcs.h"

static void test_same_pair_same_id(void **state)
{
	struct funcs *f = funcs_new();
	uint32_t a = funcs_intern(f, "main", "prog");
	uint32_t b = funcs_intern(f, "main", "libc.so.6");
	uint32_t c = funcs_intern(f, "main", "prog");

	assert_int_equal(a, c);
	assert_int_not_equal(a, b);
	assert_string_equal(funcs_get(f, b)->module, "libc.so.6");
	assert_int_equal(funcs_count(f), 2);
	assert_null(funcs_get(f, 2));
	funcs_free(f);
}

/* Many entries force rehashing; every id must still map back to its name. */
static void test_many(void **state)
{
	struct funcs *f = funcs_new();
	char name[32];

	for (int i = 0; i < 50000; i++) {
		snprintf(name, sizeof name, "fn%d", i);
		assert_int_equal(funcs_intern(f, name, "m"), (uint32_t)i);
	}
	for (int i = 0; i < 50000; i += 997) {
		snprintf(name, sizeof name, "fn%d", i);
		assert_string_equal(funcs_get(f, (uint32_t)i)->name, name);
		assert_int_equal(funcs_intern(f, name, "m"), (uint32_t)i);
	}
	assert_int_equal(funcs_count(f), 50000);
	funcs_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_pair_same_id),
		cmocka_unit_test(test_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
