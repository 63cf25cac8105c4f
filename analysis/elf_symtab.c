/* Symbol tables for the module cache: one sorted array per kind, one entry
 * per address, looked up by binary search and bounded by st_size. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "elf_symtab.h"
#include "../common/xalloc.h"

/* Nested FUNC symbols are rare; this many steps back find the enclosing one
 * without letting a lookup walk the whole table. */
#define NEST_STEPS 4

static uint8_t bind_rank(unsigned char bind)
{
	switch (bind) {
	case STB_GLOBAL:
		return 3;
	case STB_GNU_UNIQUE:
	case STB_WEAK:
		return 2;
	default:
		return 1;
	}
}

static void push(struct elf_symtab *t, const GElf_Sym *s, const char *name)
{
	const char *at = strchr(name, '@');
	struct elf_sym *e;

	xgrow(&t->v, &t->cap, t->n + 1, sizeof *t->v);
	e = &t->v[t->n++];
	e->addr = s->st_value;
	e->size = s->st_size;
	e->rank = bind_rank(GELF_ST_BIND(s->st_info));
	e->owned = 0;
	e->name = name;
	/* "memcpy@@GLIBC_2.14" and "memcpy@GLIBC_2.2.5" are both memcpy. */
	if (at && at != name) {
		e->name = xstrndup(name, (size_t)(at - name));
		e->owned = 1;
	}
}

Elf_Scn *elf_symtab_section(Elf *elf, GElf_Word type)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn)) != NULL)
		if (gelf_getshdr(scn, &sh) && sh.sh_type == type)
			return scn;
	return NULL;
}

void elf_symtab_add(struct elf_symtab *funcs, struct elf_symtab *data,
		    Elf *elf, Elf_Scn *scn)
{
	Elf_Data *d = NULL;
	GElf_Shdr sh;
	size_t count;

	if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_entsize == 0)
		return;
	d = elf_getdata(scn, NULL);
	if (!d)
		return;
	count = sh.sh_size / sh.sh_entsize;
	for (size_t i = 1; i < count; i++) {
		GElf_Sym s;
		const char *name;
		int type;

		if (!gelf_getsym(d, (int)i, &s))
			break;
		type = GELF_ST_TYPE(s.st_info);
		if (s.st_shndx == SHN_UNDEF || s.st_shndx == SHN_ABS || s.st_value == 0)
			continue;
		if (type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_OBJECT)
			continue;
		name = elf_strptr(elf, sh.sh_link, s.st_name);
		if (!name || !name[0])
			continue;
		push(type == STT_OBJECT ? data : funcs, &s, name);
	}
}

static size_t underscores(const char *s)
{
	size_t n = 0;

	while (s[n] == '_')
		n++;
	return n;
}

/* At one address the first after sorting wins: a sized symbol, then GLOBAL
 * over WEAK over LOCAL, then "malloc" over "__libc_malloc", then by name,
 * so the same file always gives the same name. */
static int cmp_sym(const void *pa, const void *pb)
{
	const struct elf_sym *a = pa, *b = pb;
	size_t ua, ub;

	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	if ((a->size != 0) != (b->size != 0))
		return a->size ? -1 : 1;
	if (a->rank != b->rank)
		return a->rank > b->rank ? -1 : 1;
	ua = underscores(a->name);
	ub = underscores(b->name);
	if (ua != ub)
		return ua < ub ? -1 : 1;
	return strcmp(a->name, b->name);
}

void elf_symtab_finish(struct elf_symtab *t)
{
	size_t out = 0;

	if (t->n == 0)
		return;
	qsort(t->v, t->n, sizeof *t->v, cmp_sym);
	for (size_t i = 0; i < t->n; i++) {
		if (out > 0 && t->v[out - 1].addr == t->v[i].addr) {
			if (t->v[i].owned)
				free((char *)t->v[i].name);
			continue;
		}
		t->v[out++] = t->v[i];
	}
	t->n = out;
}

static bool holds(const struct elf_sym *s, uint64_t addr)
{
	if (s->size == 0)
		return addr == s->addr;
	return addr - s->addr < s->size;
}

const struct elf_sym *elf_symtab_find(const struct elf_symtab *t, uint64_t addr)
{
	size_t lo = 0, hi = t->n;

	/* lo = number of symbols starting at or below addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->v[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t steps = 0; lo > 0 && steps < NEST_STEPS; lo--, steps++)
		if (holds(&t->v[lo - 1], addr))
			return &t->v[lo - 1];
	return NULL;
}

void elf_symtab_fini(struct elf_symtab *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].owned)
			free((char *)t->v[i].name);
	free(t->v);
	memset(t, 0, sizeof *t);
}
