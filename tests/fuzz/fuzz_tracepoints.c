/* Fuzzes the tracefs format-file reader (sampler/tracepoints.c:
 * tracepoints_field) with the fields tracepoints_open asks for: "id",
 * "args" (sys_enter) and "ret" (sys_exit). */
#include "config.h"

#include "fuzz.h"
#include "sampler/tracepoints.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "id", "args", "ret", "common_pid" };
	char *text = fuzz_cstr(data, size);

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		unsigned off = 0, sz = 0;
		(void)tracepoints_field(text, names[i], &off, &sz);
	}
	free(text);
	return 0;
}
