/* Per-thread stack counts (see thread_stacks.h): an owner per stack, and
 * the samples of other threads as interned (tid, stack) pairs counted in a
 * timeline of their own, keyed by pair id.  The pair timeline sees every
 * clock movement the per-stack one sees (a tick stands in for an owner's
 * sample), so both put the same seconds in the same buckets. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "thread_stacks.h"
#include "timeline.h"
#include "../common/hash.h"
#include "../common/xalloc.h"

#define NO_OWNER UINT32_MAX

struct ts_pair {
	uint32_t tid, stack;
};

struct thread_stacks {
	const struct timeline *stacks;
	uint32_t *owner;          /* by stack id: the first thread to run it */
	size_t nowner, owner_cap;
	size_t owned;             /* stacks with an owner */
	struct ts_pair *pairs;    /* by pair id: non-owner samples */
	size_t npairs, cap;
	uint32_t *slots;          /* pair id + 1, 0 = empty */
	size_t nslots;
	struct timeline *others;  /* keyed by pair id */
};

static uint64_t ts_hash(uint32_t tid, uint32_t stack)
{
	return hash_u64(((uint64_t)tid << 32) | stack);
}

static void ts_rehash(struct thread_stacks *ts, size_t nslots)
{
	free(ts->slots);
	ts->slots = xcalloc(nslots, sizeof *ts->slots);
	ts->nslots = nslots;
	for (size_t k = 0; k < ts->npairs; k++) {
		size_t i = ts_hash(ts->pairs[k].tid, ts->pairs[k].stack) & (nslots - 1);
		while (ts->slots[i])
			i = (i + 1) & (nslots - 1);
		ts->slots[i] = (uint32_t)k + 1;
	}
}

struct thread_stacks *thread_stacks_new(const struct timeline *stacks, uint32_t retain_secs)
{
	struct thread_stacks *ts = xcalloc(1, sizeof *ts);

	ts->stacks = stacks;
	ts->others = timeline_new(retain_secs);
	ts_rehash(ts, 64);
	return ts;
}

void thread_stacks_free(struct thread_stacks *ts)
{
	if (!ts)
		return;
	timeline_free(ts->others);
	free(ts->owner);
	free(ts->pairs);
	free(ts->slots);
	free(ts);
}

static uint32_t ts_intern(struct thread_stacks *ts, uint32_t tid, uint32_t stack)
{
	size_t i = ts_hash(tid, stack) & (ts->nslots - 1);

	for (; ts->slots[i]; i = (i + 1) & (ts->nslots - 1)) {
		const struct ts_pair *p = &ts->pairs[ts->slots[i] - 1];
		if (p->tid == tid && p->stack == stack)
			return ts->slots[i] - 1;
	}
	xgrow(&ts->pairs, &ts->cap, ts->npairs + 1, sizeof *ts->pairs);
	ts->pairs[ts->npairs] = (struct ts_pair){ tid, stack };
	ts->slots[i] = (uint32_t)++ts->npairs;
	if (ts->npairs * 2 > ts->nslots)
		ts_rehash(ts, ts->nslots * 2);
	return (uint32_t)ts->npairs - 1;
}

void thread_stacks_add(struct thread_stacks *ts, uint64_t time_ns, uint32_t tid,
		       uint32_t stack, uint64_t weight)
{
	if (stack >= ts->nowner) {
		xgrow(&ts->owner, &ts->owner_cap, (size_t)stack + 1, sizeof *ts->owner);
		memset(ts->owner + ts->nowner, 0xff, (stack + 1 - ts->nowner) * sizeof *ts->owner);
		ts->nowner = (size_t)stack + 1;
	}
	if (!weight)
		return;   /* as the timeline: no weight, no clock movement */
	if (ts->owner[stack] == NO_OWNER) {
		ts->owner[stack] = tid;
		ts->owned++;
	}
	if (ts->owner[stack] == tid)
		timeline_tick(ts->others, time_ns);
	else
		timeline_add(ts->others, time_ns, ts_intern(ts, tid, stack), weight);
}

void thread_stacks_tick(struct thread_stacks *ts, uint64_t time_ns)
{
	timeline_tick(ts->others, time_ns);
}

/* The distinct tids of a window, each with its number of entries and,
 * once placed, where its entries go. */
struct ts_group {
	uint32_t tid;
	size_t count, at;
};

struct ts_tids {
	struct ts_group *g;
	size_t n, cap;
	uint32_t *slots;          /* group index + 1, 0 = empty */
	size_t nslots;
};

static void ts_tids_rehash(struct ts_tids *t, size_t nslots)
{
	free(t->slots);
	t->slots = xcalloc(nslots, sizeof *t->slots);
	t->nslots = nslots;
	for (size_t k = 0; k < t->n; k++) {
		size_t i = hash_u64(t->g[k].tid) & (nslots - 1);
		while (t->slots[i])
			i = (i + 1) & (nslots - 1);
		t->slots[i] = (uint32_t)k + 1;
	}
}

/* The group of tid, made on first sight. */
static uint32_t ts_tids_get(struct ts_tids *t, uint32_t tid)
{
	size_t i = hash_u64(tid) & (t->nslots - 1);

	for (; t->slots[i]; i = (i + 1) & (t->nslots - 1))
		if (t->g[t->slots[i] - 1].tid == tid)
			return t->slots[i] - 1;
	xgrow(&t->g, &t->cap, t->n + 1, sizeof *t->g);
	t->g[t->n] = (struct ts_group){ tid, 0, 0 };
	t->slots[i] = (uint32_t)++t->n;
	if (t->n * 2 > t->nslots)
		ts_tids_rehash(t, t->nslots * 2);
	return (uint32_t)t->n - 1;
}

static int ts_group_cmp(const void *a, const void *b)
{
	const struct ts_group *x = *(const struct ts_group *const *)a;
	const struct ts_group *y = *(const struct ts_group *const *)b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

/* Group v[0..n) by tid, ascending, into out, keeping the order within a
 * thread: a counting sort over the few distinct tids (a comparison sort of
 * every entry was most of the window's cost). */
static void ts_group_by_tid(const struct thread_stack_count *v, size_t n,
			    struct thread_stack_count *out)
{
	struct ts_tids t = { 0 };
	uint32_t *of = xmalloc(n * sizeof *of);   /* entry → its group */
	struct ts_group **order;

	ts_tids_rehash(&t, 64);
	for (size_t i = 0; i < n; i++) {
		of[i] = ts_tids_get(&t, v[i].tid);
		t.g[of[i]].count++;
	}
	order = xmalloc(t.n * sizeof *order);
	for (size_t k = 0; k < t.n; k++)
		order[k] = &t.g[k];
	qsort(order, t.n, sizeof *order, ts_group_cmp);
	for (size_t k = 0, at = 0; k < t.n; k++) {
		order[k]->at = at;
		at += order[k]->count;
	}
	for (size_t i = 0; i < n; i++)
		out[t.g[of[i]].at++] = v[i];
	free(order);
	free(of);
	free(t.g);
	free(t.slots);
}

size_t thread_stacks_window(const struct thread_stacks *ts, uint32_t secs,
			    struct thread_stack_count **out)
{
	struct stack_count *all, *other;
	size_t nall = timeline_window(ts->stacks, secs, &all);
	size_t nother = timeline_window(ts->others, secs, &other);
	struct thread_stack_count *v;
	uint32_t *at = NULL;      /* by stack id: its index in all + 1 */
	size_t n = 0;

	if (!nall && !nother) {
		*out = NULL;
		return 0;
	}
	v = xmalloc((nall + nother) * sizeof *v);
	if (nother) {
		at = xcalloc(ts->nowner ? ts->nowner : 1, sizeof *at);
		for (size_t i = 0; i < nall; i++)
			if (all[i].stack < ts->nowner)
				at[all[i].stack] = (uint32_t)i + 1;
	}
	for (size_t i = 0; i < nother; i++) {
		const struct ts_pair *p = &ts->pairs[other[i].stack];
		struct stack_count *c = at[p->stack] ? &all[at[p->stack] - 1] : NULL;
		/* Only a sample too late for its bucket in one timeline and not
		 * the other could make this exceed the stack's count: clamp. */
		if (c)
			c->count -= MIN(c->count, other[i].count);
		v[n++] = (struct thread_stack_count){ p->tid, p->stack, other[i].count };
	}
	free(at);
	for (size_t i = 0; i < nall; i++)
		if (all[i].count && all[i].stack < ts->nowner)
			v[n++] = (struct thread_stack_count){ ts->owner[all[i].stack],
							      all[i].stack, all[i].count };
	free(all);
	free(other);
	if (!n) {
		free(v);
		*out = NULL;
		return 0;
	}
	*out = xmalloc(n * sizeof **out);
	ts_group_by_tid(v, n, *out);
	free(v);
	return n;
}

size_t thread_stacks_pairs(const struct thread_stacks *ts)
{
	return ts->owned + ts->npairs;
}

size_t thread_stacks_memory(const struct thread_stacks *ts)
{
	return sizeof *ts + ts->owner_cap * sizeof *ts->owner + ts->cap * sizeof *ts->pairs +
	       ts->nslots * sizeof *ts->slots + timeline_memory(ts->others);
}
