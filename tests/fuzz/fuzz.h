/* Helpers shared by the libFuzzer harnesses in tests/fuzz/: each harness
 * feeds one parser of outside input (see tests/fuzz/Makefile.inc).  Inputs
 * are copied into buffers of exactly their size, so ASan sees any read
 * past the end the parser would make on real data. */
#ifndef KPROF_FUZZ_H
#define KPROF_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a NUL-terminated string of exactly size + 1 bytes (free it). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Fail loudly on a broken invariant: libFuzzer reports it as a crash. */
#define FUZZ_CHECK(cond) do { if (!(cond)) { __builtin_trap(); } } while (0)

#endif
