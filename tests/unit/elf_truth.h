/* Independent answers for the module and symbolizer tests: symbol values,
 * sections and PT_LOADs read straight from an ELF file with libelf, and
 * /proc/PID/maps text synthesized from them. */
#ifndef KPROF_TEST_ELF_TRUTH_H
#define KPROF_TEST_ELF_TRUTH_H

#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>
#include <gelf.h>

struct truth {
	Elf *elf;
	int fd;
	void *copy;
};

/* $FIXTURES/name, or NULL when the tests run outside `make check`. */
static inline const char *truth_fixture(const char *name)
{
	static char buf[8][4096];
	static unsigned next;
	const char *dir = getenv("FIXTURES");
	char *b = buf[next++ % 8];

	if (!dir)
		return NULL;
	snprintf(b, sizeof buf[0], "%s/%s", dir, name);
	return access(b, R_OK) == 0 ? b : NULL;
}

static inline bool truth_open(struct truth *t, const char *path)
{
	elf_version(EV_CURRENT);
	t->copy = NULL;
	t->elf = NULL;
	t->fd = open(path, O_RDONLY);
	if (t->fd < 0)
		return false;
	t->elf = elf_begin(t->fd, ELF_C_READ, NULL);
	return t->elf != NULL;
}

/* Our own vDSO, copied (its pages are read-only). */
static inline bool truth_open_vdso(struct truth *t, size_t size)
{
	const void *base = (const void *)getauxval(AT_SYSINFO_EHDR);

	elf_version(EV_CURRENT);
	t->fd = -1;
	t->copy = malloc(size);
	memcpy(t->copy, base, size);
	t->elf = elf_memory(t->copy, size);
	return t->elf != NULL;
}

static inline void truth_close(struct truth *t)
{
	elf_end(t->elf);
	if (t->fd >= 0)
		close(t->fd);
	free(t->copy);
}

static inline bool truth_sym(const struct truth *t, const char *name,
			     uint64_t *value, uint64_t *size)
{
	GElf_Word types[] = { SHT_SYMTAB, SHT_DYNSYM };

	for (size_t k = 0; k < 2; k++) {
		Elf_Scn *scn = NULL;
		GElf_Shdr sh;
		while ((scn = elf_nextscn(t->elf, scn)) != NULL) {
			Elf_Data *d;
			if (!gelf_getshdr(scn, &sh) || sh.sh_type != types[k])
				continue;
			d = elf_getdata(scn, NULL);
			for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
				GElf_Sym s;
				const char *n;
				if (!gelf_getsym(d, (int)i, &s))
					break;
				n = elf_strptr(t->elf, sh.sh_link, s.st_name);
				if (n && strcmp(n, name) == 0 && s.st_value) {
					*value = s.st_value;
					if (size)
						*size = s.st_size;
					return true;
				}
			}
		}
	}
	return false;
}

static inline bool truth_section(const struct truth *t, const char *name,
				 uint64_t *addr, uint64_t *size)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Shdr sh;

	if (elf_getshdrstrndx(t->elf, &shstrndx) != 0)
		return false;
	while ((scn = elf_nextscn(t->elf, scn)) != NULL) {
		const char *n;
		if (!gelf_getshdr(scn, &sh))
			continue;
		n = elf_strptr(t->elf, shstrndx, sh.sh_name);
		if (n && strcmp(n, name) == 0) {
			*addr = sh.sh_addr;
			*size = sh.sh_size;
			return true;
		}
	}
	return false;
}

/* The i-th PT_LOAD. */
static inline bool truth_load(const struct truth *t, size_t i, GElf_Phdr *out)
{
	size_t nph = 0;

	if (elf_getphdrnum(t->elf, &nph) != 0)
		return false;
	for (size_t k = 0; k < nph; k++) {
		if (!gelf_getphdr(t->elf, (int)k, out) || out->p_type != PT_LOAD)
			continue;
		if (i-- == 0)
			return true;
	}
	return false;
}

/* The maps lines the kernel would show with the file loaded at base (one
 * line per PT_LOAD); the caller frees. */
static inline char *truth_maps_text(const struct truth *t, uint64_t base,
				    const char *path)
{
	size_t cap = 8192, len = 0;
	char *text = calloc(1, cap);
	GElf_Phdr ph;

	for (size_t i = 0; truth_load(t, i, &ph); i++) {
		uint64_t start = base + (ph.p_vaddr & ~(uint64_t)0xfff);
		uint64_t end = (base + ph.p_vaddr + ph.p_memsz + 0xfff) & ~(uint64_t)0xfff;
		len += (size_t)snprintf(text + len, cap - len,
			"%" PRIx64 "-%" PRIx64 " %c%c%cp %08" PRIx64 " 08:01 4242    %s\n",
			start, end, ph.p_flags & PF_R ? 'r' : '-',
			ph.p_flags & PF_W ? 'w' : '-', ph.p_flags & PF_X ? 'x' : '-',
			ph.p_offset & ~(uint64_t)0xfff, path);
	}
	return text;
}

/* The [vdso] line of our own /proc/self/maps, and its size. */
static inline bool truth_vdso_line(char *line, size_t size, uint64_t *start, uint64_t *end)
{
	FILE *f = fopen("/proc/self/maps", "r");
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, (int)size, f))
		found = strstr(line, "[vdso]") &&
			sscanf(line, "%" SCNx64 "-%" SCNx64, start, end) == 2;
	fclose(f);
	return found;
}

#endif
