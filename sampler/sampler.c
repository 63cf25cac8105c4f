/* The sampler thread (see sampler.h).  Every tick (50 ms, or sooner when a
 * ring passes its watermark) it drains all rings and emits a TICK; once a
 * second it looks for threads the kernel isn't following and reads the
 * target's RSS and I/O counters, and each thread's; it watches for the
 * target's exit by waitpid (launched) or /proc (attached).  When lock waits
 * were asked for but the syscall tracepoints were refused, it also samples
 * where the threads are blocked (waitscan) between ticks. */
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

/* How lock waits and I/O are collected (see event_trace_status). */
struct sampler_trace_status {
	char locks_mode[16];
	char io_mode[16];
	char note[200];
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
	struct waitscan *waitscan;   /* the lock-wait fallback, or NULL */
	uint64_t scan_ns;            /* its interval */
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

static void sampler_start_waitscan(struct sampler *s)
{
	unsigned hz = s->cfg.frequency < WAITSCAN_MAX_HZ ? s->cfg.frequency : WAITSCAN_MAX_HZ;

	s->scan_ns = 1000000000ULL / (hz ? hz : 1);
	s->waitscan = waitscan_new(s->cfg.pid);
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
			struct sampler_trace_status *st = &s->status;
			snprintf(st->note, sizeof st->note,
				 "tracing stopped: %.0fk syscalls/s would slow the target ~%.0f %%; "
				 "--trace all keeps it on", (double)(calls - s->guard_calls) / dt / 1000,
				 100 * cost / (cpu > 0 ? cpu : dt));
			perf_session_trace_stop(s->session, st->note);
			if (strcmp(st->locks_mode, "traced") == 0) {
				snprintf(st->locks_mode, sizeof st->locks_mode, "sampled");
				sampler_start_waitscan(s);
			}
			snprintf(st->io_mode, sizeof st->io_mode, "counters");
			sampler_emit_status(s);
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
	if (tick % SAMPLER_RESCAN_TICKS == 0)
		perf_session_rescan(s->session);
	if (sampler_target_gone(s, &status)) {
		struct event ev = { .kind = EVENT_TARGET_EXIT };
		perf_session_poll(s->session, 0);
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
	sampler_emit_stats(s, &next_stats);
	while (!atomic_load(&s->stop)) {
		perf_session_poll(s->session, s->waitscan ? sampler_timeout(s, now, next_scan, next_tick)
							  : SAMPLER_TICK_MS);
		now = clock_monotonic_ns();
		if (s->waitscan && now >= next_scan) {
			waitscan_sample(s->waitscan, s->scan_ns, s->sink, s->ctx);
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
	char reason[160], path[64];
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
	snprintf(path, sizeof path, "/proc/%d/syscall", (int)c->pid);
	if (access(path, R_OK) < 0) {
		snprintf(st->locks_mode, sizeof st->locks_mode, "off");
		snprintf(st->note, sizeof st->note, "%.60s; tracepoints need root or CAP_PERFMON, and "
			 "/proc/PID/syscall is unreadable (%.30s): no lock waits", reason, strerror(errno));
		return;
	}
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
