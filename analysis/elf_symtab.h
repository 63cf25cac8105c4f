/* Sorted, size-bounded symbol tables read from an ELF .symtab or .dynsym;
 * internal to the module cache (modules.c). */
#ifndef KPROF_ELF_SYMTAB_H
#define KPROF_ELF_SYMTAB_H

#include <stddef.h>
#include <stdint.h>
#include <gelf.h>

struct elf_sym {
	uint64_t addr, size;
	const char *name;       /* into the ELF's string table, or owned */
	uint8_t rank;           /* how much we prefer it among aliases */
	uint8_t owned;
};

struct elf_symtab {
	struct elf_sym *v;
	size_t n, cap;
};

/* Add the FUNC symbols of section scn (SHT_SYMTAB or SHT_DYNSYM) of elf to
 * funcs and its OBJECT symbols to data.  Names stay valid while elf does. */
void elf_symtab_add(struct elf_symtab *funcs, struct elf_symtab *data,
		    Elf *elf, Elf_Scn *scn);
/* Sort and drop aliases; call once after the last add. */
void elf_symtab_finish(struct elf_symtab *t);
/* The symbol whose [addr, addr + size) holds addr (a zero-size one only at
 * its exact address), or NULL. */
const struct elf_sym *elf_symtab_find(const struct elf_symtab *t, uint64_t addr);
void elf_symtab_fini(struct elf_symtab *t);

/* The first section of elf with this type, or NULL. */
Elf_Scn *elf_symtab_section(Elf *elf, GElf_Word type);

#endif
