/* The pane registry (see panes.h): the one list of panes, in tab order. */
#include "config.h"

#include "panes.h"
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
