/* The plain-text batch report (kprof-top -b): what was profiled and how,
 * the findings (bottlenecks named by rules, ranked), the hotspot table, the heaviest call paths into the top functions, the
 * threads, lock waits, I/O by fd and thread, and allocation growth.  Lines
 * stay within REPORT_WIDTH columns. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "export.h"
#include "findings.h"
#include "hotspots.h"
#include "model.h"
#include "thread_hotspots.h"
#include "../common/xalloc.h"

#define REPORT_WIDTH   100
#define TOP_FUNCS      25
#define PATH_FUNCS     5
#define PATHS_PER_FUNC 3
#define FUNC_COL       46
#define MODULE_COL     25
#define PATH_SEP       " > "
#define PATH_FRAME     40   /* columns one frame may take in a path */
#define HOT_COL        38   /* what the threads' columns leave of REPORT_WIDTH */
#define TOP_LOCKS      10
#define SITES_PER_ROW  2
#define LOCK_NAME_COL  30
#define TOP_FDS        20
#define IO_SITE_FDS    5    /* top files that get their heaviest call site */
#define IO_PATH_COL    32
#define TOP_IO_THREADS 20
#define TOP_ALLOC_SITES 10
#define ALLOC_PATH_SITES 5  /* top sites that get their whole path */
#define ALLOC_NAME_COL 28

/* s for a table cell: control characters (a newline in a JIT's symbol would
 * break the table) become '?', and more than w columns is cut, marked with
 * "...".  buf holds at least w + 1 bytes. */
static const char *fit(const char *s, size_t w, char *buf)
{
	size_t len = strlen(s), n = MIN(len, w);

	for (size_t i = 0; i < n; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	if (len > w)
		memcpy(buf + w - 3, "...", 3);
	buf[n] = '\0';
	return buf;
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* RSS, its growth and the read/write rates, over the report's window. */
static void report_usage(FILE *f, const struct model *m, uint32_t window_secs)
{
	struct usage_rates u;
	char rss[64], io[64];

	usage_rates(m->usage, window_secs, &u);
	if (!u.readings)
		return;   /* no reading ever came (a replayed or synthetic model) */
	usage_format_meters(&u, rss, sizeof rss, io, sizeof io);
	fprintf(f, "process:   %s, I/O %s (rchar/wchar)%s\n", rss, io,
		u.io_unreadable ? ", /proc/PID/io unreadable" : "");
}

static void report_header(FILE *f, const struct model *m, uint32_t window_secs,
			  uint64_t in_window)
{
	const struct model_target *t = &m->target;
	const struct model_stats *st = &m->stats;
	double dur = model_duration_s(m);
	char cmd[61];

	fprintf(f, "kprof-top report: %s (pid %" PRIu32 ")",
		fit(t->command[0] ? t->command : "?", sizeof cmd - 1, cmd), t->pid);
	if (t->exited && t->wait_status >= 0 && WIFEXITED(t->wait_status))
		fprintf(f, ", exited with status %d\n", WEXITSTATUS(t->wait_status));
	else if (t->exited && t->wait_status >= 0 && WIFSIGNALED(t->wait_status))
		fprintf(f, ", killed by signal %d\n", WTERMSIG(t->wait_status));
	else
		fputs(t->exited ? ", exited\n" : ", still running\n", f);

	fprintf(f, "sampling:  backend %s, call graph %s, %u Hz per thread\n",
		t->backend[0] ? t->backend : "?", t->call_graph[0] ? t->call_graph : "?",
		t->frequency);
	if (t->backend_note[0])
		fprintf(f, "backend:   %s\n", t->backend_note);
	if (window_secs)
		fprintf(f, "duration:  %.2f s (this report: the last %" PRIu32 " s)\n", dur, window_secs);
	else
		fprintf(f, "duration:  %.2f s\n", dur);
	fprintf(f, "samples:   %" PRIu64 " taken, %" PRIu64 " lost (%.2f%%), %" PRIu64
		" in this report, %" PRIu64 " in the kernel\n", st->samples, st->lost,
		pct(st->lost, st->samples + st->lost), in_window, st->kernel_samples);
	if (st->unwound)
		fprintf(f, "unwinding: %" PRIu64 " stacks, %.1f us each, %" PRIu64
			" truncated (%.2f%%)\n", st->unwound,
			(double)st->unwind_ns / 1e3 / (double)st->unwound,
			st->truncated, pct(st->truncated, st->unwound));
	report_usage(f, m, window_secs);
	fprintf(f, "profiler:  %.3f s of CPU", (double)st->profiler_cpu_ns / 1e9);
	if (dur > 0)
		fprintf(f, " (%.2f%% of one core)", 100.0 * (double)st->profiler_cpu_ns / 1e9 / dur);
	fputc('\n', f);
}

/* text from column indent, broken at spaces so no line passes REPORT_WIDTH
 * (a word longer than a line is cut by the width alone). */
static void report_wrap(FILE *f, const char *text, int indent)
{
	const size_t w = REPORT_WIDTH - (size_t)indent;
	char buf[REPORT_WIDTH + 1];

	while (*text) {
		size_t len = strlen(text), n = MIN(len, w);
		if (n < len)
			for (size_t k = n; k > w / 2; k--)
				if (text[k] == ' ') {
					n = k;
					break;
				}
		for (size_t k = 0; k < n; k++)
			buf[k] = (unsigned char)text[k] < 0x20 || text[k] == 0x7f ? '?' : text[k];
		buf[n] = '\0';
		fprintf(f, "%*s%s\n", indent, "", buf);
		text += n;
		while (*text == ' ')
			text++;
	}
}

/* The findings, most impact first: what to look at before the tables. */
static void report_findings(FILE *f, const struct model *m, uint32_t window_secs)
{
	struct finding *v;
	size_t n = findings_eval(m, window_secs, &v);
	char line[512];

	if (!n) {
		fputs("\nFindings: none (no rule fired)\n", f);
		return;
	}
	fprintf(f, "\nFindings (%zu; most impact first, impact = threads' worth of time)\n", n);
	for (size_t i = 0; i < n; i++) {
		snprintf(line, sizeof line, "%2zu. [%s] %s: %s (impact %.2f)", i + 1,
			 findings_severity_name(v[i].severity), v[i].rule, v[i].subject, v[i].impact);
		report_wrap(f, line, 2);
		report_wrap(f, v[i].evidence, 8);
		snprintf(line, sizeof line, "-> %s", v[i].recommendation);
		report_wrap(f, line, 6);
	}
	free(v);
}

static void report_hotspots(FILE *f, const struct model *m, const struct hotspot *hs, size_t nhs)
{
	char b1[FUNC_COL + 1], b2[MODULE_COL + 1];

	fprintf(f, "\nCPU hotspots (top %zu of %zu functions; SAMPLES = self)\n",
		MIN(nhs, (size_t)TOP_FUNCS), nhs);
	fprintf(f, "  SELF%%  TOTAL%%    SAMPLES  %-*s %s\n", FUNC_COL, "FUNCTION", "MODULE");
	for (size_t i = 0; i < nhs && i < TOP_FUNCS; i++) {
		const struct func *fn = funcs_get(m->funcs, hs[i].func);
		fprintf(f, "%7.2f %7.2f %10" PRIu64 "  %-*s %s\n", hs[i].self_pct, hs[i].total_pct,
			hs[i].self, FUNC_COL, fit(fn->name, FUNC_COL, b1), fit(fn->module, MODULE_COL, b2));
	}
}

static size_t path_frame_len(const struct model *m, uint32_t func)
{
	return MIN(strlen(funcs_get(m->funcs, func)->name), (size_t)PATH_FRAME);
}

/* "root > ... > caller > leaf" within width: the root and the frames next
 * to the leaf say the most, so the middle goes first; a long C++ name is cut
 * so that one frame can't hide all the others. */
static void report_path(FILE *f, const struct model *m, uint32_t stack, size_t width)
{
	uint32_t nf;
	const uint32_t *fr = stacks_frames(m->stacks, stack, &nf);
	const size_t sep = strlen(PATH_SEP), elided = strlen(PATH_SEP "..." PATH_SEP);
	char buf[PATH_FRAME + 1];
	size_t len = 0, first = nf;   /* frames [first, nf) are shown whole */

	if (!nf)
		return;
	for (size_t k = nf; k-- > 0;) {
		len += path_frame_len(m, fr[k]) + (k + 1 < nf ? sep : 0);
		if (len + (k > 0 ? path_frame_len(m, fr[0]) + elided : 0) > width)
			break;
		first = k;
	}
	if (first > 0)
		fprintf(f, "%s" PATH_SEP "...", fit(funcs_get(m->funcs, fr[0])->name, PATH_FRAME, buf));
	for (size_t k = first; k < nf; k++)
		fprintf(f, "%s%s", k > 0 ? PATH_SEP : "",
			fit(funcs_get(m->funcs, fr[k])->name, PATH_FRAME, buf));
}

static int count_desc(const void *a, const void *b)
{
	const struct stack_count *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return (x->stack > y->stack) - (x->stack < y->stack);
}

static void report_paths(FILE *f, const struct model *m, const struct hotspot *hs, size_t nhs,
			 const struct stack_count *counts, size_t n)
{
	struct stack_count *mine = xmalloc((n ? n : 1) * sizeof *mine);
	char b1[REPORT_WIDTH + 1];
	int shown = 0;

	for (size_t i = 0; i < nhs && shown < PATH_FUNCS; i++) {
		if (!hs[i].self)
			break;   /* sorted by self: the rest are never a leaf */
		size_t nm = 0;
		for (size_t j = 0; j < n; j++) {
			uint32_t nf;
			const uint32_t *fr = stacks_frames(m->stacks, counts[j].stack, &nf);
			if (nf && fr[nf - 1] == hs[i].func)
				mine[nm++] = counts[j];
		}
		qsort(mine, nm, sizeof *mine, count_desc);
		if (!shown++)
			fprintf(f, "\nHeaviest call paths into the top functions (%% of the function's self samples)\n");
		fprintf(f, "  %s  (%.2f%% self, %" PRIu64 " samples, %zu distinct path%s)\n",
			fit(funcs_get(m->funcs, hs[i].func)->name, REPORT_WIDTH - 50, b1),
			hs[i].self_pct, hs[i].self, nm, nm == 1 ? "" : "s");
		for (size_t j = 0; j < nm && j < PATHS_PER_FUNC; j++) {
			fprintf(f, "    %6.2f%%  ", pct(mine[j].count, hs[i].self));
			report_path(f, m, mine[j].stack, REPORT_WIDTH - 13);
			fputc('\n', f);
		}
	}
	free(mine);
}

/* Threads with their share of the run and their hottest function (most
 * self samples on the thread in the report's window). */
static void report_threads(FILE *f, const struct model *m, uint32_t window_secs)
{
	const struct threads *t = m->threads;
	struct thread_hotspot *hot;
	size_t nhot = thread_hotspots_hottest_in(m->stacks, m->thread_stacks, window_secs, &hot);
	uint64_t all = 0;
	char b1[21], b2[HOT_COL + 1];

	for (size_t i = 0; i < threads_count(t); i++)
		all += threads_at(t, i)->samples;
	fprintf(f, "\nThreads (%zu; samples over the whole run)\n", threads_count(t));
	fprintf(f, "%10s  %-20s %10s %7s  %-7s  %s\n", "TID", "NAME", "SAMPLES", "%", "STATE",
		"HOTTEST FUNCTION");
	for (size_t i = 0; i < threads_count(t); i++) {
		const struct thread_info *ti = threads_at(t, i);
		const struct thread_hotspot *h = thread_hotspots_find(hot, nhot, ti->tid);
		fprintf(f, "%10" PRIu32 "  %-20s %10" PRIu64 " %7.2f  %-7s  %s\n", ti->tid,
			fit(ti->name[0] ? ti->name : "?", 20, b1), ti->samples,
			pct(ti->samples, all), ti->exited ? "exited" : "running",
			h ? fit(funcs_get(m->funcs, h->func)->name, HOT_COL, b2) : "-");
	}
	free(hot);
}

/* A duration for prose: "850 ns", "12.3 us", "4.10 ms", "1.52 s". */
static const char *fmt_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000)
		snprintf(buf, len, "%" PRIu64 " ns", ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1f us", (double)ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.2f ms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", (double)ns / 1e9);
	return buf;
}

/* Locks by time waited: one line of totals each, then where the heaviest
 * call sites waited (shares of the lock's estimated site time). */
static void report_locks(FILE *f, const struct model *m)
{
	const struct locks *l = m->locks;
	const struct lock_info **v;
	size_t n = locks_by_wait(l, &v);
	const char *mode = model_collect_mode(m->target.locks_mode, locks_count(l) > 0, "off");
	char name[LOCK_NAME_COL + 1], b1[24], b2[24];

	if (!strcmp(mode, "traced"))
		fprintf(f, "\nLock waits (%zu lock%s; every futex wait traced, whole run; "
			"call sites estimated)\n", n, n == 1 ? "" : "s");
	else if (!strcmp(mode, "sampled"))
		fprintf(f, "\nLock waits (%zu lock%s; sampled from /proc: estimates, waits = "
			"samples seen blocked)\n", n, n == 1 ? "" : "s");
	else
		fprintf(f, "\nLock waits: not collected%s%s\n", m->target.trace_note[0] ? " (" : "",
			m->target.trace_note[0] ? m->target.trace_note : "");
	if (m->target.trace_note[0] && strcmp(mode, "off") != 0 && strcmp(mode, "traced") != 0)
		fprintf(f, "  (%s)\n", m->target.trace_note);
	if (!n && strcmp(mode, "off") != 0)
		fputs("  No thread waited on a lock.\n", f);
	for (size_t i = 0; i < n && i < TOP_LOCKS; i++) {
		const struct lock_info *li = v[i];
		struct lock_site *sites;
		size_t ns = locks_sites(l, li->addr, &sites);
		uint64_t site_ns = 0;
		if (li->name[0])
			fit(li->name, LOCK_NAME_COL, name);
		else
			snprintf(name, sizeof name, "0x%" PRIx64, li->addr);
		fprintf(f, "  %s (%s): %" PRIu64 " waits, %s total (%.1f%% of their time)\n",
			name, locks_kind_name(li->kind), li->waits, fmt_ns(li->wait_ns, b1, sizeof b1),
			locks_wait_pct(l, li, m->start_ns, m->now_ns));
		fprintf(f, "    %" PRIu32 " thread%s, max %s, %" PRIu64 " wake%s\n", li->nthreads,
			li->nthreads == 1 ? "" : "s", fmt_ns(li->max_wait_ns, b2, sizeof b2),
			li->wakes, li->wakes == 1 ? "" : "s");
		for (size_t k = 0; k < ns; k++)
			site_ns += sites[k].wait_ns;
		for (size_t k = 0; k < ns && k < SITES_PER_ROW && sites[k].wait_ns; k++) {
			fprintf(f, "    %6.2f%%  ", pct(sites[k].wait_ns, site_ns));
			report_path(f, m, sites[k].stack, REPORT_WIDTH - 13);
			fputc('\n', f);
		}
		free(sites);
	}
	if (n > TOP_LOCKS)
		fprintf(f, "  ... and %zu more\n", n - TOP_LOCKS);
	free(v);
}

/* Threads by what they asked to move over the run, busiest first: the
 * ones the report has room for must be the ones that matter. */
static int io_thread_busiest(const void *a, const void *b)
{
	const struct io_thread *x = *(const struct io_thread *const *)a;
	const struct io_thread *y = *(const struct io_thread *const *)b;
	double rx = x->has_run_rates ? x->run_rchar_per_s + x->run_wchar_per_s : -1;
	double ry = y->has_run_rates ? y->run_rchar_per_s + y->run_wchar_per_s : -1;

	if (rx != ry)
		return rx < ry ? 1 : -1;
	return (x->tid > y->tid) - (x->tid < y->tid);
}

/* Files by bytes moved over the whole run, with their rates over each
 * row's life, the heaviest call site of the top ones, then per-thread
 * rates (rchar/wchar, whole run). */
static void report_io(FILE *f, const struct model *m)
{
	const struct io *io = m->io;
	uint32_t *rows;
	size_t n = io_fds_by_bytes(io, &rows), nt = io_thread_count(io);
	const char *mode = model_collect_mode(m->target.io_mode, n > 0, "counters");
	char path[IO_PATH_COL + 1], rb[16], wb[16], rr[24], wr[24], b1[21];

	if (strcmp(mode, "traced") != 0 && !n && !nt) {
		if (m->target.io_mode[0])
			fprintf(f, "\nI/O per fd: not collected%s%s%s\n", m->target.trace_note[0] ? " (" : "",
				m->target.trace_note, m->target.trace_note[0] ? ")" : "");
		free(rows);
		return;
	}
	fprintf(f, "\nI/O by fd (%zu file%s; traced calls, whole run; rates over each file's life)\n",
		n, n == 1 ? "" : "s");
	if (strcmp(m->target.io_mode, "traced") != 0 && m->target.trace_note[0])
		fprintf(f, "  (%s)\n", m->target.trace_note);
	if (n)
		fprintf(f, "%6s  %-*s %9s %9s %10s %10s %9s  %s\n", "FD", IO_PATH_COL, "PATH", "READ",
			"WRITE", "READ/S", "WRITE/S", "CALLS", "STATE");
	for (size_t i = 0; i < n && i < TOP_FDS; i++) {
		const struct io_fd *fd = io_fd_at(io, rows[i]);
		struct io_site *sites;
		size_t ns = io_sites(io, rows[i], &sites);
		usage_format_bytes((double)fd->read_bytes, rb, sizeof rb);
		usage_format_bytes((double)fd->write_bytes, wb, sizeof wb);
		usage_format_rate(io_fd_rate(fd, fd->read_bytes, m->now_ns), false, rr, sizeof rr);
		usage_format_rate(io_fd_rate(fd, fd->write_bytes, m->now_ns), false, wr, sizeof wr);
		fprintf(f, "%6" PRId32 "  %-*s %9s %9s %10s %10s %9" PRIu64 "  %s\n", fd->fd,
			IO_PATH_COL, fit(fd->name, IO_PATH_COL, path), rb, wb, rr, wr,
			fd->reads + fd->writes, fd->closed ? "closed" : "open");
		if (ns && i < IO_SITE_FDS) {
			fputs("          from  ", f);
			report_path(f, m, sites[0].stack, REPORT_WIDTH - 16);
			fputc('\n', f);
		}
		free(sites);
	}
	if (n > TOP_FDS)
		fprintf(f, "  ... and %zu more\n", n - TOP_FDS);
	free(rows);
	if (!nt)
		return;
	fprintf(f, "\nI/O by thread (/proc/PID/task/TID/io, whole run)\n");
	fprintf(f, "%10s  %-20s %10s %10s %10s %10s\n", "TID", "NAME", "RCHAR/S", "WCHAR/S",
		"DISK R/S", "DISK W/S");
	const struct io_thread **byrate = xmalloc((nt ? nt : 1) * sizeof *byrate);
	for (size_t i = 0; i < nt; i++)
		byrate[i] = io_thread_at(io, i);
	if (nt)
		qsort(byrate, nt, sizeof *byrate, io_thread_busiest);
	for (size_t i = 0; i < nt && i < TOP_IO_THREADS; i++) {
		const struct io_thread *t = byrate[i];
		const char *name = "?";
		char r1[24] = "-", r2[24] = "-", r3[24] = "-", r4[24] = "-";
		for (size_t k = 0; k < threads_count(m->threads); k++)
			if (threads_at(m->threads, k)->tid == t->tid && threads_at(m->threads, k)->name[0])
				name = threads_at(m->threads, k)->name;
		if (t->has_run_rates) {
			usage_format_rate(t->run_rchar_per_s, false, r1, sizeof r1);
			usage_format_rate(t->run_wchar_per_s, false, r2, sizeof r2);
			usage_format_rate(t->run_read_bytes_per_s, false, r3, sizeof r3);
			usage_format_rate(t->run_write_bytes_per_s, false, r4, sizeof r4);
		}
		fprintf(f, "%10" PRIu32 "  %-20s %10s %10s %10s %10s\n", t->tid, fit(name, 20, b1),
			r1, r2, r3, r4);
	}
	if (nt > TOP_IO_THREADS)
		fprintf(f, "  ... and %zu more\n", nt - TOP_IO_THREADS);
	free(byrate);
}

/* "leaf ← caller" of an allocation site, each name cut to ALLOC_NAME_COL. */
static const char *alloc_site_name(const struct model *m, const struct alloc_site_info *si,
				   char *buf, size_t len)
{
	char b1[ALLOC_NAME_COL + 1], b2[ALLOC_NAME_COL + 1];
	uint32_t nf = 0;
	const uint32_t *fr = si->other ? NULL : stacks_frames(m->stacks, si->stack, &nf);

	if (si->other)
		snprintf(buf, len, "(other sites)");
	else if (!nf)
		snprintf(buf, len, "[unknown]");
	else if (nf == 1)
		snprintf(buf, len, "%s", fit(funcs_get(m->funcs, fr[0])->name, ALLOC_NAME_COL, b1));
	else
		snprintf(buf, len, "%s ← %s", fit(funcs_get(m->funcs, fr[nf - 1])->name, ALLOC_NAME_COL, b1),
			 fit(funcs_get(m->funcs, fr[nf - 2])->name, ALLOC_NAME_COL, b2));
	return buf;
}

/* The process's memory, then the sites: the growing ones (tracked
 * allocations) or the touching ones (page faults) first, as alloc_sites
 * ranks them, over the report's window. */
static void report_alloc(FILE *f, const struct model *m, uint32_t window_secs)
{
	struct usage_rates u;
	struct alloc_site_info *v;
	size_t n = alloc_sites(m->alloc, window_secs, &v);
	const char *mode = m->target.alloc_mode[0] ? m->target.alloc_mode : n ? "unknown" : "off";
	bool faults = !strcmp(mode, "faults");
	char name[2 * ALLOC_NAME_COL + 8], b1[24], b2[24], b3[24], b4[24];

	usage_rates(m->usage, window_secs, &u);
	if (!u.readings && !n && !m->target.alloc_mode[0]) {
		free(v);
		return;   /* nothing was collected (a synthetic model) */
	}
	if (!strcmp(mode, "off"))
		fprintf(f, "\nAllocations: call sites not collected%s%s%s\n",
			m->target.alloc_note[0] ? " (" : "", m->target.alloc_note,
			m->target.alloc_note[0] ? ")" : "");
	else if (faults)
		fprintf(f, "\nAllocations (%zu site%s; sampled page faults: where new memory is first "
			"touched)\n", n, n == 1 ? "" : "s");
	else
		fprintf(f, "\nAllocations (%zu site%s; %s, sampled by bytes: estimates)\n", n,
			n == 1 ? "" : "s", mode);
	if (strcmp(mode, "off") != 0 && m->target.alloc_note[0])
		fprintf(f, "  (%s)\n", m->target.alloc_note);
	if (u.has_rss) {
		usage_format_bytes((double)u.rss_bytes, b1, sizeof b1);
		fprintf(f, "  RSS %s", b1);
		if (u.has_growth) {
			usage_format_rate(u.rss_growth_bytes_per_s, true, b2, sizeof b2);
			fprintf(f, " (%s, fit R² %.2f)", b2, u.rss_fit_r2);
		}
		if (u.has_mem) {
			usage_format_bytes((double)u.rss_anon, b3, sizeof b3);
			fprintf(f, ", anon %s", b3);
			if (u.has_anon_growth) {
				usage_format_rate(u.anon_growth_bytes_per_s, true, b4, sizeof b4);
				fprintf(f, " (%s)", b4);
			}
		}
		if (u.has_maps) {
			usage_format_bytes((double)u.heap_bytes, b1, sizeof b1);
			fprintf(f, ", heap %s, %" PRIu32 " maps", b1, u.nr_maps);
		}
		fputc('\n', f);
		if (u.leak_suspect)
			fprintf(f, "  RSS grows steadily: %s — LEAK SUSPECT\n", u.leak_reason);
	}
	for (size_t i = 0; i < n && i < TOP_ALLOC_SITES; i++) {
		const struct alloc_site_info *si = &v[i];
		alloc_site_name(m, si, name, sizeof name);
		if (faults || (!si->allocs && si->touched_bytes)) {
			usage_format_rate(si->touched_bytes_per_s, false, b1, sizeof b1);
			usage_format_bytes((double)si->touched_bytes, b2, sizeof b2);
			fprintf(f, "  %s: touched %s (%s in all)\n", name, b1, b2);
		} else {
			usage_format_rate(si->growth_bytes_per_s, true, b1, sizeof b1);
			usage_format_bytes((double)si->outstanding_bytes, b2, sizeof b2);
			fprintf(f, "  %s: %s, %s outstanding", name, b1, b2);
			if (si->live)
				fprintf(f, ", oldest %.0f s", si->oldest_age_s);
			fputs(si->leak_suspect ? " — LEAK SUSPECT\n" : "\n", f);
			usage_format_rate(si->alloc_bytes_per_s, false, b3, sizeof b3);
			usage_format_rate(si->free_bytes_per_s, false, b4, sizeof b4);
			fprintf(f, "      alloc %s, freed %s, %" PRIu64 " sampled allocs, %" PRIu64
				" frees\n", b3, b4, si->allocs, si->frees);
		}
		if (i < ALLOC_PATH_SITES && !si->other) {
			fputs("      ", f);
			report_path(f, m, si->stack, REPORT_WIDTH - 6);
			fputc('\n', f);
		}
	}
	if (n > TOP_ALLOC_SITES)
		fprintf(f, "  ... and %zu more\n", n - TOP_ALLOC_SITES);
	free(v);
}

int export_report(FILE *f, const struct model *m, uint32_t window_secs)
{
	struct stack_count *counts;
	size_t n = timeline_window(m->timeline, window_secs, &counts);
	struct hotspot *hs;
	uint64_t in_window = 0;
	size_t nhs = hotspots_compute(m->stacks, counts, n, &hs, &in_window);

	report_header(f, m, window_secs, in_window);
	report_findings(f, m, window_secs);
	if (in_window) {
		report_hotspots(f, m, hs, nhs);
		report_paths(f, m, hs, nhs, counts, n);
	} else {
		fprintf(f, "\nNo CPU samples%s.\n", window_secs ? " in this window" : "");
	}
	report_threads(f, m, window_secs);
	report_locks(f, m);
	report_io(f, m);
	report_alloc(f, m, window_secs);
	free(hs);
	free(counts);
	return ferror(f) ? -1 : 0;
}
