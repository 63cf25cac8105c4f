/* One profiling session: the target (attached, launched or the demo), the
 * sampler thread feeding the model, the wait for the end (duration, target
 * exit, a signal), and the outputs written from the model at the end. */
#ifndef KPROF_SESSION_H
#define KPROF_SESSION_H

#include <signal.h>

struct flame_palette;
struct model;
struct options;

/* Run a session; returns the process exit status (0, 1, 2; 3 for a
 * regression found by --diff --fail-on-regression). */
int session_run(const struct options *o);
/* Block SIGINT, SIGTERM, SIGHUP and SIGQUIT (*sigs), keeping the old mask:
 * the batch wait and the TUI take them synchronously, so the terminal is
 * restored and the data written on every one of them. */
void session_block_signals(sigset_t *sigs, sigset_t *old);
/* The files the options ask for (and the batch report), written from m at
 * the end of a session; 0, or 1 when one could not be written. */
int session_outputs(const struct options *o, const struct model *m);
/* A flame graph's colours from --theme (one that can't be read: a
 * warning, and the default colours). */
void session_flame_palette(const struct options *o, struct flame_palette *pal);
/* --load FILE: a saved snapshot in the live view or (-b) the report, and
 * re-exported as the options ask (session_load.c). */
int session_load(const struct options *o);
/* --diff BEFORE AFTER (session_diff.c). */
int session_diff(const struct options *o);

#endif
