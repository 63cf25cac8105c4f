/* Opening ELF images and reading their notes and sections; internal to the
 * module cache (modules.c). */
#ifndef KPROF_ELF_FILE_H
#define KPROF_ELF_FILE_H

#include <gelf.h>

/* A regular ELF file, whole in memory (libelf maps it read-only); NULL for
 * anything else.  The descriptor is closed already. */
Elf *elf_file_open(const char *file);
/* A copy of this process's vDSO image (*copy: free it after elf_end). */
Elf *elf_file_open_vdso(unsigned char **copy);
/* The NT_GNU_BUILD_ID note as lowercase hex (free it), or NULL. */
char *elf_file_build_id(Elf *elf);
/* The section called name, its header in *sh; NULL if absent. */
Elf_Scn *elf_file_section(Elf *elf, const char *name, GElf_Shdr *sh);

#endif
