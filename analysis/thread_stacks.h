/* Samples per (thread, stack): which thread ran which call path, over the
 * same per-second windows as the timeline (the per-stack counts).
 *
 * Memory: most stacks are only ever run by one thread (every stack of a
 * one-thread target; a pipeline's stages each run their own code), so the
 * first thread to run a stack owns it, and only samples of a stack on any
 * other thread are kept apart, interned as (tid, stack) pairs in a second
 * timeline.  The owner's counts are the stack's counts minus the others',
 * which is exact in every window; a one-thread target pays four bytes per
 * stack, and a thread pool pays for what its threads really share. */
#ifndef KPROF_THREAD_STACKS_H
#define KPROF_THREAD_STACKS_H

#include <stddef.h>
#include <stdint.h>

struct timeline;

struct thread_stack_count {
	uint32_t tid;
	uint32_t stack;
	uint64_t count;
};

struct thread_stacks;

/* stacks: the per-stack timeline every sample also goes to (the model's),
 * read by the windows; retain_secs as it was made with. */
struct thread_stacks *thread_stacks_new(const struct timeline *stacks, uint32_t retain_secs);
void thread_stacks_free(struct thread_stacks *ts);
/* Count weight samples of stack on tid at time_ns.  Call for every sample
 * added to the per-stack timeline, with the same arguments. */
void thread_stacks_add(struct thread_stacks *ts, uint64_t time_ns, uint32_t tid,
		       uint32_t stack, uint64_t weight);
/* Advance the clock without a sample, as the per-stack timeline's. */
void thread_stacks_tick(struct thread_stacks *ts, uint64_t time_ns);
/* Counts per (tid, stack) over the last secs seconds (0: the whole run),
 * with timeline_window's rules for windows.  Returns the number of entries
 * in *out (caller frees; NULL when none), zero counts omitted, grouped by
 * tid in ascending order (stacks within a thread in no particular order). */
size_t thread_stacks_window(const struct thread_stacks *ts, uint32_t secs,
			    struct thread_stack_count **out);
/* Distinct (tid, stack) pairs seen. */
size_t thread_stacks_pairs(const struct thread_stacks *ts);
/* Bytes held, for the memory budget (not the per-stack timeline's). */
size_t thread_stacks_memory(const struct thread_stacks *ts);

#endif
