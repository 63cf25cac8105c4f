/* The Allocations pane: one row per allocation site (the function that
 * asked for memory, and its caller), how fast it makes the heap grow, what
 * it holds, allocates and frees, how old its oldest live block is, and
 * whether it looks like a leak (drawn in the warning colour).  In faults
 * mode the only numbers are bytes first touched, so those columns replace
 * the others.  Enter opens the stacks behind the site, weighed by bytes. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "panes.h"
#include "tui.h"
#include "../analysis/usage.h"

enum {
	COL_GROWTH, COL_TOUCHED_RATE, COL_LIVE, COL_TOUCHED, COL_ALLOC, COL_FREE, COL_OLDEST,
	COL_LEAK, COL_SITE
};

static const struct pane_column alloc_cols[] = {
	[COL_GROWTH] = { "GROWTH/s", 10, true, false },
	[COL_TOUCHED_RATE] = { "TOUCHED/s", 10, true, false },
	[COL_LIVE] = { "OUTSTANDING", 11, true, false },
	[COL_TOUCHED] = { "TOUCHED", 9, true, false },
	[COL_ALLOC] = { "ALLOC/s", 9, true, false },
	[COL_FREE] = { "FREE/s", 9, true, false },
	[COL_OLDEST] = { "OLDEST", 8, true, false },
	[COL_LEAK] = { "LEAK?", 5, false, false },
	[COL_SITE] = { "SITE", 0, false, true },
};

static const struct tui_alloc *site_at(const struct app *a, size_t i)
{
	return &app_data(a)->allocs[i];
}

static bool alloc_faults(const struct app *a)
{
	return !strcmp(app_data(a)->target.alloc_mode, "faults");
}

static size_t alloc_rows(const struct app *a)
{
	return app_data(a)->nallocs;
}

/* The site's function or its caller: "worker" finds every site it calls. */
static bool alloc_keep(struct app *a, size_t i)
{
	const struct tui_alloc *s = site_at(a, i);

	if (!a->filter)
		return true;
	return (s->func != CALLTREE_NONE && view_func_matches(a, s->func)) ||
	       (s->caller != CALLTREE_NONE && view_func_matches(a, s->caller));
}

static bool alloc_shown(const struct app *a, int col)
{
	bool faults = alloc_faults(a);

	if (col == COL_TOUCHED_RATE || col == COL_TOUCHED)
		return faults;
	return col == COL_SITE || !faults;
}

static const char *alloc_name(const struct app *a, uint32_t func)
{
	return func == CALLTREE_NONE ? "" : tui_data_func_name(app_data(a), func);
}

static int alloc_cmp(const struct app *a, int col, size_t i, size_t j)
{
	const struct tui_alloc *x = site_at(a, i), *y = site_at(a, j);
	int r;

	switch (col) {
	case COL_GROWTH:
		r = panes_cmp_double(x->growth_per_s, y->growth_per_s);
		/* Flat sites: the one holding more is the likelier problem. */
		return r ? r : (x->outstanding_bytes > y->outstanding_bytes) -
			       (x->outstanding_bytes < y->outstanding_bytes);
	case COL_TOUCHED_RATE:
		r = panes_cmp_double(x->touched_per_s, y->touched_per_s);
		return r ? r : panes_cmp_u64(x->touched_bytes, y->touched_bytes);
	case COL_LIVE:
		return (x->outstanding_bytes > y->outstanding_bytes) -
		       (x->outstanding_bytes < y->outstanding_bytes);
	case COL_TOUCHED:
		return panes_cmp_u64(x->touched_bytes, y->touched_bytes);
	case COL_ALLOC:
		return panes_cmp_double(x->alloc_per_s, y->alloc_per_s);
	case COL_FREE:
		return panes_cmp_double(x->free_per_s, y->free_per_s);
	case COL_OLDEST:
		return panes_cmp_double(x->oldest_age_s, y->oldest_age_s);
	case COL_LEAK:
		r = x->leak_suspect - y->leak_suspect;
		return r ? r : panes_cmp_double(x->growth_per_s, y->growth_per_s);
	case COL_SITE:
		r = strcmp(alloc_name(a, x->func), alloc_name(a, y->func));
		return r ? r : strcmp(alloc_name(a, x->caller), alloc_name(a, y->caller));
	}
	return 0;
}

/* "45 s", "12.5 min", "3.2 h": how long the oldest live block has lived. */
static void alloc_age(double s, char *buf, size_t len)
{
	if (s <= 0)
		snprintf(buf, len, "-");
	else if (s < 120)
		snprintf(buf, len, "%.0f s", s);
	else if (s < 7200)
		snprintf(buf, len, "%.1f min", s / 60);
	else
		snprintf(buf, len, "%.1f h", s / 3600);
}

static void alloc_cell(const struct app *a, size_t i, int col, char *buf, size_t len,
		       enum theme_slot *slot)
{
	const struct tui_alloc *s = site_at(a, i);

	/* A site that holds nothing and doesn't grow is churn: dim, so what
	 * stays stands out.  Page faults have no frees to tell churn by. */
	if (s->leak_suspect)
		*slot = THEME_WARM;
	else if (!alloc_faults(a) && s->outstanding_bytes <= 0 && s->growth_per_s <= 0)
		*slot = THEME_COLD;
	else
		*slot = THEME_NORMAL;
	switch (col) {
	case COL_GROWTH:
		usage_format_rate(s->growth_per_s, true, buf, len);
		break;
	case COL_TOUCHED_RATE:
		usage_format_rate(s->touched_per_s, false, buf, len);
		break;
	case COL_LIVE:
		usage_format_bytes((double)MAX(s->outstanding_bytes, 0), buf, len);
		break;
	case COL_TOUCHED:
		usage_format_bytes((double)s->touched_bytes, buf, len);
		break;
	case COL_ALLOC:
		usage_format_rate(s->alloc_per_s, false, buf, len);
		break;
	case COL_FREE:
		usage_format_rate(s->free_per_s, false, buf, len);
		break;
	case COL_OLDEST:
		alloc_age(s->oldest_age_s, buf, len);
		break;
	case COL_LEAK:
		snprintf(buf, len, "%s", s->leak_suspect ? "LEAK?" : "");
		break;
	case COL_SITE:
		panes_alloc_site(app_data(a), s, a->utf8, buf, len);
		break;
	}
}

/* Function and caller: the same row in every copy, and the drill's key. */
static uint64_t alloc_id(const struct app *a, size_t i)
{
	return site_at(a, i)->key;
}

static const char *alloc_label(const struct app *a, size_t i)
{
	return alloc_name(a, site_at(a, i)->func);
}

static void alloc_empty(const struct app *a, char *buf, size_t len)
{
	const struct tui_data *d = app_data(a);

	if (!strcmp(panes_alloc_mode(&d->target), "off"))
		snprintf(buf, len, "allocation sites are not collected (the line above says why); "
			 "the memory trend is above");
	else
		snprintf(buf, len, "no sampled allocations in this window yet");
}

const struct pane pane_alloc = {
	.name = "Allocations",
	.cols = alloc_cols,
	.ncols = (int)ARRAY_SIZE(alloc_cols),
	.sort_col = COL_GROWTH,
	.count = alloc_rows,
	.keep = alloc_keep,
	.cmp = alloc_cmp,
	.cell = alloc_cell,
	.id = alloc_id,
	.label = alloc_label,
	.drill = TUI_DRILL_ALLOC,
	.shown = alloc_shown,
	.empty = alloc_empty,
};
