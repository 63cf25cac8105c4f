/* The header of meters, htop-style: what is profiled and its state, the
 * target's CPU as a bar, sampling rates and losses, its memory (and a leak
 * suspicion) and I/O rates, and how we sample and what it costs us.  Four
 * lines, or one on a short terminal; under them, on the Locks, I/O and
 * Allocations panes, how their numbers are collected, then on the I/O pane
 * the busiest threads' I/O and on the Allocations pane the RSS of the last
 * minute and what it is made of. */
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
/* Below this many, the panes' mode line goes too. */
#define HEADER_MODE_LINES 10
/* Threads shown above the I/O pane, by terminal height. */
#define HEADER_IO_THREADS(lines) ((lines) >= 40 ? 6 : (lines) >= 30 ? 4 : (lines) >= 20 ? 2 : 0)

/* Which of the Locks, I/O and allocation collectors the view is about, if
 * any (the pane, or a drill-down from it). */
static enum tui_drill header_subject(const struct app *a)
{
	if (a->help)
		return TUI_DRILL_NONE;
	if (a->tree.active)
		return a->tree.src;
	return view_pane(a)->drill;
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
	if (s == TUI_DRILL_ALLOC)
		return base + 2;   /* the mode, the memory line */
	return base + 1 + (s == TUI_DRILL_FD ? (int)header_io_lines(a) : 0);
}

/* Rates mean nothing once nothing more can arrive: show them as zero then,
 * not as the last second before the end.  A loaded snapshot shows the
 * averages over the run it recorded (tui/data.c). */
static bool header_ended(const struct app *a)
{
	return (app_data(a)->target.exited || a->sampling_stopped) && !a->src->loaded;
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
	if (a->baseline.set)
		snprintf(wbuf, sizeof wbuf, "since b, %" PRIu32 " s", d->window_secs);
	else if (a->src->loaded && d->target.saved_window_s)
		snprintf(wbuf, sizeof wbuf, "saved: last %" PRIu32 " s", d->target.saved_window_s);
	else if (win)
		snprintf(wbuf, sizeof wbuf, "last %" PRIu32 " s", win);
	else
		snprintf(wbuf, sizeof wbuf, "all %.0f s", d->duration_s);
	right = (int)strlen(wbuf) + 8;   /* "window " and a space */
	x = meter(a, y, x, "", "kprof-top", THEME_HEADER);
	snprintf(buf, sizeof buf, "%s", d->target.command[0] ? d->target.command : "?");
	/* Room for what follows: pid and state, or the whole "loaded ..." line. */
	int rest = a->src->loaded ? MIN((int)strlen(a->src->loaded) + 2, a->cols / 2) : 24;
	if (x < a->cols - right - rest)
		x += draw_text(a, y, x, MIN((int)strlen(buf), a->cols - right - rest - x), buf,
			       a->attr[THEME_METER_VALUE], false) + 1;
	if (a->src->loaded) {
		/* A file, not a process: no live pid or state to claim.  Cut
		 * to leave the window its room. */
		int room = MIN((int)strlen(a->src->loaded), a->cols - right - x - 2);
		if (room > 0)
			x += draw_text(a, y, x, room, a->src->loaded, a->attr[THEME_STATE_OK], false) + 2;
	} else {
		snprintf(buf, sizeof buf, "%d", (int)a->src->pid);
		x = meter(a, y, x, "pid ", buf, THEME_METER_VALUE);
		x = meter(a, y, x, "", state, bad ? THEME_STATE_BAD : THEME_STATE_OK);
	}
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
	/* Right after the growth it is about; the reason is on the
	 * Allocations pane's mode line. */
	if (u->leak_suspect && x < a->cols)
		x = meter(a, y, x - 1, "", "LEAK?", THEME_WARM);
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
	x = meter(a, y, x, "for ", buf, THEME_METER_VALUE);
	/* Why not perf (ptrace: "perf events refused (...)"); last, as it is
	 * the longest and the line is cut at the screen's edge. */
	if (d->target.backend_note[0])
		meter(a, y, x, "", d->target.backend_note, THEME_WARM);
}

/* "Locks: futex tracepoints - why", or the I/O or Allocations pane's: how
 * the numbers below were collected, since a sampled or missing collector
 * changes what they mean.  Allocations: why RSS looks like a leak, too. */
static void header_mode(struct app *a, int y, enum tui_drill s)
{
	const struct tui_data *d = app_data(a);
	const struct model_target *t = &d->target;
	const char *label = "I/O: ", *mode = panes_io_mode(t), *note = t->trace_note;
	bool full = !strcmp(t->io_mode, "traced");
	char buf[320];
	int x = 0;

	if (s == TUI_DRILL_LOCK) {
		label = "Locks: ";
		mode = panes_locks_mode(t);
		full = !strcmp(t->locks_mode, "traced");
	} else if (s == TUI_DRILL_ALLOC) {
		label = "Allocations: ";
		mode = panes_alloc_mode(t);
		full = !strcmp(t->alloc_mode, "preload") || !strcmp(t->alloc_mode, "uprobes");
		note = t->alloc_note;
	}
	draw_text(a, y, 0, a->cols, "", a->attr[THEME_NORMAL], false);
	x = meter(a, y, x, label, mode, full ? THEME_METER_VALUE : THEME_WARM);
	if (note[0] && x < a->cols)
		x += draw_text(a, y, x, MIN(draw_width(a, note), a->cols - x), note,
			       a->attr[THEME_COLD], false) + 2;
	if (s == TUI_DRILL_LOCK && d->got.locks && x + 2 < a->cols) {
		char w[32];
		panes_format_ns(d->lock_wait_ns, w, sizeof w);
		snprintf(buf, sizeof buf, "%zu lock%s, %s waited since the start", d->nlocks,
			 d->nlocks == 1 ? "" : "s", w);
		draw_text(a, y, x, a->cols - x, buf, a->attr[THEME_COLD], false);
	}
	if (s == TUI_DRILL_ALLOC && d->usage.leak_suspect && x + 2 < a->cols) {
		snprintf(buf, sizeof buf, "LEAK? %s", d->usage.leak_reason);
		draw_text(a, y, x, a->cols - x, buf, a->attr[THEME_WARM], false);
	}
}

/* RSS over the last minute, a cell per few seconds (their highest),
 * scaled from the lowest to the highest reading: growth is the shape to
 * see, and it is small beside the whole. */
static void header_rss_spark(const struct app *a, int cells, char *buf, size_t len)
{
	uint64_t v[TUI_SPARK_N], lo = UINT64_MAX, hi = 0;
	size_t used = 0;

	view_spark_rss(a, v);
	for (unsigned i = 0; i < TUI_SPARK_N; i++)
		if (v[i]) {
			lo = MIN(lo, v[i]);
			hi = MAX(hi, v[i]);
		}
	buf[0] = '\0';
	for (int c = 0; c < cells && used + 4 < len; c++) {
		unsigned from = (unsigned)(c * TUI_SPARK_N / cells);
		unsigned to = (unsigned)((c + 1) * TUI_SPARK_N / cells);
		uint64_t m = 0;
		unsigned level;
		for (unsigned i = from; i < to; i++)
			m = MAX(m, v[i]);
		level = !m ? 0 : hi == lo ? 4 : 1 + (unsigned)((double)(m - lo) * 7 / (double)(hi - lo));
		used += (size_t)snprintf(buf + used, len - used, "%s", panes_spark_glyph(a->utf8, level));
	}
}

/* "RSS 60s ▂▃▅▇  anon 80.0M (+1.0M/s)  file 12.0M  shmem 0B  heap 64.0M
 * swap 0B": which kind of memory grows says where to look (anonymous: the
 * heap and its sites below; file: mappings; swap: pressure). */
static void header_memory(struct app *a, int y)
{
	const struct usage_rates *u = &app_data(a)->usage;
	int cells = a->cols >= 100 ? 30 : a->cols >= 60 ? 15 : 0, x = 0;
	char spark[30 * 4 + 1], b[32], r[32], buf[80];

	draw_text(a, y, 0, a->cols, "", a->attr[THEME_NORMAL], false);
	if (cells) {
		header_rss_spark(a, cells, spark, sizeof spark);
		x = meter(a, y, x, "RSS 60s ", "", THEME_NORMAL) - 2;
		if (x + cells + 2 <= a->cols)
			x += draw_text(a, y, x, cells, spark, a->attr[THEME_SPARK], false) + 2;
	}
	if (!u->has_mem) {
		meter(a, y, x, "memory ", "n/a", THEME_COLD);
		return;
	}
	usage_format_bytes((double)u->rss_anon, b, sizeof b);
	usage_format_rate(u->anon_growth_bytes_per_s, true, r, sizeof r);
	snprintf(buf, sizeof buf, "%s (%s)", b, r);
	x = meter(a, y, x, "anon ", buf, THEME_METER_VALUE);
	usage_format_bytes((double)u->rss_file, b, sizeof b);
	x = meter(a, y, x, "file ", b, THEME_METER_VALUE);
	usage_format_bytes((double)u->rss_shmem, b, sizeof b);
	x = meter(a, y, x, "shmem ", b, THEME_METER_VALUE);
	if (u->has_maps) {
		usage_format_bytes((double)u->heap_bytes, b, sizeof b);
		x = meter(a, y, x, "heap ", b, THEME_METER_VALUE);
	}
	usage_format_bytes((double)u->vm_swap, b, sizeof b);
	meter(a, y, x, "swap ", b, u->vm_swap ? THEME_WARM : THEME_METER_VALUE);
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
	if (s == TUI_DRILL_ALLOC && h > base + 1)
		header_memory(a, y + base + 1);
}
