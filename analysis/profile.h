/* One pane's data as weighted call stacks, the shape every flame-graph-like
 * export wants (SVG, pprof, speedscope): CPU samples per stack, bytes held
 * (or first touched) per allocation site, bytes moved per I/O call site,
 * nanoseconds waited per lock call site.  Built from the model under its
 * lock; the strings it points to are the model's. */
#ifndef KPROF_PROFILE_H
#define KPROF_PROFILE_H

#include <stddef.h>
#include <stdint.h>

struct model;

enum profile_view { PROFILE_CPU, PROFILE_ALLOC, PROFILE_IO, PROFILE_LOCKS, PROFILE_NVIEWS };

/* A stack that is not a model stack (the allocation sites' "(other sites)"
 * fold): its only frame is the sample's leaf. */
#define PROFILE_NO_STACK UINT32_MAX

struct profile_sample {
	uint32_t stack;      /* model stack id (root first), or PROFILE_NO_STACK */
	const char *leaf;    /* one more frame under the stack: the lock or the
			      * file ("[lock g_ledger]", "[fd 3 out.dat]"); NULL none */
	uint64_t value;
};

struct profile {
	enum profile_view view;
	const char *name;    /* "cpu", "alloc", "io", "locks" */
	const char *title;   /* "CPU samples", "Bytes held", ... for a heading */
	const char *unit;    /* "samples", "bytes", "nanoseconds" */
	struct profile_sample *samples;
	size_t n;
	uint64_t total;      /* sum of the values */
	/* CPU only: nanoseconds one sample stands for (1e9 / frequency), 0
	 * unknown; so pprof can say cpu time as well as counts. */
	uint64_t period_ns;
	char *leaves;        /* storage for the leaf labels */
};

/* p gets view's stacks over the last window_secs (0: everything) for CPU,
 * whole-run for the others; values of 0 are left out.  Returns p->n. */
size_t profile_build(struct profile *p, const struct model *m, enum profile_view view,
		     uint32_t window_secs);
void profile_fini(struct profile *p);
/* The frames of sample i, root first, as names: the model's function
 * names then the leaf.  names[] has room for at most max (a deeper stack
 * loses frames at its root end); returns the count.  A stack with no frame
 * gives "[unknown]". */
size_t profile_frames(const struct profile *p, const struct model *m, size_t i,
		      const char **names, size_t max);
/* "cpu" → PROFILE_CPU...; -1 when unknown. */
int profile_view_parse(const char *name);
const char *profile_view_name(enum profile_view v);

#endif
