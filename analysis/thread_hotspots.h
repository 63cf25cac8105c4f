/* The hotspot table split by thread (perf top --sort tid,sym): per (thread,
 * function), self and total samples with their shares of every sample in
 * the window; and each thread's hottest function. */
#ifndef KPROF_THREAD_HOTSPOTS_H
#define KPROF_THREAD_HOTSPOTS_H

#include <stddef.h>
#include <stdint.h>

struct stacks;
struct thread_stack_count;
struct thread_stacks;

struct thread_hotspot {
	uint32_t tid, func;
	uint64_t self, total;
	double self_pct, total_pct;   /* of all threads' samples in the window */
};

/* Rows for every (thread, function) with total > 0, grouped by thread as
 * counts are (a thread_stacks_window: ascending tid), in no particular order
 * within a thread (a table sorts them its own way; sorting here cost more
 * than the rest).  *out is the caller's to free (NULL when there are no
 * rows); *samples (if not NULL) gets the window's total, empty stacks
 * included. */
size_t thread_hotspots_compute(const struct stacks *s, const struct thread_stack_count *counts,
			       size_t n, struct thread_hotspot **out, uint64_t *samples);
/* Each thread's hottest function: of rows (as computed above), per tid the
 * row with the most self samples (ties: most total, then lowest function
 * id), only where self > 0.  Returns how many, *out sorted by tid (caller
 * frees; NULL when none). */
size_t thread_hotspots_hottest(const struct thread_hotspot *rows, size_t n,
			       struct thread_hotspot **out);
/* Both steps over the last secs seconds of ts (0: the whole run): each
 * thread's hottest function, sorted by tid (caller frees). */
size_t thread_hotspots_hottest_in(const struct stacks *s, const struct thread_stacks *ts,
				  uint32_t secs, struct thread_hotspot **out);
/* The entry for tid in hottest (sorted by tid), or NULL. */
const struct thread_hotspot *thread_hotspots_find(const struct thread_hotspot *hottest,
						  size_t n, uint32_t tid);

#endif
