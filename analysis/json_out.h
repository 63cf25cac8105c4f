/* What every JSON writer here needs from jansson beyond jansson itself:
 * strings that may not be UTF-8, and unsigned counters. */
#ifndef KPROF_JSON_OUT_H
#define KPROF_JSON_OUT_H

#include <jansson.h>
#include <stdint.h>

/* JSON strings must be UTF-8; a name from a binary or a command line may
 * not be (or may be cut inside a character), and jansson refuses those, so
 * their stray bytes become '?'. */
json_t *json_str(const char *s);
/* A counter; past INT64_MAX (jansson's integers are signed) it saturates. */
json_t *json_u64(uint64_t v);

#endif
