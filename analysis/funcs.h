/* Interned functions: a (name, module) pair gets a small id once, so stacks
 * are arrays of ids and a hotspot table is an array indexed by id. */
#ifndef KPROF_FUNCS_H
#define KPROF_FUNCS_H

#include <stdint.h>

struct func {
	const char *name;    /* demangled, or "module+0xoffset" when unknown */
	const char *module;  /* basename of the module, "[kernel]", "[unknown]" */
};

struct funcs;

struct funcs *funcs_new(void);
void funcs_free(struct funcs *f);
/* The id of (name, module), adding it on first sight.  Copies the strings. */
uint32_t funcs_intern(struct funcs *f, const char *name, const char *module);
const struct func *funcs_get(const struct funcs *f, uint32_t id);
uint32_t funcs_count(const struct funcs *f);

#endif
