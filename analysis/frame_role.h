/* Whose code a frame is: the program's, the runtime's (the threads library,
 * the loader, the vDSO, syscall wrappers) or the allocator's (malloc and
 * its insides, libc which calls it, the kernel where a fault is taken).
 * An allocation site is named by the first frame up from the leaf that is
 * not the allocator's; a finding by the first that is the program's. */
#ifndef KPROF_FRAME_ROLE_H
#define KPROF_FRAME_ROLE_H

#include <stdbool.h>
#include <stdint.h>

struct func;
struct funcs;

/* Ordered: a frame "at least" a role is skipped by a walk that skips it. */
enum frame_role { FRAME_PROGRAM, FRAME_RUNTIME, FRAME_ALLOCATOR };

#define FRAME_NONE UINT32_MAX

enum frame_role frame_role(const struct func *f);
/* The site frames[0..n) (root first) stands for: its leaf-most frame whose
 * role is below skip (the leaf when every frame's is not), into *func, and
 * that frame's caller into *caller (FRAME_NONE when it has none).  An
 * unknown function id counts as the program's.  False when n is 0. */
bool frame_site(const struct funcs *fs, const uint32_t *frames, uint32_t n, enum frame_role skip,
		uint32_t *func, uint32_t *caller);

#endif
