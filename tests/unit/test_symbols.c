/* Unit tests for analysis/symbols.c: addresses in a synthesized address
 * space (fixture ELF files at made-up bases) to function names, the
 * fallbacks, the perf map, the vDSO, demangling and the per-address cache. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <time.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "analysis/funcs.h"
#include "analysis/maps.h"
#include "analysis/modules.h"
#include "analysis/symbols.h"
#include "elf_truth.h"

#define BASE UINT64_C(0x55d1c0ffe000)

struct fx {
	struct module_cache *mc;
	struct maps *maps;
	struct funcs *funcs;
	struct symbolizer *sym;
	char perf_map[64];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	int fd;

	snprintf(f->perf_map, sizeof f->perf_map, "/tmp/perf-kprof-test-XXXXXX");
	fd = mkstemp(f->perf_map);
	if (fd < 0)
		return -1;
	close(fd);
	f->mc = module_cache_new("/nonexistent-debug");
	f->maps = maps_new(f->mc, "");
	f->funcs = funcs_new();
	f->sym = symbolizer_new(f->maps, f->funcs, f->perf_map);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	symbolizer_free(f->sym);
	funcs_free(f->funcs);
	maps_free(f->maps);
	module_cache_free(f->mc);
	unlink(f->perf_map);
	free(f);
	return 0;
}

static const char *need(const char *name)
{
	const char *p = truth_fixture(name);

	if (!p) {
		print_message("fixture %s missing ($FIXTURES unset?): skipped\n", name);
		skip();
	}
	return p;
}

static uint64_t sym_value(const char *path, const char *name)
{
	struct truth t;
	uint64_t v = 0;

	assert_true(truth_open(&t, path));
	if (!truth_sym(&t, name, &v, NULL))
		fail_msg("%s has no symbol %s", path, name);
	truth_close(&t);
	return v;
}

/* Map path at base as the loader would, adding to what is there. */
static void map_file(struct fx *f, const char *path, uint64_t base)
{
	struct map_entry e;
	struct truth t;
	char *text, *line;

	assert_true(truth_open(&t, path));
	text = truth_maps_text(&t, base, path);
	truth_close(&t);
	for (line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		assert_true(maps_parse_line(line, &e));
		maps_add(f->maps, &e);
	}
	free(text);
}

static void add_line(struct fx *f, const char *line)
{
	struct map_entry e;

	assert_true(maps_parse_line(line, &e));
	maps_add(f->maps, &e);
}

static const struct func *lookup(struct fx *f, uint64_t addr)
{
	const struct func *fn = funcs_get(f->funcs, symbolizer_func(f->sym, addr));

	assert_non_null(fn);
	return fn;
}

static void assert_sym(struct fx *f, uint64_t addr, const char *name, const char *module)
{
	const struct func *fn = lookup(f, addr);

	if (strcmp(fn->name, name) != 0 || strcmp(fn->module, module) != 0)
		fail_msg("0x%" PRIx64 ": got %s in %s, expected %s in %s", addr,
			 fn->name, fn->module, name, module);
}

static void test_demangle(void **state)
{
	char buf[256];
	const char *plain = "main";

	assert_string_equal(symbols_demangle("_ZN3foo3barEv", buf, sizeof buf), "foo::bar()");
	assert_string_equal(symbols_demangle("_ZNSt6vectorIiSaIiEE9push_backERKi", buf, sizeof buf),
			    "std::vector<int, std::allocator<int> >::push_back(int const&)");
	/* Rust legacy: the hash goes. */
	assert_string_equal(symbols_demangle("_ZN4core3fmt5write17h0123456789abcdefE", buf,
					     sizeof buf), "core::fmt::write");
	/* Rust v0. */
	assert_string_equal(symbols_demangle("_RNvCs15kBYyAo9fc_7mycrate7example", buf,
					     sizeof buf), "mycrate::example");
	assert_ptr_equal(symbols_demangle(plain, buf, sizeof buf), plain);
	plain = "_Znot_really";
	assert_ptr_equal(symbols_demangle(plain, buf, sizeof buf), plain);
	assert_string_equal(symbols_demangle("_", buf, sizeof buf), "_");
	assert_string_equal(symbols_demangle("", buf, sizeof buf), "");
	/* Too long for the buffer: cut, still terminated. */
	assert_string_equal(symbols_demangle("_ZN3foo3barEv", buf, 5), "foo:");
}

static void test_pie_at_random_base(void **state)
{
	struct fx *f = *state;
	const char *path = need("symtest");
	uint64_t leaf = sym_value(path, "symtest_leaf"), a = sym_value(path, "symtest_gap_a");
	const struct map *map;
	char want[64];

	map_file(f, path, BASE);
	/* Every mapping of the module, r--p header included, has the bias. */
	for (size_t i = 0; i < maps_count(f->maps); i++) {
		assert_non_null(maps_at(f->maps, i)->mod);
		assert_int_equal(maps_at(f->maps, i)->bias, BASE);
	}
	assert_sym(f, BASE + leaf, "symtest_leaf", "symtest");
	assert_sym(f, BASE + leaf + 3, "symtest_leaf", "symtest");
	assert_sym(f, BASE + sym_value(path, "symtest_static") + 1, "symtest_static", "symtest");
	assert_sym(f, BASE + sym_value(path, "_ZN3foo3barEv"), "foo::bar()", "symtest");

	/* In the gap after symtest_gap_a: the file offset, as perf shows it. */
	map = maps_find(f->maps, BASE + a + 8);
	assert_non_null(map);
	snprintf(want, sizeof want, "symtest+0x%" PRIx64, BASE + a + 8 - map->start + map->pgoff);
	assert_sym(f, BASE + a + 8, want, "symtest");
}

static void test_fallbacks(void **state)
{
	struct fx *f = *state;

	add_line(f, "7f1000000000-7f1000004000 r-xp 00002000 08:01 7 /nonexistent/libfoo.so");
	add_line(f, "7f2000000000-7f2000004000 r-xp 00000000 08:01 7 /tmp/gone.so (deleted)");
	add_line(f, "7f3000000000-7f3000010000 r-xp 00000000 00:00 0");
	add_line(f, "560000000000-560000100000 rw-p 00000000 00:00 0   [heap]");
	add_line(f, "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]");

	assert_sym(f, 0x7f1000000010ULL, "libfoo.so+0x2010", "libfoo.so");
	assert_sym(f, 0x7f2000000100ULL, "gone.so+0x100", "gone.so");
	assert_null(maps_find(f->maps, 0x7f2000000100ULL)->mod);
	assert_sym(f, 0x7f3000000abcULL, "0x7f3000000abc", "[anon]");
	assert_sym(f, 0x560000000010ULL, "[heap]+0x10", "[heap]");
	assert_sym(f, 0xffffffffff600400ULL, "[vsyscall]+0x400", "[vsyscall]");
	assert_sym(f, 0x10, "0x10", "[unknown]");
	assert_sym(f, UINT64_MAX, "0xffffffffffffffff", "[unknown]");
}

/* Append to the perf map and let a second of event time pass, which is
 * when the symbolizer looks at the file again. */
static void append(struct fx *f, const char *text)
{
	static uint64_t now;
	FILE *fp = fopen(f->perf_map, "a");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	symbolizer_tick(f->sym, now += 1000000000ULL);
}

/* A mapping of a deleted file is read through map_files/START-END
 * (maps_set_map_files), as /proc/PID/map_files serves it: its symbols are
 * the mapped file's.  Without map_files it gets no module, since its path
 * names another file or none. */
static void test_deleted_through_map_files(void **state)
{
	struct fx *f = *state;
	const char *path = need("symtest");
	uint64_t leaf = sym_value(path, "symtest_leaf");
	char dir[] = "/tmp/kprof-test-mapfiles-XXXXXX", cmd[256], *text, *line, *nl;
	struct map_entry e;
	struct truth t;

	assert_non_null(mkdtemp(dir));
	assert_true(truth_open(&t, path));
	text = truth_maps_text(&t, BASE, "/nonexistent/gone/symtest (deleted)");
	truth_close(&t);
	for (line = text; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		assert_true(maps_parse_line(line, &e));
		assert_true(e.deleted);
		assert_string_equal(e.path, "/nonexistent/gone/symtest");
		snprintf(cmd, sizeof cmd, "cp '%s' '%s/%" PRIx64 "-%" PRIx64 "'", path, dir,
			 e.start, e.end);
		assert_int_equal(system(cmd), 0);
	}
	{
		struct module_cache *mc = module_cache_new("/nonexistent-debug");
		struct maps *m = maps_new(mc, "");
		maps_load_text(m, text);
		assert_null(maps_find(m, BASE + leaf)->mod);
		maps_free(m);
		module_cache_free(mc);
	}

	maps_set_map_files(f->maps, dir);
	maps_load_text(f->maps, text);
	assert_non_null(maps_find(f->maps, BASE + leaf)->mod);
	assert_int_equal(maps_find(f->maps, BASE + leaf)->bias, BASE);
	assert_sym(f, BASE + leaf, "symtest_leaf", "symtest");
	assert_sym(f, BASE + sym_value(path, "symtest_static") + 1, "symtest_static", "symtest");
	free(text);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_perf_map(void **state)
{
	struct fx *f = *state;
	const char *mod = strrchr(f->perf_map, '/') + 1;

	add_line(f, "7f3000000000-7f3000010000 r-xp 00000000 00:00 0");
	append(f, "7f3000001000 100 LazyCompile:*hot app.js:10\n"
			    "0x7f3000002000 0x20 _ZN3foo3barEv\n"
			    "garbage line\n"
			    "7f3000003000 0 zero_size_ignored\n");
	assert_sym(f, 0x7f3000001000ULL, "LazyCompile:*hot app.js:10", mod);
	assert_sym(f, 0x7f30000010ffULL, "LazyCompile:*hot app.js:10", mod);
	assert_sym(f, 0x7f3000001100ULL, "0x7f3000001100", "[anon]");
	assert_sym(f, 0x7f3000002010ULL, "foo::bar()", mod);
	assert_sym(f, 0x7f3000003000ULL, "0x7f3000003000", "[anon]");

	/* A JIT appends; a half-written line waits until it is whole, and
	 * later code at a reused address wins. */
	append(f, "7f3000004000 40 fresh");
	assert_sym(f, 0x7f3000004004ULL, "0x7f3000004004", "[anon]");
	append(f, "_code\n7f3000001000 10 recompiled\n");
	assert_sym(f, 0x7f3000004008ULL, "fresh_code", mod);
	/* Looked up (and cached) before its line was whole: named now. */
	assert_sym(f, 0x7f3000004004ULL, "fresh_code", mod);
	assert_sym(f, 0x7f3000001008ULL, "recompiled", mod);
	assert_sym(f, 0x7f3000001020ULL, "LazyCompile:*hot app.js:10", mod);
	/* Outside any mapping too (code the maps haven't caught up with). */
	append(f, "6000 10 early\n");
	assert_sym(f, 0x6004, "early", mod);
}

/* A perf map whose first line is still half-written holds no entry yet:
 * reading it once sorted a NULL array (qsort(NULL, 0), undefined; found
 * by tests/fuzz/fuzz_perf_map). */
static void test_perf_map_half_first_line(void **state)
{
	struct fx *f = *state;
	const char *mod = strrchr(f->perf_map, '/') + 1;

	append(f, "7f3000005000 40 half");
	assert_sym(f, 0x7f3000005000ULL, "0x7f3000005000", "[unknown]");
	append(f, "_done\n");
	assert_sym(f, 0x7f3000005010ULL, "half_done", mod);
}

/* The target writes its perf map, and may be hostile: a FIFO there must
 * not block the sampler thread, and a huge sparse file must not become one
 * huge allocation (it is read in bounded chunks, up to a total cap). */
static void test_perf_map_hostile(void **state)
{
	struct fx *f = *state;
	static uint64_t now = 1ULL << 40;
	int fd;

	unlink(f->perf_map);
	assert_int_equal(mkfifo(f->perf_map, 0600), 0);
	symbolizer_tick(f->sym, now += 1000000000ULL);   /* returns: no writer needed */
	assert_sym(f, 0x7f3000005000ULL, "0x7f3000005000", "[unknown]");
	unlink(f->perf_map);
	fd = open(f->perf_map, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)1 << 40), 0);   /* 1 TiB of holes */
	close(fd);
	for (int i = 0; i < 3; i++)
		symbolizer_tick(f->sym, now += 1000000000ULL);
	assert_sym(f, 0x7f3000005000ULL, "0x7f3000005000", "[unknown]");
}

static void test_vdso(void **state)
{
	struct fx *f = *state;
	char line[512];
	uint64_t start, end, value = 0;
	struct truth t;
	GElf_Phdr ph;

	if (!getauxval(AT_SYSINFO_EHDR) || !truth_vdso_line(line, sizeof line, &start, &end))
		skip();
	add_line(f, line);
	assert_true(truth_open_vdso(&t, (size_t)(end - start)));
	assert_true(truth_sym(&t, "__vdso_clock_gettime", &value, NULL));
	assert_true(truth_load(&t, 0, &ph));
	truth_close(&t);
	value += start - (ph.p_vaddr - ph.p_offset);
	assert_sym(f, value, "__vdso_clock_gettime", "[vdso]");
	assert_sym(f, value + 1, "__vdso_clock_gettime", "[vdso]");
}

static void test_data(void **state)
{
	struct fx *f = *state;
	const char *path = need("symtest");
	uint64_t g = BASE + sym_value(path, "g_ledger");

	map_file(f, path, BASE);
	assert_string_equal(symbolizer_data(f->sym, g), "g_ledger");
	assert_string_equal(symbolizer_data(f->sym, g + 0x10), "g_ledger+0x10");
	assert_null(symbolizer_data(f->sym, BASE + sym_value(path, "symtest_leaf")));
	assert_null(symbolizer_data(f->sym, 0x10));
}

static void test_cache(void **state)
{
	struct fx *f = *state;
	const char *exe = need("symtest"), *so = need("libsymtest.so");
	uint64_t leaf = BASE + sym_value(exe, "symtest_leaf");
	uint64_t so_static = sym_value(so, "symtest_static");
	uint32_t id, n;
	struct timespec t0, t1;
	double ns;

	map_file(f, exe, BASE);
	id = symbolizer_func(f->sym, leaf);
	n = funcs_count(f->funcs);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(symbolizer_func(f->sym, leaf), id);
	assert_int_equal(funcs_count(f->funcs), n);
	/* Many addresses: the cache grows and keeps its answers. */
	for (uint64_t a = 0; a < 20000; a++)
		(void)symbolizer_func(f->sym, 0x100000 + a);
	assert_int_equal(symbolizer_func(f->sym, leaf), id);
	assert_string_equal(funcs_get(f->funcs, id)->name, "symtest_leaf");

	/* Something else mapped over the region: the new mapping names it. */
	map_file(f, so, BASE + sym_value(exe, "symtest_leaf") - so_static);
	assert_sym(f, leaf, "symtest_static", "libsymtest.so");
	assert_int_not_equal(symbolizer_func(f->sym, leaf), id);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 1000000; i++)
		(void)symbolizer_func(f->sym, leaf + (uint64_t)(i & 7));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / 1e6;
	print_message("cached lookup: %.1f ns\n", ns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demangle),
		cmocka_unit_test_setup_teardown(test_pie_at_random_base, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fallbacks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_through_map_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_perf_map, setup, teardown),
		cmocka_unit_test_setup_teardown(test_perf_map_half_first_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_perf_map_hostile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vdso, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
