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
#include "perf_ring.h"
#include "proc.h"
#include "../common/xalloc.h"

/* perf's x86 register numbers (arch/x86/include/uapi/asm/perf_regs.h). */
enum { PERF_X86_BX = 1, PERF_X86_BP = 6, PERF_X86_SP = 7, PERF_X86_IP = 8,
       PERF_X86_R12 = 20, PERF_X86_R13 = 21, PERF_X86_R14 = 22, PERF_X86_R15 = 23 };

/* In ascending bit order, which is the order the kernel writes them. */
static const struct { int perf; enum event_reg ev; } session_regs[] = {
	{ PERF_X86_BX, EVENT_REG_BX }, { PERF_X86_BP, EVENT_REG_BP },
	{ PERF_X86_SP, EVENT_REG_SP }, { PERF_X86_IP, EVENT_REG_IP },
	{ PERF_X86_R12, EVENT_REG_R12 }, { PERF_X86_R13, EVENT_REG_R13 },
	{ PERF_X86_R14, EVENT_REG_R14 }, { PERF_X86_R15, EVENT_REG_R15 },
};

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

static void session_add_known(struct perf_session *s, pid_t tid)
{
	if (session_known(s, tid))
		return;
	xgrow(&s->known, &s->knowncap, s->nknown + 1, sizeof *s->known);
	s->known[s->nknown++] = tid;
}

/* ---- decoding ------------------------------------------------------------ */

/* Fields are read by memcpy: wrapped records sit in scratch space and the
 * kernel aligns only to 8 bytes. */
struct cursor {
	const uint8_t *p, *end;
};

static bool cur_u64(struct cursor *c, uint64_t *v)
{
	if (c->p + 8 > c->end)
		return false;
	memcpy(v, c->p, 8);
	c->p += 8;
	return true;
}

static bool cur_u32(struct cursor *c, uint32_t *v)
{
	if (c->p + 4 > c->end)
		return false;
	memcpy(v, c->p, 4);
	c->p += 4;
	return true;
}

static void session_emit_sample(struct perf_session *s, const struct perf_event_header *h)
{
	struct cursor c = { (const uint8_t *)(h + 1), (const uint8_t *)h + h->size };
	struct event ev = { .kind = EVENT_SAMPLE };
	struct event_sample *smp = &ev.sample;
	uint64_t nr = 0, abi = 0, size = 0, dyn = 0;
	uint16_t mode = h->misc & PERF_RECORD_MISC_CPUMODE_MASK;

	if (!cur_u64(&c, &smp->ip) || !cur_u32(&c, &smp->pid) || !cur_u32(&c, &smp->tid) ||
	    !cur_u64(&c, &ev.time_ns) || !cur_u64(&c, &smp->period))
		return;
	smp->kernel = mode == PERF_RECORD_MISC_KERNEL || mode == PERF_RECORD_MISC_GUEST_KERNEL;
	if (s->attr.sample_type & PERF_SAMPLE_CALLCHAIN) {
		if (!cur_u64(&c, &nr))
			return;
		for (uint64_t i = 0; i < nr; i++) {
			uint64_t ip;
			if (!cur_u64(&c, &ip))
				return;
			/* Context markers (PERF_CONTEXT_USER, …) are not addresses. */
			if (ip >= (uint64_t)PERF_CONTEXT_MAX || smp->nr_ips >= PERF_MAX_STACK_DEPTH)
				continue;
			s->ips[smp->nr_ips++] = ip;
		}
		smp->ips = s->ips;
	}
	if (s->attr.sample_type & PERF_SAMPLE_REGS_USER) {
		if (!cur_u64(&c, &abi))
			return;
		if (abi != PERF_SAMPLE_REGS_ABI_NONE) {
			for (size_t i = 0; i < sizeof session_regs / sizeof session_regs[0]; i++)
				if (!cur_u64(&c, &smp->regs[session_regs[i].ev]))
					return;
			smp->has_regs = true;
		}
	}
	if (s->attr.sample_type & PERF_SAMPLE_STACK_USER) {
		if (!cur_u64(&c, &size))
			return;
		if (size) {
			smp->stack = c.p;
			if (c.p + size + 8 > c.end)
				return;
			c.p += size;
			cur_u64(&c, &dyn);
			smp->stack_size = (uint32_t)MIN(dyn, size);
		}
	}
	s->sink(s->ctx, &ev);
}

/* The sample_id trailer of a non-sample record: pid, tid, time. */
static uint64_t session_record_time(const struct perf_event_header *h)
{
	uint64_t t;

	memcpy(&t, (const uint8_t *)h + h->size - 8, 8);
	return t;
}

/* A record's time: in a sample after ip and pid/tid, else in the trailer. */
static uint64_t session_header_time(const struct perf_event_header *h)
{
	uint64_t t = 0;

	if (h->type == PERF_RECORD_SAMPLE) {
		if (h->size >= sizeof *h + 24)
			memcpy(&t, (const uint8_t *)(h + 1) + 16, 8);
		return t;
	}
	return h->size >= sizeof *h + 16 ? session_record_time(h) : 0;
}

static void session_record(void *ctx, const struct perf_event_header *h)
{
	struct perf_session *s = ctx;
	const uint8_t *body = (const uint8_t *)(h + 1);
	struct event ev = { 0 };
	uint32_t u32[4];

	if (h->type == PERF_RECORD_SAMPLE) {
		session_emit_sample(s, h);
		return;
	}
	if (h->size < sizeof *h + 16)
		return;
	ev.time_ns = session_record_time(h);
	switch (h->type) {
	case PERF_RECORD_MMAP2: {
		uint64_t v[3], ino;
		uint32_t prot_flags[2];
		if (h->size < sizeof *h + 8 + 24 + 24 + 8 + 16)
			return;
		memcpy(u32, body, 8);
		memcpy(v, body + 8, 24);
		ev.kind = EVENT_MMAP;
		ev.mmap.pid = u32[0];
		ev.mmap.tid = u32[1];
		ev.mmap.start = v[0];
		ev.mmap.len = v[1];
		ev.mmap.pgoff = v[2];
		memcpy(&ev.mmap.maj, body + 32, 4);
		memcpy(&ev.mmap.min, body + 36, 4);
		memcpy(&ino, body + 40, 8);
		ev.mmap.ino = ino;
		memcpy(prot_flags, body + 56, 8);
		ev.mmap.prot = prot_flags[0];
		/* The name is NUL-padded to 8 bytes, before the 16-byte trailer. */
		ev.mmap.path = (const char *)body + 64;
		if (!memchr(ev.mmap.path, '\0', (size_t)(h->size - sizeof *h - 64 - 16)))
			return;
		break;
	}
	case PERF_RECORD_COMM:
		memcpy(u32, body, 8);
		ev.kind = EVENT_COMM;
		ev.comm.pid = u32[0];
		ev.comm.tid = u32[1];
		ev.comm.comm = (const char *)body + 8;
		ev.comm.exec = h->misc & PERF_RECORD_MISC_COMM_EXEC;
		if (!memchr(ev.comm.comm, '\0', (size_t)(h->size - sizeof *h - 8 - 16)))
			return;
		break;
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT:
		memcpy(u32, body, 16);
		ev.kind = h->type == PERF_RECORD_FORK ? EVENT_THREAD_START : EVENT_THREAD_EXIT;
		ev.thread.pid = u32[0];
		ev.thread.ppid = u32[1];
		ev.thread.tid = u32[2];
		ev.thread.ptid = u32[3];
		if (h->type == PERF_RECORD_FORK && u32[0] == (uint32_t)s->cfg.pid)
			session_add_known(s, (pid_t)u32[2]);
		break;
	case PERF_RECORD_LOST:
		ev.kind = EVENT_LOST;
		memcpy(&ev.lost.count, body + 8, 8);
		break;
	default:
		return;   /* throttling and the rest: nothing the model uses */
	}
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
		for (size_t i = 0; i < sizeof session_regs / sizeof session_regs[0]; i++)
			a->sample_regs_user |= 1ULL << session_regs[i].perf;
		a->sample_stack_user = s->cfg.stack_bytes;
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
	/* FORK records name the threads the kernel already follows. */
	perf_session_poll(s, 0);
	n = proc_tasks(s->cfg.pid, &tids);
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
			t = session_header_time(h);
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

bool perf_session_kernel(const struct perf_session *s)
{
	return !s->attr.exclude_kernel;
}

int perf_session_nr_events(const struct perf_session *s)
{
	return (int)s->nev;
}
