/* Fuzzes the theme file reader (tui/theme_file.c: theme_parse) over the
 * input as a file (fmemopen), as theme_load reads one: every slot it sets
 * must hold colours curses accepts. */
#include "config.h"

#include <stdio.h>

#include "fuzz.h"
#include "tui/theme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct theme t;
	char err[256];
	char *buf;
	FILE *f;

	if (size == 0)
		return 0;   /* fmemopen of nothing is EINVAL on older glibc */
	buf = fuzz_cstr(data, size);
	f = fmemopen(buf, size, "r");
	if (!f)
		abort();
	err[0] = '\0';
	if (theme_parse(&t, f, "fuzz", err, sizeof err) == 0) {
		for (int i = 0; i < THEME_NSLOTS; i++) {
			FUZZ_CHECK(t.slot[i].fg >= -1 && t.slot[i].fg <= 255);
			FUZZ_CHECK(t.slot[i].bg >= -1 && t.slot[i].bg <= 255);
		}
	} else {
		FUZZ_CHECK(err[0] != '\0');
	}
	fclose(f);
	free(buf);
	return 0;
}
