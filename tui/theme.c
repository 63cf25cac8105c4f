/* Built-in themes (see theme.h).  Mono uses attributes only, so it is also
 * what a terminal without colours or NO_COLOR gets. */
#include "config.h"

#include <string.h>

#include "curses.h"
#include "theme.h"
#include "../common/macros.h"

static const char *const slot_names[THEME_NSLOTS] = {
	[THEME_NORMAL] = "normal",
	[THEME_HEADER] = "header",
	[THEME_METER_LABEL] = "meter_label",
	[THEME_METER_VALUE] = "meter_value",
	[THEME_METER_BAR] = "meter_bar",
	[THEME_STATE_OK] = "state_ok",
	[THEME_STATE_BAD] = "state_bad",
	[THEME_TAB] = "tab",
	[THEME_TAB_ACTIVE] = "tab_active",
	[THEME_TABLE_HEADER] = "table_header",
	[THEME_SORT_COLUMN] = "sort_column",
	[THEME_SELECTION] = "selection",
	[THEME_HOT] = "hot",
	[THEME_WARM] = "warm",
	[THEME_COLD] = "cold",
	[THEME_MODULE] = "module",
	[THEME_TREE] = "tree",
	[THEME_STATUS] = "status",
	[THEME_ERROR] = "error",
	[THEME_PROMPT] = "prompt",
	[THEME_FKEY] = "fkey",
	[THEME_FKEY_LABEL] = "fkey_label",
	[THEME_SPARK] = "spark",
};

#define D (-1)   /* the terminal's own default colour */

static const struct theme theme_default = {
	.name = "default",
	.slot = {
		[THEME_NORMAL] = { D, D, 0 },
		[THEME_HEADER] = { COLOR_CYAN, D, A_BOLD },
		[THEME_METER_LABEL] = { COLOR_CYAN, D, 0 },
		[THEME_METER_VALUE] = { D, D, A_BOLD },
		[THEME_METER_BAR] = { COLOR_GREEN, D, A_BOLD },
		[THEME_STATE_OK] = { COLOR_GREEN, D, A_BOLD },
		[THEME_STATE_BAD] = { COLOR_RED, D, A_BOLD },
		[THEME_TAB] = { COLOR_WHITE, COLOR_BLUE, 0 },
		[THEME_TAB_ACTIVE] = { COLOR_BLACK, COLOR_CYAN, A_BOLD },
		[THEME_TABLE_HEADER] = { COLOR_BLACK, COLOR_GREEN, 0 },
		[THEME_SORT_COLUMN] = { COLOR_BLACK, COLOR_CYAN, A_BOLD },
		[THEME_SELECTION] = { COLOR_BLACK, COLOR_CYAN, 0 },
		[THEME_HOT] = { COLOR_RED, D, A_BOLD },
		[THEME_WARM] = { COLOR_YELLOW, D, 0 },
		[THEME_COLD] = { D, D, A_DIM },
		[THEME_MODULE] = { COLOR_CYAN, D, 0 },
		[THEME_TREE] = { COLOR_BLUE, D, A_BOLD },
		[THEME_STATUS] = { COLOR_YELLOW, D, 0 },
		[THEME_ERROR] = { COLOR_WHITE, COLOR_RED, A_BOLD },
		[THEME_PROMPT] = { COLOR_BLACK, COLOR_YELLOW, 0 },
		[THEME_FKEY] = { D, D, 0 },
		[THEME_FKEY_LABEL] = { COLOR_BLACK, COLOR_CYAN, 0 },
		[THEME_SPARK] = { COLOR_GREEN, D, 0 },
	},
};

static const struct theme theme_mono = {
	.name = "mono",
	.slot = {
		[THEME_NORMAL] = { D, D, 0 },
		[THEME_HEADER] = { D, D, A_BOLD },
		[THEME_METER_LABEL] = { D, D, 0 },
		[THEME_METER_VALUE] = { D, D, A_BOLD },
		[THEME_METER_BAR] = { D, D, A_BOLD },
		[THEME_STATE_OK] = { D, D, A_BOLD },
		[THEME_STATE_BAD] = { D, D, A_BOLD | A_UNDERLINE },
		[THEME_TAB] = { D, D, 0 },
		[THEME_TAB_ACTIVE] = { D, D, A_REVERSE | A_BOLD },
		[THEME_TABLE_HEADER] = { D, D, A_REVERSE },
		[THEME_SORT_COLUMN] = { D, D, A_REVERSE | A_BOLD | A_UNDERLINE },
		[THEME_SELECTION] = { D, D, A_REVERSE },
		[THEME_HOT] = { D, D, A_BOLD },
		[THEME_WARM] = { D, D, 0 },
		[THEME_COLD] = { D, D, A_DIM },
		[THEME_MODULE] = { D, D, 0 },
		[THEME_TREE] = { D, D, A_DIM },
		[THEME_STATUS] = { D, D, A_BOLD },
		[THEME_ERROR] = { D, D, A_REVERSE | A_BOLD },
		[THEME_PROMPT] = { D, D, A_UNDERLINE },
		[THEME_FKEY] = { D, D, A_BOLD },
		[THEME_FKEY_LABEL] = { D, D, A_REVERSE },
		[THEME_SPARK] = { D, D, 0 },
	},
};

#undef D

const struct theme *theme_builtin(const char *name)
{
	if (!name || strcmp(name, "default") == 0)
		return &theme_default;
	if (strcmp(name, "mono") == 0)
		return &theme_mono;
	return NULL;
}

const char *theme_slot_name(enum theme_slot s)
{
	return (unsigned)s < ARRAY_SIZE(slot_names) ? slot_names[s] : "?";
}

/* Curses attributes per slot; colour pairs 1..THEME_NSLOTS are the slots'. */
void theme_apply(const struct theme *t, bool color, unsigned *attr)
{
	bool defaults = color && use_default_colors() == OK;

	for (int s = 0; s < THEME_NSLOTS; s++) {
		const struct theme_style *st = &t->slot[s];
		attr[s] = st->attrs;
		if (!color)
			continue;
		short fg = st->fg, bg = st->bg;
		if (!defaults) {
			fg = fg < 0 ? COLOR_WHITE : fg;
			bg = bg < 0 ? COLOR_BLACK : bg;
		}
		if (fg >= COLORS || bg >= COLORS)
			continue;
		init_pair((short)(s + 1), fg, bg);
		attr[s] |= (unsigned)COLOR_PAIR(s + 1);
	}
}
