/* Events → model (see ingest.h).  Every CPU sample passes through
 * ingest_sample, so this is the profiler's hot path: no allocation per
 * sample, symbol lookups through the symbolizer's address cache.  Traced
 * syscalls are paired here and routed to the lock and I/O tables, which
 * need names only this step knows (data symbols, mappings, functions). */
#include "config.h"

#include <inttypes.h>
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

/* s's user stack as function ids, root first, in in->frames; returns how
 * many.  CPU samples and syscall-entry stacks both come through here. */
static uint32_t ingest_frames(struct ingest *in, const struct event_sample *s)
{
	int nips = ingest_user_ips(in, s);
	uint32_t n = 0;

	/* Callers are named at ip - 1, the call itself. */
	for (int i = nips - 1; i >= 0; i--)
		in->frames[n++] = symbolizer_func(in->sym, i == 0 ? in->ips[i] : in->ips[i] - 1);
	return n;
}

static void ingest_sample(struct ingest *in, const struct event *ev)
{
	const struct event_sample *s = &ev->sample;
	struct model *m = in->model;
	uint32_t n;

	m->stats.samples++;
	if (s->pid != in->pid)
		return;   /* a child process inherited the event: not our target */
	n = ingest_frames(in, s);
	if (s->kernel) {
		m->stats.kernel_samples++;
		in->frames[n++] = in->kernel_func;
	}
	model_add_stack(m, ev->time_ns, s->tid, in->frames, n, 1);
}

/* The stack at a sampled syscall entry: interned for the lock and I/O
 * sites, but it is not CPU time, so neither the timeline nor the sample
 * count see it. */
static void ingest_syscall_stack(struct ingest *in, const struct event *ev)
{
	const struct event_sample *s = &ev->sample;
	struct model *m = in->model;
	uint32_t n;

	if (s->pid != in->pid)
		return;
	n = ingest_frames(in, s);
	syscalls_stack(m->syscalls, s->tid, s->syscall_nr, stacks_intern(m->stacks, in->frames, n),
		       s->syscall_weight);
}

/* Frames that say what a futex is, matched with leading underscores
 * stripped ("___pthread_mutex_lock", "__lll_lock_wait").  The leaf-most
 * match decides: pthread_cond_wait re-taking its mutex waits in
 * __lll_lock_wait, and that wait is on the mutex. */
static const struct {
	const char *prefix;
	enum lock_kind kind;
} ingest_lock_frames[] = {
	{ "pthread_cond_", LOCK_CONDVAR },
	{ "lll_lock_wait", LOCK_MUTEX },
	{ "pthread_mutex_", LOCK_MUTEX },
	{ "pthread_rwlock_", LOCK_MUTEX },
	{ "lll_unlock_wake", LOCK_MUTEX },
	{ "new_sem_", LOCK_OTHER },
	{ "sem_", LOCK_OTHER },
	{ "pthread_join", LOCK_OTHER },
	{ "pthread_clockjoin", LOCK_OTHER },
	{ "pthread_timedjoin", LOCK_OTHER },
	{ "pthread_barrier_", LOCK_OTHER },
};

static void ingest_lock_kind(struct ingest *in, uint64_t addr, uint32_t stack)
{
	struct model *m = in->model;
	uint32_t nf;
	const uint32_t *fr = stacks_frames(m->stacks, stack, &nf);

	for (uint32_t k = nf; k-- > 0;) {
		const struct func *fn = funcs_get(m->funcs, fr[k]);
		const char *name = fn ? fn->name : "";
		while (*name == '_')
			name++;
		for (size_t i = 0; i < ARRAY_SIZE(ingest_lock_frames); i++)
			if (!strncmp(name, ingest_lock_frames[i].prefix,
				     strlen(ingest_lock_frames[i].prefix))) {
				locks_set_kind(m->locks, addr, ingest_lock_frames[i].kind);
				return;
			}
	}
}

static const char *ingest_basename(const char *path)
{
	const char *b = strrchr(path, '/');

	return b && b[1] ? b + 1 : path;
}

/* A lock's name on first sight, kept for good so rows don't change name
 * under the user: its data symbol, else the mapping it lies in. */
static void ingest_name_lock(struct ingest *in, struct lock_info *li)
{
	const char *sym, *where = NULL;
	const struct map *map;

	if (li->name[0])
		return;
	sym = symbolizer_data(in->sym, li->addr);
	if (sym) {
		snprintf(li->name, sizeof li->name, "%s", sym);
		return;
	}
	map = maps_find(in->maps, li->addr);
	if (map) {
		switch (map->kind) {
		case MAP_KIND_HEAP: where = "heap"; break;
		case MAP_KIND_STACK: where = "stack"; break;
		case MAP_KIND_ANON: where = "anon"; break;
		default: where = map->path ? ingest_basename(map->path) : "anon"; break;
		}
	}
	if (where)
		snprintf(li->name, sizeof li->name, "%s 0x%" PRIx64, where, li->addr);
	else
		snprintf(li->name, sizeof li->name, "0x%" PRIx64, li->addr);
}

static void ingest_syscall_exit(struct ingest *in, const struct event *ev)
{
	const struct event_syscall *sc = &ev->syscall;
	struct model *m = in->model;
	struct syscall_call c;
	struct lock_info *li;

	if (sc->pid != in->pid ||
	    !syscalls_exit(m->syscalls, sc->tid, ev->time_ns, sc->nr, sc->ret, &c))
		return;
	if (c.nr != SYSCALLS_FUTEX) {
		io_add_call(m->io, &c);
		return;
	}
	li = locks_add_call(m->locks, &c);
	if (!li)
		return;
	ingest_name_lock(in, li);
	if (c.stack != SYSCALLS_NO_STACK)
		ingest_lock_kind(in, c.args[0], c.stack);
}

static void ingest_wait_sample(struct ingest *in, const struct event *ev)
{
	const struct event_wait_sample *w = &ev->wait;
	struct model *m = in->model;
	struct lock_info *li;

	if (w->pid != in->pid)
		return;
	if (w->nr != SYSCALLS_FUTEX) {
		locks_sample_other(m->locks, w->tid);
		return;
	}
	li = locks_add_sample(m->locks, w->tid, ev->time_ns, w->args, w->period_ns);
	if (li)
		ingest_name_lock(in, li);
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
		if (ev->thread.pid == in->pid) {
			threads_get(m->threads, ev->thread.tid);
			locks_thread_start(m->locks, ev->thread.tid, ev->time_ns);
		}
		break;
	case EVENT_THREAD_EXIT:
		if (ev->thread.pid == in->pid) {
			threads_exit(m->threads, ev->thread.tid, ev->time_ns);
			syscalls_forget(m->syscalls, ev->thread.tid);
			locks_thread_exit(m->locks, ev->thread.tid, ev->time_ns);
		}
		break;
	case EVENT_LOST:
		m->stats.lost += ev->lost.count;
		/* Any pending entry may have lost its exit (or an exit its entry). */
		syscalls_reset(m->syscalls);
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
	case EVENT_SYSCALL_ENTER:
		if (ev->syscall.pid != in->pid)
			return;
		syscalls_enter(m->syscalls, ev->syscall.tid, ev->time_ns, ev->syscall.nr,
			       ev->syscall.args);
		break;
	case EVENT_SYSCALL_EXIT:
		ingest_syscall_exit(in, ev);
		break;
	case EVENT_SYSCALL_STACK:
		ingest_syscall_stack(in, ev);
		break;
	case EVENT_FD_NAME:
		if (ev->fd_name.pid != in->pid)
			return;
		io_set_fd_name(m->io, ev->fd_name.fd, ev->fd_name.name, ev->time_ns);
		break;
	case EVENT_THREAD_IO:
		if (ev->thread_io.pid != in->pid)
			return;
		io_add_thread_reading(m->io, ev->thread_io.tid, ev->time_ns, ev->thread_io.rchar,
				      ev->thread_io.wchar, ev->thread_io.read_bytes,
				      ev->thread_io.write_bytes);
		break;
	case EVENT_WAIT_SAMPLE:
		ingest_wait_sample(in, ev);
		break;
	case EVENT_TRACE_STATUS: {
		struct model_target *t = &m->target;
		snprintf(t->locks_mode, sizeof t->locks_mode, "%s", ev->trace.locks_mode);
		snprintf(t->io_mode, sizeof t->io_mode, "%s", ev->trace.io_mode);
		snprintf(t->trace_note, sizeof t->trace_note, "%s", ev->trace.note);
		break;
	}
	}
	model_tick(m, ev->time_ns);
}

const char *ingest_data_symbol(struct ingest *in, uint64_t addr)
{
	return symbolizer_data(in->sym, addr);
}
