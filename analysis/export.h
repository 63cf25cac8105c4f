/* Writers for what the model shows: folded stacks (flamegraph.pl, inferno,
 * speedscope), the JSON snapshot (docs/snapshot-format.md) and the plain-text
 * batch report.  Each writes to a stream; export_to_file() makes a file
 * appear whole or not at all (temporary + rename). */
#ifndef KPROF_EXPORT_H
#define KPROF_EXPORT_H

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

/* Write with fn into path via a temporary in the same directory, renamed
 * into place on success; on failure nothing is left and err (size errlen)
 * says why in one line.  Returns 0 or -1. */
int export_to_file(const char *path, export_fn *fn, const struct model *m,
		   uint32_t window_secs, char *err, size_t errlen);

#endif
