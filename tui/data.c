/* The copy of the model a frame is drawn from (see tui.h).  The model's lock
 * is held only while copying: hotspot rows, the window's stacks, function
 * name pointers and threads.  Drawing, filtering, sorting and tree building
 * then run on the copy while the sampler goes on. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tui.h"
#include "../analysis/hotspots.h"
#include "../analysis/stacks.h"
#include "../analysis/thread_hotspots.h"
#include "../analysis/thread_stacks.h"
#include "../analysis/threads.h"
#include "../analysis/timeline.h"
#include "../analysis/usage.h"
#include "../common/clock.h"
#include "../common/xalloc.h"

static void data_copy_stacks(struct tui_data *d, const struct model *m,
			     const struct stack_count *counts, size_t n)
{
	size_t frames = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t nf;
		stacks_frames(m->stacks, counts[i].stack, &nf);
		frames += nf;
	}
	xgrow(&d->arena, &d->arena_cap, frames ? frames : 1, sizeof *d->arena);
	xgrow(&d->stacks, &d->stacks_cap, n ? n : 1, sizeof *d->stacks);
	d->arena_n = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t nf;
		const uint32_t *f = stacks_frames(m->stacks, counts[i].stack, &nf);
		memcpy(d->arena + d->arena_n, f, nf * sizeof *f);
		/* Frames point into the arena once it is complete (it may move). */
		d->stacks[i] = (struct calltree_stack){ NULL, nf, counts[i].count };
		d->arena_n += nf;
	}
	d->nstacks = n;
	frames = 0;
	for (size_t i = 0; i < n; i++) {
		d->stacks[i].frames = d->arena + frames;
		frames += d->stacks[i].n;
	}
}

static void data_copy_funcs(struct tui_data *d, const struct model *m)
{
	uint32_t n = funcs_count(m->funcs);

	xgrow(&d->funcs, &d->funcs_cap, n ? n : 1, sizeof *d->funcs);
	for (uint32_t i = 0; i < n; i++)
		d->funcs[i] = *funcs_get(m->funcs, i);
	d->nfuncs = n;
}

static void data_copy_threads(struct tui_data *d, const struct model *m)
{
	size_t n = threads_count(m->threads);

	xgrow(&d->threads, &d->threads_cap, n ? n : 1, sizeof *d->threads);
	d->thread_samples = 0;
	for (size_t i = 0; i < n; i++) {
		const struct thread_info *ti = threads_at(m->threads, i);
		struct tui_thread *t = &d->threads[i];
		t->tid = ti->tid;
		memcpy(t->name, ti->name, sizeof t->name);
		t->name[sizeof t->name - 1] = '\0';
		t->samples = ti->samples;
		t->exited = ti->exited;
		t->cpu_pct = 0;
		t->has_hot = false;
		d->thread_samples += ti->samples;
	}
	d->nthreads = n;
}

static int data_tid_cmp(const void *a, const void *b)
{
	const struct tui_thot *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

/* The thread index of tid by binary search in byt (threads sorted by tid,
 * their indices in .thread), or SIZE_MAX. */
static size_t data_thread_of(const struct tui_thot *byt, size_t n, uint32_t tid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (byt[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && byt[lo].tid == tid ? byt[lo].thread : SIZE_MAX;
}

/* The split rows and each thread's hottest function in the window (the
 * threads are copied already).  Under the model's lock. */
static void data_per_thread(struct tui_data *d, const struct model *m, uint32_t window_secs)
{
	struct thread_stack_count *c;
	struct thread_hotspot *rows, *hot;
	size_t n = thread_stacks_window(m->thread_stacks, window_secs, &c);
	size_t nrows = thread_hotspots_compute(m->stacks, c, n, &rows, NULL);
	size_t nhot = thread_hotspots_hottest(rows, nrows, &hot);
	struct tui_thot *byt = xmalloc((d->nthreads ? d->nthreads : 1) * sizeof *byt);

	free(c);
	for (size_t i = 0; i < d->nthreads; i++)
		byt[i] = (struct tui_thot){ .tid = d->threads[i].tid, .thread = i };
	qsort(byt, d->nthreads, sizeof *byt, data_tid_cmp);
	xgrow(&d->thot, &d->thot_cap, nrows ? nrows : 1, sizeof *d->thot);
	for (size_t i = 0; i < nrows; i++)
		d->thot[i] = (struct tui_thot){
			.tid = rows[i].tid, .func = rows[i].func,
			.thread = data_thread_of(byt, d->nthreads, rows[i].tid),
			.self = rows[i].self, .total = rows[i].total,
			.self_pct = rows[i].self_pct, .total_pct = rows[i].total_pct };
	d->nthot = nrows;
	for (size_t i = 0; i < nhot; i++) {
		size_t t = data_thread_of(byt, d->nthreads, hot[i].tid);
		if (t == SIZE_MAX)
			continue;
		d->threads[t].has_hot = true;
		d->threads[t].hot_func = hot[i].func;
		d->threads[t].hot_self = hot[i].self;
	}
	free(byt);
	free(hot);
	free(rows);
}

/* Self samples per function in the last second (a share per second for the
 * sparklines; the timeline's newest bucket may be partial, a share is not
 * thrown off by that). */
static void data_recent(struct tui_data *d, const struct model *m)
{
	struct stack_count *c;
	size_t n = timeline_window(m->timeline, 1, &c);
	size_t nf = funcs_count(m->funcs);

	xgrow(&d->recent, &d->recent_cap, nf ? nf : 1, sizeof *d->recent);
	memset(d->recent, 0, (nf ? nf : 1) * sizeof *d->recent);
	d->nrecent = nf;
	d->recent_total = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t nfr;
		const uint32_t *f = stacks_frames(m->stacks, c[i].stack, &nfr);
		d->recent_total += c[i].count;
		if (nfr && f[nfr - 1] < nf)
			d->recent[f[nfr - 1]] += (uint32_t)MIN(c[i].count, (uint64_t)UINT32_MAX);
	}
	free(c);
}

/* Rates since prev: the model has totals, the header wants speeds. */
static void data_rates(struct tui_data *d, const struct tui_data *prev, unsigned hz)
{
	double dt = prev && prev->valid ? (double)(d->taken_ns - prev->taken_ns) / 1e9 : 0;

	d->alive_threads = 0;
	for (size_t i = 0; i < d->nthreads; i++)
		d->alive_threads += !d->threads[i].exited;
	if (dt <= 0.01) {
		if (prev && prev->valid) {
			d->samples_per_s = prev->samples_per_s;
			d->target_cpu_pct = prev->target_cpu_pct;
			d->profiler_cpu_pct = prev->profiler_cpu_pct;
		}
		return;
	}
	d->samples_per_s = (double)(d->stats.samples - prev->stats.samples) / dt;
	d->target_cpu_pct = hz ? 100.0 * d->samples_per_s / hz : 0;
	d->profiler_cpu_pct = 100.0 * (double)(d->cpu_ns - prev->cpu_ns) / 1e9 / dt;
	/* Threads are listed in order of first sight and never removed, so the
	 * same index is the same thread in both copies. */
	for (size_t i = 0; i < d->nthreads && i < prev->nthreads; i++)
		if (hz && d->threads[i].tid == prev->threads[i].tid)
			d->threads[i].cpu_pct = 100.0 *
				(double)(d->threads[i].samples - prev->threads[i].samples) / dt / hz;
}

void tui_data_take(struct tui_data *d, const struct tui_data *prev,
		   const struct tui_source *src, uint32_t window_secs)
{
	const struct model *m = src->model;
	struct stack_count *counts;
	struct hotspot *hs;
	size_t n, nhs;

	pthread_mutex_lock(src->lock);
	n = timeline_window(m->timeline, window_secs, &counts);
	nhs = hotspots_compute(m->stacks, counts, n, &hs, &d->window_samples);
	data_copy_stacks(d, m, counts, n);
	data_copy_funcs(d, m);
	data_copy_threads(d, m);
	data_recent(d, m);
	d->nthot = 0;
	if (d->per_thread)
		data_per_thread(d, m, window_secs);
	usage_rates(m->usage, window_secs, &d->usage);
	d->target = m->target;
	d->stats = m->stats;
	d->duration_s = model_duration_s(m);
	pthread_mutex_unlock(src->lock);

	xgrow(&d->hot, &d->hot_cap, nhs ? nhs : 1, sizeof *d->hot);
	for (size_t i = 0; i < nhs; i++)
		d->hot[i] = (struct tui_hot){ hs[i].func, hs[i].self, hs[i].total,
					      hs[i].self_pct, hs[i].total_pct };
	d->nhot = nhs;
	free(hs);
	free(counts);
	d->window_secs = window_secs;
	d->taken_ns = clock_monotonic_ns();
	d->cpu_ns = clock_process_cpu_ns();
	d->valid = true;
	data_rates(d, prev, src->frequency);
}

void tui_data_fini(struct tui_data *d)
{
	free(d->hot);
	free(d->stacks);
	free(d->arena);
	free(d->funcs);
	free(d->threads);
	free(d->thot);
	free(d->recent);
	memset(d, 0, sizeof *d);
}

const char *tui_data_func_name(const struct tui_data *d, uint32_t func)
{
	return func < d->nfuncs ? d->funcs[func].name : "?";
}

const char *tui_data_func_module(const struct tui_data *d, uint32_t func)
{
	return func < d->nfuncs ? d->funcs[func].module : "?";
}
