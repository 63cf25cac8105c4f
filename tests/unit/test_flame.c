/* The flame graph writer, read back from its SVG text: frames merged by
 * name under equal parents, siblings in name order, widths proportional to
 * the values (the root the full width, children inside their parent, one
 * row up), narrow frames left out and counted, hostile names escaped into
 * well-formed UTF-8, humanised amounts, differential colours; and the
 * palettes the TUI makes from its themes.  (That the whole file is XML an
 * independent parser accepts is checked by tests/integration/svg.sh.) */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "analysis/flame.h"
#include "tui/theme.h"

#define FULL (FLAME_WIDTH - 2 * FLAME_XPAD)

struct frame {
	char name[256], title[512];
	unsigned long long count;
	double x, y, w;
	unsigned fill;
};

struct svg {
	char *text;
	size_t len;
	struct frame f[64];
	size_t n;
};

static double attr(const char *s, const char *name)
{
	const char *p = strstr(s, name);

	assert_non_null(p);
	return strtod(p + strlen(name), NULL);
}

/* Render fl and pick the frames out of the text: one "<g class="f">" line
 * each, title then rect. */
static void render(struct svg *svg, const struct flame *fl, const struct flame_style *st)
{
	FILE *f = open_memstream(&svg->text, &svg->len);
	char *line;

	assert_non_null(f);
	assert_int_equal(flame_write_svg(fl, f, st), 0);
	assert_int_equal(fclose(f), 0);
	svg->n = 0;
	for (line = strstr(svg->text, "<g class=\"f\">"); line; line = strstr(line + 1, "<g class=\"f\">")) {
		struct frame *fr;
		const char *t = line + strlen("<g class=\"f\"><title>"), *e = strstr(t, "</title>");
		const char *rect = strstr(line, "<rect ");
		const char *paren;

		assert_true(svg->n < sizeof svg->f / sizeof svg->f[0]);
		fr = &svg->f[svg->n++];
		assert_non_null(e);
		assert_true((size_t)(e - t) < sizeof fr->title);
		snprintf(fr->title, sizeof fr->title, "%.*s", (int)(e - t), t);
		paren = strstr(fr->title, " (");
		while (paren && strstr(paren + 1, " ("))
			paren = strstr(paren + 1, " (");
		assert_non_null(paren);
		assert_true((size_t)(paren - fr->title) < sizeof fr->name);
		memcpy(fr->name, fr->title, (size_t)(paren - fr->title));
		fr->name[paren - fr->title] = '\0';
		fr->count = strtoull(paren + 2, NULL, 10);
		fr->x = attr(rect, " x=\"");
		fr->y = attr(rect, " y=\"");
		fr->w = attr(rect, " width=\"");
		fr->fill = (unsigned)strtoul(strstr(rect, "fill=\"#") + 7, NULL, 16);
	}
}

static const struct frame *lookup(const struct svg *svg, const char *name, size_t nth)
{
	for (size_t i = 0; i < svg->n; i++)
		if (strcmp(svg->f[i].name, name) == 0 && nth-- == 0)
			return &svg->f[i];
	return NULL;
}

/* A frame that must be there: the test fails here when it is not (and
 * the compiler sees no NULL to dereference after). */
static const struct frame *find(const struct svg *svg, const char *name, size_t nth)
{
	static const struct frame none;
	const struct frame *f = lookup(svg, name, nth);

	if (!f) {
		fail_msg("no frame %s #%zu", name, nth);
		return &none;
	}
	return f;
}

static size_t count_named(const struct svg *svg, const char *name)
{
	size_t n = 0;

	while (lookup(svg, name, n))
		n++;
	return n;
}

static void add(struct flame *fl, const char *stack, uint64_t value, uint64_t before)
{
	char buf[256], *save, *tok;
	const char *frames[16];
	size_t n = 0;

	snprintf(buf, sizeof buf, "%s", stack);
	for (tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save))
		frames[n++] = tok;
	flame_add(fl, frames, n, value, before);
}

static const struct flame_style plain = { .title = "t", .unit = "samples" };

/* A child sits one row up and inside its parent. */
static void assert_child(const struct frame *parent, const struct frame *kid)
{
	assert_true(kid->y == parent->y - FLAME_FRAME_HEIGHT);
	assert_true(kid->x >= parent->x - 0.01);
	assert_true(kid->x + kid->w <= parent->x + parent->w + 0.02);
}

static void test_merge_and_order(void **state)
{
	struct flame *fl = flame_new();
	struct svg svg;
	const struct frame *all, *a, *x, *ab, *xb, *c, *d;

	(void)state;
	/* Inserted out of name order; a;b;c twice. */
	add(fl, "x;b", 4, 0);
	add(fl, "a;b;d", 2, 0);
	add(fl, "a;b;c", 3, 0);
	add(fl, "a;b;c", 1, 0);
	render(&svg, fl, &plain);

	assert_int_equal(svg.n, 7);        /* all a b c d x b */
	all = find(&svg, "all", 0);
	a = find(&svg, "a", 0);
	x = find(&svg, "x", 0);
	c = find(&svg, "c", 0);
	d = find(&svg, "d", 0);
	assert_non_null(all);
	assert_non_null(a);
	assert_non_null(x);
	assert_int_equal(count_named(&svg, "c"), 1);
	assert_int_equal(count_named(&svg, "b"), 2);     /* one under a, one under x */
	ab = find(&svg, "b", 0)->x < find(&svg, "b", 1)->x ? find(&svg, "b", 0) : find(&svg, "b", 1);
	xb = ab == find(&svg, "b", 0) ? find(&svg, "b", 1) : find(&svg, "b", 0);

	assert_int_equal(all->count, 10);
	assert_int_equal(a->count, 6);
	assert_int_equal(ab->count, 6);
	assert_int_equal(c->count, 4);
	assert_int_equal(d->count, 2);
	assert_int_equal(x->count, 4);
	assert_int_equal(xb->count, 4);

	/* Name order left to right, whatever the insertion order. */
	assert_true(a->x < x->x);
	assert_true(c->x < d->x);
	/* Geometry: the root spans the image, widths are proportional,
	 * children inside their parents, side by side. */
	assert_true(all->x == FLAME_XPAD);
	assert_true(all->w > FULL - 0.01 && all->w < FULL + 0.01);
	for (size_t i = 0; i < svg.n; i++) {
		double want = (double)svg.f[i].count * FULL / 10;
		assert_true(svg.f[i].w > want - 0.01 && svg.f[i].w < want + 0.01);
	}
	assert_child(all, a);
	assert_child(all, x);
	assert_child(a, ab);
	assert_child(x, xb);
	assert_child(ab, c);
	assert_child(ab, d);
	assert_true(a->w + x->w > all->w - 0.02 && a->w + x->w < all->w + 0.02);
	assert_true(c->x + c->w < d->x + 0.02);
	assert_null(strstr(svg.text, "id=\"note\""));
	free(svg.text);
	flame_free(fl);
}

static void test_min_width(void **state)
{
	struct flame *fl = flame_new();
	struct svg svg;
	const char *note;

	(void)state;
	add(fl, "main;big", 1000000, 0);
	add(fl, "main;tiny;t2;t3", 1, 0);      /* 0.0012 px: three frames left out */
	add(fl, "main;small", 100, 0);         /* 0.118 px: drawn */
	render(&svg, fl, &plain);
	assert_non_null(find(&svg, "big", 0));
	assert_non_null(find(&svg, "small", 0));
	assert_null(lookup(&svg, "tiny", 0));
	assert_null(lookup(&svg, "t3", 0));
	assert_int_equal(svg.n, 4);
	note = strstr(svg.text, "id=\"note\"");
	assert_non_null(note);
	assert_non_null(strstr(note, ">3 frames narrower than 0.1 px not drawn<"));
	free(svg.text);
	flame_free(fl);
}

/* Well-formed UTF-8 with no control characters. */
static void assert_clean_utf8(const unsigned char *s)
{
	while (*s) {
		unsigned c = *s, n = c < 0x80 ? 0 : c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;

		assert_true(c >= 0x20 || c == '\n' || c == '\t');
		assert_true(c < 0x80 || (c >= 0xc2 && c <= 0xf4));
		for (unsigned k = 1; k <= n; k++)
			assert_int_equal(s[k] & 0xc0, 0x80);
		if (c == 0xed)
			assert_true(s[1] < 0xa0);       /* no surrogates */
		s += n + 1;
	}
}

/* Inside a title: no markup, and every '&' starts an entity we write. */
static void assert_escaped(const char *s)
{
	static const char *const ents[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&#39;" };

	assert_null(strchr(s, '<'));
	assert_null(strchr(s, '>'));
	for (const char *p = strchr(s, '&'); p; p = strchr(p + 1, '&')) {
		size_t i;
		for (i = 0; i < 5; i++)
			if (strncmp(p, ents[i], strlen(ents[i])) == 0)
				break;
		assert_true(i < 5);
	}
}

static void test_hostile_names(void **state)
{
	static const char *const hostile[] = {
		"<script>alert(1)</script>", "a&b \"q\" 'r'", "]]>", "ctl\x01\x1b[31m\x7f",
		"bad\xff\xfe", "sur\xed\xa0\x80rogate", "trunc\xe2\x82", "over\xc0\xaflong",
		"caf\xc3\xa9", "nl\nin name", "",
	};
	struct flame *fl = flame_new();
	struct svg svg;

	(void)state;
	for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
		const char *frames[] = { "main", hostile[i] };
		flame_add(fl, frames, 2, 10, 0);
	}
	render(&svg, fl, &(struct flame_style){ .title = "<title & \"sub\">", .subtitle = "\xff",
						.unit = "samples" });
	assert_clean_utf8((const unsigned char *)svg.text);
	assert_int_equal(svg.n, 2 + sizeof hostile / sizeof hostile[0]);
	for (size_t i = 0; i < svg.n; i++)
		assert_escaped(svg.f[i].title);
	assert_null(strstr(svg.text, "<script>alert"));
	/* One CDATA end: the script's own. */
	assert_ptr_equal(strstr(svg.text, "]]>"), strstr(svg.text, "]]></script>"));
	assert_non_null(find(&svg, "&lt;script&gt;alert(1)&lt;/script&gt;", 0));
	assert_non_null(find(&svg, "a&amp;b &quot;q&quot; &#39;r&#39;", 0));
	assert_non_null(find(&svg, "caf\xc3\xa9", 0));                 /* valid UTF-8 kept */
	assert_non_null(find(&svg, "bad\xef\xbf\xbd\xef\xbf\xbd", 0));  /* U+FFFD each */
	assert_non_null(find(&svg, "ctl\xef\xbf\xbd\xef\xbf\xbd[31m\xef\xbf\xbd", 0));
	assert_non_null(strstr(svg.text, ">&lt;title &amp; &quot;sub&quot;&gt;</text>"));
	free(svg.text);
	flame_free(fl);
}

static void test_amounts_and_labels(void **state)
{
	struct flame *fl = flame_new();
	struct svg svg;
	const struct frame *f;

	(void)state;
	add(fl, "alloc_site", 3 << 20, 0);     /* 3 MiB */
	add(fl, "small", 512, 0);
	render(&svg, fl, &(struct flame_style){ .unit = "bytes" });
	assert_non_null(strstr(svg.text, "<title>alloc_site (3.00 MiB, "));
	assert_non_null(strstr(svg.text, "<title>small (512 bytes, "));
	free(svg.text);
	flame_free(fl);

	fl = flame_new();
	add(fl, "lock_wait", 12500000, 0);     /* 12.5 ms */
	add(fl, "a_name_much_too_long_for_its_narrow_frame", 125000, 0);
	render(&svg, fl, &(struct flame_style){ .unit = "nanoseconds" });
	assert_non_null(strstr(svg.text, "<title>lock_wait (12.50 ms, 99.01 %)</title>"));
	/* ~11.7 px wide: no room for a label; the wide one has its name. */
	f = find(&svg, "a_name_much_too_long_for_its_narrow_frame", 0);
	assert_non_null(f);
	assert_true(f->w < 12);
	assert_non_null(strstr(svg.text, ">lock_wait</text>"));
	assert_null(strstr(svg.text, ">a_name_much_too_long_for_its_narrow_frame</text>"));
	free(svg.text);
	flame_free(fl);
}

static void test_differential(void **state)
{
	struct flame *fl = flame_new();
	struct svg svg;
	const struct frame *grew, *shrank, *same;

	(void)state;
	/* Shares before: 20 / 60 / 20 %; after: 50 / 30 / 20 %. */
	add(fl, "main;grew", 50, 20);
	add(fl, "main;shrank", 30, 60);
	add(fl, "main;same", 20, 20);
	render(&svg, fl, &(struct flame_style){ .unit = "samples", .differential = true });
	grew = find(&svg, "grew", 0);
	shrank = find(&svg, "shrank", 0);
	same = find(&svg, "same", 0);
	assert_non_null(grew);
	assert_non_null(shrank);
	assert_non_null(same);
	/* Width is the new value. */
	assert_true(grew->w > FULL * 0.5 - 0.01 && grew->w < FULL * 0.5 + 0.01);
	/* The largest changes take the palette's ends; no change its middle. */
	assert_int_equal(grew->fill, flame_palette_default.grew);
	assert_int_equal(shrank->fill, flame_palette_default.shrank);
	assert_int_equal(same->fill, flame_palette_default.same);
	assert_non_null(strstr(grew->title, "(50 samples, 50.00 %; before 20 samples, 20.00 %; +30.00 points)"));
	assert_non_null(strstr(shrank->title, "-30.00 points)"));
	free(svg.text);
	flame_free(fl);
}

static void test_empty(void **state)
{
	struct flame *fl = flame_new();
	struct svg svg;

	(void)state;
	render(&svg, fl, &plain);
	assert_int_equal(svg.n, 0);
	assert_non_null(strstr(svg.text, ">nothing recorded</text>"));
	assert_non_null(strstr(svg.text, "</svg>\n"));
	free(svg.text);
	flame_free(fl);
}

static unsigned chan(uint32_t c, int sh)
{
	return c >> sh & 0xff;
}

static void test_palettes(void **state)
{
	struct flame_palette p;
	struct theme t;

	(void)state;
	/* The built-in theme's red and yellow are the default palette. */
	theme_flame_palette(theme_builtin("default"), &p);
	assert_memory_equal(&p, &flame_palette_default, sizeof p);

	/* Mono: greys, on the pale background. */
	theme_flame_palette(theme_builtin("mono"), &p);
	assert_int_equal(p.bg_top, flame_palette_default.bg_top);
	for (int i = 0; i < 4; i++) {
		uint32_t c = (uint32_t[]){ p.frame_lo, p.frame_hi, p.special_lo, p.special_hi }[i];
		assert_int_equal(chan(c, 16), chan(c, 8));
		assert_int_equal(chan(c, 8), chan(c, 0));
	}

	/* A black background (high-contrast) with white text; frames red to
	 * magenta (light), so matches can't be magenta. */
	t = *theme_builtin("default");
	t.slot[THEME_NORMAL] = (struct theme_style){ 7, 0, 0 };
	t.slot[THEME_WARM].fg = 5;
	theme_flame_palette(&t, &p);
	assert_int_equal(p.bg_top, 0x000000);
	assert_true(chan(p.text, 16) > 200 && chan(p.text, 8) > 200);
	assert_int_not_equal(p.frame_hi, flame_palette_default.frame_hi);
	assert_int_not_equal(p.highlight, 0xe600e6);
	/* No background of its own and no text colour: black on the default. */
	t.slot[THEME_NORMAL] = (struct theme_style){ -1, 4, 0 };   /* dark blue */
	theme_flame_palette(&t, &p);
	assert_int_equal(p.text, 0xffffff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_and_order),
		cmocka_unit_test(test_min_width),
		cmocka_unit_test(test_hostile_names),
		cmocka_unit_test(test_amounts_and_labels),
		cmocka_unit_test(test_differential),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_palettes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
