/* Launch mode: fork the command held at a gate, so its perf events can be
 * opened (enable_on_exec) before its first instruction runs, then let it
 * exec. */
#ifndef KPROF_LAUNCH_H
#define KPROF_LAUNCH_H

#include <stddef.h>
#include <sys/types.h>

struct launch {
	pid_t pid;
	int gate_fd;     /* write end: one byte lets the child exec */
	int status_fd;   /* read end: the child's exec errno, or EOF on success */
};

/* What the command gets that kprof-top itself does not have. */
struct launch_extra {
	/* "NAME=value" strings, NULL-terminated, replacing NAME in the
	 * command's environment (ours is left alone); NULL for none. */
	char *const *env;
	int keep_fd;     /* an fd of ours the command inherits across exec, or -1 */
};

/* Fork argv[0] (looked up in PATH) held at the gate; extra may be NULL.
 * 0 or -1 with err. */
int launch_start(struct launch *l, char *const argv[], const struct launch_extra *extra,
		 char *err, size_t errlen);
/* Open the gate and wait for the exec to happen.  0 or -1 with err (the
 * command could not be run; the child has exited). */
int launch_go(struct launch *l, const char *cmd, char *err, size_t errlen);
/* Kill a child that never got through the gate. */
void launch_abort(struct launch *l);

#endif
