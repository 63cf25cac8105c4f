/* Drawing without a terminal: curses on /dev/null, read back with
 * mvinnwstr.  Long, UTF-8, wide, control and invalid names are cut to their
 * cell with an ellipsis; the whole screen draws at every size from 200x60
 * down to below the 20x6 minimum, in the table, tree and help views, and
 * the Locks, I/O and Allocations panes with their header lines. */
#include "config.h"

#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <cmocka.h>

#include "analysis/model.h"
#include "tui/curses.h"
#include "tui/keys.h"
#include "tui/tui.h"

struct fixture {
	FILE *out, *in;
	SCREEN *scr;
	struct app a;
	struct model *m;
	pthread_mutex_t lock;
	struct tui_source src;
};

static bool fx_finished(void *ctx) { return true; }
static void fx_stop(void *ctx) { }

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	static const char *const names[] = {
		"main", "a_function_with_a_name_much_longer_than_any_column_could_hold_"
		"even_on_a_terminal_one_hundred_and_twenty_columns_wide",
		"größe_berechnen", "\xe8\xa8\x88\xe7\xae\x97\xe9\x96\xa2\xe6\x95\xb0",  /* 計算関数 */
		"ctl\x01\x1b[31mred", "bad\xff\xfeutf8",
	};
	uint32_t ids[6];

	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		skip();
	fx->out = fopen("/dev/null", "w");
	fx->in = fopen("/dev/null", "r");
	fx->scr = newterm("xterm-256color", fx->out, fx->in);
	if (!fx->scr)
		skip();   /* no terminfo entry on this machine */
	set_term(fx->scr);
	resizeterm(40, 120);
	fx->m = model_new(300);
	for (size_t i = 0; i < 6; i++)
		ids[i] = funcs_intern(fx->m->funcs, names[i], i % 2 ? "libx.so" : "prog");
	for (uint32_t i = 1; i < 6; i++)
		model_add_stack(fx->m, 1000000000ULL, 7, (uint32_t[]){ ids[0], ids[i] }, 2, 10 - i);
	model_add_stack(fx->m, 1000000000ULL, 7, (uint32_t[]){ ids[0], ids[1], ids[2] }, 3, 3);
	threads_set_name(fx->m->threads, 7, "w\xc3\xb6rker");
	pthread_mutex_init(&fx->lock, NULL);
	fx->src = (struct tui_source){ .model = fx->m, .lock = &fx->lock, .finished = fx_finished,
				       .stop = fx_stop, .pid = 7, .frequency = 99, .delay = 1 };
	fx->a.src = &fx->src;
	fx->a.utf8 = true;
	fx->a.window = 2;
	fx->a.lines = 40;
	fx->a.cols = 120;
	view_init(&fx->a);
	tui_data_take(&fx->a.data[0], NULL, &fx->src, 0);
	view_update(&fx->a);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	if (!fx->scr)
		return 0;
	endwin();
	delscreen(fx->scr);
	view_fini(&fx->a);
	tui_data_fini(&fx->a.data[0]);
	tui_data_fini(&fx->a.data[1]);
	model_free(fx->m);
	pthread_mutex_destroy(&fx->lock);
	fclose(fx->out);
	fclose(fx->in);
	free(fx);
	return 0;
}

/* The text at y, x over w columns, as UTF-8, trailing blanks removed. */
static const char *screen_text(int y, int x, int w)
{
	static char out[1024];
	wchar_t wbuf[512];
	size_t n;

	memset(wbuf, 0, sizeof wbuf);
	mvinnwstr(y, x, wbuf, w);
	n = wcstombs(out, wbuf, sizeof out - 1);
	if (n == (size_t)-1)
		n = 0;
	out[n] = '\0';
	while (n && out[n - 1] == ' ')
		out[--n] = '\0';
	return out;
}

static void test_fit(void **state)
{
	struct fixture *fx = *state;
	struct app *a = &fx->a;

	erase();
	/* Cut with an ellipsis in exactly w columns; padded otherwise. */
	assert_int_equal(draw_text(a, 0, 0, 10, "abcdefghijklmno", 0, false), 10);
	assert_string_equal(screen_text(0, 0, 20), "abcdefghi\u2026");
	draw_text(a, 1, 0, 10, "abc", 0, true);
	assert_string_equal(screen_text(1, 0, 10), "       abc");
	/* UTF-8: columns, not bytes. */
	draw_text(a, 2, 0, 8, "größe_berechnen", 0, false);
	assert_string_equal(screen_text(2, 0, 8), "größe_b\u2026");
	/* Wide characters: a 2-column character never straddles the cut. */
	draw_text(a, 3, 0, 6, "計算関数", 0, false);
	assert_string_equal(screen_text(3, 0, 6), "計算\u2026");
	assert_int_equal(draw_width(a, "計算関数"), 8);
	/* Control characters and bytes that are not UTF-8 become '?'. */
	draw_text(a, 4, 0, 30, "ctl\x01\x1b[31mred", 0, false);
	assert_string_equal(screen_text(4, 0, 30), "ctl??[31mred");
	draw_text(a, 5, 0, 30, "bad\xff\xfeutf8", 0, false);
	assert_string_equal(screen_text(5, 0, 30), "bad??utf8");
	/* Cut from the left for a tail (tree guides). */
	draw_text_tail(a, 6, 0, 5, "0123456789", 0);
	assert_string_equal(screen_text(6, 0, 5), "\u20266789");
	/* Nothing outside the screen or for no width. */
	assert_int_equal(draw_text(a, 7, 0, 0, "x", 0, false), 0);
	assert_int_equal(draw_text(a, 100, 0, 5, "x", 0, false), 0);
	/* ASCII fallback when the locale is not UTF-8. */
	a->utf8 = false;
	draw_text(a, 8, 0, 5, "abcdefgh", 0, false);
	assert_string_equal(screen_text(8, 0, 5), "abcd~");
	a->utf8 = true;
}

/* The CPU table's rows hold the names, cut at the column. */
static void test_screen(void **state)
{
	struct fixture *fx = *state;
	struct app *a = &fx->a;
	bool found, seen_long = false;

	draw_screen(a);
	assert_non_null(strstr(screen_text(0, 0, 120), "kprof-top"));
	for (int y = 0; y < 40; y++) {
		const char *line = screen_text(y, 0, 120);
		if (strstr(line, "a_function_with_a_name_much_longer"))
			seen_long = strstr(line, "\u2026") != NULL;
		assert_null(strstr(line, "\x1b"));
	}
	assert_true(seen_long);
	/* Every view at every size, down past the minimum. */
	static const int sizes[][2] = { { 60, 200 }, { 24, 80 }, { 13, 40 }, { 6, 20 },
					{ 5, 20 }, { 6, 19 }, { 2, 5 }, { 1, 1 } };
	for (int v = 0; v < 4; v++) {
		a->help = v == 3;
		a->tree.active = false;
		if (v == 1)
			keys_dispatch(a, '\n', &found);
		if (v == 2)
			a->pane = 1;
		for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
			resizeterm(sizes[s][0], sizes[s][1]);
			draw_screen(a);
			/* Below the minimum: "terminal too small", as much as fits. */
			if ((sizes[s][0] < 6 || sizes[s][1] < 20) && sizes[s][1] > 1)
				assert_int_equal(screen_text(0, 0, sizes[s][1])[0], 't');
		}
		a->pane = 0;
	}
	resizeterm(6, 19);
	draw_screen(a);
	assert_string_equal(screen_text(0, 0, 19), "terminal too small");
	resizeterm(6, 20);
	draw_screen(a);
	assert_non_null(strstr(screen_text(0, 0, 20), "kprof-top"));
}

/* A copy of the model for what the view shows now, as the loop's refresh
 * takes it. */
static void take(struct fixture *fx)
{
	fx->a.data[0].want = view_data_want(&fx->a);
	tui_data_take(&fx->a.data[0], NULL, &fx->src, 0);
	view_update(&fx->a);
}

/* The text of the whole screen, lines joined by newlines. */
static const char *screen_all(int lines, int cols)
{
	static char all[16384];
	size_t n = 0;

	all[0] = '\0';
	for (int y = 0; y < lines && n + (size_t)cols * 4 + 2 < sizeof all; y++)
		n += (size_t)snprintf(all + n, sizeof all - n, "%s\n", screen_text(y, 0, cols));
	return all;
}

/* Take a copy, draw it on a 40 x 120 screen, return the screen's text. */
static const char *redraw(struct fixture *fx)
{
	take(fx);
	draw_screen(&fx->a);
	return screen_all(40, 120);
}

/* Every view of a pane (its list, then its tree) at every size: nothing
 * breaks, and wherever the header fits it is there.  Ends on pane 0, its
 * list, at 40 x 120. */
static void draw_pane_at_all_sizes(struct fixture *fx, int pane)
{
	static const int sizes[][2] = { { 60, 200 }, { 40, 120 }, { 24, 80 }, { 13, 40 },
					{ 9, 30 }, { 6, 20 }, { 5, 20 }, { 2, 5 } };
	struct app *a = &fx->a;
	bool found;

	for (int v = 0; v < 2; v++) {
		a->pane = pane;
		a->tree.active = false;
		if (v)
			keys_dispatch(a, '\n', &found);
		take(fx);
		for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
			resizeterm(sizes[s][0], sizes[s][1]);
			draw_screen(a);
			if (sizes[s][0] >= 6 && sizes[s][1] >= 20)
				assert_non_null(strstr(screen_text(0, 0, sizes[s][1]), "kprof-top"));
		}
	}
	a->tree.active = false;
	a->pane = 0;
	resizeterm(40, 120);
}

/* The header's memory and I/O line, known and unknown; the split view's
 * thread columns in place of the sparkline; the threads pane's hottest
 * function. */
static void test_meters_and_split(void **state)
{
	struct fixture *fx = *state;
	struct app *a = &fx->a;
	const char *all;

	for (uint64_t s = 0; s <= 4; s++)
		model_add_usage(fx->m, &(struct usage_reading){
			.time_ns = (1 + s) * 1000000000ULL, .has_rss = true,
			.rss_bytes = (10 + s) << 20, .has_io = true,
			.rchar = s * 3 << 20, .wchar = s * 100 << 10 });
	resizeterm(40, 120);
	tui_data_take(&a->data[0], NULL, &fx->src, 0);
	view_update(a);
	draw_screen(a);
	assert_string_equal(screen_text(2, 0, 120),
			    "RSS 14.0M (+1.0M/s)  I/O R 3.0M/s W 100.0K/s  disk R 0B/s W 0B/s");
	all = screen_all(40, 120);
	assert_non_null(strstr(all, "LAST 60s"));
	assert_null(strstr(all, "THREAD"));

	a->split = true;
	a->data[0].per_thread = true;
	tui_data_take(&a->data[0], NULL, &fx->src, 0);
	view_update(a);
	draw_screen(a);
	all = screen_all(40, 120);
	assert_null(strstr(all, "LAST 60s"));
	assert_non_null(strstr(all, "TID"));
	assert_non_null(strstr(all, "THREAD"));
	assert_non_null(strstr(all, "w\u00f6rker"));
	a->split = false;

	a->pane = 1;
	draw_screen(a);
	all = screen_all(40, 120);
	assert_non_null(strstr(all, "HOTTEST FUNCTION"));
	/* Thread 7's most self samples: größe_berechnen (8, and 3 under ids[1]). */
	assert_non_null(strstr(all, "größe_berechnen"));
	a->pane = 0;

	/* /proc/PID/io unreadable: n/a, not zeros. */
	for (uint64_t s = 5; s <= 6; s++)
		model_add_usage(fx->m, &(struct usage_reading){
			.time_ns = (1 + s) * 1000000000ULL, .has_rss = true, .rss_bytes = 15 << 20 });
	tui_data_take(&a->data[0], NULL, &fx->src, 5);
	draw_screen(a);
	assert_non_null(strstr(screen_text(2, 0, 120), "I/O R 3.0M/s"));   /* the window still has some */
	struct model *m2 = model_new(60);
	model_add_usage(m2, &(struct usage_reading){ .time_ns = 1, .has_rss = false });
	model_add_usage(m2, &(struct usage_reading){ .time_ns = 1000000000ULL, .has_rss = false });
	fx->src.model = m2;
	tui_data_take(&a->data[0], NULL, &fx->src, 0);
	draw_screen(a);
	assert_string_equal(screen_text(2, 0, 120), "RSS n/a  I/O R n/a W n/a");
	fx->src.model = fx->m;
	model_free(m2);
}

/* The Locks and I/O panes: their rows, the mode line under the header,
 * the per-thread I/O above the fd table, the drill-down trees in their
 * units, and every size down past the minimum. */
static void test_locks_io(void **state)
{
	struct fixture *fx = *state;
	struct app *a = &fx->a;
	struct model *m = fx->m;
	uint32_t lockf = funcs_intern(m->funcs, "pthread_mutex_lock", "libc.so.6");
	uint32_t st = stacks_intern(m->stacks, (uint32_t[]){ 0, lockf }, 2);
	struct syscall_call c = { .tid = 7, .nr = SYSCALLS_FUTEX, .args = { 0x1000, 128 },
				  .enter_ns = 1000000000ULL, .exit_ns = 1250000000ULL,
				  .stack = st, .stack_weight = 1 };
	const char *all;
	bool found;

	snprintf(locks_add_call(m->locks, &c)->name, 96, "g_ledger_with_a_long_name_ä");
	c = (struct syscall_call){ .tid = 7, .nr = SYSCALLS_WRITE, .args = { 3 }, .ret = 4096,
				   .enter_ns = 1000000000ULL, .exit_ns = 1001000000ULL,
				   .stack = st, .stack_weight = 1 };
	io_set_fd_name(m->io, 3, "/var/log/計算.log", 1);
	io_add_call(m->io, &c);
	io_add_thread_reading(m->io, 7, 1000000000ULL, 0, 0, 0, 0);
	io_add_thread_reading(m->io, 7, 2000000000ULL, 3 << 20, 1 << 20, 0, 0);
	snprintf(m->target.locks_mode, sizeof m->target.locks_mode, "sampled");
	snprintf(m->target.io_mode, sizeof m->target.io_mode, "counters");
	snprintf(m->target.trace_note, sizeof m->target.trace_note, "perf_event_paranoid is 2");

	resizeterm(40, 120);
	a->pane = 4;
	all = redraw(fx);
	assert_non_null(strstr(all, "Locks: sampled from /proc (estimates)  perf_event_paranoid is 2  "
				    "1 lock, 250.0 ms waited since the start"));
	assert_non_null(strstr(all, "TOTAL WAIT"));
	assert_non_null(strstr(all, "250.0 ms"));
	assert_non_null(strstr(all, "g_ledger_with_a_long_name_ä"));

	keys_dispatch(a, '\n', &found);
	all = redraw(fx);
	assert_non_null(strstr(all, "where threads wait on it"));
	assert_non_null(strstr(all, "WAIT"));
	assert_non_null(strstr(all, "<- who waits on it"));
	assert_non_null(strstr(all, "pthread_mutex_lock"));
	assert_non_null(strstr(all, "Locks: sampled"));   /* the mode stays in the tree */
	a->tree.active = false;

	a->pane = 3;
	all = redraw(fx);
	assert_non_null(strstr(all, "I/O: procfs counters only"));
	assert_non_null(strstr(all, "ASKED R/s"));
	assert_non_null(strstr(all, "STORAGE W/s"));
	assert_non_null(strstr(all, "wörker"));
	assert_non_null(strstr(all, "3.0M/s"));
	assert_non_null(strstr(all, "/var/log/計算.log"));
	assert_non_null(strstr(all, "4.0K"));

	/* Every view of both panes at every size. */
	draw_pane_at_all_sizes(fx, 3);
	draw_pane_at_all_sizes(fx, 4);
}

/* The attributes the screen has at y, x (colour pair included). */
static attr_t screen_attr(int y, int x)
{
	return (attr_t)(mvinch(y, x) & A_ATTRIBUTES);
}

/* The line holding text, or -1. */
static int screen_find(int lines, int cols, const char *text)
{
	for (int y = 0; y < lines; y++)
		if (strstr(screen_text(y, 0, cols), text))
			return y;
	return -1;
}

/* The Allocations pane: sites named by function and caller, the suspect
 * in the warning colour, the mode line with the collector and the leak's
 * reason, the header's LEAK? and memory line with the RSS sparkline, the
 * touched columns in faults mode, the drill-down, every size. */
static void test_alloc(void **state)
{
	struct fixture *fx = *state;
	struct app *a = &fx->a;
	struct model *m = fx->m;
	uint32_t mallocf = funcs_intern(m->funcs, "malloc", "libc.so.6");
	uint32_t retain = funcs_intern(m->funcs, "retain_leak", "prog");
	uint32_t churn = funcs_intern(m->funcs, "churn_\xe8\xa8\x88\xe7\xae\x97", "prog");
	uint32_t sr = stacks_intern(m->stacks, (uint32_t[]){ 0, retain, mallocf }, 3);
	uint32_t sc = stacks_intern(m->stacks, (uint32_t[]){ 0, churn, mallocf }, 3);
	const char *all;
	bool found;
	int y, x;

	assert_non_null(m->alloc);
	if (has_colors()) {
		start_color();
		use_default_colors();
	}
	a->theme = *theme_builtin(NULL);
	theme_apply(&a->theme, has_colors(), a->attr);
	assert_int_not_equal(a->attr[THEME_WARM], a->attr[THEME_NORMAL]);
	for (uint64_t s = 1; s <= 12; s++) {   /* a leak needs 10 s */
		alloc_add(m->alloc, s * 1000000000ULL, sr, 0x1000 + s * 64, 1 << 20);
		alloc_add(m->alloc, s * 1000000000ULL, sc, 0x9000 + s * 64, 8 << 20);
		alloc_remove(m->alloc, s * 1000000000ULL + 1000, 0x9000 + s * 64);
	}
	alloc_tick(m->alloc, 12500000000ULL);
	snprintf(m->target.alloc_mode, sizeof m->target.alloc_mode, "preload");
	snprintf(m->target.alloc_note, sizeof m->target.alloc_note, "one sample per 512K");

	resizeterm(40, 120);
	a->lines = 40;
	a->cols = 120;
	a->pane = 2;
	take(fx);
	/* What usage.c concludes is its own to test: here, a suspicion. */
	a->data[0].usage.leak_suspect = true;
	snprintf(a->data[0].usage.leak_reason, sizeof a->data[0].usage.leak_reason,
		 "+1.0M/s over 60 s, R\u00b2 0.99");
	a->data[0].usage.has_mem = true;
	a->data[0].usage.rss_anon = 80 << 20;
	a->data[0].usage.anon_growth_bytes_per_s = 1 << 20;
	a->data[0].usage.rss_file = 12 << 20;
	a->data[0].usage.has_maps = true;
	a->data[0].usage.heap_bytes = 64 << 20;
	for (unsigned i = 0; i < TUI_SPARK_N; i++)
		a->spark.rss[i] = i < 10 ? 0 : (uint64_t)(100 + i) << 20;
	draw_screen(a);
	all = screen_all(40, 120);
	assert_non_null(strstr(all, "Allocations: preload shim (sampled by bytes)  one sample per 512K  "
				    "LEAK? +1.0M/s over 60 s, R\u00b2 0.99"));
	assert_non_null(strstr(all, "RSS 60s "));
	assert_non_null(strstr(all, "\u2581"));   /* the lowest reading */
	assert_non_null(strstr(all, "\u2588"));   /* the highest */
	assert_non_null(strstr(all, "anon 80.0M (+1.0M/s)  file 12.0M  shmem 0B  heap 64.0M  swap 0B"));
	/* The header's memory meter says it too, in the warning colour. */
	assert_non_null(strstr(screen_text(2, 0, 120), "LEAK?"));
	x = (int)(strstr(screen_text(2, 0, 120), "LEAK?") - screen_text(2, 0, 120));
	assert_int_equal(screen_attr(2, x), a->attr[THEME_WARM]);
	assert_non_null(strstr(all, "GROWTH/s"));
	assert_non_null(strstr(all, "OUTSTANDING"));
	assert_null(strstr(all, "TOUCHED"));
	/* The retainer first, in the warning colour (the cursor is on the
	 * churn row, or it would be drawn as selected). */
	a->panes[2].cursor = 1;
	draw_screen(a);
	y = screen_find(40, 120, "retain_leak \u2190 main");
	assert_true(y > 0);
	assert_true(y < screen_find(40, 120, "churn_\u8a08\u7b97 \u2190 main"));
	assert_non_null(strstr(screen_text(y, 0, 120), "LEAK?"));
	assert_int_equal(screen_attr(y, 0), a->attr[THEME_WARM]);
	a->panes[2].cursor = 0;

	/* Enter: the site's stacks, by live bytes. */
	keys_dispatch(a, '\n', &found);
	all = redraw(fx);
	assert_non_null(strstr(all, "site retain_leak <- main  the stacks behind its memory"));
	assert_non_null(strstr(all, "LIVE"));
	assert_non_null(strstr(all, "<- who allocated it"));
	assert_non_null(strstr(all, "12.0M"));
	assert_non_null(strstr(all, "Allocations: preload"));   /* the mode stays in the tree */
	a->tree.active = false;

	/* Faults mode: touched bytes, no growth. */
	snprintf(m->target.alloc_mode, sizeof m->target.alloc_mode, "faults");
	alloc_add_fault(m->alloc, 10000000000ULL, sr, 1 << 20);
	all = redraw(fx);
	assert_non_null(strstr(all, "Allocations: page faults (where new memory is touched)"));
	assert_non_null(strstr(all, "TOUCHED/s"));
	assert_non_null(strstr(all, "TOUCHED"));
	assert_null(strstr(all, "GROWTH/s"));
	assert_null(strstr(all, "OUTSTANDING"));

	/* Off: the table says why it is empty. */
	snprintf(m->target.alloc_mode, sizeof m->target.alloc_mode, "off");
	alloc_free(m->alloc);
	m->alloc = alloc_new(300);
	all = redraw(fx);
	assert_non_null(strstr(all, "Allocations: off"));
	assert_non_null(strstr(all, "allocation sites are not collected"));
	snprintf(m->target.alloc_mode, sizeof m->target.alloc_mode, "preload");
	alloc_add(m->alloc, 1000000000ULL, sr, 0x1000, 1 << 20);

	/* Every view at every size. */
	draw_pane_at_all_sizes(fx, a->pane);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_screen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_meters_and_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locks_io, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
