/* The distinct frames of a set of profiles (profile.h), numbered in order of
 * first sight, for the exporters that keep one frame table and refer to it
 * by index (pprof's functions and locations, speedscope's shared frames):
 * model functions by id, leaf labels ("[lock g_ledger]", "[fd 3 out.dat]")
 * and "[unknown]" by text.  Strings are borrowed: the model's, the
 * profiles' and the caller's must outlive the table. */
#ifndef KPROF_FRAMETAB_H
#define KPROF_FRAMETAB_H

#include <stddef.h>
#include <stdint.h>

#include "u64map.h"

struct model;
struct profile;

/* Strings by content, each given a small index on first sight. */
struct strindex {
	struct u64map map;        /* hash (probed on collision) → index */
	const char **v;
	size_t n, cap;
};

uint32_t strindex_get(struct strindex *si, const char *s);
void strindex_fini(struct strindex *si);

struct frametab_frame {
	const char *name;
	const char *module;       /* the function's module; NULL for a label */
};

struct frametab {
	struct u64map funcs;      /* model function id → frame index */
	struct strindex labels;   /* label text → its index in labels */
	uint32_t *label_frame;    /* label index → frame index */
	size_t nlabels;           /* labels that have a frame */
	struct frametab_frame *v;
	size_t n, cap;
	uint32_t *scratch;        /* frametab_sample's result */
	size_t scratch_cap;
};

/* The frames of sample i of p, root first, as frame indexes (into t->v);
 * *n gets their count (at least 1: a stack with no frame is "[unknown]").
 * The array is valid until the next call. */
const uint32_t *frametab_sample(struct frametab *t, const struct model *m,
				const struct profile *p, size_t i, size_t *n);
void frametab_fini(struct frametab *t);

#endif
