/* Launch mode (see launch.h), as perf record does it: the child blocks on a
 * pipe until the parent's events exist, and reports a failed exec through a
 * close-on-exec pipe, so "command not found" is an error, not a profile of
 * nothing. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launch.h"
#include "../common/xalloc.h"

extern char **environ;

/* Our environment with extra's strings in place of the same names, built
 * before the fork: the child only execs. */
static char **launch_env(char *const *extra)
{
	size_t n = 0, m = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	while (extra && extra[m])
		m++;
	env = xcalloc(n + m + 1, sizeof *env);
	for (size_t i = 0; i < n; i++) {
		bool replaced = false;
		for (size_t j = 0; j < m && !replaced; j++) {
			size_t len = strcspn(extra[j], "=") + 1;
			replaced = strncmp(environ[i], extra[j], len) == 0;
		}
		if (!replaced)
			env[k++] = environ[i];
	}
	for (size_t j = 0; j < m; j++)
		env[k++] = extra[j];
	return env;
}

int launch_start(struct launch *l, char *const argv[], const struct launch_extra *extra,
		 char *err, size_t errlen)
{
	int gate[2], status[2];
	sigset_t none;
	char **env;

	l->pid = -1;
	l->gate_fd = l->status_fd = -1;
	if (pipe2(gate, O_CLOEXEC) < 0 || pipe2(status, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "cannot create pipes: %s", strerror(errno));
		return -1;
	}
	env = launch_env(extra ? extra->env : NULL);
	l->pid = fork();
	if (l->pid < 0) {
		snprintf(err, errlen, "cannot fork: %s", strerror(errno));
		free(env);
		return -1;
	}
	if (l->pid == 0) {
		char c;
		int e;

		close(gate[1]);
		close(status[0]);
		/* exec keeps the signal mask: give the command a clean one. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		if (extra && extra->keep_fd >= 0)
			fcntl(extra->keep_fd, F_SETFD, 0);
		if (read(gate[0], &c, 1) != 1)
			_exit(127);   /* the profiler gave up before opening the gate */
		execvpe(argv[0], argv, env);
		e = errno;
		if (write(status[1], &e, sizeof e) < 0)
			_exit(127);
		_exit(127);
	}
	free(env);
	close(gate[0]);
	close(status[1]);
	l->gate_fd = gate[1];
	l->status_fd = status[0];
	return 0;
}

int launch_go(struct launch *l, const char *cmd, char *err, size_t errlen)
{
	char c = 'g';
	int e = 0;
	ssize_t n;

	if (write(l->gate_fd, &c, 1) != 1) {
		snprintf(err, errlen, "cannot start %s: %s", cmd, strerror(errno));
		return -1;
	}
	close(l->gate_fd);
	l->gate_fd = -1;
	do
		n = read(l->status_fd, &e, sizeof e);
	while (n < 0 && errno == EINTR);
	close(l->status_fd);
	l->status_fd = -1;
	if (n == (ssize_t)sizeof e) {
		waitpid(l->pid, NULL, 0);
		snprintf(err, errlen, "cannot run %s: %s", cmd, strerror(e));
		return -1;
	}
	return 0;
}

void launch_abort(struct launch *l)
{
	/* Through the gate already: it runs the command, which won't end. */
	if (l->gate_fd < 0 && l->pid > 0)
		kill(l->pid, SIGKILL);
	if (l->gate_fd >= 0)
		close(l->gate_fd);     /* the child reads EOF and exits */
	if (l->status_fd >= 0)
		close(l->status_fd);
	l->gate_fd = l->status_fd = -1;
	if (l->pid > 0)
		waitpid(l->pid, NULL, 0);
	l->pid = -1;
}
