/* Writers for what the model shows: folded stacks (flamegraph.pl, inferno,
 * speedscope), the JSON snapshot (docs/snapshot-format.md) and the plain-text
 * batch report.  Each writes to a stream; export_to_file() makes a file
 * appear whole or not at all (temporary + rename). */
#ifndef KPROF_EXPORT_H
#define KPROF_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../common/macros.h"

struct model;

/* window_secs: 0 = everything sampled, else the last N seconds.  Each
 * returns 0, or -1 when the stream failed (errno says why).  In folded
 * output a stack with no frame is "[unknown]", ';' in a name becomes ':'
 * and control characters '?'. */
int export_folded(FILE *f, const struct model *m, uint32_t window_secs);
int export_json(FILE *f, const struct model *m, uint32_t window_secs);
int export_report(FILE *f, const struct model *m, uint32_t window_secs);

typedef int export_fn(FILE *f, const struct model *m, uint32_t window_secs);

/* Every pane's stacks in one file: pprof's profile.proto, gzipped, with
 * one sample type per pane (export_pprof.c); speedscope's JSON file format
 * with one profile per pane (export_speedscope.c). */
int export_pprof(FILE *f, const struct model *m, uint32_t window_secs);
int export_speedscope(FILE *f, const struct model *m, uint32_t window_secs);
/* An SVG flame graph of one pane (export_svg.c), indexed by enum
 * profile_view: CPU samples, bytes by allocation site, bytes by I/O site,
 * lock wait time. */
extern export_fn *const export_svg_views[];

/* Run fn into a malloc'd buffer (*buf, *len; caller frees).  0, or -1 with
 * errno. */
int export_render(export_fn *fn, const struct model *m, uint32_t window_secs,
		  char **buf, size_t *len);
/* Make path hold exactly data: via a temporary renamed into place, or in
 * place for devices and pipes.  0, or -1 with a one-line reason in err. */
int export_write(const char *path, const char *data, size_t len, char *err, size_t errlen);

/* Write with fn into path via a temporary in the same directory, renamed
 * into place on success; on failure nothing is left and err (size errlen)
 * says why in one line.  Returns 0 or -1. */
int export_to_file(const char *path, export_fn *fn, const struct model *m,
		   uint32_t window_secs, char *err, size_t errlen);

#endif
