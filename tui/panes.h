/* The pane registry: each pane is a const table of functions (what its rows
 * are, how they filter, sort and read) and panes.c lists every pane once.
 * Adding a pane touches that one array. */
#ifndef KPROF_TUI_PANES_H
#define KPROF_TUI_PANES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "theme.h"

struct app;

/* What Enter on a row opens: the callers and callees of a function (the
 * pane's func hook says which), or the call stacks of the row itself, its
 * id the key: a lock's waits (weighted by wait ns), an fd's I/O (bytes),
 * an allocation site's memory (live, allocated or touched bytes). */
enum tui_drill {
	TUI_DRILL_NONE,
	TUI_DRILL_LOCK,           /* key: the futex address */
	TUI_DRILL_FD,             /* key: the fd row's key (struct tui_fd) */
	TUI_DRILL_ALLOC,          /* key: the site row's key (struct tui_alloc) */
};

struct pane_column {
	const char *title;
	int width;               /* 0: takes the width the others leave */
	bool right;              /* right-aligned (numbers) */
	bool asc;                /* sorts ascending first (names) */
};

struct pane {
	const char *name;        /* tab label */
	const struct pane_column *cols;
	int ncols;
	int sort_col;            /* default sort */
	/* Rows in the source (before filter and sort). */
	size_t (*count)(const struct app *a);
	/* Whether source row i passes the filter. */
	bool (*keep)(struct app *a, size_t i);
	/* Order of source rows i and j by column col, ascending. */
	int (*cmp)(const struct app *a, int col, size_t i, size_t j);
	/* Text of a cell into buf, and the colour slot it is drawn in. */
	void (*cell)(const struct app *a, size_t i, int col, char *buf, size_t len,
		     enum theme_slot *slot);
	uint64_t (*id)(const struct app *a, size_t i);       /* stays with the row */
	const char *(*label)(const struct app *a, size_t i); /* what / searches */
	/* The function to drill into from row i, or -1 (with drill NONE). */
	int64_t (*func)(const struct app *a, size_t i);
	/* Not NONE: Enter opens the call stacks of the row (id is the key). */
	enum tui_drill drill;
	/* Where rows differ (NULL: drill for all): the call stacks row i opens
	 * and their key, or NONE for the func hook's drill-down. */
	enum tui_drill (*drill_of)(const struct app *a, size_t i, uint64_t *key);
	/* More about row i than its cells, shown under the table for the
	 * selected row ('\n' starts a line; NULL: none). */
	void (*detail)(const struct app *a, size_t i, char *buf, size_t len);
	/* Whether column col is part of the table now (NULL: all are); a
	 * hidden column is neither drawn nor a sort choice. */
	bool (*shown)(const struct app *a, int col);
	/* Why the table is empty before any filter (NULL: "no samples in
	 * this window yet"). */
	void (*empty)(const struct app *a, char *buf, size_t len);
};

extern const struct pane pane_cpu, pane_threads, pane_alloc, pane_io, pane_locks,
	pane_findings;

/* Whether column col of p is shown in a's current mode. */
bool panes_col_shown(const struct app *a, const struct pane *p, int col);

/* Every pane, in tab order. */
const struct pane *const *panes_all(size_t *n);

/* A share as a colour: hot, warm or cold. */
enum theme_slot panes_share_slot(double pct);

#endif
