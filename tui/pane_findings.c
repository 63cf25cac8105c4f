/* The Findings pane: the bottlenecks analysis/findings.c names, most impact
 * first, with the selected one's evidence and recommendation below the
 * table.  Enter drills down where a finding has stacks: a lock into the
 * call sites that waited on it, anything else with a function (a hot
 * function, the code that writes small, keeps memory, or a pinned thread's
 * hottest function) into that function's callers and callees. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "panes.h"
#include "tui.h"

enum { COL_IMPACT, COL_SEVERITY, COL_RULE, COL_SUBJECT };

static const struct pane_column finding_cols[] = {
	[COL_IMPACT] = { "IMPACT", 7, true, false },
	[COL_SEVERITY] = { "SEVERITY", 9, false, true },
	[COL_RULE] = { "RULE", 14, false, true },
	[COL_SUBJECT] = { "SUBJECT", 0, false, true },
};

static const struct finding *finding_at(const struct app *a, size_t i)
{
	return &app_data(a)->findings[i];
}

static size_t findings_rows(const struct app *a)
{
	return app_data(a)->nfindings;
}

static bool findings_keep(struct app *a, size_t i)
{
	const struct finding *f = finding_at(a, i);

	return !a->filter || view_text_matches(a, f->subject) || view_text_matches(a, f->rule);
}

static int findings_cmp(const struct app *a, int col, size_t i, size_t j)
{
	const struct finding *x = finding_at(a, i), *y = finding_at(a, j);

	switch (col) {
	case COL_IMPACT:
		return panes_cmp_double(x->impact, y->impact);
	case COL_SEVERITY:
		return panes_cmp_u64(x->severity, y->severity);
	case COL_RULE:
		return strcmp(x->rule, y->rule);
	case COL_SUBJECT:
		return strcmp(x->subject, y->subject);
	}
	return 0;
}

static void findings_cell(const struct app *a, size_t i, int col, char *buf, size_t len,
			  enum theme_slot *slot)
{
	const struct finding *f = finding_at(a, i);

	*slot = THEME_NORMAL;
	switch (col) {
	case COL_IMPACT:
		snprintf(buf, len, "%.2f", f->impact);
		break;
	case COL_SEVERITY:
		snprintf(buf, len, "%s", findings_severity_name(f->severity));
		*slot = f->severity == FINDING_CRITICAL ? THEME_HOT : THEME_WARM;
		break;
	case COL_RULE:
		snprintf(buf, len, "%s", f->rule);
		break;
	case COL_SUBJECT:
		snprintf(buf, len, "%s", f->subject);
		break;
	}
}

/* Rule and subject: a finding keeps its row across copies while it holds. */
static uint64_t findings_id(const struct app *a, size_t i)
{
	const struct finding *f = finding_at(a, i);
	uint64_t h = 1469598103934665603ULL;   /* FNV-1a */

	for (const char *c = f->rule; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ULL;
	return (h ^ f->key) * 1099511628211ULL;
}

static const char *findings_label(const struct app *a, size_t i)
{
	return finding_at(a, i)->subject;
}

static int64_t findings_func(const struct app *a, size_t i)
{
	return finding_at(a, i)->func;
}

static enum tui_drill findings_drill_of(const struct app *a, size_t i, uint64_t *key)
{
	const struct finding *f = finding_at(a, i);

	*key = f->key;
	return f->kind == FINDING_LOCK ? TUI_DRILL_LOCK : TUI_DRILL_NONE;
}

static void findings_detail(const struct app *a, size_t i, char *buf, size_t len)
{
	const struct finding *f = finding_at(a, i);

	snprintf(buf, len, "%s\n%s %s", f->evidence, a->utf8 ? "\u2192" : "->", f->recommendation);
}

static void findings_empty(const struct app *a, char *buf, size_t len)
{
	snprintf(buf, len, "no findings: no rule fired (hot function > %.0f %%, lock waits > %.0f %%, "
		 "leak, small writes, lost samples, pinned thread)", FINDINGS_HOT_SELF_PCT,
		 FINDINGS_LOCK_WAIT_PCT);
}

const struct pane pane_findings = {
	.name = "Findings",
	.cols = finding_cols,
	.ncols = (int)ARRAY_SIZE(finding_cols),
	.sort_col = COL_IMPACT,
	.count = findings_rows,
	.keep = findings_keep,
	.cmp = findings_cmp,
	.cell = findings_cell,
	.id = findings_id,
	.label = findings_label,
	.func = findings_func,
	.drill_of = findings_drill_of,
	.detail = findings_detail,
	.empty = findings_empty,
};
