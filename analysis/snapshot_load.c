/* Reading a JSON snapshot back into a model (see snapshot_load.h).  CPU
 * stacks are replayed through model_add_stack, per thread, at the
 * snapshot's newest time, so every window of the TUI holds them; the
 * sections that are derived numbers (threads, locks, I/O, allocation
 * sites, RSS and I/O rates) go in through each module's restore entry
 * point.  Keys this loader added to the format are optional: a snapshot
 * written before them still loads, with what it has. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_in.h"
#include "model.h"
#include "snapshot_load.h"
#include "u64map.h"
#include "../common/macros.h"
#include "../common/xalloc.h"

#define SNAPSHOT_VERSION     1
#define SNAPSHOT_RETAIN_SECS 300   /* as a live session's model */
#define SNAPSHOT_MAX_BYTES   (1024L * 1024 * 1024)
#define DAMAGED "the file is damaged: write it again with --snapshot"

struct ld {
	struct json_in in;
	struct model *m;
	json_t *funcs;        /* function name → id (a jansson object as a map) */
	bool have_ids;        /* the file has "functions" and "frame_ids" */
	struct u64map by_id;  /* the file's function id → the model's */
	uint32_t *frames;     /* scratch for one stack */
	size_t frames_cap;
};

/* The id of a frame's function: the hotspots named the CPU ones with
 * their modules; others (only in lock, I/O or allocation sites) are new. */
static uint32_t ld_func(struct ld *l, const char *name, const char *module)
{
	const json_t *id = json_object_get(l->funcs, name);
	uint32_t f;

	if (json_is_integer(id))
		return (uint32_t)json_integer_value(id);
	f = funcs_intern(l->m->funcs, name, module);
	json_object_set_new(l->funcs, name, json_integer(f));
	return f;
}

/* The stack of o's frames (root first), interned: by "frame_ids" when
 * the file has them, else by name; false on bad input. */
static bool ld_stack(struct ld *l, const json_t *o, const char *where, uint32_t *stack)
{
	struct json_in *in = &l->in;
	const json_t *frames = json_object_get(o, "frames"), *ids = json_object_get(o, "frame_ids");
	size_t n = json_array_size(frames);

	if (!json_is_array(frames)) {
		jin_bad(in, where, "frames", "an array");
		return false;
	}
	xgrow(&l->frames, &l->frames_cap, n ? n : 1, sizeof *l->frames);
	if (l->have_ids) {
		/* Names alone would intern second copies of functions the
		 * "functions" table already holds, under another module. */
		if (!json_is_array(ids) || json_array_size(ids) != n) {
			jin_bad(in, where, "frame_ids", "an array as long as frames");
			return false;
		}
		for (size_t k = 0; k < n; k++) {
			const json_t *v = json_array_get(ids, k);
			uint32_t f = json_is_integer(v) && json_integer_value(v) >= 0 &&
				     json_integer_value(v) < UINT32_MAX
				     ? u64map_get(&l->by_id, (uint64_t)json_integer_value(v)) : U64MAP_NONE;
			if (f == U64MAP_NONE) {
				jin_fail(in, "a frame id in %s is not in \"functions\": " DAMAGED, where);
				return false;
			}
			l->frames[k] = f;
		}
		*stack = stacks_intern(l->m->stacks, l->frames, (uint32_t)n);
		return true;
	}
	for (size_t k = 0; k < n; k++) {
		const json_t *s = json_array_get(frames, k);
		if (!json_is_string(s)) {
			jin_fail(in, "a frame in %s is not a string: " DAMAGED, where);
			return false;
		}
		l->frames[k] = ld_func(l, json_string_value(s), "[unknown]");
	}
	if (n > UINT32_MAX)
		return false;
	*stack = stacks_intern(l->m->stacks, l->frames, (uint32_t)n);
	return true;
}

static void ld_target(struct ld *l, const json_t *root)
{
	struct json_in *in = &l->in;
	struct model_target *t = &l->m->target;
	const json_t *o = jin_obj(in, root, "target", "the snapshot", true);

	if (!o)
		return;
	t->pid = jin_u32(in, o, "pid", "target", true, 0);
	jin_str(in, o, "command", "target", true, t->command, sizeof t->command);
	t->exited = jin_bool(in, o, "exited", "target", false);
	t->launched = jin_bool(in, o, "launched", "target", false);
	if (json_is_integer(json_object_get(o, "wait_status")))
		t->wait_status = (int)json_integer_value(json_object_get(o, "wait_status"));
	else if (json_object_get(o, "exit_code"))
		t->wait_status = (int)(jin_u32(in, o, "exit_code", "target", false, 0) & 0xff) << 8;
	else if (json_object_get(o, "exit_signal"))
		t->wait_status = (int)(jin_u32(in, o, "exit_signal", "target", false, 0) & 0x7f);
	jin_str(in, root, "backend", "the snapshot", false, t->backend, sizeof t->backend);
	jin_str(in, root, "backend_note", "the snapshot", false, t->backend_note, sizeof t->backend_note);
	jin_str(in, root, "call_graph", "the snapshot", false, t->call_graph, sizeof t->call_graph);
	t->frequency = jin_u32(in, root, "frequency_hz", "the snapshot", false, 0);
	t->start_epoch_s = (double)jin_u64(in, root, "start_epoch_ms", "the snapshot", false, 0) / 1e3;
	t->end_epoch_s = (double)jin_u64(in, root, "end_epoch_ms", "the snapshot", false, 0) / 1e3;
	jin_str(in, o, "trace_note", "target", false, t->trace_note, sizeof t->trace_note);
	jin_str(in, o, "alloc_note", "target", false, t->alloc_note, sizeof t->alloc_note);
	/* The raw modes; a snapshot without them has the ones it showed. */
	if (json_object_get(o, "locks_mode"))
		jin_str(in, o, "locks_mode", "target", false, t->locks_mode, sizeof t->locks_mode);
	else
		jin_str(in, root, "locks_mode", "the snapshot", false, t->locks_mode, sizeof t->locks_mode);
	if (json_object_get(o, "io_mode"))
		jin_str(in, o, "io_mode", "target", false, t->io_mode, sizeof t->io_mode);
	else if (jin_obj(in, root, "io", "the snapshot", false))
		jin_str(in, json_object_get(root, "io"), "mode", "io", false, t->io_mode, sizeof t->io_mode);
	if (json_object_get(o, "alloc_mode"))
		jin_str(in, o, "alloc_mode", "target", false, t->alloc_mode, sizeof t->alloc_mode);
	else if (jin_obj(in, root, "alloc", "the snapshot", false))
		jin_str(in, json_object_get(root, "alloc"), "mode", "alloc", false, t->alloc_mode,
			sizeof t->alloc_mode);
}

static void ld_stats(struct ld *l, const json_t *root)
{
	struct json_in *in = &l->in;
	struct model_stats *st = &l->m->stats;
	const json_t *s = jin_obj(in, root, "samples", "the snapshot", true);
	const json_t *p = jin_obj(in, root, "profiler", "the snapshot", false);
	const json_t *c = jin_obj(in, root, "clock", "the snapshot", false);
	double dur = jin_real(in, root, "duration_s", "the snapshot", false);

	if (s) {
		st->samples = jin_u64(in, s, "taken", "samples", true, 0);
		st->lost = jin_u64(in, s, "lost", "samples", true, 0);
		st->kernel_samples = jin_u64(in, s, "kernel", "samples", false, 0);
		st->unwound = jin_u64(in, s, "unwound", "samples", false, 0);
		st->unwind_ns = jin_u64(in, s, "unwind_ns", "samples", false, 0);
		st->truncated = jin_u64(in, s, "truncated", "samples", false, 0);
		st->faults = jin_u64(in, s, "faults", "samples", false, 0);
		st->faults_file = jin_u64(in, s, "faults_file", "samples", false, 0);
		st->faults_shim = jin_u64(in, s, "faults_shim", "samples", false, 0);
	}
	if (p && json_object_get(p, "cpu_ns"))
		st->profiler_cpu_ns = jin_u64(in, p, "cpu_ns", "profiler", false, 0);
	else if (p)
		st->profiler_cpu_ns = u64_of_double(jin_real(in, p, "cpu_s", "profiler", false) * 1e9);
	if (c) {
		l->m->start_ns = jin_u64(in, c, "start_ns", "clock", true, 0);
		l->m->now_ns = jin_u64(in, c, "now_ns", "clock", true, 0);
		l->m->clock_started = jin_bool(in, c, "started", "clock", true);
		if (l->m->now_ns < l->m->start_ns)
			jin_fail(in, "clock.now_ns is before clock.start_ns: " DAMAGED);
	} else {
		/* Older files: only the duration, on a clock that starts at 0. */
		l->m->start_ns = 0;
		l->m->now_ns = dur > 0 && dur < 1e9 ? (uint64_t)(dur * 1e9 + 0.5) : 0;
		l->m->clock_started = true;
	}
}

static int id_cmp(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return (x[0] > y[0]) - (x[0] < y[0]);
}

/* The hotspots' functions first, in the order of their ids when the file
 * has them: ties in every table break by id, as in the live run. */
static void ld_funcs(struct ld *l, const json_t *hot)
{
	struct json_in *in = &l->in;
	size_t n = json_array_size(hot);
	uint64_t (*order)[2] = xcalloc(n ? n : 1, sizeof *order);
	char module[256];

	for (size_t i = 0; i < n && !in->failed; i++) {
		const json_t *o = jin_elem(in, hot, i, "cpu.hotspots");
		if (!o)
			break;
		order[i][0] = jin_u64(in, o, "id", "cpu.hotspots", false, i);
		order[i][1] = i;
	}
	if (!in->failed && n)
		qsort(order, n, sizeof *order, id_cmp);
	for (size_t i = 0; i < n && !in->failed; i++) {
		const json_t *o = json_array_get(hot, (size_t)order[i][1]);
		const json_t *fn = json_object_get(o, "function");
		if (!json_is_string(fn)) {
			jin_bad(in, "cpu.hotspots", "function", "a string");
			break;
		}
		jin_str(in, o, "module", "cpu.hotspots", false, module, sizeof module);
		ld_func(l, json_string_value(fn), module[0] ? module : "[unknown]");
	}
	free(order);
}

/* The file's function table, interned in the order of its ids (ties in
 * every table break by id, as in the live run). */
static void ld_functions(struct ld *l, const json_t *root)
{
	struct json_in *in = &l->in;
	const json_t *a = jin_arr(in, root, "functions", "the snapshot", false);
	size_t n = json_array_size(a);
	uint64_t (*order)[2] = xcalloc(n ? n : 1, sizeof *order);
	char module[256];

	if (!a || in->failed) {
		free(order);
		return;
	}
	for (size_t i = 0; i < n && !in->failed; i++) {
		const json_t *o = jin_elem(in, a, i, "functions");
		if (!o)
			break;
		order[i][0] = jin_u32(in, o, "id", "functions", true, 0);
		order[i][1] = i;
		if (!json_is_string(json_object_get(o, "name")))
			jin_bad(in, "functions", "name", "a string");
	}
	if (!in->failed && n)
		qsort(order, n, sizeof *order, id_cmp);
	for (size_t i = 0; i < n && !in->failed; i++) {
		const json_t *o = json_array_get(a, (size_t)order[i][1]);
		jin_str(in, o, "module", "functions", false, module, sizeof module);
		if (u64map_get(&l->by_id, order[i][0]) != U64MAP_NONE) {
			jin_fail(in, "function id %" PRIu64 " is listed twice: " DAMAGED, order[i][0]);
			break;
		}
		u64map_put(&l->by_id, order[i][0], funcs_intern(l->m->funcs,
			   json_string_value(json_object_get(o, "name")), module));
	}
	l->have_ids = !in->failed;
	free(order);
}

/* Each stack's samples on each thread that ran it, at the newest time. */
static void ld_cpu(struct ld *l, const json_t *root)
{
	struct json_in *in = &l->in;
	const json_t *cpu = jin_obj(in, root, "cpu", "the snapshot", true);
	const json_t *stk, *hot;
	uint64_t when = l->m->now_ns;

	if (!cpu || !(hot = jin_arr(in, cpu, "hotspots", "cpu", true)) ||
	    !(stk = jin_arr(in, cpu, "stacks", "cpu", true)))
		return;
	if (!l->have_ids)
		ld_funcs(l, hot);
	for (size_t i = 0; i < json_array_size(stk) && !in->failed; i++) {
		const json_t *o = jin_elem(in, stk, i, "cpu.stacks"), *th;
		uint64_t count, placed = 0;
		uint32_t stack, nf;
		if (!o || !ld_stack(l, o, "cpu.stacks", &stack))
			return;
		count = jin_u64(in, o, "count", "cpu.stacks", true, 0);
		th = jin_arr(in, o, "threads", "cpu.stacks", false);
		if (in->failed)
			return;
		const uint32_t *fr = stacks_frames(l->m->stacks, stack, &nf);
		for (size_t k = 0; k < json_array_size(th); k++) {
			const json_t *p = json_array_get(th, k);
			const json_t *tid = json_array_get(p, 0), *c = json_array_get(p, 1);
			if (json_array_size(p) != 2 || !json_is_integer(tid) || !json_is_integer(c) ||
			    json_integer_value(tid) < 0 || json_integer_value(tid) > UINT32_MAX ||
			    json_integer_value(c) < 0) {
				jin_fail(in, "cpu.stacks[%zu].threads holds something other than "
					"[tid, count] pairs: " DAMAGED, i);
				return;
			}
			if (__builtin_add_overflow(placed, (uint64_t)json_integer_value(c), &placed) ||
			    placed > count) {
				jin_fail(in, "cpu.stacks[%zu].threads counts more samples than the stack's "
					"count: " DAMAGED, i);
				return;
			}
			if (json_integer_value(c) > 0)
				model_add_stack(l->m, when, (uint32_t)json_integer_value(tid), fr, nf,
						(uint64_t)json_integer_value(c));
		}
		/* Samples no thread is named for (a file from before the key). */
		if (count > placed)
			model_add_stack(l->m, when, l->m->target.pid, fr, nf, count - placed);
	}
}

static void ld_threads(struct ld *l, const json_t *root)
{
	struct json_in *in = &l->in;
	const json_t *a = jin_arr(in, root, "threads", "the snapshot", true);

	for (size_t i = 0; a && i < json_array_size(a) && !in->failed; i++) {
		const json_t *o = jin_elem(in, a, i, "threads");
		struct thread_info ti = { 0 };
		if (!o)
			return;
		ti.tid = jin_u32(in, o, "tid", "threads", true, 0);
		jin_str(in, o, "name", "threads", false, ti.name, sizeof ti.name);
		ti.samples = jin_u64(in, o, "samples", "threads", true, 0);
		ti.exited = jin_bool(in, o, "exited", "threads", false);
		ti.first_ns = jin_u64(in, o, "first_ns", "threads", false, 0);
		ti.last_ns = jin_u64(in, o, "last_ns", "threads", false, 0);
		ti.exit_ns = jin_u64(in, o, "exit_ns", "threads", false, 0);
		threads_restore(l->m->threads, &ti);
	}
}

/* The window's memory and I/O numbers, from alloc, io and usage. */
static void ld_usage(struct ld *l, const json_t *root)
{
	struct json_in *in = &l->in;
	const json_t *al = jin_obj(in, root, "alloc", "the snapshot", true);
	const json_t *io = jin_obj(in, root, "io", "the snapshot", true);
	const json_t *us = jin_obj(in, root, "usage", "the snapshot", false);
	const json_t *mem = al ? jin_obj(in, al, "memory", "alloc", false) : NULL;
	struct usage_rates u = { 0 };

	if (!al || !io)
		return;
	u.has_rss = jin_bool(in, al, "rss_known", "alloc", false);
	u.rss_bytes = jin_u64(in, al, "rss_bytes", "alloc", true, 0);
	u.rss_growth_bytes_per_s = jin_real(in, al, "rss_growth_bytes_per_s", "alloc", true);
	u.anon_growth_bytes_per_s = jin_real(in, al, "anon_growth_bytes_per_s", "alloc", false);
	u.rss_fit_r2 = jin_real(in, al, "rss_fit_r2", "alloc", false);
	u.leak_suspect = jin_bool(in, al, "leak_suspect", "alloc", false);
	jin_str(in, al, "leak_reason", "alloc", false, u.leak_reason, sizeof u.leak_reason);
	if (mem) {
		u.has_mem = jin_bool(in, mem, "known", "alloc.memory", false);
		u.has_maps = jin_bool(in, mem, "maps_known", "alloc.memory", false);
		u.rss_anon = jin_u64(in, mem, "rss_anon", "alloc.memory", false, 0);
		u.rss_file = jin_u64(in, mem, "rss_file", "alloc.memory", false, 0);
		u.rss_shmem = jin_u64(in, mem, "rss_shmem", "alloc.memory", false, 0);
		u.vm_data = jin_u64(in, mem, "vm_data", "alloc.memory", false, 0);
		u.vm_swap = jin_u64(in, mem, "vm_swap", "alloc.memory", false, 0);
		u.heap_bytes = jin_u64(in, mem, "heap_bytes", "alloc.memory", false, 0);
		u.nr_maps = jin_u32(in, mem, "nr_maps", "alloc.memory", false, 0);
	}
	u.has_io = jin_bool(in, io, "rates_known", "io", false);
	u.read_bytes_per_s = jin_real(in, io, "read_bytes_per_s", "io", true);
	u.write_bytes_per_s = jin_real(in, io, "write_bytes_per_s", "io", true);
	u.disk_read_bytes_per_s = jin_real(in, io, "disk_read_bytes_per_s", "io", false);
	u.disk_write_bytes_per_s = jin_real(in, io, "disk_write_bytes_per_s", "io", false);
	if (us) {
		u.readings = (size_t)jin_u64(in, us, "readings", "usage", false, 0);
		u.span_s = jin_real(in, us, "span_s", "usage", false);
		u.rss_span_s = jin_real(in, us, "rss_span_s", "usage", false);
		u.has_growth = jin_bool(in, us, "growth_known", "usage", false);
		u.has_anon_growth = jin_bool(in, us, "anon_growth_known", "usage", false);
		u.io_unreadable = jin_bool(in, us, "io_unreadable", "usage", false);
	} else {
		/* Older files: a number that is not 0 was known. */
		u.readings = u.has_rss || u.has_io ? 2 : 0;
		u.has_growth = u.rss_growth_bytes_per_s != 0.0;
		u.has_anon_growth = u.anon_growth_bytes_per_s != 0.0;
	}
	usage_restore(l->m->usage, &u);
}

static void ld_alloc(struct ld *l, const json_t *root)
{
	struct json_in *in = &l->in;
	const json_t *al = json_object_get(root, "alloc");
	const json_t *a = json_is_object(al) ? jin_arr(in, al, "sites", "alloc", true) : NULL;

	for (size_t i = 0; a && i < json_array_size(a) && !in->failed; i++) {
		const json_t *o = jin_elem(in, a, i, "alloc.sites"), *fr;
		struct alloc_site_info si = { 0 };
		const char *w = "alloc.sites";
		if (!o)
			return;
		fr = json_object_get(o, "frames");
		if (json_array_size(fr) == 1 && json_is_string(json_array_get(fr, 0)) &&
		    !strcmp(json_string_value(json_array_get(fr, 0)), "(other sites)")) {
			si.other = true;
			si.stack = ALLOC_OTHER_STACK;
		} else if (!ld_stack(l, o, w, &si.stack)) {
			return;
		}
		si.outstanding_bytes = (int64_t)MIN(jin_u64(in, o, "outstanding_bytes", w, true, 0),
						    (uint64_t)INT64_MAX);
		si.growth_bytes_per_s = jin_real(in, o, "growth_bytes_per_s", w, true);
		si.alloc_bytes_per_s = jin_real(in, o, "alloc_bytes_per_s", w, false);
		si.free_bytes_per_s = jin_real(in, o, "free_bytes_per_s", w, false);
		si.allocs = jin_u64(in, o, "allocs", w, false, 0);
		si.frees = jin_u64(in, o, "frees", w, false, 0);
		si.oldest_age_s = jin_real(in, o, "oldest_age_s", w, false);
		si.leak_suspect = jin_bool(in, o, "leak_suspect", w, false);
		si.touched_bytes = jin_u64(in, o, "touched_bytes", w, false, 0);
		si.touched_bytes_per_s = jin_real(in, o, "touched_bytes_per_s", w, false);
		si.alloc_bytes = jin_u64(in, o, "alloc_bytes", w, false, 0);
		si.free_bytes = jin_u64(in, o, "free_bytes", w, false, 0);
		/* Older files: a site with an age holds at least one allocation. */
		si.live = jin_u64(in, o, "live", w, false, si.oldest_age_s > 0);
		si.faults = jin_u64(in, o, "faults", w, false, 0);
		alloc_restore_site(l->m->alloc, &si);
	}
	if (json_is_object(al) && json_object_get(al, "live_dropped"))
		alloc_restore_dropped(l->m->alloc, jin_u64(in, al, "live_dropped", "alloc", false, 0));
}

static void ld_io_thread_rates(struct ld *l, const json_t *r, bool *known, double v[4])
{
	struct json_in *in = &l->in;
	*known = jin_bool(in, r, "known", "io.threads", false);
	v[0] = jin_real(in, r, "rchar_per_s", "io.threads", false);
	v[1] = jin_real(in, r, "wchar_per_s", "io.threads", false);
	v[2] = jin_real(in, r, "read_bytes_per_s", "io.threads", false);
	v[3] = jin_real(in, r, "write_bytes_per_s", "io.threads", false);
}

static void ld_io_threads(struct ld *l, const json_t *io, uint32_t window_s)
{
	struct json_in *in = &l->in;
	const json_t *a = jin_arr(in, io, "threads", "io", false);
	const char *w = "io.threads";

	for (size_t i = 0; a && i < json_array_size(a) && !in->failed; i++) {
		const json_t *o = jin_elem(in, a, i, w);
		const json_t *run, *recent;
		struct io_thread t = { 0 };
		double run_v[4] = { 0 }, rec_v[4] = { 0 };
		if (!o)
			return;
		t.tid = jin_u32(in, o, "tid", w, true, 0);
		t.rchar = jin_u64(in, o, "rchar", w, false, 0);
		t.wchar = jin_u64(in, o, "wchar", w, false, 0);
		t.read_bytes = jin_u64(in, o, "read_bytes", w, false, 0);
		t.write_bytes = jin_u64(in, o, "write_bytes", w, false, 0);
		t.first_ns = jin_u64(in, o, "first_ns", w, false, 0);
		t.last_ns = jin_u64(in, o, "last_ns", w, false, 0);
		run = jin_obj(in, o, "run", w, false);
		recent = jin_obj(in, o, "recent", w, false);
		if (run && recent) {
			ld_io_thread_rates(l, run, &t.has_run_rates, run_v);
			ld_io_thread_rates(l, recent, &t.has_rates, rec_v);
		} else {
			/* Older files: the one set the window chose. */
			bool known = jin_bool(in, o, "rates_known", w, false);
			double v[4] = { jin_real(in, o, "rchar_per_s", w, false),
					jin_real(in, o, "wchar_per_s", w, false),
					jin_real(in, o, "read_bytes_per_s", w, false),
					jin_real(in, o, "write_bytes_per_s", w, false) };
			if (window_s == 0) {
				t.has_run_rates = known;
				memcpy(run_v, v, sizeof v);
			} else {
				t.has_rates = known;
				memcpy(rec_v, v, sizeof v);
			}
		}
		t.run_rchar_per_s = run_v[0];
		t.run_wchar_per_s = run_v[1];
		t.run_read_bytes_per_s = run_v[2];
		t.run_write_bytes_per_s = run_v[3];
		t.rchar_per_s = rec_v[0];
		t.wchar_per_s = rec_v[1];
		t.read_bytes_per_s = rec_v[2];
		t.write_bytes_per_s = rec_v[3];
		io_restore_thread(l->m->io, &t);
	}
}

static void ld_io(struct ld *l, const json_t *root, uint32_t window_s)
{
	struct json_in *in = &l->in;
	const json_t *io = json_object_get(root, "io");
	const json_t *a = json_is_object(io) ? jin_arr(in, io, "fds", "io", true) : NULL;
	const char *w = "io.fds";

	for (size_t i = 0; a && i < json_array_size(a) && !in->failed; i++) {
		const json_t *o = jin_elem(in, a, i, w), *sites;
		struct io_fd f = { 0 };
		int64_t fd;
		if (!o)
			return;
		if (!json_is_integer(json_object_get(o, "fd")) ||
		    (fd = json_integer_value(json_object_get(o, "fd"))) < -1 || fd > INT32_MAX) {
			jin_bad(in, w, "fd", "an fd number");
			return;
		}
		f.fd = (int32_t)fd;
		jin_str(in, o, "path", w, true, f.name, sizeof f.name);
		f.read_bytes = jin_u64(in, o, "read_bytes", w, true, 0);
		f.write_bytes = jin_u64(in, o, "write_bytes", w, true, 0);
		f.reads = jin_u64(in, o, "reads", w, false, 0);
		f.writes = jin_u64(in, o, "writes", w, false, 0);
		f.read_ns = jin_u64(in, o, "read_ns", w, false, 0);
		f.write_ns = jin_u64(in, o, "write_ns", w, false, 0);
		f.errors = jin_u64(in, o, "errors", w, false, 0);
		f.sendfile_bytes = jin_u64(in, o, "sendfile_bytes", w, false, 0);
		f.sendfile_calls = jin_u64(in, o, "sendfile_calls", w, false, 0);
		f.closed = jin_bool(in, o, "closed", w, false);
		f.first_ns = jin_u64(in, o, "first_ns", w, false, 0);
		f.last_ns = jin_u64(in, o, "last_ns", w, false, 0);
		f.closed_ns = jin_u64(in, o, "closed_ns", w, false, 0);
		if (in->failed || !io_restore_fd(l->m->io, &f))
			break;
		sites = jin_arr(in, o, "sites", w, false);
		for (size_t k = 0; sites && k < json_array_size(sites) && !in->failed; k++) {
			const json_t *so = jin_elem(in, sites, k, "io.fds.sites");
			struct io_site s = { .row = (uint32_t)(io_fd_count(l->m->io) - 1) };
			if (!so || !ld_stack(l, so, "io.fds.sites", &s.stack))
				return;
			s.bytes = jin_u64(in, so, "bytes", "io.fds.sites", true, 0);
			s.calls = jin_u64(in, so, "calls", "io.fds.sites", true, 0);
			s.ns = jin_u64(in, so, "ns", "io.fds.sites", false, 0);
			io_restore_site(l->m->io, &s);
		}
	}
	if (json_is_object(io) && !in->failed)
		ld_io_threads(l, io, window_s);
}

static enum lock_kind ld_kind(const char *s)
{
	return !strcmp(s, "mutex") ? LOCK_MUTEX : !strcmp(s, "condvar") ? LOCK_CONDVAR : LOCK_OTHER;
}

static void ld_locks(struct ld *l, const json_t *root)
{
	struct json_in *in = &l->in;
	const json_t *a = jin_arr(in, root, "locks", "the snapshot", true);
	const char *w = "locks";
	char name[128], addr[32], kind[16];

	for (size_t i = 0; a && i < json_array_size(a) && !in->failed; i++) {
		const json_t *o = jin_elem(in, a, i, w), *sites;
		struct lock_info li = { 0 };
		char *end;
		if (!o)
			return;
		jin_str(in, o, "lock", w, true, name, sizeof name);
		jin_str(in, o, "address", w, false, addr, sizeof addr);
		jin_str(in, o, "kind", w, false, kind, sizeof kind);
		errno = 0;
		li.addr = addr[0] ? strtoull(addr, &end, 16) : 0;
		if (addr[0] && (errno || *end)) {
			jin_bad(in, w, "address", "a hex address");
			return;
		}
		/* "lock" is the address itself when the lock had no name. */
		if (strcmp(name, addr) != 0) {
			size_t k = strnlen(name, sizeof li.name - 1);
			memcpy(li.name, name, k);
			li.name[k] = '\0';
		}
		li.kind = ld_kind(kind);
		li.waits = jin_u64(in, o, "waits", w, true, 0);
		li.wait_ns = jin_u64(in, o, "wait_ns", w, true, 0);
		li.max_wait_ns = jin_u64(in, o, "max_wait_ns", w, true, 0);
		li.wakes = jin_u64(in, o, "wakes", w, false, 0);
		li.nthreads = jin_u32(in, o, "threads", w, false, 0);
		li.first_ns = jin_u64(in, o, "first_ns", w, false, 0);
		li.last_ns = jin_u64(in, o, "last_ns", w, false, 0);
		if (in->failed)
			return;
		if (!locks_restore(l->m->locks, &li, jin_real(in, o, "thread_wait_pct", w, false)))
			continue;   /* a second row for an address: the first stands */
		sites = jin_arr(in, o, "sites", w, false);
		for (size_t k = 0; sites && k < json_array_size(sites) && !in->failed; k++) {
			const json_t *so = jin_elem(in, sites, k, "locks.sites");
			struct lock_site s = { .addr = li.addr };
			if (!so || !ld_stack(l, so, "locks.sites", &s.stack))
				return;
			s.waits = jin_u64(in, so, "waits", "locks.sites", true, 0);
			s.wait_ns = jin_u64(in, so, "wait_ns", "locks.sites", true, 0);
			s.wakes = jin_u64(in, so, "wakes", "locks.sites", false, 0);
			s.max_wait_ns = jin_u64(in, so, "max_wait_ns", "locks.sites", false, 0);
			s.nthreads = jin_u32(in, so, "threads", "locks.sites", false, 0);
			locks_restore_site(l->m->locks, &s);
		}
	}
}

/* Which snapshot this is, before anything is built from it. */
static bool ld_header(struct ld *l, const json_t *root)
{
	struct json_in *in = &l->in;
	const json_t *fmt = json_object_get(root, "format"), *ver = json_object_get(root, "version");

	if (!json_is_object(root) || !json_is_string(fmt) ||
	    strcmp(json_string_value(fmt), "kprof-snapshot") != 0) {
		jin_fail(in, "not a kprof-top snapshot (no \"format\": \"kprof-snapshot\"): give a "
			"file written by --snapshot or the e key");
		return false;
	}
	if (!json_is_integer(ver) || json_integer_value(ver) < 1) {
		jin_fail(in, "the snapshot has no valid \"version\": " DAMAGED);
		return false;
	}
	if (json_integer_value(ver) > SNAPSHOT_VERSION) {
		jin_fail(in, "snapshot version %" JSON_INTEGER_FORMAT " is newer than this kprof-top "
			"reads (%d): open it with a newer kprof-top", json_integer_value(ver),
			SNAPSHOT_VERSION);
		return false;
	}
	return true;
}

struct model *snapshot_load_buf(const char *data, size_t len, const char *what,
				char *err, size_t errlen)
{
	struct ld l = { .in = { .what = what, .hint = DAMAGED, .err = err, .errlen = errlen } };
	json_error_t jerr;
	json_t *root;
	uint64_t start_ns, now_ns;
	bool started;
	uint32_t window_s;

	if (errlen)
		err[0] = '\0';
	if (!len) {
		jin_fail(&l.in, "the file is empty: give a snapshot written by --snapshot or the e key");
		return NULL;
	}
	root = json_loadb(data, len, 0, &jerr);
	if (!root) {
		/* What jansson says when the text stops inside a value. */
		bool cut = strstr(jerr.text, "premature end of input") ||
			   (strstr(jerr.text, "near end of file") &&
			    !strstr(jerr.text, "end of file expected"));
		size_t lead = 0;
		while (lead < len && strchr(" \t\r\n", data[lead]) && data[lead])
			lead++;
		if (cut && lead < len && (data[lead] == '{' || data[lead] == '['))
			jin_fail(&l.in, "the JSON ends early (line %d): the file was cut short; write "
				"it again with --snapshot", jerr.line);
		else
			jin_fail(&l.in, "not JSON (line %d: %s): give a snapshot written by --snapshot "
				"or the e key", jerr.line, jerr.text);
		return NULL;
	}
	if (!ld_header(&l, root)) {
		json_decref(root);
		return NULL;
	}
	l.m = model_new(SNAPSHOT_RETAIN_SECS);
	l.funcs = json_object();
	window_s = jin_u32(&l.in, root, "window_s", "the snapshot", false, 0);
	ld_target(&l, root);
	l.m->target.saved_window_s = window_s;
	ld_stats(&l, root);
	start_ns = l.m->start_ns;
	now_ns = l.m->now_ns;
	started = l.m->clock_started;
	/* Threads first, so they keep their order of first sight; once the
	 * stacks have counted their samples, the saved numbers again. */
	if (!l.in.failed)
		ld_functions(&l, root);
	if (!l.in.failed)
		ld_threads(&l, root);
	if (!l.in.failed)
		ld_cpu(&l, root);
	if (!l.in.failed)
		ld_threads(&l, root);
	if (!l.in.failed)
		ld_usage(&l, root);
	if (!l.in.failed)
		ld_alloc(&l, root);
	if (!l.in.failed)
		ld_io(&l, root, window_s);
	if (!l.in.failed)
		ld_locks(&l, root);
	/* model_add_stack moved the clock to the newest time: put it back. */
	l.m->start_ns = start_ns;
	l.m->now_ns = now_ns;
	l.m->clock_started = started;
	json_decref(l.funcs);
	u64map_fini(&l.by_id);
	json_decref(root);
	free(l.frames);
	if (l.in.failed) {
		model_free(l.m);
		return NULL;
	}
	return l.m;
}

struct model *snapshot_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t len = 0, cap = 0, got;
	struct model *m;

	if (!f) {
		snprintf(err, errlen, "%s: %s: give the path of a snapshot written by --snapshot",
			 path, strerror(errno));
		return NULL;
	}
	do {
		xgrow(&data, &cap, len + 65536, 1);
		got = fread(data + len, 1, cap - len, f);
		len += got;
	} while (got > 0 && len < SNAPSHOT_MAX_BYTES);
	if (ferror(f) || len >= SNAPSHOT_MAX_BYTES) {
		snprintf(err, errlen, "%s: %s", path, ferror(f) ? strerror(errno)
			 : "larger than 1 GiB: not a snapshot kprof-top wrote");
		fclose(f);
		free(data);
		return NULL;
	}
	fclose(f);
	m = snapshot_load_buf(data, len, path, err, errlen);
	free(data);
	return m;
}
