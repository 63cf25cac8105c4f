/* The live view's baseline (b): the CPU shares of the window shown when b
 * was pressed are kept, the view then shows the samples since the mark,
 * and the CPU pane each function's change against the kept shares with
 * --diff's verdicts (analysis/diff.c), so "what changed since I flipped
 * that switch" needs no second run.  Locks and I/O count from the start,
 * so their totals at the mark are kept too, for a "since b" column.  b
 * again clears it. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"
#include "../analysis/diff.h"
#include "../common/xalloc.h"

static void baseline_clear(struct app *a)
{
	free(a->baseline.self);
	free(a->baseline.locks);
	free(a->baseline.fds);
	memset(&a->baseline, 0, sizeof a->baseline);
}

static int baseline_mark_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct tui_mark *)a)->key, y = ((const struct tui_mark *)b)->key;

	return (x > y) - (x < y);
}

unsigned baseline_toggle(struct app *a)
{
	const struct tui_data *d = app_data(a);
	struct tui_baseline *b = &a->baseline;

	if (b->set) {
		baseline_clear(a);
		app_status(a, THEME_STATUS, "baseline cleared");
		return TUI_REFRESH | TUI_REDRAW;
	}
	/* Without CPU samples there is still Locks' and I/O's "since b"; the
	 * CPU pane then has nothing to compare with and judges nothing. */
	if (!d->valid) {
		app_status(a, THEME_ERROR, "nothing to keep as a baseline yet");
		return TUI_REDRAW;
	}
	b->nfuncs = d->nfuncs;
	b->self = xcalloc(b->nfuncs ? b->nfuncs : 1, sizeof *b->self);
	for (size_t i = 0; i < d->nhot; i++)
		if (d->hot[i].func < b->nfuncs)
			b->self[d->hot[i].func] = d->hot[i].self;
	b->samples = d->window_samples;
	b->window_secs = d->window_secs;
	b->mark_s = d->duration_s;
	tui_data_mark(a->src, b);
	qsort(b->locks, b->nlocks, sizeof *b->locks, baseline_mark_cmp);
	qsort(b->fds, b->nfds, sizeof *b->fds, baseline_mark_cmp);
	b->set = true;
	app_status(a, THEME_STATUS, "baseline: %llu samples kept; the view now shows what came "
		   "after, the CPU pane the change (b again: clear)", (unsigned long long)b->samples);
	return TUI_REFRESH | TUI_REDRAW;
}

uint32_t baseline_window(const struct app *a, uint32_t window_secs)
{
	const struct tui_data *d = app_data(a);
	double since;

	if (!a->baseline.set)
		return window_secs;
	/* Whole seconds: the timeline's buckets are seconds. */
	since = ceil(d->duration_s - a->baseline.mark_s);
	return since < 1 ? 1 : since > 1e6 ? 1000000 : (uint32_t)since;
}

enum diff_verdict baseline_change(const struct app *a, uint32_t func, uint64_t self,
				  double *delta_pts)
{
	const struct tui_data *d = app_data(a);
	const struct tui_baseline *b = &a->baseline;
	uint64_t before = func < b->nfuncs ? b->self[func] : 0;
	double change, z, after_pct, before_pct;

	after_pct = d->window_samples ? 100.0 * (double)self / (double)d->window_samples : 0;
	before_pct = b->samples ? 100.0 * (double)before / (double)b->samples : 0;
	*delta_pts = after_pct - before_pct;
	return diff_judge(before, b->samples, self, d->window_samples, &change, &z);
}

void baseline_fini(struct app *a)
{
	baseline_clear(a);
}

static uint64_t baseline_since(const struct tui_mark *v, size_t n, uint64_t key, uint64_t now)
{
	const struct tui_mark k = { .key = key };
	const struct tui_mark *at = n ? bsearch(&k, v, n, sizeof *v, baseline_mark_cmp) : NULL;

	/* Not there at the mark: all of it came after. */
	if (!at)
		return now;
	return now > at->value ? now - at->value : 0;
}

uint64_t baseline_lock_since(const struct app *a, uint64_t addr, uint64_t wait_ns)
{
	return baseline_since(a->baseline.locks, a->baseline.nlocks, addr, wait_ns);
}

uint64_t baseline_fd_since(const struct app *a, uint64_t key, uint64_t bytes)
{
	return baseline_since(a->baseline.fds, a->baseline.nfds, key, bytes);
}
