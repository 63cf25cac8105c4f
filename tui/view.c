/* View state that is not drawing: each pane's filtered and sorted rows, the
 * cursor (kept on the same row across refreshes), the regex filter with a
 * per-function match cache, search, sort, pane switching and the export
 * keys.  No curses here, so the key table can be tested without a tty. */
#include "config.h"   /* _GNU_SOURCE: qsort_r, strcasestr */

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keys.h"
#include "panes.h"
#include "tui.h"
#include "../analysis/export.h"
#include "../analysis/export_svg.h"
#include "../analysis/flame.h"
#include "../analysis/filter.h"
#include "../common/xalloc.h"

const uint32_t tui_windows[3] = { 5, 60, 0 };

const struct pane *view_pane(const struct app *a)
{
	size_t n;
	return panes_all(&n)[a->pane];
}

struct pane_state *view_pane_state(struct app *a)
{
	return a->tree.active ? NULL : &a->panes[a->pane];
}

void view_init(struct app *a)
{
	size_t n;
	const struct pane *const *all = panes_all(&n);

	a->panes = xcalloc(n, sizeof *a->panes);
	for (size_t i = 0; i < n; i++)
		a->panes[i].sort_col = all[i]->sort_col;
}

void view_fini(struct app *a)
{
	size_t n;

	panes_all(&n);
	for (size_t i = 0; i < n; i++)
		free(a->panes[i].rows);
	free(a->panes);
	a->panes = NULL;
	free(a->fmatch);
	a->fmatch = NULL;
	filter_free(a->filter);
	a->filter = NULL;
	tree_fini(a);
	baseline_fini(a);
	free(a->spark.v);
	memset(&a->spark, 0, sizeof a->spark);
}

void view_tab_label(size_t i, char *buf, size_t len)
{
	size_t n;
	const struct pane *const *all = panes_all(&n);

	snprintf(buf, len, " %zu %s ", i + 1, i < n ? all[i]->name : "?");
}

unsigned view_click(struct app *a, int y, int x, int button)
{
	struct pane_state *ps = view_pane_state(a);
	size_t *cursor = ps ? &ps->cursor : &a->tree.cursor;
	size_t *top = ps ? &ps->top : &a->tree.top;
	size_t n = ps ? ps->nrows : a->tree.nrows, row;
	int first = a->body.y + (ps ? 1 : 2);   /* below the column titles */
	char label[64];

	if (button == 4 || button == 5)
		return view_move(a, button == 4 ? -3 : 3);
	if (button != 1 || a->help || a->prompt.mode != PROMPT_NONE)
		return TUI_NONE;
	if (y == a->body.y - 1) {
		size_t np;
		panes_all(&np);
		for (size_t i = 0, at = 0; i < np; i++) {
			view_tab_label(i, label, sizeof label);
			if ((size_t)x >= at && (size_t)x < at + strlen(label))
				return view_select_pane(a, i);
			at += strlen(label);
		}
		return TUI_NONE;
	}
	if (y < first || y >= a->body.y + a->body.h)
		return TUI_NONE;
	row = *top + (size_t)(y - first);
	if (row >= n)
		return TUI_NONE;
	if (row == *cursor) {
		bool found;
		/* Like Enter: drill down, or re-root in the tree. */
		return keys_dispatch(a, '\n', &found);
	}
	return view_move(a, (long)row - (long)*cursor);
}

void view_spark_push(struct app *a)
{
	const struct tui_data *d = app_data(a);
	struct tui_spark *sp = &a->spark;
	uint64_t secs = sp->last_ns ? (d->taken_ns - sp->last_ns) / 1000000000ULL : 1;

	if (!secs)
		return;
	sp->last_ns = sp->last_ns ? sp->last_ns + secs * 1000000000ULL : d->taken_ns;
	if (d->nrecent > sp->nfuncs) {
		sp->v = xrealloc(sp->v, d->nrecent * TUI_SPARK_N);
		memset(sp->v + sp->nfuncs * TUI_SPARK_N, 0, (d->nrecent - sp->nfuncs) * TUI_SPARK_N);
		sp->nfuncs = d->nrecent;
	}
	/* A refresh slower than a second fills each second it covered. */
	for (uint64_t k = 0; k < MIN(secs, (uint64_t)TUI_SPARK_N); k++) {
		sp->rss[sp->head] = d->usage.has_rss ? d->usage.rss_bytes : 0;
		for (size_t f = 0; f < sp->nfuncs; f++) {
			uint64_t c = f < d->nrecent ? d->recent[f] : 0;
			sp->v[f * TUI_SPARK_N + sp->head] = d->recent_total
				? (uint8_t)(255 * c / d->recent_total) : 0;
		}
		sp->head = (sp->head + 1) % TUI_SPARK_N;
	}
}

void view_spark_get(const struct app *a, uint32_t func, uint8_t *out)
{
	const struct tui_spark *sp = &a->spark;

	for (unsigned i = 0; i < TUI_SPARK_N; i++)
		out[i] = func < sp->nfuncs ? sp->v[func * TUI_SPARK_N + (sp->head + i) % TUI_SPARK_N] : 0;
}

void view_spark_rss(const struct app *a, uint64_t *out)
{
	const struct tui_spark *sp = &a->spark;

	for (unsigned i = 0; i < TUI_SPARK_N; i++)
		out[i] = sp->rss[(sp->head + i) % TUI_SPARK_N];
}

bool view_text_matches(struct app *a, const char *text)
{
	return !a->filter || filter_match(a->filter, text) == FILTER_MATCH;
}

/* Each function is matched once per filter, not once per frame or row. */
bool view_func_matches(struct app *a, uint32_t func)
{
	const struct tui_data *d = app_data(a);

	if (!a->filter)
		return true;
	/* Not a function: the drilled lock or fd, matched by its name. */
	if (func >= d->nfuncs && func >= a->nfmatch)
		return view_text_matches(a, tui_data_func_name(d, func));
	if (func >= a->nfmatch) {
		size_t n = MAX((size_t)func + 1, (size_t)d->nfuncs);
		a->fmatch = xrealloc(a->fmatch, n);
		memset(a->fmatch + a->nfmatch, -1, n - a->nfmatch);
		a->nfmatch = n;
	}
	if (a->fmatch[func] < 0)
		a->fmatch[func] = view_text_matches(a, tui_data_func_name(d, func));
	return a->fmatch[func];
}

struct sort_ctx {
	const struct app *a;
	const struct pane *p;
	int col;
	bool asc;
};

static int view_row_cmp(const void *x, const void *y, void *ctx)
{
	const struct sort_ctx *c = ctx;
	size_t i = *(const size_t *)x, j = *(const size_t *)y;
	int r = c->p->cmp(c->a, c->col, i, j);

	if (!r)
		return (i > j) - (i < j);   /* stable: the source order breaks ties */
	return c->asc ? r : -r;
}

static void view_clamp(size_t *cursor, size_t *top, size_t n, int page)
{
	size_t pg = page > 0 ? (size_t)page : 1;

	if (*cursor >= n)
		*cursor = n ? n - 1 : 0;
	if (*top > *cursor)
		*top = *cursor;
	if (*cursor >= *top + pg)
		*top = *cursor - pg + 1;
	if (n <= pg)
		*top = 0;
	else if (*top > n - pg)
		*top = n - pg;
}

static void view_update_pane(struct app *a, size_t idx)
{
	size_t np;
	const struct pane *p = panes_all(&np)[idx];
	struct pane_state *ps = &a->panes[idx];
	size_t n = p->count ? p->count(a) : 0;
	struct sort_ctx sc = { a, p, ps->sort_col, ps->sort_asc };

	if (!p->count)
		return;
	/* The pane's mode hides the column sorted by (allocation sites from
	 * page faults have no growth): sort by the next one shown. */
	if (p->ncols && !panes_col_shown(a, p, ps->sort_col)) {
		do
			ps->sort_col = (ps->sort_col + 1) % p->ncols;
		while (!panes_col_shown(a, p, ps->sort_col));
		ps->sort_asc = p->cols[ps->sort_col].asc;
		sc.col = ps->sort_col;
		sc.asc = ps->sort_asc;
	}
	xgrow(&ps->rows, &ps->cap, n ? n : 1, sizeof *ps->rows);
	ps->nrows = 0;
	for (size_t i = 0; i < n; i++)
		if (p->keep(a, i))
			ps->rows[ps->nrows++] = i;
	qsort_r(ps->rows, ps->nrows, sizeof *ps->rows, view_row_cmp, &sc);
	/* Follow the selected row to where it went, like htop. */
	if (ps->has_sel) {
		size_t r;
		for (r = 0; r < ps->nrows; r++)
			if (p->id(a, ps->rows[r]) == ps->sel_id)
				break;
		/* The row is gone (the split toggled): its function's first row. */
		if (r == ps->nrows && p->func && ps->sel_func >= 0)
			for (r = 0; r < ps->nrows; r++)
				if (p->func(a, ps->rows[r]) == ps->sel_func)
					break;
		if (r < ps->nrows)
			ps->cursor = r;
	}
	view_clamp(&ps->cursor, &ps->top, ps->nrows, a->page);
}

static void view_remember(struct app *a)
{
	struct pane_state *ps = view_pane_state(a);
	const struct pane *p = view_pane(a);

	if (!ps || !p->id)
		return;
	ps->has_sel = ps->cursor < ps->nrows;
	if (ps->has_sel) {
		ps->sel_id = p->id(a, ps->rows[ps->cursor]);
		ps->sel_func = p->func ? p->func(a, ps->rows[ps->cursor]) : -1;
	}
}

void view_update(struct app *a)
{
	size_t n;

	panes_all(&n);
	for (size_t i = 0; i < n; i++)
		view_update_pane(a, i);
	if (a->tree.active)
		tree_update(a);
}

unsigned view_move(struct app *a, long delta)
{
	struct pane_state *ps = view_pane_state(a);
	size_t *cursor = ps ? &ps->cursor : &a->tree.cursor;
	size_t *top = ps ? &ps->top : &a->tree.top;
	size_t n = ps ? ps->nrows : a->tree.nrows;
	size_t before = *cursor;

	if (!n)
		return TUI_NONE;
	if (delta < 0)
		*cursor = (size_t)-delta > *cursor ? 0 : *cursor - (size_t)-delta;
	else
		*cursor = MIN(*cursor + (size_t)delta, n - 1);
	view_clamp(cursor, top, n, a->page);
	view_remember(a);
	return *cursor != before ? TUI_REDRAW : TUI_NONE;
}

unsigned view_move_to(struct app *a, bool end)
{
	return view_move(a, end ? (long)(SIZE_MAX / 4) : -(long)(SIZE_MAX / 4));
}

unsigned view_set_filter(struct app *a, const char *pattern)
{
	char err[200];
	struct filter *f = NULL;

	if (pattern && *pattern) {
		f = filter_new(pattern, FILTER_SMARTCASE, err, sizeof err);
		if (!f) {
			app_status(a, THEME_ERROR, "filter: %s", err);
			return TUI_REDRAW;
		}
	}
	filter_free(a->filter);
	a->filter = f;
	free(a->fmatch);
	a->fmatch = NULL;
	a->nfmatch = 0;
	if (f)
		app_status(a, THEME_STATUS, "filter: %s", pattern);
	else
		app_status(a, THEME_STATUS, "filter cleared");
	return TUI_RECOMPUTE | TUI_REDRAW;
}

static const char *view_label(struct app *a, size_t row)
{
	struct pane_state *ps = view_pane_state(a);
	const struct pane *p = view_pane(a);

	if (!ps)
		return tree_row_label(a, row);
	return p->label ? p->label(a, ps->rows[row]) : "";
}

/* dir: +1 forwards, -1 backwards; from_here: the cursor's row may match. */
unsigned view_search(struct app *a, const char *needle, int dir, bool from_here)
{
	struct pane_state *ps = view_pane_state(a);
	size_t n = ps ? ps->nrows : a->tree.nrows;
	size_t cur = ps ? ps->cursor : a->tree.cursor;

	if (!needle[0] || !n)
		return TUI_NONE;
	for (size_t k = from_here ? 0 : 1; k <= n; k++) {
		size_t r = dir > 0 ? (cur + k) % n : (cur + n - k % n) % n;
		if (strcasestr(view_label(a, r), needle))
			return view_move(a, (long)r - (long)cur) | TUI_REDRAW;
	}
	app_status(a, THEME_ERROR, "not found: %s", needle);
	return TUI_REDRAW;
}

unsigned view_sort(struct app *a, int delta)
{
	struct pane_state *ps = view_pane_state(a);
	const struct pane *p = view_pane(a);

	if (!ps || !p->ncols)
		return TUI_NONE;
	/* Step over columns the pane's mode hides (one is always shown). */
	do
		ps->sort_col = (ps->sort_col + delta + p->ncols) % p->ncols;
	while (!panes_col_shown(a, p, ps->sort_col));
	ps->sort_asc = p->cols[ps->sort_col].asc;
	app_status(a, THEME_STATUS, "sorted by %s", p->cols[ps->sort_col].title);
	return TUI_RECOMPUTE | TUI_REDRAW;
}

unsigned view_sort_invert(struct app *a)
{
	struct pane_state *ps = view_pane_state(a);

	if (!ps || !view_pane(a)->ncols)
		return TUI_NONE;
	ps->sort_asc = !ps->sort_asc;
	return TUI_RECOMPUTE | TUI_REDRAW;
}

bool view_wants_threads(const struct app *a)
{
	return a->split || view_pane(a) == &pane_threads;
}

/* A new copy when the view now needs per-thread rows the current copy
 * lacks (they are copied only while needed: they cost a second pass over
 * the window). */
static unsigned view_need_threads(const struct app *a)
{
	return view_wants_threads(a) && !app_data(a)->per_thread ? TUI_REFRESH : TUI_NONE;
}

struct tui_want view_data_want(const struct app *a)
{
	const struct pane *p = view_pane(a);

	return (struct tui_want){
		.locks = p == &pane_locks,
		.io = p == &pane_io,
		.alloc = p == &pane_alloc,
		.findings = p == &pane_findings,
		.drill = a->tree.active ? a->tree.src : TUI_DRILL_NONE,
		.drill_key = a->tree.active ? a->tree.src_key : 0,
	};
}

unsigned view_want(const struct app *a)
{
	const struct tui_data *d = app_data(a);
	struct tui_want w = view_data_want(a);

	if (!d->valid)
		return TUI_NONE;
	if ((w.locks && !d->got.locks) || (w.io && !d->got.io) || (w.alloc && !d->got.alloc) ||
	    (w.findings && !d->got.findings) ||
	    (w.drill != TUI_DRILL_NONE && !tui_data_has_sites(d, w.drill, w.drill_key)))
		return TUI_REFRESH;
	return TUI_NONE;
}

unsigned view_select_pane(struct app *a, size_t pane)
{
	size_t n;

	panes_all(&n);
	if (pane >= n || (pane == a->pane && !a->tree.active))
		return TUI_NONE;
	a->tree.active = false;
	a->pane = pane;
	return TUI_REDRAW | view_need_threads(a) | view_want(a);
}

unsigned view_toggle_split(struct app *a)
{
	size_t n;
	const struct pane *const *all = panes_all(&n);
	struct pane_state *ps;

	/* The split is the CPU pane's: show it there. */
	a->tree.active = false;
	if (view_pane(a) != &pane_cpu)
		for (size_t i = 0; i < n; i++)
			if (all[i] == &pane_cpu)
				a->pane = i;
	ps = &a->panes[a->pane];
	view_remember(a);
	a->split = !a->split;
	if (!panes_col_shown(a, &pane_cpu, ps->sort_col)) {
		ps->sort_col = pane_cpu.sort_col;
		ps->sort_asc = pane_cpu.cols[ps->sort_col].asc;
	}
	app_status(a, THEME_STATUS, a->split
		   ? "split by thread: a row per thread and function (t: back to functions)"
		   : "functions over all threads (t: split by thread)");
	return TUI_RECOMPUTE | TUI_REDRAW | view_need_threads(a);
}

/* kprof-PID-YYYYmmdd-HHMMSS.ext in the current directory, of the window
 * shown; a flame graph is of the current pane (CPU samples for the CPU and
 * Threads panes), in the theme's colours, and its view is in its name. */
unsigned view_export(struct app *a, enum view_file what)
{
	const struct pane *p = view_pane(a);
	enum profile_view v = p == &pane_alloc ? PROFILE_ALLOC : p == &pane_io ? PROFILE_IO
			      : p == &pane_locks ? PROFILE_LOCKS : PROFILE_CPU;
	static const char *const ext[] = { [VIEW_FILE_JSON] = "json",
					   [VIEW_FILE_FOLDED] = "folded", [VIEW_FILE_SVG] = "svg" };
	uint32_t window = app_data(a)->window_secs;
	char path[160], stamp[32], err[256], *buf = NULL;
	struct flame_palette pal;
	time_t now = time(NULL);
	size_t len = 0;
	struct tm tm;
	int rc;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	if (what == VIEW_FILE_SVG)
		snprintf(path, sizeof path, "kprof-%d-%s-%s.svg", (int)a->src->pid, stamp,
			 profile_view_name(v));
	else
		snprintf(path, sizeof path, "kprof-%d-%s.%s", (int)a->src->pid, stamp, ext[what]);
	theme_flame_palette(&a->theme, &pal);
	/* Render under the lock, write after it: the sampler thread waits on
	 * the lock, and a slow disk must not stall it. */
	pthread_mutex_lock(a->src->lock);
	if (what == VIEW_FILE_SVG)
		rc = export_svg_render(a->src->model, window, v, &pal, &buf, &len);
	else
		rc = export_render(what == VIEW_FILE_JSON ? export_json : export_folded, a->src->model,
				   window, &buf, &len);
	pthread_mutex_unlock(a->src->lock);
	if (rc < 0)
		snprintf(err, sizeof err, "cannot export %s: %s", path, strerror(errno));
	else
		rc = export_write(path, buf, len, err, sizeof err);
	free(buf);
	if (rc < 0)
		app_status(a, THEME_ERROR, "%s", err);
	else
		app_status(a, THEME_STATUS, "wrote %s", path);
	return TUI_REDRAW;
}

static const char *const view_themes[] = { "default", "light", "mono", "high-contrast" };

unsigned view_theme(struct app *a, const char *name)
{
	char err[PATH_MAX + 160];

	if (!a->color && strcmp(name, "mono") != 0) {
		app_status(a, THEME_STATUS, "no colours here (NO_COLOR or the terminal): mono theme");
		name = "mono";
	}
	if (theme_load(&a->theme, name, err, sizeof err) < 0) {
		a->theme = *theme_builtin(NULL);
		app_status(a, THEME_ERROR, "theme: %s; using the default", err);
	} else if (a->status_slot != THEME_ERROR || !a->status[0]) {
		app_status(a, THEME_STATUS, "theme: %s", a->theme.name);
	}
	return TUI_THEME | TUI_REDRAW;
}

unsigned view_next_theme(struct app *a)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(view_themes); i++)
		if (strcmp(a->theme.name, view_themes[i]) == 0)
			break;
	a->status[0] = '\0';
	return view_theme(a, view_themes[(i + 1) % ARRAY_SIZE(view_themes)]);
}

void app_status(struct app *a, int slot, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->status, sizeof a->status, fmt, ap);
	va_end(ap);
	a->status_slot = slot;
}
