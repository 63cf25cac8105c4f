/* Lock waits from synthetic futex calls: op decoding (private and realtime
 * flags masked), kinds from ops and from frames (a condvar pool must not
 * read as mutex contention), EAGAIN/ETIMEDOUT waits counted, sites scaled
 * by their stack's weight, the share of the waiters' wall time, the /proc
 * fallback, the memory cap, and the ingest step: names from mappings and
 * syscall-entry stacks kept out of the CPU profile. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "analysis/ingest.h"
#include "analysis/locks.h"
#include "analysis/model.h"
#include "analysis/syscalls.h"
#include "sampler/event.h"

#define MS 1000000ULL
#define SEC 1000000000ULL
#define PRIV 128
#define REALTIME 256

static struct syscall_call futex(uint32_t tid, uint64_t addr, uint64_t op, uint64_t from,
				 uint64_t ns, int64_t ret)
{
	return (struct syscall_call){
		.tid = tid, .nr = SYSCALLS_FUTEX, .args = { addr, op }, .ret = ret,
		.enter_ns = from, .exit_ns = from + ns, .stack = SYSCALLS_NO_STACK,
	};
}

static void test_ops(void **state)
{
	struct locks *l = locks_new();
	struct syscall_call c;

	/* FUTEX_WAIT|PRIVATE that timed out, FUTEX_WAIT that found the word
	 * changed: both were time spent waiting. */
	c = futex(1, 0x1000, 0 | PRIV, 0, 5 * MS, -ETIMEDOUT);
	assert_non_null(locks_add_call(l, &c));
	c = futex(2, 0x1000, 0, 10 * MS, 1 * MS, -EAGAIN);
	assert_non_null(locks_add_call(l, &c));
	c = futex(3, 0x1000, 1 | PRIV, 12 * MS, 1000, 1);           /* WAKE */
	assert_non_null(locks_add_call(l, &c));
	c = futex(3, 0x1000, 5 | PRIV, 13 * MS, 1000, 1);           /* WAKE_OP */
	assert_non_null(locks_add_call(l, &c));
	c = futex(3, 0x1000, 4 | PRIV, 14 * MS, 1000, 1);           /* CMP_REQUEUE */
	assert_non_null(locks_add_call(l, &c));
	/* Not a wait or a wake (FUTEX_TRYLOCK_PI 8): ignored. */
	c = futex(3, 0x1000, 8, 15 * MS, 1000, 0);
	assert_null(locks_add_call(l, &c));
	/* A read is not a futex. */
	c = futex(3, 0x1000, 0, 16 * MS, 1000, 0);
	c.nr = SYSCALLS_READ;
	assert_null(locks_add_call(l, &c));

	const struct lock_info *li = locks_find(l, 0x1000);
	assert_non_null(li);
	assert_int_equal(locks_count(l), 1);
	assert_int_equal(li->waits, 2);
	assert_int_equal(li->wait_ns, 6 * MS);
	assert_int_equal(li->max_wait_ns, 5 * MS);
	assert_int_equal(li->wakes, 3);
	assert_int_equal(li->nthreads, 2);
	assert_int_equal(li->kind, LOCK_MUTEX);
	assert_int_equal(locks_thread_wait_ns(l, 1), 5 * MS);
	assert_int_equal(locks_thread_wait_ns(l, 3), 0);
	locks_free(l);
}

static void test_kinds(void **state)
{
	struct locks *l = locks_new();
	struct syscall_call c;

	/* A pool of 8 idle workers in pthread_cond_wait (WAIT_BITSET|PRIVATE,
	 * with CLOCK_REALTIME on a timed wait) and one short mutex fight. */
	for (uint32_t t = 0; t < 8; t++) {
		c = futex(100 + t, 0x2000, 9 | PRIV | (t % 2 ? REALTIME : 0), t * MS, 900 * MS, 0);
		locks_add_call(l, &c);
	}
	c = futex(200, 0x3000, 0 | PRIV, 0, 2 * MS, 0);
	locks_add_call(l, &c);
	assert_int_equal(locks_find(l, 0x2000)->kind, LOCK_CONDVAR);
	assert_int_equal(locks_find(l, 0x3000)->kind, LOCK_MUTEX);

	/* An older glibc's condvar waits with plain FUTEX_WAIT: only the frames
	 * tell, and they outvote the op. */
	for (uint32_t t = 0; t < 4; t++) {
		c = futex(300 + t, 0x4000, 0 | PRIV, 0, 500 * MS, 0);
		locks_add_call(l, &c);
	}
	assert_int_equal(locks_find(l, 0x4000)->kind, LOCK_MUTEX);
	locks_set_kind_hint(l, 0x4000, true);
	assert_int_equal(locks_find(l, 0x4000)->kind, LOCK_CONDVAR);
	/* ...and a semaphore's frames make it neither. */
	locks_set_kind(l, 0x3000, LOCK_OTHER);
	assert_int_equal(locks_find(l, 0x3000)->kind, LOCK_OTHER);
	/* Most stacks decide between conflicting frames. */
	locks_set_kind(l, 0x3000, LOCK_MUTEX);
	locks_set_kind(l, 0x3000, LOCK_MUTEX);
	assert_int_equal(locks_find(l, 0x3000)->kind, LOCK_MUTEX);
	/* An unknown address is not created by a hint. */
	locks_set_kind(l, 0x9999, LOCK_MUTEX);
	assert_null(locks_find(l, 0x9999));
	assert_string_equal(locks_kind_name(LOCK_CONDVAR), "condvar");
	assert_string_equal(locks_kind_name(LOCK_MUTEX), "mutex");
	locks_free(l);
}

/* One lock site as locks_sites lists it: its stack, its waits, their total
 * and longest time, and how many threads waited there. */
static void assert_lock_site(const struct lock_site *s, uint32_t stack, uint64_t waits,
			     uint64_t wait_ns, uint64_t max_wait_ns, uint64_t nthreads)
{
	assert_int_equal(s->stack, stack);
	assert_int_equal(s->waits, waits);
	assert_int_equal(s->wait_ns, wait_ns);
	assert_int_equal(s->max_wait_ns, max_wait_ns);
	assert_int_equal(s->nthreads, nthreads);
}

static void test_sites_scaled(void **state)
{
	struct locks *l = locks_new();
	struct syscall_call c;
	struct lock_site *sites;

	/* Stacks on every 4th entry: 3 sampled waits stand for 12. */
	for (int i = 0; i < 12; i++) {
		c = futex(1 + i % 3, 0x5000, 0, (uint64_t)i * 10 * MS, (i + 1) * MS, 0);
		if (i % 4 == 0) {
			c.stack = i < 8 ? 7 : 9;
			c.stack_weight = 4;
		}
		locks_add_call(l, &c);
	}
	c = futex(5, 0x5000, 1, 200 * MS, 1000, 1);
	c.stack = 11;
	c.stack_weight = 4;
	locks_add_call(l, &c);

	const struct lock_info *li = locks_find(l, 0x5000);
	assert_int_equal(li->waits, 12);                  /* exact */
	assert_int_equal(li->wait_ns, 78 * MS);
	assert_int_equal(li->max_wait_ns, 12 * MS);
	size_t n = locks_sites(l, 0x5000, &sites);
	assert_int_equal(n, 3);
	/* Heaviest first: stack 9 (9 ms x4) then 7 (1 and 5 ms, x4). */
	assert_lock_site(&sites[0], 9, 4, 4 * 9 * MS, 9 * MS, 1);
	assert_lock_site(&sites[1], 7, 8, 4 * (1 + 5) * MS, 5 * MS, 2);
	assert_int_equal(sites[2].stack, 11);
	assert_int_equal(sites[2].waits, 0);
	assert_int_equal(sites[2].wakes, 4);
	free(sites);
	assert_int_equal(locks_sites(l, 0x7777, &sites), 0);
	free(sites);
	locks_free(l);
}

static void test_wait_share(void **state)
{
	struct locks *l = locks_new();
	struct syscall_call c;

	/* Run 0..10 s.  Thread 1 is there throughout and waits 2 s; thread 2
	 * starts at 5 s and waits 3 s; thread 3 starts and exits without
	 * waiting and must not count. */
	locks_thread_start(l, 2, 5 * SEC);
	locks_thread_start(l, 3, 1 * SEC);
	locks_thread_exit(l, 3, 2 * SEC);
	c = futex(1, 0x6000, 0, 1 * SEC, 2 * SEC, 0);
	locks_add_call(l, &c);
	c = futex(2, 0x6000, 0, 6 * SEC, 3 * SEC, 0);
	locks_add_call(l, &c);
	const struct lock_info *li = locks_find(l, 0x6000);
	assert_int_equal(li->nthreads, 2);
	double pct = locks_wait_pct(l, li, 0, 10 * SEC);
	assert_true(pct > 100.0 * 5 / 15 - 1e-9 && pct < 100.0 * 5 / 15 + 1e-9);
	/* Thread 2 exits at 9 s: its wall is 4 s now. */
	locks_thread_exit(l, 2, 9 * SEC);
	pct = locks_wait_pct(l, li, 0, 10 * SEC);
	assert_true(pct > 100.0 * 5 / 14 - 1e-9 && pct < 100.0 * 5 / 14 + 1e-9);
	locks_free(l);
}

static void test_sampled(void **state)
{
	struct locks *l = locks_new();
	const uint64_t wait[6] = { 0x7000, 0 | PRIV }, wake[6] = { 0x7000, 1 };

	/* Three looks in a row at thread 1 blocked, then running, then one
	 * more: the longest wait is the run of three. */
	for (int i = 0; i < 3; i++)
		assert_non_null(locks_add_sample(l, 1, (uint64_t)(i + 1) * 10 * MS, wait, 10 * MS));
	locks_sample_other(l, 1);
	assert_non_null(locks_add_sample(l, 1, 50 * MS, wait, 10 * MS));
	/* A wake op is not a wait. */
	assert_null(locks_add_sample(l, 2, 50 * MS, wake, 10 * MS));
	const struct lock_info *li = locks_find(l, 0x7000);
	assert_int_equal(li->waits, 4);
	assert_int_equal(li->wait_ns, 40 * MS);
	assert_int_equal(li->max_wait_ns, 30 * MS);
	assert_int_equal(li->kind, LOCK_MUTEX);
	locks_free(l);
}

static void test_cap(void **state)
{
	struct locks *l = locks_new();
	struct syscall_call c;
	uint64_t waits = 0;

	for (uint64_t a = 1; a <= 6000; a++) {
		c = futex(1, a * 64, 0, a, 10, 0);
		locks_add_call(l, &c);
	}
	assert_true(locks_count(l) <= 4097);
	for (size_t i = 0; i < locks_count(l); i++)
		waits += locks_at(l, i)->waits;
	assert_int_equal(waits, 6000);
	const struct lock_info *other = locks_find(l, 0);
	assert_non_null(other);
	assert_string_equal(other->name, "(other locks)");
	assert_true(locks_memory(l) < 4 << 20);
	locks_free(l);
}

static void ingest(struct ingest *in, struct event ev)
{
	ingest_event(in, &ev);
}

/* Through the ingest step: a stack at a futex entry is interned and
 * attached to the site, but is no CPU sample; locks are named from the
 * mapping they lie in, once. */
static void test_ingest(void **state)
{
	struct model *m = model_new(60);
	struct ingest *in = ingest_new(m, &(struct ingest_config){
		.pid = 42, .root = "", .debug_root = "/nonexistent", .dwarf = false });
	const uint64_t ips[3] = { 0x401000, 0x402000, 0x403000 };
	uint32_t nstacks = stacks_count(m->stacks);

	ingest(in, (struct event){ .kind = EVENT_MAPS, .time_ns = SEC, .maps = { .pid = 42,
		.text = "55d000000000-55d000100000 rw-p 00000000 00:00 0 [heap]\n"
			"7ffd00000000-7ffd00100000 rw-p 00000000 00:00 0 [stack]\n"
			"7f1200000000-7f1200100000 rw-p 00000000 00:00 0\n" } });
	const uint64_t heap[6] = { 0x55d000000040, 0 | PRIV };
	ingest(in, (struct event){ .kind = EVENT_SYSCALL_ENTER, .time_ns = 2 * SEC,
		.syscall = { .pid = 42, .tid = 7, .nr = SYSCALLS_FUTEX, .args = { heap[0], heap[1] } } });
	ingest(in, (struct event){ .kind = EVENT_SYSCALL_STACK, .time_ns = 2 * SEC,
		.sample = { .pid = 42, .tid = 7, .ip = ips[0], .nr_ips = 3, .ips = ips,
			    .syscall_nr = SYSCALLS_FUTEX, .syscall_weight = 8 } });
	ingest(in, (struct event){ .kind = EVENT_SYSCALL_EXIT, .time_ns = 3 * SEC,
		.syscall = { .pid = 42, .tid = 7, .nr = SYSCALLS_FUTEX, .ret = 0 } });
	/* Another process's calls are not ours. */
	ingest(in, (struct event){ .kind = EVENT_SYSCALL_ENTER, .time_ns = 3 * SEC,
		.syscall = { .pid = 43, .tid = 8, .nr = SYSCALLS_FUTEX, .args = { 0x10, 0 } } });
	ingest(in, (struct event){ .kind = EVENT_SYSCALL_EXIT, .time_ns = 4 * SEC,
		.syscall = { .pid = 43, .tid = 8, .nr = SYSCALLS_FUTEX } });
	/* Fallback samples: one on a thread stack, one nowhere mapped. */
	ingest(in, (struct event){ .kind = EVENT_WAIT_SAMPLE, .time_ns = 4 * SEC,
		.wait = { .pid = 42, .tid = 9, .nr = SYSCALLS_FUTEX,
			  .args = { 0x7ffd00000100, 9 }, .period_ns = 10 * MS } });
	ingest(in, (struct event){ .kind = EVENT_WAIT_SAMPLE, .time_ns = 4 * SEC,
		.wait = { .pid = 42, .tid = 9, .nr = SYSCALLS_FUTEX,
			  .args = { 0x1234560, 0 }, .period_ns = 10 * MS } });
	ingest(in, (struct event){ .kind = EVENT_WAIT_SAMPLE, .time_ns = 4 * SEC,
		.wait = { .pid = 42, .tid = 9, .nr = SYSCALLS_FUTEX,
			  .args = { 0x7f1200000008, 0 }, .period_ns = 10 * MS } });

	assert_int_equal(m->stats.samples, 0);
	assert_int_equal(threads_count(m->threads), 0);
	assert_int_equal(stacks_count(m->stacks), nstacks + 1);
	assert_int_equal(locks_count(m->locks), 4);
	const struct lock_info *li = locks_find(m->locks, heap[0]);
	assert_non_null(li);
	assert_string_equal(li->name, "heap 0x55d000000040");
	assert_int_equal(li->wait_ns, SEC);
	struct lock_site *sites;
	assert_int_equal(locks_sites(m->locks, heap[0], &sites), 1);
	uint32_t nf;
	stacks_frames(m->stacks, sites[0].stack, &nf);
	assert_int_equal(nf, 3);
	assert_int_equal(sites[0].waits, 8);
	free(sites);
	assert_string_equal(locks_find(m->locks, 0x7ffd00000100)->name, "stack 0x7ffd00000100");
	assert_string_equal(locks_find(m->locks, 0x1234560)->name, "0x1234560");
	assert_string_equal(locks_find(m->locks, 0x7f1200000008)->name, "anon 0x7f1200000008");

	/* Names stay: a new map over the address does not rename the lock. */
	ingest(in, (struct event){ .kind = EVENT_MAPS, .time_ns = 5 * SEC, .maps = { .pid = 42,
		.text = "01234000-01235000 rw-p 00000000 00:00 0 [heap]\n" } });
	ingest(in, (struct event){ .kind = EVENT_WAIT_SAMPLE, .time_ns = 5 * SEC,
		.wait = { .pid = 42, .tid = 9, .nr = SYSCALLS_FUTEX,
			  .args = { 0x1234560, 0 }, .period_ns = 10 * MS } });
	assert_string_equal(locks_find(m->locks, 0x1234560)->name, "0x1234560");
	ingest_free(in);
	model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ops),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_sites_scaled),
		cmocka_unit_test(test_wait_share),
		cmocka_unit_test(test_sampled),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_ingest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
