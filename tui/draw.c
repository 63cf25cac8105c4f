/* The one place that draws: draw_screen() lays the screen out (header,
 * tabs, the pane or tree or help, status line, function-key bar) and each
 * part draws into its rectangle from the app's copy of the data. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "curses.h"
#include "keys.h"
#include "panes.h"
#include "tui.h"
#include "../analysis/filter.h"

#define TEXT_MAX 1024    /* characters considered for one cell */
#define MIN_COLS 20
#define MIN_LINES 6

static int put_wide(int y, int x, const wchar_t *wc, int n, unsigned attr)
{
	attrset(attr);
	return mvaddnwstr(y, x, wc, n);
}

/* s as wide characters that fit in w columns, cut from the right (or, when
 * tail, from the left) with an ellipsis.  Returns the count; *used the
 * columns they take. */
static int fit_wide(const struct app *a, const char *s, int w, bool tail, wchar_t *out,
		    int *used)
{
	static const int cap = TEXT_MAX;
	wchar_t wc[TEXT_MAX];
	signed char cw[TEXT_MAX];
	mbstate_t st;
	size_t left = strlen(s);
	int n = 0, cols = 0, first = 0;

	memset(&st, 0, sizeof st);
	while (left && n < cap) {
		wchar_t c;
		size_t k = mbrtowc(&c, s, left, &st);
		int width;
		if (k == (size_t)-1 || k == (size_t)-2) {
			c = L'?';
			k = 1;
			memset(&st, 0, sizeof st);
		} else if (k == 0) {
			break;
		}
		width = wcwidth(c);
		if (c < 0x20 || c == 0x7f || width < 0) {
			c = L'?';
			width = 1;
		}
		wc[n] = c;
		cw[n++] = (signed char)width;
		cols += width;
		s += k;
		left -= k;
	}
	if (cols > w && w > 0) {
		wchar_t ell = a->utf8 ? L'\u2026' : L'~';
		int keep = 0, kept = 0;
		if (tail) {
			/* Keep the end: drop from the front until the rest fits. */
			for (first = 0; first < n && cols + 1 > w; first++)
				cols -= cw[first];
			out[keep++] = ell;
			kept = 1;
			for (int i = first; i < n; i++)
				out[keep++] = wc[i];
			*used = kept + cols;
			return keep;
		}
		for (int i = 0; i < n && kept + cw[i] + 1 <= w; i++) {
			out[keep++] = wc[i];
			kept += cw[i];
		}
		out[keep++] = ell;
		*used = kept + 1;
		return keep;
	}
	if (w <= 0) {
		*used = 0;
		return 0;
	}
	memcpy(out, wc, (size_t)n * sizeof *wc);
	*used = cols;
	return n;
}

static int draw_fit(const struct app *a, int y, int x, int w, const char *s, unsigned attr,
		    bool right, bool tail)
{
	wchar_t out[TEXT_MAX + 1];
	int used, n = fit_wide(a, s, w, tail, out, &used);

	if (w <= 0 || x >= a->cols || y >= a->lines)
		return 0;
	if (x + w > a->cols)
		w = a->cols - x;
	attrset(attr);
	if (right && used < w)
		mvhline(y, x, ' ', w - used);
	put_wide(y, right && used < w ? x + w - used : x, out, n, attr);
	if (!right && used < w)
		mvhline(y, x + used, ' ', w - used);
	return w;
}

int draw_width(const struct app *a, const char *s)
{
	wchar_t out[TEXT_MAX + 1];
	int used;

	fit_wide(a, s, TEXT_MAX, false, out, &used);
	return used;
}

int draw_text(const struct app *a, int y, int x, int w, const char *s, unsigned attr, bool right)
{
	return draw_fit(a, y, x, w, s, attr, right, false);
}

int draw_text_tail(const struct app *a, int y, int x, int w, const char *s, unsigned attr)
{
	return draw_fit(a, y, x, w, s, attr, false, true);
}

static void draw_tabs(struct app *a, int y)
{
	size_t n;
	int x = 0;
	char buf[64];

	panes_all(&n);
	draw_text(a, y, 0, a->cols, "", a->attr[THEME_TAB], false);
	for (size_t i = 0; i < n && x < a->cols; i++) {
		bool on = i == a->pane;
		view_tab_label(i, buf, sizeof buf);
		x += draw_text(a, y, x, MIN((int)strlen(buf), a->cols - x), buf,
			       a->attr[on ? THEME_TAB_ACTIVE : THEME_TAB], false);
	}
	if (a->filter && x + 12 < a->cols) {
		snprintf(buf, sizeof buf, "filter: %s ", filter_pattern(a->filter));
		draw_text(a, y, x + 2, a->cols - x - 2, buf, a->attr[THEME_TAB], true);
	}
}

/* Column widths for w columns (0: hidden): the flexible column takes what
 * the others leave; when even its minimum doesn't fit, fixed columns go,
 * rightmost first.  Columns the pane's mode hides are never there. */
static void table_layout(const struct app *a, const struct pane *p, int w, int *widths)
{
	bool on[16];
	int fixed, flex;

	for (int c = 0; c < p->ncols; c++)
		on[c] = panes_col_shown(a, p, c);
	for (;;) {
		int shown = 0, drop = -1;
		fixed = 0;
		flex = -1;
		for (int c = 0; c < p->ncols; c++) {
			if (!on[c])
				continue;
			shown++;
			if (p->cols[c].width)
				fixed += p->cols[c].width + 1;
			else
				flex = c;
		}
		if (fixed + (flex >= 0 ? 10 : -1) <= w || shown <= 1)
			break;
		for (int c = p->ncols - 1; c >= 0 && drop < 0; c--)
			if (on[c] && p->cols[c].width)
				drop = c;
		if (drop < 0)
			break;
		on[drop] = false;
	}
	for (int c = 0; c < p->ncols; c++)
		widths[c] = !on[c] ? 0 : p->cols[c].width ? p->cols[c].width : MAX(w - fixed, 1);
}

/* The selected row's detail (pane.detail) in r: a rule, then its text
 * broken at spaces to the width, '\n' starting a new line. */
static void draw_detail(struct app *a, const struct pane *p, size_t row, struct rect r)
{
	char buf[1024], line[512];
	const char *s = buf;

	p->detail(a, row, buf, sizeof buf);
	draw_text(a, r.y, r.x, r.w, "", a->attr[THEME_TABLE_HEADER], false);
	for (int y = r.y + 1; y < r.y + r.h && *s; y++) {
		size_t n = strcspn(s, "\n"), w = (size_t)MAX(r.w - 2, 8);
		if (n > w) {
			size_t k = w;
			while (k > w / 2 && s[k] != ' ')
				k--;
			n = k > w / 2 ? k : w;
		}
		n = MIN(n, sizeof line - 1);
		memcpy(line, s, n);
		line[n] = '\0';
		draw_text(a, y, r.x + 1, r.w - 1, line, a->attr[THEME_NORMAL], false);
		s += n;
		while (*s == ' ' || *s == '\n')
			s++;
	}
}

static void draw_table(struct app *a, const struct pane *p, struct pane_state *ps, struct rect r)
{
	int widths[16], x;
	char buf[512];

	if (p->detail && ps->nrows && ps->cursor < ps->nrows && r.h >= 10) {
		struct rect d = { r.y + r.h - 5, r.x, 5, r.w };
		draw_detail(a, p, ps->rows[ps->cursor], d);
		r.h -= d.h;
	}
	table_layout(a, p, r.w, widths);
	draw_text(a, r.y, r.x, r.w, "", a->attr[THEME_TABLE_HEADER], false);
	x = r.x;
	for (int c = 0; c < p->ncols && x < r.x + r.w; c++) {
		bool sorted = c == ps->sort_col;
		if (!widths[c])
			continue;
		snprintf(buf, sizeof buf, "%s%s", p->cols[c].title, !sorted ? "" : ps->sort_asc
			 ? (a->utf8 ? "\u25b2" : "^") : (a->utf8 ? "\u25bc" : "v"));
		x += draw_text(a, r.y, x, MIN(widths[c], r.x + r.w - x), buf,
			       a->attr[sorted ? THEME_SORT_COLUMN : THEME_TABLE_HEADER],
			       p->cols[c].right) + 1;
	}
	if (!ps->nrows) {
		if (app_data(a)->valid && p->count(a))
			snprintf(buf, sizeof buf, "nothing matches the filter (Esc clears it)");
		else if (p->empty)
			p->empty(a, buf, sizeof buf);
		else
			snprintf(buf, sizeof buf, "no samples in this window yet");
		draw_text(a, r.y + 1, r.x + 1, r.w - 1, buf, a->attr[THEME_COLD], false);
		return;
	}
	for (int line = 1; line < r.h; line++) {
		size_t row = ps->top + (size_t)line - 1;
		bool sel = row == ps->cursor;
		if (row >= ps->nrows)
			break;
		draw_text(a, r.y + line, r.x, r.w, "", a->attr[sel ? THEME_SELECTION : THEME_NORMAL], false);
		x = r.x;
		for (int c = 0; c < p->ncols && x < r.x + r.w; c++) {
			enum theme_slot slot;
			if (!widths[c])
				continue;
			p->cell(a, ps->rows[row], c, buf, sizeof buf, &slot);
			x += draw_text(a, r.y + line, x, MIN(widths[c], r.x + r.w - x), buf,
				       a->attr[sel ? THEME_SELECTION : slot], p->cols[c].right) + 1;
		}
	}
}

static void draw_status(struct app *a, int y)
{
	const struct prompt *p = &a->prompt;
	char buf[320];

	if (p->mode != PROMPT_NONE) {
		const char *label = p->mode == PROMPT_FILTER ? "Filter (regex): " : "Search: ";
		int lw = (int)strlen(label);
		draw_text(a, y, 0, MIN(lw, a->cols), label, a->attr[THEME_PROMPT], false);
		if (a->cols > lw + 1) {
			draw_text_tail(a, y, lw, a->cols - lw - 1, p->buf, a->attr[THEME_NORMAL]);
			/* Where the next character goes: after the text. */
			wchar_t wbuf[TEXT_MAX + 1];
			int used;
			fit_wide(a, p->buf, a->cols - lw - 1, true, wbuf, &used);
			draw_text(a, y, lw + used, a->cols - lw - used, "_", a->attr[THEME_PROMPT] | A_BLINK, false);
		}
		if (a->status[0] && a->status_slot == THEME_ERROR && a->cols > 60) {
			/* The error from pcre2 goes to the right, beside what is typed. */
			int w = MIN((int)strlen(a->status) + 1, a->cols / 2);
			draw_text(a, y, a->cols - w, w, a->status, a->attr[THEME_ERROR], true);
		}
		return;
	}
	if (a->status[0]) {
		draw_text(a, y, 0, a->cols, a->status, a->attr[a->status_slot], false);
		return;
	}
	snprintf(buf, sizeof buf, "%s", a->tree.active
		 ? "Enter: re-root  +/-: expand/collapse  Backspace: back  \\: filter  /: search"
		 : "Enter: callers/callees  \\: filter  /: search  </>: sort  w: window  F1: help");
	draw_text(a, y, 0, a->cols, buf, a->attr[THEME_COLD], false);
}

static int fbar_item(struct app *a, int y, int x, const struct key_binding *k)
{
	char label[32];

	snprintf(label, sizeof label, "%-6s", k->bar);
	if (x < a->cols)
		x += draw_text(a, y, x, MIN(draw_width(a, k->name), a->cols - x), k->name,
			       a->attr[THEME_FKEY], false);
	if (x < a->cols)
		x += draw_text(a, y, x, MIN((int)strlen(label), a->cols - x), label,
			       a->attr[THEME_FKEY_LABEL], false);
	if (x < a->cols)
		x += draw_text(a, y, x, 1, "", a->attr[THEME_FKEY], false);
	return x;
}

/* The function-key bar, from the key table: F-keys first, in number order
 * (as in htop), then the letter keys in table order. */
static void draw_fbar(struct app *a, int y)
{
	size_t n;
	const struct key_binding *k = keys_table(&n);
	enum keys_ctx here = a->tree.active ? KEYS_TREE : KEYS_TABLE;
	int x = 0;

	for (int pass = 0; pass < 2; pass++)
		for (int fn = 1; fn <= (pass ? 1 : 12); fn++)
			for (size_t i = 0; i < n; i++) {
				bool is_f = (k[i].key & KEYS_CODE) && k[i].name[0] == 'F';
				if (!k[i].bar || (k[i].ctx != KEYS_GLOBAL && k[i].ctx != here))
					continue;
				if (pass ? is_f : !is_f || k[i].key != KEYS_FN(KEY_F(fn)))
					continue;
				x = fbar_item(a, y, x, &k[i]);
			}
	if (x < a->cols)
		draw_text(a, y, x, a->cols - x, "", a->attr[THEME_FKEY_LABEL], false);
}

void draw_screen(struct app *a)
{
	int hl, y;
	const struct pane *p = view_pane(a);

	a->lines = LINES;
	a->cols = COLS;
	erase();
	if (a->cols < MIN_COLS || a->lines < MIN_LINES) {
		draw_text(a, 0, 0, a->cols, "terminal too small", a->attr[THEME_ERROR], false);
		a->page = 1;
		refresh();
		return;
	}
	hl = header_lines(a);
	draw_header(a, 0, hl);
	y = hl;
	draw_tabs(a, y++);
	a->body = (struct rect){ y, 0, a->lines - 2 - y, a->cols };
	a->page = MAX(a->body.h - 1, 1);
	if (a->help)
		draw_help(a, a->body);
	else if (a->tree.active)
		tree_draw(a, a->body);
	else
		draw_table(a, p, &a->panes[a->pane], a->body);
	draw_status(a, a->lines - 2);
	draw_fbar(a, a->lines - 1);
	attrset(A_NORMAL);
	refresh();
}
