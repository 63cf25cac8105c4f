/* Events → model (see ingest.h).  Every CPU sample passes through
 * ingest_sample, so this is the profiler's hot path: no allocation per
 * sample, symbol lookups through the symbolizer's address cache. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "maps.h"
#include "model.h"
#include "modules.h"
#include "symbols.h"
#include "unwind.h"
#include "../sampler/event.h"
#include "../common/clock.h"
#include "../common/xalloc.h"

/* Deeper stacks are cut at the root end: the leaf frames matter most. */
#define INGEST_MAX_FRAMES 128

struct ingest {
	struct model *model;
	struct module_cache *modules;
	struct maps *maps;
	struct symbolizer *sym;
	struct unwinder *unwinder;
	uint32_t pid;
	bool dwarf;
	uint32_t kernel_func;     /* "[kernel]" */
	uint64_t ips[INGEST_MAX_FRAMES];
	uint32_t frames[INGEST_MAX_FRAMES + 1];
};

struct ingest *ingest_new(struct model *m, const struct ingest_config *cfg)
{
	struct ingest *in = xcalloc(1, sizeof *in);
	char perf_map[4200];

	in->model = m;
	in->pid = cfg->pid;
	in->dwarf = cfg->dwarf;
	in->modules = module_cache_new(cfg->debug_root ? cfg->debug_root : "/usr/lib/debug");
	in->maps = maps_new(in->modules, cfg->root ? cfg->root : "");
	snprintf(perf_map, sizeof perf_map, "%s/tmp/perf-%u.map",
		 cfg->root ? cfg->root : "", cfg->pid);
	in->sym = symbolizer_new(in->maps, m->funcs, perf_map);
	in->unwinder = unwinder_new(in->maps);
	in->kernel_func = funcs_intern(m->funcs, "[kernel]", "[kernel]");
	return in;
}

void ingest_free(struct ingest *in)
{
	if (!in)
		return;
	unwinder_free(in->unwinder);
	symbolizer_free(in->sym);
	maps_free(in->maps);
	module_cache_free(in->modules);
	free(in);
}

/* The sample's user frames, leaf first, in in->ips. */
static int ingest_user_ips(struct ingest *in, const struct event_sample *s)
{
	struct model_stats *st = &in->model->stats;
	int n, complete;

	if (!in->dwarf || !s->has_regs) {
		n = (int)MIN(s->nr_ips, (uint32_t)INGEST_MAX_FRAMES);
		memcpy(in->ips, s->ips, (size_t)n * sizeof *in->ips);
		if (n == 0 && !s->kernel)
			in->ips[n++] = s->ip;
		return n;
	}
	/* Timing every unwind costs two vDSO clock reads (~40 ns), small next
	 * to the unwind itself, and makes its cost a number we can show. */
	uint64_t t0 = clock_monotonic_ns();
	n = unwinder_unwind(in->unwinder, s, in->ips, INGEST_MAX_FRAMES, &complete);
	st->unwind_ns += clock_monotonic_ns() - t0;
	st->unwound++;
	if (!complete)
		st->truncated++;
	return n;
}

static void ingest_sample(struct ingest *in, const struct event *ev)
{
	const struct event_sample *s = &ev->sample;
	struct model *m = in->model;
	uint32_t n = 0;
	int nips;

	m->stats.samples++;
	if (s->pid != in->pid)
		return;   /* a child process inherited the event: not our target */
	nips = ingest_user_ips(in, s);
	/* Root first; callers are named at ip - 1, the call itself. */
	for (int i = nips - 1; i >= 0; i--)
		in->frames[n++] = symbolizer_func(in->sym, i == 0 ? in->ips[i] : in->ips[i] - 1);
	if (s->kernel) {
		m->stats.kernel_samples++;
		in->frames[n++] = in->kernel_func;
	}
	model_add_stack(m, ev->time_ns, s->tid, in->frames, n, 1);
}

static void ingest_proc_stats(struct ingest *in, const struct event *ev)
{
	const struct event_proc_stats *ps = &ev->proc_stats;

	if (ps->pid != in->pid)
		return;
	model_add_usage(in->model, &(struct usage_reading){
		.time_ns = ev->time_ns, .has_rss = ps->has_rss, .rss_bytes = ps->rss_bytes,
		.has_io = ps->has_io, .rchar = ps->rchar, .wchar = ps->wchar,
		.read_bytes = ps->read_bytes, .write_bytes = ps->write_bytes });
}

static void ingest_mmap(struct ingest *in, const struct event_mmap *mm)
{
	struct map_entry e;

	if (mm->pid != in->pid)
		return;
	memset(&e, 0, sizeof e);
	e.start = mm->start;
	e.end = mm->start + mm->len;
	e.pgoff = mm->pgoff;
	e.prot = mm->prot;
	e.maj = mm->maj;
	e.min = mm->min;
	e.ino = mm->ino;
	if (maps_entry_set_path(&e, mm->path, strlen(mm->path)))
		maps_add(in->maps, &e);
}

void ingest_event(struct ingest *in, const struct event *ev)
{
	struct model *m = in->model;

	switch (ev->kind) {
	case EVENT_SAMPLE:
		ingest_sample(in, ev);
		return;
	case EVENT_MAPS:
		maps_load_text(in->maps, ev->maps.text);
		break;
	case EVENT_MMAP:
		ingest_mmap(in, &ev->mmap);
		break;
	case EVENT_COMM:
		if (ev->comm.pid != in->pid)
			return;
		threads_set_name(m->threads, ev->comm.tid, ev->comm.comm);
		/* exec replaced the image: the new one's MMAP2 records follow. */
		if (ev->comm.exec)
			maps_clear(in->maps);
		break;
	case EVENT_THREAD_START:
		if (ev->thread.pid == in->pid)
			threads_get(m->threads, ev->thread.tid);
		break;
	case EVENT_THREAD_EXIT:
		if (ev->thread.pid == in->pid)
			threads_exit(m->threads, ev->thread.tid, ev->time_ns);
		break;
	case EVENT_LOST:
		m->stats.lost += ev->lost.count;
		break;
	case EVENT_TICK:
		symbolizer_tick(in->sym, ev->time_ns);
		break;
	case EVENT_TARGET_EXIT:
		m->target.exited = true;
		m->target.wait_status = ev->exit.wait_status;
		break;
	case EVENT_PROC_STATS:
		ingest_proc_stats(in, ev);
		return;
	}
	model_tick(m, ev->time_ns);
}

const char *ingest_data_symbol(struct ingest *in, uint64_t addr)
{
	return symbolizer_data(in->sym, addr);
}
