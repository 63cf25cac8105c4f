/* Unit tests for the allocator uprobes' pure parts: finding libc in a maps
 * text, symbol → file offset (against this test's own libc, checked by
 * reading the bytes there back through our own mapping), the PMU format
 * file, and where a probe is placed on the first instructions. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <cmocka.h>

#include "sampler/proc.h"
#include "sampler/uprobes.h"

static void test_libc_from_maps(void **state)
{
	char path[256];
	const char *maps =
		"55d0c0a00000-55d0c0a02000 r--p 00000000 08:01 123  /usr/bin/cat\n"
		"7f0000000000-7f0000020000 r--p 00000000 08:01 77   /usr/lib/x86_64-linux-gnu/libcap.so.2\n"
		"7f0000100000-7f0000126000 r--p 00000000 08:01 78   /usr/lib/x86_64-linux-gnu/libc.so.6\n"
		"7f0000126000-7f000027c000 r-xp 00026000 08:01 78   /usr/lib/x86_64-linux-gnu/libc.so.6\n";

	assert_true(uprobes_libc_from_maps(maps, path, sizeof path));
	assert_string_equal(path, "/usr/lib/x86_64-linux-gnu/libc.so.6");
	/* Older glibc names the file by version. */
	assert_true(uprobes_libc_from_maps("7f0-7f1 r-xp 00000000 08:01 1 /lib/libc-2.31.so", path,
					   sizeof path));
	assert_string_equal(path, "/lib/libc-2.31.so");
	/* A static binary: no libc; libcap and libcrypt are not it. */
	assert_false(uprobes_libc_from_maps("400000-401000 r-xp 0 08:01 1 /bin/busybox\n"
					    "7f0-7f1 r--p 0 08:01 2 /lib/libcap.so.2\n"
					    "7f2-7f3 r--p 0 08:01 3 /lib/libcrypt.so.1\n", path, sizeof path));
	assert_false(uprobes_libc_from_maps("", path, sizeof path));
}

/* Our own libc, by the same route the sampler takes for a target. */
static bool own_libc(char *path, size_t len)
{
	char *maps = proc_read_file("/proc/self/maps", NULL);
	bool ok = maps && uprobes_libc_from_maps(maps, path, len);

	free(maps);
	return ok;
}

/* Our copy of 16 bytes at file offset off of path, from its mapping. */
static bool mapped_at(const char *path, uint64_t off, uint8_t out[16])
{
	char *maps = proc_read_file("/proc/self/maps", NULL), *line, *save = NULL;
	bool ok = false;

	for (line = maps ? strtok_r(maps, "\n", &save) : NULL; line && !ok;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long start, end, pgoff;
		char perms[8];
		const char *p = strchr(line, '/');

		if (!p || strcmp(p, path) != 0 ||
		    sscanf(line, "%llx-%llx %7s %llx", &start, &end, perms, &pgoff) != 4 ||
		    perms[0] != 'r' || off < pgoff || off + 16 > pgoff + (end - start))
			continue;
		memcpy(out, (const void *)(uintptr_t)(start + off - pgoff), 16);
		ok = true;
	}
	free(maps);
	return ok;
}

static void test_symbol_offset(void **state)
{
	char path[4096];
	uint64_t off = 0, off2 = 0;
	uint8_t file[16], mem[16];
	int fd;

	if (!own_libc(path, sizeof path))
		skip();
	assert_int_equal(uprobes_symbol_offset(path, "malloc", &off), 0);
	assert_true(off > 0);
	/* The file's bytes at that offset are the ones libc's mapping of that
	 * offset holds in memory: the vaddr → offset conversion is right. */
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, file, sizeof file, (off_t)off), (ssize_t)sizeof file);
	close(fd);
	assert_true(mapped_at(path, off, mem));
	assert_memory_equal(file, mem, sizeof file);
	assert_int_equal(uprobes_symbol_offset(path, "free", &off2), 0);
	assert_true(off2 != off);
	assert_int_equal(uprobes_symbol_offset(path, "no_such_symbol_here", &off), -ENOENT);
	assert_true(uprobes_symbol_offset("/nonexistent/libc.so.6", "malloc", &off) < 0);
	/* Not an ELF file. */
	assert_true(uprobes_symbol_offset("/proc/self/status", "malloc", &off) < 0);
}

static void test_find_self(void **state)
{
	struct uprobes u;
	char err[256] = "";
	size_t entries = 0, returns = 0, frees = 0;

	if (access("/sys/bus/event_source/devices/uprobe/type", R_OK) != 0)
		skip();
	assert_int_equal(uprobes_find(&u, getpid(), err, sizeof err), 0);
	assert_non_null(strstr(u.path, "/root/"));
	for (size_t i = 0; i < u.n; i++) {
		entries += u.probe[i].kind == EVENT_ALLOC_CALL;
		returns += u.probe[i].retprobe;
		frees += u.probe[i].kind == EVENT_FREE;
		/* Every return probe has its entry at the same place. */
		if (u.probe[i].retprobe)
			assert_int_equal(u.probe[i].offset, u.probe[i - 1].offset);
	}
	/* malloc, calloc, realloc and one of aligned_alloc/memalign; free and
	 * realloc's old block. */
	assert_true(entries >= 3);
	assert_int_equal(entries, returns);
	assert_int_equal(frees, 2);
	assert_int_equal(uprobes_find(&u, 0x7ffffff0, err, sizeof err) < 0, 1);
	assert_true(err[0] != '\0');
}

static void test_parse_format(void **state)
{
	assert_int_equal(uprobes_parse_format("config:0\n"), 0);
	assert_int_equal(uprobes_parse_format("config:63"), 63);
	assert_int_equal(uprobes_parse_format("config1:0"), -1);
	assert_int_equal(uprobes_parse_format("config:64"), -1);
	assert_int_equal(uprobes_parse_format(NULL), -1);
}

static void test_emulated_at(void **state)
{
	static const uint8_t push_r12[] = { 0x41, 0x54, 0x55 };
	static const uint8_t endbr[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x55 };
	static const uint8_t push_rbp[] = { 0x55, 0x48, 0x89, 0xe5 };
	/* glibc 2.36 free: test %rdi,%rdi; je rel32 */
	static const uint8_t free_[] = { 0x48, 0x85, 0xff, 0x0f, 0x84, 0xbf, 0, 0, 0, 0x55 };
	/* glibc 2.36 memalign: cmpb $0,disp(%rip); je rel8 */
	static const uint8_t memalign_[] = { 0x80, 0x3d, 0x71, 0x0e, 0x14, 0x00, 0x00, 0x74, 0x07 };
	/* posix_memalign: the cmpb is followed by a push (emulated too). */
	static const uint8_t pm[] = { 0x80, 0x3d, 0x01, 0x02, 0x14, 0x00, 0x00, 0x41, 0x54 };
	/* mov %rdi,%rax: stepped, and nothing to skip to. */
	static const uint8_t mov[] = { 0x48, 0x89, 0xf8, 0x55 };
	/* test followed by a mov: skipping would not help. */
	static const uint8_t test_mov[] = { 0x48, 0x85, 0xff, 0x48, 0x89, 0xf8 };

	assert_int_equal(uprobes_emulated_at(push_r12, sizeof push_r12), 0);
	assert_int_equal(uprobes_emulated_at(endbr, sizeof endbr), 0);
	assert_int_equal(uprobes_emulated_at(push_rbp, sizeof push_rbp), 0);
	assert_int_equal(uprobes_emulated_at(free_, sizeof free_), 3);
	assert_int_equal(uprobes_emulated_at(memalign_, sizeof memalign_), 7);
	assert_int_equal(uprobes_emulated_at(pm, sizeof pm), 7);
	assert_int_equal(uprobes_emulated_at(mov, sizeof mov), -1);
	assert_int_equal(uprobes_emulated_at(test_mov, sizeof test_mov), -1);
	/* Truncated reads never overrun. */
	assert_int_equal(uprobes_emulated_at(free_, 4), -1);
	assert_int_equal(uprobes_emulated_at(endbr, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libc_from_maps),
		cmocka_unit_test(test_symbol_offset),
		cmocka_unit_test(test_find_self),
		cmocka_unit_test(test_parse_format),
		cmocka_unit_test(test_emulated_at),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
