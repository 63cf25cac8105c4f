/* Unit tests for analysis/modules.c: loading fixture ELF files built by
 * `make check` (tests/fixtures/symtest.c), bounded symbol lookup, separate
 * debug files by build-id and debuglink, bias, file reads, the vDSO, and
 * modules keyed by inode (replaced and deleted files). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <cmocka.h>

#include "analysis/modules.h"
#include "elf_truth.h"

/* A fixture path, or skip the test when the fixtures aren't built. */
static const char *need(const char *name)
{
	const char *p = truth_fixture(name);

	if (!p) {
		print_message("fixture %s missing ($FIXTURES unset?): skipped\n", name);
		skip();
	}
	return p;
}

static uint64_t sym_value(const char *path, const char *name, uint64_t *size)
{
	struct truth t;
	uint64_t v = 0;

	assert_true(truth_open(&t, path));
	if (!truth_sym(&t, name, &v, size))
		fail_msg("%s has no symbol %s", path, name);
	truth_close(&t);
	return v;
}

static void assert_func(struct module *m, uint64_t vaddr, const char *name, uint64_t off)
{
	uint64_t o = 12345;
	const char *got = module_func_symbol(m, vaddr, &o);

	if (!name) {
		if (got)
			fail_msg("0x%" PRIx64 " resolved to %s, expected nothing", vaddr, got);
		return;
	}
	if (!got)
		fail_msg("0x%" PRIx64 " did not resolve, expected %s", vaddr, name);
	assert_string_equal(got, name);
	assert_int_equal(o, off);
}

static void test_symtab_lookup(void **state)
{
	const char *path = need("symtest");
	struct module_cache *mc = module_cache_new("/nonexistent-debug");
	struct module *m = module_cache_get(mc, "", path);
	uint64_t leaf, leaf_size, st, cxx;

	assert_non_null(m);
	assert_string_equal(module_name(m), "symtest");
	assert_string_equal(module_path(m), path);
	assert_ptr_equal(module_cache_get(mc, "", path), m);

	leaf = sym_value(path, "symtest_leaf", &leaf_size);
	assert_func(m, leaf, "symtest_leaf", 0);    /* not its weak alias */
	assert_func(m, leaf + leaf_size - 1, "symtest_leaf", leaf_size - 1);
	st = sym_value(path, "symtest_static", NULL);
	assert_func(m, st + 1, "symtest_static", 1);
	cxx = sym_value(path, "_ZN3foo3barEv", NULL);
	assert_func(m, cxx, "_ZN3foo3barEv", 0);
	assert_false(module_has_debug_file(m));
	assert_func(m, 0, NULL, 0);
	assert_func(m, UINT64_MAX, NULL, 0);
	module_cache_free(mc);
}

static void test_bounded_lookup(void **state)
{
	const char *path = need("symtest");
	struct module_cache *mc = module_cache_new("");
	struct module *m = module_cache_get(mc, "", path);
	uint64_t a, a_size, b, ns;

	a = sym_value(path, "symtest_gap_a", &a_size);
	b = sym_value(path, "symtest_gap_b", NULL);
	assert_true(b - (a + a_size) >= 64);
	assert_func(m, a, "symtest_gap_a", 0);
	/* The gap belongs to nobody, least of all the function before it. */
	for (uint64_t x = a + a_size; x < b; x++)
		assert_func(m, x, NULL, 0);
	assert_func(m, b, "symtest_gap_b", 0);

	/* A symbol without a size names its own address only. */
	ns = sym_value(path, "symtest_nosize", NULL);
	assert_func(m, ns, "symtest_nosize", 0);
	assert_func(m, ns + 1, NULL, 0);
	module_cache_free(mc);
}

static void test_data_symbols(void **state)
{
	const char *path = need("symtest");
	struct module_cache *mc = module_cache_new("");
	struct module *m = module_cache_get(mc, "", path);
	uint64_t g = sym_value(path, "g_ledger", NULL), off = 0;

	assert_string_equal(module_data_symbol(m, g, &off), "g_ledger");
	assert_int_equal(off, 0);
	assert_string_equal(module_data_symbol(m, g + 40, &off), "g_ledger");
	assert_int_equal(off, 40);
	assert_null(module_data_symbol(m, g - 1, &off));  /* padding */
	assert_null(module_data_symbol(m, sym_value(path, "symtest_leaf", NULL), &off));
	assert_null(module_func_symbol(m, g, &off));
	module_cache_free(mc);
}

static void test_build_id_and_sections(void **state)
{
	const char *path = need("symtest"), *stripped = need("symtest-stripped");
	struct module_cache *mc = module_cache_new("");
	struct module *m = module_cache_get(mc, "", path);
	struct module *s = module_cache_get(mc, "", stripped);
	uint64_t addr, size, va, sz;
	const void *data;
	size_t dsize;
	struct truth t;

	assert_non_null(module_build_id(m));
	assert_int_equal(strlen(module_build_id(m)), 40);
	assert_int_equal(strspn(module_build_id(m), "0123456789abcdef"), 40);
	assert_string_equal(module_build_id(m), module_build_id(s));

	assert_true(truth_open(&t, path));
	assert_true(truth_section(&t, ".eh_frame_hdr", &addr, &size));
	assert_true(module_eh_frame_hdr(m, &va, &sz));
	assert_int_equal(va, addr);
	assert_int_equal(sz, size);
	assert_true(truth_section(&t, ".eh_frame", &addr, &size));
	assert_true(module_section(m, ".eh_frame", &va, &data, &dsize));
	assert_int_equal(va, addr);
	assert_int_equal(dsize, size);
	assert_false(module_section(m, ".bss", &va, &data, &dsize));
	assert_false(module_section(m, ".no-such", &va, &data, &dsize));
	truth_close(&t);
	module_cache_free(mc);
}

static void test_read(void **state)
{
	const char *path = need("symtest");
	struct module_cache *mc = module_cache_new("");
	struct module *m = module_cache_get(mc, "", path);
	uint64_t leaf = sym_value(path, "symtest_leaf", NULL);
	uint64_t bss = sym_value(path, "s_counter", NULL);
	unsigned char want[16], got[16];
	struct truth t;
	GElf_Phdr ph;
	bool found = false;
	int fd;

	assert_true(truth_open(&t, path));
	for (size_t i = 0; truth_load(&t, i, &ph); i++) {
		if (leaf < ph.p_vaddr || leaf >= ph.p_vaddr + ph.p_filesz)
			continue;
		fd = open(path, O_RDONLY);
		assert_int_equal(pread(fd, want, sizeof want,
				       (off_t)(leaf - ph.p_vaddr + ph.p_offset)), sizeof want);
		close(fd);
		found = true;
	}
	truth_close(&t);
	assert_true(found);
	assert_true(module_read(m, leaf, got, sizeof got));
	assert_memory_equal(got, want, sizeof want);
	/* .bss has no bytes in the file. */
	assert_false(module_read(m, bss, got, 4));
	assert_false(module_read(m, 0x7fffffff0000ULL, got, 4));
	module_cache_free(mc);
}

static void test_bias(void **state)
{
	const char *path = need("symtest");
	struct module_cache *mc = module_cache_new("");
	struct module *m = module_cache_get(mc, "", path);
	const uint64_t base = 0x55d1c0ffe000ULL;
	struct truth t;
	GElf_Phdr ph;
	size_t n = 0;

	assert_true(truth_open(&t, path));
	/* Every PT_LOAD's mapping, r--p header page included, fits the one
	 * bias; where the page alone decides, module_bias finds it. */
	for (size_t i = 0; truth_load(&t, i, &ph); i++, n++) {
		uint64_t start = base + (ph.p_vaddr & ~0xfffULL), pgoff = ph.p_offset & ~0xfffULL;
		uint64_t bias = 0;
		assert_true(module_bias_fits(m, start, pgoff, base));
		assert_false(module_bias_fits(m, start + 0x10000, pgoff, base));
		assert_true(module_bias(m, start, pgoff, &bias));
		if (i == 0)
			assert_int_equal(bias, base);
	}
	assert_false(module_bias(m, base, 0x100000, &(uint64_t){ 0 }));
	truth_close(&t);
	assert_true(n >= 2);
	module_cache_free(mc);
}

static void test_shared_object_versions(void **state)
{
	const char *path = need("libsymtest.so");
	struct module_cache *mc = module_cache_new("");
	struct module *m = module_cache_get(mc, "", path);

	assert_non_null(m);
	assert_string_equal(module_name(m), "libsymtest.so");
	/* "symtest_versioned@@VERS_2" and "…@VERS_1", suffixes stripped. */
	assert_func(m, sym_value(path, "symtest_versioned_new", NULL), "symtest_versioned", 0);
	assert_func(m, sym_value(path, "symtest_versioned_old", NULL), "symtest_versioned", 0);
	assert_func(m, sym_value(path, "symtest_static", NULL), "symtest_static", 0);
	module_cache_free(mc);
}

static void test_dynsym_only(void **state)
{
	const char *full = need("libsymtest.so"), *path = need("libsymtest-stripped.so");
	struct module_cache *mc = module_cache_new("/nonexistent-debug");
	struct module *m = module_cache_get(mc, "", path);
	uint64_t leaf = sym_value(path, "symtest_leaf", NULL);

	assert_non_null(m);
	assert_func(m, leaf + 2, "symtest_leaf", 2);
	/* Static functions aren't in .dynsym: nothing, not a neighbour. */
	assert_func(m, sym_value(full, "symtest_static", NULL), NULL, 0);
	module_cache_free(mc);
}

static char *make_tmpdir(void)
{
	char *d = strdup("/tmp/kprof-test-modules-XXXXXX");

	assert_non_null(mkdtemp(d));
	return d;
}

static void remove_tree(const char *dir)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_debug_by_build_id(void **state)
{
	const char *path = need("symtest-stripped"), *dbg = need("symtest.debug");
	const char *full = need("symtest");
	char *root = make_tmpdir(), link[PATH_MAX + 64], dir[PATH_MAX];
	struct module_cache *mc;
	struct module *m;
	const char *id;

	/* Without the debug file: no static function. */
	mc = module_cache_new(root);
	m = module_cache_get(mc, "", path);
	assert_non_null(m);
	assert_func(m, sym_value(full, "symtest_static", NULL), NULL, 0);
	assert_false(module_has_debug_file(m));
	id = module_build_id(m);
	assert_non_null(id);
	snprintf(dir, sizeof dir, "%s/.build-id", root);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(dir, sizeof dir, "%s/.build-id/%.2s", root, id);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(link, sizeof link, "%s/%s.debug", dir, id + 2);
	assert_int_equal(symlink(dbg, link), 0);
	module_cache_free(mc);

	mc = module_cache_new(root);
	m = module_cache_get(mc, "", path);
	assert_func(m, sym_value(full, "symtest_static", NULL) + 3, "symtest_static", 3);
	assert_func(m, sym_value(full, "symtest_leaf", NULL), "symtest_leaf", 0);
	assert_string_equal(module_data_symbol(m, sym_value(full, "g_ledger", NULL), NULL),
			    "g_ledger");
	assert_true(module_has_debug_file(m));
	module_cache_free(mc);
	remove_tree(root);
	free(root);
}

static void test_debug_by_debuglink(void **state)
{
	const char *path = need("symtest-linked"), *full = need("symtest");
	char *empty = make_tmpdir(), *root = make_tmpdir(), file[PATH_MAX];
	struct module_cache *mc = module_cache_new(empty);
	struct module *m = module_cache_get(mc, "", path);

	/* symtest.debug sits beside symtest-linked. */
	assert_func(m, sym_value(full, "symtest_static", NULL), "symtest_static", 0);
	assert_true(module_has_debug_file(m));

	/* Under a root: the module and its debug file both come from there. */
	snprintf(file, sizeof file, "%s/symtest-linked", root);
	assert_int_equal(symlink(path, file), 0);
	m = module_cache_get(mc, root, "/symtest-linked");
	assert_non_null(m);
	assert_string_equal(module_path(m), "/symtest-linked");
	assert_func(m, sym_value(full, "symtest_static", NULL), NULL, 0);
	module_cache_free(mc);

	mc = module_cache_new(empty);
	snprintf(file, sizeof file, "%s/symtest.debug", root);
	assert_int_equal(symlink(need("symtest.debug"), file), 0);
	m = module_cache_get(mc, root, "/symtest-linked");
	assert_func(m, sym_value(full, "symtest_static", NULL), "symtest_static", 0);
	module_cache_free(mc);
	remove_tree(root);
	remove_tree(empty);
	free(root);
	free(empty);
}

/* cp src dst, through a temporary and rename(): dst gets a new inode, as
 * when a library is rebuilt or a package upgraded. */
static void install_file(const char *src, const char *dst)
{
	char tmp[PATH_MAX + 8], buf[65536];
	FILE *in = fopen(src, "rb"), *out;
	size_t n;

	snprintf(tmp, sizeof tmp, "%s.new", dst);
	out = fopen(tmp, "wb");
	assert_non_null(in);
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(rename(tmp, dst), 0);
}

static struct module_file file_id(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (struct module_file){ .maj = major(st.st_dev), .min = minor(st.st_dev),
				     .ino = st.st_ino };
}

/* A library rebuilt at the same path and mapped again is another image:
 * the cache keys on the inode, not the path alone. */
static void test_keyed_by_inode(void **state)
{
	const char *one = need("symtest"), *two = need("libsymtest.so");
	char *dir = make_tmpdir(), path[PATH_MAX], alt[PATH_MAX];
	struct module_cache *mc = module_cache_new("");
	struct module_file a, b;
	struct module *ma, *mb;

	snprintf(path, sizeof path, "%s/libx.so", dir);
	install_file(one, path);
	a = file_id(path);
	ma = module_cache_get_file(mc, "", path, &a);
	assert_non_null(ma);
	assert_func(ma, sym_value(one, "symtest_static", NULL), "symtest_static", 0);

	install_file(two, path);
	b = file_id(path);
	assert_true(a.ino != b.ino);    /* ma keeps the old inode alive */
	mb = module_cache_get_file(mc, "", path, &b);
	assert_non_null(mb);
	assert_ptr_not_equal(ma, mb);
	assert_string_equal(module_path(ma), module_path(mb));
	/* Two images, told apart by their build-ids. */
	assert_non_null(module_build_id(ma));
	assert_non_null(module_build_id(mb));
	assert_string_not_equal(module_build_id(ma), module_build_id(mb));
	/* The old mapping still gets the old image. */
	assert_ptr_equal(module_cache_get_file(mc, "", path, &a), ma);
	module_cache_free(mc);

	/* A fresh cache, the old inode: the path names another file now, so
	 * the mapped one is read from alt_path (map_files). */
	mc = module_cache_new("");
	snprintf(alt, sizeof alt, "%s/1000-2000", dir);
	a.alt_path = alt;
	/* Not there (a stale range): NULL, and not remembered... */
	assert_null(module_cache_get_file(mc, "", path, &a));
	install_file(one, alt);
	/* ...so the next mapping of the file finds it. */
	ma = module_cache_get_file(mc, "", path, &a);
	assert_non_null(ma);
	assert_func(ma, sym_value(one, "symtest_static", NULL), "symtest_static", 0);
	assert_string_equal(module_path(ma), path);
	assert_string_equal(module_name(ma), "libx.so");

	/* Deleted: the path is never read, even when something is there. */
	b.deleted = true;
	b.alt_path = NULL;
	assert_null(module_cache_get_file(mc, "", path, &b));
	/* Without alt_path, a live file at the path is still taken (the best
	 * there is without map_files), and ino 0 means unknown: the path. */
	b = file_id(path);
	b.ino++;
	assert_non_null(module_cache_get_file(mc, "", path, &b));
	b.ino = 0;
	assert_non_null(module_cache_get_file(mc, "", path, &b));
	module_cache_free(mc);
	remove_tree(dir);
	free(dir);
}

static void test_negative_cache(void **state)
{
	struct module_cache *mc = module_cache_new("");
	char path[] = "/tmp/kprof-test-notelf-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hello, not an ELF file\n", 23), 23);
	close(fd);
	assert_null(module_cache_get(mc, "", "/nonexistent/libnope.so"));
	assert_null(module_cache_get(mc, "", "/nonexistent/libnope.so"));
	assert_null(module_cache_get(mc, "", path));
	assert_null(module_cache_get(mc, "", "/dev/null"));
	assert_null(module_cache_get(mc, "", "/"));
	assert_null(module_cache_get(mc, "", "[heap]"));
	unlink(path);
	/* Remembered: gone from disk, still the same answer. */
	assert_null(module_cache_get(mc, "", path));
	/* Many entries: the table grows and keeps answering. */
	for (int i = 0; i < 300; i++) {
		char p[64];
		snprintf(p, sizeof p, "/nonexistent/lib%d.so", i);
		assert_null(module_cache_get(mc, "", p));
	}
	module_cache_free(mc);
}

static void test_vdso(void **state)
{
	struct module_cache *mc = module_cache_new("");
	struct module *m = module_cache_get(mc, "/proc/1/root", "[vdso]");
	char line[512];
	uint64_t start, end, value = 0, bias = 0;
	struct truth t;
	unsigned char b[4];

	if (!getauxval(AT_SYSINFO_EHDR))
		skip();
	assert_non_null(m);
	assert_string_equal(module_name(m), "[vdso]");
	assert_ptr_equal(module_cache_get(mc, "", "[vdso]"), m);
	assert_true(truth_vdso_line(line, sizeof line, &start, &end));
	assert_true(truth_open_vdso(&t, (size_t)(end - start)));
	assert_true(truth_sym(&t, "__vdso_clock_gettime", &value, NULL));
	truth_close(&t);
	/* The GLOBAL name, not its WEAK alias clock_gettime. */
	assert_func(m, value, "__vdso_clock_gettime", 0);
	assert_true(module_bias(m, start, 0, &bias));
	assert_true(module_read(m, value, b, sizeof b));
	assert_memory_equal(b, (const void *)(value + bias), sizeof b);
	module_cache_free(mc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_symtab_lookup),
		cmocka_unit_test(test_bounded_lookup),
		cmocka_unit_test(test_data_symbols),
		cmocka_unit_test(test_build_id_and_sections),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_bias),
		cmocka_unit_test(test_shared_object_versions),
		cmocka_unit_test(test_dynsym_only),
		cmocka_unit_test(test_debug_by_build_id),
		cmocka_unit_test(test_debug_by_debuglink),
		cmocka_unit_test(test_keyed_by_inode),
		cmocka_unit_test(test_negative_cache),
		cmocka_unit_test(test_vdso),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
