/* Opening ELF images for the module cache: regular files through libelf
 * (never devices), our own vDSO, build-id notes and sections by name. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf_file.h"
#include "../common/xalloc.h"

/* Open a regular ELF file through libelf; NULL when it is anything else.
 * Devices are never opened: opening one can have side effects. */
Elf *elf_file_open(const char *file)
{
	unsigned char magic[SELFMAG];
	struct stat st;
	Elf *elf;
	int fd;

	if (stat(file, &st) != 0 || !S_ISREG(st.st_mode))
		return NULL;
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    pread(fd, magic, sizeof magic, 0) != (ssize_t)sizeof magic ||
	    memcmp(magic, ELFMAG, SELFMAG) != 0) {
		close(fd);
		return NULL;
	}
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	/* The whole file is in memory now; a process maps hundreds of files
	 * and we keep no descriptor per module. */
	if (elf && elf_cntl(elf, ELF_C_FDDONE) != 0) {
		elf_end(elf);
		elf = NULL;
	}
	close(fd);
	if (elf && elf_kind(elf) != ELF_K_ELF) {
		elf_end(elf);
		elf = NULL;
	}
	return elf;
}

static char *note_build_id(Elf_Data *d)
{
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nh;

	while ((off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		const unsigned char *desc = (const unsigned char *)d->d_buf + desc_off;
		char *hex;

		if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
		    memcmp((const char *)d->d_buf + name_off, "GNU", 4) != 0 ||
		    nh.n_descsz == 0)
			continue;
		hex = xmalloc(nh.n_descsz * 2 + 1);
		for (size_t i = 0; i < nh.n_descsz; i++)
			snprintf(hex + 2 * i, 3, "%02x", desc[i]);
		return hex;
	}
	return NULL;
}

/* From the note sections, else the PT_NOTE segments (a file stripped of
 * its section headers still has those). */
char *elf_file_build_id(Elf *elf)
{
	Elf_Scn *scn = NULL;
	size_t nph = 0;
	char *id;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		Elf_Data *d;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		d = elf_getdata(scn, NULL);
		if (d && d->d_buf && (id = note_build_id(d)) != NULL)
			return id;
	}
	if (elf_getphdrnum(elf, &nph) != 0)
		return NULL;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		Elf_Data *d;
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_NOTE)
			continue;
		d = elf_getdata_rawchunk(elf, (int64_t)ph.p_offset, ph.p_filesz, ELF_T_NHDR);
		if (d && (id = note_build_id(d)) != NULL)
			return id;
	}
	return NULL;
}

Elf_Scn *elf_file_section(Elf *elf, const char *name, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return NULL;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		const char *n;
		if (!gelf_getshdr(scn, sh))
			continue;
		n = elf_strptr(elf, shstrndx, sh->sh_name);
		if (n && strcmp(n, name) == 0)
			return scn;
	}
	return NULL;
}


/* Our own vDSO: a copy, since libelf may want to write where it reads and
 * the vDSO pages are read-only.  Its size is not recorded anywhere, so take
 * the furthest byte any header points at. */
Elf *elf_file_open_vdso(unsigned char **copy)
{
	const unsigned char *base = (const unsigned char *)getauxval(AT_SYSINFO_EHDR);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	uint64_t size;
	Elf *elf;

	if (!base || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64)
		return NULL;
	size = eh->e_shoff + (uint64_t)eh->e_shnum * eh->e_shentsize;
	size = MAX(size, eh->e_phoff + (uint64_t)eh->e_phnum * eh->e_phentsize);
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff +
							    (uint64_t)i * eh->e_phentsize);
		size = MAX(size, ph->p_offset + ph->p_filesz);
	}
	if (size > (1u << 20))
		return NULL;    /* not a vDSO we understand */
	*copy = xmalloc(size);
	memcpy(*copy, base, size);
	elf = elf_memory((char *)*copy, size);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		if (elf)
			elf_end(elf);
		free(*copy);
		*copy = NULL;
		return NULL;
	}
	return elf;
}
