/* Drill-down: the callers and callees trees of one function, one list of
 * rows for the cursor (callers first, then callees), over the window's CPU
 * samples or over a lock's, an fd's or an allocation site's call stacks
 * (weighted by wait time or bytes; the subject is the leaf of each, so "who
 * calls it" is where threads wait on it, or who allocated what it holds).  Which nodes are open
 * is kept by node key, so it survives refreshes; a new focus opens the
 * heaviest paths, like perf report.  No curses here (see draw_tree.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tui.h"
#include "../common/xalloc.h"

/* How deep the heaviest path opens on a new focus. */
#define TREE_OPEN_DEPTH 8

static size_t open_find(const struct tree_view *tv, uint64_t key, bool *found)
{
	size_t lo = 0, hi = tv->nopen;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (tv->open[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < tv->nopen && tv->open[lo] == key;
	return lo;
}

static void open_set(struct tree_view *tv, uint64_t key, bool open)
{
	bool found;
	size_t at = open_find(tv, key, &found);

	if (open && !found) {
		xgrow(&tv->open, &tv->open_cap, tv->nopen + 1, sizeof *tv->open);
		memmove(tv->open + at + 1, tv->open + at, (tv->nopen - at) * sizeof *tv->open);
		tv->open[at] = key;
		tv->nopen++;
	} else if (!open && found) {
		memmove(tv->open + at, tv->open + at + 1, (tv->nopen - at - 1) * sizeof *tv->open);
		tv->nopen--;
	}
}

static bool open_has(void *ctx, uint64_t key)
{
	bool found;

	open_find(ctx, key, &found);
	return found;
}

static void open_heaviest(struct tree_view *tv, struct calltree *t)
{
	uint64_t keys[TREE_OPEN_DEPTH];
	size_t n = calltree_heaviest_path(t, TREE_OPEN_DEPTH, keys);

	for (size_t i = 0; i < n; i++)
		open_set(tv, keys[i], true);
}

/* The stacks the trees are built from: with a filter, those with a match
 * (kept in tv->filtered as long as the trees, which read them lazily). */
static struct calltree_stack *tree_stacks(struct app *a, size_t *n)
{
	const struct tui_data *d = app_data(a);
	const struct tree_view *tv = &a->tree;
	struct calltree_stack *all = d->stacks, *out;
	size_t nall = d->nstacks;

	free(a->tree.filtered);
	a->tree.filtered = NULL;
	if (tv->src != TUI_DRILL_NONE) {
		/* Until a copy with the sites arrives, no stacks (not the CPU's). */
		bool have = tui_data_has_sites(d, tv->src, tv->src_key);
		all = have ? d->sites : NULL;
		nall = have ? d->nsites : 0;
	}
	if (!a->filter) {
		*n = nall;
		return all;
	}
	out = a->tree.filtered = xmalloc((nall ? nall : 1) * sizeof *out);
	*n = 0;
	for (size_t i = 0; i < nall; i++)
		for (uint32_t k = 0; k < all[i].n; k++)
			if (view_func_matches(a, all[i].frames[k])) {
				out[(*n)++] = all[i];
				break;
			}
	return out;
}

void tree_update(struct app *a)
{
	struct tree_view *tv = &a->tree;
	size_t n, nr1, nr2;
	struct calltree_stack *st = tree_stacks(a, &n);
	struct calltree_row *r1, *r2;
	uint64_t sel_key = tv->cursor < tv->nrows ? tv->rows[tv->cursor].key : 0;
	bool sel_callees = tv->cursor >= tv->ncaller_rows;

	calltree_free(tv->callers);
	calltree_free(tv->callees);
	tv->callers = calltree_build(st, n, tv->focus, CALLTREE_CALLERS);
	tv->callees = calltree_build(st, n, tv->focus, CALLTREE_CALLEES);
	/* Open the heaviest paths once there is something to open (a drill
	 * into call sites waits for its copy). */
	if (tv->fresh && n) {
		open_heaviest(tv, tv->callers);
		open_heaviest(tv, tv->callees);
		tv->fresh = false;
	}
	nr1 = calltree_flatten(tv->callers, open_has, tv, 0, &r1);
	nr2 = calltree_flatten(tv->callees, open_has, tv, 0, &r2);
	/* A lock, fd or site calls nothing: its callees tree is only itself. */
	if (tv->focus == TUI_FUNC_SUBJECT)
		nr2 = 0;
	free(tv->rows);
	tv->rows = xmalloc((nr1 + nr2 ? nr1 + nr2 : 1) * sizeof *tv->rows);
	if (nr1)
		memcpy(tv->rows, r1, nr1 * sizeof *r1);
	if (nr2)
		memcpy(tv->rows + nr1, r2, nr2 * sizeof *r2);
	free(r1);
	free(r2);
	tv->ncaller_rows = nr1;
	tv->nrows = nr1 + nr2;
	/* Keep the cursor on the same node when it is still there. */
	for (size_t i = sel_callees ? nr1 : 0; sel_key && i < (sel_callees ? tv->nrows : nr1); i++)
		if (tv->rows[i].key == sel_key) {
			tv->cursor = i;
			break;
		}
	if (tv->cursor >= tv->nrows)
		tv->cursor = tv->nrows ? tv->nrows - 1 : 0;
	if (tv->top > tv->cursor)
		tv->top = tv->cursor;
}

static const struct calltree *tree_of_row(const struct tree_view *tv, size_t row)
{
	return row < tv->ncaller_rows ? tv->callers : tv->callees;
}

const struct calltree_node *tree_row_node(const struct app *a, size_t row)
{
	const struct tree_view *tv = &a->tree;

	return row < tv->nrows ? calltree_node(tree_of_row(tv, row), tv->rows[row].node) : NULL;
}

const char *tree_row_label(const struct app *a, size_t row)
{
	const struct calltree_node *nd = tree_row_node(a, row);

	return nd ? tui_data_func_name(app_data(a), nd->func) : "";
}

/* Show the trees of func from the top (opening, going back). */
static unsigned tree_focus(struct app *a, uint32_t func)
{
	struct tree_view *tv = &a->tree;

	tv->focus = func;
	tv->fresh = true;
	tv->cursor = tv->top = 0;
	tv->nrows = tv->ncaller_rows = 0;
	tree_update(a);
	return TUI_REDRAW;
}

unsigned tree_open(struct app *a, uint32_t func)
{
	struct tree_view *tv = &a->tree;

	if (tv->active) {
		if (tv->focus == func)
			return TUI_NONE;
		if (tv->nback == ARRAY_SIZE(tv->back)) {
			memmove(tv->back, tv->back + 1, (tv->nback - 1) * sizeof *tv->back);
			tv->nback--;
		}
		tv->back[tv->nback++] = tv->focus;
	} else {
		tv->nback = 0;
		tv->src = TUI_DRILL_NONE;
		tv->src_key = 0;
	}
	tv->active = true;
	return tree_focus(a, func);
}

unsigned tree_open_sites(struct app *a, enum tui_drill src, uint64_t key)
{
	struct tree_view *tv = &a->tree;

	tv->active = true;
	tv->src = src;
	tv->src_key = key;
	tv->nback = 0;
	/* The sites come with the next copy: ask for it, then build. */
	return view_want(a) | tree_focus(a, TUI_FUNC_SUBJECT);
}

unsigned tree_back(struct app *a)
{
	struct tree_view *tv = &a->tree;

	if (!tv->active)
		return TUI_NONE;
	if (!tv->nback) {
		tv->active = false;
		return TUI_REDRAW;
	}
	return tree_focus(a, tv->back[--tv->nback]);
}

unsigned tree_reroot(struct app *a)
{
	const struct calltree_node *nd = tree_row_node(a, a->tree.cursor);

	if (!nd)
		return TUI_NONE;
	return tree_open(a, nd->func);
}

/* how: 1 open, 0 close, -1 toggle.  Closing a closed node (or a leaf)
 * moves to its parent, as in a file manager. */
unsigned tree_expand(struct app *a, int how)
{
	struct tree_view *tv = &a->tree;
	const struct calltree_row *r;
	bool open;

	if (!tv->active || tv->cursor >= tv->nrows)
		return TUI_NONE;
	r = &tv->rows[tv->cursor];
	open = how < 0 ? !r->expanded : how == 1;
	if (!open && !r->expanded) {
		size_t first = tv->cursor < tv->ncaller_rows ? 0 : tv->ncaller_rows;
		for (size_t i = tv->cursor; i-- > first;)
			if (tv->rows[i].depth < r->depth)
				return view_move(a, (long)i - (long)tv->cursor);
		return TUI_NONE;
	}
	if (!r->has_children || open == r->expanded)
		return TUI_NONE;
	open_set(tv, r->key, open);
	tree_update(a);
	return TUI_REDRAW;
}

void tree_fini(struct app *a)
{
	struct tree_view *tv = &a->tree;

	calltree_free(tv->callers);
	calltree_free(tv->callees);
	free(tv->filtered);
	free(tv->rows);
	free(tv->open);
	memset(tv, 0, sizeof *tv);
}
