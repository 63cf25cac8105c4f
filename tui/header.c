/* The header of meters, htop-style: what is profiled and its state, the
 * target's CPU as a bar, sampling rates and losses, its memory and I/O
 * rates, and how we sample and what it costs us.  Four lines, or one on a
 * short terminal; under them, on the Locks and I/O panes, how their numbers
 * are collected, and on the I/O pane the busiest threads' I/O. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "curses.h"
#include "panes.h"
#include "tui.h"
#include "../analysis/usage.h"

/* Below this many lines the header shrinks to one line. */
#define HEADER_FULL_LINES 14
/* Below this many, the Locks and I/O panes' mode line goes too. */
#define HEADER_MODE_LINES 10
/* Threads shown above the I/O pane, by terminal height. */
#define HEADER_IO_THREADS(lines) ((lines) >= 40 ? 6 : (lines) >= 30 ? 4 : (lines) >= 20 ? 2 : 0)

/* Which of the Locks and I/O collectors the view is about, if either (the
 * pane, or a drill-down from it). */
static enum tui_drill header_subject(const struct app *a)
{
	const struct pane *p = view_pane(a);

	if (a->help)
		return TUI_DRILL_NONE;
	if (a->tree.active)
		return a->tree.src;
	return panes_drill_of(p);
}

/* The I/O threads above the pane: those with a reading, busiest first,
 * named as the filter allows. */
static size_t header_io_threads(struct app *a, size_t *order, size_t max)
{
	const struct tui_data *d = app_data(a);
	size_t n = 0;

	for (size_t i = 0; i < d->nio_threads; i++) {
		const struct tui_io_thread *t = &d->io_threads[i];
		double r = t->info.rchar_per_s + t->info.wchar_per_s;
		size_t at;
		if (a->filter && !view_text_matches(a, t->name))
			continue;
		/* Insertion into the top max: a handful of lines. */
		for (at = MIN(n, max); at > 0; at--) {
			const struct tui_io_thread *u = &d->io_threads[order[at - 1]];
			if (u->info.rchar_per_s + u->info.wchar_per_s >= r)
				break;
			if (at < max)
				order[at] = order[at - 1];
		}
		if (at < max) {
			order[at] = i;
			n = MIN(n + 1, max);
		}
	}
	return n;
}

static size_t header_io_lines(struct app *a)
{
	size_t order[8], max = (size_t)HEADER_IO_THREADS(a->lines);
	size_t n = header_io_threads(a, order, max);

	return n ? n + 1 : 0;
}

int header_lines(struct app *a)
{
	int base = a->lines >= HEADER_FULL_LINES ? 4 : 1;
	enum tui_drill s = header_subject(a);

	if (s == TUI_DRILL_NONE || a->lines < HEADER_MODE_LINES)
		return base;
	return base + 1 + (s == TUI_DRILL_FD ? (int)header_io_lines(a) : 0);
}

/* Rates mean nothing once nothing more can arrive: show them as zero then,
 * not as the last second before the end. */
static bool header_ended(const struct app *a)
{
	return app_data(a)->target.exited || a->sampling_stopped;
}

/* Draw label then value, return the next x. */
static int meter(struct app *a, int y, int x, const char *label, const char *value,
		 enum theme_slot vslot)
{
	int w = a->cols - x;

	if (w <= 0)
		return x;
	x += draw_text(a, y, x, MIN((int)strlen(label), w), label, a->attr[THEME_METER_LABEL], false);
	w = a->cols - x;
	if (w > 0)
		x += draw_text(a, y, x, MIN((int)strlen(value), w), value, a->attr[vslot], false);
	if (x + 2 <= a->cols)
		x += draw_text(a, y, x, 2, "", a->attr[THEME_NORMAL], false);
	return x;
}

static void header_state(const struct app *a, char *buf, size_t len, bool *bad)
{
	const struct model_target *t = &app_data(a)->target;

	*bad = t->exited;
	if (!t->exited)
		snprintf(buf, len, "running");
	else if (t->wait_status >= 0 && WIFEXITED(t->wait_status))
		snprintf(buf, len, "exited (status %d)", WEXITSTATUS(t->wait_status));
	else if (t->wait_status >= 0 && WIFSIGNALED(t->wait_status))
		snprintf(buf, len, "exited (signal %d)", WTERMSIG(t->wait_status));
	else
		snprintf(buf, len, "exited");
}

static void header_title(struct app *a, int y)
{
	const struct tui_data *d = app_data(a);
	char buf[320], state[64], wbuf[32];
	bool bad;
	int x = 0, right;
	uint32_t win = tui_windows[a->window];

	draw_text(a, y, 0, a->cols, "", a->attr[THEME_NORMAL], false);
	header_state(a, state, sizeof state, &bad);
	if (win)
		snprintf(wbuf, sizeof wbuf, "last %" PRIu32 " s", win);
	else
		snprintf(wbuf, sizeof wbuf, "all %.0f s", d->duration_s);
	right = (int)strlen(wbuf) + 8;   /* "window " and a space */
	x = meter(a, y, x, "", "kprof-top", THEME_HEADER);
	snprintf(buf, sizeof buf, "%s", d->target.command[0] ? d->target.command : "?");
	if (x < a->cols - right - 24)
		x += draw_text(a, y, x, MIN((int)strlen(buf), a->cols - right - 24 - x), buf,
			       a->attr[THEME_METER_VALUE], false) + 1;
	snprintf(buf, sizeof buf, "%d", (int)a->src->pid);
	x = meter(a, y, x, "pid ", buf, THEME_METER_VALUE);
	x = meter(a, y, x, "", state, bad ? THEME_STATE_BAD : THEME_STATE_OK);
	if (a->frozen)
		x = meter(a, y, x, "", "FROZEN", THEME_STATE_BAD);
	if (a->sampling_stopped)
		x = meter(a, y, x, "", "sampling stopped", THEME_STATE_BAD);
	if (x + right <= a->cols)
		meter(a, y, a->cols - right, "window ", wbuf, THEME_METER_VALUE);
}

/* CPU[||||||||     123.4%], full at 100 % per running thread. */
static int header_cpu(struct app *a, int y, int w)
{
	const struct tui_data *d = app_data(a);
	double scale = 100.0 * MAX(d->alive_threads, 1u), pct = header_ended(a) ? 0 : d->target_cpu_pct;
	char val[32];
	int inner = w - 5, fill, vw;

	if (inner < 8)
		return 0;
	snprintf(val, sizeof val, "%.1f%%", pct);
	vw = (int)strlen(val);
	fill = (int)(pct / scale * inner + 0.5);
	fill = MAX(0, MIN(fill, inner));
	draw_text(a, y, 0, 3, "CPU", a->attr[THEME_METER_LABEL], false);
	draw_text(a, y, 3, 1, "[", a->attr[THEME_NORMAL], false);
	for (int i = 0; i < inner; i++)
		draw_text(a, y, 4 + i, 1, i < fill ? "|" : " ", a->attr[THEME_METER_BAR], false);
	if (vw < inner)
		draw_text(a, y, 4 + inner - vw, vw, val, a->attr[THEME_METER_VALUE], false);
	draw_text(a, y, 4 + inner, 1, "]", a->attr[THEME_NORMAL], false);
	return w + 2;
}

static void header_rates(struct app *a, int y)
{
	const struct tui_data *d = app_data(a);
	char buf[64];
	int x;
	size_t exited = d->nthreads - MIN((size_t)d->alive_threads, d->nthreads);

	draw_text(a, y, 0, a->cols, "", a->attr[THEME_NORMAL], false);
	x = header_cpu(a, y, MIN(a->cols / 3, 40));
	snprintf(buf, sizeof buf, "%.0f", header_ended(a) ? 0 : d->samples_per_s);
	x = meter(a, y, x, "samples/s ", buf, THEME_METER_VALUE);
	snprintf(buf, sizeof buf, "%" PRIu64, d->stats.lost);
	x = meter(a, y, x, "lost ", buf, d->stats.lost ? THEME_STATE_BAD : THEME_METER_VALUE);
	if (exited)
		snprintf(buf, sizeof buf, "%u running, %zu ended", d->alive_threads, exited);
	else
		snprintf(buf, sizeof buf, "%u", d->alive_threads);
	meter(a, y, x, "threads ", buf, THEME_METER_VALUE);
}

/* RSS 123.4M (+1.2M/s)  I/O R 3.4M/s W 0.1M/s, over the window shown:
 * growth and rates are trends, so they follow w like the tables.  "n/a"
 * when /proc could not tell (another user's process), never a false 0. */
static void header_usage(struct app *a, int y)
{
	const struct usage_rates *u = &app_data(a)->usage;
	char rss[64], io[64], buf[64];
	int x = 0;

	draw_text(a, y, 0, a->cols, "", a->attr[THEME_NORMAL], false);
	usage_format_meters(u, rss, sizeof rss, io, sizeof io);
	/* Both start with their own label ("RSS ", "R "): split it off. */
	x = meter(a, y, x, "RSS ", rss + 4, u->has_rss ? THEME_METER_VALUE : THEME_COLD);
	x = meter(a, y, x, "I/O ", io, u->has_io ? THEME_METER_VALUE : THEME_COLD);
	if (u->has_io) {
		char r[24], w[24];
		usage_format_rate(u->disk_read_bytes_per_s, false, r, sizeof r);
		usage_format_rate(u->disk_write_bytes_per_s, false, w, sizeof w);
		snprintf(buf, sizeof buf, "R %s W %s", r, w);
		meter(a, y, x, "disk ", buf, THEME_METER_VALUE);
	}
}

static void header_cost(struct app *a, int y)
{
	const struct tui_data *d = app_data(a);
	char buf[64];
	int x = 0;

	draw_text(a, y, 0, a->cols, "", a->attr[THEME_NORMAL], false);
	snprintf(buf, sizeof buf, "%s, %s, %u Hz", d->target.backend[0] ? d->target.backend : "?",
		 d->target.call_graph[0] ? d->target.call_graph : "?", d->target.frequency);
	x = meter(a, y, x, "sampling ", buf, THEME_METER_VALUE);
	snprintf(buf, sizeof buf, "%.1f%%", d->profiler_cpu_pct);
	x = meter(a, y, x, "profiler CPU ", buf, THEME_METER_VALUE);
	if (d->stats.unwound) {
		snprintf(buf, sizeof buf, "%.1f us", (double)d->stats.unwind_ns / 1e3 / (double)d->stats.unwound);
		x = meter(a, y, x, "unwind ", buf, THEME_METER_VALUE);
	}
	snprintf(buf, sizeof buf, "%" PRIu64, d->stats.samples);
	x = meter(a, y, x, "samples ", buf, THEME_METER_VALUE);
	snprintf(buf, sizeof buf, "%.1f s", d->duration_s);
	meter(a, y, x, "for ", buf, THEME_METER_VALUE);
}

/* "Locks: futex tracepoints - why", or the I/O pane's: how the numbers
 * below were collected, since a sampled or missing collector changes what
 * they mean. */
static void header_mode(struct app *a, int y, enum tui_drill s)
{
	const struct tui_data *d = app_data(a);
	const struct model_target *t = &d->target;
	bool lock = s == TUI_DRILL_LOCK;
	const char *mode = lock ? panes_locks_mode(t) : panes_io_mode(t);
	bool full = !strcmp(lock ? t->locks_mode : t->io_mode, "traced");
	char buf[320];
	int x = 0;

	draw_text(a, y, 0, a->cols, "", a->attr[THEME_NORMAL], false);
	x = meter(a, y, x, lock ? "Locks: " : "I/O: ", mode, full ? THEME_METER_VALUE : THEME_WARM);
	if (t->trace_note[0] && x < a->cols)
		x += draw_text(a, y, x, MIN(draw_width(a, t->trace_note), a->cols - x), t->trace_note,
			       a->attr[THEME_COLD], false) + 2;
	if (lock && d->got.locks && x + 2 < a->cols) {
		char w[32];
		panes_format_ns(d->lock_wait_ns, w, sizeof w);
		snprintf(buf, sizeof buf, "%zu lock%s, %s waited since the start", d->nlocks,
			 d->nlocks == 1 ? "" : "s", w);
		draw_text(a, y, x, a->cols - x, buf, a->attr[THEME_COLD], false);
	}
}

/* Per thread: what it asked of read/write calls (rchar/wchar) and what
 * reached storage (read_bytes/write_bytes), as /proc counts them. */
static void header_io_threads_draw(struct app *a, int y, int h)
{
	static const int tw = 8, nw = 16, rw = 10;
	const struct tui_data *d = app_data(a);
	size_t order[8], n = header_io_threads(a, order, MIN((size_t)MAX(h - 1, 0), (size_t)8));
	unsigned th = a->attr[THEME_TABLE_HEADER];
	const char *titles[] = { "TID", "THREAD", "ASKED R/s", "ASKED W/s", "STORAGE R/s", "STORAGE W/s" };
	int widths[] = { tw, nw, rw, rw, rw + 2, rw + 2 };

	for (int line = 0; line <= (int)n && line < h; line++) {
		int x = 0;
		draw_text(a, y + line, 0, a->cols, "", line ? a->attr[THEME_NORMAL] : th, false);
		for (int c = 0; c < 6 && x < a->cols; c++) {
			char buf[48];
			unsigned attr = th;
			if (line) {
				const struct tui_io_thread *t = &d->io_threads[order[line - 1]];
				const struct io_thread *it = &t->info;
				double v[] = { 0, 0, it->rchar_per_s, it->wchar_per_s,
					       it->read_bytes_per_s, it->write_bytes_per_s };
				attr = a->attr[THEME_NORMAL];
				if (c == 0)
					snprintf(buf, sizeof buf, "%" PRIu32, it->tid);
				else if (c == 1)
					snprintf(buf, sizeof buf, "%s", t->name[0] ? t->name : "?");
				else if (!it->has_rates)
					snprintf(buf, sizeof buf, "-");
				else
					usage_format_rate(v[c], false, buf, sizeof buf);
				if (c >= 2 && (!it->has_rates || !v[c]))
					attr = a->attr[THEME_COLD];
			} else {
				snprintf(buf, sizeof buf, "%s", titles[c]);
			}
			x += draw_text(a, y + line, x, MIN(widths[c], a->cols - x), buf, attr, c != 1) + 1;
		}
	}
}

void draw_header(struct app *a, int y, int h)
{
	int base = a->lines >= HEADER_FULL_LINES ? 4 : 1;
	enum tui_drill s = header_subject(a);

	header_title(a, y);
	if (h >= 4 && base == 4) {
		header_rates(a, y + 1);
		header_usage(a, y + 2);
		header_cost(a, y + 3);
	}
	if (s == TUI_DRILL_NONE || h <= base)
		return;
	header_mode(a, y + base, s);
	if (s == TUI_DRILL_FD && h > base + 1)
		header_io_threads_draw(a, y + base + 1, h - base - 1);
}
