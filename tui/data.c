/* The copy of the model a frame is drawn from (see tui.h).  The model's lock
 * is held only while copying: hotspot rows, the window's stacks, function
 * name pointers and threads, and what the view asks for besides (locks, fds,
 * allocation sites, a drilled lock's, fd's or site's call stacks).  Drawing,
 * filtering, sorting and tree building then run on the copy while the
 * sampler goes on. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"
#include "../analysis/alloc.h"
#include "../analysis/frame_role.h"
#include "../analysis/hotspots.h"
#include "../analysis/stacks.h"
#include "../analysis/thread_hotspots.h"
#include "../analysis/thread_stacks.h"
#include "../analysis/threads.h"
#include "../analysis/timeline.h"
#include "../analysis/usage.h"
#include "../common/clock.h"
#include "../common/xalloc.h"

/* The frames of counts' stacks into *stacks, their frames in *arena, with
 * leaf added below each stack unless it is CALLTREE_NONE (a drill's
 * subject).  Ids not in the model are skipped.  Returns the stacks copied. */
static size_t data_copy_frames(const struct model *m, const struct stack_count *counts,
			       size_t n, uint32_t leaf, struct calltree_stack **stacks,
			       size_t *stacks_cap, uint32_t **arena, size_t *arena_cap)
{
	uint32_t nstk = stacks_count(m->stacks), extra = leaf != CALLTREE_NONE;
	size_t frames = 0, out = 0, at = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t nf = 0;
		if (counts[i].stack < nstk)
			stacks_frames(m->stacks, counts[i].stack, &nf);
		frames += nf + extra;
	}
	xgrow(arena, arena_cap, frames ? frames : 1, sizeof **arena);
	xgrow(stacks, stacks_cap, n ? n : 1, sizeof **stacks);
	for (size_t i = 0; i < n; i++) {
		uint32_t nf;
		const uint32_t *f;
		if (counts[i].stack >= nstk)
			continue;
		f = stacks_frames(m->stacks, counts[i].stack, &nf);
		if (nf)
			memcpy(*arena + at, f, nf * sizeof *f);
		if (extra)
			(*arena)[at + nf] = leaf;
		(*stacks)[out++] = (struct calltree_stack){ *arena + at, nf + extra, counts[i].count };
		at += nf + extra;
	}
	return out;
}

static void data_copy_stacks(struct tui_data *d, const struct model *m,
			     const struct stack_count *counts, size_t n)
{
	d->nstacks = data_copy_frames(m, counts, n, CALLTREE_NONE, &d->stacks, &d->stacks_cap,
				      &d->arena, &d->arena_cap);
	d->arena_n = 0;
	for (size_t i = 0; i < d->nstacks; i++)
		d->arena_n += d->stacks[i].n;
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

/* The thread index of tid in byt (threads sorted by tid, their indices
 * in .thread), or SIZE_MAX. */
static size_t data_thread_of(const struct tui_thot *byt, size_t n, uint32_t tid)
{
	const struct tui_thot key = { .tid = tid };
	const struct tui_thot *t = bsearch(&key, byt, n, sizeof *byt, data_tid_cmp);

	return t ? t->thread : SIZE_MAX;
}

/* The copied threads by tid, for data_thread_of; the caller frees it. */
static struct tui_thot *data_threads_by_tid(const struct tui_data *d)
{
	struct tui_thot *byt = xmalloc((d->nthreads ? d->nthreads : 1) * sizeof *byt);

	for (size_t i = 0; i < d->nthreads; i++)
		byt[i] = (struct tui_thot){ .tid = d->threads[i].tid, .thread = i };
	qsort(byt, d->nthreads, sizeof *byt, data_tid_cmp);
	return byt;
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
	struct tui_thot *byt = data_threads_by_tid(d);

	free(c);
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

/* Every lock, and its share of its waiters' time.  Under the model's lock. */
static void data_copy_locks(struct tui_data *d, const struct model *m)
{
	size_t n = m->locks ? locks_count(m->locks) : 0;

	xgrow(&d->locks, &d->locks_cap, n ? n : 1, sizeof *d->locks);
	d->lock_wait_ns = 0;
	for (size_t i = 0; i < n; i++) {
		const struct lock_info *li = locks_at(m->locks, i);
		d->locks[i] = (struct tui_lock){ *li, locks_wait_pct(m->locks, li, m->start_ns, m->now_ns) };
		if (!li->name[0])
			snprintf(d->locks[i].info.name, sizeof d->locks[i].info.name, "0x%" PRIx64,
				 li->addr);
		d->lock_wait_ns += li->wait_ns;
	}
	d->nlocks = n;
}

/* A row's identity across copies: its fd, what it named and when it was
 * first used (an fd reopened on the same path is a new row). */
static uint64_t data_fd_key(const struct io_fd *f)
{
	uint64_t h = 1469598103934665603ULL;   /* FNV-1a */

	for (const char *c = f->name; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ULL;
	h = (h ^ f->first_ns) * 1099511628211ULL;
	return (h ^ (uint32_t)f->fd) * 1099511628211ULL;
}

/* Every fd row and the threads' I/O (threads are copied already).  Under
 * the model's lock. */
static void data_copy_io(struct tui_data *d, const struct model *m)
{
	size_t n = m->io ? io_fd_count(m->io) : 0, nt = m->io ? io_thread_count(m->io) : 0;
	struct tui_thot *byt;

	xgrow(&d->fds, &d->fds_cap, n ? n : 1, sizeof *d->fds);
	for (size_t i = 0; i < n; i++) {
		const struct io_fd *f = io_fd_at(m->io, i);
		d->fds[i] = (struct tui_fd){ .info = *f, .key = data_fd_key(f) };
	}
	d->nfds = n;
	byt = data_threads_by_tid(d);
	xgrow(&d->io_threads, &d->io_threads_cap, nt ? nt : 1, sizeof *d->io_threads);
	for (size_t i = 0; i < nt; i++) {
		struct tui_io_thread *t = &d->io_threads[i];
		size_t k;
		t->info = *io_thread_at(m->io, i);
		k = data_thread_of(byt, d->nthreads, t->info.tid);
		snprintf(t->name, sizeof t->name, "%s", k != SIZE_MAX ? d->threads[k].name : "");
	}
	d->nio_threads = nt;
	free(byt);
}

/* The site of stack: its leaf-most frame that is not the allocator's, and
 * that frame's caller (CALLTREE_NONE when there is none).  A stack all
 * allocator is named by its leaf.  Under the model's lock. */
static void data_alloc_site(const struct model *m, uint32_t stack, uint32_t *func,
			    uint32_t *caller)
{
	uint32_t n = 0;
	const uint32_t *f = stack < stacks_count(m->stacks) ? stacks_frames(m->stacks, stack, &n) : NULL;

	/* FRAME_NONE is CALLTREE_NONE. */
	frame_site(m->funcs, f, n, FRAME_ALLOCATOR, func, caller);
}

/* No frame is ever CALLTREE_NONE - 1, so the fold's key is no site's. */
static uint64_t data_alloc_key(uint32_t func, uint32_t caller, bool other)
{
	return (uint64_t)func << 32 | (other ? CALLTREE_NONE - 1 : caller);
}

static int data_alloc_cmp(const void *a, const void *b)
{
	const struct tui_alloc *x = a, *y = b;

	return (x->key > y->key) - (x->key < y->key);
}

/* The sites over the window, merged by function and caller (see struct
 * tui_alloc).  Under the model's lock. */
static void data_copy_alloc(struct tui_data *d, const struct model *m, uint32_t window_secs)
{
	struct alloc_site_info *si = NULL;
	size_t n = m->alloc ? alloc_sites(m->alloc, window_secs, &si) : 0, out = 0;

	xgrow(&d->allocs, &d->allocs_cap, n ? n : 1, sizeof *d->allocs);
	for (size_t i = 0; i < n; i++) {
		struct tui_alloc *r = &d->allocs[i];
		*r = (struct tui_alloc){
			.nstacks = 1, .outstanding_bytes = si[i].outstanding_bytes,
			.alloc_bytes = si[i].alloc_bytes, .free_bytes = si[i].free_bytes,
			.touched_bytes = si[i].touched_bytes, .alloc_per_s = si[i].alloc_bytes_per_s,
			.free_per_s = si[i].free_bytes_per_s, .growth_per_s = si[i].growth_bytes_per_s,
			.touched_per_s = si[i].touched_bytes_per_s, .oldest_age_s = si[i].oldest_age_s,
			.leak_suspect = si[i].leak_suspect };
		r->other = si[i].other;
		data_alloc_site(m, si[i].stack, &r->func, &r->caller);
		r->key = data_alloc_key(r->func, r->caller, r->other);
	}
	free(si);
	qsort(d->allocs, n, sizeof *d->allocs, data_alloc_cmp);
	for (size_t i = 0; i < n; i++) {
		struct tui_alloc *r = &d->allocs[out ? out - 1 : 0], *x = &d->allocs[i];
		if (!out || r->key != x->key) {
			d->allocs[out++] = *x;
			continue;
		}
		r->nstacks++;
		r->outstanding_bytes += x->outstanding_bytes;
		r->alloc_bytes += x->alloc_bytes;
		r->free_bytes += x->free_bytes;
		r->touched_bytes += x->touched_bytes;
		r->alloc_per_s += x->alloc_per_s;
		r->free_per_s += x->free_per_s;
		r->growth_per_s += x->growth_per_s;   /* slopes of sums add */
		r->touched_per_s += x->touched_per_s;
		r->oldest_age_s = MAX(r->oldest_age_s, x->oldest_age_s);
		r->leak_suspect |= x->leak_suspect;
	}
	d->nallocs = out;
}

/* The stacks of the allocation site key, weighed by what they hold (or
 * allocated, when they hold nothing; or touched, in faults mode).  Under
 * the model's lock; *c is the caller's to free. */
static size_t data_alloc_stacks(struct tui_data *d, const struct model *m, uint32_t window_secs,
				uint64_t key, struct stack_count **c)
{
	struct alloc_site_info *si = NULL;
	size_t n = m->alloc ? alloc_sites(m->alloc, window_secs, &si) : 0, out = 0;
	uint64_t live = 0;
	bool faults = !strcmp(m->target.alloc_mode, "faults");
	uint32_t func = CALLTREE_NONE, caller = CALLTREE_NONE;
	bool si_other = false;

	*c = xmalloc((n ? n : 1) * sizeof **c);
	for (size_t i = 0; i < n; i++) {
		uint32_t f, k;
		data_alloc_site(m, si[i].stack, &f, &k);
		if (data_alloc_key(f, k, si[i].other) != key)
			continue;
		func = f;
		caller = k;
		si_other = si[i].other;
		si[out++] = si[i];
		live += (uint64_t)MAX(si[i].outstanding_bytes, 0);
	}
	d->site_weight = faults ? TUI_WEIGHT_TOUCHED : live ? TUI_WEIGHT_LIVE : TUI_WEIGHT_ALLOCATED;
	for (size_t i = 0; i < out; i++)
		(*c)[i] = (struct stack_count){ si[i].stack,
			d->site_weight == TUI_WEIGHT_TOUCHED ? si[i].touched_bytes
			: d->site_weight == TUI_WEIGHT_LIVE ? (uint64_t)MAX(si[i].outstanding_bytes, 0)
			: si[i].alloc_bytes };
	free(si);
	if (func == CALLTREE_NONE && !out)
		snprintf(d->drill_name, sizeof d->drill_name, "(no longer listed)");
	else if (func == CALLTREE_NONE)
		snprintf(d->drill_name, sizeof d->drill_name, "%s",
			 si_other ? "(other sites)" : "(no stack)");
	else
		snprintf(d->drill_name, sizeof d->drill_name, "%s%s%s", funcs_get(m->funcs, func)->name,
			 caller == CALLTREE_NONE ? "" : " <- ",
			 caller == CALLTREE_NONE ? "" : funcs_get(m->funcs, caller)->name);
	return out;
}

/* The call sites of the drilled lock, fd or allocation site, each stack
 * ending in TUI_FUNC_SUBJECT, weighted by wait ns or bytes.  Under the
 * model's lock. */
static void data_copy_sites(struct tui_data *d, const struct model *m, enum tui_drill drill,
			    uint64_t key, uint32_t window_secs)
{
	struct stack_count *c = NULL;
	size_t n = 0;

	d->drill_name[0] = '\0';
	if (drill == TUI_DRILL_LOCK && m->locks) {
		struct lock_site *ls;
		const struct lock_info *li = locks_find(m->locks, key);
		if (li)
			snprintf(d->drill_name, sizeof d->drill_name, "%s", li->name);
		if (!d->drill_name[0])
			snprintf(d->drill_name, sizeof d->drill_name, "0x%" PRIx64, key);
		n = locks_sites(m->locks, key, &ls);
		c = xmalloc((n ? n : 1) * sizeof *c);
		for (size_t i = 0; i < n; i++)
			c[i] = (struct stack_count){ ls[i].stack, ls[i].wait_ns };
		free(ls);
	} else if (drill == TUI_DRILL_FD && m->io) {
		struct io_site *is = NULL;
		size_t row = 0, nfd = io_fd_count(m->io);
		while (row < nfd && data_fd_key(io_fd_at(m->io, row)) != key)
			row++;
		/* Gone: folded into the "other" row once the table was full. */
		snprintf(d->drill_name, sizeof d->drill_name, "%s",
			 row < nfd ? io_fd_at(m->io, row)->name : "(no longer listed)");
		n = row < nfd ? io_sites(m->io, (uint32_t)row, &is) : 0;
		c = xmalloc((n ? n : 1) * sizeof *c);
		for (size_t i = 0; i < n; i++)
			c[i] = (struct stack_count){ is[i].stack, is[i].bytes };
		free(is);
	} else if (drill == TUI_DRILL_ALLOC) {
		n = data_alloc_stacks(d, m, window_secs, key, &c);
	}
	d->nsites = data_copy_frames(m, c, n, TUI_FUNC_SUBJECT, &d->sites, &d->sites_cap,
				     &d->site_arena, &d->site_arena_cap);
	d->site_total = 0;
	for (size_t i = 0; i < d->nsites; i++)
		d->site_total += d->sites[i].count;
	free(c);
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

static int data_key_cmp(const void *a, const void *b)
{
	const struct tui_fd *x = a, *y = b;

	return (x->key > y->key) - (x->key < y->key);
}

/* Each fd row's rates against the same row in prev (found by key: rows
 * are matched, not assumed to keep their index).  Copies too close
 * together (a key asked for one) keep prev's rates. */
static void data_fd_rates(struct tui_data *d, const struct tui_data *prev, double dt)
{
	struct tui_fd *old;

	if (!d->got.io || !prev || !prev->valid || !prev->got.io || !prev->nfds)
		return;
	old = xmalloc(prev->nfds * sizeof *old);
	memcpy(old, prev->fds, prev->nfds * sizeof *old);
	qsort(old, prev->nfds, sizeof *old, data_key_cmp);
	for (size_t i = 0; i < d->nfds; i++) {
		struct tui_fd *f = &d->fds[i];
		const struct tui_fd *o = bsearch(f, old, prev->nfds, sizeof *old, data_key_cmp);
		if (!o)
			continue;
		if (dt <= 0.01) {
			f->has_rates = o->has_rates;
			f->read_per_s = o->read_per_s;
			f->write_per_s = o->write_per_s;
			f->calls_per_s = o->calls_per_s;
			continue;
		}
		f->has_rates = true;
		f->read_per_s = (double)(f->info.read_bytes - MIN(o->info.read_bytes, f->info.read_bytes)) / dt;
		f->write_per_s = (double)(f->info.write_bytes - MIN(o->info.write_bytes, f->info.write_bytes)) / dt;
		f->calls_per_s = (double)(f->info.reads + f->info.writes -
					  MIN(o->info.reads + o->info.writes, f->info.reads + f->info.writes)) / dt;
	}
	free(old);
}

/* Rates since prev: the model has totals, the header wants speeds. */
static void data_rates(struct tui_data *d, const struct tui_data *prev, unsigned hz)
{
	double dt = prev && prev->valid ? (double)(d->taken_ns - prev->taken_ns) / 1e9 : 0;

	d->alive_threads = 0;
	for (size_t i = 0; i < d->nthreads; i++)
		d->alive_threads += !d->threads[i].exited;
	data_fd_rates(d, prev, dt);
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

/* A loaded snapshot does not move, so rates between copies are 0: show
 * the averages over the run it recorded instead (per fd: over each row's
 * life, as the report does). */
static void data_loaded_fd_rates(struct tui_data *d, const struct model *m)
{
	for (size_t i = 0; i < d->nfds; i++) {
		struct tui_fd *f = &d->fds[i];
		f->has_rates = true;
		f->read_per_s = io_fd_rate(&f->info, f->info.read_bytes, m->now_ns);
		f->write_per_s = io_fd_rate(&f->info, f->info.write_bytes, m->now_ns);
		f->calls_per_s = io_fd_rate(&f->info, f->info.reads + f->info.writes, m->now_ns);
	}
}

static void data_loaded_rates(struct tui_data *d, unsigned hz)
{
	double dur = d->duration_s;

	d->alive_threads = 0;
	for (size_t i = 0; i < d->nthreads; i++) {
		d->alive_threads += !d->threads[i].exited;
		d->threads[i].cpu_pct = hz && dur > 0 ? 100.0 * (double)d->threads[i].samples / dur / hz : 0;
	}
	d->samples_per_s = dur > 0 ? (double)d->stats.samples / dur : 0;
	d->target_cpu_pct = hz ? 100.0 * d->samples_per_s / hz : 0;
	d->profiler_cpu_pct = dur > 0 ? 100.0 * (double)d->stats.profiler_cpu_ns / 1e9 / dur : 0;
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
	d->got = d->want;
	d->nlocks = d->nfds = d->nio_threads = d->nallocs = d->nsites = 0;
	if (d->got.locks)
		data_copy_locks(d, m);
	if (d->got.io) {
		data_copy_io(d, m);
		if (src->loaded)
			data_loaded_fd_rates(d, m);
	}
	if (d->got.alloc)
		data_copy_alloc(d, m, window_secs);
	free(d->findings);
	d->findings = NULL;
	d->nfindings = d->got.findings ? findings_eval(m, window_secs, &d->findings) : 0;
	if (d->got.drill != TUI_DRILL_NONE)
		data_copy_sites(d, m, d->got.drill, d->got.drill_key, window_secs);
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
	if (src->loaded)
		data_loaded_rates(d, src->frequency);
	else
		data_rates(d, prev, src->frequency);
}

void tui_data_mark(const struct tui_source *src, struct tui_baseline *b)
{
	const struct model *m = src->model;

	pthread_mutex_lock(src->lock);
	b->nlocks = locks_count(m->locks);
	b->locks = xcalloc(b->nlocks ? b->nlocks : 1, sizeof *b->locks);
	for (size_t i = 0; i < b->nlocks; i++) {
		const struct lock_info *li = locks_at(m->locks, i);
		b->locks[i] = (struct tui_mark){ li->addr, li->wait_ns };
	}
	b->nfds = io_fd_count(m->io);
	b->fds = xcalloc(b->nfds ? b->nfds : 1, sizeof *b->fds);
	for (size_t i = 0; i < b->nfds; i++) {
		const struct io_fd *f = io_fd_at(m->io, i);
		b->fds[i] = (struct tui_mark){ data_fd_key(f), f->read_bytes + f->write_bytes };
	}
	pthread_mutex_unlock(src->lock);
}

void tui_data_fini(struct tui_data *d)
{
	free(d->findings);
	free(d->hot);
	free(d->stacks);
	free(d->arena);
	free(d->funcs);
	free(d->threads);
	free(d->thot);
	free(d->recent);
	free(d->locks);
	free(d->fds);
	free(d->io_threads);
	free(d->allocs);
	free(d->sites);
	free(d->site_arena);
	memset(d, 0, sizeof *d);
}

const char *tui_data_func_name(const struct tui_data *d, uint32_t func)
{
	if (func == TUI_FUNC_SUBJECT)
		return d->drill_name[0] ? d->drill_name : "?";
	return func < d->nfuncs ? d->funcs[func].name : "?";
}

const char *tui_data_func_module(const struct tui_data *d, uint32_t func)
{
	if (func == TUI_FUNC_SUBJECT)
		switch (d->got.drill) {
		case TUI_DRILL_LOCK:
			return "lock";
		case TUI_DRILL_FD:
			return "fd";
		case TUI_DRILL_ALLOC:
			return "allocation site";
		case TUI_DRILL_NONE:
			break;
		}
	return func < d->nfuncs ? d->funcs[func].module : "?";
}

bool tui_data_has_sites(const struct tui_data *d, enum tui_drill drill, uint64_t key)
{
	return d->valid && d->got.drill == drill && d->got.drill_key == key;
}
