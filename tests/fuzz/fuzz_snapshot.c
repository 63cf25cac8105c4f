/* Fuzzes the snapshot loader (analysis/snapshot_load.c) over the input as a
 * snapshot file: it must load or say why in one line, and a model it loads
 * must go through the report and the JSON writer, and that JSON must load
 * again (what --load writes, --load reads). */
#include "config.h"

#include <stdio.h>

#include "fuzz.h"
#include "analysis/export.h"
#include "analysis/model.h"
#include "analysis/snapshot_load.h"

static char *fuzz_render(export_fn *fn, const struct model *m, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (!f)
		abort();
	FUZZ_CHECK(fn(f, m, 0) == 0);
	fclose(f);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Exactly size bytes, no terminator: the loader must not need one. */
	char *buf = malloc(size ? size : 1), err[512], *text;
	struct model *m, *again;
	size_t len;

	if (!buf)
		abort();
	if (size)
		memcpy(buf, data, size);
	err[0] = '\0';
	m = snapshot_load_buf(buf, size, "fuzz", err, sizeof err);
	free(buf);
	if (!m) {
		FUZZ_CHECK(err[0] != '\0' && !strchr(err, '\n'));
		return 0;
	}
	free(fuzz_render(export_report, m, &len));
	text = fuzz_render(export_json, m, &len);
	again = snapshot_load_buf(text, len, "fuzz-again", err, sizeof err);
	FUZZ_CHECK(again != NULL);
	model_free(again);
	free(text);
	model_free(m);
	return 0;
}
