/* The I/O pane: one row per file descriptor (per file it named: an fd
 * reopened on another file is another row), live rates since the previous
 * refresh beside its totals, and Enter for the call stacks doing its I/O.
 * Closed rows stay, dimmed.  The per-thread numbers sit above the tabs
 * (header.c), since they are a handful of lines, not a table to browse. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "panes.h"
#include "tui.h"
#include "../analysis/usage.h"

enum { COL_READ, COL_WRITE, COL_CALLS, COL_MEAN, COL_TIME, COL_TOTAL, COL_SINCE, COL_FD, COL_NAME };

static const struct pane_column io_cols[] = {
	[COL_READ] = { "READ/s", 9, true, false },
	[COL_WRITE] = { "WRITE/s", 9, true, false },
	[COL_CALLS] = { "CALLS/s", 8, true, false },
	[COL_MEAN] = { "B/CALL", 8, true, false },
	[COL_TIME] = { "TIME IN", 9, true, false },
	[COL_TOTAL] = { "TOTAL", 9, true, false },
	[COL_SINCE] = { "SINCE b", 9, true, false },
	[COL_FD] = { "FD", 5, true, true },
	[COL_NAME] = { "FILE", 0, false, true },
};

static const struct tui_fd *fd_at(const struct app *a, size_t i)
{
	return &app_data(a)->fds[i];
}

static uint64_t fd_bytes(const struct io_fd *f)
{
	return f->read_bytes + f->write_bytes;
}

static uint64_t fd_calls(const struct io_fd *f)
{
	return f->reads + f->writes;
}

static uint64_t fd_mean(const struct io_fd *f)
{
	return fd_calls(f) ? fd_bytes(f) / fd_calls(f) : 0;
}

static size_t io_rows(const struct app *a)
{
	return app_data(a)->nfds;
}

static bool io_keep(struct app *a, size_t i)
{
	return !a->filter || view_text_matches(a, fd_at(a, i)->info.name);
}

/* Rates order rows without rates (first sight) below any with. */
static int io_cmp_rate(const struct tui_fd *x, double rx, const struct tui_fd *y, double ry)
{
	if (x->has_rates != y->has_rates)
		return x->has_rates - y->has_rates;
	return panes_cmp_double(rx, ry);
}

static int io_cmp(const struct app *a, int col, size_t i, size_t j)
{
	const struct tui_fd *x = fd_at(a, i), *y = fd_at(a, j);
	int r;

	switch (col) {
	case COL_READ:
		r = io_cmp_rate(x, x->read_per_s, y, y->read_per_s);
		return r ? r : io_cmp_rate(x, x->write_per_s, y, y->write_per_s);
	case COL_WRITE:
		r = io_cmp_rate(x, x->write_per_s, y, y->write_per_s);
		return r ? r : io_cmp_rate(x, x->read_per_s, y, y->read_per_s);
	case COL_CALLS:
		return io_cmp_rate(x, x->calls_per_s, y, y->calls_per_s);
	case COL_MEAN:
		return panes_cmp_u64(fd_mean(&x->info), fd_mean(&y->info));
	case COL_TIME:
		return panes_cmp_u64(x->info.read_ns + x->info.write_ns,
				     y->info.read_ns + y->info.write_ns);
	case COL_TOTAL:
		return panes_cmp_u64(fd_bytes(&x->info), fd_bytes(&y->info));
	case COL_SINCE:
		return panes_cmp_u64(baseline_fd_since(a, x->key, fd_bytes(&x->info)),
				     baseline_fd_since(a, y->key, fd_bytes(&y->info)));
	case COL_FD:
		return (x->info.fd > y->info.fd) - (x->info.fd < y->info.fd);
	case COL_NAME:
		return strcmp(x->info.name, y->info.name);
	}
	return 0;
}

static void io_rate(const struct tui_fd *f, double rate, char *buf, size_t len)
{
	if (f->has_rates)
		usage_format_rate(rate, false, buf, len);
	else
		snprintf(buf, len, "-");
}

static void io_cell(const struct app *a, size_t i, int col, char *buf, size_t len,
		    enum theme_slot *slot)
{
	const struct tui_fd *f = fd_at(a, i);
	const struct io_fd *fi = &f->info;

	*slot = fi->closed ? THEME_COLD : THEME_NORMAL;
	switch (col) {
	case COL_READ:
		io_rate(f, f->read_per_s, buf, len);
		break;
	case COL_WRITE:
		io_rate(f, f->write_per_s, buf, len);
		break;
	case COL_CALLS:
		if (f->has_rates)
			snprintf(buf, len, "%.0f", f->calls_per_s);
		else
			snprintf(buf, len, "-");
		break;
	case COL_MEAN:
		usage_format_bytes((double)fd_mean(fi), buf, len);
		break;
	case COL_TIME:
		panes_format_ns(fi->read_ns + fi->write_ns, buf, len);
		break;
	case COL_TOTAL:
		usage_format_bytes((double)fd_bytes(fi), buf, len);
		break;
	case COL_SINCE:
		usage_format_bytes((double)baseline_fd_since(a, f->key, fd_bytes(fi)), buf, len);
		break;
	case COL_FD:
		snprintf(buf, len, "%" PRId32, fi->fd);
		break;
	case COL_NAME:
		snprintf(buf, len, "%s%s", fi->name, fi->closed ? " (closed)" : "");
		break;
	}
}

/* The row's key (fd, name, first use): stays with the file across copies
 * and is what the drill-down asks the data copy for. */
static uint64_t io_id(const struct app *a, size_t i)
{
	return fd_at(a, i)->key;
}

static const char *io_label(const struct app *a, size_t i)
{
	return fd_at(a, i)->info.name;
}

/* Bytes since the mark, once b has set one. */
static bool io_shown(const struct app *a, int col)
{
	return col != COL_SINCE || a->baseline.set;
}

const struct pane pane_io = {
	.name = "I/O",
	.cols = io_cols,
	.ncols = (int)ARRAY_SIZE(io_cols),
	.sort_col = COL_TOTAL,
	.count = io_rows,
	.keep = io_keep,
	.cmp = io_cmp,
	.cell = io_cell,
	.id = io_id,
	.label = io_label,
	.drill = TUI_DRILL_FD,
	.shown = io_shown,
};
