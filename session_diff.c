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
#include "analysis/flame.h"
#include "analysis/model.h"
#include "analysis/snapshot_load.h"

/* Rows of the table: every verdict, then the biggest of the rest. */
#define SESSION_DIFF_ROWS 40

struct session_diff_job {
	const struct model *before, *after;
	struct flame_palette pal;
};

typedef int session_diff_fn(FILE *f, const struct session_diff_job *j);

static int session_diff_folded(FILE *f, const struct session_diff_job *j)
{
	return diff_folded(f, j->before, j->after);
}

static int session_diff_svg(FILE *f, const struct session_diff_job *j)
{
	return diff_svg(f, j->before, j->after, &j->pal);
}

/* Rendered in memory, then written whole or not at all (export_write). */
static int session_diff_file(const char *path, session_diff_fn *fn,
			     const struct session_diff_job *j)
{
	char *buf = NULL, err[512];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc = -1;

	if (f) {
		rc = fn(f, j);
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
	struct session_diff_job job;
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
	job.before = before;
	job.after = after;
	session_flame_palette(o, &job.pal);
	if (o->folded && session_diff_file(o->folded, session_diff_folded, &job) < 0)
		rc = 1;
	if (o->svg && session_diff_file(o->svg, session_diff_svg, &job) < 0)
		rc = 1;
	if (rc == 0 && o->fail_on_regression && regressions > 0)
		rc = 3;
	model_free(before);
	model_free(after);
	return rc;
}
