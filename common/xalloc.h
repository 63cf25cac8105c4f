/* Allocation helpers: out of memory is the one failure we don't recover from,
 * so it aborts here with a message instead of at every call site. */
#ifndef KPROF_XALLOC_H
#define KPROF_XALLOC_H

#include <stddef.h>
#include "macros.h"

void *xmalloc(size_t size) ATTR_MALLOC;
void *xcalloc(size_t n, size_t size) ATTR_MALLOC;
void *xrealloc(void *p, size_t size);
/* Grow *p (holding *cap elements of elem bytes) to hold at least need. */
void xgrow(void *pp, size_t *cap, size_t need, size_t elem);
char *xstrdup(const char *s) ATTR_MALLOC ATTR_NONNULL;
char *xstrndup(const char *s, size_t n) ATTR_MALLOC ATTR_NONNULL;
int xasprintf(char **out, const char *fmt, ...) ATTR_FORMAT(printf, 2, 3);
void xalloc_die(void) ATTR_NORETURN;

#endif
