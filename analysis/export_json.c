/* The JSON snapshot (docs/snapshot-format.md, version 1): every pane's data
 * in one object.  Keys of the stable core are those in DESIGN.md; the rest
 * are additions a reader may ignore.  Built with jansson; frame names are
 * one shared string per function, referenced from every stack. */
#include "config.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "export.h"
#include "json_out.h"
#include "findings.h"
#include "hotspots.h"
#include "model.h"
#include "thread_hotspots.h"
#include "u64map.h"
#include "../common/xalloc.h"

#define SNAPSHOT_VERSION 1
#define NO_COLLECTOR "no collector for this section ran in this version"


static json_t *json_target(const struct model_target *t)
{
	json_t *o = json_object();

	json_object_set_new(o, "pid", json_integer(t->pid));
	json_object_set_new(o, "command", json_str(t->command));
	json_object_set_new(o, "exited", json_boolean(t->exited));
	json_object_set_new(o, "launched", json_boolean(t->launched));
	if (t->exited && t->wait_status >= 0) {
		if (WIFEXITED(t->wait_status))
			json_object_set_new(o, "exit_code", json_integer(WEXITSTATUS(t->wait_status)));
		else if (WIFSIGNALED(t->wait_status))
			json_object_set_new(o, "exit_signal", json_integer(WTERMSIG(t->wait_status)));
	}
	/* What a reload needs to print the same report (--load). */
	json_object_set_new(o, "wait_status", json_integer(t->wait_status));
	json_object_set_new(o, "locks_mode", json_str(t->locks_mode));
	json_object_set_new(o, "io_mode", json_str(t->io_mode));
	json_object_set_new(o, "alloc_mode", json_str(t->alloc_mode));
	json_object_set_new(o, "trace_note", json_str(t->trace_note));
	json_object_set_new(o, "alloc_note", json_str(t->alloc_note));
	return o;
}

static json_t *json_samples(const struct model_stats *st, uint64_t in_window)
{
	json_t *o = json_object();

	json_object_set_new(o, "taken", json_u64(st->samples));
	json_object_set_new(o, "lost", json_u64(st->lost));
	json_object_set_new(o, "in_window", json_u64(in_window));
	json_object_set_new(o, "kernel", json_u64(st->kernel_samples));
	json_object_set_new(o, "unwound", json_u64(st->unwound));
	json_object_set_new(o, "unwind_ns", json_u64(st->unwind_ns));
	json_object_set_new(o, "truncated", json_u64(st->truncated));
	json_object_set_new(o, "faults", json_u64(st->faults));
	json_object_set_new(o, "faults_file", json_u64(st->faults_file));
	json_object_set_new(o, "faults_shim", json_u64(st->faults_shim));
	return o;
}

static json_t *json_frames(const struct model *m, json_t **names, uint32_t stack)
{
	uint32_t nf, nfuncs = funcs_count(m->funcs);
	const uint32_t *fr = stacks_frames(m->stacks, stack, &nf);
	json_t *a = json_array();

	for (uint32_t k = 0; k < nf; k++) {
		if (fr[k] >= nfuncs) {
			json_array_append_new(a, json_string("[unknown]"));
			continue;
		}
		if (!names[fr[k]])
			names[fr[k]] = json_str(funcs_get(m->funcs, fr[k])->name);
		json_array_append(a, names[fr[k]]);
	}
	return a;
}

static int json_count_cmp(const void *key, const void *elem)
{
	uint32_t k = *(const uint32_t *)key, s = ((const struct stack_count *)elem)->stack;

	return (k > s) - (k < s);
}

/* Per stack, the [tid, count] pairs of the threads that ran it in the
 * window: the threads pane and the per-thread split of a reloaded
 * snapshot.  counts is sorted by stack id (timeline_window). */
static json_t **json_stack_threads(const struct model *m, uint32_t window_secs,
				   const struct stack_count *counts, size_t n)
{
	struct thread_stack_count *tc;
	size_t nt = thread_stacks_window(m->thread_stacks, window_secs, &tc);
	json_t **per = xcalloc(n ? n : 1, sizeof *per);

	for (size_t i = 0; i < nt; i++) {
		const struct stack_count *c = bsearch(&tc[i].stack, counts, n, sizeof *counts,
						      json_count_cmp);
		json_t *pair;
		if (!c)
			continue;
		pair = json_array();
		size_t k = (size_t)(c - counts);
		if (!per[k])
			per[k] = json_array();
		json_array_append_new(pair, json_integer(tc[i].tid));
		json_array_append_new(pair, json_u64(tc[i].count));
		json_array_append_new(per[k], pair);
	}
	free(tc);
	return per;
}

/* The function ids of a stack, beside its frames: two functions of one
 * name in two modules (malloc in libc and in a preload shim) stay two on
 * --load.  The ids index the top-level "functions" table. */
static json_t *json_frame_ids(const struct model *m, uint32_t stack)
{
	uint32_t nf, nfuncs = funcs_count(m->funcs);
	const uint32_t *fr = stacks_frames(m->stacks, stack, &nf);
	json_t *a = json_array();

	for (uint32_t k = 0; k < nf; k++)
		json_array_append_new(a, json_integer(fr[k] < nfuncs ? (json_int_t)fr[k] : -1));
	return a;
}

static void json_set_frames(json_t *o, const struct model *m, json_t **names, uint32_t stack)
{
	json_object_set_new(o, "frames", json_frames(m, names, stack));
	json_object_set_new(o, "frame_ids", json_frame_ids(m, stack));
}

/* Every function a frames array names: id, name, module. */
static json_t *json_functions(const struct model *m, json_t **names)
{
	json_t *a = json_array();

	for (uint32_t i = 0; i < funcs_count(m->funcs); i++) {
		json_t *o;
		if (!names[i])
			continue;
		o = json_object();
		json_object_set_new(o, "id", json_integer(i));
		json_object_set(o, "name", names[i]);
		json_object_set_new(o, "module", json_str(funcs_get(m->funcs, i)->module));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *json_cpu(const struct model *m, json_t **names, uint32_t window_secs,
			uint64_t *in_window)
{
	struct stack_count *counts;
	size_t n = timeline_window(m->timeline, window_secs, &counts);
	struct hotspot *hs;
	size_t nhs = hotspots_compute(m->stacks, counts, n, &hs, in_window);
	json_t *cpu = json_object(), *hot = json_array(), *stk = json_array();
	json_t **per = json_stack_threads(m, window_secs, counts, n);

	for (size_t i = 0; i < nhs; i++) {
		const struct func *fn = funcs_get(m->funcs, hs[i].func);
		json_t *o = json_object();
		json_object_set_new(o, "function", json_str(fn ? fn->name : "[unknown]"));
		json_object_set_new(o, "module", json_str(fn ? fn->module : "[unknown]"));
		json_object_set_new(o, "self_samples", json_u64(hs[i].self));
		json_object_set_new(o, "total_samples", json_u64(hs[i].total));
		json_object_set_new(o, "self_pct", json_real(hs[i].self_pct));
		json_object_set_new(o, "total_pct", json_real(hs[i].total_pct));
		json_object_set_new(o, "id", json_integer(hs[i].func));
		json_array_append_new(hot, o);
	}
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();
		json_set_frames(o, m, names, counts[i].stack);
		json_object_set_new(o, "count", json_u64(counts[i].count));
		json_object_set_new(o, "threads", per[i] ? per[i] : json_array());
		json_array_append_new(stk, o);
	}
	free(per);
	json_object_set_new(cpu, "samples", json_u64(*in_window));
	json_object_set_new(cpu, "hotspots", hot);
	json_object_set_new(cpu, "stacks", stk);
	free(hs);
	free(counts);
	return cpu;
}

static json_t *json_threads(const struct model *m, uint32_t window_secs)
{
	const struct threads *t = m->threads;
	struct thread_hotspot *hot;
	size_t nhot = thread_hotspots_hottest_in(m->stacks, m->thread_stacks, window_secs, &hot);
	json_t *a = json_array();

	for (size_t i = 0; i < threads_count(t); i++) {
		const struct thread_info *ti = threads_at(t, i);
		const struct thread_hotspot *h = thread_hotspots_find(hot, nhot, ti->tid);
		const struct func *fn = h ? funcs_get(m->funcs, h->func) : NULL;
		json_t *o = json_object();
		json_object_set_new(o, "tid", json_integer(ti->tid));
		json_object_set_new(o, "name", json_str(ti->name));
		json_object_set_new(o, "samples", json_u64(ti->samples));
		json_object_set_new(o, "exited", json_boolean(ti->exited));
		json_object_set_new(o, "first_ns", json_u64(ti->first_ns));
		json_object_set_new(o, "last_ns", json_u64(ti->last_ns));
		json_object_set_new(o, "exit_ns", json_u64(ti->exit_ns));
		if (fn) {
			json_object_set_new(o, "hottest_function", json_str(fn->name));
			json_object_set_new(o, "hottest_self_samples", json_u64(h->self));
		}
		json_array_append_new(a, o);
	}
	free(hot);
	return a;
}

/* A frame array for an allocation site: "(other sites)" has no stack. */
static json_t *json_site_frames(const struct model *m, json_t **names,
				const struct alloc_site_info *si)
{
	json_t *a;

	if (!si->other)
		return json_frames(m, names, si->stack);
	a = json_array();
	json_array_append_new(a, json_string("(other sites)"));
	return a;
}

static json_t *json_alloc_memory(const struct usage_rates *u)
{
	json_t *o = json_object();

	json_object_set_new(o, "rss_anon", json_u64(u->rss_anon));
	json_object_set_new(o, "rss_file", json_u64(u->rss_file));
	json_object_set_new(o, "rss_shmem", json_u64(u->rss_shmem));
	json_object_set_new(o, "vm_data", json_u64(u->vm_data));
	json_object_set_new(o, "vm_swap", json_u64(u->vm_swap));
	json_object_set_new(o, "heap_bytes", json_u64(u->heap_bytes));
	json_object_set_new(o, "nr_maps", json_integer(u->nr_maps));
	json_object_set_new(o, "known", json_boolean(u->has_mem));
	json_object_set_new(o, "maps_known", json_boolean(u->has_maps));
	return o;
}

/* Where the alloc numbers come from, by mode, and what is missing.  Every
 * mode but the allocation-tracking ones says "allocation call sites" are
 * not collected (scripts look for that). */
static char *json_alloc_note(const struct model *m, const char *mode, const struct usage_rates *u)
{
	const char *rss = u->has_rss
		? "rss from /proc/PID/status once a second, growth the least-squares slope over the window"
		: "no RSS reading (/proc/PID/status unreadable or the target gone)";
	const char *why = m->target.alloc_note;
	struct alloc_totals t;
	char dropped[96] = "";
	char *note;

	alloc_totals(m->alloc, &t);
	if (t.live_dropped)
		snprintf(dropped, sizeof dropped, "; %" PRIu64 " samples not tracked (live table "
			 "full): outstanding is a lower bound", t.live_dropped);
	if (!strcmp(mode, "faults"))
		xasprintf(&note, "%s; sites from sampled page faults: where new anonymous memory is "
			  "first touched (touched_bytes; %" PRIu64 " of %" PRIu64 " fault samples were "
			  "in file-backed mappings and skipped); allocation call sites (outstanding, "
			  "frees) are not tracked in this mode%s%s", rss, m->stats.faults_file,
			  m->stats.faults, why[0] ? ": " : "", why);
	else if (!strcmp(mode, "uprobes") || !strcmp(mode, "preload"))
		xasprintf(&note, "%s; allocation call sites from %s, sampled by bytes: byte numbers "
			  "are estimates (sums of sample weights); touched_bytes from sampled page "
			  "faults (%" PRIu64 " of %" PRIu64 " in the shim itself, skipped)%s%s%s", rss,
			  !strcmp(mode, "uprobes") ? "uprobes on every malloc/free"
			  : "the LD_PRELOAD shim", m->stats.faults_shim, m->stats.faults, dropped,
			  why[0] ? "; " : "", why);
	else if (!strcmp(mode, "off"))
		xasprintf(&note, "%s; allocation call sites are not collected%s%s", rss,
			  why[0] ? ": " : "", why);
	else
		xasprintf(&note, "%s; allocation call sites of unknown origin%s", rss, dropped);
	return note;
}

/* alloc: RSS, its breakdown and trend from the once-a-second readings,
 * leak suspicion from the trend's fit, and every call site, ranked as
 * alloc_sites ranks them (the model keeps at most ALLOC_MAX_SITES, so a
 * reload gets them all back).  A number that is unknown stays 0 (the core
 * keys are numbers) and the *_known flags and the note say so. */
static json_t *json_alloc(const struct model *m, json_t **names, const struct usage_rates *u,
			  uint32_t window_secs)
{
	json_t *alloc = json_object(), *sites = json_array();
	struct alloc_site_info *v;
	size_t n = alloc_sites(m->alloc, window_secs, &v);
	const char *mode = m->target.alloc_mode[0] ? m->target.alloc_mode : n ? "unknown" : "off";
	char *note = json_alloc_note(m, mode, u);

	json_object_set_new(alloc, "rss_bytes", json_u64(u->has_rss ? u->rss_bytes : 0));
	json_object_set_new(alloc, "rss_growth_bytes_per_s",
			    json_real(u->has_growth ? u->rss_growth_bytes_per_s : 0.0));
	json_object_set_new(alloc, "rss_known", json_boolean(u->has_rss));
	json_object_set_new(alloc, "mode", json_str(mode));
	json_object_set_new(alloc, "memory", json_alloc_memory(u));
	json_object_set_new(alloc, "anon_growth_bytes_per_s",
			    json_real(u->has_anon_growth ? u->anon_growth_bytes_per_s : 0.0));
	json_object_set_new(alloc, "rss_fit_r2", json_real(u->rss_fit_r2));
	json_object_set_new(alloc, "leak_suspect", json_boolean(u->leak_suspect));
	json_object_set_new(alloc, "leak_reason", json_str(u->leak_reason));
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "frames", json_site_frames(m, names, &v[i]));
		if (!v[i].other)
			json_object_set_new(o, "frame_ids", json_frame_ids(m, v[i].stack));
		json_object_set_new(o, "outstanding_bytes",
				    json_u64(v[i].outstanding_bytes > 0 ? (uint64_t)v[i].outstanding_bytes : 0));
		json_object_set_new(o, "growth_bytes_per_s", json_real(v[i].growth_bytes_per_s));
		json_object_set_new(o, "alloc_bytes_per_s", json_real(v[i].alloc_bytes_per_s));
		json_object_set_new(o, "free_bytes_per_s", json_real(v[i].free_bytes_per_s));
		json_object_set_new(o, "allocs", json_u64(v[i].allocs));
		json_object_set_new(o, "frees", json_u64(v[i].frees));
		json_object_set_new(o, "oldest_age_s", json_real(v[i].oldest_age_s));
		json_object_set_new(o, "leak_suspect", json_boolean(v[i].leak_suspect));
		json_object_set_new(o, "touched_bytes", json_u64(v[i].touched_bytes));
		json_object_set_new(o, "touched_bytes_per_s", json_real(v[i].touched_bytes_per_s));
		json_object_set_new(o, "alloc_bytes", json_u64(v[i].alloc_bytes));
		json_object_set_new(o, "free_bytes", json_u64(v[i].free_bytes));
		json_object_set_new(o, "live", json_u64(v[i].live));
		json_object_set_new(o, "faults", json_u64(v[i].faults));
		json_array_append_new(sites, o);
	}
	json_object_set_new(alloc, "sites", sites);
	json_object_set_new(alloc, "sites_total", json_u64(n));
	{
		struct alloc_totals t;
		alloc_totals(m->alloc, &t);
		json_object_set_new(alloc, "live_dropped", json_u64(t.live_dropped));
	}
	json_object_set_new(alloc, "note", json_str(note));
	free(note);
	free(v);
	return alloc;
}

static json_t *json_real_u(bool known, double v)
{
	return json_real(known ? v : 0.0);
}

static double json_mean(uint64_t bytes, uint64_t calls)
{
	return calls ? (double)bytes / (double)calls : 0.0;
}

static json_t *json_io_fds(const struct model *m, json_t **names)
{
	const struct io *io = m->io;
	uint32_t *rows;
	size_t n = io_fds_by_bytes(io, &rows);
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		const struct io_fd *f = io_fd_at(io, rows[i]);
		struct io_site *sites;
		size_t ns = io_sites(io, rows[i], &sites);
		json_t *o = json_object(), *js = json_array();
		json_object_set_new(o, "fd", json_integer(f->fd));
		json_object_set_new(o, "path", json_str(f->name));
		json_object_set_new(o, "read_bytes", json_u64(f->read_bytes));
		json_object_set_new(o, "write_bytes", json_u64(f->write_bytes));
		json_object_set_new(o, "reads", json_u64(f->reads));
		json_object_set_new(o, "writes", json_u64(f->writes));
		json_object_set_new(o, "read_bytes_per_s", json_real(io_fd_rate(f, f->read_bytes, m->now_ns)));
		json_object_set_new(o, "write_bytes_per_s", json_real(io_fd_rate(f, f->write_bytes, m->now_ns)));
		json_object_set_new(o, "mean_read_size", json_real(json_mean(f->read_bytes, f->reads)));
		json_object_set_new(o, "mean_write_size", json_real(json_mean(f->write_bytes, f->writes)));
		json_object_set_new(o, "read_ns", json_u64(f->read_ns));
		json_object_set_new(o, "write_ns", json_u64(f->write_ns));
		json_object_set_new(o, "errors", json_u64(f->errors));
		json_object_set_new(o, "sendfile_bytes", json_u64(f->sendfile_bytes));
		json_object_set_new(o, "sendfile_calls", json_u64(f->sendfile_calls));
		json_object_set_new(o, "closed", json_boolean(f->closed));
		json_object_set_new(o, "first_ns", json_u64(f->first_ns));
		json_object_set_new(o, "last_ns", json_u64(f->last_ns));
		json_object_set_new(o, "closed_ns", json_u64(f->closed_ns));
		for (size_t k = 0; k < ns; k++) {
			json_t *so = json_object();
			json_set_frames(so, m, names, sites[k].stack);
			json_object_set_new(so, "bytes", json_u64(sites[k].bytes));
			json_object_set_new(so, "calls", json_u64(sites[k].calls));
			json_object_set_new(so, "ns", json_u64(sites[k].ns));
			json_array_append_new(js, so);
		}
		json_object_set_new(o, "sites", js);
		json_array_append_new(a, o);
		free(sites);
	}
	free(rows);
	return a;
}

/* Both sets of a thread's rates, whatever the window (--load). */
static json_t *json_io_rates(bool known, double rchar, double wchar, double rb, double wb)
{
	json_t *o = json_object();

	json_object_set_new(o, "known", json_boolean(known));
	json_object_set_new(o, "rchar_per_s", json_real(rchar));
	json_object_set_new(o, "wchar_per_s", json_real(wchar));
	json_object_set_new(o, "read_bytes_per_s", json_real(rb));
	json_object_set_new(o, "write_bytes_per_s", json_real(wb));
	return o;
}

/* Per-thread rates over the run (window_s 0) or the last IO_RECENT_SECS
 * seconds of readings (any window: only those are kept per thread). */
static json_t *json_io_threads(const struct model *m, uint32_t window_secs)
{
	const struct io *io = m->io;
	struct u64map by_tid = { 0 };
	json_t *a = json_array();

	for (size_t i = 0; i < threads_count(m->threads); i++)
		u64map_put(&by_tid, threads_at(m->threads, i)->tid, (uint32_t)i);
	for (size_t i = 0; i < io_thread_count(io); i++) {
		const struct io_thread *t = io_thread_at(io, i);
		uint32_t ti = u64map_get(&by_tid, t->tid);
		bool run = window_secs == 0, known = run ? t->has_run_rates : t->has_rates;
		json_t *o = json_object();
		json_object_set_new(o, "tid", json_integer(t->tid));
		json_object_set_new(o, "name", json_str(ti == U64MAP_NONE ? "" : threads_at(m->threads, ti)->name));
		json_object_set_new(o, "rchar_per_s", json_real_u(known, run ? t->run_rchar_per_s : t->rchar_per_s));
		json_object_set_new(o, "wchar_per_s", json_real_u(known, run ? t->run_wchar_per_s : t->wchar_per_s));
		json_object_set_new(o, "read_bytes_per_s",
				    json_real_u(known, run ? t->run_read_bytes_per_s : t->read_bytes_per_s));
		json_object_set_new(o, "write_bytes_per_s",
				    json_real_u(known, run ? t->run_write_bytes_per_s : t->write_bytes_per_s));
		json_object_set_new(o, "rates_known", json_boolean(known));
		json_object_set_new(o, "rates_s", json_integer(run ? 0 : IO_RECENT_SECS));
		json_object_set_new(o, "rchar", json_u64(t->rchar));
		json_object_set_new(o, "wchar", json_u64(t->wchar));
		json_object_set_new(o, "read_bytes", json_u64(t->read_bytes));
		json_object_set_new(o, "write_bytes", json_u64(t->write_bytes));
		json_object_set_new(o, "first_ns", json_u64(t->first_ns));
		json_object_set_new(o, "last_ns", json_u64(t->last_ns));
		json_object_set_new(o, "run", json_io_rates(t->has_run_rates, t->run_rchar_per_s,
			t->run_wchar_per_s, t->run_read_bytes_per_s, t->run_write_bytes_per_s));
		json_object_set_new(o, "recent", json_io_rates(t->has_rates, t->rchar_per_s,
			t->wchar_per_s, t->read_bytes_per_s, t->write_bytes_per_s));
		json_array_append_new(a, o);
	}
	u64map_fini(&by_tid);
	return a;
}

/* io: rchar/wchar rates (what the process asked the kernel to move) and
 * the storage side (read_bytes/write_bytes) over the window; per fd and
 * per thread when traced. */
static json_t *json_io(const struct model *m, json_t **names, const struct usage_rates *u,
		       uint32_t window_secs)
{
	json_t *io = json_object();
	const char *mode = model_collect_mode(m->target.io_mode, io_fd_count(m->io) > 0, "counters");
	bool traced = !strcmp(mode, "traced");
	const char *rates = u->has_io
		? "rates from /proc/PID/io (rchar/wchar; disk_*: read_bytes/write_bytes) "
		  "once a second over the window"
		: u->io_unreadable
		? "/proc/PID/io was not readable (it needs ptrace access to the target: "
		  "same user, or CAP_SYS_PTRACE): rates unknown, not zero"
		: "fewer than two readings of /proc/PID/io in the window: rates unknown";
	char *note;

	json_object_set_new(io, "read_bytes_per_s", json_real_u(u->has_io, u->read_bytes_per_s));
	json_object_set_new(io, "write_bytes_per_s", json_real_u(u->has_io, u->write_bytes_per_s));
	json_object_set_new(io, "disk_read_bytes_per_s", json_real_u(u->has_io, u->disk_read_bytes_per_s));
	json_object_set_new(io, "disk_write_bytes_per_s", json_real_u(u->has_io, u->disk_write_bytes_per_s));
	json_object_set_new(io, "rates_known", json_boolean(u->has_io));
	json_object_set_new(io, "mode", json_str(mode));
	json_object_set_new(io, "fds", json_io_fds(m, names));
	json_object_set_new(io, "threads", json_io_threads(m, window_secs));
	if (traced)
		xasprintf(&note, "%s; fds from traced read/write-family syscalls over the whole "
			  "run (sites estimated from sampled stacks)", rates);
	else
		xasprintf(&note, "%s; %s%s%s", rates, io_fd_count(m->io)
			  ? "per-fd data covers only the time syscalls were traced"
			  : "per-fd data is not collected",
			  m->target.trace_note[0] ? ": " : "", m->target.trace_note);
	json_object_set_new(io, "note", json_str(note));
	free(note);
	return io;
}

/* locks: one row per futex that was waited on, whole run; "frames" are its
 * heaviest site's.  locks is an array in the core format, so how it was
 * collected sits beside it as locks_mode (and locks_note). */
static void json_locks(json_t *root, const struct model *m, json_t **names)
{
	const struct locks *l = m->locks;
	const struct lock_info **v;
	size_t n = locks_by_wait(l, &v);
	const char *mode = model_collect_mode(m->target.locks_mode, locks_count(l) > 0, "off");
	json_t *a = json_array();
	char addr[24];

	for (size_t i = 0; i < n; i++) {
		const struct lock_info *li = v[i];
		struct lock_site *sites;
		size_t ns = locks_sites(l, li->addr, &sites);
		json_t *o = json_object(), *js = json_array();
		snprintf(addr, sizeof addr, "0x%" PRIx64, li->addr);
		json_object_set_new(o, "lock", json_str(li->name[0] ? li->name : addr));
		json_object_set_new(o, "frames", ns ? json_frames(m, names, sites[0].stack) : json_array());
		json_object_set_new(o, "waits", json_u64(li->waits));
		json_object_set_new(o, "wait_ns", json_u64(li->wait_ns));
		json_object_set_new(o, "max_wait_ns", json_u64(li->max_wait_ns));
		json_object_set_new(o, "address", json_string(addr));
		json_object_set_new(o, "kind", json_string(locks_kind_name(li->kind)));
		json_object_set_new(o, "wakes", json_u64(li->wakes));
		json_object_set_new(o, "threads", json_integer(li->nthreads));
		json_object_set_new(o, "thread_wait_pct",
				    json_real(locks_wait_pct(l, li, m->start_ns, m->now_ns)));
		json_object_set_new(o, "first_ns", json_u64(li->first_ns));
		json_object_set_new(o, "last_ns", json_u64(li->last_ns));
		for (size_t k = 0; k < ns; k++) {
			json_t *so = json_object();
			json_set_frames(so, m, names, sites[k].stack);
			json_object_set_new(so, "waits", json_u64(sites[k].waits));
			json_object_set_new(so, "wait_ns", json_u64(sites[k].wait_ns));
			json_object_set_new(so, "wakes", json_u64(sites[k].wakes));
			json_object_set_new(so, "max_wait_ns", json_u64(sites[k].max_wait_ns));
			json_object_set_new(so, "threads", json_integer(sites[k].nthreads));
			json_array_append_new(js, so);
		}
		json_object_set_new(o, "sites", js);
		json_array_append_new(a, o);
		free(sites);
	}
	free(v);
	json_object_set_new(root, "locks", a);
	json_object_set_new(root, "locks_mode", json_str(mode));
	if (!strcmp(mode, "sampled")) {
		char *note;
		/* After the guard stopped tracing, rows hold exact traced waits
		 * (with sites) and sampled estimates added since. */
		bool was_traced = strncmp(m->target.trace_note, "tracing stopped", 15) == 0;
		xasprintf(&note, "%s sampled from /proc/PID/task/TID/syscall: estimates, a sampled "
			  "wait counts once per sample seen blocked, without call sites%s%s",
			  was_traced ? "waits traced exactly until tracing stopped, then" : "waits",
			  m->target.trace_note[0] ? "; " : "", m->target.trace_note);
		json_object_set_new(root, "locks_note", json_str(note));
		free(note);
	} else if (strcmp(mode, "traced") != 0) {
		json_object_set_new(root, "locks_note", json_str(m->target.trace_note[0]
			? m->target.trace_note : NO_COLLECTOR));
	}
}

/* The model's monotonic clock: every *_ns time in the file is on it. */
static json_t *json_clock(const struct model *m)
{
	json_t *o = json_object();

	json_object_set_new(o, "start_ns", json_u64(m->start_ns));
	json_object_set_new(o, "now_ns", json_u64(m->now_ns));
	json_object_set_new(o, "started", json_boolean(m->clock_started));
	return o;
}

/* What the alloc and io keys leave out of the window's usage numbers. */
static json_t *json_usage(const struct usage_rates *u)
{
	json_t *o = json_object();

	json_object_set_new(o, "readings", json_u64(u->readings));
	json_object_set_new(o, "span_s", json_real(u->span_s));
	json_object_set_new(o, "rss_span_s", json_real(u->rss_span_s));
	json_object_set_new(o, "growth_known", json_boolean(u->has_growth));
	json_object_set_new(o, "anon_growth_known", json_boolean(u->has_anon_growth));
	json_object_set_new(o, "io_unreadable", json_boolean(u->io_unreadable));
	return o;
}

int export_json(FILE *f, const struct model *m, uint32_t window_secs)
{
	json_t *root = json_object(), *prof = json_object();
	double dur = model_duration_s(m);
	uint64_t in_window = 0;
	/* One JSON string per function, shared by every frame array. */
	uint32_t nfuncs = funcs_count(m->funcs);
	json_t **names = xcalloc(nfuncs ? nfuncs : 1, sizeof *names);
	json_t *cpu = json_cpu(m, names, window_secs, &in_window);
	struct usage_rates u;

	json_object_set_new(root, "format", json_string("kprof-snapshot"));
	json_object_set_new(root, "version", json_integer(SNAPSHOT_VERSION));
	json_object_set_new(root, "generator", json_string(PACKAGE_STRING));
	json_object_set_new(root, "target", json_target(&m->target));
	json_object_set_new(root, "backend", json_str(m->target.backend));
	json_object_set_new(root, "backend_note", json_str(m->target.backend_note));
	json_object_set_new(root, "call_graph", json_str(m->target.call_graph));
	json_object_set_new(root, "frequency_hz", json_integer(m->target.frequency));
	json_object_set_new(root, "duration_s", json_real(dur));
	/* Integers: 10 significant digits would cut epoch seconds to whole ones. */
	json_object_set_new(root, "start_epoch_ms", json_integer((json_int_t)(m->target.start_epoch_s * 1e3)));
	json_object_set_new(root, "end_epoch_ms", json_integer((json_int_t)(m->target.end_epoch_s * 1e3)));
	json_object_set_new(root, "window_s", json_integer(window_secs));
	json_object_set_new(root, "samples", json_samples(&m->stats, in_window));
	json_object_set_new(prof, "cpu_ns", json_u64(m->stats.profiler_cpu_ns));
	json_object_set_new(prof, "cpu_s", json_real((double)m->stats.profiler_cpu_ns / 1e9));
	json_object_set_new(prof, "cpu_pct", json_real(dur > 0 ?
		100.0 * (double)m->stats.profiler_cpu_ns / 1e9 / dur : 0.0));
	json_object_set_new(root, "profiler", prof);
	json_object_set_new(root, "cpu", cpu);
	json_object_set_new(root, "threads", json_threads(m, window_secs));
	usage_rates(m->usage, window_secs, &u);
	json_object_set_new(root, "clock", json_clock(m));
	json_object_set_new(root, "usage", json_usage(&u));
	json_object_set_new(root, "alloc", json_alloc(m, names, &u, window_secs));
	json_object_set_new(root, "io", json_io(m, names, &u, window_secs));
	json_locks(root, m, names);
	json_object_set_new(root, "functions", json_functions(m, names));
	json_object_set_new(root, "findings", findings_json(m, window_secs));
	for (uint32_t i = 0; i < nfuncs; i++)
		json_decref(names[i]);
	free(names);

	int rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
	json_decref(root);
	if (rc == 0 && fputc('\n', f) == EOF)
		rc = -1;
	return rc != 0 || ferror(f) ? -1 : 0;
}
