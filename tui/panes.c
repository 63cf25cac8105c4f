/* The pane registry (see panes.h): the one list of panes, in tab order, and
 * what the table panes share: number formats, comparisons, mode names. */
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
	&pane_findings,
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

const char *panes_spark_glyph(bool utf8, unsigned level)
{
	static const char *const blocks[] = { " ", "\u2581", "\u2582", "\u2583", "\u2584",
					       "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char *const ascii[] = { " ", ".", ":", "-", "=", "+", "*", "#", "@" };

	level = MIN(level, 8u);
	return utf8 ? blocks[level] : ascii[level];
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

/* Launch mode's shim samples by bytes; uprobes see every call; faults only
 * say where new pages are first written, not who holds them. */
const char *panes_alloc_mode(const struct model_target *t)
{
	if (!strcmp(t->alloc_mode, "preload"))
		return "preload shim (sampled by bytes)";
	if (!strcmp(t->alloc_mode, "uprobes"))
		return "uprobes on malloc/free";
	if (!strcmp(t->alloc_mode, "faults"))
		return "page faults (where new memory is touched)";
	return "off";
}

void panes_alloc_site(const struct tui_data *d, const struct tui_alloc *s, bool utf8,
		      char *buf, size_t len)
{
	if (s->other)
		snprintf(buf, len, "(other sites)");
	else if (s->func == CALLTREE_NONE)
		snprintf(buf, len, "(no stack)");
	else if (s->caller == CALLTREE_NONE)
		snprintf(buf, len, "%s", tui_data_func_name(d, s->func));
	else
		snprintf(buf, len, "%s %s %s", tui_data_func_name(d, s->func), utf8 ? "\u2190" : "<-",
			 tui_data_func_name(d, s->caller));
}
