/* The one cache of ELF images.  Each module (executable, shared library,
 * vdso) is opened once and serves both the unwinder (its CFI sections and
 * file bytes at ELF addresses) and the symbolizer (its function and data
 * symbols, from the file or its separate debug file). */
#ifndef KPROF_MODULES_H
#define KPROF_MODULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct module;
struct module_cache;

/* debug_root: where separate debug files live ("/usr/lib/debug"). */
struct module_cache *module_cache_new(const char *debug_root);
void module_cache_free(struct module_cache *c);

/* The module for a file: root (e.g. "/proc/PID/root", may be "") + path.
 * Loaded on first use, remembered after (failures too, so a missing file
 * costs one open).  "[vdso]" is served from this process's own vDSO, which
 * is the same image as the target's on the same kernel. */
struct module *module_cache_get(struct module_cache *c, const char *root, const char *path);

/* What a mapping says about the file it maps: the device (maj:min as maps
 * prints it, or MMAP2's) and inode, so that a file replaced at the same
 * path is told from the one mapped, and where the mapped file itself can
 * still be opened when its path no longer leads to it. */
struct module_file {
	uint32_t maj, min;
	uint64_t ino;           /* 0: unknown; root + path is taken on trust */
	bool deleted;           /* maps said " (deleted)": never open the path */
	const char *alt_path;   /* "/proc/PID/map_files/START-END", or NULL */
};

/* The module for a mapped file, keyed on root, path and (maj, min, ino):
 * a library rebuilt at the same path and mapped again is a new module.
 * The image comes from root + path while that is still the mapped file
 * (same inode and device), else from f->alt_path, which reaches a deleted
 * or replaced file as long as it is mapped (it needs CAP_SYS_ADMIN or
 * CAP_CHECKPOINT_RESTORE).  Without a usable alt_path, root + path is
 * still taken unless f->deleted (it may be the wrong image, but it is what
 * the path-only cache gave).  f NULL: module_cache_get.  An alt_path that no
 * longer exists (the mapping was split or unmapped since) is not
 * remembered as a failure, so the next mapping of the file tries again. */
struct module *module_cache_get_file(struct module_cache *c, const char *root,
				     const char *path, const struct module_file *f);

const char *module_name(const struct module *m);   /* basename: "libc.so.6" */
const char *module_path(const struct module *m);   /* as the target names it */

/* Load bias of a mapping of this module at start with file offset pgoff:
 * start - pgoff - (p_vaddr - p_offset) of the PT_LOAD covering pgoff. */
bool module_bias(const struct module *m, uint64_t start, uint64_t pgoff, uint64_t *bias);
/* Whether bias is right for such a mapping by some PT_LOAD covering pgoff.
 * pgoff alone is ambiguous where two segments share a file page (the end of
 * .rodata, the start of .data): module_bias takes the first, and the
 * address space checks a neighbouring mapping's bias with this first. */
bool module_bias_fits(const struct module *m, uint64_t start, uint64_t pgoff, uint64_t bias);

/* Copy len bytes at ELF virtual address vaddr out of the file image (the
 * unwinder reads CFI and, if need be, code through this).  False when the
 * range isn't file-backed. */
bool module_read(const struct module *m, uint64_t vaddr, void *buf, size_t len);

/* The .eh_frame_hdr section's ELF address and size. */
bool module_eh_frame_hdr(const struct module *m, uint64_t *vaddr, uint64_t *size);

/* The function containing ELF address vaddr: its raw (mangled) name and the
 * offset of vaddr in it; NULL when no symbol covers vaddr.  Only symbols
 * whose [value, value + size) contains vaddr count: never the nearest one
 * below.  Looks in .symtab, then the separate debug file (build-id under
 * debug_root/.build-id/xx/yyyy.debug, then .gnu_debuglink), then .dynsym. */
const char *module_func_symbol(struct module *m, uint64_t vaddr, uint64_t *offset);

/* The same for data objects (globals in .data/.bss), for naming locks. */
const char *module_data_symbol(struct module *m, uint64_t vaddr, uint64_t *offset);

/* The GNU build-id as lowercase hex, or NULL. */
const char *module_build_id(const struct module *m);

/* A section of the file itself by name (".debug_frame", ".eh_frame"): its
 * ELF address and its bytes in the file image.  False if absent or NOBITS. */
bool module_section(const struct module *m, const char *name, uint64_t *vaddr,
		    const void **data, size_t *size);

/* Whether symbols come from a separate debug file (loads them if need be). */
bool module_has_debug_file(struct module *m);

#endif
