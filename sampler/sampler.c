/* The sampler thread (see sampler.h).  Every tick (50 ms, or sooner when a
 * ring passes its watermark) it drains all rings and emits a TICK; once a
 * second it looks for threads the kernel isn't following and reads the
 * target's RSS and I/O counters, and each thread's; it watches for the
 * target's exit by waitpid (launched) or /proc (attached).  When lock waits
 * were asked for but the syscall tracepoints were refused, it also samples
 * where the threads are blocked (waitscan) between ticks.  In launch mode
 * it drains the preload shim's ring after the perf rings, every tick: per
 * address the shim's ring is in program order, and an allocation's page
 * faults may come before or after it, which nothing relies on.
 *
 * Backends: perf events by default; where the kernel refuses them (and
 * --backend auto) or with --backend ptrace, the ptrace sampler instead.
 * It opens no perf event at all: lock waits are then sampled from /proc,
 * I/O read from counters, allocation sites come from the preload shim
 * (launch mode) or not at all.  ptrace requests are only accepted from the
 * tracer thread, so the sampler thread itself seizes the target and
 * sampler_start waits for it to say whether that worked. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sampler.h"
#include "alloc_ring.h"
#include "launch.h"
#include "perf_session.h"
#include "proc.h"
#include "ptrace_sampler.h"
#include "waitscan.h"
#include "../common/clock.h"
#include "../common/xalloc.h"

#define SAMPLER_TICK_MS 50
#define SAMPLER_RESCAN_TICKS 20
#define SAMPLER_STATS_NS 1000000000ULL
#define SAMPLER_TICK_NS (SAMPLER_TICK_MS * 1000000ULL)

/* The trace guard.  A traced syscall costs the target about 1.8 us here
 * (enter and exit records plus a stack every 16th entry; bench/syscalls.sh:
 * 1.56 -> 3.34 us per 64-byte write), far more than the call itself for
 * small I/O.  Tracing stops when that estimate passes 5 % of the target's
 * own CPU time for two seconds in a row, unless the cost is below 1 % of
 * a core (an idle target's few calls are cheap however small its CPU). */
#define SAMPLER_TRACE_COST_NS 2000
#define SAMPLER_TRACE_BUDGET 0.05
#define SAMPLER_TRACE_FLOOR 0.01
#define SAMPLER_TRACE_STRIKES 2

/* The shim writes a START as the command's image loads, before main: a
 * command that has not within this time never will (static, set-uid). */
#define SAMPLER_SHIM_WAIT_NS 2000000000ULL

/* How lock waits and I/O are collected (see event_trace_status). */
struct sampler_trace_status {
	char locks_mode[16];
	char io_mode[16];
	char note[200];
};

/* How allocation sites are collected (see event_alloc_status). */
struct sampler_alloc_status {
	char mode[16];
	char note[200];
	char base_note[200];     /* note without the shim's lost records */
	bool shim_started;       /* a START came through the ring */
	uint64_t launched_ns;
	uint64_t lost;           /* ring records dropped, last said */
};

struct sampler {
	struct sampler_config cfg;
	struct perf_session *session;
	event_sink_fn *sink;
	void *ctx;
	pthread_t thread;
	atomic_bool stop;
	atomic_bool finished;
	struct sampler_trace_status status;
	struct sampler_alloc_status alloc;
	struct waitscan *waitscan;   /* the lock-wait fallback, or NULL */
	uint64_t scan_ns;            /* its interval */
	uint64_t last_scan;          /* when it last ran; 0 never */
	/* The trace guard's last look: when, traced calls, target CPU. */
	uint64_t guard_ns, guard_calls, guard_cpu_ns;
	unsigned guard_strikes;
	/* The backend: ptrace non-NULL when the ptrace sampler runs (owned by
	 * the thread).  note says why, hz the rate really used. */
	struct ptrace_sampler *ptrace;
	bool use_ptrace;
	char note[240];
	unsigned hz;
	/* The ptrace sampler's cost, published by the thread each tick. */
	atomic_uint_least64_t pt_samples, pt_stop_ns;
	/* The thread's answer to "could you seize the target?" (ptrace). */
	sem_t ready;
	char open_err[512];
	bool open_usage;
};

static void sampler_emit(struct sampler *s, enum event_kind kind)
{
	struct event ev = { .kind = kind, .time_ns = clock_monotonic_ns() };
	s->sink(s->ctx, &ev);
}

/* Has the target gone?  *status gets the wait status when we know it. */
static bool sampler_target_gone(struct sampler *s, int *status)
{
	char state;

	*status = -1;
	/* Not with ptrace: waitpid on a traced child would take its stops. */
	if (s->cfg.launch && !s->use_ptrace) {
		pid_t r = waitpid(s->cfg.pid, status, WNOHANG);
		return r == s->cfg.pid || (r < 0 && errno == ECHILD);
	}
	/* A zombie leader with live threads (it called pthread_exit) still runs. */
	state = proc_state(s->cfg.pid);
	if (state == 0 || state == 'X')
		return true;
	if (state == 'Z') {
		pid_t *tids = NULL;
		int n = proc_tasks(s->cfg.pid, &tids);
		free(tids);
		return n <= 1;
	}
	return false;
}

/* Each thread's I/O counters, with the process's. */
static void sampler_emit_thread_io(struct sampler *s, uint64_t time_ns)
{
	pid_t *tids = NULL;
	int n = proc_tasks(s->cfg.pid, &tids);

	for (int i = 0; i < n; i++) {
		struct event ev = { .kind = EVENT_THREAD_IO, .time_ns = time_ns };
		if (proc_read_thread_io(s->cfg.pid, tids[i], &ev.thread_io))
			s->sink(s->ctx, &ev);
	}
	free(tids);
}

static void sampler_emit_status(struct sampler *s)
{
	struct event ev = { .kind = EVENT_TRACE_STATUS, .time_ns = clock_monotonic_ns() };

	ev.trace = (struct event_trace_status){ s->status.locks_mode, s->status.io_mode,
						s->status.note };
	s->sink(s->ctx, &ev);
}

static void sampler_emit_alloc_status(struct sampler *s)
{
	struct event ev = { .kind = EVENT_ALLOC_STATUS, .time_ns = clock_monotonic_ns() };

	ev.alloc_status = (struct event_alloc_status){ s->alloc.mode, s->alloc.note };
	s->sink(s->ctx, &ev);
}

static void sampler_ring_record(const struct alloc_ring_record *r, void *arg)
{
	struct sampler *s = arg;
	struct event ev = { .time_ns = r->time_ns };

	switch (r->type) {
	case ALLOC_RING_ALLOC:
		/* The ring does not say which allocator: malloc stands for all. */
		ev.kind = EVENT_ALLOC;
		ev.alloc = (struct event_alloc){ (uint32_t)s->cfg.pid, r->tid, EVENT_ALLOC_MALLOC,
			r->address, r->size, r->weight, r->nframes, r->ips };
		break;
	case ALLOC_RING_FREE:
		ev.kind = EVENT_FREE;
		ev.free = (struct event_free){ (uint32_t)s->cfg.pid, r->tid, r->address };
		break;
	case ALLOC_RING_START:
		/* A new image (an exec) also arrives as a COMM exec record, which
		 * tells the analysis its live addresses are gone. */
		s->alloc.shim_started = true;
		return;
	default:
		return;
	}
	s->sink(s->ctx, &ev);
}

/* The shim's records so far, and whether the mode changed: the command
 * never loaded the shim, or the ring dropped records. */
static void sampler_drain_ring(struct sampler *s, uint64_t now)
{
	struct sampler_alloc_status *a = &s->alloc;
	uint64_t lost;

	if (!s->cfg.ring || strcmp(a->mode, "preload") != 0)
		return;
	alloc_ring_read(s->cfg.ring, sampler_ring_record, s);
	if (!a->shim_started && now > a->launched_ns + SAMPLER_SHIM_WAIT_NS) {
		snprintf(a->mode, sizeof a->mode, "%s", s->session && perf_session_faults(s->session)
			 ? "faults" : "off");
		snprintf(a->note, sizeof a->note, "the command did not load libkprof-alloc.so "
			 "(a static or set-uid binary?)");
		sampler_emit_alloc_status(s);
		return;
	}
	lost = alloc_ring_lost(s->cfg.ring) + alloc_ring_untracked(s->cfg.ring);
	if (lost != a->lost) {
		a->lost = lost;
		snprintf(a->note, sizeof a->note, "%.120s%s%llu samples lost (ring or table full): "
			 "outstanding bytes are an upper bound", a->base_note, a->base_note[0] ? "; " : "",
			 (unsigned long long)lost);
		sampler_emit_alloc_status(s);
	}
}

/* Decide from what the session could open (and the shim) how allocation
 * sites are collected. */
static void sampler_alloc_setup(struct sampler *s)
{
	struct sampler_alloc_status *a = &s->alloc;
	const struct sampler_config *c = &s->cfg;
	char reason[200];
	bool faults = false, probes = false;
	unsigned stepped = 0;

	if (s->session)
		perf_session_alloc(s->session, &faults, &probes, &stepped, reason, sizeof reason);
	else
		snprintf(reason, sizeof reason, "the ptrace backend samples no page faults");
	if (c->ring) {
		snprintf(a->mode, sizeof a->mode, "preload");
		snprintf(a->note, sizeof a->note, "%s", faults ? "page faults sampled too" : "");
	} else if (probes) {
		snprintf(a->mode, sizeof a->mode, "uprobes");
		if (stepped)
			snprintf(a->note, sizeof a->note, "%u allocator probes are single-stepped "
				 "(~10x slower per call)", stepped);
	} else if (faults) {
		snprintf(a->mode, sizeof a->mode, "faults");
		if (c->alloc_sites && !c->launch)
			snprintf(a->note, sizeof a->note, "%.120s; uprobes need root or CAP_PERFMON "
				 "and CAP_SYS_ADMIN", reason);
		else if (c->launch && c->alloc_note)
			snprintf(a->note, sizeof a->note, "%.190s", c->alloc_note);
	} else {
		snprintf(a->mode, sizeof a->mode, "off");
		snprintf(a->note, sizeof a->note, "%.190s", c->faults ? reason
			 : "allocation sampling not asked for");
	}
	snprintf(a->base_note, sizeof a->base_note, "%s", a->note);
	a->launched_ns = clock_monotonic_ns();
}

static void sampler_start_waitscan(struct sampler *s)
{
	unsigned hz = s->cfg.frequency < WAITSCAN_MAX_HZ ? s->cfg.frequency : WAITSCAN_MAX_HZ;

	s->scan_ns = 1000000000ULL / (hz ? hz : 1);
	s->waitscan = waitscan_new(s->cfg.pid);
}

/* Tracing stopped (the guard, or a refusal at a rescan): lock waits fall
 * back to sampling /proc, I/O to the counters, and every output is told
 * why.  What was traced so far stays in the model. */
static void sampler_trace_lost(struct sampler *s, const char *why)
{
	struct sampler_trace_status *st = &s->status;

	snprintf(st->note, sizeof st->note, "%s", why);
	if (strcmp(st->locks_mode, "traced") == 0) {
		snprintf(st->locks_mode, sizeof st->locks_mode, "sampled");
		if (!s->waitscan)
			sampler_start_waitscan(s);
	}
	snprintf(st->io_mode, sizeof st->io_mode, "counters");
	sampler_emit_status(s);
}

/* Once a second: what did tracing cost the target since the last look?
 * Over budget twice running, tracing stops; the data so far stays. */
static void sampler_trace_guard(struct sampler *s, uint64_t now)
{
	uint64_t calls = s->session ? perf_session_trace_calls(s->session) : 0, cpu_ns;
	double dt, cost, cpu;

	if (!s->session || !s->cfg.trace_guard || (strcmp(s->status.locks_mode, "traced") != 0 &&
				    strcmp(s->status.io_mode, "traced") != 0) ||
	    !proc_cpu_ns(s->cfg.pid, &cpu_ns))
		return;
	if (s->guard_ns) {
		dt = (double)(now - s->guard_ns) / 1e9;
		cost = (double)(calls - s->guard_calls) * SAMPLER_TRACE_COST_NS / 1e9;
		cpu = (double)(cpu_ns - s->guard_cpu_ns) / 1e9;
		if (dt > 0 && cost > SAMPLER_TRACE_FLOOR * dt && cost > SAMPLER_TRACE_BUDGET * cpu)
			s->guard_strikes++;
		else
			s->guard_strikes = 0;
		if (s->guard_strikes >= SAMPLER_TRACE_STRIKES) {
			char why[200];
			snprintf(why, sizeof why,
				 "tracing stopped: %.0fk syscalls/s would slow the target ~%.0f %%; "
				 "--trace all keeps it on", (double)(calls - s->guard_calls) / dt / 1000,
				 100 * cost / (cpu > 0 ? cpu : dt));
			perf_session_trace_stop(s->session, why);
			sampler_trace_lost(s, why);
			return;
		}
	}
	s->guard_ns = now;
	s->guard_calls = calls;
	s->guard_cpu_ns = cpu_ns;
}

/* RSS and I/O counters, on the clock rather than every Nth tick: a tick
 * ends early when a ring fills, and rates want evenly spaced readings. */
static void sampler_emit_stats(struct sampler *s, uint64_t *next_ns)
{
	struct event ev = { .kind = EVENT_PROC_STATS };
	uint64_t now = clock_monotonic_ns();

	if (now < *next_ns)
		return;
	/* Late (a slow drain): the next one a second from now, not a burst. */
	*next_ns = *next_ns + SAMPLER_STATS_NS > now ? *next_ns + SAMPLER_STATS_NS
						      : now + SAMPLER_STATS_NS;
	proc_read_stats(s->cfg.pid, &ev.proc_stats);
	ev.time_ns = clock_monotonic_ns();
	s->sink(s->ctx, &ev);
	sampler_emit_thread_io(s, ev.time_ns);
	sampler_trace_guard(s, ev.time_ns);
}

/* One tick's chores; true when the target has gone (and that was said). */
static bool sampler_tick(struct sampler *s, unsigned tick, uint64_t *next_stats)
{
	int status;

	sampler_emit(s, EVENT_TICK);
	sampler_emit_stats(s, next_stats);
	if (tick % SAMPLER_RESCAN_TICKS == 0) {
		bool traced;
		char why[160];
		perf_session_rescan(s->session);
		/* A thread whose trace events were refused turns tracing off. */
		perf_session_trace(s->session, &traced, why, sizeof why);
		if (!traced && (strcmp(s->status.locks_mode, "traced") == 0 ||
				strcmp(s->status.io_mode, "traced") == 0))
			sampler_trace_lost(s, why);
	}
	if (sampler_target_gone(s, &status)) {
		struct event ev = { .kind = EVENT_TARGET_EXIT };
		perf_session_poll(s->session, 0);
		sampler_drain_ring(s, clock_monotonic_ns());
		ev.time_ns = clock_monotonic_ns();
		ev.exit.wait_status = status;
		s->sink(s->ctx, &ev);
		return true;
	}
	return false;
}

/* How long to wait for ring data: a tick, or less when a wait scan is due
 * sooner. */
static int sampler_timeout(const struct sampler *s, uint64_t now, uint64_t next_scan,
			   uint64_t next_tick)
{
	uint64_t due = next_tick;

	if (s->waitscan && next_scan < due)
		due = next_scan;
	if (due <= now)
		return 0;
	return (int)((due - now + 999999) / 1000000);
}

/* The lock-wait fallback's scan, when due. */
static void sampler_scan(struct sampler *s, uint64_t now, uint64_t *next_scan)
{
	uint64_t period;

	if (!s->waitscan || now < *next_scan)
		return;
	/* A late scan stands for the time since the last one (up to two
	 * intervals: a long stall says nothing of before). */
	period = s->last_scan && now - s->last_scan < 2 * s->scan_ns
		 ? now - s->last_scan : s->last_scan ? 2 * s->scan_ns : s->scan_ns;
	waitscan_sample(s->waitscan, period, s->sink, s->ctx);
	s->last_scan = now;
	/* Late (a slow drain): skip, don't burst to catch up. */
	*next_scan = *next_scan + s->scan_ns > now ? *next_scan + s->scan_ns : now + s->scan_ns;
}

/* The ptrace backend's loop: the ptrace sampler waits for its threads'
 * stops and samples between the chores (the same ones as with perf). */
static void sampler_main_ptrace(struct sampler *s)
{
	uint64_t next_stats = 0, now = clock_monotonic_ns();
	uint64_t next_tick = now + SAMPLER_TICK_NS, next_scan = now, next_refresh = now;
	int status;

	sampler_emit_status(s);
	sampler_emit_alloc_status(s);
	sampler_emit_stats(s, &next_stats);
	while (!atomic_load(&s->stop)) {
		uint64_t samples, stop_ns;

		ptrace_sampler_run(s->ptrace, s->waitscan && next_scan < next_tick ? next_scan
											: next_tick);
		now = clock_monotonic_ns();
		sampler_drain_ring(s, now);
		sampler_scan(s, now, &next_scan);
		if (now < next_tick)
			continue;
		next_tick = now + SAMPLER_TICK_NS;
		sampler_emit(s, EVENT_TICK);
		sampler_emit_stats(s, &next_stats);
		if (now >= next_refresh) {
			ptrace_sampler_refresh(s->ptrace);
			next_refresh = now + SAMPLER_STATS_NS;
		}
		ptrace_sampler_cost(s->ptrace, &samples, &stop_ns);
		atomic_store(&s->pt_samples, samples);
		atomic_store(&s->pt_stop_ns, stop_ns);
		if (ptrace_sampler_exited(s->ptrace, &status) || sampler_target_gone(s, &status)) {
			struct event ev = { .kind = EVENT_TARGET_EXIT, .time_ns = clock_monotonic_ns() };
			ptrace_sampler_exited(s->ptrace, &status);
			sampler_drain_ring(s, clock_monotonic_ns());
			ev.exit.wait_status = status;
			s->sink(s->ctx, &ev);
			break;
		}
	}
	if (atomic_load(&s->stop)) {
		next_stats = 0;
		sampler_emit_stats(s, &next_stats);
	}
	/* Every exit path of the thread comes through here: each thread is
	 * detached and runs on. */
	ptrace_sampler_close(s->ptrace);
	s->ptrace = NULL;
}

static void *sampler_main(void *arg)
{
	struct sampler *s = arg;
	unsigned tick = 0;
	uint64_t next_stats = 0, now = clock_monotonic_ns();
	uint64_t next_tick = now + SAMPLER_TICK_NS, next_scan = now;

	if (s->use_ptrace) {
		sampler_main_ptrace(s);
		goto done;
	}
	sampler_emit_status(s);
	sampler_emit_alloc_status(s);
	sampler_emit_stats(s, &next_stats);
	while (!atomic_load(&s->stop)) {
		perf_session_poll(s->session, s->waitscan ? sampler_timeout(s, now, next_scan, next_tick)
							  : SAMPLER_TICK_MS);
		now = clock_monotonic_ns();
		sampler_drain_ring(s, now);
		sampler_scan(s, now, &next_scan);
		/* Without a wait scan every poll is a tick, as a ring passing its
		 * watermark cuts one short; with one, ticks keep their pace. */
		if (s->waitscan && now < next_tick)
			continue;
		next_tick = now + SAMPLER_TICK_NS;
		if (sampler_tick(s, ++tick, &next_stats))
			break;
	}
	/* Stopped by the user or --duration: one last reading, so the rates
	 * cover the whole time sampled. */
	if (atomic_load(&s->stop)) {
		next_stats = 0;
		sampler_emit_stats(s, &next_stats);
	}
	perf_session_close(s->session);
	s->session = NULL;
done:
	sampler_drain_ring(s, 0);
	waitscan_free(s->waitscan);
	s->waitscan = NULL;
	atomic_store(&s->finished, true);
	return NULL;
}

/* Decide, from what the session could open, how lock waits and I/O are
 * collected, and start the fallback scan when it is needed. */
static void sampler_trace_setup(struct sampler *s)
{
	struct sampler_trace_status *st = &s->status;
	const struct sampler_config *c = &s->cfg;
	char reason[160], path[64], *text;
	bool traced = false;

	if (s->session)
		perf_session_trace(s->session, &traced, reason, sizeof reason);
	else
		snprintf(reason, sizeof reason, "ptrace backend (no perf events)");
	snprintf(st->locks_mode, sizeof st->locks_mode, "%s",
		 !c->trace_locks ? "off" : traced ? "traced" : "sampled");
	snprintf(st->io_mode, sizeof st->io_mode, "%s", c->trace_io && traced ? "traced" : "counters");
	if (!c->trace_locks && !c->trace_io)
		snprintf(st->note, sizeof st->note, "lock waits and per-fd I/O not traced (--trace none)");
	else if (traced)
		snprintf(st->note, sizeof st->note, "%s", !c->trace_locks ? "lock waits not traced (--trace io)"
					: !c->trace_io ? "per-fd I/O not traced (--trace locks)" : "");
	else
		snprintf(st->note, sizeof st->note, "%.70s; syscall tracepoints need root or CAP_PERFMON "
			 "and a readable tracefs%s", reason, c->trace_locks ? ": lock waits sampled from /proc"
			 : ": I/O from counters only");
	if (!c->trace_locks || traced)
		return;
	/* The fallback needs ptrace access to read another thread's syscall. */
	/* Its mode bits say readable; ptrace access (Yama, another uid) is
	 * only checked on read. */
	snprintf(path, sizeof path, "/proc/%d/syscall", (int)c->pid);
	if (!(text = proc_read_file(path, NULL))) {
		snprintf(st->locks_mode, sizeof st->locks_mode, "off");
		snprintf(st->note, sizeof st->note, "%.50s; /proc/PID/syscall is unreadable too (%.30s): "
			 "no lock waits: run as root, or sysctl kernel.yama.ptrace_scope=0", reason,
			 strerror(errno));
		return;
	}
	free(text);
	sampler_start_waitscan(s);
}

static void sampler_emit_maps(struct sampler *s)
{
	char path[64];
	struct event ev = { .kind = EVENT_MAPS, .time_ns = clock_monotonic_ns() };
	char *text;

	snprintf(path, sizeof path, "/proc/%d/maps", (int)s->cfg.pid);
	text = proc_read_file(path, NULL);
	if (!text)
		return;
	ev.maps.pid = (uint32_t)s->cfg.pid;
	ev.maps.text = text;
	s->sink(s->ctx, &ev);
	free(text);
}

/* Names of the threads that exist at attach (COMM records only come for
 * later changes). */
static void sampler_emit_threads(struct sampler *s)
{
	pid_t *tids = NULL;
	int n = proc_tasks(s->cfg.pid, &tids);

	for (int i = 0; i < n; i++) {
		char path[96], *comm;
		struct event ev = { .kind = EVENT_COMM, .time_ns = clock_monotonic_ns() };

		snprintf(path, sizeof path, "/proc/%d/task/%d/comm", (int)s->cfg.pid, (int)tids[i]);
		comm = proc_read_file(path, NULL);
		if (!comm)
			continue;
		comm[strcspn(comm, "\n")] = '\0';
		ev.comm = (struct event_comm){ (uint32_t)s->cfg.pid, (uint32_t)tids[i], comm, false };
		s->sink(s->ctx, &ev);
		free(comm);
	}
	free(tids);
}

/* The sampler thread of the ptrace backend: it becomes the tracer, and
 * tells sampler_start whether the target could be seized. */
static void *sampler_ptrace_thread(void *arg)
{
	struct sampler *s = arg;
	struct ptrace_sampler_config pc = {
		.pid = s->cfg.pid, .launched = s->cfg.launch != NULL, .frequency = s->hz,
		.stack_bytes = s->cfg.stack_bytes,
	};

	s->ptrace = ptrace_sampler_open(&pc, s->sink, s->ctx, s->open_err, sizeof s->open_err,
					&s->open_usage);
	if (s->ptrace) {
		sampler_trace_setup(s);
		sampler_alloc_setup(s);
	}
	sem_post(&s->ready);
	if (!s->ptrace)
		return NULL;
	return sampler_main(s);
}

/* Was the perf session refused by the kernel's policy (paranoid, missing
 * capabilities, a seccomp filter), as opposed to a bad request?  Those are
 * what the ptrace backend is for.  perf_session words every such refusal
 * "perf events refused (...)"; a seccomp filter may also answer ENOSYS. */
static bool sampler_perf_refused(const char *err)
{
	return strncmp(err, "perf events refused", 19) == 0 || strstr(err, strerror(ENOSYS));
}

/* The rate and the note for the ptrace backend.  auto: capped at
 * PTRACE_SAMPLER_MAX_HZ (each sample stops the thread); --backend ptrace
 * with -F above it is the user's explicit choice, kept with a warning. */
static void sampler_ptrace_rate(struct sampler *s, const char *why)
{
	const struct sampler_config *c = &s->cfg;
	size_t used;

	s->hz = c->frequency ? c->frequency : PTRACE_SAMPLER_DEFAULT_HZ;
	used = (size_t)snprintf(s->note, sizeof s->note, "%s", why);
	if (c->frequency > PTRACE_SAMPLER_MAX_HZ && c->backend == SAMPLER_BACKEND_AUTO) {
		s->hz = PTRACE_SAMPLER_MAX_HZ;
		used += (size_t)snprintf(s->note + used, sizeof s->note - used, "; -F %u capped to "
					 "%u Hz", c->frequency, s->hz);
	} else if (s->hz > PTRACE_SAMPLER_MAX_HZ) {
		used += (size_t)snprintf(s->note + used, sizeof s->note - used, "; %u Hz is costly "
					 "with ptrace (each sample stops the thread)", s->hz);
	}
	if (!c->dwarf && used < sizeof s->note)
		snprintf(s->note + used, sizeof s->note - used, "; stacks copied and unwound "
			 "(--call-graph fp needs perf)");
}

static struct sampler *sampler_start_ptrace(struct sampler *s, char *err, size_t errlen,
					    bool *usage, const char *perf_err)
{
	int rc;

	if (sem_init(&s->ready, 0, 0) < 0) {
		snprintf(err, errlen, "cannot start the sampler thread: %s", strerror(errno));
		free(s);
		return NULL;
	}
	s->use_ptrace = true;
	rc = pthread_create(&s->thread, NULL, sampler_ptrace_thread, s);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the sampler thread: %s", strerror(rc));
		goto fail;
	}
	while (sem_wait(&s->ready) < 0 && errno == EINTR)
		;
	if (!s->ptrace) {
		pthread_join(s->thread, NULL);
		/* After an automatic fallback both refusals matter. */
		if (perf_err)
			snprintf(err, errlen, "%.150s, and the ptrace fallback failed: %.300s",
				 perf_err, s->open_err);
		else
			snprintf(err, errlen, "%s", s->open_err);
		*usage = s->open_usage;
		goto fail;
	}
	/* The child at its gate is seized already: its exec is followed. */
	if (s->cfg.launch && launch_go(s->cfg.launch, s->cfg.command, err, errlen) < 0) {
		atomic_store(&s->stop, true);
		pthread_join(s->thread, NULL);
		*usage = true;
		goto fail;
	}
	return s;
fail:
	sem_destroy(&s->ready);
	free(s);
	return NULL;
}

struct sampler *sampler_start(const struct sampler_config *cfg, event_sink_fn *sink,
			      void *ctx, char *err, size_t errlen, bool *usage)
{
	struct sampler *s = xcalloc(1, sizeof *s);
	struct perf_session_config pc = {
		.pid = cfg->pid, .launched = cfg->launch != NULL,
		.frequency = cfg->frequency ? cfg->frequency : SAMPLER_PERF_DEFAULT_HZ,
		.dwarf = cfg->dwarf, .stack_bytes = cfg->stack_bytes, .ring_pages = cfg->ring_pages,
		.trace_locks = cfg->trace_locks, .trace_io = cfg->trace_io,
		.faults = cfg->faults, .alloc_sites = cfg->alloc_sites && !cfg->launch,
	};
	char why[200];
	int rc;

	s->cfg = *cfg;
	s->sink = sink;
	s->ctx = ctx;
	if (cfg->backend == SAMPLER_BACKEND_PTRACE) {
		sampler_ptrace_rate(s, "--backend ptrace");
		return sampler_start_ptrace(s, err, errlen, usage, NULL);
	}
	s->hz = pc.frequency;
	/* Attach: the maps first, so the first samples already resolve. */
	if (!cfg->launch) {
		sampler_emit_maps(s);
		sampler_emit_threads(s);
	}
	s->session = perf_session_open(&pc, sink, ctx, err, errlen, usage);
	if (!s->session) {
		if (cfg->backend == SAMPLER_BACKEND_AUTO && sampler_perf_refused(err)) {
			/* The why without perf's advice: "perf events refused
			 * (Permission denied, kernel.perf_event_paranoid=3)". */
			size_t n = strcspn(err, ")");
			snprintf(why, sizeof why, "%.*s%s", (int)(n < 160 ? n : 160), err,
				 err[n] == ')' ? ")" : "");
			sampler_ptrace_rate(s, why);
			*usage = false;
			return sampler_start_ptrace(s, err, errlen, usage, why);
		}
		free(s);
		return NULL;
	}
	sampler_trace_setup(s);
	sampler_alloc_setup(s);
	if (cfg->launch && launch_go(cfg->launch, cfg->command, err, errlen) < 0) {
		perf_session_close(s->session);
		waitscan_free(s->waitscan);
		free(s);
		*usage = true;
		return NULL;
	}
	rc = pthread_create(&s->thread, NULL, sampler_main, s);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the sampler thread: %s", strerror(rc));
		perf_session_close(s->session);
		waitscan_free(s->waitscan);
		free(s);
		return NULL;
	}
	return s;
}

void sampler_backend(const struct sampler *s, char *name, size_t namelen, char *note,
		     size_t notelen, unsigned *hz)
{
	struct sampler *m = (struct sampler *)s;
	uint64_t samples = atomic_load(&m->pt_samples), stop_ns = atomic_load(&m->pt_stop_ns);

	snprintf(name, namelen, "%s", s->use_ptrace ? "ptrace" : "perf");
	*hz = s->hz;
	if (s->use_ptrace && samples)
		snprintf(note, notelen, "%s; threads stopped %.0f us per sample", s->note,
			 (double)stop_ns / 1e3);
	else
		snprintf(note, notelen, "%s", s->note);
}

bool sampler_finished(const struct sampler *s)
{
	return atomic_load(&((struct sampler *)s)->finished);
}

void sampler_stop(struct sampler *s)
{
	if (!s)
		return;
	atomic_store(&s->stop, true);
	pthread_join(s->thread, NULL);
	if (s->use_ptrace)
		sem_destroy(&s->ready);
	free(s);
}
