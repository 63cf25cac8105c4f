/* Per-second sample buckets and running totals (see timeline.h).
 *
 * A bucket still being filled is a small hash of stack → count; once time
 * has moved FREEZE_LAG seconds past it, it is frozen into a sorted array of
 * (stack, count) pairs, which is all the window sums need and a third of the
 * memory.  Late samples (another CPU's ring drained later) still land in
 * their own second while it is retained; a frozen bucket takes them by
 * binary search and, rarely, an insertion. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "timeline.h"
#include "../common/hash.h"
#include "../common/xalloc.h"

#define NS_PER_SEC 1000000000ULL
#define FREEZE_LAG 2
#define NO_SECOND INT64_MIN

struct hot_slot {
	uint32_t key;         /* stack + 1, 0 = empty */
	uint64_t count;
};

/* Counts in a bucket are 32-bit: a CPU sample weighs 1 and a second holds at
 * most a few hundred thousand.  Heavier weights saturate in the bucket only;
 * the totals are 64-bit and exact. */
struct frozen_pair {
	uint32_t stack;
	uint32_t count;
};

struct bucket {
	int64_t sec;          /* which second this slot of the ring holds */
	uint64_t samples;     /* all weight added to this second */
	struct hot_slot *hot; /* while filling */
	size_t nhot, hot_cap; /* entries used, slots (power of two) */
	struct frozen_pair *frozen;  /* after freezing, sorted by stack */
	size_t nfrozen, frozen_cap;
};

struct timeline {
	uint32_t retain;
	struct bucket *ring;  /* second s lives in ring[s mod retain] */
	bool started;
	uint64_t base_ns;     /* time of second 0: the first event seen */
	uint64_t min_ns, max_ns;
	int64_t newest;       /* second of max_ns */
	int64_t oldest_data;  /* earliest second that received a sample */
	uint64_t *totals;     /* by stack id, everything ever added */
	size_t ntotals, totals_cap;
};

static int64_t timeline_second(const struct timeline *t, uint64_t time_ns)
{
	if (time_ns >= t->base_ns)
		return (int64_t)((time_ns - t->base_ns) / NS_PER_SEC);
	return -(int64_t)((t->base_ns - time_ns + NS_PER_SEC - 1) / NS_PER_SEC);
}

static struct bucket *timeline_slot(const struct timeline *t, int64_t sec)
{
	int64_t r = sec % (int64_t)t->retain;
	return &t->ring[r < 0 ? r + t->retain : r];
}

static void bucket_reset(struct bucket *b, int64_t sec)
{
	free(b->hot);
	free(b->frozen);
	*b = (struct bucket){ .sec = sec };
}

static void bucket_hot_grow(struct bucket *b)
{
	size_t cap = b->hot_cap ? b->hot_cap * 2 : 64;
	struct hot_slot *v = xcalloc(cap, sizeof *v);

	for (size_t i = 0; i < b->hot_cap; i++) {
		if (!b->hot[i].key)
			continue;
		size_t j = hash_u64(b->hot[i].key) & (cap - 1);
		while (v[j].key)
			j = (j + 1) & (cap - 1);
		v[j] = b->hot[i];
	}
	free(b->hot);
	b->hot = v;
	b->hot_cap = cap;
}

static void bucket_add_hot(struct bucket *b, uint32_t stack, uint64_t weight)
{
	if ((b->nhot + 1) * 2 > b->hot_cap)
		bucket_hot_grow(b);

	uint32_t key = stack + 1;
	size_t i = hash_u64(key) & (b->hot_cap - 1);
	while (b->hot[i].key && b->hot[i].key != key)
		i = (i + 1) & (b->hot_cap - 1);
	if (!b->hot[i].key) {
		b->hot[i].key = key;
		b->nhot++;
	}
	b->hot[i].count += weight;
}

static uint32_t sat32(uint64_t a, uint64_t b)
{
	uint64_t s = a + b;
	return s > UINT32_MAX || s < a ? UINT32_MAX : (uint32_t)s;
}

static void bucket_add_frozen(struct bucket *b, uint32_t stack, uint64_t weight)
{
	size_t lo = 0, hi = b->nfrozen;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->frozen[mid].stack < stack)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < b->nfrozen && b->frozen[lo].stack == stack) {
		b->frozen[lo].count = sat32(b->frozen[lo].count, weight);
		return;
	}
	xgrow(&b->frozen, &b->frozen_cap, b->nfrozen + 1, sizeof *b->frozen);
	memmove(b->frozen + lo + 1, b->frozen + lo, (b->nfrozen - lo) * sizeof *b->frozen);
	b->frozen[lo] = (struct frozen_pair){ stack, sat32(0, weight) };
	b->nfrozen++;
}

static int pair_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct frozen_pair *)a)->stack;
	uint32_t y = ((const struct frozen_pair *)b)->stack;
	return (x > y) - (x < y);
}

static void bucket_freeze(struct bucket *b)
{
	if (!b->hot)
		return;
	size_t n = 0;
	/* Exact size: a frozen bucket mostly never grows again. */
	struct frozen_pair *v = xmalloc((b->nhot + b->nfrozen) * sizeof *v);

	for (size_t i = 0; i < b->hot_cap; i++)
		if (b->hot[i].key)
			v[n++] = (struct frozen_pair){ b->hot[i].key - 1, sat32(0, b->hot[i].count) };
	qsort(v, n, sizeof *v, pair_cmp);
	free(b->hot);
	b->hot = NULL;
	b->nhot = b->hot_cap = 0;
	free(b->frozen);
	b->frozen = v;
	b->nfrozen = b->frozen_cap = n;
}

struct timeline *timeline_new(uint32_t retain_secs)
{
	struct timeline *t = xcalloc(1, sizeof *t);

	t->retain = retain_secs ? retain_secs : 1;
	t->ring = xcalloc(t->retain, sizeof *t->ring);
	for (uint32_t i = 0; i < t->retain; i++)
		t->ring[i].sec = NO_SECOND;
	return t;
}

void timeline_free(struct timeline *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; i < t->retain; i++)
		bucket_reset(&t->ring[i], NO_SECOND);
	free(t->ring);
	free(t->totals);
	free(t);
}

/* Move the clock to time_ns: seconds that leave the retention are freed now
 * (not when their slot is reused) and buckets behind the lag are frozen. */
static void timeline_clock(struct timeline *t, uint64_t time_ns)
{
	if (!t->started) {
		t->started = true;
		t->base_ns = t->min_ns = t->max_ns = time_ns;
		t->newest = 0;
		t->oldest_data = NO_SECOND;
		return;
	}
	if (time_ns < t->min_ns)
		t->min_ns = time_ns;
	if (time_ns <= t->max_ns)
		return;
	t->max_ns = time_ns;

	int64_t sec = timeline_second(t, time_ns);
	if (sec == t->newest)
		return;
	int64_t from = MAX(t->newest + 1, sec - (int64_t)t->retain + 1);
	for (int64_t s = from; s <= sec; s++) {
		struct bucket *b = timeline_slot(t, s);
		if (b->sec != s)
			bucket_reset(b, NO_SECOND);
	}
	t->newest = sec;
	/* Every retained second, not just the one crossing the lag: a late
	 * sample may have opened a hash in an older, empty second. */
	for (int64_t s = sec - FREEZE_LAG; s > sec - (int64_t)t->retain; s--) {
		struct bucket *b = timeline_slot(t, s);
		if (b->sec == s && b->hot)
			bucket_freeze(b);
	}
}

void timeline_tick(struct timeline *t, uint64_t time_ns)
{
	timeline_clock(t, time_ns);
}

void timeline_add(struct timeline *t, uint64_t time_ns, uint32_t stack, uint64_t weight)
{
	if (stack >= t->ntotals) {
		xgrow(&t->totals, &t->totals_cap, (size_t)stack + 1, sizeof *t->totals);
		memset(t->totals + t->ntotals, 0, (stack + 1 - t->ntotals) * sizeof *t->totals);
		t->ntotals = (size_t)stack + 1;
	}
	if (!weight)
		return;
	timeline_clock(t, time_ns);
	t->totals[stack] += weight;

	int64_t sec = timeline_second(t, time_ns);
	if (t->oldest_data == NO_SECOND || sec < t->oldest_data)
		t->oldest_data = sec;
	if (sec <= t->newest - (int64_t)t->retain)
		return;   /* too late for its second: the totals have it */

	struct bucket *b = timeline_slot(t, sec);
	if (b->sec != sec)
		bucket_reset(b, sec);
	b->samples += weight;
	/* A late sample for a frozen bucket goes into the sorted pairs, not a
	 * revived hash. */
	if (b->frozen && !b->hot)
		bucket_add_frozen(b, stack, weight);
	else
		bucket_add_hot(b, stack, weight);
}

/* The non-zero entries of a dense by-stack array, in stack order. */
static size_t timeline_collect(const uint64_t *v, size_t nv, struct stack_count **out)
{
	size_t n = 0;

	for (size_t i = 0; i < nv; i++)
		n += v[i] != 0;
	*out = n ? xmalloc(n * sizeof **out) : NULL;
	n = 0;
	for (size_t i = 0; i < nv; i++)
		if (v[i])
			(*out)[n++] = (struct stack_count){ (uint32_t)i, v[i] };
	return n;
}

size_t timeline_window(const struct timeline *t, uint32_t secs, struct stack_count **out)
{
	if (!t->started || t->oldest_data == NO_SECOND) {
		*out = NULL;
		return 0;
	}
	/* A window reaching back past every sample is the totals, which also
	 * hold what arrived too late for its bucket. */
	if (secs == 0 || t->newest - t->oldest_data < (int64_t)secs)
		return timeline_collect(t->totals, t->ntotals, out);
	if (secs > t->retain)
		secs = t->retain;

	uint64_t *sum = xcalloc(t->ntotals, sizeof *sum);
	for (int64_t s = t->newest - secs + 1; s <= t->newest; s++) {
		const struct bucket *b = timeline_slot(t, s);
		if (b->sec != s)
			continue;
		for (size_t i = 0; i < b->nfrozen; i++)
			sum[b->frozen[i].stack] += b->frozen[i].count;
		for (size_t i = 0; i < b->hot_cap; i++)
			if (b->hot[i].key)
				sum[b->hot[i].key - 1] += b->hot[i].count;
	}
	size_t n = timeline_collect(sum, t->ntotals, out);
	free(sum);
	return n;
}

void timeline_series(const struct timeline *t, uint32_t n, uint64_t *out)
{
	for (uint32_t i = 0; i < n; i++) {
		out[i] = 0;
		if (!t->started)
			continue;
		int64_t s = t->newest - (int64_t)(n - 1) + i;
		const struct bucket *b = timeline_slot(t, s);
		if (s > t->newest - (int64_t)t->retain && b->sec == s)
			out[i] = b->samples;
	}
}

double timeline_span_s(const struct timeline *t)
{
	return t->started ? (double)(t->max_ns - t->min_ns) / 1e9 : 0.0;
}

size_t timeline_memory(const struct timeline *t)
{
	size_t bytes = sizeof *t + t->retain * sizeof *t->ring +
		       t->totals_cap * sizeof *t->totals;

	for (uint32_t i = 0; i < t->retain; i++)
		bytes += t->ring[i].hot_cap * sizeof(struct hot_slot) +
			 t->ring[i].frozen_cap * sizeof(struct frozen_pair);
	return bytes;
}
