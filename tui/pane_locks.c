/* The Locks pane: one row per futex (a lock), how often and how long threads
 * waited on it since the start, and Enter for the call stacks that waited.
 * Condition-variable and other waits are usually idle threads, not
 * contention: they are drawn dim so a sleeping pool doesn't look hot. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "panes.h"
#include "tui.h"

enum { COL_WAIT, COL_SINCE, COL_PCT, COL_MAX, COL_WAITS, COL_THREADS, COL_WAKES, COL_KIND, COL_LOCK };

static const struct pane_column lock_cols[] = {
	[COL_WAIT] = { "TOTAL WAIT", 11, true, false },
	[COL_SINCE] = { "SINCE b", 9, true, false },
	[COL_PCT] = { "WAIT%", 6, true, false },
	[COL_MAX] = { "MAX WAIT", 9, true, false },
	[COL_WAITS] = { "WAITS", 9, true, false },
	[COL_THREADS] = { "THREADS", 7, true, false },
	[COL_WAKES] = { "WAKES", 9, true, false },
	[COL_KIND] = { "KIND", 7, false, true },
	[COL_LOCK] = { "LOCK", 0, false, true },
};

static const struct tui_lock *lock_at(const struct app *a, size_t i)
{
	return &app_data(a)->locks[i];
}

/* Never empty: the copy names an unnamed lock by its address. */
static const char *lock_name(const struct app *a, size_t i)
{
	return lock_at(a, i)->info.name;
}

static size_t locks_rows(const struct app *a)
{
	return app_data(a)->nlocks;
}

static bool locks_keep(struct app *a, size_t i)
{
	return !a->filter || view_text_matches(a, lock_name(a, i));
}

static int locks_cmp(const struct app *a, int col, size_t i, size_t j)
{
	const struct lock_info *x = &lock_at(a, i)->info, *y = &lock_at(a, j)->info;

	switch (col) {
	case COL_WAIT:
		return panes_cmp_u64(x->wait_ns, y->wait_ns);
	case COL_SINCE:
		return panes_cmp_u64(baseline_lock_since(a, x->addr, x->wait_ns),
				     baseline_lock_since(a, y->addr, y->wait_ns));
	case COL_PCT:
		return panes_cmp_double(lock_at(a, i)->wait_pct, lock_at(a, j)->wait_pct);
	case COL_MAX:
		return panes_cmp_u64(x->max_wait_ns, y->max_wait_ns);
	case COL_WAITS:
		return panes_cmp_u64(x->waits, y->waits);
	case COL_THREADS:
		return panes_cmp_u64(x->nthreads, y->nthreads);
	case COL_WAKES:
		return panes_cmp_u64(x->wakes, y->wakes);
	case COL_KIND:
		return strcmp(locks_kind_name(x->kind), locks_kind_name(y->kind));
	case COL_LOCK:
		return strcmp(lock_name(a, i), lock_name(a, j));
	}
	return 0;
}

static void locks_cell(const struct app *a, size_t i, int col, char *buf, size_t len,
		       enum theme_slot *slot)
{
	const struct tui_lock *l = lock_at(a, i);
	const struct lock_info *li = &l->info;
	bool idle = li->kind != LOCK_MUTEX;

	*slot = idle ? THEME_COLD : THEME_NORMAL;
	switch (col) {
	case COL_WAIT:
		panes_format_ns(li->wait_ns, buf, len);
		if (!idle)
			*slot = panes_share_slot(l->wait_pct);
		break;
	case COL_SINCE:
		panes_format_ns(baseline_lock_since(a, li->addr, li->wait_ns), buf, len);
		break;
	case COL_PCT:
		snprintf(buf, len, "%.0f %%", l->wait_pct);
		if (!idle)
			*slot = panes_share_slot(l->wait_pct);
		break;
	case COL_MAX:
		panes_format_ns(li->max_wait_ns, buf, len);
		break;
	case COL_WAITS:
		snprintf(buf, len, "%" PRIu64, li->waits);
		break;
	case COL_THREADS:
		snprintf(buf, len, "%" PRIu32, li->nthreads);
		break;
	case COL_WAKES:
		snprintf(buf, len, "%" PRIu64, li->wakes);
		break;
	case COL_KIND:
		snprintf(buf, len, "%s", locks_kind_name(li->kind));
		break;
	case COL_LOCK:
		snprintf(buf, len, "%s", lock_name(a, i));
		break;
	}
}

/* Wait since the mark, once b has set one. */
static bool locks_shown(const struct app *a, int col)
{
	return col != COL_SINCE || a->baseline.set;
}

/* The futex address: the row's identity and the drill-down's key. */
static uint64_t locks_id(const struct app *a, size_t i)
{
	return lock_at(a, i)->info.addr;
}

static const char *locks_label(const struct app *a, size_t i)
{
	return lock_name(a, i);
}

const struct pane pane_locks = {
	.name = "Locks",
	.cols = lock_cols,
	.ncols = (int)ARRAY_SIZE(lock_cols),
	.sort_col = COL_WAIT,
	.count = locks_rows,
	.keep = locks_keep,
	.cmp = locks_cmp,
	.cell = locks_cell,
	.id = locks_id,
	.label = locks_label,
	.drill = TUI_DRILL_LOCK,
	.shown = locks_shown,
};
