/* Interned (function, module) pairs; see funcs.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "funcs.h"
#include "../common/hash.h"
#include "../common/xalloc.h"

struct funcs {
	struct func *v;       /* by id */
	size_t n, cap;
	uint32_t *slots;      /* open addressing: id + 1, 0 = empty */
	size_t nslots;
};

static uint64_t funcs_hash(const char *name, const char *module)
{
	return hash_bytes(name, strlen(name), hash_bytes(module, strlen(module), 0));
}

static void funcs_rehash(struct funcs *f, size_t nslots)
{
	free(f->slots);
	f->slots = xcalloc(nslots, sizeof *f->slots);
	f->nslots = nslots;
	for (size_t id = 0; id < f->n; id++) {
		size_t i = funcs_hash(f->v[id].name, f->v[id].module) & (nslots - 1);
		while (f->slots[i])
			i = (i + 1) & (nslots - 1);
		f->slots[i] = (uint32_t)id + 1;
	}
}

struct funcs *funcs_new(void)
{
	struct funcs *f = xcalloc(1, sizeof *f);
	funcs_rehash(f, 1024);
	return f;
}

void funcs_free(struct funcs *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++) {
		free((char *)f->v[i].name);
		free((char *)f->v[i].module);
	}
	free(f->v);
	free(f->slots);
	free(f);
}

uint32_t funcs_intern(struct funcs *f, const char *name, const char *module)
{
	size_t i = funcs_hash(name, module) & (f->nslots - 1);

	for (; f->slots[i]; i = (i + 1) & (f->nslots - 1)) {
		const struct func *e = &f->v[f->slots[i] - 1];
		if (strcmp(e->name, name) == 0 && strcmp(e->module, module) == 0)
			return f->slots[i] - 1;
	}
	xgrow(&f->v, &f->cap, f->n + 1, sizeof *f->v);
	f->v[f->n] = (struct func){ xstrdup(name), xstrdup(module) };
	f->slots[i] = (uint32_t)++f->n;
	if (f->n * 2 > f->nslots)
		funcs_rehash(f, f->nslots * 2);
	return (uint32_t)f->n - 1;
}

const struct func *funcs_get(const struct funcs *f, uint32_t id)
{
	return id < f->n ? &f->v[id] : NULL;
}

uint32_t funcs_count(const struct funcs *f)
{
	return (uint32_t)f->n;
}
