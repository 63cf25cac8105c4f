/* Lock waits by futex address and by (address, call stack) (see locks.h).
 * Memory is bounded: at most LOCKS_MAX locks (further addresses fold into
 * one "(other locks)" row, so totals stay exact), LOCKS_MAX_SITES call
 * sites and LOCKS_MAX_PAIRS (lock, thread) pairs (beyond them a lock's
 * totals still count, only its per-site and per-thread split stops
 * growing), and per-thread entries only for threads alive or that waited. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "locks.h"
#include "syscalls.h"
#include "u64map.h"
#include "../common/xalloc.h"

#define LOCKS_MAX        4096
#define LOCKS_MAX_SITES  16384
#define LOCKS_MAX_PAIRS  65536
#define LOCKS_MAX_THREADS 65536
#define LOCKS_OTHER_ADDR 0      /* futex words are never at NULL */
#define LOCKS_END UINT32_MAX    /* end of a per-lock list */

/* futex(2) commands, after masking FUTEX_PRIVATE_FLAG (128) and
 * FUTEX_CLOCK_REALTIME (256) with & 127. */
enum {
	FUTEX_OP_WAIT = 0, FUTEX_OP_WAKE = 1, FUTEX_OP_REQUEUE = 3, FUTEX_OP_CMP_REQUEUE = 4,
	FUTEX_OP_WAKE_OP = 5, FUTEX_OP_LOCK_PI = 6, FUTEX_OP_UNLOCK_PI = 7,
	FUTEX_OP_WAIT_BITSET = 9, FUTEX_OP_WAKE_BITSET = 10, FUTEX_OP_WAIT_REQUEUE_PI = 11,
	FUTEX_OP_LOCK_PI2 = 13,
};

struct lock_entry {
	struct lock_info info;
	uint64_t op_votes[3];     /* waits, by the kind their op suggests */
	uint64_t hint_votes[3];   /* sampled stacks, by the kind their frames say */
	uint32_t pairs, sites;    /* heads of this lock's lists */
	bool saved;               /* restored from a snapshot: saved_pct is its share */
	double saved_pct;
};

struct lock_pair {            /* one thread's waits on one lock */
	uint32_t tid;
	uint32_t next;
	uint64_t wait_ns;
};

struct lock_site_entry {
	struct lock_site site;
	uint32_t next;
};

struct lock_thread {
	uint32_t tid;
	bool started, exited, streak;
	uint64_t start_ns, exit_ns;
	uint64_t wait_ns;
	uint64_t streak_addr, streak_ns;   /* sampled mode: current run of samples */
};

struct locks {
	struct lock_entry *v;
	size_t n, cap;
	struct u64map by_addr;
	struct lock_pair *pairs;
	size_t npairs, pairs_cap;
	struct u64map by_pair;        /* (lock, tid) → pair */
	struct lock_site_entry *sites;
	size_t nsites, sites_cap;
	struct u64map by_site;        /* (lock, stack) → site */
	struct u64map site_tids;      /* (site, tid) seen, for site nthreads */
	struct lock_thread *threads;
	size_t nthreads, threads_cap;
	struct u64map by_tid;
};

struct locks *locks_new(void)
{
	return xcalloc(1, sizeof(struct locks));
}

void locks_free(struct locks *l)
{
	if (!l)
		return;
	free(l->v);
	free(l->pairs);
	free(l->sites);
	free(l->threads);
	u64map_fini(&l->by_addr);
	u64map_fini(&l->by_pair);
	u64map_fini(&l->by_site);
	u64map_fini(&l->site_tids);
	u64map_fini(&l->by_tid);
	free(l);
}

/* What the op says the futex is, or -1 for an op that is not a wait. */
static int locks_wait_kind(uint64_t op)
{
	switch (op & 127) {
	case FUTEX_OP_WAIT:
	case FUTEX_OP_LOCK_PI:
	case FUTEX_OP_LOCK_PI2:
		return LOCK_MUTEX;
	case FUTEX_OP_WAIT_BITSET:
	case FUTEX_OP_WAIT_REQUEUE_PI:
		return LOCK_CONDVAR;
	default:
		return -1;
	}
}

static bool locks_is_wake(uint64_t op)
{
	switch (op & 127) {
	case FUTEX_OP_WAKE: case FUTEX_OP_WAKE_BITSET: case FUTEX_OP_WAKE_OP:
	case FUTEX_OP_UNLOCK_PI: case FUTEX_OP_REQUEUE: case FUTEX_OP_CMP_REQUEUE:
		return true;
	default:
		return false;
	}
}

/* Frames outvote ops: glibc 2.36 waits on a mutex with FUTEX_WAIT but so do
 * older condvars and many hand-rolled primitives; a pthread_cond_wait frame
 * is certain.  Within each, the majority wins. */
static void locks_resolve(struct lock_entry *e)
{
	const uint64_t *v = e->hint_votes[0] + e->hint_votes[1] + e->hint_votes[2]
			    ? e->hint_votes : e->op_votes;
	enum lock_kind k = LOCK_OTHER;
	uint64_t best = 0;

	for (int i = 0; i < 3; i++)
		if (v[i] > best) {
			best = v[i];
			k = (enum lock_kind)i;
		}
	if (e->info.addr != LOCKS_OTHER_ADDR)
		e->info.kind = k;
}

static struct lock_entry *locks_get(struct locks *l, uint64_t addr)
{
	uint32_t i = u64map_get(&l->by_addr, addr);

	if (i != U64MAP_NONE)
		return &l->v[i];
	if (l->n >= LOCKS_MAX && addr != LOCKS_OTHER_ADDR)
		return locks_get(l, LOCKS_OTHER_ADDR);
	xgrow(&l->v, &l->cap, l->n + 1, sizeof *l->v);
	struct lock_entry *e = &l->v[l->n];
	*e = (struct lock_entry){ .info = { .addr = addr, .kind = LOCK_OTHER },
				  .pairs = LOCKS_END, .sites = LOCKS_END };
	if (addr == LOCKS_OTHER_ADDR)
		strcpy(e->info.name, "(other locks)");
	u64map_put(&l->by_addr, addr, (uint32_t)l->n++);
	return e;
}

static struct lock_thread *locks_thread(struct locks *l, uint32_t tid, bool create)
{
	uint32_t i = u64map_get(&l->by_tid, tid);

	if (i != U64MAP_NONE)
		return &l->threads[i];
	if (!create || l->nthreads >= LOCKS_MAX_THREADS)
		return NULL;
	xgrow(&l->threads, &l->threads_cap, l->nthreads + 1, sizeof *l->threads);
	l->threads[l->nthreads] = (struct lock_thread){ .tid = tid };
	u64map_put(&l->by_tid, tid, (uint32_t)l->nthreads);
	return &l->threads[l->nthreads++];
}

/* Count tid's wait on lock e: distinct threads, and its share for the
 * wall-time percentage. */
static void locks_thread_waited(struct locks *l, struct lock_entry *e, uint32_t tid,
				uint64_t ns)
{
	uint32_t li = (uint32_t)(e - l->v);
	uint64_t key = u64map_pair(li, tid);
	uint32_t p = u64map_get(&l->by_pair, key);
	struct lock_thread *t = locks_thread(l, tid, true);

	if (t)
		t->wait_ns += ns;
	if (p == U64MAP_NONE) {
		if (l->npairs >= LOCKS_MAX_PAIRS)
			return;
		xgrow(&l->pairs, &l->pairs_cap, l->npairs + 1, sizeof *l->pairs);
		p = (uint32_t)l->npairs++;
		l->pairs[p] = (struct lock_pair){ .tid = tid, .next = e->pairs };
		e->pairs = p;
		e->info.nthreads++;
		u64map_put(&l->by_pair, key, p);
	}
	l->pairs[p].wait_ns += ns;
}

static struct lock_site *locks_site(struct locks *l, struct lock_entry *e, uint32_t stack,
				    uint32_t tid)
{
	uint32_t li = (uint32_t)(e - l->v);
	uint32_t s = u64map_get(&l->by_site, u64map_pair(li, stack));

	if (s == U64MAP_NONE) {
		if (l->nsites >= LOCKS_MAX_SITES)
			return NULL;
		xgrow(&l->sites, &l->sites_cap, l->nsites + 1, sizeof *l->sites);
		s = (uint32_t)l->nsites++;
		l->sites[s] = (struct lock_site_entry){
			.site = { .addr = e->info.addr, .stack = stack }, .next = e->sites };
		e->sites = s;
		u64map_put(&l->by_site, u64map_pair(li, stack), s);
	}
	if (u64map_get(&l->site_tids, u64map_pair(s, tid)) == U64MAP_NONE &&
	    l->site_tids.n < LOCKS_MAX_PAIRS) {
		u64map_put(&l->site_tids, u64map_pair(s, tid), 0);
		l->sites[s].site.nthreads++;
	}
	return &l->sites[s].site;
}

static void locks_span(struct lock_info *li, uint64_t from, uint64_t to)
{
	if (!li->first_ns || from < li->first_ns)
		li->first_ns = from;
	if (to > li->last_ns)
		li->last_ns = to;
}

struct lock_info *locks_add_call(struct locks *l, const struct syscall_call *c)
{
	int kind = locks_wait_kind(c->args[1]);
	bool wake = locks_is_wake(c->args[1]);
	uint64_t w = c->stack_weight ? c->stack_weight : 1;

	if (c->nr != SYSCALLS_FUTEX || (kind < 0 && !wake))
		return NULL;
	struct lock_entry *e = locks_get(l, c->args[0]);
	struct lock_info *li = &e->info;
	struct lock_site *site = c->stack != SYSCALLS_NO_STACK
				 ? locks_site(l, e, c->stack, c->tid) : NULL;

	locks_span(li, c->enter_ns, c->exit_ns);
	if (wake) {
		li->wakes++;
		if (site)
			site->wakes += w;
		return li;
	}
	/* EAGAIN (the word changed before we slept), ETIMEDOUT and EINTR
	 * waits were still spent waiting for the lock: all count. */
	uint64_t ns = c->exit_ns - c->enter_ns;
	li->waits++;
	li->wait_ns += ns;
	if (ns > li->max_wait_ns)
		li->max_wait_ns = ns;
	e->op_votes[kind]++;
	locks_resolve(e);
	locks_thread_waited(l, e, c->tid, ns);
	if (site) {
		site->waits += w;
		site->wait_ns += ns * w;
		if (ns > site->max_wait_ns)
			site->max_wait_ns = ns;
	}
	return li;
}

struct lock_info *locks_add_sample(struct locks *l, uint32_t tid, uint64_t time_ns,
				   const uint64_t args[6], uint64_t period_ns)
{
	int kind = locks_wait_kind(args[1]);

	if (kind < 0) {
		locks_sample_other(l, tid);
		return NULL;
	}
	struct lock_entry *e = locks_get(l, args[0]);
	struct lock_info *li = &e->info;
	struct lock_thread *t;

	locks_span(li, time_ns > period_ns ? time_ns - period_ns : 0, time_ns);
	li->waits++;
	li->wait_ns += period_ns;
	e->op_votes[kind]++;
	locks_resolve(e);
	locks_thread_waited(l, e, tid, period_ns);
	/* Consecutive looks at one thread blocked on one lock are most likely
	 * one wait: its length is the best estimate of the longest. */
	t = locks_thread(l, tid, false);
	if (t) {
		if (!t->streak || t->streak_addr != args[0])
			t->streak_ns = 0;
		t->streak = true;
		t->streak_addr = args[0];
		t->streak_ns += period_ns;
		if (t->streak_ns > li->max_wait_ns)
			li->max_wait_ns = t->streak_ns;
	} else if (period_ns > li->max_wait_ns) {
		li->max_wait_ns = period_ns;
	}
	return li;
}

void locks_sample_other(struct locks *l, uint32_t tid)
{
	struct lock_thread *t = locks_thread(l, tid, false);

	if (t)
		t->streak = false;
}

void locks_set_kind(struct locks *l, uint64_t addr, enum lock_kind kind)
{
	uint32_t i = u64map_get(&l->by_addr, addr);

	if (i == U64MAP_NONE || kind > LOCK_OTHER)
		return;
	l->v[i].hint_votes[kind]++;
	locks_resolve(&l->v[i]);
}

void locks_set_kind_hint(struct locks *l, uint64_t addr, bool cond)
{
	locks_set_kind(l, addr, cond ? LOCK_CONDVAR : LOCK_MUTEX);
}

void locks_thread_start(struct locks *l, uint32_t tid, uint64_t time_ns)
{
	struct lock_thread *t = locks_thread(l, tid, true);

	if (t && !t->started) {
		t->started = true;
		t->start_ns = time_ns;
	}
}

void locks_thread_exit(struct locks *l, uint32_t tid, uint64_t time_ns)
{
	uint32_t i = u64map_get(&l->by_tid, tid);

	if (i == U64MAP_NONE)
		return;
	if (l->threads[i].wait_ns) {
		l->threads[i].exited = true;
		l->threads[i].exit_ns = time_ns;
		return;
	}
	/* Never waited: nothing to keep, and thread churn must not grow us. */
	u64map_del(&l->by_tid, tid);
	if (i + 1 < l->nthreads) {
		l->threads[i] = l->threads[l->nthreads - 1];
		u64map_put(&l->by_tid, l->threads[i].tid, i);
	}
	l->nthreads--;
}

size_t locks_count(const struct locks *l)
{
	return l->n;
}

const struct lock_info *locks_at(const struct locks *l, size_t i)
{
	return i < l->n ? &l->v[i].info : NULL;
}

const struct lock_info *locks_find(const struct locks *l, uint64_t addr)
{
	uint32_t i = u64map_get(&l->by_addr, addr);

	return i == U64MAP_NONE ? NULL : &l->v[i].info;
}

uint64_t locks_thread_wait_ns(const struct locks *l, uint32_t tid)
{
	uint32_t i = u64map_get(&l->by_tid, tid);

	return i == U64MAP_NONE ? 0 : l->threads[i].wait_ns;
}

double locks_wait_pct(const struct locks *l, const struct lock_info *li,
		      uint64_t run_start_ns, uint64_t now_ns)
{
	uint32_t i = u64map_get(&l->by_addr, li->addr);
	uint64_t wait = 0, wall = 0;

	if (i == U64MAP_NONE)
		return 0.0;
	if (l->v[i].saved)
		return l->v[i].saved_pct;
	for (uint32_t p = l->v[i].pairs; p != LOCKS_END; p = l->pairs[p].next) {
		uint32_t t = u64map_get(&l->by_tid, l->pairs[p].tid);
		uint64_t from = run_start_ns, to = now_ns;
		if (t != U64MAP_NONE) {
			const struct lock_thread *th = &l->threads[t];
			if (th->started && th->start_ns > from)
				from = th->start_ns;
			if (th->exited && th->exit_ns < to)
				to = th->exit_ns;
		}
		wait += l->pairs[p].wait_ns;
		wall += to > from ? to - from : 0;
	}
	if (!wall)
		return 0.0;
	/* Sampled and traced clocks differ a little at the edges of the run. */
	return MIN(100.0, 100.0 * (double)wait / (double)wall);
}

const struct lock_info *locks_restore(struct locks *l, const struct lock_info *li,
				      double wait_pct)
{
	struct lock_entry *e;

	if (l->n >= LOCKS_MAX || u64map_get(&l->by_addr, li->addr) != U64MAP_NONE)
		return NULL;
	e = locks_get(l, li->addr);
	e->info = *li;
	e->saved = true;
	e->saved_pct = wait_pct;
	return &e->info;
}

bool locks_restore_site(struct locks *l, const struct lock_site *s)
{
	uint32_t li = u64map_get(&l->by_addr, s->addr);
	uint32_t k;

	if (li == U64MAP_NONE || l->nsites >= LOCKS_MAX_SITES ||
	    u64map_get(&l->by_site, u64map_pair(li, s->stack)) != U64MAP_NONE)
		return false;
	xgrow(&l->sites, &l->sites_cap, l->nsites + 1, sizeof *l->sites);
	k = (uint32_t)l->nsites++;
	l->sites[k] = (struct lock_site_entry){ .site = *s, .next = l->v[li].sites };
	l->v[li].sites = k;
	u64map_put(&l->by_site, u64map_pair(li, s->stack), k);
	return true;
}

static int site_cmp(const void *a, const void *b)
{
	const struct lock_site *x = a, *y = b;

	if (x->wait_ns != y->wait_ns)
		return x->wait_ns < y->wait_ns ? 1 : -1;
	if (x->waits != y->waits)
		return x->waits < y->waits ? 1 : -1;
	if (x->wakes != y->wakes)
		return x->wakes < y->wakes ? 1 : -1;
	return (x->stack > y->stack) - (x->stack < y->stack);
}

size_t locks_sites(const struct locks *l, uint64_t addr, struct lock_site **out)
{
	uint32_t i = u64map_get(&l->by_addr, addr);
	size_t n = 0, cap = 0;

	*out = NULL;
	if (i == U64MAP_NONE)
		return 0;
	for (uint32_t s = l->v[i].sites; s != LOCKS_END; s = l->sites[s].next) {
		xgrow(out, &cap, n + 1, sizeof **out);
		(*out)[n++] = l->sites[s].site;
	}
	if (n)
		qsort(*out, n, sizeof **out, site_cmp);
	return n;
}

const char *locks_kind_name(enum lock_kind k)
{
	switch (k) {
	case LOCK_MUTEX: return "mutex";
	case LOCK_CONDVAR: return "condvar";
	default: return "other";
	}
}

size_t locks_memory(const struct locks *l)
{
	return sizeof *l + l->cap * sizeof *l->v + l->pairs_cap * sizeof *l->pairs +
	       l->sites_cap * sizeof *l->sites + l->threads_cap * sizeof *l->threads +
	       u64map_memory(&l->by_addr) + u64map_memory(&l->by_pair) +
	       u64map_memory(&l->by_site) + u64map_memory(&l->site_tids) +
	       u64map_memory(&l->by_tid);
}

static int locks_heaviest(const void *a, const void *b)
{
	const struct lock_info *x = *(const struct lock_info *const *)a;
	const struct lock_info *y = *(const struct lock_info *const *)b;

	if (x->wait_ns != y->wait_ns)
		return x->wait_ns < y->wait_ns ? 1 : -1;
	if (x->waits != y->waits)
		return x->waits < y->waits ? 1 : -1;
	return (x->addr > y->addr) - (x->addr < y->addr);
}

size_t locks_by_wait(const struct locks *l, const struct lock_info ***out)
{
	size_t n = 0, total = locks_count(l);
	const struct lock_info **v = xmalloc((total ? total : 1) * sizeof *v);

	for (size_t i = 0; i < total; i++)
		if (l->v[i].info.waits)
			v[n++] = &l->v[i].info;
	if (n)
		qsort(v, n, sizeof *v, locks_heaviest);
	*out = v;
	return n;
}
