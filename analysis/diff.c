/* Before/after comparison (see diff.h).  Shares, not counts: two runs of
 * different length or rate compare by where the time went.  The z test
 * keeps a function that moved by a sample or two from being called a
 * regression: the change must be large against the sampling noise of the
 * two shares, as well as large relative to the share itself. */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "diff.h"
#include "export.h"
#include "flame.h"
#include "hotspots.h"
#include "model.h"
#include "../common/macros.h"
#include "../common/xalloc.h"

void diff_side_from_model(struct diff_side *s, const struct model *m, uint32_t window_secs)
{
	struct stack_count *counts;
	size_t n = timeline_window(m->timeline, window_secs, &counts);
	struct hotspot *hs;
	size_t nhs = hotspots_compute(m->stacks, counts, n, &hs, &s->samples);

	s->funcs = xcalloc(nhs ? nhs : 1, sizeof *s->funcs);
	s->n = nhs;
	for (size_t i = 0; i < nhs; i++) {
		const struct func *fn = funcs_get(m->funcs, hs[i].func);
		s->funcs[i] = (struct diff_func){ fn ? fn->name : "[unknown]",
						  fn ? fn->module : "[unknown]", hs[i].self, hs[i].total };
	}
	free(hs);
	free(counts);
}

void diff_side_fini(struct diff_side *s)
{
	free(s->funcs);
	memset(s, 0, sizeof *s);
}

const char *diff_verdict_name(enum diff_verdict v)
{
	static const char *const names[] = {
		[DIFF_SAME] = "", [DIFF_IMPROVED] = "IMPROVED",
		[DIFF_WARNING] = "WARNING", [DIFF_REGRESSION] = "REGRESSION",
	};
	return v <= DIFF_REGRESSION ? names[v] : "?";
}

static double share(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

enum diff_verdict diff_judge(uint64_t before_self, uint64_t before_n, uint64_t after_self,
			     uint64_t after_n, double *change, double *z)
{
	double p1 = before_n ? (double)before_self / (double)before_n : 0.0;
	double p2 = after_n ? (double)after_self / (double)after_n : 0.0;
	double pool, se;

	*change = p1 > 0 ? p2 / p1 - 1.0 : p2 > 0 ? INFINITY : 0.0;
	*z = 0.0;
	if (!before_n || !after_n)
		return DIFF_SAME;
	pool = (double)(before_self + after_self) / (double)(before_n + after_n);
	se = sqrt(pool * (1.0 - pool) * (1.0 / (double)before_n + 1.0 / (double)after_n));
	*z = se > 0 ? (p2 - p1) / se : 0.0;
	if (100.0 * p1 < DIFF_MIN_SHARE && 100.0 * p2 < DIFF_MIN_SHARE)
		return DIFF_SAME;
	if (fabs(*z) < DIFF_MIN_Z)
		return DIFF_SAME;
	if (*change > DIFF_REGRESSION_CHANGE)
		return DIFF_REGRESSION;
	if (*change > DIFF_WARNING_CHANGE)
		return DIFF_WARNING;
	if (*change < -DIFF_IMPROVED_CHANGE)
		return DIFF_IMPROVED;
	return DIFF_SAME;
}

static int func_by_name(const void *a, const void *b)
{
	return strcmp(((const struct diff_func *)a)->name, ((const struct diff_func *)b)->name);
}

static int row_order(const void *a, const void *b)
{
	const struct diff_row *x = a, *y = b;
	double dx = fabs(x->after_pct - x->before_pct), dy = fabs(y->after_pct - y->before_pct);

	if (x->verdict != y->verdict)
		return x->verdict == DIFF_SAME ? 1 : y->verdict == DIFF_SAME ? -1
		       : (int)y->verdict - (int)x->verdict;
	if (dx != dy)
		return dx < dy ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* One function's numbers on one side (a name seen twice, in two modules,
 * adds up: the comparison is by name). */
static void side_sum(const struct diff_func *v, size_t n, size_t *i, const char *name,
		     uint64_t *self, uint64_t *total, const char **module)
{
	for (; *i < n && strcmp(v[*i].name, name) == 0; (*i)++) {
		*self += v[*i].self;
		*total += v[*i].total;
		*module = v[*i].module;
	}
}

size_t diff_compare(const struct diff_side *before, const struct diff_side *after,
		    struct diff_row **out)
{
	struct diff_func *b = xmalloc((before->n + 1) * sizeof *b);
	struct diff_func *a = xmalloc((after->n + 1) * sizeof *a);
	struct diff_row *rows = xmalloc((before->n + after->n + 1) * sizeof *rows);
	size_t ib = 0, ia = 0, n = 0;

	memcpy(b, before->funcs, before->n * sizeof *b);
	memcpy(a, after->funcs, after->n * sizeof *a);
	qsort(b, before->n, sizeof *b, func_by_name);
	qsort(a, after->n, sizeof *a, func_by_name);
	while (ib < before->n || ia < after->n) {
		int c = ib == before->n ? 1 : ia == after->n ? -1 : strcmp(b[ib].name, a[ia].name);
		const char *name = c <= 0 ? b[ib].name : a[ia].name, *module = NULL;
		uint64_t bs = 0, bt = 0, as = 0, at = 0;
		struct diff_row *r = &rows[n++];

		side_sum(b, before->n, &ib, name, &bs, &bt, &module);
		side_sum(a, after->n, &ia, name, &as, &at, &module);
		*r = (struct diff_row){
			.name = name, .module = module, .before_self = bs, .after_self = as,
			.before_pct = share(bs, before->samples), .after_pct = share(as, after->samples),
			.before_total_pct = share(bt, before->samples),
			.after_total_pct = share(at, after->samples),
		};
		r->verdict = diff_judge(bs, before->samples, as, after->samples, &r->change, &r->z);
	}
	free(a);
	free(b);
	qsort(rows, n, sizeof *rows, row_order);
	*out = rows;
	return n;
}

static void diff_side_line(FILE *f, const char *label, const char *file, const struct model *m,
			   uint64_t samples)
{
	fprintf(f, "  %s %s: %s (pid %" PRIu32 "), %" PRIu64 " samples over %.1f s\n", label, file,
		m->target.command[0] ? m->target.command : "?", m->target.pid, samples,
		model_duration_s(m));
}

int diff_report(FILE *f, const struct model *before, const char *before_name,
		const struct model *after, const char *after_name, size_t max_rows,
		size_t *regressions)
{
	struct diff_side sb = { 0 }, sa = { 0 };
	struct diff_row *rows;
	size_t n, counts[DIFF_REGRESSION + 1] = { 0 }, shown = 0;

	diff_side_from_model(&sb, before, 0);
	diff_side_from_model(&sa, after, 0);
	n = diff_compare(&sb, &sa, &rows);
	for (size_t i = 0; i < n; i++)
		counts[rows[i].verdict]++;

	fprintf(f, "kprof-top diff: CPU self time by function, before -> after\n");
	diff_side_line(f, "before", before_name, before, sb.samples);
	diff_side_line(f, "after ", after_name, after, sa.samples);
	fprintf(f, "verdicts: %zu REGRESSION, %zu WARNING, %zu IMPROVED (self share up more than "
		"%.0f %% / %.0f %%, down more than %.0f %%; below %.1f %% or within %.0f standard "
		"errors is noise)\n\n", counts[DIFF_REGRESSION], counts[DIFF_WARNING],
		counts[DIFF_IMPROVED], 100 * DIFF_REGRESSION_CHANGE, 100 * DIFF_WARNING_CHANGE,
		100 * DIFF_IMPROVED_CHANGE, DIFF_MIN_SHARE, DIFF_MIN_Z);
	fprintf(f, "%-10s %8s %8s %9s %8s  %s\n", "VERDICT", "BEFORE", "AFTER", "DELTA", "CHANGE",
		"FUNCTION (MODULE)");
	for (size_t i = 0; i < n && shown < max_rows; i++) {
		const struct diff_row *r = &rows[i];
		char change[16];

		if (r->verdict == DIFF_SAME && r->before_pct < 0.05 && r->after_pct < 0.05)
			continue;
		if (isinf(r->change))
			snprintf(change, sizeof change, "new");
		else
			snprintf(change, sizeof change, "%+.0f %%", 100 * r->change);
		fprintf(f, "%-10s %6.2f %% %6.2f %% %+6.2f pt %8s  %s (%s)\n",
			diff_verdict_name(r->verdict), r->before_pct, r->after_pct,
			r->after_pct - r->before_pct, change, r->name, r->module ? r->module : "?");
		shown++;
	}
	if (n == 0)
		fputs("(no CPU samples on either side)\n", f);
	if (regressions)
		*regressions = counts[DIFF_REGRESSION];
	free(rows);
	diff_side_fini(&sb);
	diff_side_fini(&sa);
	return ferror(f) ? -1 : 0;
}

/* Folded lines of both sides, merged by their stack text: the folded
 * writer's own cleaning of names, so a stack matches itself exactly. */
struct folded_line {
	const char *stack;     /* into the rendered text */
	size_t len;
	uint64_t count[2];
};

static int line_cmp(const void *a, const void *b)
{
	const struct folded_line *x = a, *y = b;
	int c = memcmp(x->stack, y->stack, MIN(x->len, y->len));

	return c ? c : x->len < y->len ? -1 : x->len > y->len;
}

static size_t folded_parse(char *text, size_t len, int side, struct folded_line **v, size_t n,
			   size_t *cap)
{
	for (char *p = text, *end = text + len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *sp;

		if (!nl)
			nl = end;
		sp = memrchr(p, ' ', (size_t)(nl - p));
		if (sp) {
			if (n == *cap) {
				*cap = *cap ? 2 * *cap : 256;
				*v = xrealloc(*v, *cap * sizeof **v);
			}
			(*v)[n] = (struct folded_line){ p, (size_t)(sp - p), { 0, 0 } };
			(*v)[n++].count[side] = strtoull(sp + 1, NULL, 10);
		}
		p = nl + 1;
	}
	return n;
}

/* Both sides' stacks, one entry per distinct stack; *texts keeps the
 * rendered folded text the entries point into (free both).  -1 when a
 * side could not be rendered: a differential with one side missing would
 * look like everything changed. */
static ssize_t diff_stacks(const struct model *before, const struct model *after,
			   struct folded_line **out, char *texts[2])
{
	const struct model *side[2] = { before, after };
	struct folded_line *v = NULL;
	size_t n = 0, cap = 0, len, m = 0;

	texts[0] = texts[1] = NULL;
	*out = NULL;
	for (int s = 0; s < 2; s++) {
		if (export_render(export_folded, side[s], 0, &texts[s], &len) < 0) {
			free(v);
			free(texts[0]);
			texts[0] = NULL;
			return -1;
		}
		n = folded_parse(texts[s], len, s, &v, n, &cap);
	}
	if (n)
		qsort(v, n, sizeof *v, line_cmp);
	for (size_t i = 0; i < n; i++) {
		if (m && line_cmp(&v[m - 1], &v[i]) == 0) {
			v[m - 1].count[0] += v[i].count[0];
			v[m - 1].count[1] += v[i].count[1];
		} else {
			v[m++] = v[i];
		}
	}
	*out = v;
	return (ssize_t)m;
}

int diff_folded(FILE *f, const struct model *before, const struct model *after)
{
	struct folded_line *v;
	char *texts[2];
	ssize_t n = diff_stacks(before, after, &v, texts);

	if (n < 0)
		return -1;
	for (ssize_t i = 0; i < n; i++)
		fprintf(f, "%.*s %" PRIu64 " %" PRIu64 "\n", (int)v[i].len, v[i].stack,
			v[i].count[0], v[i].count[1]);
	free(v);
	free(texts[0]);
	free(texts[1]);
	return ferror(f) ? -1 : 0;
}

int diff_svg(FILE *f, const struct model *before, const struct model *after,
	     const struct flame_palette *pal)
{
	struct folded_line *v;
	char *texts[2], title[320];
	ssize_t n = diff_stacks(before, after, &v, texts);
	size_t maxf = 0;
	struct flame *fl;
	const char **frames = NULL;
	int rc;

	if (n < 0)
		return -1;
	fl = flame_new();
	for (ssize_t i = 0; i < n; i++) {
		size_t nf = 0;
		char *copy = xstrndup(v[i].stack, v[i].len), *save = NULL;

		for (char *tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
			if (nf == maxf) {
				maxf = maxf ? 2 * maxf : 64;
				frames = xrealloc(frames, maxf * sizeof *frames);
			}
			frames[nf++] = tok;
		}
		flame_add(fl, frames, nf, v[i].count[1], v[i].count[0]);
		free(copy);
	}
	snprintf(title, sizeof title, "Differential CPU flame graph: %.120s -> %.120s",
		 before->target.command[0] ? before->target.command : "before",
		 after->target.command[0] ? after->target.command : "after");
	rc = flame_write_svg(fl, f, &(struct flame_style){
		.title = title, .subtitle = "width: after; red grew, blue shrank (share of samples)",
		.unit = "samples", .differential = true, .palette = pal });
	flame_free(fl);
	free(frames);
	free(v);
	free(texts[0]);
	free(texts[1]);
	return rc < 0 || ferror(f) ? -1 : 0;
}
