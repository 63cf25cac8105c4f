/* The perf events of one target: a cpu-clock sampling event per (thread,
 * CPU) with inherit, so threads started later are followed by the kernel,
 * and beside it page-fault samples, the syscall tracepoints of lock waits
 * and per-fd I/O, and allocator uprobes; each CPU's events share one ring
 * buffer.  Records are decoded into event
 * records and handed to a sink. */
#ifndef KPROF_PERF_SESSION_H
#define KPROF_PERF_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"

struct perf_session_config {
	pid_t pid;
	bool launched;         /* pid waits at the launch gate: enable on exec */
	unsigned frequency;    /* samples per second per thread */
	bool dwarf;            /* registers + user stack; else FP callchains */
	uint32_t stack_bytes;  /* user stack copied per sample (DWARF mode) */
	uint32_t ring_pages;   /* data pages per CPU ring (a power of 2); 0: default */
	bool trace_locks;      /* futex enter/exit tracepoints */
	bool trace_io;         /* read/write family, close and dup tracepoints */
	bool faults;           /* sampled page faults with stacks */
	bool alloc_sites;      /* allocator uprobes (attach mode) */
};

struct perf_session;

/* Open the events.  Returns NULL with a one-line reason in err; *usage is
 * set when the reason is the user's to fix (permissions, bad rate), so the
 * caller can exit with status 2. */
struct perf_session *perf_session_open(const struct perf_session_config *cfg,
				       event_sink_fn *sink, void *ctx,
				       char *err, size_t errlen, bool *usage);
/* Wait up to timeout_ms for data, then decode everything available.
 * Returns the number of records. */
size_t perf_session_poll(struct perf_session *s, int timeout_ms);
/* Look for threads the kernel is not following (started before attach by
 * a thread we had not reached yet) and open events for them. */
void perf_session_rescan(struct perf_session *s);
/* Whether the syscall tracepoints asked for are open: *traced false when
 * they were refused (or not asked for), with why in reason ("" if asked
 * and open, or not asked). */
void perf_session_trace(const struct perf_session *s, bool *traced, char *reason, size_t len);
/* How allocations are seen: *faults whether page faults are sampled,
 * *probes whether the allocator uprobes are open (*stepped: how many of
 * them sit on single-stepped instructions); reason says why what was
 * asked for is off, "" when everything asked for is on. */
void perf_session_alloc(const struct perf_session *s, bool *faults, bool *probes,
			unsigned *stepped, char *reason, size_t len);
/* Whether page faults are being sampled. */
bool perf_session_faults(const struct perf_session *s);
/* Syscall entries traced so far (for what tracing costs the target). */
uint64_t perf_session_trace_calls(const struct perf_session *s);
/* Stop tracing syscalls for good (the CPU events stay): deliver what the
 * rings hold, close the trace events, and give why as the reason. */
void perf_session_trace_stop(struct perf_session *s, const char *why);
/* Disable, drain what is left, close every event and ring. */
void perf_session_close(struct perf_session *s);

#endif
