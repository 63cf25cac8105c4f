/* Sample counts over time: one bucket per second holding a count per stack,
 * so the live view can sum the last N seconds; plus running totals per stack
 * for the cumulative view.  Old buckets beyond the retention are dropped
 * (their counts stay in the totals), which keeps memory bounded. */
#ifndef KPROF_TIMELINE_H
#define KPROF_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

struct stack_count {
	uint32_t stack;
	uint64_t count;
};

struct timeline;

/* retain_secs: how many one-second buckets to keep (the longest window). */
struct timeline *timeline_new(uint32_t retain_secs);
void timeline_free(struct timeline *t);
/* Count weight samples of a stack at time_ns (monotonic ns). */
void timeline_add(struct timeline *t, uint64_t time_ns, uint32_t stack, uint64_t weight);
/* Advance the clock without a sample (so windows move while idle). */
void timeline_tick(struct timeline *t, uint64_t time_ns);
/* Counts per stack over the last secs seconds up to the newest time seen
 * (secs == 0: everything since the start).  Returns the number of entries
 * in *out (caller frees; NULL when none), stacks with zero counts omitted,
 * sorted by stack id.  A window longer than the retention is cut to it,
 * unless every sample falls inside the window: then it is the totals. */
size_t timeline_window(const struct timeline *t, uint32_t secs, struct stack_count **out);
/* Samples per second bucket for the last n seconds, oldest first, into
 * out[0..n) (for sparklines and rates). */
void timeline_series(const struct timeline *t, uint32_t n, uint64_t *out);
/* Seconds covered by the data: from the first event to the newest. */
double timeline_span_s(const struct timeline *t);
/* Bytes held, for the memory budget. */
size_t timeline_memory(const struct timeline *t);

#endif
