/* The hotspot table: per function, samples where it is the leaf (self) and
 * samples whose stack contains it at least once (total; recursion counted
 * once), with their shares of all samples in the window. */
#ifndef KPROF_HOTSPOTS_H
#define KPROF_HOTSPOTS_H

#include <stddef.h>
#include <stdint.h>

struct stacks;
struct stack_count;

struct hotspot {
	uint32_t func;
	uint64_t self, total;
	double self_pct, total_pct;
};

/* Rows for every function with total > 0, sorted by self then total
 * (descending), ties by function id.  counts is a window (timeline_window).
 * *out is the caller's to free (NULL when there are no rows).  *samples (if
 * samples is not NULL) gets the window's total, empty stacks included: the
 * percentages (0..100) are shares of it. */
size_t hotspots_compute(const struct stacks *s, const struct stack_count *counts,
			size_t n, struct hotspot **out, uint64_t *samples);

#endif
