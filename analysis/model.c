/* The model (see model.h): owns the function table, the interned stacks,
 * the timeline, the thread table, the per-thread stacks, the RSS/I/O
 * readings, the traced-syscall tables (pairing, locks, per-fd I/O) and the
 * allocation sites, and keeps its own clock. */
#include "config.h"

#include <stdlib.h>

#include "model.h"
#include "../common/xalloc.h"

struct model *model_new(uint32_t retain_secs)
{
	struct model *m = xcalloc(1, sizeof *m);

	m->funcs = funcs_new();
	m->stacks = stacks_new();
	m->timeline = timeline_new(retain_secs);
	m->threads = threads_new();
	m->thread_stacks = thread_stacks_new(m->timeline, retain_secs);
	m->usage = usage_new(retain_secs);
	m->syscalls = syscalls_new();
	m->locks = locks_new();
	m->io = io_new();
	m->alloc = alloc_new(retain_secs);
	m->target.wait_status = -1;
	return m;
}

void model_free(struct model *m)
{
	if (!m)
		return;
	funcs_free(m->funcs);
	stacks_free(m->stacks);
	timeline_free(m->timeline);
	threads_free(m->threads);
	thread_stacks_free(m->thread_stacks);
	usage_free(m->usage);
	syscalls_free(m->syscalls);
	locks_free(m->locks);
	io_free(m->io);
	alloc_free(m->alloc);
	free(m);
}

static void model_clock(struct model *m, uint64_t time_ns)
{
	if (!m->clock_started) {
		m->clock_started = true;
		m->start_ns = m->now_ns = time_ns;
		return;
	}
	if (time_ns < m->start_ns)
		m->start_ns = time_ns;
	if (time_ns > m->now_ns)
		m->now_ns = time_ns;
}

void model_add_stack(struct model *m, uint64_t time_ns, uint32_t tid,
		     const uint32_t *frames, uint32_t n, uint64_t weight)
{
	uint32_t id = stacks_intern(m->stacks, frames, n);

	model_clock(m, time_ns);
	timeline_add(m->timeline, time_ns, id, weight);
	threads_sample(m->threads, tid, time_ns, weight);
	thread_stacks_add(m->thread_stacks, time_ns, tid, id, weight);
}

void model_add_usage(struct model *m, const struct usage_reading *r)
{
	usage_add(m->usage, r);
	model_tick(m, r->time_ns);
}

void model_tick(struct model *m, uint64_t time_ns)
{
	model_clock(m, time_ns);
	timeline_tick(m->timeline, time_ns);
	thread_stacks_tick(m->thread_stacks, time_ns);
	alloc_tick(m->alloc, time_ns);
}

double model_duration_s(const struct model *m)
{
	return m->clock_started ? (double)(m->now_ns - m->start_ns) / 1e9 : 0.0;
}

size_t model_memory(const struct model *m)
{
	return sizeof *m + stacks_memory(m->stacks) + timeline_memory(m->timeline) +
	       thread_stacks_memory(m->thread_stacks) + syscalls_memory(m->syscalls) +
	       locks_memory(m->locks) + io_memory(m->io) + alloc_memory(m->alloc);
}

const char *model_collect_mode(const char *mode, bool has_data, const char *none)
{
	return mode[0] ? mode : has_data ? "traced" : none;
}
