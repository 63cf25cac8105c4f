/* The threads pane: every thread the samples showed, alive or ended, with
 * its CPU use since the previous refresh, its share of the run, and its
 * hottest function (most self samples on it in the window). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "panes.h"
#include "tui.h"

enum { COL_TID, COL_NAME, COL_STATE, COL_CPU, COL_SAMPLES, COL_SHARE, COL_HOT };

static const struct pane_column thread_cols[] = {
	[COL_TID] = { "TID", 8, true, true },
	[COL_NAME] = { "NAME", 16, false, true },
	[COL_STATE] = { "STATE", 8, false, true },
	[COL_CPU] = { "CPU%", 7, true, false },
	[COL_SAMPLES] = { "SAMPLES", 10, true, false },
	[COL_SHARE] = { "SHARE%", 7, true, false },
	[COL_HOT] = { "HOTTEST FUNCTION", 0, false, true },
};

/* The thread's hottest function, "" when it has none in the window. */
static const char *threads_hot(const struct tui_data *d, const struct tui_thread *t)
{
	return t->has_hot ? tui_data_func_name(d, t->hot_func) : "";
}

static size_t threads_rows(const struct app *a)
{
	return app_data(a)->nthreads;
}

static bool threads_keep(struct app *a, size_t i)
{
	return !a->filter || view_text_matches(a, app_data(a)->threads[i].name);
}

static int threads_cmp(const struct app *a, int col, size_t i, size_t j)
{
	const struct tui_thread *x = &app_data(a)->threads[i], *y = &app_data(a)->threads[j];

	switch (col) {
	case COL_TID:
		return (x->tid > y->tid) - (x->tid < y->tid);
	case COL_NAME:
		return strcmp(x->name, y->name);
	case COL_STATE:
		return (x->exited > y->exited) - (x->exited < y->exited);
	case COL_CPU:
		return (x->cpu_pct > y->cpu_pct) - (x->cpu_pct < y->cpu_pct);
	case COL_SAMPLES:
	case COL_SHARE:
		return (x->samples > y->samples) - (x->samples < y->samples);
	case COL_HOT:
		return strcmp(threads_hot(app_data(a), x), threads_hot(app_data(a), y));
	}
	return 0;
}

static void threads_cell(const struct app *a, size_t i, int col, char *buf, size_t len,
			 enum theme_slot *slot)
{
	const struct tui_data *d = app_data(a);
	const struct tui_thread *t = &d->threads[i];
	uint64_t all = d->thread_samples;

	*slot = THEME_NORMAL;
	switch (col) {
	case COL_TID:
		snprintf(buf, len, "%" PRIu32, t->tid);
		break;
	case COL_NAME:
		snprintf(buf, len, "%s", t->name[0] ? t->name : "?");
		break;
	case COL_STATE:
		snprintf(buf, len, "%s", t->exited ? "exited" : "running");
		*slot = t->exited ? THEME_COLD : THEME_STATE_OK;
		break;
	case COL_CPU:
		snprintf(buf, len, "%.1f", t->cpu_pct);
		*slot = panes_share_slot(t->cpu_pct / 2);
		break;
	case COL_SAMPLES:
		snprintf(buf, len, "%" PRIu64, t->samples);
		break;
	case COL_SHARE:
		snprintf(buf, len, "%.2f", all ? 100.0 * (double)t->samples / (double)all : 0.0);
		break;
	case COL_HOT:
		snprintf(buf, len, "%s", t->has_hot ? threads_hot(d, t) : "-");
		*slot = t->has_hot ? THEME_NORMAL : THEME_COLD;
		break;
	}
}

static uint64_t threads_id(const struct app *a, size_t i)
{
	return app_data(a)->threads[i].tid;
}

static const char *threads_label(const struct app *a, size_t i)
{
	return app_data(a)->threads[i].name;
}

/* Enter drills into the thread's hottest function. */
static int64_t threads_func(const struct app *a, size_t i)
{
	const struct tui_thread *t = &app_data(a)->threads[i];

	return t->has_hot ? (int64_t)t->hot_func : -1;
}

const struct pane pane_threads = {
	.name = "Threads",
	.cols = thread_cols,
	.ncols = (int)ARRAY_SIZE(thread_cols),
	.sort_col = COL_CPU,
	.count = threads_rows,
	.keep = threads_keep,
	.cmp = threads_cmp,
	.cell = threads_cell,
	.id = threads_id,
	.label = threads_label,
	.func = threads_func,
};
