/* The key table (see keys.h) and its handlers.  A handler changes view
 * state and returns reaction flags; it never draws (the loop redraws once). */
#include "config.h"

#include "curses.h"
#include "keys.h"
#include "panes.h"
#include "tui.h"

static unsigned k_up(struct app *a, int key) { return view_move(a, -1); }
static unsigned k_down(struct app *a, int key) { return view_move(a, 1); }
static unsigned k_pgup(struct app *a, int key) { return view_move(a, -(long)MAX(a->page - 1, 1)); }
static unsigned k_pgdn(struct app *a, int key) { return view_move(a, MAX(a->page - 1, 1)); }
static unsigned k_home(struct app *a, int key) { return view_move_to(a, false); }
static unsigned k_end(struct app *a, int key) { return view_move_to(a, true); }

static unsigned k_next_pane(struct app *a, int key)
{
	size_t n;

	panes_all(&n);
	return view_select_pane(a, (a->pane + (key == KEYS_FN(KEY_BTAB) ? n - 1 : 1)) % n);
}

static unsigned k_pane(struct app *a, int key)
{
	return view_select_pane(a, (size_t)(key - '1'));
}

static unsigned k_drill(struct app *a, int key)
{
	struct pane_state *ps = view_pane_state(a);
	const struct pane *p = view_pane(a);
	int64_t func;
	uint64_t row_key;
	enum tui_drill dr;

	if (!ps || (!p->func && p->drill == TUI_DRILL_NONE) || ps->cursor >= ps->nrows) {
		app_status(a, THEME_STATUS, "nothing to drill into here");
		return TUI_REDRAW;
	}
	if (p->drill != TUI_DRILL_NONE)
		return tree_open_sites(a, p->drill, p->id(a, ps->rows[ps->cursor]));
	if (p->drill_of && (dr = p->drill_of(a, ps->rows[ps->cursor], &row_key)) != TUI_DRILL_NONE)
		return tree_open_sites(a, dr, row_key);
	func = p->func(a, ps->rows[ps->cursor]);
	if (func < 0 && p->drill_of) {
		app_status(a, THEME_STATUS, "no call stacks behind this row");
		return TUI_REDRAW;
	}
	if (func < 0)
		return TUI_NONE;
	return tree_open(a, (uint32_t)func);
}

static unsigned k_reroot(struct app *a, int key) { return tree_reroot(a); }
static unsigned k_back(struct app *a, int key) { return tree_back(a); }
static unsigned k_open(struct app *a, int key) { return tree_expand(a, 1); }
static unsigned k_close(struct app *a, int key) { return tree_expand(a, 0); }

static unsigned k_clear(struct app *a, int key)
{
	if (!a->filter)
		return TUI_NONE;
	return view_set_filter(a, NULL);
}

static unsigned k_filter(struct app *a, int key) { return prompt_open(a, PROMPT_FILTER); }
static unsigned k_search(struct app *a, int key) { return prompt_open(a, PROMPT_SEARCH); }

static unsigned k_next(struct app *a, int key)
{
	if (!a->search[0]) {
		app_status(a, THEME_STATUS, "no search yet: / to search");
		return TUI_REDRAW;
	}
	return view_search(a, a->search, key == 'N' ? -1 : 1, false);
}

static unsigned k_sort(struct app *a, int key) { return view_sort(a, key == '<' ? -1 : 1); }
static unsigned k_invert(struct app *a, int key) { return view_sort_invert(a); }

static unsigned k_window(struct app *a, int key)
{
	if (a->src->loaded) {
		app_status(a, THEME_STATUS, "a saved snapshot holds one window, the one it was saved with");
		return TUI_REDRAW;
	}
	a->window = (a->window + 1) % (int)ARRAY_SIZE(tui_windows);
	if (tui_windows[a->window])
		app_status(a, THEME_STATUS, "window: the last %u s", (unsigned)tui_windows[a->window]);
	else
		app_status(a, THEME_STATUS, "window: everything since the start");
	return TUI_REFRESH | TUI_REDRAW;
}

static unsigned k_freeze(struct app *a, int key)
{
	a->frozen = !a->frozen;
	app_status(a, THEME_STATUS, a->frozen ? "frozen: sampling goes on, the display waits"
					     : "live again");
	return a->frozen ? TUI_REDRAW : TUI_REFRESH | TUI_REDRAW;
}

static unsigned k_split(struct app *a, int key) { return view_toggle_split(a); }
static unsigned k_baseline(struct app *a, int key) { return baseline_toggle(a); }
static unsigned k_json(struct app *a, int key) { return view_export(a, VIEW_FILE_JSON); }
static unsigned k_folded(struct app *a, int key) { return view_export(a, VIEW_FILE_FOLDED); }

static unsigned k_svg(struct app *a, int key) { return view_export(a, VIEW_FILE_SVG); }

static unsigned k_help(struct app *a, int key)
{
	a->help = true;
	a->help_top = 0;
	return TUI_REDRAW;
}

static unsigned k_theme(struct app *a, int key) { return view_next_theme(a); }
static unsigned k_redraw(struct app *a, int key) { return TUI_CLEAR | TUI_REDRAW; }
static unsigned k_quit(struct app *a, int key) { return TUI_QUIT; }

#define F(k) KEYS_FN(k)

static const struct key_binding key_table[] = {
	{ F(KEY_UP), "Up", KEYS_GLOBAL, "move up", k_up, NULL },
	{ 'k', "k", KEYS_GLOBAL, NULL, k_up, NULL },
	{ F(KEY_DOWN), "Down", KEYS_GLOBAL, "move down", k_down, NULL },
	{ 'j', "j", KEYS_GLOBAL, NULL, k_down, NULL },
	{ F(KEY_PPAGE), "PgUp", KEYS_GLOBAL, "page up", k_pgup, NULL },
	{ F(KEY_NPAGE), "PgDn", KEYS_GLOBAL, "page down", k_pgdn, NULL },
	{ F(KEY_HOME), "Home", KEYS_GLOBAL, "first row", k_home, NULL },
	{ 'g', "g", KEYS_GLOBAL, NULL, k_home, NULL },
	{ F(KEY_END), "End", KEYS_GLOBAL, "last row", k_end, NULL },
	{ 'G', "G", KEYS_GLOBAL, NULL, k_end, NULL },
	{ '\t', "Tab", KEYS_GLOBAL, "next pane", k_next_pane, NULL },
	{ F(KEY_BTAB), "Shift-Tab", KEYS_GLOBAL, "previous pane", k_next_pane, NULL },
	{ '1', "1", KEYS_GLOBAL, "CPU pane", k_pane, NULL },
	{ '2', "2", KEYS_GLOBAL, "Threads pane", k_pane, NULL },
	{ '3', "3", KEYS_GLOBAL, "Allocations pane", k_pane, NULL },
	{ '4', "4", KEYS_GLOBAL, "I/O pane", k_pane, NULL },
	{ '5', "5", KEYS_GLOBAL, "Locks pane", k_pane, NULL },
	{ '6', "6", KEYS_GLOBAL, "Findings pane", k_pane, NULL },

	{ '\n', "Enter", KEYS_TABLE, "drill down: callers and callees of the selected function "
	  "(Locks: the stacks waiting on the lock; I/O: the stacks doing the fd's I/O; "
	  "Allocations: the stacks holding the site's memory; Findings: a lock's waiting stacks, "
	  "else the finding's function)",
	  k_drill, NULL },
	{ '\r', "Enter", KEYS_TABLE, NULL, k_drill, NULL },
	{ F(KEY_ENTER), "Enter", KEYS_TABLE, NULL, k_drill, NULL },
	{ KEYS_ESC, "Esc", KEYS_TABLE, "clear the filter", k_clear, NULL },
	{ '<', "<", KEYS_TABLE, "sort by the column to the left", k_sort, NULL },
	{ '>', ">", KEYS_TABLE, "sort by the column to the right", k_sort, NULL },
	{ F(KEY_F(6)), "F6", KEYS_TABLE, NULL, k_sort, "SortBy" },
	{ 'I', "I", KEYS_TABLE, "invert the sort order", k_invert, NULL },

	{ '\n', "Enter", KEYS_TREE, "re-root the trees at the selected function (over the same "
	  "stacks: CPU samples, lock waits, I/O or memory)", k_reroot, NULL },
	{ '\r', "Enter", KEYS_TREE, NULL, k_reroot, NULL },
	{ F(KEY_ENTER), "Enter", KEYS_TREE, NULL, k_reroot, NULL },
	{ F(KEY_BACKSPACE), "Backspace", KEYS_TREE, "back to the previous function, or the table",
	  k_back, NULL },
	{ 127, "Backspace", KEYS_TREE, NULL, k_back, NULL },
	{ KEYS_CTRL('h'), "Ctrl-H", KEYS_TREE, NULL, k_back, NULL },
	{ KEYS_ESC, "Esc", KEYS_TREE, NULL, k_back, "Back" },
	{ '+', "+", KEYS_TREE, "expand the node", k_open, NULL },
	{ F(KEY_RIGHT), "Right", KEYS_TREE, NULL, k_open, NULL },
	{ 'l', "l", KEYS_TREE, NULL, k_open, NULL },
	{ '-', "-", KEYS_TREE, "collapse the node (again: go to its parent)", k_close, NULL },
	{ F(KEY_LEFT), "Left", KEYS_TREE, NULL, k_close, NULL },
	{ 'h', "h", KEYS_TREE, NULL, k_close, NULL },

	{ '\\', "\\", KEYS_GLOBAL, "filter: keep rows matching a regex (function, thread, lock or file names; "
	  "tree: stacks)", k_filter,
	  "Filter" },
	{ '/', "/", KEYS_GLOBAL, "search for text in the names", k_search, "Search" },
	{ 'n', "n", KEYS_GLOBAL, "next match", k_next, NULL },
	{ 'N', "N", KEYS_GLOBAL, "previous match", k_next, NULL },
	{ 'w', "w", KEYS_GLOBAL, "time window: last 5 s, last 60 s, everything (CPU, threads, "
	  "memory trends and allocation rates; locks and I/O count from the start)", k_window, "Window" },
	{ 'p', "p", KEYS_GLOBAL, "freeze the display (sampling goes on)", k_freeze, "Freeze" },
	{ ' ', "Space", KEYS_GLOBAL, NULL, k_freeze, NULL },
	{ 't', "t", KEYS_GLOBAL, "CPU pane split by thread: a row per thread and function "
	  "(perf top --sort tid,sym); again: not split", k_split, NULL },
	{ 'b', "b", KEYS_GLOBAL, "baseline: keep the CPU shares shown now; the view then shows "
	  "what came after, the CPU pane each function's change (REGRESSION, WARNING, "
	  "IMPROVED as --diff says them), Locks and I/O the wait and bytes since b; again: clear",
	  k_baseline, NULL },
	{ 'e', "e", KEYS_GLOBAL, "write a JSON snapshot to kprof-PID-TIME.json", k_json, "JSON" },
	{ 'f', "f", KEYS_GLOBAL, "write folded stacks to kprof-PID-TIME.folded", k_folded, "Folded" },
	{ 's', "s", KEYS_GLOBAL, "write the pane's flame graph (SVG, in the theme's colours) to "
	  "kprof-PID-TIME-VIEW.svg: cpu (CPU, Threads), alloc, io or locks", k_svg, NULL },
	{ F(KEY_F(1)), "F1", KEYS_GLOBAL, "this help", k_help, "Help" },
	{ '?', "?", KEYS_GLOBAL, NULL, k_help, NULL },
	{ 'T', "T", KEYS_GLOBAL, "next colour theme (default, light, mono, high-contrast)", k_theme,
	  NULL },
	{ KEYS_CTRL('l'), "Ctrl-L", KEYS_GLOBAL, "redraw the screen", k_redraw, NULL },
	{ 'q', "q", KEYS_GLOBAL, "quit (the target runs on)", k_quit, NULL },
	{ F(KEY_F(10)), "F10", KEYS_GLOBAL, NULL, k_quit, "Quit" },
};

#undef F

const struct key_binding *keys_table(size_t *n)
{
	*n = ARRAY_SIZE(key_table);
	return key_table;
}

const char *keys_ctx_name(enum keys_ctx ctx)
{
	switch (ctx) {
	case KEYS_GLOBAL:
		return "Everywhere";
	case KEYS_TABLE:
		return "In a table";
	case KEYS_TREE:
		return "In the drill-down tree";
	}
	return "?";
}

const char *keys_help(size_t index)
{
	while (index > 0 && !key_table[index].help)
		index--;
	return key_table[index].help;
}

unsigned keys_dispatch(struct app *a, int key, bool *found)
{
	enum keys_ctx here = a->tree.active ? KEYS_TREE : KEYS_TABLE;

	*found = false;
	if (a->help) {
		*found = true;
		return help_key(a, key);
	}
	if (a->prompt.mode != PROMPT_NONE) {
		*found = true;
		return prompt_key(a, key);
	}
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < ARRAY_SIZE(key_table); i++) {
			const struct key_binding *b = &key_table[i];
			if (b->key == key && b->ctx == (pass ? KEYS_GLOBAL : here)) {
				unsigned react = b->fn(a, key);
				*found = true;
				/* Whatever the key changed, the next copy holds what
				 * the view now shows. */
				return react | view_want(a);
			}
		}
	return TUI_NONE;
}
