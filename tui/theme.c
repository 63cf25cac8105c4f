/* Built-in themes (see theme.h).  Mono uses attributes only, so it is also
 * what a terminal without colours or NO_COLOR gets. */
#include "config.h"

#include <limits.h>
#include <string.h>

#include "curses.h"
#include "theme.h"
#include "../analysis/flame.h"
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

/* A curses colour number as RGB: the 16 ANSI colours in tones that suit
 * flame graphs (the red and yellow of the default theme are flamegraph.pl's
 * ends), then xterm's 6x6x6 cube and grey ramp.  -1 (the terminal's
 * default) has no RGB: returns false. */
static bool theme_rgb(short c, uint32_t *rgb)
{
	static const uint32_t ansi[16] = {
		0x000000, 0xd2321e, 0x50b43c, 0xf5d23c, 0x3c64d2, 0xc850c0, 0x3cc8d2, 0xe5e5e5,
		0x7f7f7f, 0xff5a46, 0x78e65a, 0xffeb64, 0x6e8cff, 0xff78f0, 0x78f0ff, 0xffffff,
	};
	static const uint8_t level[6] = { 0, 95, 135, 175, 215, 255 };

	if (c < 0 || c > 255)
		return false;
	if (c < 16) {
		*rgb = ansi[c];
	} else if (c < 232) {
		c -= 16;
		*rgb = (uint32_t)level[c / 36] << 16 | (uint32_t)level[c / 6 % 6] << 8 | level[c % 6];
	} else {
		uint32_t g = 8 + 10 * (uint32_t)(c - 232);
		*rgb = g << 16 | g << 8 | g;
	}
	return true;
}

static uint32_t theme_mix(uint32_t a, uint32_t b, unsigned pct)
{
	uint32_t out = 0;

	for (int sh = 16; sh >= 0; sh -= 8) {
		uint32_t x = a >> sh & 0xff, y = b >> sh & 0xff;
		out |= ((x * (100 - pct) + y * pct + 50) / 100) << sh;
	}
	return out;
}

/* How far apart two colours look, roughly: the sum of the channels'
 * differences. */
static int theme_distance(uint32_t a, uint32_t b)
{
	int d = 0;

	for (int sh = 16; sh >= 0; sh -= 8) {
		int x = (int)(a >> sh & 0xff) - (int)(b >> sh & 0xff);
		d += x < 0 ? -x : x;
	}
	return d;
}

/* Search matches: magenta as in flamegraph.pl, unless the theme's frames
 * are near it; then whichever of these is farthest from them all. */
static uint32_t theme_highlight(const struct flame_palette *p)
{
	static const uint32_t choice[] = { 0xe600e6, 0x1ec81e, 0x2b8cd6 };
	const uint32_t frames[] = { p->frame_lo, p->frame_hi, p->special_lo, p->special_hi };
	uint32_t best = choice[0];
	int best_d = -1;

	for (size_t i = 0; i < ARRAY_SIZE(choice); i++) {
		int d = INT_MAX;
		for (size_t k = 0; k < ARRAY_SIZE(frames); k++)
			d = MIN(d, theme_distance(choice[i], frames[k]));
		if (d >= 150)
			return choice[i];
		if (d > best_d) {
			best = choice[i];
			best_d = d;
		}
	}
	return best;
}

void theme_flame_palette(const struct theme *t, struct flame_palette *p)
{
	const struct theme_style *normal = &t->slot[THEME_NORMAL];
	uint32_t hot, warm, module, bg, fg;
	bool has_hot = theme_rgb(t->slot[THEME_HOT].fg, &hot);
	bool has_warm = theme_rgb(t->slot[THEME_WARM].fg, &warm);

	*p = flame_palette_default;
	if (theme_rgb(normal->bg, &bg)) {
		p->bg_top = p->bg_bottom = bg;
		bool dark = (bg >> 16 & 0xff) + (bg >> 8 & 0xff) + (bg & 0xff) < 384;
		p->text = theme_rgb(normal->fg, &fg) ? fg : dark ? 0xffffff : 0x000000;
	}
	if (has_hot || has_warm) {
		p->frame_lo = has_hot ? hot : theme_mix(warm, 0x000000, 30);
		p->frame_hi = has_warm ? warm : theme_mix(hot, 0xffffff, 50);
	} else {
		p->frame_lo = 0x8c8c8c;
		p->frame_hi = 0xd2d2d2;
	}
	if (theme_rgb(t->slot[THEME_MODULE].fg, &module)) {
		p->special_lo = theme_mix(module, 0x000000, 20);
		p->special_hi = theme_mix(module, 0xffffff, 45);
	} else {
		p->special_lo = 0x6e6e6e;
		p->special_hi = 0xaaaaaa;
	}
	p->highlight = theme_highlight(p);
}
