/* Events → model (see ingest.h).  Every CPU sample passes through
 * ingest_sample, so this is the profiler's hot path: no allocation per
 * sample, symbol lookups through the symbolizer's address cache.  Traced
 * syscalls are paired here and routed to the lock and I/O tables, which
 * need names only this step knows (data symbols, mappings, functions);
 * allocator calls seen by uprobes are paired and sampled here too, and
 * page faults are told apart by the mapping they hit. */
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
#include "u64map.h"
#include "unwind.h"
#include "../sampler/event.h"
#include "../common/clock.h"
#include "../common/xalloc.h"

/* The preload shim's module name (Makefile.am: pkglibexec_PROGRAMS). */
#define INGEST_SHIM_MODULE "libkprof-alloc.so"

/* Deeper stacks are cut at the root end: the leaf frames matter most. */
#define INGEST_MAX_FRAMES 128
/* Allocator calls waiting for their return, one per thread at most; past
 * this many threads something was lost and the table starts over. */
#define INGEST_MAX_PENDING 4096
#define INGEST_NO_STACK UINT32_MAX

/* An allocator entered (uprobes), waiting for the address it returns. */
struct ingest_alloc_call {
	uint32_t tid;
	enum event_alloc_fn fn;
	uint64_t size, old_addr;
	uint32_t weight;          /* calls it stands for */
	uint32_t stack;           /* INGEST_NO_STACK: none was taken */
};

struct ingest {
	struct model *model;
	struct module_cache *modules;
	struct maps *maps;
	struct symbolizer *sym;
	struct unwinder *unwinder;
	uint32_t pid;
	bool dwarf;
	uint32_t kernel_func;     /* "[kernel]" */
	struct u64map pending;    /* tid → calls[] */
	struct ingest_alloc_call *calls;
	size_t ncalls, calls_cap;
	struct alloc_sampler sampler;
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
	/* A live target (root set): files deleted or replaced since they were
	 * mapped are still readable through its map_files. */
	if (cfg->root && cfg->root[0]) {
		char dir[64];
		snprintf(dir, sizeof dir, "/proc/%u/map_files", cfg->pid);
		maps_set_map_files(in->maps, dir);
	}
	/* The JIT writes its map in its own mount namespace (root) under its
	 * own pid namespace's number for itself. */
	snprintf(perf_map, sizeof perf_map, "%s/tmp/perf-%u.map",
		 cfg->root ? cfg->root : "", cfg->ns_pid ? cfg->ns_pid : cfg->pid);
	in->sym = symbolizer_new(in->maps, m->funcs, perf_map);
	in->unwinder = unwinder_new(in->maps);
	in->kernel_func = funcs_intern(m->funcs, "[kernel]", "[kernel]");
	/* A fixed seed: the same events give the same model. */
	alloc_sampler_init(&in->sampler, cfg->alloc_sample_bytes ? cfg->alloc_sample_bytes
			   : INGEST_ALLOC_SAMPLE_BYTES, 0x6b70726f66ULL ^ cfg->pid);
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
	u64map_fini(&in->pending);
	free(in->calls);
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

/* in->ips[0..nips) (leaf first) as function ids, root first, in
 * in->frames; returns how many.  Callers are named at ip - 1, the call
 * itself; so is the leaf when it is a return address too (the shim's
 * stacks start in the allocator's caller), not when it is where the
 * thread was. */
static uint32_t ingest_symbolize(struct ingest *in, int nips, bool leaf_returns)
{
	uint32_t n = 0;

	for (int i = nips - 1; i >= 0; i--)
		in->frames[n++] = symbolizer_func(in->sym, i == 0 && !leaf_returns
						  ? in->ips[i] : in->ips[i] - 1);
	return n;
}

/* s's user stack as function ids, root first, in in->frames; returns how
 * many.  CPU samples, syscall-entry stacks, page faults and allocator
 * entries all come through here. */
static uint32_t ingest_frames(struct ingest *in, const struct event_sample *s)
{
	return ingest_symbolize(in, ingest_user_ips(in, s), false);
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
		.read_bytes = ps->read_bytes, .write_bytes = ps->write_bytes,
		.has_mem = ps->has_mem, .rss_anon = ps->rss_anon, .rss_file = ps->rss_file,
		.rss_shmem = ps->rss_shmem, .vm_data = ps->vm_data, .vm_swap = ps->vm_swap,
		.has_maps = ps->has_maps, .heap_bytes = ps->heap_bytes, .nr_maps = ps->nr_maps });
}

/* A sampled page fault: where the target first touched memory.  Faults
 * in file-backed mappings (code, read-only data, mapped files being read)
 * bring file pages in, which is not the process growing: they are
 * counted and skipped.  An address no mapping covers is a region mapped
 * since the last maps reading (perf reports no anonymous mmaps): anonymous. */
static void ingest_fault(struct ingest *in, const struct event *ev)
{
	const struct event_sample *s = &ev->sample;
	struct model *m = in->model;
	const struct map *map;
	uint32_t n;

	if (s->pid != in->pid)
		return;
	m->stats.faults++;
	map = maps_find(in->maps, s->addr);
	if (map && (map->kind == MAP_KIND_FILE || map->kind == MAP_KIND_VDSO)) {
		m->stats.faults_file++;
		return;
	}
	/* The user stack that touched it, also when the kernel did (a read()
	 * into a fresh buffer): that caller asked for the memory. */
	n = ingest_frames(in, s);
	/* Memory the preload shim touched (its arena, libunwind's caches) is
	 * kprof-top's footprint in the target, not the program's growth. */
	for (uint32_t i = 0; i < n; i++)
		if (strcmp(funcs_get(m->funcs, in->frames[i])->module, INGEST_SHIM_MODULE) == 0) {
			m->stats.faults_shim++;
			return;
		}
	alloc_add_fault(m->alloc, ev->time_ns, stacks_intern(m->stacks, in->frames, n),
			(s->period ? s->period : 1) * ALLOC_PAGE_BYTES);
}

/* A sampled allocation from the shim: already weighted, already unwound
 * (return addresses, leaf first). */
static void ingest_alloc(struct ingest *in, const struct event *ev)
{
	const struct event_alloc *al = &ev->alloc;
	struct model *m = in->model;
	int nips = (int)MIN(al->nr_ips, (uint32_t)INGEST_MAX_FRAMES);
	uint32_t n;

	if (al->pid != in->pid)
		return;
	memcpy(in->ips, al->ips, (size_t)nips * sizeof *in->ips);
	n = ingest_symbolize(in, nips, true);
	alloc_add(m->alloc, ev->time_ns, stacks_intern(m->stacks, in->frames, n), al->addr,
		  al->weight);
}

static void ingest_forget_call(struct ingest *in, uint32_t tid)
{
	uint32_t i = u64map_get(&in->pending, tid);

	if (i == U64MAP_NONE)
		return;
	u64map_del(&in->pending, tid);
	if (i + 1 < in->ncalls) {
		in->calls[i] = in->calls[in->ncalls - 1];
		u64map_put(&in->pending, in->calls[i].tid, i);
	}
	in->ncalls--;
}

static void ingest_forget_calls(struct ingest *in)
{
	u64map_clear(&in->pending);
	in->ncalls = 0;
}

/* An allocator entered (uprobes).  Its stack is interned now, while the
 * sample's bytes are valid; the leaf frame is the allocator itself (the
 * probe is in it) and goes, so sites read as the shim's do: the caller. */
static void ingest_alloc_call(struct ingest *in, const struct event *ev)
{
	const struct event_alloc_call *c = &ev->alloc_call;
	struct model *m = in->model;
	uint32_t stack = INGEST_NO_STACK, i;

	if (c->pid != in->pid)
		return;
	if (c->sample) {
		uint32_t n = ingest_frames(in, c->sample);
		stack = stacks_intern(m->stacks, in->frames, n > 1 ? n - 1 : n);
	}
	i = u64map_get(&in->pending, c->tid);
	if (i == U64MAP_NONE) {
		if (in->ncalls >= INGEST_MAX_PENDING)
			ingest_forget_calls(in);
		xgrow(&in->calls, &in->calls_cap, in->ncalls + 1, sizeof *in->calls);
		i = (uint32_t)in->ncalls++;
		u64map_put(&in->pending, c->tid, i);
	}
	in->calls[i] = (struct ingest_alloc_call){ .tid = c->tid, .fn = c->fn, .size = c->size,
		.old_addr = c->old_addr, .weight = c->weight ? c->weight : 1, .stack = stack };
}

/* The allocator returned: pair with its call and sample it.
 *
 * The estimator.  Uprobes see every call, but only calls that came with a
 * stack can be sites, and a stack is taken on every Nth call (weight N),
 * so each such call stands for N calls like it: N x size bytes.  Those
 * bytes go through a Poisson sampler over bytes with the configured mean
 * (alloc_sampler: sampled with probability 1 - exp(-N size/mean),
 * weighted N size / that), exactly what the shim does over every call.
 * Both steps are unbiased, so a site's sum of weights estimates its bytes,
 * and the sample density is one per mean bytes of real allocation, as in
 * launch mode.  Only sampled addresses are tracked; a free of any other is
 * ignored, so outstanding bytes are the live samples' weights.  realloc is
 * a free of the old block (when it succeeded, or shrank to nothing) and a
 * new allocation; the free comes first, as the new block may be the old. */
static void ingest_alloc_return(struct ingest *in, const struct event *ev)
{
	const struct event_alloc_return *r = &ev->alloc_return;
	struct model *m = in->model;
	struct ingest_alloc_call c;
	uint32_t i;
	uint64_t w;

	if (r->pid != in->pid || (i = u64map_get(&in->pending, r->tid)) == U64MAP_NONE)
		return;
	c = in->calls[i];
	ingest_forget_call(in, r->tid);
	if (c.fn == EVENT_ALLOC_REALLOC && c.old_addr && (r->addr || !c.size))
		alloc_remove(m->alloc, ev->time_ns, c.old_addr);
	if (!r->addr || c.stack == INGEST_NO_STACK)
		return;
	w = alloc_sampler_take(&in->sampler, c.size * c.weight);
	if (w)
		alloc_add(m->alloc, ev->time_ns, c.stack, r->addr, w);
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
		/* exec replaced the image: the new one's MMAP2 records follow,
		 * and no address of the old one is live any more. */
		if (ev->comm.exec) {
			maps_clear(in->maps);
			alloc_clear_live(m->alloc);
			ingest_forget_calls(in);
		}
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
			ingest_forget_call(in, ev->thread.tid);
		}
		break;
	case EVENT_LOST:
		m->stats.lost += ev->lost.count;
		/* Any pending entry may have lost its exit (or an exit its entry). */
		syscalls_reset(m->syscalls);
		ingest_forget_calls(in);
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
	case EVENT_FAULT:
		ingest_fault(in, ev);
		break;
	case EVENT_ALLOC:
		ingest_alloc(in, ev);
		break;
	case EVENT_ALLOC_CALL:
		ingest_alloc_call(in, ev);
		break;
	case EVENT_ALLOC_RETURN:
		ingest_alloc_return(in, ev);
		break;
	case EVENT_FREE:
		if (ev->free.pid != in->pid)
			return;
		alloc_remove(m->alloc, ev->time_ns, ev->free.addr);
		break;
	case EVENT_ALLOC_STATUS: {
		struct model_target *t = &m->target;
		snprintf(t->alloc_mode, sizeof t->alloc_mode, "%s",
			 ev->alloc_status.mode ? ev->alloc_status.mode : "");
		snprintf(t->alloc_note, sizeof t->alloc_note, "%s",
			 ev->alloc_status.note ? ev->alloc_status.note : "");
		break;
	}
	}
	model_tick(m, ev->time_ns);
}

const char *ingest_data_symbol(struct ingest *in, uint64_t addr)
{
	return symbolizer_data(in->sym, addr);
}
