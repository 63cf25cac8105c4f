/* The ptrace sampler: the CPU-sampling backend for where perf events are
 * refused.  It stops each running thread briefly at the sampling rate,
 * copies its registers and user stack, and emits the same EVENT_SAMPLE a
 * perf DWARF sample gives, so the analysis unwinds both alike. */
#ifndef KPROF_PTRACE_SAMPLER_H
#define KPROF_PTRACE_SAMPLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"

/* Rates.  Each sample stops the thread for the register and stack copy;
 * bench/ptrace.sh measured what that costs the target (docs/performance.md):
 * the default keeps it within the 1 % budget, the cap is where the
 * FIELD-NOTES' stop-and-unwind sampler already cost 4.5 %. */
#define PTRACE_SAMPLER_DEFAULT_HZ 49
#define PTRACE_SAMPLER_MAX_HZ 99

struct ptrace_sampler_config {
	pid_t pid;
	bool launched;          /* pid is our child, held at the launch gate */
	unsigned frequency;     /* samples per second per running thread */
	uint32_t stack_bytes;   /* user stack copied per sample, from SP */
};

struct ptrace_sampler;

/* Seize every thread of the target.  Must be called on the thread that
 * will make every later call: ptrace requests are accepted only from the
 * tracer thread.  SIGCHLD should be blocked in every thread of the process
 * (the sampler waits for stops on a signalfd); otherwise stops are only
 * noticed at the next poll timeout.  NULL with a one-line reason in err,
 * *usage set when the user can fix it. */
struct ptrace_sampler *ptrace_sampler_open(const struct ptrace_sampler_config *cfg,
					   event_sink_fn *sink, void *ctx,
					   char *err, size_t errlen, bool *usage);
/* Handle the threads' stops (new threads, exits, exec, signals to pass on)
 * and take samples when they are due, until until_ns (CLOCK_MONOTONIC). */
void ptrace_sampler_run(struct ptrace_sampler *ps, uint64_t until_ns);
/* Once a second: re-send the maps when they changed, and thread names. */
void ptrace_sampler_refresh(struct ptrace_sampler *ps);
/* The target's leader has exited; *status its wait status when it was our
 * child (launch mode), else -1. */
bool ptrace_sampler_exited(const struct ptrace_sampler *ps, int *status);
/* Samples taken and the mean time a thread stood stopped for one (ns),
 * from PTRACE_INTERRUPT to PTRACE_CONT. */
void ptrace_sampler_cost(const struct ptrace_sampler *ps, uint64_t *samples, uint64_t *stop_ns);
/* Detach every thread (they run on; a thread the user stopped stays
 * stopped) and free ps.  On the tracer thread. */
void ptrace_sampler_close(struct ptrace_sampler *ps);

#endif
