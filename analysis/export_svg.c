/* SVG flame graphs of one pane: its weighted stacks (profile.c) merged into
 * a flame (flame.c), titled with what the width means, the target and how
 * long it was watched. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "export_svg.h"
#include "flame.h"
#include "model.h"
#include "profile.h"
#include "../common/xalloc.h"

/* Deeper stacks are cut at their root end: the leaves are what matter. */
#define EXPORT_SVG_MAX_FRAMES 1024

/* How the view's data was collected, when the model says. */
static const char *export_svg_mode(const struct model *m, enum profile_view view)
{
	switch (view) {
	case PROFILE_ALLOC:
		return m->target.alloc_mode;
	case PROFILE_IO:
		return m->target.io_mode;
	case PROFILE_LOCKS:
		return m->target.locks_mode;
	default:
		return "";
	}
}

int export_svg(FILE *f, const struct model *m, uint32_t window_secs, enum profile_view view,
	       const struct flame_palette *palette)
{
	const char **names = xmalloc(EXPORT_SVG_MAX_FRAMES * sizeof *names);
	const struct model_target *t = &m->target;
	const char *mode = export_svg_mode(m, view);
	struct profile p;
	struct flame *fl;
	char title[400], sub[400], win[48] = "", how[48] = "";
	int rc;

	profile_build(&p, m, view, window_secs);
	fl = flame_new();
	for (size_t i = 0; i < p.n; i++) {
		size_t n = profile_frames(&p, m, i, names, EXPORT_SVG_MAX_FRAMES);
		flame_add(fl, names, n, p.samples[i].value, 0);
	}
	/* A long command line would push the title off the image. */
	snprintf(title, sizeof title, "%s: %.60s%s (pid %" PRIu32 ")", p.title,
		 t->command[0] ? t->command : "?", strlen(t->command) > 60 ? "..." : "", t->pid);
	if (window_secs && view == PROFILE_CPU)
		snprintf(win, sizeof win, ", the last %" PRIu32 " s shown", window_secs);
	if (mode[0])
		snprintf(how, sizeof how, "; %s: %s", p.name, mode);
	snprintf(sub, sizeof sub, "%.2f s sampled%s%s; width: %s", model_duration_s(m), win, how,
		 p.unit);
	rc = flame_write_svg(fl, f, &(struct flame_style){
		.title = title, .subtitle = sub, .unit = p.unit, .palette = palette });
	flame_free(fl);
	profile_fini(&p);
	free(names);
	return rc;
}

int export_svg_render(const struct model *m, uint32_t window_secs, enum profile_view view,
		      const struct flame_palette *palette, char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);
	int errnum = 0;

	if (!f)
		return -1;
	errno = 0;
	if (export_svg(f, m, window_secs, view, palette) != 0 || ferror(f))
		errnum = errno ? errno : EIO;
	if (fclose(f) != 0 && !errnum)
		errnum = errno;
	if (errnum) {
		free(*buf);
		*buf = NULL;
		errno = errnum;
		return -1;
	}
	return 0;
}

int export_svg_to_file(const char *path, const struct model *m, uint32_t window_secs,
		       enum profile_view view, const struct flame_palette *palette,
		       char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (export_svg_render(m, window_secs, view, palette, &buf, &len) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	rc = export_write(path, buf, len, err, errlen);
	free(buf);
	return rc;
}

static int export_svg_cpu(FILE *f, const struct model *m, uint32_t w)
{
	return export_svg(f, m, w, PROFILE_CPU, NULL);
}

static int export_svg_alloc(FILE *f, const struct model *m, uint32_t w)
{
	return export_svg(f, m, w, PROFILE_ALLOC, NULL);
}

static int export_svg_io(FILE *f, const struct model *m, uint32_t w)
{
	return export_svg(f, m, w, PROFILE_IO, NULL);
}

static int export_svg_locks(FILE *f, const struct model *m, uint32_t w)
{
	return export_svg(f, m, w, PROFILE_LOCKS, NULL);
}

export_fn *const export_svg_views[] = {
	[PROFILE_CPU] = export_svg_cpu, [PROFILE_ALLOC] = export_svg_alloc,
	[PROFILE_IO] = export_svg_io, [PROFILE_LOCKS] = export_svg_locks,
};
