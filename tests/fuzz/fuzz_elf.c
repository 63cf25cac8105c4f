/* Fuzzes our use of libelf on the target's binaries (analysis/modules.c,
 * elf_file.c, elf_symtab.c): the input is written to a memfd and loaded
 * through the module cache by its /proc/self/fd path, as a mapped file
 * would be.  Then everything the unwinder and symbolizer ask of a module:
 * load bias and module_read at each PT_LOAD, the .eh_frame_hdr bytes, the
 * CFI sections, the build-id, function and data symbols at every symbol's
 * address (found by reading the input separately), and the separate debug
 * file search (under a debug root that does not exist). */
#define _GNU_SOURCE
#include "config.h"

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
#include <gelf.h>

#include "fuzz.h"
#include "analysis/modules.h"

#define MAX_QUERIES 256

static volatile uint64_t sink;

static void touch(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		sink += b[i];
}

/* Addresses worth asking about: PT_LOAD starts and ends, the entry point,
 * symbol values; pgoffs of the PT_LOADs for the bias. */
struct queries {
	uint64_t addr[MAX_QUERIES], pgoff[16], vaddr[16];
	size_t n, nload;
};

static void add_addr(struct queries *q, uint64_t a)
{
	if (q->n < MAX_QUERIES)
		q->addr[q->n++] = a;
}

static void find_queries(const uint8_t *data, size_t size, struct queries *q)
{
	char *copy = malloc(size ? size : 1);
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;
	size_t nph = 0;
	Elf *elf;

	if (!copy)
		abort();
	memcpy(copy, data, size);
	elf = elf_memory(copy, size);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh))
		goto out;
	add_addr(q, eh.e_entry);
	if (elf_getphdrnum(elf, &nph) == 0) {
		for (size_t i = 0; i < nph && i < 64; i++) {
			GElf_Phdr ph;
			if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
				continue;
			add_addr(q, ph.p_vaddr);
			add_addr(q, ph.p_vaddr + ph.p_filesz - 1);
			add_addr(q, ph.p_vaddr + ph.p_memsz);
			if (q->nload < 16) {
				q->pgoff[q->nload] = ph.p_offset & ~(uint64_t)0xfff;
				q->vaddr[q->nload++] = ph.p_vaddr;
			}
		}
	}
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		Elf_Data *d;
		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) ||
		    sh.sh_entsize == 0 || !(d = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 1; i < sh.sh_size / sh.sh_entsize && q->n < MAX_QUERIES; i++) {
			GElf_Sym s;
			if (!gelf_getsym(d, (int)i, &s))
				break;
			add_addr(q, s.st_value);
			if (s.st_size)
				add_addr(q, s.st_value + s.st_size - 1);
		}
	}
out:
	if (elf)
		elf_end(elf);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct queries q;
	struct module_cache *mc;
	struct module *m;
	char path[64];
	int fd;

	fd = memfd_create("kprof-fuzz-elf", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);

	mc = module_cache_new("/nonexistent-kprof-fuzz/debug");
	m = module_cache_get(mc, "", path);
	if (m) {
		uint64_t vaddr, len, bias, off;
		const void *bytes;
		size_t n;
		unsigned char buf[64];
		static const char *const sections[] = { ".eh_frame", ".eh_frame_hdr", ".debug_frame",
							 ".gnu_debuglink", ".symtab" };

		memset(&q, 0, sizeof q);
		elf_version(EV_CURRENT);
		find_queries(data, size, &q);

		touch(module_name(m), strlen(module_name(m)));
		if (module_build_id(m))
			touch(module_build_id(m), strlen(module_build_id(m)));
		for (size_t i = 0; i < q.nload; i++) {
			uint64_t start = 0x7f0000000000 + q.pgoff[i];
			if (module_bias(m, start, q.pgoff[i], &bias))
				FUZZ_CHECK(module_bias_fits(m, start, q.pgoff[i], bias));
			if (module_read(m, q.vaddr[i], buf, sizeof buf))
				touch(buf, sizeof buf);
			if (module_read(m, q.vaddr[i], buf, 1))
				touch(buf, 1);
		}
		if (module_eh_frame_hdr(m, &vaddr, &len)) {
			/* The unwinder reads the table header, then entries. */
			if (module_read(m, vaddr, buf, len < sizeof buf ? (size_t)len : sizeof buf))
				touch(buf, len < sizeof buf ? (size_t)len : sizeof buf);
		}
		for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
			if (module_section(m, sections[i], &vaddr, &bytes, &n))
				touch(bytes, n);
		for (size_t i = 0; i < q.n; i++) {
			const char *s = module_func_symbol(m, q.addr[i], &off);
			if (s)
				touch(s, strlen(s));
			if ((s = module_data_symbol(m, q.addr[i], &off)) != NULL)
				touch(s, strlen(s));
			if (module_read(m, q.addr[i], buf, 8))
				touch(buf, 8);
		}
		(void)module_has_debug_file(m);
	}
	module_cache_free(mc);
	close(fd);
	return 0;
}
