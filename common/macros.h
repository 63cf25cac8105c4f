/* Attribute and helper macros shared by every module (htop's Macros.h idea). */
#ifndef KPROF_MACROS_H
#define KPROF_MACROS_H

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

#endif
