/* Frame tables for the exporters (see frametab.h).  Functions are keyed by
 * their model id, so two functions of one name in two modules stay two
 * frames, as in the model; labels by their text, since each profile keeps
 * its own copy of a lock's or a file's label. */
#include "config.h"

#include <string.h>

#include "frametab.h"
#include "model.h"
#include "profile.h"
#include "../common/hash.h"
#include "../common/xalloc.h"

#define FRAMETAB_UNKNOWN "[unknown]"

uint32_t strindex_get(struct strindex *si, const char *s)
{
	/* Keys are hashes; a collision (another string, same hash) probes on
	 * to the next key until it finds s or a free one. */
	uint64_t key = hash_bytes(s, strlen(s), 0);
	uint32_t idx;

	while ((idx = u64map_get(&si->map, key)) != U64MAP_NONE) {
		if (!strcmp(si->v[idx], s))
			return idx;
		key++;
	}
	if (si->n == si->cap) {
		si->cap = si->cap ? 2 * si->cap : 64;
		si->v = xrealloc(si->v, si->cap * sizeof *si->v);
	}
	idx = (uint32_t)si->n;
	si->v[si->n++] = s;
	u64map_put(&si->map, key, idx);
	return idx;
}

void strindex_fini(struct strindex *si)
{
	u64map_fini(&si->map);
	free(si->v);
	memset(si, 0, sizeof *si);
}

static uint32_t frametab_add(struct frametab *t, const char *name, const char *module)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 256;
		t->v = xrealloc(t->v, t->cap * sizeof *t->v);
	}
	t->v[t->n] = (struct frametab_frame){ name, module };
	return (uint32_t)t->n++;
}

static uint32_t frametab_label(struct frametab *t, const char *label)
{
	uint32_t k = strindex_get(&t->labels, label);

	if (k < t->nlabels)
		return t->label_frame[k];
	/* A new label: strindex numbers them 0, 1, ... in order of sight. */
	t->label_frame = xrealloc(t->label_frame, (k + 1) * sizeof *t->label_frame);
	t->label_frame[k] = frametab_add(t, label, NULL);
	t->nlabels = k + 1;
	return t->label_frame[k];
}

static uint32_t frametab_func(struct frametab *t, const struct model *m, uint32_t id)
{
	uint32_t f = u64map_get(&t->funcs, id);
	const struct func *fn;

	if (f != U64MAP_NONE)
		return f;
	fn = funcs_get(m->funcs, id);
	f = fn ? frametab_add(t, fn->name, fn->module) : frametab_label(t, FRAMETAB_UNKNOWN);
	u64map_put(&t->funcs, id, f);
	return f;
}

static void frametab_push(struct frametab *t, size_t *n, uint32_t frame)
{
	if (*n == t->scratch_cap) {
		t->scratch_cap = t->scratch_cap ? 2 * t->scratch_cap : 64;
		t->scratch = xrealloc(t->scratch, t->scratch_cap * sizeof *t->scratch);
	}
	t->scratch[(*n)++] = frame;
}

const uint32_t *frametab_sample(struct frametab *t, const struct model *m,
				const struct profile *p, size_t i, size_t *n)
{
	const struct profile_sample *s = &p->samples[i];
	const uint32_t *fr = NULL;
	uint32_t nf = 0;

	*n = 0;
	if (s->stack != PROFILE_NO_STACK)
		fr = stacks_frames(m->stacks, s->stack, &nf);
	for (uint32_t j = 0; j < nf; j++)
		frametab_push(t, n, frametab_func(t, m, fr[j]));
	if (s->leaf)
		frametab_push(t, n, frametab_label(t, s->leaf));
	if (*n == 0)
		frametab_push(t, n, frametab_label(t, FRAMETAB_UNKNOWN));
	return t->scratch;
}

void frametab_fini(struct frametab *t)
{
	u64map_fini(&t->funcs);
	strindex_fini(&t->labels);
	free(t->label_frame);
	free(t->v);
	free(t->scratch);
	memset(t, 0, sizeof *t);
}
