/* The /proc parsers behind the RSS and I/O meters: status and io texts as
 * the kernel writes them, fields missing or out of order, and a reading of
 * our own process (which can always read its own files). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sampler/proc.h"

static void test_parse_rss(void **state)
{
	uint64_t b = 0;

	assert_true(proc_parse_rss("Name:\tcat\nVmPeak:\t  9000 kB\nVmRSS:\t    1234 kB\n"
				   "RssAnon:\t 100 kB\n", &b));
	assert_int_equal(b, 1234 * 1024);
	/* A kernel thread or a zombie has no VmRSS line. */
	assert_false(proc_parse_rss("Name:\tkworker/0:1\nState:\tI (idle)\n", &b));
	/* "VmRSSx" or a value that is not a number is not VmRSS. */
	assert_false(proc_parse_rss("VmRSSx:\t5 kB\n", &b));
	assert_false(proc_parse_rss("VmRSS:\t kB\n", &b));
	assert_false(proc_parse_rss("", &b));
	/* The last line without a newline. */
	assert_true(proc_parse_rss("Name:\tx\nVmRSS:\t7 kB", &b));
	assert_int_equal(b, 7 * 1024);
}

static void test_parse_io(void **state)
{
	struct event_proc_stats s;

	memset(&s, 0, sizeof s);
	assert_true(proc_parse_io("rchar: 100\nwchar: 200\nsyscr: 3\nsyscw: 4\n"
				  "read_bytes: 4096\nwrite_bytes: 8192\ncancelled_write_bytes: 0\n", &s));
	assert_int_equal(s.rchar, 100);
	assert_int_equal(s.wchar, 200);
	assert_int_equal(s.read_bytes, 4096);
	assert_int_equal(s.write_bytes, 8192);
	/* Order does not matter; cancelled_write_bytes is not write_bytes. */
	assert_true(proc_parse_io("cancelled_write_bytes: 9\nwrite_bytes: 1\nread_bytes: 2\n"
				  "wchar: 3\nrchar: 18446744073709551615\n", &s));
	assert_int_equal(s.write_bytes, 1);
	assert_true(s.rchar == UINT64_MAX);
	/* Any of the four missing: not a reading. */
	assert_false(proc_parse_io("rchar: 1\nwchar: 2\nread_bytes: 3\n", &s));
}

static void test_read_self(void **state)
{
	struct event_proc_stats s;

	proc_read_stats(getpid(), &s);
	assert_int_equal(s.pid, (uint32_t)getpid());
	assert_true(s.has_rss);
	assert_true(s.rss_bytes > 0);
	/* /proc/self/io exists on kernels with task I/O accounting (all the
	 * distributions'); without it has_io is false, not an error. */
	if (access("/proc/self/io", R_OK) == 0) {
		assert_true(s.has_io);
		assert_true(s.rchar > 0);
	}
	proc_read_stats(0x7ffffff0, &s);   /* no such process */
	assert_false(s.has_rss);
	assert_false(s.has_io);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_rss),
		cmocka_unit_test(test_parse_io),
		cmocka_unit_test(test_read_self),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
