/* Hash functions for the open-addressing tables in analysis/ (ip cache,
 * stack interning, function names).  Fast and well mixed; not keyed. */
#ifndef KPROF_HASH_H
#define KPROF_HASH_H

#include <stddef.h>
#include <stdint.h>

/* splitmix64's finalizer: every input bit affects every output bit. */
static inline uint64_t hash_u64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* FNV-1a over bytes, finished with hash_u64 for better low bits. */
static inline uint64_t hash_bytes(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return hash_u64(h);
}

#endif
