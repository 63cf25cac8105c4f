/* The module cache: each ELF file (and the vDSO) opened once through libelf
 * over a read-only mapping of the whole file, serving its bytes, CFI
 * location, build-id and symbol tables (see modules.h).  Mapped files are
 * keyed on their inode too, and read through /proc/PID/map_files when the
 * path no longer leads to the mapped inode (deleted, replaced). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <gelf.h>

#include "modules.h"
#include "elf_file.h"
#include "elf_symtab.h"
#include "../common/hash.h"
#include "../common/xalloc.h"

#define PAGE_MASK_4K (~(uint64_t)0xfff)

struct load_seg {
	uint64_t vaddr, memsz, offset, filesz;
};

/* Not locked: one thread (the analysis thread) owns a cache and its
 * modules, and symbol tables are built lazily on first lookup. */
struct module {
	char *path;
	const char *name;       /* into path */
	char *root;             /* debug files are looked for under it first */
	const char *debug_root; /* the cache's */
	Elf *elf;
	const unsigned char *image;     /* the whole file */
	size_t size;
	unsigned char *owned_image;     /* the vDSO copy; libelf maps files */
	struct load_seg *loads;
	size_t nloads;
	bool has_ehfh;
	uint64_t ehfh_vaddr, ehfh_size;
	char *build_id;
	bool syms_loaded;
	Elf *debug_elf;         /* kept open: symbol names point into it */
	struct elf_symtab funcs, data;
};

struct cache_slot {
	char *key;              /* root '\n' path ['\n' maj:min:ino]; NULL = empty */
	struct module *mod;     /* NULL: tried and failed */
};

struct module_cache {
	char *debug_root;
	struct cache_slot *slots;
	size_t nslots, n;
};

struct module_cache *module_cache_new(const char *debug_root)
{
	struct module_cache *c = xcalloc(1, sizeof *c);

	/* Only fails for a libelf older than its own header; then every
	 * elf_begin fails and modules are simply missing. */
	(void)elf_version(EV_CURRENT);
	c->debug_root = xstrdup(debug_root ? debug_root : "");
	c->nslots = 64;
	c->slots = xcalloc(c->nslots, sizeof *c->slots);
	return c;
}

static void module_free(struct module *m)
{
	if (!m)
		return;
	elf_symtab_fini(&m->funcs);
	elf_symtab_fini(&m->data);
	if (m->debug_elf)
		elf_end(m->debug_elf);
	if (m->elf)
		elf_end(m->elf);
	free(m->owned_image);
	free(m->loads);
	free(m->build_id);
	free(m->root);
	free(m->path);
	free(m);
}

void module_cache_free(struct module_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nslots; i++) {
		free(c->slots[i].key);
		module_free(c->slots[i].mod);
	}
	free(c->slots);
	free(c->debug_root);
	free(c);
}

/* Read what the unwinder and the bias computation need from the headers. */
static bool module_init(struct module *m)
{
	GElf_Ehdr eh;
	GElf_Shdr sh;
	size_t nph = 0;

	if (!gelf_getehdr(m->elf, &eh) || (eh.e_type != ET_EXEC && eh.e_type != ET_DYN))
		return false;
	m->image = (const unsigned char *)elf_rawfile(m->elf, &m->size);
	if (!m->image || elf_getphdrnum(m->elf, &nph) != 0 || nph == 0)
		return false;
	m->loads = xcalloc(nph, sizeof *m->loads);
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(m->elf, (int)i, &ph))
			continue;
		if (ph.p_type == PT_LOAD) {
			m->loads[m->nloads++] = (struct load_seg){
				.vaddr = ph.p_vaddr, .memsz = ph.p_memsz,
				.offset = ph.p_offset, .filesz = ph.p_filesz,
			};
		} else if (ph.p_type == PT_GNU_EH_FRAME && !m->has_ehfh) {
			m->has_ehfh = true;
			m->ehfh_vaddr = ph.p_vaddr;
			m->ehfh_size = ph.p_memsz;
		}
	}
	if (m->nloads == 0)
		return false;
	/* The section is exact where the segment may be padded. */
	if (elf_file_section(m->elf, ".eh_frame_hdr", &sh) && sh.sh_type != SHT_NOBITS) {
		m->has_ehfh = true;
		m->ehfh_vaddr = sh.sh_addr;
		m->ehfh_size = sh.sh_size;
	}
	m->build_id = elf_file_build_id(m->elf);
	return true;
}

static char *join(const char *a, const char *b)
{
	char *s;

	xasprintf(&s, "%s%s", a, b);
	return s;
}

/* Where the bytes of the mapped file f are to be read from: root + path
 * (malloc'd in *file) while that is still the file mapped, else f's
 * alt_path.  NULL when neither will do; *retry then says whether a later
 * mapping might (the alt_path was gone rather than refused). */
static const char *module_source(const char *root, const char *path,
				 const struct module_file *f, char **file, bool *retry)
{
	struct stat st;

	*file = join(root, path);
	*retry = false;
	if (!f || (f->ino == 0 && !f->deleted))
		return *file;
	if (!f->deleted && stat(*file, &st) == 0 && st.st_ino == f->ino &&
	    major(st.st_dev) == f->maj && minor(st.st_dev) == f->min)
		return *file;
	if (f->alt_path) {
		if (stat(f->alt_path, &st) == 0)
			return f->alt_path;
		if (errno == ENOENT) {
			/* That range is no longer one mapping: a later one of
			 * the same file will name it right. */
			*retry = true;
			return NULL;
		}
	}
	/* No way to the mapped file itself (map_files refused without
	 * CAP_SYS_ADMIN, or no live target): the path is the best there is
	 * unless the file is known gone.  It is also right where only the
	 * numbers differ: btrfs subvolumes and overlayfs report another
	 * st_dev (and overlayfs sometimes st_ino) than maps does. */
	return f->deleted ? NULL : *file;
}

static struct module *module_load(struct module_cache *c, const char *root,
				  const char *path, const struct module_file *f,
				  bool *retry)
{
	struct module *m = xcalloc(1, sizeof *m);
	const char *slash;

	*retry = false;
	m->path = xstrdup(path);
	slash = strrchr(m->path, '/');
	m->name = slash ? slash + 1 : m->path;
	m->root = xstrdup(root);
	m->debug_root = c->debug_root;
	if (strcmp(path, "[vdso]") == 0) {
		m->elf = elf_file_open_vdso(&m->owned_image);
	} else if (path[0] == '/') {
		char *file;
		const char *src = module_source(root, path, f, &file, retry);
		if (src)
			m->elf = elf_file_open(src);
		free(file);
	}
	if (!m->elf || !module_init(m)) {
		module_free(m);
		return NULL;
	}
	return m;
}

static uint64_t key_hash(const char *key)
{
	return hash_bytes(key, strlen(key), 0);
}

static void cache_grow(struct module_cache *c)
{
	struct cache_slot *old = c->slots;
	size_t nold = c->nslots;

	c->nslots *= 2;
	c->slots = xcalloc(c->nslots, sizeof *c->slots);
	for (size_t i = 0; i < nold; i++) {
		size_t j;
		if (!old[i].key)
			continue;
		j = key_hash(old[i].key) & (c->nslots - 1);
		while (c->slots[j].key)
			j = (j + 1) & (c->nslots - 1);
		c->slots[j] = old[i];
	}
	free(old);
}

struct module *module_cache_get_file(struct module_cache *c, const char *root,
				     const char *path, const struct module_file *f)
{
	struct module *m;
	bool retry;
	char *key;
	size_t i;

	if (!root || strcmp(path, "[vdso]") == 0)
		root = "";
	if (strcmp(path, "[vdso]") == 0 || (f && f->ino == 0 && !f->deleted))
		f = NULL;
	/* The file's identity is part of the key: the same path may map two
	 * different images over time (a rebuilt library dlopened again). */
	if (f)
		xasprintf(&key, "%s\n%s\n%" PRIx32 ":%" PRIx32 ":%" PRIu64, root, path,
			  f->maj, f->min, f->ino);
	else
		xasprintf(&key, "%s\n%s", root, path);
	i = key_hash(key) & (c->nslots - 1);
	for (; c->slots[i].key; i = (i + 1) & (c->nslots - 1)) {
		if (strcmp(c->slots[i].key, key) == 0) {
			free(key);
			return c->slots[i].mod;
		}
	}
	m = module_load(c, root, path, f, &retry);
	if (!m && retry) {
		free(key);
		return NULL;
	}
	c->slots[i].key = key;
	c->slots[i].mod = m;
	if (++c->n * 2 > c->nslots)
		cache_grow(c);
	return m;
}

struct module *module_cache_get(struct module_cache *c, const char *root, const char *path)
{
	return module_cache_get_file(c, root, path, NULL);
}

const char *module_name(const struct module *m)
{
	return m->name;
}

const char *module_path(const struct module *m)
{
	return m->path;
}

/* The PT_LOADs whose file range covers page pgoff; the kernel maps a
 * segment from the page holding its p_offset.  Two segments can share a
 * page (the end of .rodata and the start of .data). */
static bool covers(const struct load_seg *s, uint64_t pgoff)
{
	return (s->offset & PAGE_MASK_4K) <= pgoff && pgoff < s->offset + s->filesz;
}

bool module_bias(const struct module *m, uint64_t start, uint64_t pgoff, uint64_t *bias)
{
	for (size_t i = 0; i < m->nloads; i++) {
		const struct load_seg *s = &m->loads[i];
		if (covers(s, pgoff)) {
			*bias = start - pgoff - (s->vaddr - s->offset);
			return true;
		}
	}
	return false;
}

bool module_bias_fits(const struct module *m, uint64_t start, uint64_t pgoff, uint64_t bias)
{
	for (size_t i = 0; i < m->nloads; i++) {
		const struct load_seg *s = &m->loads[i];
		if (covers(s, pgoff) && start - pgoff - (s->vaddr - s->offset) == bias)
			return true;
	}
	return false;
}

bool module_read(const struct module *m, uint64_t vaddr, void *buf, size_t len)
{
	for (size_t i = 0; i < m->nloads; i++) {
		const struct load_seg *s = &m->loads[i];
		uint64_t rel = vaddr - s->vaddr;

		if (vaddr < s->vaddr || rel >= s->filesz || len > s->filesz - rel)
			continue;
		/* A truncated or hostile file: offset + rel may wrap (found by
		 * tests/fuzz/fuzz_elf), so no sum before the bounds are known. */
		if (s->offset > m->size || rel > m->size - s->offset ||
		    len > m->size - s->offset - rel)
			return false;
		memcpy(buf, m->image + s->offset + rel, len);
		return true;
	}
	return false;
}

bool module_eh_frame_hdr(const struct module *m, uint64_t *vaddr, uint64_t *size)
{
	if (!m->has_ehfh)
		return false;
	*vaddr = m->ehfh_vaddr;
	*size = m->ehfh_size;
	return true;
}

bool module_section(const struct module *m, const char *name, uint64_t *vaddr,
		    const void **data, size_t *size)
{
	GElf_Shdr sh;

	if (!elf_file_section(m->elf, name, &sh) || sh.sh_type == SHT_NOBITS ||
	    sh.sh_offset > m->size || sh.sh_size > m->size - sh.sh_offset)
		return false;
	*vaddr = sh.sh_addr;
	*data = m->image + sh.sh_offset;
	*size = sh.sh_size;
	return true;
}

const char *module_build_id(const struct module *m)
{
	return m->build_id;
}

/* A debug file for m at path (as the target sees it): under the target's
 * root first, then on the host.  It must have a .symtab and, when both
 * carry one, the same build-id. */
static Elf *try_debug_file(const struct module *m, const char *path)
{
	for (int pass = m->root[0] ? 0 : 1; pass < 2; pass++) {
		char *file = join(pass == 0 ? m->root : "", path);
		Elf *elf = elf_file_open(file);
		bool ok = false;

		free(file);
		if (!elf)
			continue;
		if (elf_symtab_section(elf, SHT_SYMTAB)) {
			char *id = m->build_id ? elf_file_build_id(elf) : NULL;
			ok = !m->build_id || (id && strcmp(id, m->build_id) == 0);
			free(id);
		}
		if (ok)
			return elf;
		elf_end(elf);
	}
	return NULL;
}

static Elf *find_debug_file(const struct module *m)
{
	const char *dr = m->debug_root;
	GElf_Shdr sh;
	Elf_Scn *scn;
	Elf_Data *d;
	Elf *elf = NULL;
	char *p, *dir;
	const char *link;

	if (m->build_id && strlen(m->build_id) > 2) {
		xasprintf(&p, "%s/.build-id/%.2s/%s.debug", dr, m->build_id, m->build_id + 2);
		elf = try_debug_file(m, p);
		free(p);
		if (elf)
			return elf;
	}
	scn = elf_file_section(m->elf, ".gnu_debuglink", &sh);
	d = scn ? elf_getdata(scn, NULL) : NULL;
	if (!d || !d->d_buf || d->d_size < 2 ||
	    !memchr(d->d_buf, '\0', d->d_size))
		return NULL;
	link = d->d_buf;
	if (!link[0] || strchr(link, '/'))
		return NULL;    /* a bare file name is all gdb accepts too */
	/* gdb's order: beside the file, in .debug/ beside it, under the
	 * debug root at the file's directory. */
	dir = xstrndup(m->path, (size_t)(strrchr(m->path, '/') - m->path));
	for (int i = 0; i < 3 && !elf; i++) {
		if (i == 0)
			xasprintf(&p, "%s/%s", dir, link);
		else if (i == 1)
			xasprintf(&p, "%s/.debug/%s", dir, link);
		else
			xasprintf(&p, "%s%s/%s", dr, dir, link);
		if (strcmp(p, m->path) != 0)
			elf = try_debug_file(m, p);
		free(p);
	}
	free(dir);
	return elf;
}

static void load_symbols(struct module *m)
{
	Elf_Scn *scn;

	m->syms_loaded = true;
	scn = elf_symtab_section(m->elf, SHT_SYMTAB);
	if (scn) {
		elf_symtab_add(&m->funcs, &m->data, m->elf, scn);
	} else if (m->path[0] == '/' && (m->debug_elf = find_debug_file(m)) != NULL) {
		elf_symtab_add(&m->funcs, &m->data, m->debug_elf,
			       elf_symtab_section(m->debug_elf, SHT_SYMTAB));
	} else {
		elf_symtab_add(&m->funcs, &m->data, m->elf,
			       elf_symtab_section(m->elf, SHT_DYNSYM));
	}
	elf_symtab_finish(&m->funcs);
	elf_symtab_finish(&m->data);
}

static const char *lookup(struct module *m, struct elf_symtab *t, uint64_t vaddr,
			  uint64_t *offset)
{
	const struct elf_sym *s;

	if (!m)
		return NULL;
	if (!m->syms_loaded)
		load_symbols(m);
	s = elf_symtab_find(t, vaddr);
	if (!s)
		return NULL;
	if (offset)
		*offset = vaddr - s->addr;
	return s->name;
}

const char *module_func_symbol(struct module *m, uint64_t vaddr, uint64_t *offset)
{
	return m ? lookup(m, &m->funcs, vaddr, offset) : NULL;
}

const char *module_data_symbol(struct module *m, uint64_t vaddr, uint64_t *offset)
{
	return m ? lookup(m, &m->data, vaddr, offset) : NULL;
}

bool module_has_debug_file(struct module *m)
{
	if (!m->syms_loaded)
		load_symbols(m);
	return m->debug_elf != NULL;
}
