/* The symbolizer: address → interned function id, with a per-address cache
 * in front of maps, module symbol tables, the perf map and demangling (see
 * symbols.h). */
#include "config.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symbols.h"
#include "funcs.h"
#include "maps.h"
#include "modules.h"
#include "../common/hash.h"
#include "../common/xalloc.h"

#define NAME_MAX_LEN 1024
/* A cache this full is flushed rather than grown: memory stays bounded on
 * targets that run through endless distinct addresses (JITs). */
#define CACHE_MAX_ENTRIES (1u << 20)
#define EMPTY_ID UINT32_MAX
/* Overlapping perf-map entries (reused JIT memory) are looked for this far
 * back from the nearest start. */
#define PERF_MAP_STEPS 8

struct cache_entry {
	uint64_t addr;
	uint32_t id;            /* EMPTY_ID: free slot */
};

struct perf_sym {
	uint64_t start, size;
	uint64_t seq;           /* later lines win over earlier ones */
	char *name;             /* demangled */
};

struct symbolizer {
	struct maps *maps;
	struct funcs *funcs;
	uint64_t generation;    /* of maps, when the cache was filled */
	struct cache_entry *cache;
	size_t nslots, n;

	char *perf_map_path;
	const char *perf_map_module;    /* basename of the path */
	off_t perf_map_read;    /* bytes consumed: complete lines only */
	struct perf_sym *perf;
	size_t nperf, capperf;
	uint64_t perf_seq;
	uint64_t perf_map_checked_ns;   /* event time of the last look */

	char data_name[NAME_MAX_LEN];
};

static void cache_reset(struct symbolizer *s, size_t nslots)
{
	free(s->cache);
	s->cache = xmalloc(nslots * sizeof *s->cache);
	for (size_t i = 0; i < nslots; i++)
		s->cache[i].id = EMPTY_ID;
	s->nslots = nslots;
	s->n = 0;
}

static bool perf_map_refresh(struct symbolizer *s);

/* A perf map is a few MB even for a big JIT; beyond this we stop reading. */
#define PERF_MAP_CHUNK ((uint64_t)16 << 20)
#define PERF_MAP_MAX   ((off_t)256 << 20)

struct symbolizer *symbolizer_new(struct maps *maps, struct funcs *funcs,
				  const char *perf_map_path)
{
	struct symbolizer *s = xcalloc(1, sizeof *s);

	s->maps = maps;
	s->funcs = funcs;
	s->generation = maps_generation(maps);
	cache_reset(s, 4096);
	if (perf_map_path) {
		const char *slash;
		s->perf_map_path = xstrdup(perf_map_path);
		slash = strrchr(s->perf_map_path, '/');
		s->perf_map_module = slash ? slash + 1 : s->perf_map_path;
		/* A JIT already running at attach has written its map: read it
		 * now, or the samples before the first tick would stay bare
		 * addresses for good (their stacks are interned as such). */
		perf_map_refresh(s);
	}
	return s;
}

void symbolizer_free(struct symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nperf; i++)
		free(s->perf[i].name);
	free(s->perf);
	free(s->perf_map_path);
	free(s->cache);
	free(s);
}

/* ---- the perf map ------------------------------------------------------ */

static int cmp_perf(const void *pa, const void *pb)
{
	const struct perf_sym *a = pa, *b = pb;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return a->seq < b->seq ? 1 : a->seq > b->seq ? -1 : 0;
}

static void perf_map_parse_line(struct symbolizer *s, char *line)
{
	char buf[NAME_MAX_LEN];
	struct perf_sym *p;
	uint64_t start, size;
	char *end, *name;

	start = strtoull(line, &end, 16);
	if (end == line || *end != ' ')
		return;
	line = end + 1;
	size = strtoull(line, &end, 16);
	if (end == line || *end != ' ' || size == 0)
		return;
	name = end + 1;
	if (!name[0])
		return;
	xgrow(&s->perf, &s->capperf, s->nperf + 1, sizeof *s->perf);
	p = &s->perf[s->nperf++];
	p->start = start;
	p->size = size;
	p->seq = s->perf_seq++;
	p->name = xstrdup(symbols_demangle(name, buf, sizeof buf));
}

/* Read what was appended since last time, if the file grew; a file that
 * shrank was rewritten and is read again from the start.  A half-written
 * last line is left for the next read.  Returns whether entries changed. */
static bool perf_map_refresh(struct symbolizer *s)
{
	struct stat st;
	size_t len = 0;
	char *text, *line;
	FILE *f;
	int fd;

	/* The target writes this file, and may be hostile: only a regular
	 * file (a FIFO would block this thread: O_NONBLOCK, then fstat), read
	 * at most PERF_MAP_CHUNK at a time and PERF_MAP_MAX in all (a sparse
	 * file of 2^60 bytes must not become one allocation). */
	if (!s->perf_map_path ||
	    (fd = open(s->perf_map_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
		return false;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == s->perf_map_read ||
	    (st.st_size > s->perf_map_read && s->perf_map_read >= PERF_MAP_MAX) ||
	    !(f = fdopen(fd, "r"))) {
		close(fd);
		return false;
	}
	if (st.st_size < s->perf_map_read) {
		for (size_t i = 0; i < s->nperf; i++)
			free(s->perf[i].name);
		s->nperf = 0;
		s->perf_map_read = 0;
	}
	len = (size_t)MIN((uint64_t)(st.st_size - s->perf_map_read), PERF_MAP_CHUNK);
	text = xmalloc(len + 1);
	if (fseeko(f, s->perf_map_read, SEEK_SET) != 0)
		len = 0;
	len = fread(text, 1, len, f);
	fclose(f);
	text[len] = '\0';

	line = text;
	for (char *nl; (nl = memchr(line, '\n', len - (size_t)(line - text))) != NULL;
	     line = nl + 1) {
		*nl = '\0';
		perf_map_parse_line(s, line);
	}
	s->perf_map_read += (off_t)(line - text);
	free(text);
	/* qsort(NULL, 0, …) is undefined: a map with no complete line yet
	 * leaves s->perf NULL (found by tests/fuzz/fuzz_perf_map). */
	if (s->nperf)
		qsort(s->perf, s->nperf, sizeof *s->perf, cmp_perf);
	return true;
}

void symbolizer_tick(struct symbolizer *s, uint64_t now_ns)
{
	/* At most once a second, on the clock of the events: a stat() per
	 * cache miss would put a syscall in the sampling path. */
	if (s->perf_map_checked_ns && now_ns - s->perf_map_checked_ns < 1000000000ULL)
		return;
	s->perf_map_checked_ns = now_ns;
	/* Addresses that resolved to nothing before the new lines came must
	 * be looked up again. */
	if (perf_map_refresh(s))
		cache_reset(s, s->nslots);
}

static const struct perf_sym *perf_map_find(struct symbolizer *s, uint64_t addr)
{
	const struct perf_sym *best = NULL;
	size_t lo = 0, hi;

	hi = s->nperf;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->perf[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t steps = 0; lo > 0 && steps < PERF_MAP_STEPS; lo--, steps++) {
		const struct perf_sym *p = &s->perf[lo - 1];
		if (addr - p->start < p->size && (!best || p->seq > best->seq))
			best = p;
	}
	return best;
}

/* ---- resolving one address --------------------------------------------- */

static const char *map_module_name(const struct map *map)
{
	const char *slash;

	if (map->mod)
		return module_name(map->mod);
	if (map->kind == MAP_KIND_ANON || !map->path)
		return "[anon]";
	slash = strrchr(map->path, '/');
	return slash ? slash + 1 : map->path;
}

/* Fallback names: in a file, "module+0x<file offset>" as perf shows it; in
 * [vdso], [heap], [stack:N] and other named regions "[name]+0x<offset in
 * it>"; in anonymous memory (JIT code without a perf map) and outside any
 * mapping the absolute address "0x7f…" with module "[anon]" or "[unknown]",
 * since an offset into an anonymous region names nothing stable. */
static uint32_t resolve(struct symbolizer *s, uint64_t addr)
{
	char name[NAME_MAX_LEN], dem[NAME_MAX_LEN];
	const struct map *map = maps_find(s->maps, addr);
	const struct perf_sym *p;
	const char *sym;
	uint64_t off;

	if (map && map->mod) {
		sym = module_func_symbol(map->mod, addr - map->bias, &off);
		if (sym)
			return funcs_intern(s->funcs, symbols_demangle(sym, dem, sizeof dem),
					    module_name(map->mod));
	}
	if ((!map || map->kind != MAP_KIND_FILE || !map->mod) &&
	    (p = perf_map_find(s, addr)) != NULL)
		return funcs_intern(s->funcs, p->name, s->perf_map_module);

	if (!map) {
		snprintf(name, sizeof name, "0x%" PRIx64, addr);
		return funcs_intern(s->funcs, name, "[unknown]");
	}
	if (map->kind == MAP_KIND_ANON) {
		snprintf(name, sizeof name, "0x%" PRIx64, addr);
		return funcs_intern(s->funcs, name, "[anon]");
	}
	if (map->kind == MAP_KIND_FILE)
		off = addr - map->start + map->pgoff;
	else
		off = addr - map->start;
	snprintf(name, sizeof name, "%s+0x%" PRIx64, map_module_name(map), off);
	return funcs_intern(s->funcs, name, map_module_name(map));
}

static void cache_put(struct symbolizer *s, uint64_t addr, uint32_t id)
{
	size_t i = hash_u64(addr) & (s->nslots - 1);

	while (s->cache[i].id != EMPTY_ID)
		i = (i + 1) & (s->nslots - 1);
	s->cache[i].addr = addr;
	s->cache[i].id = id;
	s->n++;
}

static void cache_insert(struct symbolizer *s, uint64_t addr, uint32_t id)
{
	if (s->n + 1 > s->nslots / 2) {
		struct cache_entry *old = s->cache;
		size_t nold = s->nslots;

		if (nold / 2 >= CACHE_MAX_ENTRIES) {
			cache_reset(s, nold);
		} else {
			s->cache = NULL;
			cache_reset(s, nold * 2);
			for (size_t j = 0; j < nold; j++)
				if (old[j].id != EMPTY_ID)
					cache_put(s, old[j].addr, old[j].id);
			free(old);
		}
	}
	cache_put(s, addr, id);
}

uint32_t symbolizer_func(struct symbolizer *s, uint64_t addr)
{
	uint64_t gen = maps_generation(s->maps);
	uint32_t id;
	size_t i;

	if (gen != s->generation) {
		cache_reset(s, s->nslots);
		s->generation = gen;
	}
	i = hash_u64(addr) & (s->nslots - 1);
	for (; s->cache[i].id != EMPTY_ID; i = (i + 1) & (s->nslots - 1))
		if (s->cache[i].addr == addr)
			return s->cache[i].id;
	id = resolve(s, addr);
	cache_insert(s, addr, id);
	return id;
}

const char *symbolizer_data(struct symbolizer *s, uint64_t addr)
{
	char dem[NAME_MAX_LEN];
	const struct map *map = maps_find(s->maps, addr);
	const char *sym, *name;
	uint64_t off;

	if (!map || !map->mod)
		return NULL;
	sym = module_data_symbol(map->mod, addr - map->bias, &off);
	if (!sym)
		return NULL;
	name = symbols_demangle(sym, dem, sizeof dem);
	if (off)
		snprintf(s->data_name, sizeof s->data_name, "%s+0x%" PRIx64, name, off);
	else
		snprintf(s->data_name, sizeof s->data_name, "%s", name);
	return s->data_name;
}
