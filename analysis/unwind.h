/* DWARF unwinding of copied user stacks: libunwind's remote API over our own
 * accessors, which serve the stack bytes from the sample and everything else
 * (CFI, code) from the module cache.  Touches no live process, so recorded
 * samples can be replayed through it. */
#ifndef KPROF_UNWIND_H
#define KPROF_UNWIND_H

#include <stdint.h>

struct maps;
struct event_sample;
struct unwinder;

struct unwinder *unwinder_new(struct maps *maps);
void unwinder_free(struct unwinder *u);
/* Unwind s into ips[0..max), leaf first (ips[0] is the sample's user ip);
 * returns the number of frames, 0 when the sample carries no registers.
 * *complete is set when the walk ended cleanly (no CFI error, no stack
 * running out). */
int unwinder_unwind(struct unwinder *u, const struct event_sample *s,
		    uint64_t *ips, int max, int *complete);
/* Forget cached unwind state: call after the mappings changed. */
void unwinder_flush(struct unwinder *u);

#endif
