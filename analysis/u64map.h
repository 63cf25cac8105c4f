/* A small open-addressing map from a 64-bit key to a 32-bit index, for the
 * tables of syscalls.c, locks.c and io.c (tid → pending call, futex address
 * → lock, (lock, stack) → site, fd → row, …): one piece of probing code
 * instead of one per table.  Linear probing with backward-shift deletion,
 * so tables whose keys come and go (threads, fds) keep no tombstones. */
#ifndef KPROF_U64MAP_H
#define KPROF_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../common/hash.h"
#include "../common/xalloc.h"

#define U64MAP_NONE UINT32_MAX

struct u64map {
	uint64_t *keys;
	uint32_t *vals;           /* value + 1; 0 = empty slot */
	size_t nslots, n;
};

/* Two 32-bit halves as one key: (lock, tid), (row, stack). */
static inline uint64_t u64map_pair(uint32_t hi, uint32_t lo)
{
	return (uint64_t)hi << 32 | lo;
}

static inline void u64map_fini(struct u64map *m)
{
	free(m->keys);
	free(m->vals);
	*m = (struct u64map){ 0 };
}

static inline size_t u64map_slot(const struct u64map *m, uint64_t key)
{
	size_t i = hash_u64(key) & (m->nslots - 1);

	while (m->vals[i] && m->keys[i] != key)
		i = (i + 1) & (m->nslots - 1);
	return i;
}

static inline uint32_t u64map_get(const struct u64map *m, uint64_t key)
{
	if (!m->nslots)
		return U64MAP_NONE;
	size_t i = u64map_slot(m, key);
	return m->vals[i] ? m->vals[i] - 1 : U64MAP_NONE;
}

static inline void u64map_rehash(struct u64map *m, size_t nslots)
{
	struct u64map old = *m;

	m->keys = xcalloc(nslots, sizeof *m->keys);
	m->vals = xcalloc(nslots, sizeof *m->vals);
	m->nslots = nslots;
	for (size_t i = 0; i < old.nslots; i++)
		if (old.vals[i]) {
			size_t j = u64map_slot(m, old.keys[i]);
			m->keys[j] = old.keys[i];
			m->vals[j] = old.vals[i];
		}
	free(old.keys);
	free(old.vals);
}

/* Insert or replace. */
static inline void u64map_put(struct u64map *m, uint64_t key, uint32_t val)
{
	if ((m->n + 1) * 2 > m->nslots)
		u64map_rehash(m, m->nslots ? m->nslots * 2 : 16);
	size_t i = u64map_slot(m, key);
	if (!m->vals[i]) {
		m->keys[i] = key;
		m->n++;
	}
	m->vals[i] = val + 1;
}

static inline void u64map_del(struct u64map *m, uint64_t key)
{
	if (!m->nslots)
		return;
	size_t mask = m->nslots - 1, i = u64map_slot(m, key);

	if (!m->vals[i])
		return;
	m->vals[i] = 0;
	m->n--;
	/* Pull later members of the probe run back over the hole, so lookups
	 * that passed through it still find them. */
	for (size_t j = (i + 1) & mask; m->vals[j]; j = (j + 1) & mask) {
		size_t home = hash_u64(m->keys[j]) & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			m->vals[j] = 0;
			i = j;
		}
	}
}

static inline void u64map_clear(struct u64map *m)
{
	if (!m->nslots)
		return;
	for (size_t i = 0; i < m->nslots; i++)
		m->vals[i] = 0;
	m->n = 0;
}

static inline size_t u64map_memory(const struct u64map *m)
{
	return m->nslots * (sizeof *m->keys + sizeof *m->vals);
}

#endif
