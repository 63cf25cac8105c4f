/* Interned call stacks (see stacks.h).  All frames live in one arena of ids,
 * a stack being a slice [off[id], off[id + 1]) of it, so 100 000 stacks cost
 * a few allocations rather than one each, and lookups touch no pointers. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "stacks.h"
#include "../common/hash.h"
#include "../common/xalloc.h"

struct stacks {
	uint32_t *arena;      /* every stack's frames, back to back */
	size_t arena_n, arena_cap;
	uint32_t *off;        /* by id, n + 1 entries: off[id + 1] - off[id] = length */
	uint32_t *hashes;     /* by id: low bits of the hash, to rehash and skip compares */
	size_t n, cap;
	uint32_t *slots;      /* open addressing: id + 1, 0 = empty */
	size_t nslots;
};

/* Whole words at a time: byte-wise FNV would cost four rounds per frame. */
static uint64_t stacks_hash(const uint32_t *frames, uint32_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;

	for (uint32_t i = 0; i < n; i++)
		h = (h ^ frames[i]) * 0xff51afd7ed558ccdULL + (h >> 29);
	return hash_u64(h);
}

static void stacks_rehash(struct stacks *s, size_t nslots)
{
	free(s->slots);
	s->slots = xcalloc(nslots, sizeof *s->slots);
	s->nslots = nslots;
	for (size_t id = 0; id < s->n; id++) {
		size_t i = s->hashes[id] & (nslots - 1);
		while (s->slots[i])
			i = (i + 1) & (nslots - 1);
		s->slots[i] = (uint32_t)id + 1;
	}
}

struct stacks *stacks_new(void)
{
	struct stacks *s = xcalloc(1, sizeof *s);

	/* Never NULL, so an empty stack's frames are a valid (empty) pointer. */
	xgrow(&s->arena, &s->arena_cap, 1024, sizeof *s->arena);
	xgrow(&s->off, &s->cap, 1024, sizeof *s->off);
	s->hashes = xmalloc(s->cap * sizeof *s->hashes);
	s->off[0] = 0;
	stacks_rehash(s, 2048);
	return s;
}

void stacks_free(struct stacks *s)
{
	if (!s)
		return;
	free(s->arena);
	free(s->off);
	free(s->hashes);
	free(s->slots);
	free(s);
}

uint32_t stacks_intern(struct stacks *s, const uint32_t *frames, uint32_t n)
{
	uint64_t h = stacks_hash(frames, n);
	size_t i = h & (s->nslots - 1);

	for (; s->slots[i]; i = (i + 1) & (s->nslots - 1)) {
		uint32_t id = s->slots[i] - 1;
		uint32_t len = s->off[id + 1] - s->off[id];
		if (s->hashes[id] == (uint32_t)h && len == n &&
		    (n == 0 || memcmp(s->arena + s->off[id], frames, n * sizeof *frames) == 0))
			return id;
	}

	/* Offsets are 32-bit to halve the index; 4G frames is far past any budget. */
	if (s->arena_n + n > UINT32_MAX || s->n + 1 >= UINT32_MAX)
		xalloc_die();
	if (s->arena_n + n > s->arena_cap) {
		/* By half, not double: the arena is most of what we hold. */
		size_t cap = s->arena_cap + s->arena_cap / 2;
		s->arena_cap = MAX(cap, s->arena_n + n);
		s->arena = xrealloc(s->arena, s->arena_cap * sizeof *s->arena);
	}
	if (n)
		memcpy(s->arena + s->arena_n, frames, n * sizeof *frames);
	s->arena_n += n;

	size_t cap = s->cap;
	xgrow(&s->off, &s->cap, s->n + 2, sizeof *s->off);
	if (s->cap != cap)
		s->hashes = xrealloc(s->hashes, s->cap * sizeof *s->hashes);
	s->hashes[s->n] = (uint32_t)h;
	s->off[s->n + 1] = (uint32_t)s->arena_n;
	s->slots[i] = (uint32_t)++s->n;
	if (s->n * 2 > s->nslots)
		stacks_rehash(s, s->nslots * 2);
	return (uint32_t)s->n - 1;
}

const uint32_t *stacks_frames(const struct stacks *s, uint32_t id, uint32_t *n)
{
	if (id >= s->n) {
		*n = 0;
		return NULL;
	}
	*n = s->off[id + 1] - s->off[id];
	return s->arena + s->off[id];
}

uint32_t stacks_count(const struct stacks *s)
{
	return (uint32_t)s->n;
}

size_t stacks_memory(const struct stacks *s)
{
	return sizeof *s + s->arena_cap * sizeof *s->arena +
	       s->cap * (sizeof *s->off + sizeof *s->hashes) +
	       s->nslots * sizeof *s->slots;
}
