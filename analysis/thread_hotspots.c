/* The per-thread hotspot table (see thread_hotspots.h).  The window's
 * (thread, stack) counts come grouped by thread, so each thread is one run
 * of entries: a dense accumulator by function id serves one thread at a
 * time and is wiped through the list of functions it touched, which keeps a
 * window with many threads linear in its entries. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "thread_hotspots.h"
#include "stacks.h"
#include "thread_stacks.h"
#include "../common/xalloc.h"

struct th_acc {
	uint64_t self, total;
	size_t stamp;           /* 1 + index of the last entry that added total */
};

/* The better of two rows of one thread: more self, more total, lower id. */
static bool th_better(const struct thread_hotspot *x, const struct thread_hotspot *y)
{
	if (x->self != y->self)
		return x->self > y->self;
	if (x->total != y->total)
		return x->total > y->total;
	return x->func < y->func;
}

struct th_work {
	struct th_acc *acc;
	size_t nacc, cap;
	uint32_t *touched;
	size_t ntouched, touched_cap;
	struct thread_hotspot *rows;
	size_t nrows, rows_cap;
};

static struct th_acc *th_slot(struct th_work *w, uint32_t func)
{
	if (func >= w->nacc) {
		xgrow(&w->acc, &w->cap, (size_t)func + 1, sizeof *w->acc);
		memset(w->acc + w->nacc, 0, (func + 1 - w->nacc) * sizeof *w->acc);
		w->nacc = (size_t)func + 1;
	}
	if (!w->acc[func].total && !w->acc[func].stamp) {
		xgrow(&w->touched, &w->touched_cap, w->ntouched + 1, sizeof *w->touched);
		w->touched[w->ntouched++] = func;
	}
	return &w->acc[func];
}

/* Rows for the thread whose entries were just added; wipe the accumulator. */
static void th_flush(struct th_work *w, uint32_t tid)
{
	xgrow(&w->rows, &w->rows_cap, w->nrows + w->ntouched, sizeof *w->rows);
	for (size_t k = 0; k < w->ntouched; k++) {
		struct th_acc *a = &w->acc[w->touched[k]];
		if (a->total)
			w->rows[w->nrows++] = (struct thread_hotspot){
				.tid = tid, .func = w->touched[k], .self = a->self, .total = a->total };
		*a = (struct th_acc){ 0 };
	}
	w->ntouched = 0;
}

size_t thread_hotspots_compute(const struct stacks *s, const struct thread_stack_count *counts,
			       size_t n, struct thread_hotspot **out, uint64_t *samples)
{
	struct th_work w = { 0 };
	uint64_t all = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t nf;
		const uint32_t *f = stacks_frames(s, counts[i].stack, &nf);
		uint64_t c = counts[i].count;

		if (i > 0 && counts[i].tid != counts[i - 1].tid)
			th_flush(&w, counts[i - 1].tid);
		all += c;
		if (!c)
			continue;
		for (uint32_t k = 0; k < nf; k++) {
			struct th_acc *a = th_slot(&w, f[k]);
			if (a->stamp != i + 1) {
				a->stamp = i + 1;
				a->total += c;
			}
		}
		if (nf)
			w.acc[f[nf - 1]].self += c;
	}
	if (n)
		th_flush(&w, counts[n - 1].tid);
	for (size_t r = 0; r < w.nrows; r++) {
		w.rows[r].self_pct = all ? 100.0 * (double)w.rows[r].self / (double)all : 0.0;
		w.rows[r].total_pct = all ? 100.0 * (double)w.rows[r].total / (double)all : 0.0;
	}
	free(w.acc);
	free(w.touched);
	if (!w.nrows) {
		free(w.rows);
		w.rows = NULL;
	}
	*out = w.rows;
	if (samples)
		*samples = all;
	return w.nrows;
}

size_t thread_hotspots_hottest(const struct thread_hotspot *rows, size_t n,
			       struct thread_hotspot **out)
{
	struct thread_hotspot *v = NULL;
	size_t k = 0, cap = 0;

	/* rows come grouped by ascending tid: one pass keeps each group's best. */
	for (size_t i = 0; i < n; i++) {
		if (!rows[i].self)
			continue;
		if (k && v[k - 1].tid == rows[i].tid) {
			if (th_better(&rows[i], &v[k - 1]))
				v[k - 1] = rows[i];
			continue;
		}
		xgrow(&v, &cap, k + 1, sizeof *v);
		v[k++] = rows[i];
	}
	*out = v;
	return k;
}

size_t thread_hotspots_hottest_in(const struct stacks *s, const struct thread_stacks *ts,
				  uint32_t secs, struct thread_hotspot **out)
{
	struct thread_stack_count *c;
	struct thread_hotspot *rows;
	size_t n = thread_stacks_window(ts, secs, &c);
	size_t nrows = thread_hotspots_compute(s, c, n, &rows, NULL);
	size_t nhot = thread_hotspots_hottest(rows, nrows, out);

	free(rows);
	free(c);
	return nhot;
}

static int th_tid_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct thread_hotspot *)a)->tid;
	uint32_t y = ((const struct thread_hotspot *)b)->tid;

	return (x > y) - (x < y);
}

const struct thread_hotspot *thread_hotspots_find(const struct thread_hotspot *hottest,
						  size_t n, uint32_t tid)
{
	const struct thread_hotspot key = { .tid = tid };

	return n ? bsearch(&key, hottest, n, sizeof *hottest, th_tid_cmp) : NULL;
}
