/* The help screen, generated from the key table: one line per binding with
 * its aliases joined ("Up, k"), grouped by where the keys work. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "curses.h"
#include "keys.h"
#include "tui.h"

/* The lines of the help screen; returns how many (writes at most max). */
static size_t help_lines(char lines[][256], size_t max)
{
	size_t n, out = 0;
	const struct key_binding *k = keys_table(&n);

	for (int ctx = KEYS_GLOBAL; ctx <= KEYS_TREE; ctx++) {
		if (out < max) {
			snprintf(lines[out], 256, "%s%s", out ? "\n" : "", keys_ctx_name((enum keys_ctx)ctx));
			out++;
		}
		for (size_t i = 0; i < n && out < max; i++) {
			char names[64] = "";
			size_t used = 0;
			if (k[i].ctx != (enum keys_ctx)ctx || !k[i].help)
				continue;
			for (size_t j = i; j < n && (j == i || !k[j].help); j++) {
				/* Enter has three codes with one name: say it once. */
				if (j > i && strcmp(k[j].name, k[j - 1].name) == 0)
					continue;
				used += (size_t)snprintf(names + used, sizeof names - used, "%s%s",
							 j > i ? ", " : "", k[j].name);
				if (used >= sizeof names)
					break;
			}
			snprintf(lines[out++], 256, "  %-18.18s %s", names, k[i].help);
		}
	}
	return out;
}

void draw_help(struct app *a, struct rect r)
{
	char lines[96][256];
	size_t n = help_lines(lines, 96);
	int y = r.y;

	draw_text(a, y++, r.x, r.w, "kprof-top keys  (any other key closes; Up/Down scroll)",
		  a->attr[THEME_HEADER], false);
	if (a->help_top >= n)
		a->help_top = n ? n - 1 : 0;
	for (size_t i = a->help_top; i < n && y < r.y + r.h; i++) {
		const char *s = lines[i];
		bool title = s[0] != ' ';
		if (s[0] == '\n') {
			y++;
			s++;
		}
		if (y >= r.y + r.h)
			break;
		draw_text(a, y++, r.x, r.w, s, a->attr[title ? THEME_METER_LABEL : THEME_NORMAL], false);
	}
}

unsigned help_key(struct app *a, int key)
{
	switch (key) {
	case KEYS_FN(KEY_UP):
	case 'k':
		if (a->help_top)
			a->help_top--;
		return TUI_REDRAW;
	case KEYS_FN(KEY_DOWN):
	case 'j':
		a->help_top++;
		return TUI_REDRAW;
	case KEYS_FN(KEY_NPAGE):
		a->help_top += (size_t)MAX(a->page - 1, 1);
		return TUI_REDRAW;
	case KEYS_FN(KEY_PPAGE):
		a->help_top -= MIN(a->help_top, (size_t)MAX(a->page - 1, 1));
		return TUI_REDRAW;
	default:
		a->help = false;
		return TUI_REDRAW;
	}
}
