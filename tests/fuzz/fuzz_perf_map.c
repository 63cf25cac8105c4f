/* Fuzzes the JIT perf map reader (analysis/symbols.c): the input is
 * /tmp/perf-PID.map, written to a memfd in two parts as a JIT appends to
 * it (the reader must keep a half-written line for later), then
 * rewritten shorter (it must start over).  Each time, the symbolizer is
 * asked about the start, the last byte and the end of every entry, in an
 * address space of anonymous JIT memory, a heap and an unloadable file. */
#define _GNU_SOURCE
#include "config.h"

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "analysis/funcs.h"
#include "analysis/maps.h"
#include "analysis/symbols.h"

static const char maps_text[] =
	"00400000-00401000 r-xp 00000000 08:01 1234 /nonexistent-kprof-fuzz/bin\n"
	"01000000-02000000 rw-p 00000000 00:00 0 [heap]\n"
	"7f0000000000-7f0100000000 rwxp 00000000 00:00 0\n";

static void ask(struct symbolizer *s, struct funcs *f, const char *text)
{
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		char *end;
		uint64_t start = strtoull(p, &end, 16), size = strtoull(end, NULL, 16);
		uint64_t addrs[3] = { start, start + size - 1, start + size };

		for (int i = 0; i < 3; i++) {
			const struct func *fn = funcs_get(f, symbolizer_func(s, addrs[i]));
			FUZZ_CHECK(fn != NULL);
		}
		(void)symbolizer_data(s, start);
		if (!nl)
			break;
		p = nl + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct maps *maps = maps_new(NULL, "");
	struct funcs *funcs = funcs_new();
	struct symbolizer *s;
	size_t half = size / 2;
	char path[64], *text = fuzz_cstr(data, size);
	int fd = memfd_create("kprof-fuzz-perf-map", MFD_CLOEXEC);

	if (fd < 0)
		abort();
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	maps_load_text(maps, maps_text);
	s = symbolizer_new(maps, funcs, path);

	/* Appended in two parts. */
	if (half && write(fd, data, half) != (ssize_t)half)
		abort();
	symbolizer_tick(s, 1000000000ULL);
	ask(s, funcs, text);
	if (size - half && write(fd, data + half, size - half) != (ssize_t)(size - half))
		abort();
	symbolizer_tick(s, 3000000000ULL);
	ask(s, funcs, text);
	/* Rewritten shorter: the second part alone. */
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data + half, size - half / 2 - half, 0) < 0)
		abort();
	symbolizer_tick(s, 5000000000ULL);
	ask(s, funcs, text);

	symbolizer_free(s);
	funcs_free(funcs);
	maps_free(maps);
	close(fd);
	free(text);
	return 0;
}
