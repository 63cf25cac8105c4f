/* The target's address space: /proc/PID/maps lines parsed into a sorted
 * array of mappings, each tied to its module and load bias (see maps.h). */
#include "config.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "maps.h"
#include "modules.h"
#include "../common/xalloc.h"

struct maps {
	struct module_cache *mc;
	char *root;
	char *map_files;        /* "/proc/PID/map_files" or NULL */
	struct map *v;          /* sorted by start, never overlapping */
	size_t n, cap;
	uint64_t generation;
};

static const char deleted_suffix[] = " (deleted)";

/* Hex number of at least one digit; *pp moves past it. */
static bool parse_hex(const char **pp, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;
	int digits = 0;

	for (;; p++, digits++) {
		unsigned d;
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (*p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (*p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			break;
		if (digits == 16)
			return false;   /* more than 64 bits */
		v = v << 4 | d;
	}
	*pp = p;
	*out = v;
	return digits > 0;
}

static bool parse_dec(const char **pp, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*pp = p;
	*out = v;
	return true;
}

static bool expect(const char **pp, char c)
{
	if (**pp != c)
		return false;
	(*pp)++;
	return true;
}

static void skip_blanks(const char **pp)
{
	while (**pp == ' ' || **pp == '\t')
		(*pp)++;
}

static enum map_kind classify(const char *path)
{
	if (!path[0] || strcmp(path, "//anon") == 0)
		return MAP_KIND_ANON;   /* "//anon" is how MMAP2 records say it */
	if (path[0] == '/')
		return MAP_KIND_FILE;
	if (strcmp(path, "[heap]") == 0)
		return MAP_KIND_HEAP;
	if (strcmp(path, "[stack]") == 0 || strncmp(path, "[stack:", 7) == 0)
		return MAP_KIND_STACK;
	if (strcmp(path, "[vdso]") == 0)
		return MAP_KIND_VDSO;
	/* [vvar], [vsyscall], [anon:x], anon_inode:[perf_event], …: nothing to
	 * open behind them. */
	return MAP_KIND_SPECIAL;
}

bool maps_entry_set_path(struct map_entry *e, const char *path, size_t len)
{
	size_t sl = sizeof deleted_suffix - 1;

	e->deleted = false;
	if (len > sl && memcmp(path + len - sl, deleted_suffix, sl) == 0) {
		e->deleted = true;
		len -= sl;
	}
	if (len >= sizeof e->path)
		return false;
	memcpy(e->path, path, len);
	e->path[len] = '\0';
	e->kind = classify(e->path);
	if (e->kind == MAP_KIND_ANON)
		e->path[0] = '\0';
	return true;
}

bool maps_parse_line(const char *line, struct map_entry *out)
{
	const char *p = line;
	uint64_t maj, min;
	size_t len;

	memset(out, 0, offsetof(struct map_entry, path));
	out->path[0] = '\0';
	if (!parse_hex(&p, &out->start) || !expect(&p, '-') ||
	    !parse_hex(&p, &out->end) || !expect(&p, ' '))
		return false;
	if (out->end <= out->start)
		return false;

	if (*p == 'r')
		out->prot |= PROT_READ;
	else if (*p != '-')
		return false;
	p++;
	if (*p == 'w')
		out->prot |= PROT_WRITE;
	else if (*p != '-')
		return false;
	p++;
	if (*p == 'x')
		out->prot |= PROT_EXEC;
	else if (*p != '-')
		return false;
	p++;
	if (*p == 's')
		out->shared = true;
	else if (*p != 'p')
		return false;
	p++;

	if (!expect(&p, ' ') || !parse_hex(&p, &out->pgoff) || !expect(&p, ' ') ||
	    !parse_hex(&p, &maj) || !expect(&p, ':') || !parse_hex(&p, &min) ||
	    !expect(&p, ' ') || !parse_dec(&p, &out->ino))
		return false;
	if (maj > UINT32_MAX || min > UINT32_MAX)
		return false;
	out->maj = (uint32_t)maj;
	out->min = (uint32_t)min;

	if (*p && *p != '\n' && *p != ' ' && *p != '\t')
		return false;
	/* The kernel pads to a column before the path; the path itself keeps
	 * any spaces it has, up to the end of the line. */
	skip_blanks(&p);
	len = strcspn(p, "\n");
	return maps_entry_set_path(out, p, len);
}

struct maps *maps_new(struct module_cache *mc, const char *root)
{
	struct maps *m = xcalloc(1, sizeof *m);

	m->mc = mc;
	m->root = xstrdup(root ? root : "");
	return m;
}

void maps_set_map_files(struct maps *m, const char *dir)
{
	free(m->map_files);
	m->map_files = dir && dir[0] ? xstrdup(dir) : NULL;
}

void maps_clear(struct maps *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].path);
	m->n = 0;
	m->generation++;
}

void maps_free(struct maps *m)
{
	if (!m)
		return;
	maps_clear(m);
	free(m->v);
	free(m->root);
	free(m->map_files);
	free(m);
}

/* Index of the first mapping that ends above addr (m->n if none). */
static size_t first_ending_above(const struct maps *m, uint64_t addr)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->v[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* prev and next are the mappings that will be beside it, or NULL: where a
 * module's segments share a file page, the bias its neighbours agree on
 * (all segments of one load share it) settles which segment this is. */
static void attach_module(struct maps *m, struct map *map, const struct map_entry *e,
			  const struct map *prev, const struct map *next)
{
	struct module *mod = NULL;
	uint64_t bias = 0;

	if (!m->mc)
		return;
	if (map->kind == MAP_KIND_VDSO) {
		mod = module_cache_get(m->mc, "", "[vdso]");
	} else if (map->kind == MAP_KIND_FILE) {
		/* The kernel names the entry by the range as it printed it:
		 * lowercase hex, no padding. */
		char alt[4200];
		struct module_file f = { .maj = e->maj, .min = e->min, .ino = e->ino,
					 .deleted = e->deleted };
		if (m->map_files) {
			snprintf(alt, sizeof alt, "%s/%" PRIx64 "-%" PRIx64, m->map_files,
				 e->start, e->end);
			f.alt_path = alt;
		}
		mod = module_cache_get_file(m->mc, m->root, map->path, &f);
	}
	if (!mod)
		return;
	if (prev && prev->mod == mod &&
	    module_bias_fits(mod, map->start, map->pgoff, prev->bias))
		bias = prev->bias;
	else if (next && next->mod == mod &&
		 module_bias_fits(mod, map->start, map->pgoff, next->bias))
		bias = next->bias;
	else if (!module_bias(mod, map->start, map->pgoff, &bias))
		return;
	map->mod = mod;
	map->bias = bias;
}

void maps_add(struct maps *m, const struct map_entry *e)
{
	struct map nm = {
		.start = e->start, .end = e->end, .pgoff = e->pgoff,
		.prot = e->prot, .kind = e->kind,
		.path = e->path[0] ? xstrdup(e->path) : NULL,
	};
	struct map left = { 0 }, right = { 0 };
	bool has_left = false, has_right = false;
	size_t lo, hi, nnew;

	if (e->end <= e->start) {
		free(nm.path);
		return;
	}
	lo = first_ending_above(m, e->start);
	for (hi = lo; hi < m->n && m->v[hi].start < e->end; hi++)
		;
	/* [lo, hi) overlap the new mapping: keep the parts sticking out. */
	if (lo < hi && m->v[lo].start < e->start) {
		left = m->v[lo];
		left.end = e->start;
		has_left = true;
	}
	if (lo < hi && m->v[hi - 1].end > e->end) {
		right = m->v[hi - 1];
		right.pgoff += e->end - right.start;
		right.start = e->end;
		has_right = true;
		if (has_left && hi - 1 == lo && right.path)
			right.path = xstrdup(right.path);
	}
	/* A deleted or replaced file's path names whatever is there now, not
	 * what was mapped: the module cache checks the inode and reads such a
	 * file through map_files, or gives no module (better no symbols than
	 * wrong ones). */
	attach_module(m, &nm, e, has_left ? &left : lo > 0 ? &m->v[lo - 1] : NULL,
		      has_right ? &right : hi < m->n ? &m->v[hi] : NULL);
	/* Address-keyed caches (symbols, unwind state) only care about code and
	 * modules; malloc's anonymous mmaps come and go all the time and must
	 * not flush them. */
	bool matters = nm.mod || (nm.prot & PROT_EXEC), identical = false;
	/* Nor must the identical re-map the kernel reports when a JIT flips
	 * its code pages' protection back and forth (W^X). */
	if (hi - lo == 1 && !has_left && !has_right) {
		const struct map *o = &m->v[lo];
		if (o->start == nm.start && o->end == nm.end && o->pgoff == nm.pgoff &&
		    o->prot == nm.prot && o->mod == nm.mod && o->bias == nm.bias &&
		    (o->path && nm.path ? strcmp(o->path, nm.path) == 0 : o->path == nm.path))
			identical = true;
	}
	for (size_t i = lo; i < hi; i++) {
		matters |= m->v[i].mod || (m->v[i].prot & PROT_EXEC);
		if ((i == lo && has_left) || (i == hi - 1 && has_right))
			continue;
		free(m->v[i].path);
	}

	nnew = 1 + has_left + has_right;
	xgrow(&m->v, &m->cap, m->n - (hi - lo) + nnew, sizeof *m->v);
	memmove(&m->v[lo + nnew], &m->v[hi], (m->n - hi) * sizeof *m->v);
	m->n = m->n - (hi - lo) + nnew;
	if (has_left)
		m->v[lo++] = left;
	m->v[lo++] = nm;
	if (has_right)
		m->v[lo] = right;
	if (matters && !identical)
		m->generation++;
}

void maps_load_text(struct maps *m, const char *text)
{
	struct map_entry *e = xmalloc(sizeof *e);

	maps_clear(m);
	while (text && *text) {
		const char *nl = strchr(text, '\n');
		if (maps_parse_line(text, e))
			maps_add(m, e);
		if (!nl)
			break;
		text = nl + 1;
	}
	free(e);
}

const struct map *maps_find(const struct maps *m, uint64_t addr)
{
	size_t i = first_ending_above(m, addr);

	if (i < m->n && m->v[i].start <= addr)
		return &m->v[i];
	return NULL;
}

uint64_t maps_generation(const struct maps *m)
{
	return m->generation;
}

size_t maps_count(const struct maps *m)
{
	return m->n;
}

const struct map *maps_at(const struct maps *m, size_t i)
{
	return i < m->n ? &m->v[i] : NULL;
}
