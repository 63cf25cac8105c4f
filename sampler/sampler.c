/* The sampler thread (see sampler.h).  Every tick (50 ms, or sooner when a
 * ring passes its watermark) it drains all rings and emits a TICK; once a
 * second it looks for threads the kernel isn't following and reads the
 * target's RSS and I/O counters; it watches for the target's exit by
 * waitpid (launched) or /proc (attached). */
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
#include "../common/clock.h"
#include "../common/xalloc.h"

#define SAMPLER_TICK_MS 50
#define SAMPLER_RESCAN_TICKS 20
#define SAMPLER_STATS_NS 1000000000ULL

struct sampler {
	struct sampler_config cfg;
	struct perf_session *session;
	event_sink_fn *sink;
	void *ctx;
	pthread_t thread;
	atomic_bool stop;
	atomic_bool finished;
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
}

static void *sampler_main(void *arg)
{
	struct sampler *s = arg;
	unsigned tick = 0;
	uint64_t next_stats = 0;
	int status;

	sampler_emit_stats(s, &next_stats);
	while (!atomic_load(&s->stop)) {
		perf_session_poll(s->session, SAMPLER_TICK_MS);
		sampler_emit(s, EVENT_TICK);
		sampler_emit_stats(s, &next_stats);
		if (++tick % SAMPLER_RESCAN_TICKS == 0)
			perf_session_rescan(s->session);
		if (sampler_target_gone(s, &status)) {
			struct event ev = { .kind = EVENT_TARGET_EXIT };
			perf_session_poll(s->session, 0);
			ev.time_ns = clock_monotonic_ns();
			ev.exit.wait_status = status;
			s->sink(s->ctx, &ev);
			break;
		}
	}
	/* Stopped by the user or --duration: one last reading, so the rates
	 * cover the whole time sampled. */
	if (atomic_load(&s->stop)) {
		next_stats = 0;
		sampler_emit_stats(s, &next_stats);
	}
	perf_session_close(s->session);
	s->session = NULL;
	atomic_store(&s->finished, true);
	return NULL;
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
	if (cfg->launch && launch_go(cfg->launch, cfg->command, err, errlen) < 0) {
		perf_session_close(s->session);
		free(s);
		*usage = true;
		return NULL;
	}
	rc = pthread_create(&s->thread, NULL, sampler_main, s);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the sampler thread: %s", strerror(rc));
		perf_session_close(s->session);
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
