/* The CPU hotspots pane: one row per function in the window, with its self
 * and total share of the samples, like perf top without the clutter.  Split
 * by thread (t), a row per (thread, function) with the thread's id and name,
 * as perf top --sort tid,sym: shares stay of all threads' samples, so the
 * rows of one function add up to its unsplit row. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "panes.h"
#include "tui.h"

enum { COL_SELF, COL_TOTAL, COL_SAMPLES, COL_SPARK, COL_DELTA, COL_VERDICT, COL_TID, COL_THREAD,
       COL_FUNC, COL_MODULE };

/* Sparkline cells: each of SPARK_W characters is the busiest of its
 * TUI_SPARK_N / SPARK_W seconds. */
#define SPARK_W 10

static const struct pane_column cpu_cols[] = {
	[COL_SELF] = { "SELF%", 7, true, false },
	[COL_TOTAL] = { "TOTAL%", 7, true, false },
	[COL_SAMPLES] = { "SAMPLES", 9, true, false },
	[COL_SPARK] = { "LAST 60s", SPARK_W, false, false },
	[COL_DELTA] = { "VS BASE", 8, true, false },
	[COL_VERDICT] = { "CHANGE", 10, false, true },
	[COL_TID] = { "TID", 8, true, true },
	[COL_THREAD] = { "THREAD", 15, false, true },
	[COL_FUNC] = { "FUNCTION", 0, false, true },
	[COL_MODULE] = { "MODULE", 18, false, true },
};

/* Split or not, a row reads the same: a function with its numbers, and a
 * thread when split. */
struct cpu_row {
	uint32_t func;
	uint64_t self, total;
	double self_pct, total_pct;
	bool split;
	uint32_t tid;
	const char *thread;       /* its name, "" when unknown */
};

static struct cpu_row cpu_row(const struct app *a, size_t i)
{
	const struct tui_data *d = app_data(a);

	if (a->split) {
		const struct tui_thot *t = &d->thot[i];
		return (struct cpu_row){ t->func, t->self, t->total, t->self_pct, t->total_pct,
					 true, t->tid,
					 t->thread < d->nthreads ? d->threads[t->thread].name : "" };
	}
	const struct tui_hot *h = &d->hot[i];
	return (struct cpu_row){ h->func, h->self, h->total, h->self_pct, h->total_pct,
				 false, 0, "" };
}

static size_t cpu_count(const struct app *a)
{
	return a->split ? app_data(a)->nthot : app_data(a)->nhot;
}

static bool cpu_keep(struct app *a, size_t i)
{
	return !a->filter || view_func_matches(a, cpu_row(a, i).func);
}

/* Split: the thread columns take the sparkline's place (it is per
 * function, not per thread). */
static bool cpu_shown(const struct app *a, int col)
{
	if (col == COL_TID || col == COL_THREAD)
		return a->split;
	if (col == COL_SPARK)
		return !a->split;
	if (col == COL_DELTA || col == COL_VERDICT)
		return !a->split && a->baseline.set;
	return true;
}

/* Scaled to the row's own peak (at least 5 %), so a function's shape shows
 * whatever its size; the % columns give the size. */
static void cpu_spark(const struct app *a, uint32_t func, char *buf, size_t len)
{
	uint8_t pts[TUI_SPARK_N];
	unsigned peak = 13, per = TUI_SPARK_N / SPARK_W;   /* 13/255 = 5 % */
	size_t used = 0;

	view_spark_get(a, func, pts);
	for (unsigned i = 0; i < TUI_SPARK_N; i++)
		peak = MAX(peak, pts[i]);
	buf[0] = '\0';
	for (unsigned c = 0; c < SPARK_W && used + 4 < len; c++) {
		unsigned m = 0, level;
		for (unsigned i = c * per; i < (c + 1) * per; i++)
			m = MAX(m, pts[i]);
		level = m ? 1 + (m * 7 + peak - 1) / peak : 0;
		used += (size_t)snprintf(buf + used, len - used, "%s", panes_spark_glyph(a->utf8, level));
	}
}

static int cpu_spark_sum(const struct app *a, uint32_t func)
{
	uint8_t pts[TUI_SPARK_N];
	int sum = 0;

	view_spark_get(a, func, pts);
	for (unsigned i = 0; i < TUI_SPARK_N; i++)
		sum += pts[i];
	return sum;
}

/* Self and total of row i, without building the whole row: sorting a
 * split table calls this a million times. */
static void cpu_counts(const struct app *a, size_t i, uint64_t *self, uint64_t *total)
{
	const struct tui_data *d = app_data(a);

	if (a->split) {
		*self = d->thot[i].self;
		*total = d->thot[i].total;
	} else {
		*self = d->hot[i].self;
		*total = d->hot[i].total;
	}
}

static int cpu_cmp(const struct app *a, int col, size_t i, size_t j)
{
	const struct tui_data *d = app_data(a);
	uint64_t xs, xt, ys, yt;

	switch (col) {
	case COL_SELF:
	case COL_SAMPLES:
		cpu_counts(a, i, &xs, &xt);
		cpu_counts(a, j, &ys, &yt);
		return xs != ys ? panes_cmp_u64(xs, ys) : panes_cmp_u64(xt, yt);
	case COL_TOTAL:
		cpu_counts(a, i, &xs, &xt);
		cpu_counts(a, j, &ys, &yt);
		return xt != yt ? panes_cmp_u64(xt, yt) : panes_cmp_u64(xs, ys);
	}
	struct cpu_row rx = cpu_row(a, i), ry = cpu_row(a, j);
	const struct cpu_row *x = &rx, *y = &ry;

	double dx, dy;
	enum diff_verdict vx, vy;

	switch (col) {
	case COL_SPARK:
		return cpu_spark_sum(a, x->func) - cpu_spark_sum(a, y->func);
	case COL_DELTA:
	case COL_VERDICT:
		vx = baseline_change(a, x->func, x->self, &dx);
		vy = baseline_change(a, y->func, y->self, &dy);
		if (col == COL_VERDICT && vx != vy)
			return (int)vx - (int)vy;
		return (dx > dy) - (dx < dy);
	case COL_TID:
		return (x->tid > y->tid) - (x->tid < y->tid);
	case COL_THREAD:
		return strcmp(x->thread, y->thread);
	case COL_FUNC:
		return strcmp(tui_data_func_name(d, x->func), tui_data_func_name(d, y->func));
	case COL_MODULE:
		return strcmp(tui_data_func_module(d, x->func), tui_data_func_module(d, y->func));
	}
	return 0;
}

static void cpu_cell(const struct app *a, size_t i, int col, char *buf, size_t len,
		     enum theme_slot *slot)
{
	const struct tui_data *d = app_data(a);
	struct cpu_row row = cpu_row(a, i);
	const struct cpu_row *h = &row;

	*slot = THEME_NORMAL;
	switch (col) {
	case COL_SELF:
		snprintf(buf, len, "%.2f", h->self_pct);
		*slot = panes_share_slot(h->self_pct);
		break;
	case COL_TOTAL:
		snprintf(buf, len, "%.2f", h->total_pct);
		*slot = panes_share_slot(h->total_pct);
		break;
	case COL_SAMPLES:
		snprintf(buf, len, "%" PRIu64, h->self);
		break;
	case COL_SPARK:
		cpu_spark(a, h->func, buf, len);
		*slot = THEME_SPARK;
		break;
	case COL_DELTA:
	case COL_VERDICT: {
		double delta;
		enum diff_verdict v = baseline_change(a, h->func, h->self, &delta);
		if (col == COL_DELTA)
			snprintf(buf, len, "%+.2f", delta);
		else
			snprintf(buf, len, "%s", diff_verdict_name(v));
		*slot = v == DIFF_REGRESSION ? THEME_STATE_BAD : v == DIFF_WARNING ? THEME_WARM
			: v == DIFF_IMPROVED ? THEME_STATE_OK : THEME_COLD;
		break;
	}
	case COL_TID:
		snprintf(buf, len, "%" PRIu32, h->tid);
		break;
	case COL_THREAD:
		snprintf(buf, len, "%s", h->thread[0] ? h->thread : "?");
		break;
	case COL_FUNC:
		snprintf(buf, len, "%s", tui_data_func_name(d, h->func));
		break;
	case COL_MODULE:
		snprintf(buf, len, "%s", tui_data_func_module(d, h->func));
		*slot = THEME_MODULE;
		break;
	}
}

/* Split rows carry the tid above the function: never equal to an unsplit
 * row's id, so a toggle falls back to staying on the function. */
static uint64_t cpu_id(const struct app *a, size_t i)
{
	struct cpu_row r = cpu_row(a, i);

	return r.split ? ((uint64_t)r.tid << 32 | r.func) + (1ULL << 63) : r.func;
}

static const char *cpu_label(const struct app *a, size_t i)
{
	return tui_data_func_name(app_data(a), cpu_row(a, i).func);
}

/* Drill-down is into the function over every thread. */
static int64_t cpu_func(const struct app *a, size_t i)
{
	return cpu_row(a, i).func;
}

const struct pane pane_cpu = {
	.name = "CPU",
	.cols = cpu_cols,
	.ncols = (int)ARRAY_SIZE(cpu_cols),
	.sort_col = COL_SELF,
	.count = cpu_count,
	.keep = cpu_keep,
	.cmp = cpu_cmp,
	.cell = cpu_cell,
	.id = cpu_id,
	.label = cpu_label,
	.func = cpu_func,
	.shown = cpu_shown,
};
