/* Fuzzes the /proc/PID/maps parser (analysis/maps.c): the whole text
 * through maps_load_text into an address space whose module cache serves
 * the vDSO (so "[vdso]" lines go through the bias code) and finds no file
 * (the root does not exist), then every line alone through
 * maps_parse_line and maps_entry_set_path as an MMAP2 record's name would,
 * and MMAP2-style maps_add of each parsed line over the loaded space.
 * Checks that the mappings stay sorted and disjoint and that lookups agree
 * with them. */
#include "config.h"

#include <stdbool.h>

#include "fuzz.h"
#include "analysis/maps.h"
#include "analysis/modules.h"

static void check_space(const struct maps *m)
{
	size_t n = maps_count(m);

	for (size_t i = 0; i < n; i++) {
		const struct map *a = maps_at(m, i);
		FUZZ_CHECK(a && a->start < a->end);
		if (i > 0)
			FUZZ_CHECK(maps_at(m, i - 1)->end <= a->start);
		FUZZ_CHECK(maps_find(m, a->start) == a);
		FUZZ_CHECK(maps_find(m, a->end - 1) == a);
		if (a->start > 0 && (i == 0 || maps_at(m, i - 1)->end < a->start))
			FUZZ_CHECK(maps_find(m, a->start - 1) == NULL);
	}
	FUZZ_CHECK(maps_at(m, n) == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct map_entry e;
	struct module_cache *mc = module_cache_new("/nonexistent-kprof-fuzz/debug");
	struct maps *m = maps_new(mc, "/nonexistent-kprof-fuzz");
	char *text = fuzz_cstr(data, size);

	maps_load_text(m, text);
	check_space(m);

	/* Line by line, as single lines and as MMAP2 names. */
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = fuzz_cstr((const uint8_t *)p, len);

		if (maps_parse_line(line, &e)) {
			FUZZ_CHECK(e.start < e.end);
			FUZZ_CHECK(strlen(e.path) < sizeof e.path);
			maps_add(m, &e);
			check_space(m);
		}
		if (maps_entry_set_path(&e, line, len))
			FUZZ_CHECK(strlen(e.path) <= len);
		free(line);
		if (!nl)
			break;
		p = nl + 1;
	}

	maps_free(m);
	module_cache_free(mc);
	free(text);
	return 0;
}
