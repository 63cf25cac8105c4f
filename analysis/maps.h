/* The target's address space: its mappings, each tied to a module of the
 * module cache with its load bias.  Built from /proc/PID/maps text and
 * updated by MMAP2 records; the unwinder and the symbolizer look addresses
 * up here.  Pure: the text comes from the sampler. */
#ifndef KPROF_MAPS_H
#define KPROF_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct module;
struct module_cache;

enum map_kind {
	MAP_KIND_FILE,      /* backed by a file: has a path */
	MAP_KIND_ANON,      /* anonymous, no name */
	MAP_KIND_HEAP,      /* [heap] */
	MAP_KIND_STACK,     /* [stack], [stack:TID] */
	MAP_KIND_VDSO,      /* [vdso] */
	MAP_KIND_SPECIAL,   /* [vvar], [vsyscall], [anon:name], other [..] */
};

/* One line of /proc/PID/maps, parsed. */
struct map_entry {
	uint64_t start, end, pgoff;
	uint32_t prot;          /* PROT_READ | PROT_WRITE | PROT_EXEC */
	bool shared;            /* 's' rather than 'p' */
	uint32_t maj, min;
	uint64_t ino;
	enum map_kind kind;
	bool deleted;           /* path ended in " (deleted)" (not part of path) */
	char path[4096];        /* "" when anonymous; may contain spaces */
};

/* A mapping in the address space. */
struct map {
	uint64_t start, end, pgoff;
	uint32_t prot;
	enum map_kind kind;
	char *path;             /* NULL when anonymous */
	struct module *mod;     /* NULL when no ELF image could be loaded */
	uint64_t bias;          /* runtime address = ELF vaddr + bias */
};

struct maps;

/* Parse one line (with or without its newline).  False if malformed. */
bool maps_parse_line(const char *line, struct map_entry *out);
/* Set path, kind and deleted from a path as the kernel names it (len bytes,
 * " (deleted)" stripped, "//anon" is anonymous), e.g. for an MMAP2 record.
 * False when it is too long. */
bool maps_entry_set_path(struct map_entry *e, const char *path, size_t len);

/* root: the target's root as seen from here ("/proc/PID/root", or "" to read
 * paths as they are); module files are opened under it.  mc may be NULL:
 * then no mapping gets a module. */
struct maps *maps_new(struct module_cache *mc, const char *root);
void maps_free(struct maps *m);
/* Where the target's mapped files can be opened by address range
 * ("/proc/PID/map_files", or NULL: nowhere).  A mapping whose file was
 * deleted, or replaced at its path (another inode there now), is read
 * from DIR/START-END instead of its path.  Affects mappings added after. */
void maps_set_map_files(struct maps *m, const char *dir);
/* Replace every mapping with those in a whole maps file. */
void maps_load_text(struct maps *m, const char *text);
/* Add one mapping, replacing whatever overlapped it. */
void maps_add(struct maps *m, const struct map_entry *e);
void maps_clear(struct maps *m);
/* The mapping containing addr, or NULL. */
const struct map *maps_find(const struct maps *m, uint64_t addr);
/* Bumped on every change to code or module mappings, so caches keyed on
 * code addresses know to flush (anonymous data mappings don't bump it). */
uint64_t maps_generation(const struct maps *m);
/* The mappings in address order, for listing them. */
size_t maps_count(const struct maps *m);
const struct map *maps_at(const struct maps *m, size_t i);

#endif
