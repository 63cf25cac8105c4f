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

struct pane_column {
	const char *title;
	int width;               /* 0: takes the width the others leave */
	bool right;              /* right-aligned (numbers) */
	bool asc;                /* sorts ascending first (names) */
};

struct pane {
	const char *name;        /* tab label */
	/* Set for a pane still to come: the one line it shows instead. */
	const char *placeholder;
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
	/* The function to drill into from row i, or -1. */
	int64_t (*func)(const struct app *a, size_t i);
	/* Whether column col is part of the table now (NULL: all are); a
	 * hidden column is neither drawn nor a sort choice. */
	bool (*shown)(const struct app *a, int col);
};

extern const struct pane pane_cpu, pane_threads, pane_alloc, pane_io, pane_locks;

/* Whether column col of p is shown in a's current mode. */
bool panes_col_shown(const struct app *a, const struct pane *p, int col);

/* Every pane, in tab order. */
const struct pane *const *panes_all(size_t *n);

/* A share as a colour: hot, warm or cold. */
enum theme_slot panes_share_slot(double pct);

#endif
