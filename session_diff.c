/* --diff BEFORE AFTER: two saved snapshots compared function by function
 * (analysis/diff.c), the table on stdout, the differential folded stacks
 * and SVG where --folded and --svg say. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "options.h"
#include "session.h"
#include "analysis/diff.h"
#include "analysis/export.h"
#include "analysis/model.h"
#include "analysis/snapshot_load.h"

/* Rows of the table: every verdict, then the biggest of the rest. */
#define SESSION_DIFF_ROWS 40

typedef int diff_fn(FILE *f, const struct model *before, const struct model *after);

/* Rendered in memory, then written whole or not at all (export_write). */
static int session_diff_file(const char *path, diff_fn *fn, const struct model *before,
			     const struct model *after)
{
	char *buf = NULL, err[512];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc = -1;

	if (f) {
		rc = fn(f, before, after);
		if (fclose(f) != 0)
			rc = -1;
	}
	if (rc == 0 && export_write(path, buf, len, err, sizeof err) < 0) {
		fprintf(stderr, "kprof-top: %s\n", err);
		rc = -1;
	} else if (rc != 0) {
		fprintf(stderr, "kprof-top: cannot render %s: out of memory\n", path);
	}
	free(buf);
	return rc;
}

int session_diff(const struct options *o)
{
	struct model *before, *after = NULL;
	size_t regressions = 0;
	char err[512];
	int rc = 0;

	before = snapshot_load(o->diff_before, err, sizeof err);
	if (before)
		after = snapshot_load(o->diff_after, err, sizeof err);
	if (!before || !after) {
		fprintf(stderr, "kprof-top: %s\n", err);
		if (before)
			model_free(before);
		return 2;
	}
	if (diff_report(stdout, before, o->diff_before, after, o->diff_after, SESSION_DIFF_ROWS,
			&regressions) < 0 || fflush(stdout) != 0)
		rc = 1;
	if (o->folded && session_diff_file(o->folded, diff_folded, before, after) < 0)
		rc = 1;
	if (o->svg && session_diff_file(o->svg, diff_svg, before, after) < 0)
		rc = 1;
	if (rc == 0 && o->fail_on_regression && regressions > 0)
		rc = 3;
	model_free(before);
	model_free(after);
	return rc;
}
