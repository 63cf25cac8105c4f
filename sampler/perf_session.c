/* The perf events of one target (see perf_session.h).
 *
 * Following threads: per-thread events with rescans of /proc/PID/task miss
 * most samples of short-lived threads (FIELD-NOTES: ~5 %).  Instead every
 * existing thread gets one event per CPU with inherit=1, so the kernel
 * clones the events into each thread it starts; inherit needs cpu >= 0,
 * and all events of a CPU write into that CPU's ring (SET_OUTPUT).  Attach
 * race: a thread started by a thread we haven't reached yet is found by the
 * rescan after the FORK records are drained. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/perf_event.h>

#include "perf_session.h"
#include "perf_record.h"
#include "perf_ring.h"
#include "proc.h"
#include "../common/xalloc.h"

/* Ring sizes that lost nothing at ~1 kHz per busy thread (FIELD-NOTES). */
#define RING_PAGES_DWARF 1024
#define RING_PAGES_FP    64
#define RING_PAGES_MIN   8

struct session_event {
	pid_t tid;
	int cpu;
	int fd;
};

struct perf_session {
	struct perf_session_config cfg;
	event_sink_fn *sink;
	void *ctx;
	struct perf_event_attr attr;
	int ncpus;
	struct perf_ring *rings;     /* by CPU; fd -1 until the first event */
	struct pollfd *pfds;
	struct session_event *ev;
	size_t nev, evcap;
	pid_t *known;                /* tids with events, own or inherited */
	size_t nknown, knowncap;
	uint64_t sample_regs;
	uint64_t ips[PERF_MAX_STACK_DEPTH + 1];
};

static long session_perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu,
				    int group, unsigned long flags)
{
	return syscall(SYS_perf_event_open, attr, pid, cpu, group, flags);
}

static int session_read_int(const char *path, int fallback)
{
	char *s = proc_read_file(path, NULL);
	int v = s ? atoi(s) : fallback;

	free(s);
	return v;
}

static bool session_known(const struct perf_session *s, pid_t tid)
{
	for (size_t i = 0; i < s->nknown; i++)
		if (s->known[i] == tid)
			return true;
	return false;
}

/* A thread that exited: its id may be reused, and the list stays short. */
static void session_forget(struct perf_session *s, pid_t tid)
{
	for (size_t i = 0; i < s->nknown; i++)
		if (s->known[i] == tid) {
			s->known[i] = s->known[--s->nknown];
			return;
		}
}

static void session_add_known(struct perf_session *s, pid_t tid)
{
	if (session_known(s, tid))
		return;
	xgrow(&s->known, &s->knowncap, s->nknown + 1, sizeof *s->known);
	s->known[s->nknown++] = tid;
}

/* ---- reading ------------------------------------------------------------ */

static void session_record(struct perf_session *s, const struct perf_event_header *h)
{
	struct event ev;

	if (!perf_record_decode(h, s->attr.sample_type, &ev, s->ips))
		return;
	/* FORK records name the threads the kernel already follows. */
	if (ev.kind == EVENT_THREAD_START && ev.thread.pid == (uint32_t)s->cfg.pid)
		session_add_known(s, (pid_t)ev.thread.tid);
	else if (ev.kind == EVENT_THREAD_EXIT && ev.thread.pid == (uint32_t)s->cfg.pid)
		session_forget(s, (pid_t)ev.thread.tid);
	s->sink(s->ctx, &ev);
}

/* ---- opening ------------------------------------------------------------- */

static void session_attr(struct perf_session *s)
{
	struct perf_event_attr *a = &s->attr;

	memset(a, 0, sizeof *a);
	a->size = sizeof *a;
	a->type = PERF_TYPE_SOFTWARE;
	a->config = PERF_COUNT_SW_CPU_CLOCK;
	a->freq = 1;
	a->sample_freq = s->cfg.frequency;
	a->sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_PERIOD;
	if (s->cfg.dwarf) {
		a->sample_type |= PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
		a->sample_regs_user = perf_record_regs_mask();
		a->sample_stack_user = (s->cfg.stack_bytes + 7) & ~7u;   /* EINVAL unless aligned */
	} else {
		a->sample_type |= PERF_SAMPLE_CALLCHAIN;
		a->exclude_callchain_kernel = 1;
	}
	a->inherit = 1;
	a->task = 1;
	a->comm = 1;
	a->comm_exec = 1;
	a->mmap = 1;
	a->mmap2 = 1;
	a->mmap_data = 1;   /* .eh_frame_hdr lives in the r-- segment */
	a->sample_id_all = 1;
	a->exclude_hv = 1;
	a->use_clockid = 1;
	a->clockid = CLOCK_MONOTONIC;
	/* Wake the reader when a quarter of the ring is full. */
	a->watermark = 1;
	a->wakeup_watermark = (s->cfg.dwarf ? RING_PAGES_DWARF : RING_PAGES_FP) * 4096 / 4;
	a->disabled = s->cfg.launched;
	a->enable_on_exec = s->cfg.launched;
}

static void session_perm_error(char *err, size_t errlen, int e)
{
	int paranoid = session_read_int("/proc/sys/kernel/perf_event_paranoid", 2);

	snprintf(err, errlen,
		 "perf events refused (%s, kernel.perf_event_paranoid=%d): run as root, or give "
		 "kprof-top CAP_PERFMON and CAP_SYS_PTRACE (setcap cap_perfmon,cap_sys_ptrace+ep), "
		 "or lower it: sysctl -w kernel.perf_event_paranoid=1",
		 strerror(e), paranoid);
}

/* Open the ring of a CPU on its first event, or point the event at it. */
static int session_attach_ring(struct perf_session *s, int cpu, int fd)
{
	struct perf_ring *r = &s->rings[cpu];
	size_t pages = s->cfg.dwarf ? RING_PAGES_DWARF : RING_PAGES_FP;
	int rc;

	if (r->fd >= 0)
		return ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, r->fd) < 0 ? -errno : 0;
	/* Unprivileged users get little locked memory: settle for less. */
	while ((rc = perf_ring_open(r, fd, pages)) == -EPERM && pages > RING_PAGES_MIN)
		pages /= 2;
	if (rc == 0)
		s->pfds[cpu] = (struct pollfd){ .fd = fd, .events = POLLIN };
	return rc;
}

/* Events for one thread on every CPU.  0, or -errno of the first failure
 * that isn't "the thread is gone". */
static int session_open_thread(struct perf_session *s, pid_t tid)
{
	for (int cpu = 0; cpu < s->ncpus; cpu++) {
		int fd = (int)session_perf_event_open(&s->attr, tid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
		int rc;

		if (fd < 0 && errno == EACCES && !s->attr.exclude_kernel) {
			/* Unprivileged: user-mode samples only. */
			s->attr.exclude_kernel = 1;
			fd = (int)session_perf_event_open(&s->attr, tid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
		}
		if (fd < 0) {
			if (errno == ESRCH)
				return 0;
			if (errno == ENODEV || errno == ENXIO)
				continue;   /* offline CPU */
			return -errno;
		}
		rc = session_attach_ring(s, cpu, fd);
		if (rc < 0) {
			close(fd);
			return rc;
		}
		xgrow(&s->ev, &s->evcap, s->nev + 1, sizeof *s->ev);
		s->ev[s->nev++] = (struct session_event){ tid, cpu, fd };
	}
	session_add_known(s, tid);
	return 0;
}

static void session_raise_nofile(size_t need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need + 64) {
		rl.rlim_cur = MIN(rl.rlim_max, (rlim_t)need + 1024);
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

void perf_session_rescan(struct perf_session *s)
{
	pid_t *tids = NULL;
	int n;

	if (s->cfg.launched)
		return;   /* every thread descends from the one we opened */
	/* FORK records name the threads the kernel already follows.  List the
	 * tasks first and drain after: a thread started in between then has
	 * its FORK drained too, instead of getting a second set of events. */
	n = proc_tasks(s->cfg.pid, &tids);
	perf_session_poll(s, 0);
	session_raise_nofile((size_t)(s->nev + (size_t)(n > 0 ? n : 0) * (size_t)s->ncpus));
	for (int i = 0; i < n; i++)
		if (!session_known(s, tids[i]))
			session_open_thread(s, tids[i]);
	free(tids);
}

static int session_ncpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);
	return n > 0 ? (int)n : 1;
}

struct perf_session *perf_session_open(const struct perf_session_config *cfg,
				       event_sink_fn *sink, void *ctx,
				       char *err, size_t errlen, bool *usage)
{
	struct perf_session *s = xcalloc(1, sizeof *s);
	int rc, max_rate;

	*usage = false;
	s->cfg = *cfg;
	s->sink = sink;
	s->ctx = ctx;
	s->ncpus = session_ncpus();
	s->rings = xcalloc((size_t)s->ncpus, sizeof *s->rings);
	s->pfds = xcalloc((size_t)s->ncpus, sizeof *s->pfds);
	for (int i = 0; i < s->ncpus; i++) {
		s->rings[i].fd = -1;
		s->pfds[i].fd = -1;
	}
	session_attr(s);

	max_rate = session_read_int("/proc/sys/kernel/perf_event_max_sample_rate", 100000);
	if ((int)cfg->frequency > max_rate) {
		snprintf(err, errlen, "frequency %u Hz is above kernel.perf_event_max_sample_rate=%d: "
			 "choose a lower -F", cfg->frequency, max_rate);
		*usage = true;
		goto fail;
	}
	if (cfg->launched) {
		rc = session_open_thread(s, cfg->pid);
	} else {
		pid_t *tids = NULL;
		int n = proc_tasks(cfg->pid, &tids);

		if (n <= 0) {
			snprintf(err, errlen, "no process with pid %d (it may have exited)", (int)cfg->pid);
			*usage = true;
			free(tids);
			goto fail;
		}
		session_raise_nofile((size_t)n * (size_t)s->ncpus);
		rc = 0;
		for (int i = 0; i < n && rc == 0; i++)
			rc = session_open_thread(s, tids[i]);
		free(tids);
	}
	if (rc == -EACCES || rc == -EPERM) {
		session_perm_error(err, errlen, -rc);
		*usage = true;
		goto fail;
	}
	if (rc < 0 || s->nev == 0) {
		snprintf(err, errlen, "cannot open perf events for pid %d: %s",
			 (int)cfg->pid, rc < 0 ? strerror(-rc) : "its threads are gone");
		*usage = rc == 0;
		goto fail;
	}
	perf_session_rescan(s);
	return s;
fail:
	perf_session_close(s);
	return NULL;
}

/* Each CPU's ring is in time order, but a thread may mmap a library on one
 * CPU and run it on another: merge the rings by timestamp so a sample never
 * arrives before the mapping it needs. */
static size_t session_drain_ordered(struct perf_session *s)
{
	size_t n = 0;

	for (int i = 0; i < s->ncpus; i++)
		perf_ring_begin(&s->rings[i]);
	for (;;) {
		const struct perf_event_header *h, *best = NULL;
		uint64_t best_t = UINT64_MAX;
		int best_i = -1;

		for (int i = 0; i < s->ncpus; i++) {
			uint64_t t;
			if (!(h = perf_ring_peek(&s->rings[i])))
				continue;
			t = perf_record_time(h);
			if (!best || t < best_t) {
				best = h;
				best_t = t;
				best_i = i;
			}
		}
		if (!best)
			break;
		session_record(s, best);
		perf_ring_advance(&s->rings[best_i]);
		n++;
	}
	for (int i = 0; i < s->ncpus; i++)
		perf_ring_end(&s->rings[i]);
	return n;
}

size_t perf_session_poll(struct perf_session *s, int timeout_ms)
{
	if (timeout_ms > 0 && poll(s->pfds, (nfds_t)s->ncpus, timeout_ms) > 0) {
		/* A ring whose owning thread exited reports POLLHUP forever; it
		 * still receives other threads' records, so keep draining it on
		 * every tick but stop polling it. */
		for (int i = 0; i < s->ncpus; i++)
			if (s->pfds[i].revents & (POLLHUP | POLLERR))
				s->pfds[i].fd = -1;
	}
	return session_drain_ordered(s);
}

void perf_session_close(struct perf_session *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nev; i++)
		ioctl(s->ev[i].fd, PERF_EVENT_IOC_DISABLE, 0);
	session_drain_ordered(s);
	for (int i = 0; i < s->ncpus; i++)
		perf_ring_close(&s->rings[i]);
	for (size_t i = 0; i < s->nev; i++)
		close(s->ev[i].fd);
	free(s->ev);
	free(s->known);
	free(s->rings);
	free(s->pfds);
	free(s);
}
