/* Unit tests for analysis/maps.c: parsing /proc/PID/maps lines, and the
 * address space (overlap replacement, lookup, generation). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "analysis/maps.h"
#include "analysis/modules.h"

static void test_parse_file(void **state)
{
	struct map_entry e;

	assert_true(maps_parse_line("55d4a0a00000-55d4a0a02000 r-xp 00001000 fd:01 1234567"
				    "                   /usr/bin/cat\n", &e));
	assert_int_equal(e.start, 0x55d4a0a00000ULL);
	assert_int_equal(e.end, 0x55d4a0a02000ULL);
	assert_int_equal(e.pgoff, 0x1000);
	assert_int_equal(e.prot, PROT_READ | PROT_EXEC);
	assert_false(e.shared);
	assert_int_equal(e.maj, 0xfd);
	assert_int_equal(e.min, 1);
	assert_int_equal(e.ino, 1234567);
	assert_int_equal(e.kind, MAP_KIND_FILE);
	assert_false(e.deleted);
	assert_string_equal(e.path, "/usr/bin/cat");
}

static void test_parse_shared_rw_no_newline(void **state)
{
	struct map_entry e;

	assert_true(maps_parse_line("7f0000000000-7f0000001000 rw-s 00000000 00:05 99 /dev/shm/x", &e));
	assert_int_equal(e.prot, PROT_READ | PROT_WRITE);
	assert_true(e.shared);
	assert_string_equal(e.path, "/dev/shm/x");
}

static void test_parse_spaces_and_deleted(void **state)
{
	struct map_entry e;

	assert_true(maps_parse_line("7f1000-7f2000 r--p 00000000 08:01 5 /tmp/my dir/lib  two.so\n", &e));
	assert_string_equal(e.path, "/tmp/my dir/lib  two.so");
	assert_false(e.deleted);

	assert_true(maps_parse_line("7f1000-7f2000 r-xp 00000000 08:01 5 /tmp/a b.so (deleted)\n", &e));
	assert_true(e.deleted);
	assert_int_equal(e.kind, MAP_KIND_FILE);
	assert_string_equal(e.path, "/tmp/a b.so");

	/* Only a suffix counts. */
	assert_true(maps_parse_line("7f1000-7f2000 r-xp 00000000 08:01 5 /tmp/x (deleted).so", &e));
	assert_false(e.deleted);
	assert_string_equal(e.path, "/tmp/x (deleted).so");
}

static void test_parse_anonymous(void **state)
{
	struct map_entry e;

	assert_true(maps_parse_line("7f0000000000-7f0000021000 rw-p 00000000 00:00 0", &e));
	assert_int_equal(e.kind, MAP_KIND_ANON);
	assert_string_equal(e.path, "");
	assert_true(maps_parse_line("7f0000000000-7f0000021000 rw-p 00000000 00:00 0          \n", &e));
	assert_int_equal(e.kind, MAP_KIND_ANON);
	assert_string_equal(e.path, "");
}

static void test_parse_special(void **state)
{
	static const struct {
		const char *line;
		enum map_kind kind;
		const char *path;
	} cases[] = {
		{ "5555-6666 rw-p 00000000 00:00 0   [heap]", MAP_KIND_HEAP, "[heap]" },
		{ "7ffd0000-7ffe0000 rw-p 00000000 00:00 0   [stack]\n", MAP_KIND_STACK, "[stack]" },
		{ "7ffd0000-7ffe0000 rw-p 00000000 00:00 0   [stack:123]", MAP_KIND_STACK, "[stack:123]" },
		{ "7fff1000-7fff3000 r-xp 00000000 00:00 0   [vdso]", MAP_KIND_VDSO, "[vdso]" },
		{ "7fff0000-7fff1000 r--p 00000000 00:00 0   [vvar]", MAP_KIND_SPECIAL, "[vvar]" },
		{ "7f00-8f00 rw-p 00000000 00:00 0   [anon:libc_malloc]", MAP_KIND_SPECIAL, "[anon:libc_malloc]" },
		{ "7f00-8f00 rw-s 00000000 00:0e 12   anon_inode:[perf_event]", MAP_KIND_SPECIAL, "anon_inode:[perf_event]" },
	};
	struct map_entry e;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_true(maps_parse_line(cases[i].line, &e));
		assert_int_equal(e.kind, cases[i].kind);
		assert_string_equal(e.path, cases[i].path);
	}
}

static void test_parse_huge_addresses(void **state)
{
	struct map_entry e;

	assert_true(maps_parse_line("ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0"
				    "                  [vsyscall]\n", &e));
	assert_int_equal(e.start, 0xffffffffff600000ULL);
	assert_int_equal(e.end, 0xffffffffff601000ULL);
	assert_int_equal(e.prot, PROT_EXEC);
	assert_int_equal(e.kind, MAP_KIND_SPECIAL);
	assert_string_equal(e.path, "[vsyscall]");
}

static void test_parse_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"\n",
		"garbage",
		"1000-2000",
		"1000-2000 r--p",
		"1000-2000 r--p 00000000 08:01",
		"1000-2000 r--p 00000000 0801 5 /x",
		"1000 r--p 00000000 08:01 5 /x",
		"2000-1000 r--p 00000000 08:01 5 /x",          /* end below start */
		"1000-1000 r--p 00000000 08:01 5 /x",          /* empty */
		"1000-2000 rzxp 00000000 08:01 5 /x",
		"1000-2000 r--q 00000000 08:01 5 /x",
		"1000-2000 r--p 0000zz00 08:01 5 /x",
		"1000-2000 r--p 00000000 08:01 5x /x",
		"1000-2000 r--p 00000000 08:01 -5 /x",
		"10000000000000000-20000000000000000 r--p 00000000 08:01 5 /x",  /* > 64 bits */
		"-2000 r--p 00000000 08:01 5 /x",
	};
	struct map_entry e;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (maps_parse_line(bad[i], &e))
			fail_msg("accepted malformed line %zu: \"%s\"", i, bad[i]);
	}
}

static void test_set_path(void **state)
{
	struct map_entry e;
	const char *p = "//anon";

	memset(&e, 0, sizeof e);
	assert_true(maps_entry_set_path(&e, p, strlen(p)));
	assert_int_equal(e.kind, MAP_KIND_ANON);
	assert_string_equal(e.path, "");
	p = "/memfd:jit (deleted)";
	assert_true(maps_entry_set_path(&e, p, strlen(p)));
	assert_int_equal(e.kind, MAP_KIND_FILE);
	assert_true(e.deleted);
	assert_string_equal(e.path, "/memfd:jit");
}

static const char sample_maps[] =
	"1000-3000 r--p 00000000 08:01 7 /bin/prog\n"
	"3000-5000 r-xp 00002000 08:01 7 /bin/prog\n"
	"this line is broken\n"
	"8000-9000 rw-p 00000000 00:00 0          [heap]\n"
	"7f0000000000-7f0000004000 r-xp 00000000 08:01 9 /lib/libc.so.6\n"
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]";

static void test_load_and_find(void **state)
{
	struct maps *m = maps_new(NULL, "");
	const struct map *map;

	maps_load_text(m, sample_maps);
	assert_int_equal(maps_count(m), 5);
	for (size_t i = 1; i < maps_count(m); i++)
		assert_true(maps_at(m, i - 1)->end <= maps_at(m, i)->start);

	assert_null(maps_find(m, 0));
	assert_null(maps_find(m, 0xfff));
	map = maps_find(m, 0x1000);
	assert_non_null(map);
	assert_string_equal(map->path, "/bin/prog");
	assert_int_equal(map->pgoff, 0);
	map = maps_find(m, 0x2fff);
	assert_int_equal(map->start, 0x1000);
	map = maps_find(m, 0x3000);
	assert_int_equal(map->start, 0x3000);
	assert_int_equal(map->pgoff, 0x2000);
	assert_int_equal(map->prot, PROT_READ | PROT_EXEC);
	assert_null(map->mod);          /* no module cache */
	assert_null(maps_find(m, 0x5000));
	assert_null(maps_find(m, 0x7fff));
	assert_int_equal(maps_find(m, 0x8abc)->kind, MAP_KIND_HEAP);
	assert_string_equal(maps_find(m, 0x7f0000003fffULL)->path, "/lib/libc.so.6");
	assert_null(maps_find(m, 0x7f0000004000ULL));
	assert_int_equal(maps_find(m, 0xffffffffff600123ULL)->kind, MAP_KIND_SPECIAL);
	assert_null(maps_find(m, UINT64_MAX));

	/* Loading again replaces everything. */
	maps_load_text(m, "a000-b000 r-xp 00000000 00:00 0\n");
	assert_int_equal(maps_count(m), 1);
	assert_null(maps_find(m, 0x1000));
	assert_null(maps_find(m, 0xa000)->path);
	maps_free(m);
}

static struct map_entry entry(uint64_t start, uint64_t end, uint64_t pgoff, const char *path)
{
	struct map_entry e;

	memset(&e, 0, sizeof e);
	e.start = start;
	e.end = end;
	e.pgoff = pgoff;
	e.prot = PROT_READ | PROT_EXEC;
	assert_true(maps_entry_set_path(&e, path, strlen(path)));
	return e;
}

static void test_add_splits_one(void **state)
{
	struct maps *m = maps_new(NULL, "");
	struct map_entry e = entry(0x1000, 0x5000, 0x10000, "/old");

	maps_add(m, &e);
	e = entry(0x2000, 0x3000, 0, "/new");
	maps_add(m, &e);
	assert_int_equal(maps_count(m), 3);
	assert_int_equal(maps_at(m, 0)->start, 0x1000);
	assert_int_equal(maps_at(m, 0)->end, 0x2000);
	assert_int_equal(maps_at(m, 0)->pgoff, 0x10000);
	assert_string_equal(maps_at(m, 0)->path, "/old");
	assert_string_equal(maps_at(m, 1)->path, "/new");
	assert_int_equal(maps_at(m, 2)->start, 0x3000);
	assert_int_equal(maps_at(m, 2)->end, 0x5000);
	assert_int_equal(maps_at(m, 2)->pgoff, 0x12000);
	assert_string_equal(maps_at(m, 2)->path, "/old");
	assert_ptr_not_equal(maps_at(m, 0)->path, maps_at(m, 2)->path);
	maps_free(m);
}

static void test_add_replaces_many(void **state)
{
	struct maps *m = maps_new(NULL, "");
	struct map_entry e;

	for (uint64_t a = 0x1000; a < 0x5000; a += 0x1000) {
		e = entry(a, a + 0x1000, 0, a == 0x3000 ? "" : "/f");
		maps_add(m, &e);
	}
	assert_int_equal(maps_count(m), 4);
	e = entry(0x1800, 0x3800, 0, "/new");
	maps_add(m, &e);
	assert_int_equal(maps_count(m), 4);
	assert_int_equal(maps_at(m, 0)->end, 0x1800);
	assert_int_equal(maps_at(m, 1)->start, 0x1800);
	assert_int_equal(maps_at(m, 1)->end, 0x3800);
	assert_int_equal(maps_at(m, 2)->start, 0x3800);
	assert_int_equal(maps_at(m, 2)->pgoff, 0x800);
	assert_null(maps_at(m, 2)->path);
	assert_int_equal(maps_at(m, 2)->kind, MAP_KIND_ANON);
	assert_int_equal(maps_at(m, 3)->start, 0x4000);
	assert_string_equal(maps_find(m, 0x2000)->path, "/new");

	/* Exactly over an existing one, and over everything. */
	e = entry(0x1800, 0x3800, 0, "/newer");
	maps_add(m, &e);
	assert_int_equal(maps_count(m), 4);
	assert_string_equal(maps_find(m, 0x37ff)->path, "/newer");
	e = entry(0x0, 0x10000, 0, "/all");
	maps_add(m, &e);
	assert_int_equal(maps_count(m), 1);
	assert_string_equal(maps_find(m, 0x4500)->path, "/all");

	/* Empty ranges change nothing. */
	e = entry(0x2000, 0x3000, 0, "/x");
	e.end = e.start;
	maps_add(m, &e);
	assert_int_equal(maps_count(m), 1);
	maps_free(m);
}

static void test_add_adjacent_keeps_neighbours(void **state)
{
	struct maps *m = maps_new(NULL, "");
	struct map_entry e = entry(0x1000, 0x2000, 0, "/a");

	maps_add(m, &e);
	e = entry(0x3000, 0x4000, 0, "/c");
	maps_add(m, &e);
	e = entry(0x2000, 0x3000, 0, "/b");
	maps_add(m, &e);
	assert_int_equal(maps_count(m), 3);
	assert_string_equal(maps_find(m, 0x1fff)->path, "/a");
	assert_string_equal(maps_find(m, 0x2000)->path, "/b");
	assert_string_equal(maps_find(m, 0x3000)->path, "/c");
	maps_free(m);
}

static void test_generation(void **state)
{
	struct maps *m = maps_new(NULL, "");
	struct map_entry e = entry(0x1000, 0x2000, 0, "/a");
	uint64_t g = maps_generation(m);

	maps_add(m, &e);
	assert_true(maps_generation(m) > g);
	g = maps_generation(m);
	maps_load_text(m, sample_maps);
	assert_true(maps_generation(m) > g);
	g = maps_generation(m);
	(void)maps_find(m, 0x1000);
	assert_int_equal(maps_generation(m), g);
	/* Anonymous data (malloc's mmaps) over data: caches keyed on code stay. */
	struct map_entry anon = entry(0x7e0000000000, 0x7e0000100000, 0, "");
	anon.prot = PROT_READ | PROT_WRITE;
	maps_add(m, &anon);
	maps_add(m, &anon);
	assert_int_equal(maps_generation(m), g);
	assert_non_null(maps_find(m, 0x7e0000000000));
	/* An identical re-map of code (a JIT's mprotect) leaves them too. */
	struct map_entry same = entry(0x3000, 0x5000, 0x2000, "/bin/prog");
	maps_add(m, &same);
	g = maps_generation(m);
	maps_add(m, &same);
	assert_int_equal(maps_generation(m), g);
	/* …but anything replacing code flushes them. */
	struct map_entry over = entry(0x3000, 0x4000, 0, "");
	over.prot = PROT_READ | PROT_WRITE;
	maps_add(m, &over);
	assert_true(maps_generation(m) > g);
	g = maps_generation(m);
	maps_clear(m);
	assert_true(maps_generation(m) > g);
	assert_int_equal(maps_count(m), 0);
	assert_null(maps_find(m, 0x1000));
	maps_free(m);
}

/* A deleted file's path names another file or none: with no map_files to
 * read the mapped one from, the mapping keeps its place and name but gets
 * no module (no wrong symbols), whatever is at the path. */
static void test_deleted_gets_no_module_without_map_files(void **state)
{
	struct module_cache *mc = module_cache_new("");
	struct maps *m = maps_new(mc, "");
	struct map_entry e;
	const struct map *map;

	assert_true(maps_parse_line("7f1000-7f3000 r-xp 00000000 08:01 5 /bin/sh (deleted)\n", &e));
	assert_true(e.deleted);
	maps_add(m, &e);
	map = maps_find(m, 0x7f1000);
	assert_non_null(map);
	assert_string_equal(map->path, "/bin/sh");
	assert_int_equal(map->kind, MAP_KIND_FILE);
	assert_null(map->mod);
	/* A map_files directory without that range: still none. */
	maps_set_map_files(m, "/nonexistent/map_files");
	maps_add(m, &e);
	assert_null(maps_find(m, 0x7f1000)->mod);
	maps_free(m);
	module_cache_free(mc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_file),
		cmocka_unit_test(test_parse_shared_rw_no_newline),
		cmocka_unit_test(test_parse_spaces_and_deleted),
		cmocka_unit_test(test_parse_anonymous),
		cmocka_unit_test(test_parse_special),
		cmocka_unit_test(test_parse_huge_addresses),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_set_path),
		cmocka_unit_test(test_load_and_find),
		cmocka_unit_test(test_add_splits_one),
		cmocka_unit_test(test_add_replaces_many),
		cmocka_unit_test(test_add_adjacent_keeps_neighbours),
		cmocka_unit_test(test_generation),
		cmocka_unit_test(test_deleted_gets_no_module_without_map_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
