/* The lock-wait fallback when syscall tracepoints are refused: look at
 * every thread's /proc/PID/task/TID/syscall (and wchan) at a fixed rate and
 * report where each one was, as EVENT_WAIT_SAMPLEs. */
#ifndef KPROF_WAITSCAN_H
#define KPROF_WAITSCAN_H

#include <stdint.h>
#include <sys/types.h>

#include "event.h"

/* Higher rates only cost the target: every look stops at its task lock. */
#define WAITSCAN_MAX_HZ 100

struct waitscan;

struct waitscan *waitscan_new(pid_t pid);
void waitscan_free(struct waitscan *w);
/* One look at every thread, each sample standing for period_ns.  Returns
 * how many threads could be read (0: none, e.g. no ptrace access). */
unsigned waitscan_sample(struct waitscan *w, uint64_t period_ns, event_sink_fn *sink, void *ctx);

#endif
