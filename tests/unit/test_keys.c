/* The key table and the view logic behind it, with no terminal: every
 * binding dispatches in its context and has help, no key is bound twice in
 * one context, and the main paths work on a synthetic model (drill-down and
 * back, re-root, filter with a bad pattern, search, sort, window, freeze,
 * export, the per-thread split, the threads' hottest functions, the Locks,
 * I/O and Allocations panes and their drill-downs into call sites). */
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
	a->data[next].want = view_data_want(a);
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

/* A filter (the \ key) or a search (/) typed and confirmed with Enter. */
static void filter_rows(struct app *a, const char *text)
{
	press(a, '\\');
	type(a, text);
	press(a, '\n');
}

static void search_rows(struct app *a, const char *text)
{
	press(a, '/');
	type(a, text);
	press(a, '\n');
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
	filter_rows(a, "cold");
	assert_int_equal(ps->nrows, 1);
	press(a, KEYS_ESC);
	assert_int_equal(ps->nrows, 6);

	/* Enter drills into the function over every thread. */
	search_rows(a, "leaf_cold");
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

/* Locks and I/O: a futex call or an I/O call as the tracepoints pair them. */
static void fx_call(struct fixture *fx, uint32_t tid, int32_t nr, uint64_t a0, uint64_t a1,
		    int64_t ret, uint64_t at_ms, uint64_t ms, const uint32_t *fr, uint32_t n)
{
	struct syscall_call c = {
		.tid = tid, .nr = nr, .args = { a0, a1 }, .ret = ret,
		.enter_ns = at_ms * 1000000ULL, .exit_ns = (at_ms + ms) * 1000000ULL,
		.stack = n ? stacks_intern(fx->m->stacks, fr, n) : SYSCALLS_NO_STACK,
		.stack_weight = 1,
	};

	if (nr == SYSCALLS_FUTEX) {
		struct lock_info *li = locks_add_call(fx->m->locks, &c);
		assert_non_null(li);
		/* The ingest step names a lock on first sight. */
		if (!li->name[0])
			snprintf(li->name, sizeof li->name, "%s",
				 a0 == 0x1000 ? "g_ledger" : a0 == 0x2000 ? "pool_cv" : "g_small");
	} else {
		io_add_call(fx->m->io, &c);
	}
}

/* g_ledger: a mutex, 500 ms of waits from two call sites (worker 400,
 * main 100); pool_cv: a condvar, 300 ms of idle waiting; g_small: 10 ms.
 * fd 3 /data/out.log written 3 MiB, fd 4 a socket read 1 KiB then closed. */
static void fx_locks_io(struct fixture *fx)
{
	uint32_t lockf = funcs_intern(fx->m->funcs, "pthread_mutex_lock", "libc.so.6");
	uint32_t condf = funcs_intern(fx->m->funcs, "pthread_cond_wait", "libc.so.6");
	uint32_t writef = funcs_intern(fx->m->funcs, "write", "libc.so.6");
	const uint32_t w_lock[] = { fx->main_, fx->work, lockf }, m_lock[] = { fx->main_, lockf };
	const uint32_t w_cond[] = { fx->main_, fx->work, condf }, w_write[] = { fx->main_, fx->work, writef };

	fx_call(fx, 100, SYSCALLS_FUTEX, 0x1000, 128, 0, 1000, 250, w_lock, 3);
	fx_call(fx, 101, SYSCALLS_FUTEX, 0x1000, 128, 0, 1100, 150, w_lock, 3);
	fx_call(fx, 101, SYSCALLS_FUTEX, 0x1000, 128, 0, 1300, 100, m_lock, 2);
	fx_call(fx, 100, SYSCALLS_FUTEX, 0x1000, 129, 1, 1400, 0, NULL, 0);   /* a wake */
	fx_call(fx, 101, SYSCALLS_FUTEX, 0x2000, 137, 0, 2000, 300, w_cond, 3);
	fx_call(fx, 100, SYSCALLS_FUTEX, 0x3000, 128, 0, 3000, 10, m_lock, 2);
	io_set_fd_name(fx->m->io, 3, "/data/out.log", 1000000000ULL);
	io_set_fd_name(fx->m->io, 4, "socket:[123]", 1000000000ULL);
	for (int i = 0; i < 3; i++)
		fx_call(fx, 100, SYSCALLS_WRITE, 3, 0, 1 << 20, 4000 + (uint64_t)i, 1, w_write, 3);
	fx_call(fx, 101, SYSCALLS_READ, 4, 0, 1024, 5000, 2, NULL, 0);
	fx_call(fx, 101, SYSCALLS_CLOSE, 4, 0, 0, 5100, 0, NULL, 0);
	io_add_thread_reading(fx->m->io, 100, 1000000000ULL, 0, 0, 0, 0);
	io_add_thread_reading(fx->m->io, 100, 2000000000ULL, 4096, 2 << 20, 0, 1 << 20);
	snprintf(fx->m->target.locks_mode, sizeof fx->m->target.locks_mode, "traced");
	snprintf(fx->m->target.io_mode, sizeof fx->m->target.io_mode, "counters");
}

static const char *cell_of(struct app *a, size_t row, const char *title)
{
	static char buf[256];
	struct pane_state *ps = view_pane_state(a);
	const struct pane *p = view_pane(a);
	enum theme_slot slot;

	for (int c = 0; c < p->ncols; c++)
		if (!strcmp(p->cols[c].title, title)) {
			p->cell(a, ps->rows[row], c, buf, sizeof buf, &slot);
			return buf;
		}
	fail_msg("no column %s", title);
	return NULL;
}

/* The Locks pane: copied only while shown, heaviest wait first, condvars
 * dim, filter and sort on it, Enter opens the lock's call sites as the
 * callers of the lock weighted by wait, Backspace comes back. */
static void test_locks_pane(void **state)
{
	struct fixture *fx = *state;
	struct app *a = &fx->a;
	struct pane_state *ps = &a->panes[4];
	enum theme_slot slot;
	int col_kind = -1;

	fx_locks_io(fx);
	take_copy(a);
	view_update(a);
	assert_false(app_data(a)->got.locks);
	assert_int_equal(app_data(a)->nlocks, 0);
	assert_true(press(a, '5') & TUI_REFRESH);
	assert_ptr_equal(view_pane(a), &pane_locks);
	assert_true(app_data(a)->got.locks);
	assert_int_equal(ps->nrows, 3);
	assert_string_equal(cell_of(a, 0, "LOCK"), "g_ledger");
	assert_string_equal(cell_of(a, 0, "TOTAL WAIT"), "500.0 ms");
	assert_string_equal(cell_of(a, 0, "WAITS"), "3");
	assert_string_equal(cell_of(a, 0, "THREADS"), "2");
	assert_string_equal(cell_of(a, 0, "WAKES"), "1");
	assert_string_equal(cell_of(a, 0, "KIND"), "mutex");
	assert_non_null(strstr(cell_of(a, 0, "WAIT%"), " %"));
	assert_string_equal(cell_of(a, 1, "LOCK"), "pool_cv");
	assert_string_equal(cell_of(a, 2, "LOCK"), "g_small");
	/* Idle waits are dim whatever their size; contention is not. */
	for (int c = 0; c < pane_locks.ncols; c++)
		if (!strcmp(pane_locks.cols[c].title, "KIND"))
			col_kind = c;
	pane_locks.cell(a, ps->rows[1], 0, (char[64]){ 0 }, 64, &slot);
	assert_int_equal(slot, THEME_COLD);
	pane_locks.cell(a, ps->rows[0], col_kind, (char[64]){ 0 }, 64, &slot);
	assert_int_not_equal(slot, THEME_COLD);

	/* Sort: I inverts, > moves to WAIT%, < back. */
	press(a, 'I');
	assert_string_equal(cell_of(a, 0, "LOCK"), "g_small");
	press(a, '>');
	press(a, '<');
	assert_string_equal(cell_of(a, 0, "LOCK"), "g_ledger");
	/* Filter on lock names; search too. */
	filter_rows(a, "^g_");
	assert_int_equal(ps->nrows, 2);
	press(a, KEYS_ESC);
	assert_int_equal(ps->nrows, 3);
	search_rows(a, "pool");
	assert_string_equal(cell_of(a, ps->cursor, "LOCK"), "pool_cv");
	press(a, KEYS_FN(KEY_HOME));

	/* Enter: the copy brings g_ledger's sites; the tree is its callers. */
	assert_true(press(a, '\n') & TUI_REFRESH);
	assert_true(a->tree.active);
	assert_int_equal(a->tree.src, TUI_DRILL_LOCK);
	assert_int_equal(a->tree.focus, TUI_FUNC_SUBJECT);
	assert_true(tui_data_has_sites(app_data(a), TUI_DRILL_LOCK, 0x1000));
	assert_int_equal(app_data(a)->site_total, 500000000ULL);
	assert_string_equal(tree_row_label(a, 0), "g_ledger");
	assert_int_equal(tree_row_node(a, 0)->total, 500000000ULL);
	assert_string_equal(tree_row_label(a, 1), "pthread_mutex_lock");
	assert_string_equal(tree_row_label(a, 2), "worker");
	assert_int_equal(tree_row_node(a, 2)->total, 400000000ULL);
	assert_string_equal(tree_row_label(a, 3), "main");
	assert_string_equal(tree_row_label(a, 4), "main");
	assert_int_equal(tree_row_node(a, 4)->total, 100000000ULL);
	assert_int_equal(a->tree.nrows, a->tree.ncaller_rows);   /* a lock calls nothing */
	/* Re-root at worker: its callees over the waits lead to the lock. */
	a->tree.cursor = 2;
	press(a, '\n');
	assert_int_equal(a->tree.focus, fx->work);
	assert_int_equal(a->tree.src, TUI_DRILL_LOCK);
	assert_string_equal(tree_row_label(a, a->tree.nrows - 1), "g_ledger");
	press(a, 127);
	assert_int_equal(a->tree.focus, TUI_FUNC_SUBJECT);
	press(a, 127);
	assert_false(a->tree.active);
	assert_int_equal(view_data_want(a).drill, TUI_DRILL_NONE);   /* the sites no longer asked */
	assert_string_equal(cell_of(a, ps->cursor, "LOCK"), "g_ledger");
	/* Back on the CPU pane, Enter drills into functions as before. */
	press(a, '1');
	press(a, '\n');
	assert_int_equal(a->tree.src, TUI_DRILL_NONE);
	assert_string_equal(tree_row_label(a, 0), "leaf_hot");
}

/* The I/O pane: rows per fd with totals, rates from the previous copy,
 * closed rows dim, Enter opens the stacks doing the fd's I/O by bytes. */
static void test_io_pane(void **state)
{
	struct fixture *fx = *state;
	struct app *a = &fx->a;
	struct pane_state *ps = &a->panes[3];
	enum theme_slot slot;

	fx_locks_io(fx);
	assert_true(press(a, '4') & TUI_REFRESH);
	assert_ptr_equal(view_pane(a), &pane_io);
	assert_int_equal(ps->nrows, 2);
	/* By total bytes: the log first. */
	assert_string_equal(cell_of(a, 0, "FILE"), "/data/out.log");
	assert_string_equal(cell_of(a, 0, "TOTAL"), "3.0M");
	assert_string_equal(cell_of(a, 0, "FD"), "3");
	assert_string_equal(cell_of(a, 0, "B/CALL"), "1.0M");
	assert_string_equal(cell_of(a, 0, "TIME IN"), "3.0 ms");
	assert_string_equal(cell_of(a, 0, "WRITE/s"), "-");   /* one copy: no rate yet */
	assert_non_null(strstr(cell_of(a, 1, "FILE"), "socket:[123] (closed)"));
	pane_io.cell(a, ps->rows[1], 0, (char[64]){ 0 }, 64, &slot);
	assert_int_equal(slot, THEME_COLD);
	assert_int_equal(app_data(a)->nio_threads, 1);
	assert_string_equal(app_data(a)->io_threads[0].name, "hot-thread");

	/* A second copy a while later: rates from the difference. */
	fx_call(fx, 100, SYSCALLS_WRITE, 3, 0, 1 << 20, 6000, 1, NULL, 0);
	a->data[a->cur].taken_ns -= 1000000000ULL;   /* as if taken 1 s ago */
	take_copy(a);
	view_update(a);
	assert_string_equal(cell_of(a, 0, "TOTAL"), "4.0M");
	assert_true(app_data(a)->fds[ps->rows[0]].has_rates);
	assert_true(app_data(a)->fds[ps->rows[0]].write_per_s > 900000.0);
	assert_true(app_data(a)->fds[ps->rows[0]].write_per_s < 1100000.0);

	/* Filter on names, sort by name. */
	filter_rows(a, "socket");
	assert_int_equal(ps->nrows, 1);
	press(a, KEYS_ESC);
	press(a, '>');
	press(a, '>');   /* TOTAL > FD > FILE */
	assert_string_equal(pane_io.cols[ps->sort_col].title, "FILE");
	assert_string_equal(cell_of(a, 0, "FD"), "3");   /* "/data" < "socket" */

	/* Enter on the log: write's callers, by bytes. */
	press(a, '\n');
	assert_true(a->tree.active);
	assert_int_equal(a->tree.src, TUI_DRILL_FD);
	assert_string_equal(tree_row_label(a, 0), "/data/out.log");
	assert_int_equal(tree_row_node(a, 0)->total, 3 << 20);   /* the 4th write had no stack */
	assert_string_equal(tree_row_label(a, 1), "write");
	assert_string_equal(tree_row_label(a, 2), "worker");
	press(a, KEYS_ESC);
	assert_false(a->tree.active);
	/* The socket has no stacks: an empty tree, no crash. */
	press(a, KEYS_FN(KEY_END));
	press(a, '\n');
	assert_true(a->tree.active);
	assert_int_equal(a->tree.nrows, 0);
	press(a, KEYS_ESC);
}

/* Allocation sites over 12 s (a leak needs 10): worker's retain_leak
 * keeps 1 MiB a second from one stack and 512 KiB from another (one row:
 * same function and caller); churn allocates 4 MiB a second and frees it
 * at once.  All through malloc in libc, which is not the site. */
static void fx_alloc(struct fixture *fx)
{
	struct model *m = fx->m;
	uint32_t mallocf = funcs_intern(m->funcs, "malloc", "libc.so.6");
	uint32_t retain = funcs_intern(m->funcs, "retain_leak", "prog");
	uint32_t churn = funcs_intern(m->funcs, "churn", "prog");
	uint32_t boot = funcs_intern(m->funcs, "boot", "prog");
	uint32_t sa = stacks_intern(m->stacks, (uint32_t[]){ fx->main_, fx->work, retain, mallocf }, 4);
	uint32_t sb = stacks_intern(m->stacks,
				    (uint32_t[]){ fx->main_, boot, fx->work, retain, mallocf }, 5);
	uint32_t sc = stacks_intern(m->stacks, (uint32_t[]){ fx->main_, fx->work, churn, mallocf }, 4);

	assert_non_null(m->alloc);
	for (uint64_t s = 1; s <= 12; s++) {
		uint64_t t = s * 1000000000ULL;
		alloc_add(m->alloc, t, sa, 0x100000 + s * 64, 1 << 20);
		alloc_add(m->alloc, t, sb, 0x200000 + s * 64, 512 << 10);
		alloc_add(m->alloc, t, sc, 0x300000 + s * 64, 4 << 20);
		alloc_remove(m->alloc, t + 100000000ULL, 0x300000 + s * 64);
	}
	alloc_tick(m->alloc, 12500000000ULL);
	model_tick(m, 12500000000ULL);
	snprintf(m->target.alloc_mode, sizeof m->target.alloc_mode, "preload");
}

/* The Allocations pane: copied only while shown, a row per site named by
 * the function that allocates and its caller, the retainer first by
 * growth and in the warning colour, churn dim; filter on the names; Enter
 * opens the site's stacks by live bytes (allocated bytes when it holds
 * none); faults mode shows touched bytes instead. */
static void test_alloc_pane(void **state)
{
	struct fixture *fx = *state;
	struct app *a = &fx->a;
	struct pane_state *ps = &a->panes[2];
	enum theme_slot slot;
	char buf[64];

	fx_alloc(fx);
	take_copy(a);
	view_update(a);
	assert_false(app_data(a)->got.alloc);
	assert_true(press(a, '3') & TUI_REFRESH);
	assert_ptr_equal(view_pane(a), &pane_alloc);
	assert_true(app_data(a)->got.alloc);
	assert_int_equal(ps->nrows, 2);
	assert_string_equal(pane_alloc.cols[ps->sort_col].title, "GROWTH/s");
	assert_string_equal(cell_of(a, 0, "SITE"), "retain_leak <- worker");
	assert_string_equal(cell_of(a, 0, "OUTSTANDING"), "18.0M");
	assert_int_equal(app_data(a)->allocs[ps->rows[0]].nstacks, 2);
	assert_true(app_data(a)->allocs[ps->rows[0]].growth_per_s > 0);
	assert_string_equal(cell_of(a, 1, "SITE"), "churn <- worker");
	assert_string_equal(cell_of(a, 1, "OUTSTANDING"), "0B");
	assert_string_equal(cell_of(a, 1, "LEAK?"), "");
	/* The retainer is a suspect, in the warning colour; churn is dim. */
	assert_true(app_data(a)->allocs[ps->rows[0]].leak_suspect);
	assert_string_equal(cell_of(a, 0, "LEAK?"), "LEAK?");
	pane_alloc.cell(a, ps->rows[0], 0, buf, sizeof buf, &slot);
	assert_int_equal(slot, THEME_WARM);
	pane_alloc.cell(a, ps->rows[1], 0, buf, sizeof buf, &slot);
	assert_int_equal(slot, THEME_COLD);
	/* Touched columns are faults mode's only. */
	assert_false(panes_col_shown(a, &pane_alloc, col_of(&pane_alloc, "TOUCHED/s")));
	assert_true(panes_col_shown(a, &pane_alloc, col_of(&pane_alloc, "ALLOC/s")));

	/* Sort by ALLOC/s: churn allocates more. */
	press(a, '>');
	press(a, '>');
	assert_string_equal(pane_alloc.cols[ps->sort_col].title, "ALLOC/s");   /* over hidden TOUCHED */
	assert_string_equal(cell_of(a, 0, "SITE"), "churn <- worker");
	press(a, '<');
	press(a, '<');
	assert_string_equal(cell_of(a, 0, "SITE"), "retain_leak <- worker");

	/* The filter matches the site's function or its caller. */
	filter_rows(a, "^worker$");
	assert_int_equal(ps->nrows, 2);
	press(a, KEYS_ESC);
	filter_rows(a, "churn");
	assert_int_equal(ps->nrows, 1);
	press(a, KEYS_ESC);
	search_rows(a, "churn");
	assert_int_equal(ps->cursor, 1);
	press(a, KEYS_FN(KEY_HOME));

	/* Enter: the retainer's two stacks, by live bytes, under the site. */
	assert_true(press(a, '\n') & TUI_REFRESH);
	assert_true(a->tree.active);
	assert_int_equal(a->tree.src, TUI_DRILL_ALLOC);
	assert_int_equal(a->tree.focus, TUI_FUNC_SUBJECT);
	assert_int_equal(app_data(a)->site_weight, TUI_WEIGHT_LIVE);
	assert_int_equal(app_data(a)->site_total, 18 << 20);
	assert_string_equal(tree_row_label(a, 0), "retain_leak <- worker");
	assert_string_equal(tui_data_func_module(app_data(a), TUI_FUNC_SUBJECT), "allocation site");
	assert_string_equal(tree_row_label(a, 1), "malloc");
	assert_string_equal(tree_row_label(a, 2), "retain_leak");
	assert_string_equal(tree_row_label(a, 3), "worker");
	assert_string_equal(tree_row_label(a, 4), "main");
	assert_int_equal(tree_row_node(a, 4)->total, 12 << 20);
	assert_string_equal(tree_row_label(a, 5), "boot");
	assert_int_equal(tree_row_node(a, 5)->total, 6 << 20);
	assert_int_equal(a->tree.nrows, a->tree.ncaller_rows);
	press(a, KEYS_ESC);
	assert_false(a->tree.active);
	/* Churn holds nothing: its tree is by what it allocated. */
	press(a, KEYS_FN(KEY_END));
	press(a, '\n');
	assert_int_equal(app_data(a)->site_weight, TUI_WEIGHT_ALLOCATED);
	assert_int_equal(app_data(a)->site_total, 48 << 20);
	assert_string_equal(tree_row_label(a, 0), "churn <- worker");
	press(a, KEYS_ESC);

	/* Faults mode: touched bytes, sorted by their rate; the site skips
	 * libc's memset and the kernel. */
	uint32_t touch = funcs_intern(fx->m->funcs, "touch_pages", "prog");
	uint32_t memsetf = funcs_intern(fx->m->funcs, "memset", "libc.so.6");
	uint32_t kern = funcs_intern(fx->m->funcs, "clear_page_erms", "[kernel]");
	uint32_t st = stacks_intern(fx->m->stacks,
				    (uint32_t[]){ fx->main_, fx->work, touch, memsetf, kern }, 5);
	for (uint64_t s = 1; s <= 10; s++)
		alloc_add_fault(fx->m->alloc, s * 1000000000ULL, st, 64 << 10);
	snprintf(fx->m->target.alloc_mode, sizeof fx->m->target.alloc_mode, "faults");
	take_copy(a);
	view_update(a);
	assert_true(panes_col_shown(a, &pane_alloc, col_of(&pane_alloc, "TOUCHED/s")));
	assert_true(panes_col_shown(a, &pane_alloc, col_of(&pane_alloc, "TOUCHED")));
	assert_false(panes_col_shown(a, &pane_alloc, col_of(&pane_alloc, "GROWTH/s")));
	assert_false(panes_col_shown(a, &pane_alloc, col_of(&pane_alloc, "OUTSTANDING")));
	assert_string_equal(pane_alloc.cols[ps->sort_col].title, "TOUCHED/s");
	assert_string_equal(cell_of(a, 0, "SITE"), "touch_pages <- worker");
	assert_string_equal(cell_of(a, 0, "TOUCHED"), "640.0K");
	press(a, KEYS_FN(KEY_HOME));
	press(a, '\n');
	assert_int_equal(app_data(a)->site_weight, TUI_WEIGHT_TOUCHED);
	assert_string_equal(tree_row_label(a, 1), "clear_page_erms");
	press(a, KEYS_ESC);
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
		cmocka_unit_test_setup_teardown(test_locks_pane, setup, teardown),
		cmocka_unit_test_setup_teardown(test_io_pane, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_pane, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
