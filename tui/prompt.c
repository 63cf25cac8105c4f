/* The one-line prompt under the table, for the filter (\) and search (/).
 * Both act as you type: the filter re-filters on every valid pattern (an
 * invalid one leaves the last good filter and shows pcre2's message), the
 * search moves the cursor.  Enter keeps the result, Esc undoes it. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "curses.h"
#include "keys.h"
#include "tui.h"
#include "../analysis/filter.h"
#include "../common/xalloc.h"

unsigned prompt_open(struct app *a, enum prompt_mode mode)
{
	struct prompt *p = &a->prompt;
	struct pane_state *ps = view_pane_state(a);

	p->mode = mode;
	p->saved[0] = '\0';
	if (a->filter)
		snprintf(p->saved, sizeof p->saved, "%s", filter_pattern(a->filter));
	/* The filter prompt edits the current pattern; a search starts afresh. */
	snprintf(p->buf, sizeof p->buf, "%s", mode == PROMPT_FILTER ? p->saved : "");
	p->len = strlen(p->buf);
	p->start_cursor = ps ? ps->cursor : a->tree.cursor;
	return TUI_REDRAW;
}

static unsigned prompt_changed(struct app *a)
{
	struct prompt *p = &a->prompt;
	struct pane_state *ps = view_pane_state(a);

	if (p->mode == PROMPT_FILTER)
		return view_set_filter(a, p->buf);
	/* Search from where the prompt opened, so typing refines one match. */
	if (ps)
		ps->cursor = p->start_cursor;
	else
		a->tree.cursor = p->start_cursor;
	return view_search(a, p->buf, 1, true);
}

static void prompt_backspace(struct prompt *p)
{
	/* Back over UTF-8 continuation bytes to the character's first byte. */
	while (p->len > 0) {
		unsigned char c = (unsigned char)p->buf[--p->len];
		if ((c & 0xc0) != 0x80)
			break;
	}
	p->buf[p->len] = '\0';
}

static bool prompt_insert(struct prompt *p, int key)
{
	char mb[MB_LEN_MAX];
	mbstate_t st;
	size_t n;

	if (key < 0x20 || key == 0x7f || (key & KEYS_CODE))
		return false;
	memset(&st, 0, sizeof st);
	n = wcrtomb(mb, (wchar_t)key, &st);
	if (n == (size_t)-1 || p->len + n >= sizeof p->buf)
		return false;
	memcpy(p->buf + p->len, mb, n);
	p->len += n;
	p->buf[p->len] = '\0';
	return true;
}

unsigned prompt_key(struct app *a, int key)
{
	struct prompt *p = &a->prompt;
	enum prompt_mode mode = p->mode;

	switch (key) {
	case '\n':
	case '\r':
	case KEYS_FN(KEY_ENTER):
		if (mode == PROMPT_FILTER && p->buf[0] &&
		    (!a->filter || strcmp(filter_pattern(a->filter), p->buf) != 0))
			return view_set_filter(a, p->buf);   /* invalid: stay and say why */
		if (mode == PROMPT_SEARCH)
			snprintf(a->search, sizeof a->search, "%s", p->buf);
		p->mode = PROMPT_NONE;
		return TUI_REDRAW;
	case KEYS_ESC:
		p->mode = PROMPT_NONE;
		if (mode == PROMPT_FILTER)
			return view_set_filter(a, p->saved);
		return view_move(a, (long)p->start_cursor -
				 (long)(view_pane_state(a) ? view_pane_state(a)->cursor
							  : a->tree.cursor)) | TUI_REDRAW;
	case KEYS_FN(KEY_BACKSPACE):
	case 127:
	case KEYS_CTRL('h'):
		if (!p->len)
			return TUI_NONE;
		prompt_backspace(p);
		return prompt_changed(a) | TUI_REDRAW;
	case KEYS_CTRL('u'):
		p->len = 0;
		p->buf[0] = '\0';
		return prompt_changed(a) | TUI_REDRAW;
	default:
		if (!prompt_insert(p, key))
			return TUI_NONE;
		return prompt_changed(a) | TUI_REDRAW;
	}
}
