/* Allocation growth by call site (see alloc.h).
 *
 * Each site keeps whole-run counters, its outstanding bytes, a list of its
 * live sampled allocations in arrival order (so the oldest is the head)
 * and a running least-squares trend of its outstanding bytes at every
 * second's end since the start (usage.h's fit).  Windows come from one
 * bucket per second, as in timeline.c, holding a cell per site active in
 * that second: bytes allocated, freed, touched, and the net change of
 * outstanding.  A window's series of outstanding-at-each-second's-end is
 * rebuilt backwards from the bytes outstanding now, so a site that was
 * quiet costs nothing per second.  Events land in the newest second (the
 * rings are merged in time order, so a late one is at most a tick late),
 * which keeps every bucket but the newest closed: closed ones shrink to an
 * exact array and lose their index. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "u64map.h"
#include "usage.h"
#include "../common/fastmath.h"
#include "../common/xalloc.h"

#define NS_PER_SEC 1000000000ULL
#define NO_SECOND  INT64_MIN
#define NONE       UINT32_MAX
#define ALLOC_FOLD_SITES (ALLOC_MAX_SITES / 4)

/* Outstanding bytes over a run of seconds: the line through them and the
 * deepest fall below the running peak, for the leak rule. */
struct alloc_trend {
	struct usage_fit fit;
	double first, last, peak;
	double max_drop;          /* (peak - y) / peak at its worst */
};

struct alloc_cell {
	uint32_t site;
	uint32_t allocs;          /* sampled allocations in the second */
	uint64_t alloc, freed, touched;
	int64_t delta;            /* net change of outstanding in the second */
};

struct alloc_bucket {
	int64_t sec;
	struct alloc_cell *cells;
	size_t n, cap;
};

struct alloc_live {
	uint64_t addr, weight, time_ns;
	uint32_t site;            /* NONE: a free slot */
	uint32_t prev, next;      /* the site's list, oldest first; next also chains free slots */
};

struct alloc_site {
	uint32_t stack;
	bool other;
	int64_t outstanding;
	uint64_t allocs, frees, alloc_bytes, free_bytes, touched_bytes, faults;
	uint32_t head, tail, nlive;
	struct alloc_trend run;   /* every second's end since the start */
};

struct alloc {
	uint32_t retain;
	struct alloc_bucket *ring;  /* second s in ring[s mod retain] */
	struct u64map hot;          /* site → cell in the newest second's bucket */
	bool started;
	uint64_t base_ns, now_ns;   /* second 0 starts at base_ns */
	int64_t newest;
	/* Every site's run trend starts as this: zeros at every second so far,
	 * so all of them share their time points and can be summed (folding). */
	struct alloc_trend zero;
	struct alloc_site *sites;
	size_t nsites, sites_cap;
	struct u64map by_stack;
	uint32_t other;             /* the fold site, or NONE */
	uint64_t folded;
	struct alloc_live *live;
	size_t nslots, live_cap;    /* slots ever used, allocated */
	uint32_t free_slot;
	struct u64map by_addr;
	uint64_t live_dropped;
	/* Restored from a snapshot (--load): the saved rows of its window,
	 * given for every window (the buckets behind them are not kept). */
	bool frozen;
	struct alloc_site_info *saved;
	size_t nsaved, saved_cap;
};

/* ---- trends ---------------------------------------------------------------- */

static void trend_add(struct alloc_trend *tr, double t, double y)
{
	if (!tr->fit.n)
		tr->first = tr->peak = y;
	usage_fit_add(&tr->fit, t, y);
	tr->last = y;
	if (y > tr->peak)
		tr->peak = y;
	else if (tr->peak > 0 && (tr->peak - y) / tr->peak > tr->max_drop)
		tr->max_drop = (tr->peak - y) / tr->peak;
}

static bool trend_leak(const struct alloc_trend *tr, double slope, uint64_t allocs,
		       uint64_t alloc_bytes)
{
	return tr->fit.n > ALLOC_LEAK_MIN_SECS && allocs >= ALLOC_LEAK_MIN_ALLOCS &&
	       tr->last > tr->first && slope > 0 && tr->max_drop <= ALLOC_LEAK_MAX_DROP &&
	       tr->last - tr->first >= ALLOC_LEAK_MIN_KEPT * (double)alloc_bytes;
}

/* ---- clock and buckets ------------------------------------------------------ */

static struct alloc_bucket *alloc_slot(const struct alloc *a, int64_t sec)
{
	return &a->ring[(uint64_t)sec % a->retain];
}

static void bucket_reset(struct alloc_bucket *b, int64_t sec)
{
	free(b->cells);
	*b = (struct alloc_bucket){ .sec = sec };
}

/* When second s ends, in seconds from base_ns; the newest one is open and
 * "ends" now. */
static double alloc_end_t(const struct alloc *a, int64_t s)
{
	return s < a->newest ? (double)(s + 1) : (double)(a->now_ns - a->base_ns) / 1e9;
}

/* The seconds from newest up to (not including) sec end: every site's run
 * trend takes its outstanding bytes, which no event has changed since.
 * Ticks come several times a second, so this is one second at a time. */
static void alloc_close(struct alloc *a, int64_t sec)
{
	struct alloc_bucket *b = alloc_slot(a, a->newest);

	for (int64_t c = a->newest; c < sec; c++) {
		trend_add(&a->zero, (double)(c + 1), 0.0);
		for (size_t i = 0; i < a->nsites; i++)
			trend_add(&a->sites[i].run, (double)(c + 1), (double)a->sites[i].outstanding);
	}
	/* Closed for good: exact size, no index. */
	if (b->sec == a->newest && b->n < b->cap) {
		if (b->n) {
			b->cells = xrealloc(b->cells, b->n * sizeof *b->cells);
		} else {
			free(b->cells);
			b->cells = NULL;
		}
		b->cap = b->n;
	}
	u64map_clear(&a->hot);
	for (int64_t s = MAX(a->newest + 1, sec - (int64_t)a->retain + 1); s <= sec; s++)
		bucket_reset(alloc_slot(a, s), s);
	a->newest = sec;
}

static void alloc_clock(struct alloc *a, uint64_t time_ns)
{
	if (!a->started) {
		a->started = true;
		a->base_ns = a->now_ns = time_ns;
		a->newest = 0;
		bucket_reset(alloc_slot(a, 0), 0);
		return;
	}
	if (time_ns <= a->now_ns)
		return;
	a->now_ns = time_ns;
	int64_t sec = (int64_t)((time_ns - a->base_ns) / NS_PER_SEC);
	if (sec > a->newest)
		alloc_close(a, sec);
}

/* The newest second's cell of site.  The pointer lives until the next cell
 * is made. */
static struct alloc_cell *alloc_cell(struct alloc *a, uint32_t site)
{
	struct alloc_bucket *b = alloc_slot(a, a->newest);
	uint32_t i = u64map_get(&a->hot, site);

	if (i == U64MAP_NONE) {
		xgrow(&b->cells, &b->cap, b->n + 1, sizeof *b->cells);
		b->cells[b->n] = (struct alloc_cell){ .site = site };
		i = (uint32_t)b->n++;
		u64map_put(&a->hot, site, i);
	}
	return &b->cells[i];
}

/* ---- sites and folding ------------------------------------------------------ */

struct alloc_fold_key {
	double busy;
	uint32_t site;
};

static int fold_cmp(const void *x, const void *y)
{
	const struct alloc_fold_key *p = x, *q = y;

	if (p->busy != q->busy)
		return p->busy < q->busy ? -1 : 1;
	return (p->site > q->site) - (p->site < q->site);
}

static int cell_cmp(const void *x, const void *y)
{
	const struct alloc_cell *p = x, *q = y;

	return (p->site > q->site) - (p->site < q->site);
}

/* v's numbers into o.  The run trends add up because every site's is over
 * the same seconds (see zero); the drop and peak of a sum are not the sums'
 * but the fold is never a suspect. */
static void site_merge(struct alloc *a, struct alloc_site *o, struct alloc_site *v)
{
	o->outstanding += v->outstanding;
	o->allocs += v->allocs;
	o->frees += v->frees;
	o->alloc_bytes += v->alloc_bytes;
	o->free_bytes += v->free_bytes;
	o->touched_bytes += v->touched_bytes;
	o->faults += v->faults;
	o->run.fit.mean_y += v->run.fit.mean_y;
	o->run.fit.c_ty += v->run.fit.c_ty;
	o->run.fit.m2_y += v->run.fit.m2_y;
	o->run.first += v->run.first;
	o->run.last += v->run.last;
	o->run.peak += v->run.peak;
	o->run.max_drop = MAX(o->run.max_drop, v->run.max_drop);
	if (!v->nlive)
		return;
	/* Splice the lists, the older head first, so the fold's head is the
	 * oldest at this moment (later frees may leave an older one inside). */
	if (!o->nlive) {
		o->head = v->head;
		o->tail = v->tail;
	} else if (a->live[v->head].time_ns < a->live[o->head].time_ns) {
		a->live[v->tail].next = o->head;
		a->live[o->head].prev = v->tail;
		o->head = v->head;
	} else {
		a->live[o->tail].next = v->head;
		a->live[v->head].prev = o->tail;
		o->tail = v->tail;
	}
	o->nlive += v->nlive;
}

/* The site table is full: fold the least busy quarter into the fold site
 * and renumber.  Amortised over ALLOC_FOLD_SITES new sites, so a full
 * pass over the live table and the buckets is fine. */
static void alloc_fold(struct alloc *a)
{
	struct alloc_fold_key *order = xmalloc(a->nsites * sizeof *order);
	uint32_t *remap = xmalloc(a->nsites * sizeof *remap);
	size_t n = 0, k = 0;

	for (size_t i = 0; i < a->nsites; i++) {
		const struct alloc_site *s = &a->sites[i];
		remap[i] = (uint32_t)i;
		if ((uint32_t)i != a->other)
			order[n++] = (struct alloc_fold_key){
				.busy = (double)(s->outstanding < 0 ? -s->outstanding : s->outstanding) +
					(double)s->alloc_bytes + (double)s->touched_bytes,
				.site = (uint32_t)i };
	}
	qsort(order, n, sizeof *order, fold_cmp);
	if (a->other == NONE) {
		/* The least busy site's slot becomes the fold. */
		a->other = order[k++].site;
		u64map_del(&a->by_stack, a->sites[a->other].stack);
		a->sites[a->other].stack = ALLOC_OTHER_STACK;
		a->sites[a->other].other = true;
		a->folded++;
	}
	for (; k < ALLOC_FOLD_SITES && k < n; k++) {
		uint32_t v = order[k].site;
		site_merge(a, &a->sites[a->other], &a->sites[v]);
		u64map_del(&a->by_stack, a->sites[v].stack);
		remap[v] = NONE;
		a->folded++;
	}
	/* Compact. */
	size_t m = 0;
	for (size_t i = 0; i < a->nsites; i++) {
		if (remap[i] == NONE)
			continue;
		a->sites[m] = a->sites[i];
		remap[i] = (uint32_t)m++;
	}
	for (size_t i = 0; i < a->nsites; i++)
		if (remap[i] == NONE)
			remap[i] = remap[a->other];
	a->other = remap[a->other];
	a->nsites = m;
	u64map_clear(&a->by_stack);
	for (size_t i = 0; i < m; i++)
		if (!a->sites[i].other)
			u64map_put(&a->by_stack, a->sites[i].stack, (uint32_t)i);
	for (size_t i = 0; i < a->nslots; i++)
		if (a->live[i].site != NONE)
			a->live[i].site = remap[a->live[i].site];
	/* Cells of folded sites in one second merge into the fold's cell. */
	for (uint32_t r = 0; r < a->retain; r++) {
		struct alloc_bucket *b = &a->ring[r];
		size_t w = 0;
		if (!b->n)
			continue;
		for (size_t i = 0; i < b->n; i++)
			b->cells[i].site = remap[b->cells[i].site];
		qsort(b->cells, b->n, sizeof *b->cells, cell_cmp);
		for (size_t i = 0; i < b->n; i++) {
			struct alloc_cell *c = &b->cells[i];
			if (w && b->cells[w - 1].site == c->site) {
				struct alloc_cell *d = &b->cells[w - 1];
				d->allocs += c->allocs;
				d->alloc += c->alloc;
				d->freed += c->freed;
				d->touched += c->touched;
				d->delta += c->delta;
			} else {
				b->cells[w++] = *c;
			}
		}
		b->n = w;
	}
	u64map_clear(&a->hot);
	struct alloc_bucket *b = alloc_slot(a, a->newest);
	for (size_t i = 0; i < b->n; i++)
		u64map_put(&a->hot, b->cells[i].site, (uint32_t)i);
	free(order);
	free(remap);
}

static uint32_t alloc_site(struct alloc *a, uint32_t stack)
{
	uint32_t i = u64map_get(&a->by_stack, stack);

	if (i != U64MAP_NONE)
		return i;
	if (a->nsites >= ALLOC_MAX_SITES)
		alloc_fold(a);
	xgrow(&a->sites, &a->sites_cap, a->nsites + 1, sizeof *a->sites);
	i = (uint32_t)a->nsites++;
	a->sites[i] = (struct alloc_site){ .stack = stack, .head = NONE, .tail = NONE,
					   .run = a->zero };
	u64map_put(&a->by_stack, stack, i);
	return i;
}

/* ---- live sampled allocations ----------------------------------------------- */

/* Drop live entry i; freed: the program freed it (else it vanished: exec). */
static void alloc_forget(struct alloc *a, uint32_t i, bool freed)
{
	struct alloc_live *e = &a->live[i];
	struct alloc_site *s = &a->sites[e->site];
	struct alloc_cell *c = alloc_cell(a, e->site);

	s->outstanding -= (int64_t)e->weight;
	c->delta -= (int64_t)e->weight;
	if (freed) {
		s->frees++;
		s->free_bytes += e->weight;
		c->freed += e->weight;
	}
	if (e->prev != NONE)
		a->live[e->prev].next = e->next;
	else
		s->head = e->next;
	if (e->next != NONE)
		a->live[e->next].prev = e->prev;
	else
		s->tail = e->prev;
	s->nlive--;
	u64map_del(&a->by_addr, e->addr);
	e->site = NONE;
	e->next = a->free_slot;
	a->free_slot = i;
}

static uint32_t alloc_live_slot(struct alloc *a)
{
	uint32_t i = a->free_slot;

	if (i != NONE) {
		a->free_slot = a->live[i].next;
		return i;
	}
	xgrow(&a->live, &a->live_cap, a->nslots + 1, sizeof *a->live);
	return (uint32_t)a->nslots++;
}

/* ---- the API ----------------------------------------------------------------- */

struct alloc *alloc_new(uint32_t retain_secs)
{
	struct alloc *a = xcalloc(1, sizeof *a);

	a->retain = retain_secs ? retain_secs : 1;
	a->ring = xcalloc(a->retain, sizeof *a->ring);
	for (uint32_t i = 0; i < a->retain; i++)
		a->ring[i].sec = NO_SECOND;
	a->other = NONE;
	a->free_slot = NONE;
	return a;
}

void alloc_free(struct alloc *a)
{
	if (!a)
		return;
	for (uint32_t i = 0; i < a->retain; i++)
		free(a->ring[i].cells);
	free(a->ring);
	u64map_fini(&a->hot);
	u64map_fini(&a->by_stack);
	u64map_fini(&a->by_addr);
	free(a->sites);
	free(a->live);
	free(a->saved);
	free(a);
}

void alloc_tick(struct alloc *a, uint64_t time_ns)
{
	alloc_clock(a, time_ns);
}

void alloc_add(struct alloc *a, uint64_t time_ns, uint32_t stack, uint64_t addr,
	       uint64_t weight)
{
	alloc_clock(a, time_ns);
	if (addr) {
		uint32_t old = u64map_get(&a->by_addr, addr);
		if (old != U64MAP_NONE)
			alloc_forget(a, old, true);
	}

	uint32_t si = alloc_site(a, stack);
	struct alloc_site *s = &a->sites[si];
	struct alloc_cell *c = alloc_cell(a, si);

	s->allocs++;
	s->alloc_bytes += weight;
	c->allocs++;
	c->alloc += weight;
	if (!addr)
		return;
	if (a->by_addr.n >= ALLOC_MAX_LIVE) {
		a->live_dropped++;
		return;
	}
	s->outstanding += (int64_t)weight;
	c->delta += (int64_t)weight;

	uint32_t i = alloc_live_slot(a);
	a->live[i] = (struct alloc_live){ .addr = addr, .weight = weight, .time_ns = time_ns,
					  .site = si, .prev = s->tail, .next = NONE };
	if (s->tail != NONE)
		a->live[s->tail].next = i;
	else
		s->head = i;
	s->tail = i;
	s->nlive++;
	u64map_put(&a->by_addr, addr, i);
}

void alloc_remove(struct alloc *a, uint64_t time_ns, uint64_t addr)
{
	uint32_t i = u64map_get(&a->by_addr, addr);

	if (i == U64MAP_NONE)
		return;
	alloc_clock(a, time_ns);
	alloc_forget(a, i, true);
}

void alloc_add_fault(struct alloc *a, uint64_t time_ns, uint32_t stack, uint64_t bytes)
{
	alloc_clock(a, time_ns);

	uint32_t si = alloc_site(a, stack);
	struct alloc_cell *c = alloc_cell(a, si);

	a->sites[si].faults++;
	a->sites[si].touched_bytes += bytes;
	c->touched += bytes;
}

void alloc_clear_live(struct alloc *a)
{
	for (size_t k = 0; k < a->nsites; k++)
		while (a->sites[k].head != NONE)
			alloc_forget(a, a->sites[k].head, false);
}

/* ---- reading ------------------------------------------------------------------ */

static void site_info(const struct alloc *a, const struct alloc_site *s,
		      struct alloc_site_info *o)
{
	o->stack = s->stack;
	o->other = s->other;
	o->allocs = s->allocs;
	o->frees = s->frees;
	o->alloc_bytes = s->alloc_bytes;
	o->free_bytes = s->free_bytes;
	o->outstanding_bytes = s->outstanding;
	o->live = s->nlive;
	o->faults = s->faults;
	o->touched_bytes = s->touched_bytes;
	if (s->head != NONE && a->now_ns > a->live[s->head].time_ns)
		o->oldest_age_s = (double)(a->now_ns - a->live[s->head].time_ns) / 1e9;
}

static void info_trend(struct alloc_site_info *o, const struct alloc_trend *tr, uint64_t allocs,
		       uint64_t alloc_bytes)
{
	double slope = 0.0;

	if (usage_fit_slope(&tr->fit, &slope))
		o->growth_bytes_per_s = slope;
	o->leak_suspect = !o->other && trend_leak(tr, slope, allocs, alloc_bytes);
}

static double rate(double bytes, double span_s)
{
	return span_s > 0 ? bytes / span_s : 0.0;
}

static void alloc_run(const struct alloc *a, struct alloc_site_info *v)
{
	double span = (double)(a->now_ns - a->base_ns) / 1e9;

	for (size_t i = 0; i < a->nsites; i++) {
		const struct alloc_site *s = &a->sites[i];
		struct alloc_trend tr = s->run;
		site_info(a, s, &v[i]);
		/* The newest second, not closed yet, ends now. */
		trend_add(&tr, alloc_end_t(a, a->newest), (double)s->outstanding);
		info_trend(&v[i], &tr, s->allocs, s->alloc_bytes);
		v[i].alloc_bytes_per_s = rate((double)s->alloc_bytes, span);
		v[i].free_bytes_per_s = rate((double)s->free_bytes, span);
		v[i].touched_bytes_per_s = rate((double)s->touched_bytes, span);
	}
}

struct alloc_wcell {
	uint32_t site;
	int64_t sec;
	const struct alloc_cell *c;
};

static int wcell_cmp(const void *x, const void *y)
{
	const struct alloc_wcell *p = x, *q = y;

	if (p->site != q->site)
		return p->site < q->site ? -1 : 1;
	return (p->sec > q->sec) - (p->sec < q->sec);
}

/* The cells of seconds s0..newest, by site then second. */
static size_t alloc_wcells(const struct alloc *a, int64_t s0, struct alloc_wcell **out)
{
	size_t n = 0, cap = 0;

	*out = NULL;
	for (int64_t s = s0; s <= a->newest; s++) {
		const struct alloc_bucket *b = alloc_slot(a, s);
		if (b->sec != s)
			continue;
		for (size_t i = 0; i < b->n; i++) {
			xgrow(out, &cap, n + 1, sizeof **out);
			(*out)[n++] = (struct alloc_wcell){ b->cells[i].site, s, &b->cells[i] };
		}
	}
	if (n)
		qsort(*out, n, sizeof **out, wcell_cmp);
	return n;
}

/* Outstanding bytes of site at the end of seconds s0..newest into y,
 * walking back from now through the site's cells wc[0..n) (its own, in
 * second order): before a second's changes it held that much less. */
static void site_series(const struct alloc *a, uint32_t site, int64_t s0,
			const struct alloc_wcell *wc, size_t n, double *y)
{
	double out = (double)a->sites[site].outstanding;
	size_t k = n;

	for (int64_t s = a->newest; s >= s0; s--) {
		y[s - s0] = out;
		if (k > 0 && wc[k - 1].sec == s)
			out -= (double)wc[--k].c->delta;
	}
}

static int64_t alloc_window_start(const struct alloc *a, uint32_t secs)
{
	int64_t s0 = a->newest - (int64_t)MIN(secs, a->retain) + 1;

	return s0 < 0 ? 0 : s0;
}

/* Every site's numbers over the window; keep[i]: site i was active in it
 * or holds bytes. */
static void alloc_window(const struct alloc *a, uint32_t secs, struct alloc_site_info *v,
			 bool *keep)
{
	int64_t s0 = alloc_window_start(a, secs);
	uint64_t from_ns = a->base_ns + (uint64_t)s0 * NS_PER_SEC;
	double span = (double)(a->now_ns - from_ns) / 1e9;
	size_t npts = (size_t)(a->newest - s0 + 1);
	double *y = xmalloc(npts * sizeof *y);
	struct alloc_wcell *wc;
	size_t nwc = alloc_wcells(a, s0, &wc);

	for (size_t i = 0; i < a->nsites; i++) {
		site_info(a, &a->sites[i], &v[i]);
		keep[i] = a->sites[i].outstanding != 0;
	}
	for (size_t k = 0; k < nwc;) {
		uint32_t si = wc[k].site;
		size_t end = k;
		uint64_t allocs = 0, al = 0, fr = 0, to = 0;
		struct alloc_trend tr = { 0 };

		while (end < nwc && wc[end].site == si) {
			allocs += wc[end].c->allocs;
			al += wc[end].c->alloc;
			fr += wc[end].c->freed;
			to += wc[end].c->touched;
			end++;
		}
		keep[si] = true;
		v[si].alloc_bytes_per_s = rate((double)al, span);
		v[si].free_bytes_per_s = rate((double)fr, span);
		v[si].touched_bytes_per_s = rate((double)to, span);
		site_series(a, si, s0, wc + k, end - k, y);
		for (size_t j = 0; j < npts; j++)
			trend_add(&tr, alloc_end_t(a, s0 + (int64_t)j), y[j]);
		info_trend(&v[si], &tr, allocs, al);
		k = end;
	}
	free(wc);
	free(y);
}

static int site_rank(const void *x, const void *y)
{
	const struct alloc_site_info *p = x, *q = y;

	if (p->growth_bytes_per_s != q->growth_bytes_per_s)
		return p->growth_bytes_per_s < q->growth_bytes_per_s ? 1 : -1;
	if (p->touched_bytes_per_s != q->touched_bytes_per_s)
		return p->touched_bytes_per_s < q->touched_bytes_per_s ? 1 : -1;
	if (p->alloc_bytes_per_s != q->alloc_bytes_per_s)
		return p->alloc_bytes_per_s < q->alloc_bytes_per_s ? 1 : -1;
	return (p->stack > q->stack) - (p->stack < q->stack);
}

void alloc_restore_site(struct alloc *a, const struct alloc_site_info *si)
{
	a->frozen = true;
	xgrow(&a->saved, &a->saved_cap, a->nsaved + 1, sizeof *a->saved);
	a->saved[a->nsaved++] = *si;
}

void alloc_restore_dropped(struct alloc *a, uint64_t live_dropped)
{
	a->frozen = true;
	a->live_dropped = live_dropped;
}

size_t alloc_sites(const struct alloc *a, uint32_t window_secs, struct alloc_site_info **out)
{
	struct alloc_site_info *v;
	size_t n = 0;

	*out = NULL;
	if (a->frozen) {
		if (!a->nsaved)
			return 0;
		*out = xmalloc(a->nsaved * sizeof **out);
		memcpy(*out, a->saved, a->nsaved * sizeof **out);
		return a->nsaved;
	}
	if (!a->nsites)
		return 0;
	v = xcalloc(a->nsites, sizeof *v);
	if (window_secs) {
		bool *keep = xmalloc(a->nsites * sizeof *keep);
		alloc_window(a, window_secs, v, keep);
		for (size_t i = 0; i < a->nsites; i++)
			if (keep[i])
				v[n++] = v[i];
		free(keep);
	} else {
		alloc_run(a, v);
		n = a->nsites;
	}
	if (!n) {
		free(v);
		return 0;
	}
	qsort(v, n, sizeof *v, site_rank);
	*out = v;
	return n;
}

void alloc_site_series(const struct alloc *a, uint32_t stack, uint32_t n, double *out)
{
	uint32_t si = stack == ALLOC_OTHER_STACK ? a->other : u64map_get(&a->by_stack, stack);
	int64_t s0;
	uint32_t have;
	struct alloc_wcell *wc;
	size_t nwc, k = 0;

	for (uint32_t i = 0; i < n; i++)
		out[i] = 0.0;
	if (!a->started || si == NONE || !n)
		return;
	s0 = alloc_window_start(a, n);
	have = (uint32_t)(a->newest - s0 + 1);
	nwc = alloc_wcells(a, s0, &wc);
	while (k < nwc && wc[k].site < si)
		k++;
	size_t end = k;
	while (end < nwc && wc[end].site == si)
		end++;
	site_series(a, si, s0, wc + k, end - k, out + (n - have));
	free(wc);
}

void alloc_totals(const struct alloc *a, struct alloc_totals *out)
{
	memset(out, 0, sizeof *out);
	out->sites = a->nsites;
	out->folded_sites = a->folded;
	out->live = a->by_addr.n;
	out->live_dropped = a->live_dropped;
	for (size_t i = 0; a->frozen && i < a->nsaved; i++) {
		const struct alloc_site_info *s = &a->saved[i];
		out->sites++;
		out->live += s->live;
		out->allocs += s->allocs;
		out->frees += s->frees;
		out->faults += s->faults;
		out->alloc_bytes += s->alloc_bytes;
		out->free_bytes += s->free_bytes;
		out->touched_bytes += s->touched_bytes;
		out->outstanding_bytes += s->outstanding_bytes;
	}
	for (size_t i = 0; i < a->nsites; i++) {
		const struct alloc_site *s = &a->sites[i];
		out->allocs += s->allocs;
		out->frees += s->frees;
		out->faults += s->faults;
		out->alloc_bytes += s->alloc_bytes;
		out->free_bytes += s->free_bytes;
		out->touched_bytes += s->touched_bytes;
		out->outstanding_bytes += s->outstanding;
	}
}

size_t alloc_memory(const struct alloc *a)
{
	size_t bytes = sizeof *a + a->retain * sizeof *a->ring + u64map_memory(&a->hot) +
		       a->sites_cap * sizeof *a->sites + u64map_memory(&a->by_stack) +
		       a->live_cap * sizeof *a->live + u64map_memory(&a->by_addr);

	for (uint32_t i = 0; i < a->retain; i++)
		bytes += a->ring[i].cap * sizeof(struct alloc_cell);
	return bytes;
}

/* ---- Poisson sampling over bytes ---------------------------------------------- */

/* libm is not linked: fm_log and fm_one_minus_exp_neg (common/fastmath.h). */

static uint64_t alloc_rng(struct alloc_sampler *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* An exponential distance with the sampler's mean. */
static double alloc_draw(struct alloc_sampler *s)
{
	double u = ((double)(alloc_rng(s) >> 11) + 0.5) / 9007199254740992.0;   /* (0, 1) */

	return -fm_log(u) * s->mean;
}

void alloc_sampler_init(struct alloc_sampler *s, uint64_t mean_bytes, uint64_t seed)
{
	s->mean = mean_bytes ? (double)mean_bytes : 1.0;
	s->rng = seed;
	s->left = alloc_draw(s);
}

uint64_t alloc_sampler_take(struct alloc_sampler *s, uint64_t bytes)
{
	double p;

	if (!bytes)
		return 0;
	s->left -= (double)bytes;
	if (s->left > 0)
		return 0;
	/* The next point is a fresh draw from this request's end: memoryless,
	 * so every request is sampled with the same probability. */
	s->left = alloc_draw(s);
	p = fm_one_minus_exp_neg((double)bytes / s->mean);
	return (uint64_t)((double)bytes / p + 0.5);
}
