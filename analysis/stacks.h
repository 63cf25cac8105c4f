/* Interned call stacks: each distinct sequence of function ids (root first,
 * leaf last) is stored once and named by a dense id. */
#ifndef KPROF_STACKS_H
#define KPROF_STACKS_H

#include <stddef.h>
#include <stdint.h>

struct stacks;

struct stacks *stacks_new(void);
void stacks_free(struct stacks *s);
/* The id of frames[0..n) (root first), adding it on first sight. n may be 0. */
uint32_t stacks_intern(struct stacks *s, const uint32_t *frames, uint32_t n);
/* The frames of a stack (root first) and their number. */
const uint32_t *stacks_frames(const struct stacks *s, uint32_t id, uint32_t *n);
uint32_t stacks_count(const struct stacks *s);
/* Bytes held, for the memory budget. */
size_t stacks_memory(const struct stacks *s);

#endif
