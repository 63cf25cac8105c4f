/* Lock waits: futex calls grouped by futex address (the lock) and by the
 * user call stack at the wait (the call site).  Per lock the numbers are
 * exact (every wait is traced); per call site they are estimates, since
 * stacks are taken on a sampled subset of entries and scaled by the
 * sampling period.  In the /proc fallback, waits are seen by sampling and
 * every number is an estimate.  Pure: calls in, tables out. */
#ifndef KPROF_LOCKS_H
#define KPROF_LOCKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct syscall_call;

/* What a futex is, from the wait op and the frames of its stacks: a mutex
 * wait is contention, a condition-variable or semaphore wait is usually a
 * thread with nothing to do. */
enum lock_kind {
	LOCK_MUTEX,     /* FUTEX_WAIT/LOCK_PI, pthread_mutex_* / __lll_lock_wait */
	LOCK_CONDVAR,   /* pthread_cond_* frames, or FUTEX_WAIT_BITSET */
	LOCK_OTHER,     /* semaphores, joins, anything unrecognised */
};

struct lock_info {
	uint64_t addr;            /* the futex word */
	char name[96];            /* set by the ingest step: "g_ledger", "heap 0x…" */
	enum lock_kind kind;
	uint64_t waits;           /* blocking calls (sampled mode: samples seen blocked) */
	uint64_t wait_ns, max_wait_ns;
	uint64_t wakes;           /* wake-family calls on it (WAKE, WAKE_BITSET, WAKE_OP,
				   * UNLOCK_PI, REQUEUE, CMP_REQUEUE) */
	uint32_t nthreads;        /* distinct threads that waited */
	uint64_t first_ns, last_ns;
};

/* One (lock, call stack) pair; numbers scaled from sampled stacks. */
struct lock_site {
	uint64_t addr;
	uint32_t stack;           /* model stack id */
	uint64_t waits, wait_ns, max_wait_ns, wakes;
	uint32_t nthreads;
};

struct locks;

struct locks *locks_new(void);
void locks_free(struct locks *l);
/* A finished futex call (c->nr == SYSCALLS_FUTEX).  Returns its lock's
 * entry (so the caller can name it on first sight), or NULL when the call
 * was neither a wait nor a wake. */
struct lock_info *locks_add_call(struct locks *l, const struct syscall_call *c);
/* Fallback: tid was seen blocked in futex(args) at time_ns, standing for
 * about period_ns.  Returns NULL (and ends tid's run of waits) when args is
 * not a wait op.  Consecutive samples of one thread on one lock make the
 * estimate of its longest wait. */
struct lock_info *locks_add_sample(struct locks *l, uint32_t tid, uint64_t time_ns,
				   const uint64_t args[6], uint64_t period_ns);
/* Fallback: tid was seen doing something else (running, another call). */
void locks_sample_other(struct locks *l, uint32_t tid);
/* What the frames of a sampled wait's stack say the futex at addr is
 * (pthread_cond_* → LOCK_CONDVAR; __lll_lock_wait, pthread_mutex_* →
 * LOCK_MUTEX; sem_*, joins → LOCK_OTHER).  Frame evidence outweighs the op;
 * among several stacks the majority wins.  Ignored for an unknown addr. */
void locks_set_kind(struct locks *l, uint64_t addr, enum lock_kind kind);
/* The same with two outcomes: cond true is LOCK_CONDVAR, false LOCK_MUTEX
 * (call it only when a frame said one or the other). */
void locks_set_kind_hint(struct locks *l, uint64_t addr, bool cond);
/* Thread lifetimes, for the wall time that waits are a share of: a thread
 * seen starting counts from then, others from the start of the run. */
void locks_thread_start(struct locks *l, uint32_t tid, uint64_t time_ns);
void locks_thread_exit(struct locks *l, uint32_t tid, uint64_t time_ns);
size_t locks_count(const struct locks *l);
/* The locks that were waited on, most time waited first (the order every
 * output shows); *out is the caller's to free.  Returns the count. */
size_t locks_by_wait(const struct locks *l, const struct lock_info ***out);
/* The i-th lock in order of first sight. */
const struct lock_info *locks_at(const struct locks *l, size_t i);
const struct lock_info *locks_find(const struct locks *l, uint64_t addr);
/* Wait time of tid on any lock, for "share of its wall time". */
uint64_t locks_thread_wait_ns(const struct locks *l, uint32_t tid);
/* li's wait time as a percentage (0-100) of the wall time, within
 * [run_start_ns, now_ns], of the threads that waited on it. */
double locks_wait_pct(const struct locks *l, const struct lock_info *li,
		      uint64_t run_start_ns, uint64_t now_ns);
/* The call sites of the lock at addr, heaviest wait first; *out is the
 * caller's to free.  Returns the count. */
size_t locks_sites(const struct locks *l, uint64_t addr, struct lock_site **out);
/* A saved snapshot's lock (--load), as it was, with its saved share of
 * its threads' wall time (the thread lifetimes behind it are not kept):
 * locks_wait_pct gives wait_pct for it.  NULL (nothing added) when the
 * address is already there or the table is full. */
const struct lock_info *locks_restore(struct locks *l, const struct lock_info *li,
				      double wait_pct);
/* A saved call site of a restored lock (s->addr); false when the lock is
 * unknown, the site a duplicate or the table full. */
bool locks_restore_site(struct locks *l, const struct lock_site *s);
const char *locks_kind_name(enum lock_kind k);
size_t locks_memory(const struct locks *l);

#endif
