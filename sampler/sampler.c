/* The sampler thread (see sampler.h).  Every tick (50 ms, or sooner when a
 * ring passes its watermark) it drains all rings and emits a TICK; once a
 * second it looks for threads the kernel isn't following and reads the
 * target's RSS and I/O counters, and each thread's; it watches for the
 * target's exit by waitpid (launched) or /proc (attached).  When lock waits
 * were asked for but the syscall tracepoints were refused, it also samples
 * where the threads are blocked (waitscan) between ticks.  In launch mode
 * it drains the preload shim's ring after the perf rings, every tick: per
 * address the shim's ring is in program order, and an allocation's page
 * faults may come before or after it, which nothing relies on. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
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
	if (s->cfg.launch) {
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
	bool faults, probes;
	unsigned stepped;

	perf_session_alloc(s->session, &faults, &probes, &stepped, reason, sizeof reason);
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
	uint64_t calls = perf_session_trace_calls(s->session), cpu_ns;
	double dt, cost, cpu;

	if (!s->cfg.trace_guard || (strcmp(s->status.locks_mode, "traced") != 0 &&
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

static void *sampler_main(void *arg)
{
	struct sampler *s = arg;
	unsigned tick = 0;
	uint64_t next_stats = 0, now = clock_monotonic_ns();
	uint64_t next_tick = now + SAMPLER_TICK_NS, next_scan = now;

	sampler_emit_status(s);
	sampler_emit_alloc_status(s);
	sampler_emit_stats(s, &next_stats);
	while (!atomic_load(&s->stop)) {
		perf_session_poll(s->session, s->waitscan ? sampler_timeout(s, now, next_scan, next_tick)
							  : SAMPLER_TICK_MS);
		now = clock_monotonic_ns();
		sampler_drain_ring(s, now);
		if (s->waitscan && now >= next_scan) {
			/* A late scan stands for the time since the last one (up
			 * to two intervals: a long stall says nothing of before). */
			uint64_t period = s->last_scan && now - s->last_scan < 2 * s->scan_ns
					  ? now - s->last_scan : s->last_scan ? 2 * s->scan_ns : s->scan_ns;
			waitscan_sample(s->waitscan, period, s->sink, s->ctx);
			s->last_scan = now;
			/* Late (a slow drain): skip, don't burst to catch up. */
			next_scan = next_scan + s->scan_ns > now ? next_scan + s->scan_ns
								 : now + s->scan_ns;
		}
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
	bool traced;

	perf_session_trace(s->session, &traced, reason, sizeof reason);
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

struct sampler *sampler_start(const struct sampler_config *cfg, event_sink_fn *sink,
			      void *ctx, char *err, size_t errlen, bool *usage)
{
	struct sampler *s = xcalloc(1, sizeof *s);
	struct perf_session_config pc = {
		.pid = cfg->pid, .launched = cfg->launch != NULL, .frequency = cfg->frequency,
		.dwarf = cfg->dwarf, .stack_bytes = cfg->stack_bytes,
		.trace_locks = cfg->trace_locks, .trace_io = cfg->trace_io,
		.faults = cfg->faults, .alloc_sites = cfg->alloc_sites && !cfg->launch,
	};
	int rc;

	s->cfg = *cfg;
	s->sink = sink;
	s->ctx = ctx;
	/* Attach: the maps first, so the first samples already resolve. */
	if (!cfg->launch) {
		sampler_emit_maps(s);
		sampler_emit_threads(s);
	}
	s->session = perf_session_open(&pc, sink, ctx, err, errlen, usage);
	if (!s->session) {
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
	free(s);
}
