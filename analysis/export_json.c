/* The JSON snapshot (docs/snapshot-format.md, version 1): every pane's data
 * in one object.  Keys of the stable core are those in DESIGN.md; the rest
 * are additions a reader may ignore.  Built with jansson; frame names are
 * one shared string per function, referenced from every stack. */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "export.h"
#include "hotspots.h"
#include "model.h"
#include "thread_hotspots.h"
#include "../common/xalloc.h"

#define SNAPSHOT_VERSION 1
#define NO_COLLECTOR "no collector for this section ran in this version"

/* JSON strings must be UTF-8; a name from a binary or a command line may not
 * be, and jansson refuses those, so their stray bytes become '?'. */
static json_t *json_str(const char *s)
{
	json_t *j = json_string(s);

	if (j)
		return j;
	char *c = xstrdup(s);
	for (char *p = c; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(c);
	free(c);
	return j;
}

static json_t *json_u64(uint64_t v)
{
	return json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v);
}

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

static json_t *json_cpu(const struct model *m, uint32_t window_secs, uint64_t *in_window)
{
	struct stack_count *counts;
	size_t n = timeline_window(m->timeline, window_secs, &counts);
	struct hotspot *hs;
	size_t nhs = hotspots_compute(m->stacks, counts, n, &hs, in_window);
	json_t *cpu = json_object(), *hot = json_array(), *stk = json_array();
	uint32_t nfuncs = funcs_count(m->funcs);
	json_t **names = xcalloc(nfuncs ? nfuncs : 1, sizeof *names);

	for (size_t i = 0; i < nhs; i++) {
		const struct func *fn = funcs_get(m->funcs, hs[i].func);
		json_t *o = json_object();
		json_object_set_new(o, "function", json_str(fn ? fn->name : "[unknown]"));
		json_object_set_new(o, "module", json_str(fn ? fn->module : "[unknown]"));
		json_object_set_new(o, "self_samples", json_u64(hs[i].self));
		json_object_set_new(o, "total_samples", json_u64(hs[i].total));
		json_object_set_new(o, "self_pct", json_real(hs[i].self_pct));
		json_object_set_new(o, "total_pct", json_real(hs[i].total_pct));
		json_array_append_new(hot, o);
	}
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "frames", json_frames(m, names, counts[i].stack));
		json_object_set_new(o, "count", json_u64(counts[i].count));
		json_array_append_new(stk, o);
	}
	json_object_set_new(cpu, "samples", json_u64(*in_window));
	json_object_set_new(cpu, "hotspots", hot);
	json_object_set_new(cpu, "stacks", stk);

	for (uint32_t i = 0; i < nfuncs; i++)
		json_decref(names[i]);
	free(names);
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
		if (fn) {
			json_object_set_new(o, "hottest_function", json_str(fn->name));
			json_object_set_new(o, "hottest_self_samples", json_u64(h->self));
		}
		json_array_append_new(a, o);
	}
	free(hot);
	return a;
}

/* alloc: RSS and its trend from the once-a-second readings; call sites
 * have no collector yet.  A number that is unknown stays 0 (the core keys
 * are numbers) and the *_known flag and the note say so. */
static json_t *json_alloc(const struct usage_rates *u)
{
	json_t *alloc = json_object();

	json_object_set_new(alloc, "rss_bytes", json_u64(u->has_rss ? u->rss_bytes : 0));
	json_object_set_new(alloc, "rss_growth_bytes_per_s",
			    json_real(u->has_growth ? u->rss_growth_bytes_per_s : 0.0));
	json_object_set_new(alloc, "rss_known", json_boolean(u->has_rss));
	json_object_set_new(alloc, "sites", json_array());
	json_object_set_new(alloc, "note", json_string(u->has_rss
		? "rss from /proc/PID/status once a second, growth the least-squares slope "
		  "over the window; allocation call sites are not collected yet"
		: "no RSS reading (/proc/PID/status unreadable or the target gone); "
		  "allocation call sites are not collected yet"));
	return alloc;
}

/* io: rchar/wchar rates (what the process asked the kernel to move) and
 * the storage side (read_bytes/write_bytes); per-fd data is not collected
 * yet. */
static json_t *json_io(const struct usage_rates *u)
{
	json_t *io = json_object();

	json_object_set_new(io, "read_bytes_per_s", json_real(u->has_io ? u->read_bytes_per_s : 0.0));
	json_object_set_new(io, "write_bytes_per_s", json_real(u->has_io ? u->write_bytes_per_s : 0.0));
	json_object_set_new(io, "disk_read_bytes_per_s",
			    json_real(u->has_io ? u->disk_read_bytes_per_s : 0.0));
	json_object_set_new(io, "disk_write_bytes_per_s",
			    json_real(u->has_io ? u->disk_write_bytes_per_s : 0.0));
	json_object_set_new(io, "rates_known", json_boolean(u->has_io));
	json_object_set_new(io, "fds", json_array());
	json_object_set_new(io, "note", json_string(u->has_io
		? "rates from /proc/PID/io (rchar/wchar; disk_*: read_bytes/write_bytes) "
		  "once a second over the window; per-fd data is not collected yet"
		: u->io_unreadable
		? "/proc/PID/io was not readable (it needs ptrace access to the target: "
		  "same user, or CAP_SYS_PTRACE): rates unknown, not zero; "
		  "per-fd data is not collected yet"
		: "fewer than two readings of /proc/PID/io in the window: rates unknown; "
		  "per-fd data is not collected yet"));
	return io;
}

/* Sections whose collectors don't exist yet: present, empty, with a note,
 * so readers can rely on the shape. */
static void json_empty_sections(json_t *root)
{
	/* locks is an array in the core format, so its note is a sibling. */
	json_object_set_new(root, "locks", json_array());
	json_object_set_new(root, "locks_note", json_string(NO_COLLECTOR));
}

int export_json(FILE *f, const struct model *m, uint32_t window_secs)
{
	json_t *root = json_object(), *prof = json_object();
	double dur = model_duration_s(m);
	uint64_t in_window = 0;
	json_t *cpu = json_cpu(m, window_secs, &in_window);
	struct usage_rates u;

	json_object_set_new(root, "format", json_string("kprof-snapshot"));
	json_object_set_new(root, "version", json_integer(SNAPSHOT_VERSION));
	json_object_set_new(root, "generator", json_string(PACKAGE_STRING));
	json_object_set_new(root, "target", json_target(&m->target));
	json_object_set_new(root, "backend", json_str(m->target.backend));
	json_object_set_new(root, "call_graph", json_str(m->target.call_graph));
	json_object_set_new(root, "frequency_hz", json_integer(m->target.frequency));
	json_object_set_new(root, "duration_s", json_real(dur));
	/* Integers: 10 significant digits would cut epoch seconds to whole ones. */
	json_object_set_new(root, "start_epoch_ms", json_integer((json_int_t)(m->target.start_epoch_s * 1e3)));
	json_object_set_new(root, "end_epoch_ms", json_integer((json_int_t)(m->target.end_epoch_s * 1e3)));
	json_object_set_new(root, "window_s", json_integer(window_secs));
	json_object_set_new(root, "samples", json_samples(&m->stats, in_window));
	json_object_set_new(prof, "cpu_s", json_real((double)m->stats.profiler_cpu_ns / 1e9));
	json_object_set_new(prof, "cpu_pct", json_real(dur > 0 ?
		100.0 * (double)m->stats.profiler_cpu_ns / 1e9 / dur : 0.0));
	json_object_set_new(root, "profiler", prof);
	json_object_set_new(root, "cpu", cpu);
	json_object_set_new(root, "threads", json_threads(m, window_secs));
	usage_rates(m->usage, window_secs, &u);
	json_object_set_new(root, "alloc", json_alloc(&u));
	json_object_set_new(root, "io", json_io(&u));
	json_empty_sections(root);

	int rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
	json_decref(root);
	if (rc == 0 && fputc('\n', f) == EOF)
		rc = -1;
	return rc != 0 || ferror(f) ? -1 : 0;
}
