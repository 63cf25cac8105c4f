/* The sampler thread: drains the perf rings (or runs the ptrace sampler
 * where perf events are refused) and the preload shim's ring, notices new
 * threads and the target's exit, and hands every record to the sink.  It
 * never draws and never aggregates. */
#ifndef KPROF_SAMPLER_H
#define KPROF_SAMPLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"

struct alloc_ring;
struct launch;

/* How CPU samples are taken: the order of backend_choices in options.c.
 * auto: perf events, and the ptrace sampler where they are refused. */
enum sampler_backend { SAMPLER_BACKEND_AUTO, SAMPLER_BACKEND_PERF, SAMPLER_BACKEND_PTRACE };

/* The perf backend's rate when none is given (the ptrace backend's is
 * PTRACE_SAMPLER_DEFAULT_HZ): ~0-1.5 % of a busy thread (FIELD-NOTES). */
#define SAMPLER_PERF_DEFAULT_HZ 99

struct sampler_config {
	pid_t pid;
	struct launch *launch;   /* launch mode: the child at its gate; else NULL */
	const char *command;     /* for messages */
	int backend;             /* enum sampler_backend */
	unsigned frequency;      /* 0: the backend's default */
	bool dwarf;
	uint32_t stack_bytes;
	uint32_t ring_pages;     /* data pages per CPU ring; 0: the default */
	bool trace_locks;        /* futex waits: tracepoints, else /proc sampling */
	bool trace_io;           /* per-fd I/O: syscall tracepoints, else counters */
	/* Stop tracing when it costs the target more than its budget (then
	 * lock waits are sampled from /proc and I/O read from counters). */
	bool trace_guard;
	bool faults;             /* sample page faults with stacks */
	bool alloc_sites;        /* attach mode: allocator uprobes */
	/* Launch mode: the preload shim's ring, drained every tick; NULL when
	 * the shim is not used, with why in alloc_note (or NULL). */
	struct alloc_ring *ring;
	const char *alloc_note;
};

struct sampler;

/* Open the events and start the thread.  NULL with a one-line reason in
 * err; *usage set when the user can fix it (exit status 2). */
struct sampler *sampler_start(const struct sampler_config *cfg, event_sink_fn *sink,
			      void *ctx, char *err, size_t errlen, bool *usage);
/* Which backend runs ("perf", "ptrace"), why when it is not the obvious
 * one (one line, else ""), and the rate it samples at.  The note says what
 * a ptrace sample costs the target so far. */
void sampler_backend(const struct sampler *s, char *name, size_t namelen, char *note,
		     size_t notelen, unsigned *hz);
/* The target has exited and everything it left has been delivered. */
bool sampler_finished(const struct sampler *s);
/* Stop sampling: the thread drains what is left, closes every event and
 * ring (the target runs on untouched), and is joined.  Frees s. */
void sampler_stop(struct sampler *s);

#endif
