/* One profiling session: the target (attached, launched or the demo), the
 * sampler thread feeding the model, the wait for the end (duration, target
 * exit, a signal), and the outputs written from the model at the end. */
#ifndef KPROF_SESSION_H
#define KPROF_SESSION_H

struct options;

/* Run a session; returns the process exit status (0, 1, 2). */
int session_run(const struct options *o);

#endif
