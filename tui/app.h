/* The live TUI: a full-screen ncurses view of the model while the sampler
 * thread fills it.  This is the whole interface the session sees. */
#ifndef KPROF_TUI_APP_H
#define KPROF_TUI_APP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct model;

/* What the TUI reads and whom it asks.  The model is written by another
 * thread under lock; the TUI copies what it shows under the same lock and
 * draws from the copy. */
struct tui_source {
	struct model *model;
	pthread_mutex_t *lock;
	void *ctx;                              /* for the callbacks */
	bool (*finished)(void *ctx);            /* the sampler has delivered everything */
	void (*stop)(void *ctx);                /* stop sampling (--duration reached) */
	pid_t pid;
	unsigned frequency;                     /* Hz per thread */
	double delay;                           /* refresh interval, s */
	double duration;                        /* stop sampling after; 0: never */
	const char *theme;                      /* name or path; NULL: the default */
	/* A saved snapshot, not a live target (--load): what the header says
	 * instead of the pid and the target's state, e.g. "loaded
	 * kprof-123.json, sampled 2026-11-24 02:10, 12.0 s"; NULL: live. */
	const char *loaded;
};

/* Block the signals the TUI reads from its signalfd (SIGWINCH, SIGTSTP; the
 * session blocks SIGINT/SIGTERM/SIGHUP itself).  Call before starting any
 * other thread, so that no thread takes them first. */
void tui_block_signals(void);

/* Run until the user quits or SIGINT/SIGTERM/SIGHUP arrives; the terminal
 * is restored on every path.  Returns 0, or -1 with a one-line reason in err
 * when the terminal could not be used. */
int tui_run(const struct tui_source *src, char *err, size_t errlen);

#endif
