/* SVG flame graphs of one pane (export_svg.c): export_svg_views[] in
 * export.h use the default colours; these take a palette (the TUI's theme,
 * --theme on the command line). */
#ifndef KPROF_EXPORT_SVG_H
#define KPROF_EXPORT_SVG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "profile.h"

struct model;
struct flame_palette;

/* palette NULL: the default.  0, or -1 when the stream failed (errno). */
int export_svg(FILE *f, const struct model *m, uint32_t window_secs, enum profile_view view,
	       const struct flame_palette *palette);
/* export_svg into a malloc'd buffer (*buf, *len; caller frees), as
 * export_render does.  0, or -1 with errno. */
int export_svg_render(const struct model *m, uint32_t window_secs, enum profile_view view,
		      const struct flame_palette *palette, char **buf, size_t *len);
/* export_svg into path as export_to_file does (whole or not at all).  0,
 * or -1 with a one-line reason in err. */
int export_svg_to_file(const char *path, const struct model *m, uint32_t window_secs,
		       enum profile_view view, const struct flame_palette *palette,
		       char *err, size_t errlen);

#endif
