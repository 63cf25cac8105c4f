/* Attribute and helper macros shared by every module (htop's Macros.h idea). */
#ifndef KPROF_MACROS_H
#define KPROF_MACROS_H

#include <stdint.h>

#include <stddef.h>

#define ATTR_FORMAT(f, a, b) __attribute__((format(f, a, b)))
#define ATTR_NONNULL      __attribute__((nonnull))
#define ATTR_NORETURN     __attribute__((noreturn))
#define ATTR_MALLOC       __attribute__((malloc))
#define ATTR_UNUSED       __attribute__((unused))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* x rounded to an unsigned 64-bit integer, 0 below 0 (and for NaN) and
 * UINT64_MAX past it: a cast of an out-of-range double is undefined, and
 * doubles here can come from files (a loaded snapshot). */
static inline uint64_t u64_of_double(double x)
{
	if (!(x > 0))
		return 0;
	return x >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)(x + 0.5);
}

#endif
