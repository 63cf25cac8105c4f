/* Flame graphs: stacks merged by frame name into a tree (equal frames under
 * equal parents are one node), laid out as flamegraph.pl does (children in
 * name order, so the picture is stable; the root "all" at the bottom) and
 * written as a self-contained interactive SVG: hover titles, click to zoom,
 * search with a regular expression.  Pure: it writes to a stream.  A
 * differential graph gives each stack its baseline value too and colours
 * frames by the change in their share. */
#ifndef KPROF_FLAME_H
#define KPROF_FLAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Colours as 0xRRGGBB.  The TUI fills one from its theme
 * (theme_flame_palette); flame_palette_default is the built-in theme's. */
struct flame_palette {
	uint32_t bg_top, bg_bottom;      /* the background, a vertical gradient */
	uint32_t text;                   /* title, details, buttons */
	uint32_t label;                  /* names on the frames */
	uint32_t frame_lo, frame_hi;     /* a frame's colour lies between, by its name */
	uint32_t special_lo, special_hi; /* the same for "[...]" frames: kernel, locks, files */
	uint32_t grew, same, shrank;     /* differential: share up, unchanged, down */
	uint32_t highlight;              /* search matches */
};

extern const struct flame_palette flame_palette_default;

struct flame;

struct flame *flame_new(void);
void flame_free(struct flame *fl);
/* One stack, root first; before: its value in the baseline (0 when not
 * differential).  Frames are copied; a NULL or empty one is "[unknown]". */
void flame_add(struct flame *fl, const char *const *frames, size_t n,
	       uint64_t value, uint64_t before);

struct flame_style {
	const char *title, *subtitle;  /* subtitle may be NULL */
	const char *unit;              /* "samples", "bytes", "nanoseconds" */
	bool differential;             /* colour by change: red grew, blue shrank */
	const struct flame_palette *palette;   /* NULL: the default */
};

/* 0, or -1 when the stream failed (errno says why). */
int flame_write_svg(const struct flame *fl, FILE *f, const struct flame_style *st);

/* The image's geometry, for readers that check it (tests). */
#define FLAME_WIDTH 1200
#define FLAME_XPAD 10
#define FLAME_FRAME_HEIGHT 16
/* Frames narrower than this many pixels are not drawn (nor their callees);
 * a note at the bottom says how many. */
#define FLAME_MIN_WIDTH 0.1

#endif
