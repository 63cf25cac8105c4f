/* A synthetic model for the benches: many distinct stacks of random depth
 * over a set of functions, spread over 60 seconds and 16 threads. */
#ifndef KPROF_BENCH_SYNTH_H
#define KPROF_BENCH_SYNTH_H

struct model;

/* Add nstacks distinct stacks over nfuncs functions to m, each counted
 * 1..max_weight times; returns the number of samples added. */
unsigned long long synth_model(struct model *m, unsigned nstacks, unsigned nfuncs,
			       unsigned max_weight);

#endif
