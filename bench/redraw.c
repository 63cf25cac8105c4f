/* bench/redraw: the TUI's costs on a synthetic model of 100 000 distinct
 * stacks (DESIGN.md: a keypress redraws in under 16 ms).  Times the copy
 * under the model lock, the row rebuild, a keypress with its redraw (into
 * a curses screen writing to /dev/null), a filter change and drill-downs,
 * and prints a Markdown table for docs/performance.md.
 *
 *   make bench/redraw && bench/redraw [STACKS] [FUNCS] */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/model.h"
#include "common/clock.h"
#include "tui/curses.h"
#include "tui/keys.h"
#include "tui/tui.h"
#include "synth.h"

#define RUNS 50

static bool done(void *ctx) { return false; }
static void stop(void *ctx) { }

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void report(const char *what, double *ms, int n)
{
	qsort(ms, (size_t)n, sizeof *ms, cmp_double);
	printf("| %-44s | %8.2f | %8.2f | %8.2f |\n", what, ms[n / 2], ms[n * 9 / 10], ms[n - 1]);
}

static double since_ms(uint64_t t0)
{
	return (double)(clock_monotonic_ns() - t0) / 1e6;
}

static void apply(struct app *a, unsigned r)
{
	if (r & TUI_REFRESH) {
		int next = !a->cur;
		tui_data_take(&a->data[next], &a->data[a->cur], a->src, tui_windows[a->window]);
		a->cur = next;
	}
	if (r & (TUI_REFRESH | TUI_RECOMPUTE))
		view_update(a);
}

int main(int argc, char **argv)
{
	unsigned nstacks = argc > 1 ? (unsigned)atoi(argv[1]) : 100000;
	unsigned nfuncs = argc > 2 ? (unsigned)atoi(argv[2]) : 5000;
	struct model *m = model_new(300);
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct tui_source src = { .model = m, .lock = &lock, .finished = done, .stop = stop,
				  .pid = 1, .frequency = 99, .delay = 1 };
	struct app a = { .src = &src };
	double ms[RUNS];
	FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
	SCREEN *scr;
	bool found;

	synth_model(m, nstacks, nfuncs, 5);
	uint32_t mainf = funcs_intern(m->funcs, "main", "bench");   /* already there: its id */
	printf("Synthetic model: %u distinct stacks, %u functions, %.1f MB of stacks+timeline\n\n",
	       stacks_count(m->stacks), funcs_count(m->funcs), (double)model_memory(m) / 1e6);

	scr = newterm("xterm-256color", out, in);
	if (!scr) {
		fprintf(stderr, "redraw: no terminfo for xterm-256color\n");
		return 1;
	}
	set_term(scr);
	resizeterm(50, 200);
	a.utf8 = true;
	a.window = 2;   /* everything: the biggest copy */
	view_init(&a);

	printf("| step (window: all) | median ms | p90 ms | max ms |\n|---|---:|---:|---:|\n");
	for (int i = 0; i < RUNS; i++) {
		uint64_t t0 = clock_monotonic_ns();
		int next = !a.cur;
		tui_data_take(&a.data[next], &a.data[a.cur], &src, tui_windows[a.window]);
		a.cur = next;
		ms[i] = since_ms(t0);
	}
	report("refresh: copy under the model lock", ms, RUNS);
	for (int i = 0; i < RUNS; i++) {
		uint64_t t0 = clock_monotonic_ns();
		view_update(&a);
		ms[i] = since_ms(t0);
	}
	report("refresh: filter + sort the rows", ms, RUNS);
	draw_screen(&a);
	for (int i = 0; i < RUNS; i++) {
		uint64_t t0 = clock_monotonic_ns();
		apply(&a, keys_dispatch(&a, i % 2 ? KEYS_FN(KEY_UP) : KEYS_FN(KEY_DOWN), &found));
		draw_screen(&a);
		ms[i] = since_ms(t0);
	}
	report("keypress (Down/Up) + redraw, CPU table", ms, RUNS);
	for (int i = 0; i < RUNS; i++) {
		uint64_t t0 = clock_monotonic_ns();
		apply(&a, view_set_filter(&a, i % 2 ? "^leaf_" : "_1[0-9]$"));
		draw_screen(&a);
		ms[i] = since_ms(t0);
	}
	report("filter change + redraw", ms, RUNS);
	apply(&a, view_set_filter(&a, NULL));
	for (int i = 0; i < RUNS / 5; i++) {
		uint64_t t0 = clock_monotonic_ns();
		apply(&a, tree_open(&a, mainf));
		draw_screen(&a);
		ms[i] = since_ms(t0);
		apply(&a, tree_back(&a));
	}
	report("drill-down into main (every stack) + redraw", ms, RUNS / 5);
	for (int i = 0; i < RUNS / 5; i++) {
		uint64_t t0 = clock_monotonic_ns();
		apply(&a, tree_open(&a, 7 * (uint32_t)(1 + i)));
		draw_screen(&a);
		ms[i] = since_ms(t0);
		apply(&a, tree_back(&a));
	}
	report("drill-down into a leaf + redraw", ms, RUNS / 5);
	apply(&a, tree_open(&a, mainf));
	for (int i = 0; i < RUNS; i++) {
		uint64_t t0 = clock_monotonic_ns();
		apply(&a, keys_dispatch(&a, i % 2 ? KEYS_FN(KEY_UP) : KEYS_FN(KEY_DOWN), &found));
		draw_screen(&a);
		ms[i] = since_ms(t0);
	}
	report("keypress + redraw in that tree", ms, RUNS);
	for (int i = 0; i < RUNS / 5; i++) {
		uint64_t t0 = clock_monotonic_ns();
		tree_update(&a);
		ms[i] = since_ms(t0);
	}
	report("tree rebuild on refresh (main)", ms, RUNS / 5);

	endwin();
	delscreen(scr);
	view_fini(&a);
	tui_data_fini(&a.data[0]);
	tui_data_fini(&a.data[1]);
	model_free(m);
	fclose(out);
	fclose(in);
	return 0;
}
