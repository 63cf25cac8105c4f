/* The key table and the view logic behind it, with no terminal: every
 * binding dispatches in its context and has help, no key is bound twice in
 * one context, and the main paths work on a synthetic model (drill-down and
 * back, re-root, filter with a bad pattern, search, sort, window, freeze,
 * export, the per-thread split, the threads' hottest functions). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "analysis/model.h"
#include "tui/curses.h"
#include "tui/keys.h"
#include "tui/panes.h"
#include "tui/tui.h"

struct fixture {
	struct model *m;
	pthread_mutex_t lock;
	struct tui_source src;
	struct app a;
	char dir[64], cwd[4096];
	uint32_t main_, work, leaf_hot, leaf_cold;
};

static bool fx_finished(void *ctx) { return true; }
static void fx_stop(void *ctx) { }

static void fx_add(struct fixture *fx, uint64_t t, uint32_t tid, const uint32_t *fr, uint32_t n, uint64_t w)
{
	model_add_stack(fx->m, t, tid, fr, n, w);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);

	fx->m = model_new(300);
	fx->main_ = funcs_intern(fx->m->funcs, "main", "prog");
	fx->work = funcs_intern(fx->m->funcs, "worker", "prog");
	fx->leaf_hot = funcs_intern(fx->m->funcs, "leaf_hot", "prog");
	fx->leaf_cold = funcs_intern(fx->m->funcs, "leaf_cold", "libc.so.6");
	for (uint64_t s = 1; s <= 10; s++) {
		uint64_t t = s * 1000000000ULL;
		fx_add(fx, t, 100, (uint32_t[]){ fx->main_, fx->work, fx->leaf_hot }, 3, 7);
		fx_add(fx, t, 101, (uint32_t[]){ fx->main_, fx->work, fx->leaf_cold }, 3, 3);
		fx_add(fx, t, 101, (uint32_t[]){ fx->main_, fx->leaf_cold }, 2, 1);
	}
	threads_set_name(fx->m->threads, 100, "hot-thread");
	threads_set_name(fx->m->threads, 101, "cold-thread");
	fx->m->target.pid = 4242;
	snprintf(fx->m->target.command, sizeof fx->m->target.command, "prog --work");
	pthread_mutex_init(&fx->lock, NULL);
	fx->src = (struct tui_source){ .model = fx->m, .lock = &fx->lock, .finished = fx_finished,
				       .stop = fx_stop, .pid = 4242, .frequency = 99, .delay = 1 };
	fx->a.src = &fx->src;
	fx->a.page = 10;
	fx->a.window = 2;   /* everything */
	view_init(&fx->a);
	tui_data_take(&fx->a.data[0], NULL, &fx->src, tui_windows[fx->a.window]);
	view_update(&fx->a);
	/* Exports land in a directory of our own. */
	assert_non_null(getcwd(fx->cwd, sizeof fx->cwd));
	snprintf(fx->dir, sizeof fx->dir, "/tmp/kprof-test-keys.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	assert_int_equal(chdir(fx->dir), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	assert_int_equal(chdir(fx->cwd), 0);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
	assert_int_equal(system(cmd), 0);
	view_fini(&fx->a);
	tui_data_fini(&fx->a.data[0]);
	tui_data_fini(&fx->a.data[1]);
	model_free(fx->m);
	pthread_mutex_destroy(&fx->lock);
	free(fx);
	return 0;
}

/* A new copy of the model, as the loop's refresh takes it. */
static void take_copy(struct app *a)
{
	int next = !a->cur;

	a->data[next].per_thread = view_wants_threads(a);
	tui_data_take(&a->data[next], &a->data[a->cur], a->src, tui_windows[a->window]);
	a->cur = next;
}

static unsigned press(struct app *a, int key)
{
	bool found;
	unsigned r = keys_dispatch(a, key, &found);

	assert_true(found);
	if (r & (TUI_REFRESH | TUI_RECOMPUTE)) {
		if (r & TUI_REFRESH)
			take_copy(a);
		view_update(a);
	}
	return r;
}

static void type(struct app *a, const char *s)
{
	for (; *s; s++)
		press(a, (unsigned char)*s);
}

static const char *selected_func(struct app *a)
{
	struct pane_state *ps = view_pane_state(a);
	return tui_data_func_name(app_data(a), app_data(a)->hot[ps->rows[ps->cursor]].func);
}

static void test_every_binding(void **state)
{
	struct fixture *fx = *state;
	struct app *a = &fx->a;
	size_t n;
	const struct key_binding *k = keys_table(&n);

	assert_true(n > 30);
	for (size_t i = 0; i < n; i++) {
		unsigned r;
		assert_non_null(k[i].name);
		assert_true(k[i].name[0]);
		assert_non_null(keys_help(i));
		assert_true(strlen(keys_help(i)) > 3);
		assert_non_null(k[i].fn);
		/* One meaning per key in each context. */
		for (size_t j = 0; j < i; j++)
			assert_false(k[j].key == k[i].key && k[j].ctx == k[i].ctx);

		a->help = false;
		a->prompt.mode = PROMPT_NONE;
		a->pane = 0;
		if (k[i].ctx == KEYS_TREE) {
			if (!a->tree.active)
				tree_open(a, fx->leaf_cold);
		} else {
			a->tree.active = false;
		}
		r = press(a, k[i].key);
		if (k[i].key == 'q' || k[i].key == KEYS_FN(KEY_F(10)))
			assert_true(r & TUI_QUIT);
		else
			assert_false(r & TUI_QUIT);
	}
	a->help = false;
	a->prompt.mode = PROMPT_NONE;
}

static void test_drill_down(void **state)
{
	struct fixture *fx = *state;
	struct app *a = &fx->a;

	/* Sorted by self: leaf_hot (70) first. */
	assert_string_equal(selected_func(a), "leaf_hot");
	press(a, KEYS_FN(KEY_DOWN));
	assert_string_equal(selected_func(a), "leaf_cold");
	press(a, '\n');
	assert_true(a->tree.active);
	assert_int_equal(a->tree.focus, fx->leaf_cold);
	/* Callers open on the heaviest path: leaf_cold < worker < main, and
	 * leaf_cold < main; callees: just leaf_cold. */
	assert_string_equal(tree_row_label(a, 0), "leaf_cold");
	assert_string_equal(tree_row_label(a, 1), "worker");
	assert_int_equal(tree_row_node(a, 1)->total, 30);
	assert_string_equal(tree_row_label(a, 2), "main");
	assert_string_equal(tree_row_label(a, 3), "main");
	assert_int_equal(tree_row_node(a, 3)->total, 10);
	assert_int_equal(a->tree.ncaller_rows, 4);
	assert_int_equal(a->tree.nrows, 5);

	/* Collapse worker: its caller row goes; collapse again: to the parent. */
	press(a, KEYS_FN(KEY_DOWN));
	press(a, '-');
	assert_int_equal(a->tree.nrows, 4);
	press(a, '-');
	assert_int_equal(a->tree.cursor, 0);
	press(a, KEYS_FN(KEY_DOWN));
	press(a, '+');
	assert_int_equal(a->tree.nrows, 5);

	/* Re-root at worker: its callees are leaf_hot and leaf_cold. */
	press(a, '\r');
	assert_int_equal(a->tree.focus, fx->work);
	assert_int_equal(a->tree.nback, 1);
	size_t callee_root = a->tree.ncaller_rows;
	assert_string_equal(tree_row_label(a, callee_root), "worker");
	assert_string_equal(tree_row_label(a, callee_root + 1), "leaf_hot");
	assert_string_equal(tree_row_label(a, callee_root + 2), "leaf_cold");

	/* Back to leaf_cold, back to the table. */
	press(a, 127);
	assert_int_equal(a->tree.focus, fx->leaf_cold);
	press(a, KEYS_ESC);
	assert_false(a->tree.active);
	assert_string_equal(selected_func(a), "leaf_cold");
}

static void test_filter_and_search(void **state)
{
	struct fixture *fx = *state;
	struct app *a = &fx->a;
	struct pane_state *ps = &a->panes[0];

	assert_int_equal(ps->nrows, 4);
	press(a, '\\');
	assert_int_equal(a->prompt.mode, PROMPT_FILTER);
	type(a, "^leaf");
	assert_int_equal(ps->nrows, 2);   /* as you type */
	press(a, '(');
	assert_non_null(strstr(a->status, "missing closing parenthesis"));
	assert_int_equal(ps->nrows, 2);   /* the last good filter stays */
	press(a, '\n');
	assert_int_equal(a->prompt.mode, PROMPT_FILTER);   /* not with a bad pattern */
	press(a, 127);
	press(a, '\n');
	assert_int_equal(a->prompt.mode, PROMPT_NONE);
	assert_int_equal(ps->nrows, 2);

	/* In the tree, only stacks with a match count. */
	press(a, '\n');
	assert_true(a->tree.active);
	press(a, KEYS_ESC);

	/* Threads: the filter applies to names. */
	press(a, '2');
	assert_int_equal(a->panes[1].nrows, 0);
	press(a, KEYS_ESC);   /* clears the filter */
	assert_int_equal(a->panes[1].nrows, 2);
	press(a, '1');
	assert_int_equal(ps->nrows, 4);

	/* Esc in the prompt restores the filter from before. */
	press(a, '\\');
	type(a, "main");
	assert_int_equal(ps->nrows, 1);
	press(a, KEYS_ESC);
	assert_int_equal(ps->nrows, 4);

	/* Search: incremental, then n/N wrap around. */
	press(a, '/');
	type(a, "LEAF");
	assert_string_equal(selected_func(a), "leaf_hot");
	press(a, '\n');
	press(a, 'n');
	assert_string_equal(selected_func(a), "leaf_cold");
	press(a, 'n');
	assert_string_equal(selected_func(a), "leaf_hot");
	press(a, 'N');
	assert_string_equal(selected_func(a), "leaf_cold");
	press(a, '/');
	type(a, "nope");
	assert_non_null(strstr(a->status, "not found"));
	press(a, KEYS_ESC);
	assert_string_equal(selected_func(a), "leaf_cold");
}

static void test_sort_window_freeze_export(void **state)
{
	struct fixture *fx = *state;
	struct app *a = &fx->a;
	struct pane_state *ps = &a->panes[0];
	FILE *f;
	char path[200], line[256];

	/* TOTAL%: main and worker lead. */
	press(a, '>');
	assert_int_equal(ps->sort_col, 1);
	press(a, KEYS_FN(KEY_HOME));
	assert_string_equal(selected_func(a), "main");
	press(a, 'I');
	press(a, KEYS_FN(KEY_HOME));
	assert_string_equal(selected_func(a), "leaf_cold");
	press(a, '<');
	press(a, '<');   /* wraps to MODULE, ascending */
	assert_string_equal(pane_cpu.cols[ps->sort_col].title, "MODULE");
	press(a, KEYS_FN(KEY_HOME));
	assert_string_equal(selected_func(a), "leaf_cold");   /* libc.so.6 < prog */

	assert_int_equal(a->window, 2);
	assert_true(press(a, 'w') & TUI_REFRESH);
	assert_int_equal(a->window, 0);
	assert_int_equal(app_data(a)->window_secs, 5);

	press(a, 'p');
	assert_true(a->frozen);
	press(a, ' ');
	assert_false(a->frozen);

	press(a, 'e');
	assert_non_null(strstr(a->status, "wrote kprof-4242-"));
	snprintf(path, sizeof path, "%s", strstr(a->status, "kprof-"));
	assert_non_null(strstr(path, ".json"));
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof line, f));
	assert_non_null(strstr(line, "{"));
	fclose(f);
	press(a, 'f');
	assert_non_null(strstr(a->status, ".folded"));
	f = fopen(strstr(a->status, "kprof-"), "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof line, f));
	assert_non_null(strstr(line, "main;"));
	fclose(f);

	/* An export that can't be written says why. */
	assert_int_equal(chmod(".", 0500), 0);
	if (access(".", W_OK) != 0) {   /* root can write anyway */
		press(a, 'e');
		assert_null(strstr(a->status, "wrote"));
	}
	assert_int_equal(chmod(".", 0700), 0);
}

/* The text of the selected row's cell in the column titled title. */
static const char *selected_cell(struct app *a, const char *title)
{
	static char buf[256];
	struct pane_state *ps = view_pane_state(a);
	const struct pane *p = view_pane(a);
	enum theme_slot slot;

	for (int c = 0; c < p->ncols; c++)
		if (!strcmp(p->cols[c].title, title)) {
			p->cell(a, ps->rows[ps->cursor], c, buf, sizeof buf, &slot);
			return buf;
		}
	fail_msg("no column %s", title);
	return NULL;
}

static int col_of(const struct pane *p, const char *title)
{
	for (int c = 0; c < p->ncols; c++)
		if (!strcmp(p->cols[c].title, title))
			return c;
	return -1;
}

/* t: a row per (thread, function), the tid and thread name shown, the
 * sparkline hidden; the cursor stays on its function both ways; shares stay
 * of all samples, so a function's rows add up to its unsplit row. */
static void test_split(void **state)
{
	struct fixture *fx = *state;
	struct app *a = &fx->a;
	struct pane_state *ps = &a->panes[0];

	/* Per-thread rows are copied only when something shows them. */
	assert_false(app_data(a)->per_thread);
	assert_int_equal(app_data(a)->nthot, 0);
	assert_int_equal(ps->nrows, 4);

	press(a, KEYS_FN(KEY_DOWN));
	assert_string_equal(selected_func(a), "leaf_cold");
	assert_true(press(a, 't') & TUI_REFRESH);
	assert_true(a->split);
	assert_true(app_data(a)->per_thread);
	/* hot-thread: leaf_hot, worker, main; cold-thread: leaf_cold, worker, main. */
	assert_int_equal(ps->nrows, 6);
	assert_string_equal(tui_data_func_name(app_data(a),
					       app_data(a)->thot[ps->rows[ps->cursor]].func), "leaf_cold");
	assert_string_equal(selected_cell(a, "TID"), "101");
	assert_string_equal(selected_cell(a, "THREAD"), "cold-thread");
	assert_string_equal(selected_cell(a, "SELF%"), "36.36");   /* 40 of 110 */
	assert_false(panes_col_shown(a, &pane_cpu, col_of(&pane_cpu, "LAST 60s")));
	assert_true(panes_col_shown(a, &pane_cpu, col_of(&pane_cpu, "TID")));
	press(a, KEYS_FN(KEY_HOME));
	assert_string_equal(selected_cell(a, "FUNCTION"), "leaf_hot");
	assert_string_equal(selected_cell(a, "THREAD"), "hot-thread");
	assert_string_equal(selected_cell(a, "SAMPLES"), "70");

	/* Sorting steps over the hidden sparkline: SELF > TOTAL > SAMPLES > TID. */
	press(a, '>');
	press(a, '>');
	press(a, '>');
	assert_string_equal(pane_cpu.cols[ps->sort_col].title, "TID");
	press(a, KEYS_FN(KEY_END));
	assert_string_equal(selected_cell(a, "TID"), "101");
	/* The filter is on function names, as unsplit. */
	press(a, '\\');
	type(a, "cold");
	press(a, '\n');
	assert_int_equal(ps->nrows, 1);
	press(a, KEYS_ESC);
	assert_int_equal(ps->nrows, 6);

	/* Enter drills into the function over every thread. */
	press(a, '/');
	type(a, "leaf_cold");
	press(a, '\n');
	press(a, '\n');
	assert_true(a->tree.active);
	assert_int_equal(a->tree.focus, fx->leaf_cold);
	press(a, KEYS_ESC);

	/* Back: the cursor stays on leaf_cold; a sort by a column that is gone
	 * returns to the default. */
	press(a, 't');
	assert_false(a->split);
	assert_int_equal(ps->nrows, 4);
	assert_string_equal(selected_func(a), "leaf_cold");
	assert_string_equal(pane_cpu.cols[ps->sort_col].title, "SELF%");

	/* A stack run by both threads: its rows add up to the function's. */
	model_add_stack(fx->m, 10 * 1000000000ULL, 101,
			(uint32_t[]){ fx->main_, fx->work, fx->leaf_hot }, 3, 5);
	press(a, 't');
	take_copy(a);
	view_update(a);
	uint64_t hot_self = 0;
	for (size_t i = 0; i < app_data(a)->nthot; i++)
		if (app_data(a)->thot[i].func == fx->leaf_hot)
			hot_self += app_data(a)->thot[i].self;
	assert_int_equal(hot_self, 75);
	assert_int_equal(ps->nrows, 7);
	/* From another pane, t shows the CPU pane. */
	press(a, '2');
	press(a, 't');
	assert_int_equal(a->pane, 0);
	assert_false(a->split);
}

/* The threads pane's hottest function: most self samples on the thread in
 * the window; Enter drills into it. */
static void test_threads_hottest(void **state)
{
	struct fixture *fx = *state;
	struct app *a = &fx->a;
	struct pane_state *ps = &a->panes[1];

	assert_true(press(a, '2') & TUI_REFRESH);
	assert_true(app_data(a)->per_thread);
	assert_int_equal(ps->nrows, 2);
	for (size_t r = 0; r < ps->nrows; r++) {
		const struct tui_thread *t = &app_data(a)->threads[ps->rows[r]];
		assert_true(t->has_hot);
		assert_string_equal(tui_data_func_name(app_data(a), t->hot_func),
				    t->tid == 100 ? "leaf_hot" : "leaf_cold");
	}
	/* The cold thread turns to leaf_hot in the last 5 s. */
	for (uint64_t s = 11; s <= 20; s++)
		model_add_stack(fx->m, s * 1000000000ULL, 101,
				(uint32_t[]){ fx->main_, fx->work, fx->leaf_hot }, 3, 20);
	press(a, 'w');   /* last 5 s */
	for (size_t r = 0; r < ps->nrows; r++) {
		const struct tui_thread *t = &app_data(a)->threads[ps->rows[r]];
		if (t->tid == 101)
			assert_string_equal(tui_data_func_name(app_data(a), t->hot_func), "leaf_hot");
		else
			assert_false(t->has_hot);   /* nothing of it in the window */
	}
	ps->cursor = 0;
	while (app_data(a)->threads[ps->rows[ps->cursor]].tid != 101)
		ps->cursor++;
	assert_string_equal(selected_cell(a, "HOTTEST FUNCTION"), "leaf_hot");
	press(a, '\n');
	assert_true(a->tree.active);
	assert_int_equal(a->tree.focus, fx->leaf_hot);
	press(a, KEYS_ESC);
	ps->cursor = ps->cursor ? 0 : 1;
	assert_string_equal(selected_cell(a, "HOTTEST FUNCTION"), "-");
}

static void test_mouse(void **state)
{
	struct fixture *fx = *state;
	struct app *a = &fx->a;
	char label[64];

	a->body = (struct rect){ 5, 0, 20, 100 };   /* tabs on line 4 */
	view_tab_label(0, label, sizeof label);
	view_click(a, 4, (int)strlen(label) + 2, 1);   /* inside " 2 Threads " */
	assert_int_equal(a->pane, 1);
	view_click(a, 4, 0, 1);
	assert_int_equal(a->pane, 0);
	/* Line 6 is the first row (5 holds the column titles). */
	view_click(a, 7, 10, 1);
	assert_string_equal(selected_func(a), "leaf_cold");
	view_click(a, 5, 10, 1);   /* the titles: nothing */
	view_click(a, 30, 10, 1);  /* below the rows: nothing */
	assert_string_equal(selected_func(a), "leaf_cold");
	view_click(a, 0, 0, 5);    /* the wheel scrolls the cursor */
	assert_int_equal(a->panes[0].cursor, 3);
	view_click(a, 0, 0, 4);
	assert_int_equal(a->panes[0].cursor, 0);
	view_click(a, 6, 10, 1);   /* a press on the selected row: Enter */
	assert_true(a->tree.active);
	assert_int_equal(a->tree.focus, fx->leaf_hot);
	view_click(a, 8, 10, 1);   /* tree rows start a line lower */
	assert_int_equal(a->tree.cursor, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_binding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drill_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_and_search, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sort_window_freeze_export, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mouse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads_hottest, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
