/* The way back from the JSON snapshot (docs/snapshot-format.md): a saved
 * file becomes a fresh model that the report, the TUI and the exporters
 * read as they read a live one.  What the snapshot keeps as finished
 * numbers (lock shares of thread time, I/O and RSS rates, allocation site
 * trends) is restored as such, frozen: the model holds the one window
 * the file was written for, and every window shows it. */
#ifndef KPROF_SNAPSHOT_LOAD_H
#define KPROF_SNAPSHOT_LOAD_H

#include <stddef.h>

struct model;

/* The snapshot in path as a new model (model_free it), or NULL with a
 * one-line reason in err that says what to do (missing file, not JSON,
 * not a kprof-top snapshot, a newer version, cut short, damaged). */
struct model *snapshot_load(const char *path, char *err, size_t errlen);
/* The same from len bytes of data; what names them in messages. */
struct model *snapshot_load_buf(const char *data, size_t len, const char *what,
				char *err, size_t errlen);

#endif
