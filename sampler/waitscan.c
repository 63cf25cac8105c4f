/* Sampling where threads wait (see waitscan.h).  At 100 Hz per thread,
 * opening two /proc files per look would dominate; instead each thread's
 * syscall and wchan files stay open and are re-read from offset 0 (the
 * kernel regenerates them on every read).  The task list is re-read once
 * a second for new threads; a thread that is gone fails its read and is
 * dropped. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "waitscan.h"
#include "proc.h"
#include "../common/clock.h"
#include "../common/xalloc.h"

#define WAITSCAN_TASKS_NS 1000000000ULL

struct waitscan_thread {
	pid_t tid;
	int syscall_fd, wchan_fd;
	bool seen;   /* in the last task list */
};

struct waitscan {
	pid_t pid;
	struct waitscan_thread *t;
	size_t n, cap;
	uint64_t tasks_ns;   /* when the task list was last read */
};

struct waitscan *waitscan_new(pid_t pid)
{
	struct waitscan *w = xcalloc(1, sizeof *w);

	w->pid = pid;
	return w;
}

static void waitscan_close(struct waitscan_thread *t)
{
	close(t->syscall_fd);
	if (t->wchan_fd >= 0)
		close(t->wchan_fd);
}

void waitscan_free(struct waitscan *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++)
		waitscan_close(&w->t[i]);
	free(w->t);
	free(w);
}

static int waitscan_open(pid_t pid, pid_t tid, const char *file)
{
	char path[96];

	snprintf(path, sizeof path, "/proc/%d/task/%d/%s", (int)pid, (int)tid, file);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* Open the files of threads not seen before, drop those that are gone. */
static void waitscan_tasks(struct waitscan *w)
{
	pid_t *tids = NULL;
	int n = proc_tasks(w->pid, &tids);
	size_t kept = 0;

	for (size_t i = 0; i < w->n; i++)
		w->t[i].seen = false;
	for (int i = 0; i < n; i++) {
		size_t j;
		for (j = 0; j < w->n && w->t[j].tid != tids[i]; j++)
			;
		if (j < w->n) {
			w->t[j].seen = true;
			continue;
		}
		struct waitscan_thread t = { tids[i], waitscan_open(w->pid, tids[i], "syscall"),
					     waitscan_open(w->pid, tids[i], "wchan"), true };
		if (t.syscall_fd < 0) {
			if (t.wchan_fd >= 0)
				close(t.wchan_fd);
			continue;
		}
		xgrow(&w->t, &w->cap, w->n + 1, sizeof *w->t);
		w->t[w->n++] = t;
	}
	for (size_t i = 0; i < w->n; i++) {
		if (w->t[i].seen || n < 0)
			w->t[kept++] = w->t[i];
		else
			waitscan_close(&w->t[i]);
	}
	w->n = kept;
	free(tids);
}

static ssize_t waitscan_read(int fd, char *buf, size_t len)
{
	ssize_t r;

	do
		r = pread(fd, buf, len - 1, 0);
	while (r < 0 && errno == EINTR);
	buf[r > 0 ? r : 0] = '\0';
	return r;
}

unsigned waitscan_sample(struct waitscan *w, uint64_t period_ns, event_sink_fn *sink, void *ctx)
{
	uint64_t now = clock_monotonic_ns();
	unsigned ok = 0;
	size_t kept = 0;

	if (!w->tasks_ns || now - w->tasks_ns >= WAITSCAN_TASKS_NS) {
		waitscan_tasks(w);
		w->tasks_ns = now;
	}
	for (size_t i = 0; i < w->n; i++) {
		struct waitscan_thread *t = &w->t[i];
		struct event ev = { .kind = EVENT_WAIT_SAMPLE, .time_ns = now };
		char buf[256];

		if (waitscan_read(t->syscall_fd, buf, sizeof buf) <= 0 ||
		    !proc_parse_syscall(buf, &ev.wait.nr, ev.wait.args)) {
			waitscan_close(t);   /* exited */
			continue;
		}
		w->t[kept++] = *t;
		ev.wait.pid = (uint32_t)w->pid;
		ev.wait.tid = (uint32_t)t->tid;
		ev.wait.period_ns = period_ns;
		/* wchan of a running thread is "0": only read it when blocked. */
		if (ev.wait.nr != -2 && t->wchan_fd >= 0 &&
		    waitscan_read(t->wchan_fd, ev.wait.wchan, sizeof ev.wait.wchan) > 0 &&
		    strcmp(ev.wait.wchan, "0") == 0)
			ev.wait.wchan[0] = '\0';
		ev.wait.wchan[strcspn(ev.wait.wchan, "\n")] = '\0';
		sink(ctx, &ev);
		ok++;
	}
	w->n = kept;
	return ok;
}
