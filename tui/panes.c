/* The pane registry (see panes.h): the one list of panes, in tab order, and
 * what the table panes share: number formats, comparisons, drill kinds. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "panes.h"
#include "tui.h"
#include "../common/macros.h"

static const struct pane *const panes[] = {
	&pane_cpu,
	&pane_threads,
	&pane_alloc,
	&pane_io,
	&pane_locks,
};

const struct pane *const *panes_all(size_t *n)
{
	*n = ARRAY_SIZE(panes);
	return panes;
}

bool panes_col_shown(const struct app *a, const struct pane *p, int col)
{
	return !p->shown || p->shown(a, col);
}

enum theme_slot panes_share_slot(double pct)
{
	if (pct >= 10.0)
		return THEME_HOT;
	if (pct >= 1.0)
		return THEME_WARM;
	return pct > 0.0 ? THEME_NORMAL : THEME_COLD;
}

/* Panes whose Enter opens call sites of the row rather than a function. */
static const struct {
	const struct pane *pane;
	enum tui_drill drill;
} panes_drills[] = {
	{ &pane_locks, TUI_DRILL_LOCK },
	{ &pane_io, TUI_DRILL_FD },
};

enum tui_drill panes_drill_of(const struct pane *p)
{
	for (size_t i = 0; i < ARRAY_SIZE(panes_drills); i++)
		if (panes_drills[i].pane == p)
			return panes_drills[i].drill;
	return TUI_DRILL_NONE;
}

void panes_format_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns >= 1000000000ULL)
		snprintf(buf, len, "%.2f s", (double)ns / 1e9);
	else if (ns >= 1000000ULL)
		snprintf(buf, len, "%.1f ms", (double)ns / 1e6);
	else if (ns >= 1000ULL)
		snprintf(buf, len, "%.0f us", (double)ns / 1e3);
	else
		snprintf(buf, len, "%" PRIu64 " ns", ns);
}

int panes_cmp_u64(uint64_t x, uint64_t y)
{
	return (x > y) - (x < y);
}

int panes_cmp_double(double x, double y)
{
	return (x > y) - (x < y);
}

const char *panes_locks_mode(const struct model_target *t)
{
	if (!strcmp(t->locks_mode, "traced"))
		return "futex tracepoints";
	if (!strcmp(t->locks_mode, "sampled"))
		return "sampled from /proc (estimates)";
	return "off";
}

const char *panes_io_mode(const struct model_target *t)
{
	if (!strcmp(t->io_mode, "traced"))
		return "syscall tracepoints";
	if (!strcmp(t->io_mode, "counters"))
		return "procfs counters only";
	return "off";
}
