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

static void test_parse_mem(void **state)
{
	struct event_proc_stats s;
	const char *status = "Name:\tx\nVmPeak:\t 9 kB\nVmData:\t  5000 kB\nVmRSS:\t 300 kB\n"
			     "RssAnon:\t 200 kB\nRssFile:\t 90 kB\nRssShmem:\t 10 kB\n"
			     "VmStk:\t 132 kB\nVmSwap:\t 7 kB\nHugetlbPages:\t 0 kB\n";

	memset(&s, 0, sizeof s);
	assert_true(proc_parse_mem(status, &s));
	assert_int_equal(s.rss_anon, 200 * 1024);
	assert_int_equal(s.rss_file, 90 * 1024);
	assert_int_equal(s.rss_shmem, 10 * 1024);
	assert_int_equal(s.vm_data, 5000 * 1024);
	assert_int_equal(s.vm_swap, 7 * 1024);
	/* One missing (a kernel without VmSwap, a kernel thread): nothing is
	 * written, so no field reads as a false zero. */
	memset(&s, 0, sizeof s);
	assert_false(proc_parse_mem("RssAnon:\t1 kB\nRssFile:\t2 kB\nRssShmem:\t3 kB\n"
				    "VmData:\t4 kB\n", &s));
	assert_int_equal(s.rss_anon, 0);
	assert_false(proc_parse_mem("Name:\tkworker\n", &s));
}

static void test_parse_maps_summary(void **state)
{
	uint64_t heap = 1;
	uint32_t n = 0;
	const char *maps =
		"55d0c0a00000-55d0c0a02000 r--p 00000000 08:01 123  /usr/bin/x\n"
		"55d0c1000000-55d0c1021000 rw-p 00000000 00:00 0    [heap]\n"
		"7f0000000000-7f0000100000 rw-p 00000000 00:00 0 \n"
		"7f0000200000-7f0000201000 r--p 00000000 08:01 9    /tmp/odd [heap] name\n"
		"7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0    [stack]";

	assert_true(proc_parse_maps_summary(maps, &heap, &n));
	assert_int_equal(n, 5);
	assert_int_equal(heap, 0x21000);
	/* No [heap] (nothing brk'd yet, or a static binary's own): 0. */
	assert_true(proc_parse_maps_summary("7f0000000000-7f0000100000 rw-p 00000000 00:00 0\n",
					    &heap, &n));
	assert_int_equal(heap, 0);
	assert_int_equal(n, 1);
	assert_false(proc_parse_maps_summary("", &heap, &n));
}

static void test_read_self(void **state)
{
	struct event_proc_stats s;

	proc_read_stats(getpid(), &s);
	assert_int_equal(s.pid, (uint32_t)getpid());
	assert_true(s.has_rss);
	assert_true(s.rss_bytes > 0);
	assert_true(s.has_mem);
	assert_true(s.rss_anon > 0 && s.rss_anon <= s.rss_bytes);
	assert_true(s.has_maps);
	assert_true(s.nr_maps > 5);
	/* /proc/self/io exists on kernels with task I/O accounting (all the
	 * distributions'); without it has_io is false, not an error. */
	if (access("/proc/self/io", R_OK) == 0) {
		assert_true(s.has_io);
		assert_true(s.rchar > 0);
	}
	proc_read_stats(0x7ffffff0, &s);   /* no such process */
	assert_false(s.has_rss);
	assert_false(s.has_io);
	assert_false(s.has_mem);
	assert_false(s.has_maps);
}

static void test_parse_syscall(void **state)
{
	uint64_t a[6];
	int32_t nr = 0;

	assert_true(proc_parse_syscall("running\n", &nr, a));
	assert_int_equal(nr, -2);
	/* Blocked outside a syscall: the two words are sp and pc, not args. */
	assert_true(proc_parse_syscall("-1 0x7ffc2e1b6f28 0x7f3a1c2e4d9b\n", &nr, a));
	assert_int_equal(nr, -1);
	assert_int_equal(a[0], 0);
	assert_true(proc_parse_syscall("202 0x55d0c6e1d040 0x80 0x2 0x0 0x0 0x0 0x7ffd5e0e2a50 "
				       "0x7f8e1a6a8d36\n", &nr, a));
	assert_int_equal(nr, 202);
	assert_int_equal(a[0], 0x55d0c6e1d040);
	assert_int_equal(a[1], 0x80);
	assert_int_equal(a[2], 2);
	assert_int_equal(a[5], 0);
	assert_true(proc_parse_syscall("0 0x3 0x7ffd0000 0x1000 0xffffffffffffffff 0x0 0x0 0x1 0x2", &nr, a));
	assert_int_equal(nr, 0);
	assert_true(a[3] == UINT64_MAX);
	/* Too few arguments, not a number, empty. */
	assert_false(proc_parse_syscall("202 0x1 0x2\n", &nr, a));
	assert_false(proc_parse_syscall("x 0x1\n", &nr, a));
	assert_false(proc_parse_syscall("", &nr, a));
	assert_false(proc_parse_syscall("-5 0x1 0x2\n", &nr, a));
}

/* utime and stime are fields 14 and 15 of the stat line: 11th and 12th
 * after the state; a real line (comm already cut) and our own CPU time. */
static void test_cpu_ticks(void **state)
{
	const char *fields = "S 1 2 3 0 -1 4194560 120 0 7 0 250 31 0 0 20 0 3 0 100 "
			     "123456 789 18446744073709551615";
	uint64_t ticks = 0, ns0 = 0, ns1 = 0;
	volatile uint64_t spin = 0;

	(void)state;
	assert_true(proc_parse_cpu_ticks(fields, &ticks));
	assert_int_equal(ticks, 281);
	assert_false(proc_parse_cpu_ticks("S 1 2", &ticks));
	assert_false(proc_parse_cpu_ticks(NULL, &ticks));
	assert_true(proc_cpu_ns(getpid(), &ns0));
	/* Burn CPU until the counter moves (ticks are 10 ms): it must grow. */
	for (int i = 0; i < 2000 && ns1 <= ns0; i++) {
		for (int j = 0; j < 1000000; j++)
			spin += (uint64_t)j;
		assert_true(proc_cpu_ns(getpid(), &ns1));
	}
	assert_true(ns1 > ns0);
}

/* The pid a process has in its own namespace: the last NSpid field. */
static void test_nspid(void **state)
{
	uint32_t n = 0;

	(void)state;
	assert_true(proc_parse_nspid("Name:\tx\nNSpid:\t4242\n", &n));
	assert_int_equal(n, 4242);
	assert_true(proc_parse_nspid("Tgid:\t9\nNSpid:\t4242\t7\t1\nNSpgid:\t1\n", &n));
	assert_int_equal(n, 1);
	n = 5;
	assert_false(proc_parse_nspid("Name:\tx\nPid:\t4\n", &n));
	assert_int_equal(n, 5);
	assert_false(proc_parse_nspid("NSpid:\t\n", &n));
	assert_false(proc_parse_nspid("NSpid:\t12x\n", &n));
	assert_false(proc_parse_nspid("NSpid:\t99999999999\n", &n));
	assert_false(proc_parse_nspid("XNSpid:\t3\n", &n));
	assert_int_equal(proc_ns_pid(getpid()), (uint32_t)getpid());
	assert_int_equal(proc_ns_pid(999999999), 999999999);
}

static void test_thread_io_self(void **state)
{
	struct event_thread_io io;

	if (access("/proc/self/io", R_OK) != 0)
		skip();
	assert_true(proc_read_thread_io(getpid(), getpid(), &io));
	assert_int_equal(io.tid, (uint32_t)getpid());
	assert_true(io.rchar > 0);
	assert_false(proc_read_thread_io(getpid(), 0x7ffffff0, &io));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_rss),
		cmocka_unit_test(test_parse_io),
		cmocka_unit_test(test_parse_mem),
		cmocka_unit_test(test_parse_maps_summary),
		cmocka_unit_test(test_read_self),
		cmocka_unit_test(test_parse_syscall),
		cmocka_unit_test(test_thread_io_self),
		cmocka_unit_test(test_cpu_ticks),
		cmocka_unit_test(test_nspid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
