/* Colour themes: code draws with semantic slots (THEME_HOT, THEME_SELECTION,
 * ...) and a theme says what each slot looks like.  The built-in default
 * needs no file; files in themes/ use "slot = fg,bg,attrs" lines. */
#ifndef KPROF_TUI_THEME_H
#define KPROF_TUI_THEME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum theme_slot {
	THEME_NORMAL,
	THEME_HEADER,          /* header text */
	THEME_METER_LABEL,
	THEME_METER_VALUE,
	THEME_METER_BAR,
	THEME_STATE_OK,        /* "running" */
	THEME_STATE_BAD,       /* "exited", "FROZEN", lost samples */
	THEME_TAB,
	THEME_TAB_ACTIVE,
	THEME_TABLE_HEADER,
	THEME_SORT_COLUMN,     /* the table header cell sorted by */
	THEME_SELECTION,
	THEME_HOT,             /* a large share */
	THEME_WARM,
	THEME_COLD,            /* a small share, zero */
	THEME_MODULE,
	THEME_TREE,            /* tree guides */
	THEME_STATUS,
	THEME_ERROR,
	THEME_PROMPT,
	THEME_FKEY,            /* the key in the function bar */
	THEME_FKEY_LABEL,
	THEME_SPARK,
	THEME_NSLOTS
};

/* Colour numbers are curses' (-1 the terminal's default, 0-7 the ANSI ones,
 * up to 255 where the terminal has them); attrs are curses attribute bits. */
struct theme_style {
	short fg, bg;
	unsigned attrs;
};

struct theme {
	char name[64];
	struct theme_style slot[THEME_NSLOTS];
};

/* The built-in themes: "default" (dark) and "mono".  NULL for other names. */
const struct theme *theme_builtin(const char *name);
const char *theme_slot_name(enum theme_slot s);
/* Read a theme file over the default theme.  -1 with "FILE:LINE: why" in
 * err on the first bad line. */
int theme_parse(struct theme *t, FILE *f, const char *file, char *err, size_t errlen);
/* Theme NAME (or a path): from a file in ~/.config/kprof-top/themes, beside
 * the binary, or the installed themes; else a built-in one.  -1 with the
 * reason in err (t is then untouched or partly read: use the default). */
int theme_load(struct theme *t, const char *name, char *err, size_t errlen);

/* The colours of an SVG flame graph in theme t: frames between the hot and
 * warm slots' colours ("[...]" frames in the module slot's), the normal
 * slot's background when the theme sets one (else flamegraph.pl's pale
 * one), greys where the theme has no colours (mono). */
struct flame_palette;
void theme_flame_palette(const struct theme *t, struct flame_palette *p);

/* Set up curses colour pairs for t (after start_color when color) and fill
 * attr[THEME_NSLOTS] with each slot's attributes. */
void theme_apply(const struct theme *t, bool color, unsigned *attr);

#endif
