/* Pairing syscall entries with exits per thread: interleaved threads, a
 * stack attached to the pending entry, exits without entries, lost records
 * and thread exits. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "analysis/syscalls.h"

static const uint64_t args0[6] = { 0x1000, 128, 2, 0, 0, 0 };

static void test_interleaved(void **state)
{
	struct syscalls *s = syscalls_new();
	struct syscall_call c;
	const uint64_t a1[6] = { 3, 0, 4096 }, a2[6] = { 0x2000, 0 };

	/* Two threads enter, exit in the other order; each gets its own. */
	syscalls_enter(s, 10, 100, SYSCALLS_READ, a1);
	syscalls_enter(s, 11, 150, SYSCALLS_FUTEX, a2);
	syscalls_stack(s, 11, SYSCALLS_FUTEX, 7, 16);
	assert_int_equal(syscalls_pending(s), 2);
	assert_true(syscalls_exit(s, 11, 400, SYSCALLS_FUTEX, 0, &c));
	assert_int_equal(c.tid, 11);
	assert_int_equal(c.nr, SYSCALLS_FUTEX);
	assert_int_equal(c.args[0], 0x2000);
	assert_int_equal(c.enter_ns, 150);
	assert_int_equal(c.exit_ns, 400);
	assert_int_equal(c.stack, 7);
	assert_int_equal(c.stack_weight, 16);
	assert_true(syscalls_exit(s, 10, 500, SYSCALLS_READ, 4096, &c));
	assert_int_equal(c.tid, 10);
	assert_int_equal(c.ret, 4096);
	assert_int_equal(c.args[2], 4096);
	assert_int_equal(c.stack, SYSCALLS_NO_STACK);
	assert_int_equal(syscalls_pending(s), 0);
	/* Paired once: a second exit completes nothing. */
	assert_false(syscalls_exit(s, 10, 600, SYSCALLS_READ, 0, &c));
	assert_int_equal(syscalls_unpaired(s), 1);
	syscalls_free(s);
}

/* The kernel may write the stack record before the entry record of the
 * same hit: the stack waits for its entry, and only for that syscall. */
static void test_stack_before_enter(void **state)
{
	struct syscalls *s = syscalls_new();
	struct syscall_call c;

	(void)state;
	syscalls_stack(s, 7, SYSCALLS_FUTEX, 42, 16);
	assert_false(syscalls_exit(s, 7, 90, SYSCALLS_FUTEX, 0, &c));   /* no entry yet */
	syscalls_stack(s, 7, SYSCALLS_FUTEX, 42, 16);
	syscalls_enter(s, 7, 100, SYSCALLS_FUTEX, args0);
	assert_true(syscalls_exit(s, 7, 300, SYSCALLS_FUTEX, 0, &c));
	assert_int_equal(c.stack, 42);
	assert_int_equal(c.stack_weight, 16);
	assert_int_equal(c.enter_ns, 100);
	/* A held stack of another syscall is not this entry's. */
	syscalls_stack(s, 7, SYSCALLS_WRITE, 43, 16);
	syscalls_enter(s, 7, 400, SYSCALLS_FUTEX, args0);
	assert_true(syscalls_exit(s, 7, 500, SYSCALLS_FUTEX, 0, &c));
	assert_int_equal(c.stack, SYSCALLS_NO_STACK);
	syscalls_free(s);
}

/* Which fds a close/dup/close_range gave up: the one rule fdnames and io
 * share. */
static void test_closed_fds(void **state)
{
	const uint64_t a[6] = { 5, 9, 0 }, same[6] = { 5, 5, 0 }, cloexec[6] = { 3, 10, 4 };
	uint32_t first = 0, last = 0;

	(void)state;
	assert_true(syscalls_closed_fds(SYSCALLS_CLOSE, a, 0, &first, &last));
	assert_int_equal(first, 5);
	assert_int_equal(last, 5);
	assert_true(syscalls_closed_fds(SYSCALLS_CLOSE, a, -4 /* EINTR */, &first, &last));
	assert_false(syscalls_closed_fds(SYSCALLS_CLOSE, a, -9 /* EBADF */, &first, &last));
	assert_true(syscalls_closed_fds(SYSCALLS_DUP2, a, 9, &first, &last));
	assert_int_equal(first, 9);
	assert_false(syscalls_closed_fds(SYSCALLS_DUP3, a, -9, &first, &last));
	assert_false(syscalls_closed_fds(SYSCALLS_DUP2, same, 5, &first, &last));
	assert_true(syscalls_closed_fds(SYSCALLS_CLOSE_RANGE, a, 0, &first, &last));
	assert_int_equal(first, 5);
	assert_int_equal(last, 9);
	assert_false(syscalls_closed_fds(SYSCALLS_CLOSE_RANGE, cloexec, 0, &first, &last));
	assert_false(syscalls_closed_fds(SYSCALLS_WRITE, a, 0, &first, &last));
}

static void test_exit_without_enter(void **state)
{
	struct syscalls *s = syscalls_new();
	struct syscall_call c;

	assert_false(syscalls_exit(s, 5, 100, SYSCALLS_WRITE, 10, &c));
	/* A held stack whose entry never came is dropped by the exit. */
	syscalls_stack(s, 5, SYSCALLS_WRITE, 3, 1);
	assert_false(syscalls_exit(s, 5, 150, SYSCALLS_WRITE, 10, &c));
	assert_int_equal(syscalls_pending(s), 0);
	/* An exit of another syscall than the pending entry: both lost. */
	syscalls_enter(s, 5, 200, SYSCALLS_FUTEX, args0);
	assert_false(syscalls_exit(s, 5, 300, SYSCALLS_READ, 1, &c));
	assert_false(syscalls_exit(s, 5, 310, SYSCALLS_FUTEX, 0, &c));
	/* An entry whose exit was lost is replaced by the next entry. */
	syscalls_enter(s, 5, 400, SYSCALLS_FUTEX, args0);
	syscalls_enter(s, 5, 500, SYSCALLS_WRITE, args0);
	assert_int_equal(syscalls_pending(s), 1);
	assert_true(syscalls_exit(s, 5, 550, SYSCALLS_WRITE, 1, &c));
	assert_int_equal(c.enter_ns, 500);
	syscalls_free(s);
}

static void test_lost_and_forget(void **state)
{
	struct syscalls *s = syscalls_new();
	struct syscall_call c;

	for (uint32_t tid = 1; tid <= 100; tid++)
		syscalls_enter(s, tid, tid, SYSCALLS_FUTEX, args0);
	assert_int_equal(syscalls_pending(s), 100);
	syscalls_reset(s);
	assert_int_equal(syscalls_pending(s), 0);
	assert_false(syscalls_exit(s, 50, 1000, SYSCALLS_FUTEX, 0, &c));

	/* Forgetting threads in any order keeps the others findable. */
	for (uint32_t tid = 1; tid <= 100; tid++)
		syscalls_enter(s, tid, tid, SYSCALLS_FUTEX, args0);
	for (uint32_t tid = 1; tid <= 100; tid += 2)
		syscalls_forget(s, tid);
	assert_int_equal(syscalls_pending(s), 50);
	for (uint32_t tid = 1; tid <= 100; tid++) {
		bool paired = syscalls_exit(s, tid, 1000, SYSCALLS_FUTEX, 0, &c);
		assert_int_equal(paired, tid % 2 == 0);
		if (paired)
			assert_int_equal(c.enter_ns, tid);
	}
	assert_int_equal(syscalls_pending(s), 0);
	syscalls_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_stack_before_enter),
		cmocka_unit_test(test_closed_fds),
		cmocka_unit_test(test_exit_without_enter),
		cmocka_unit_test(test_lost_and_forget),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
