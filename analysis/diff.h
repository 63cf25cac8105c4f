/* Before/after comparison of CPU profiles, function by function: each
 * function's self share of the samples on both sides, the change, and a
 * verdict.  The same rows serve --diff of two snapshots and the live view's
 * baseline mark.  Pure. */
#ifndef KPROF_DIFF_H
#define KPROF_DIFF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct flame_palette;
struct model;

/* The verdict thresholds, on the relative change of a function's self
 * share (after / before - 1): worse by more than 10 % is a regression,
 * by more than 5 % a warning, better by more than 5 % an improvement.
 * Noise guards: a function under DIFF_MIN_SHARE % on both sides, or whose
 * change is within DIFF_MIN_Z standard errors (two-proportion z test on
 * the sample counts), is "same" whatever its relative change. */
#define DIFF_REGRESSION_CHANGE 0.10
#define DIFF_WARNING_CHANGE    0.05
#define DIFF_IMPROVED_CHANGE   0.05
#define DIFF_MIN_SHARE         0.5
#define DIFF_MIN_Z             3.0

enum diff_verdict { DIFF_SAME, DIFF_IMPROVED, DIFF_WARNING, DIFF_REGRESSION };

/* One side: per-function sample counts over a window. */
struct diff_func {
	const char *name, *module;   /* the model's strings */
	uint64_t self, total;
};
struct diff_side {
	struct diff_func *funcs;
	size_t n;
	uint64_t samples;            /* all samples in the window */
};

struct diff_row {
	const char *name, *module;
	uint64_t before_self, after_self;
	double before_pct, after_pct;    /* self shares, 0..100 */
	double before_total_pct, after_total_pct;
	double change;                   /* after_pct / before_pct - 1; INFINITY when new */
	double z;                        /* significance of after_pct - before_pct */
	enum diff_verdict verdict;
};

/* s gets m's functions over the last window_secs (0: everything). */
void diff_side_from_model(struct diff_side *s, const struct model *m, uint32_t window_secs);
void diff_side_fini(struct diff_side *s);
/* Rows for every function seen on either side, functions matched by name
 * (a rebuilt binary keeps its names, not its addresses): regressions
 * first, then warnings, improvements and the rest, each by the size of
 * the change in points.  *out is the caller's to free.  Returns the count. */
size_t diff_compare(const struct diff_side *before, const struct diff_side *after,
		    struct diff_row **out);
const char *diff_verdict_name(enum diff_verdict v);
/* The verdict of a change of a function's self share, given both sides'
 * counts (exposed for the tests and the live view). */
enum diff_verdict diff_judge(uint64_t before_self, uint64_t before_n, uint64_t after_self,
			     uint64_t after_n, double *change, double *z);

/* The text table --diff prints: a heading naming both sides, the verdict
 * counts, then the rows with a verdict and the biggest others (at most
 * max_rows in all).  *regressions (may be NULL) gets their count.  0, or
 * -1 when the stream failed. */
int diff_report(FILE *f, const struct model *before, const char *before_name,
		const struct model *after, const char *after_name, size_t max_rows,
		size_t *regressions);
/* Differential folded stacks: "frames before after" per stack seen on
 * either side, the input of flamegraph.pl's differential mode (as
 * difffolded.pl writes it). */
int diff_folded(FILE *f, const struct model *before, const struct model *after);
/* A differential SVG flame graph: widths from after, colours from the
 * change of each frame's share (red grew, blue shrank). */
int diff_svg(FILE *f, const struct model *before, const struct model *after,
	     const struct flame_palette *pal);

#endif
