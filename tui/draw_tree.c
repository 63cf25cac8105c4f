/* Drawing the drill-down: a title line for the focus function (or lock, fd
 * or allocation site), then the callers tree and the callees tree as rows
 * with percentages, counts in the trees' unit, and tree guides (see
 * tree_view.c for the state they come from). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "curses.h"
#include "panes.h"
#include "tui.h"
#include "../analysis/usage.h"

#define TREE_NUM_W 8     /* "TOTAL%" and "SELF%" columns */
#define TREE_SAMPLES_W 9

/* What a drill-down is into, as its title and subject row say it, and
 * what its trees count: CPU samples, a lock's wait time, bytes. */
static const struct {
	const char *kind;         /* before the subject's name in the title */
	const char *about;        /* after it */
	const char *who;          /* beside the subject's row */
	const char *unit;         /* the count column's title */
} tree_drills[] = {
	[TUI_DRILL_NONE] = { "", "", "", "SAMPLES" },
	[TUI_DRILL_LOCK] = { "lock", "where threads wait on it, by wait time", "<- who waits on it",
			     "WAIT" },
	[TUI_DRILL_FD] = { "fd", "the stacks doing its I/O, by bytes", "<- who reads and writes it",
			   "BYTES" },
	[TUI_DRILL_ALLOC] = { "site", "the stacks behind its memory, by bytes", "<- who allocated it",
			      "LIVE" },
};

/* An allocation site's trees count what it holds, or what it allocated
 * once it holds nothing, or in faults mode what it touched. */
static const char *tree_unit(const struct app *a)
{
	static const char *const weights[] = {
		[TUI_WEIGHT_LIVE] = "LIVE", [TUI_WEIGHT_ALLOCATED] = "ALLOCATED",
		[TUI_WEIGHT_TOUCHED] = "TOUCHED",
	};

	if (a->tree.src == TUI_DRILL_ALLOC)
		return weights[app_data(a)->site_weight];
	return tree_drills[a->tree.src].unit;
}

static void tree_count(const struct tree_view *tv, uint64_t n, char *buf, size_t len)
{
	if (tv->src == TUI_DRILL_LOCK)
		panes_format_ns(n, buf, len);
	else if (tv->src != TUI_DRILL_NONE)
		usage_format_bytes((double)n, buf, len);
	else
		snprintf(buf, len, "%" PRIu64, n);
}

static void tree_title(struct app *a, struct rect r)
{
	const struct tui_data *d = app_data(a);
	const struct tree_view *tv = &a->tree;
	char buf[512];
	int x = 0;

	if (tv->src != TUI_DRILL_NONE && tv->focus == TUI_FUNC_SUBJECT)
		snprintf(buf, sizeof buf, "%s %s  %s%s", tree_drills[tv->src].kind,
			 tui_data_func_name(d, tv->focus), tree_drills[tv->src].about,
			 tv->nback ? "" : "  (Backspace: back to the table)");
	else
		snprintf(buf, sizeof buf, "%s  %s%s", tui_data_func_name(d, tv->focus),
			 tui_data_func_module(d, tv->focus),
			 tv->nback ? "" : "  (Backspace: back to the table)");
	x += draw_text(a, r.y, r.x, MIN(r.w, 12), "Drill-down:", a->attr[THEME_HEADER], false);
	draw_text(a, r.y, r.x + x, r.w - x, buf, a->attr[THEME_METER_VALUE], false);
	x = r.x;
	x += draw_text(a, r.y + 1, x, TREE_NUM_W, "TOTAL%", a->attr[THEME_TABLE_HEADER], true) + 1;
	draw_text(a, r.y + 1, x - 1, 1, "", a->attr[THEME_TABLE_HEADER], false);
	x += draw_text(a, r.y + 1, x, TREE_NUM_W, "SELF%", a->attr[THEME_TABLE_HEADER], true) + 1;
	draw_text(a, r.y + 1, x - 1, 1, "", a->attr[THEME_TABLE_HEADER], false);
	x += draw_text(a, r.y + 1, x, TREE_SAMPLES_W, tree_unit(a), a->attr[THEME_TABLE_HEADER], true) + 1;
	draw_text(a, r.y + 1, x - 1, 1, "", a->attr[THEME_TABLE_HEADER], false);
	if (x < r.x + r.w)
		draw_text(a, r.y + 1, x, r.x + r.w - x, "CALL TREE", a->attr[THEME_TABLE_HEADER], false);
}

/* "│  │  ├─ ▸ " for a row: the guides of its ancestors, its own branch and
 * whether it opens. */
static void tree_prefix(const struct app *a, const struct calltree_row *row, char *buf, size_t len)
{
	const char *bar = a->utf8 ? "\u2502  " : "|  ";
	const char *tee = a->utf8 ? "\u251c\u2500 " : "|- ";
	const char *ell = a->utf8 ? "\u2514\u2500 " : "`- ";
	size_t used = 0;

	buf[0] = '\0';
	for (uint32_t d = 1; d < row->depth && used + 12 < len; d++)
		used += (size_t)snprintf(buf + used, len - used, "%s",
					 d - 1 < 64 && (row->guides >> (d - 1) & 1) ? bar : "   ");
	if (row->depth && used + 12 < len)
		used += (size_t)snprintf(buf + used, len - used, "%s", row->last ? ell : tee);
	if (used + 8 < len)
		snprintf(buf + used, len - used, "%s",
			 !row->has_children ? "  " : row->expanded ? (a->utf8 ? "\u25be " : "- ")
								   : (a->utf8 ? "\u25b8 " : "+ "));
}

/* Of every sample in the window, or of all the subject's stacks. */
static double tree_pct(const struct app *a, uint64_t n)
{
	const struct tui_data *d = app_data(a);
	uint64_t all = a->tree.src == TUI_DRILL_NONE ? d->window_samples : d->site_total;
	return all ? 100.0 * (double)n / (double)all : 0.0;
}

static void tree_line(struct app *a, int y, struct rect r, size_t i)
{
	const struct tree_view *tv = &a->tree;
	const struct calltree_row *row = &tv->rows[i];
	const struct calltree_node *nd = tree_row_node(a, i);
	const struct tui_data *d = app_data(a);
	bool sel = i == tv->cursor, callees = i >= tv->ncaller_rows;
	unsigned base = a->attr[sel ? THEME_SELECTION : THEME_NORMAL];
	char buf[600], prefix[400];
	int x = r.x, pw;
	double total = tree_pct(a, nd->total), self = tree_pct(a, nd->self);

	draw_text(a, y, r.x, r.w, "", base, false);
	snprintf(buf, sizeof buf, "%.2f", total);
	x += draw_text(a, y, x, TREE_NUM_W, buf, sel ? base : a->attr[panes_share_slot(total)], true) + 1;
	/* Self only means something in the callees tree (the path ends there). */
	snprintf(buf, sizeof buf, callees ? "%.2f" : "", self);
	x += draw_text(a, y, x, TREE_NUM_W, buf, sel ? base : a->attr[panes_share_slot(self)], true) + 1;
	tree_count(tv, nd->total, buf, sizeof buf);
	x += draw_text(a, y, x, TREE_SAMPLES_W, buf, base, true) + 1;
	if (x >= r.x + r.w)
		return;
	tree_prefix(a, row, prefix, sizeof prefix);
	pw = MIN(draw_width(a, prefix), r.x + r.w - x);
	/* The guides may be long; show their end, next to the name. */
	x += draw_text_tail(a, y, x, MIN(pw, (r.x + r.w - x) / 2 + 4), prefix,
			    sel ? base : a->attr[THEME_TREE]);
	if (row->depth == 0 && nd->func == TUI_FUNC_SUBJECT)
		snprintf(buf, sizeof buf, "%s  %s", tui_data_func_name(d, nd->func),
			 tree_drills[tv->src].who);
	else if (row->depth == 0)
		snprintf(buf, sizeof buf, "%s  %s", tui_data_func_name(d, nd->func),
			 callees ? "-> what it calls" : "<- who calls it");
	else
		snprintf(buf, sizeof buf, "%s  %s", tui_data_func_name(d, nd->func),
			 tui_data_func_module(d, nd->func));
	if (x < r.x + r.w)
		draw_text(a, y, x, r.x + r.w - x, buf, row->depth == 0 && !sel ? a->attr[THEME_HEADER] : base,
			  false);
}

void tree_draw(struct app *a, struct rect r)
{
	struct tree_view *tv = &a->tree;
	int body = r.h - 2;

	tree_title(a, r);
	if (body <= 0)
		return;
	a->page = body;
	if (tv->cursor < tv->top)
		tv->top = tv->cursor;
	if (tv->cursor >= tv->top + (size_t)body)
		tv->top = tv->cursor - (size_t)body + 1;
	if (!tv->nrows) {
		const char *why = tv->src == TUI_DRILL_NONE ? "no samples of this function in this window"
			: !tui_data_has_sites(app_data(a), tv->src, tv->src_key) ? "reading its call sites..."
			: "no call stacks recorded for it (stacks are sampled: more may come)";
		draw_text(a, r.y + 2, r.x + 1, r.w - 1, why, a->attr[THEME_COLD], false);
		return;
	}
	for (int line = 0; line < body; line++) {
		size_t i = tv->top + (size_t)line;
		if (i >= tv->nrows)
			break;
		tree_line(a, r.y + 2 + line, r, i);
	}
}
