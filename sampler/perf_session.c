/* The perf events of one target (see perf_session.h).
 *
 * Following threads: per-thread events with rescans of /proc/PID/task miss
 * most samples of short-lived threads (FIELD-NOTES: ~5 %).  Instead every
 * existing thread gets one event per CPU with inherit=1, so the kernel
 * clones the events into each thread it starts; inherit needs cpu >= 0,
 * and all events of a CPU write into that CPU's ring (SET_OUTPUT).  Attach
 * race: a thread started by a thread we haven't reached yet is found by the
 * rescan after the FORK records are drained.
 *
 * Syscall tracing rides on the same scheme: raw_syscalls sys_enter and
 * sys_exit (filtered in the kernel, see tracepoints.c) and a second
 * sys_enter that takes a user stack every SESSION_STACK_PERIOD entries,
 * per (thread, CPU) with inherit, into the same rings.  Every event sets
 * PERF_SAMPLE_IDENTIFIER, so a record names its event (inherited clones
 * report their parent's id) and is decoded with that event's layout; only
 * the cpu-clock event asks for task/comm/mmap records.  When the kernel
 * refuses the tracepoints the CPU profile goes on without them.
 *
 * Allocations ride on it too: a page-faults software event (sampled every
 * SESSION_FAULT_PERIOD faults, with the faulting address and the user
 * stack), and with --alloc-sites the allocator uprobes of uprobes.c.  Each
 * group of events (CPU, faults, syscall tracing, uprobes) is turned off as
 * a whole when the kernel refuses it; only the CPU group is required. */
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
#include "fdnames.h"
#include "perf_record.h"
#include "perf_ring.h"
#include "proc.h"
#include "tracepoints.h"
#include "uprobes.h"
#include "../common/xalloc.h"

/* Ring sizes that lost nothing at ~1 kHz per busy thread (FIELD-NOTES). */
#define RING_PAGES_DWARF 1024
#define RING_PAGES_FP    64
#define RING_PAGES_MIN   8
/* Syscall records (~100 bytes per enter, 64 per exit) at 40k calls/s fill
 * 256 KiB in one 50 ms tick: FP mode needs a bigger ring when tracing. */
#define RING_PAGES_FP_TRACE 512

/* One user stack per this many traced syscall entries of a thread (per
 * CPU event).  Timing stays on every call.  Measured (DWARF, 8 KiB stacks,
 * 4 MiB rings, one thread calling futex(WAKE) 20 frames deep, ~140k
 * entries/s, baseline 3.4-4.6 us per call): N=1 cost the target ~20 us per
 * call and lost 83k records in 5 s; N=4 ~+4 us and lost 15k; N=16 ~+1.3 us
 * on top of ~2 us for the enter/exit records and lost none; N=64 ~+0.3 us.
 * 16 was the smallest period that lost nothing (~1250 stacks/s at a
 * contended mutex's 20k waits/s); 17, a prime, because a loop of k traced
 * calls per turn (a read and a write: k = 2) would put every stack on the
 * same call whenever k divides the period. */
#define SESSION_STACK_PERIOD 17

/* One fault sample per this many page faults of a thread (per CPU event).
 * Measured (2-vCPU VM, DWARF 8 KiB stacks, a loop touching fresh 4 KiB
 * pages, 12-19 us per fault here): a sample on every fault added 10-35 us
 * per fault, so ~20 us a sample; at 64 the added cost is ~0.3 us a fault,
 * within the run-to-run noise, and a target faulting in 50 MiB/s (12 800
 * faults/s) pays ~200 samples/s, ~0.4 % of a core.  A 2 MiB/s retention
 * still gets 8 samples/s (alloc_sites: 1.95-2.1 MiB/s recovered). */
#define SESSION_FAULT_PERIOD 64

/* One stack per this many calls of an allocator (per CPU event), with
 * --alloc-sites; returns and frees are seen on every call.  The trap is
 * the cost, not the stack: a malloc+free pair cost 13-19 us with every
 * probe on, stacks on every 16th call or never (a 2-vCPU VM under load;
 * FP callchains were no cheaper), and alloc_sites' churn ran at ~130k
 * pairs/s under the probes with 1 or 16.  But counting calls misses the
 * sites that matter: a leak of a few large blocks a second got one stack
 * in 4 s at 16 (+1.1 MB/s of 2.1 found), and 1.9 MB/s at 1.  Every call,
 * then, at the price of kprof-top unwinding each (9 % of a core there,
 * nothing lost with 4 MiB rings). */
#define SESSION_PROBE_PERIOD 1

enum session_kind {
	SESSION_CPU, SESSION_FAULT, SESSION_ENTER, SESSION_EXIT, SESSION_STACK,
	SESSION_PROBE,                     /* ... one kind per uprobe */
	SESSION_KINDS = SESSION_PROBE + UPROBES_MAX
};

/* Kinds are opened, and refused, by group. */
enum session_group { GROUP_CPU, GROUP_FAULT, GROUP_TRACE, GROUP_PROBES };

static enum session_group session_group(int k)
{
	return k == SESSION_CPU ? GROUP_CPU : k == SESSION_FAULT ? GROUP_FAULT
	       : k < SESSION_PROBE ? GROUP_TRACE : GROUP_PROBES;
}

struct session_event {
	pid_t tid;
	int cpu;
	int fd;
	uint8_t kind;                /* enum session_kind */
	uint64_t id;                 /* PERF_EVENT_IOC_ID: what its records carry */
};

struct perf_session {
	struct perf_session_config cfg;
	event_sink_fn *sink;
	void *ctx;
	struct perf_event_attr attr[SESSION_KINDS];
	struct perf_record_layout layout[SESSION_KINDS];
	bool on[SESSION_KINDS];      /* kinds opened for every thread */
	char filter[512];
	bool trace_asked;
	char trace_reason[160];      /* why tracing is off; "" when it works */
	char fault_reason[160];      /* why page faults are not sampled */
	char probe_reason[160];      /* why the uprobes are off */
	struct uprobes uprobes;      /* config1 of the probe events points here */
	uint64_t trace_calls;        /* syscall entries traced so far */
	struct fdnames *fdnames;     /* tracing I/O: the target's fd names */
	int ncpus;
	struct perf_ring *rings;     /* by CPU; fd -1 until the first event */
	struct pollfd *pfds;
	const struct perf_event_header **peek_h;   /* by CPU: the head record, */
	uint64_t *peek_t;                          /* and its time */
	struct session_event *ev;    /* sorted by id */
	size_t nev, evcap;
	pid_t *known;                /* tids with events, own or inherited */
	size_t nknown, knowncap;
	uint64_t sample_regs;
	struct perf_record_scratch scratch;
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

static const struct perf_record_layout *session_layout(const struct perf_session *s, uint64_t id)
{
	size_t lo = 0, hi = s->nev;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->ev[mid].id == id)
			return &s->layout[s->ev[mid].kind];
		if (s->ev[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void session_record(struct perf_session *s, const struct perf_event_header *h)
{
	const struct perf_record_layout *l = session_layout(s, perf_record_id(h));
	bool ours;
	struct event ev;

	if (!l || !perf_record_decode(h, l, &ev, &s->scratch))
		return;
	switch (ev.kind) {
	/* FORK records name the threads the kernel already follows. */
	case EVENT_THREAD_START:
		if (ev.thread.pid == (uint32_t)s->cfg.pid)
			session_add_known(s, (pid_t)ev.thread.tid);
		break;
	case EVENT_THREAD_EXIT:
		if (ev.thread.pid == (uint32_t)s->cfg.pid)
			session_forget(s, (pid_t)ev.thread.tid);
		break;
	case EVENT_SYSCALL_ENTER:
		s->trace_calls++;
		/* inherit follows fork() too: a child's fds are not the target's. */
		ours = ev.syscall.pid == (uint32_t)s->cfg.pid;
		if (s->fdnames && ours)
			fdnames_enter(s->fdnames, &ev);
		break;
	case EVENT_SYSCALL_EXIT:
		s->sink(s->ctx, &ev);
		if (s->fdnames && ev.syscall.pid == (uint32_t)s->cfg.pid)
			fdnames_exit(s->fdnames, &ev);
		return;
	case EVENT_COMM:
		if (s->fdnames && ev.comm.exec && ev.comm.pid == (uint32_t)s->cfg.pid)
			fdnames_clear(s->fdnames);
		break;
	case EVENT_FREE:
		if (ev.free.addr == 0)
			return;   /* free(NULL), realloc(NULL, n) */
		break;
	case EVENT_LOST:
		/* A lost close or dup would leave a stale name behind. */
		if (s->fdnames)
			fdnames_clear(s->fdnames);
		break;
	default:
		break;
	}
	s->sink(s->ctx, &ev);
}

/* ---- opening ------------------------------------------------------------- */

static size_t session_ring_pages(const struct perf_session *s)
{
	if (s->cfg.ring_pages)
		return s->cfg.ring_pages;
	if (s->cfg.dwarf)
		return RING_PAGES_DWARF;
	return s->trace_asked ? RING_PAGES_FP_TRACE : RING_PAGES_FP;
}

/* What every event shares: inherit, the clock, the sample_id trailer (the
 * same TID | TIME | IDENTIFIER for all, so any record's time is found the
 * same way), the wakeup point and the launch gate. */
static void session_attr_common(const struct perf_session *s, struct perf_event_attr *a)
{
	a->size = sizeof *a;
	a->inherit = 1;
	a->sample_id_all = 1;
	a->use_clockid = 1;
	a->clockid = CLOCK_MONOTONIC;
	/* Wake the reader when a quarter of the ring is full. */
	a->watermark = 1;
	a->wakeup_watermark = (uint32_t)(session_ring_pages(s) * 4096 / 4);
	a->disabled = s->cfg.launched;
	a->enable_on_exec = s->cfg.launched;
}

/* The user stack as CPU samples take it: registers + stack copy (DWARF),
 * or the user part of the kernel's frame-pointer callchain. */
static void session_attr_stack(const struct perf_session *s, struct perf_event_attr *a)
{
	if (s->cfg.dwarf) {
		a->sample_type |= PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
		a->sample_regs_user = perf_record_regs_mask();
		a->sample_stack_user = (s->cfg.stack_bytes + 7) & ~7u;   /* EINVAL unless aligned */
	} else {
		a->sample_type |= PERF_SAMPLE_CALLCHAIN;
		a->exclude_callchain_kernel = 1;
	}
}

static void session_attr_cpu(struct perf_session *s)
{
	struct perf_event_attr *a = &s->attr[SESSION_CPU];

	memset(a, 0, sizeof *a);
	session_attr_common(s, a);
	a->type = PERF_TYPE_SOFTWARE;
	a->config = PERF_COUNT_SW_CPU_CLOCK;
	a->freq = 1;
	a->sample_freq = s->cfg.frequency;
	a->sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |
			 PERF_SAMPLE_TIME | PERF_SAMPLE_PERIOD;
	session_attr_stack(s, a);
	a->task = 1;
	a->comm = 1;
	a->comm_exec = 1;
	a->mmap = 1;
	a->mmap2 = 1;
	a->mmap_data = 1;   /* .eh_frame_hdr lives in the r-- segment */
	a->exclude_hv = 1;
	s->layout[SESSION_CPU] = (struct perf_record_layout){ a->sample_type, EVENT_SAMPLE, 0, { 0 }, 0, 0 };
	s->on[SESSION_CPU] = true;
}

/* Page faults with the data address and the same user stack as CPU
 * samples: where memory is first touched.  A fixed period, so each sample
 * stands for the same number of faults (pages, mostly). */
static void session_attr_fault(struct perf_session *s)
{
	struct perf_event_attr *a = &s->attr[SESSION_FAULT];

	memset(a, 0, sizeof *a);
	session_attr_common(s, a);
	a->type = PERF_TYPE_SOFTWARE;
	a->config = PERF_COUNT_SW_PAGE_FAULTS;
	a->sample_period = SESSION_FAULT_PERIOD;
	/* No PERF_SAMPLE_PERIOD: with it and a fixed period the kernel samples
	 * every software event (perf_swevent_event), period 1.  The period is
	 * the layout's. */
	a->sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |
			 PERF_SAMPLE_TIME | PERF_SAMPLE_ADDR;
	session_attr_stack(s, a);
	a->exclude_hv = 1;
	s->layout[SESSION_FAULT] = (struct perf_record_layout){ a->sample_type, EVENT_FAULT,
		SESSION_FAULT_PERIOD, { 0 }, 0, 0 };
	s->on[SESSION_FAULT] = true;
}

/* The allocator uprobes: an entry probe taking the arguments and the user
 * stack every SESSION_PROBE_PERIOD calls, return probes and free on every
 * call (registers only, ~100-byte records).  False with the reason in
 * s->probe_reason. */
static bool session_attr_probes(struct perf_session *s)
{
	struct uprobes *u = &s->uprobes;

	if (uprobes_find(u, s->cfg.pid, s->probe_reason, sizeof s->probe_reason) < 0)
		return false;
	for (size_t i = 0; i < u->n; i++) {
		const struct uprobes_probe *p = &u->probe[i];
		int k = SESSION_PROBE + (int)i;
		struct perf_event_attr *a = &s->attr[k];

		memset(a, 0, sizeof *a);
		session_attr_common(s, a);
		uprobes_attr(u, i, a);
		a->sample_period = p->sampled ? SESSION_PROBE_PERIOD : 1;
		a->sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME;
		if (p->sampled)
			session_attr_stack(s, a);
		a->sample_type |= PERF_SAMPLE_REGS_USER;
		a->sample_regs_user |= p->regs;
		s->layout[k] = (struct perf_record_layout){ a->sample_type, p->kind,
			p->sampled ? SESSION_PROBE_PERIOD : 0, { 0 }, p->fn, a->sample_regs_user };
		s->on[k] = true;
	}
	return true;
}

/* The three tracepoint events, when the tracepoints can be found.  False
 * with the reason in s->trace_reason. */
static bool session_attr_trace(struct perf_session *s)
{
	struct tracepoints tp;
	static const enum event_kind kinds[] = { [SESSION_ENTER] = EVENT_SYSCALL_ENTER,
		[SESSION_EXIT] = EVENT_SYSCALL_EXIT, [SESSION_STACK] = EVENT_SYSCALL_STACK };

	if (!tracepoints_filter(s->cfg.trace_locks, s->cfg.trace_io, s->filter, sizeof s->filter)) {
		snprintf(s->trace_reason, sizeof s->trace_reason, "no syscall to trace");
		return false;
	}
	if (tracepoints_open(&tp, s->trace_reason, sizeof s->trace_reason) < 0)
		return false;
	for (int k = SESSION_ENTER; k <= SESSION_STACK; k++) {
		struct perf_event_attr *a = &s->attr[k];

		memset(a, 0, sizeof *a);
		session_attr_common(s, a);
		a->type = PERF_TYPE_TRACEPOINT;
		a->config = k == SESSION_EXIT ? tp.exit_id : tp.enter_id;
		a->sample_period = k == SESSION_STACK ? SESSION_STACK_PERIOD : 1;
		a->sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
				 PERF_SAMPLE_RAW;
		if (k == SESSION_STACK)
			session_attr_stack(s, a);
		/* No exclude_kernel: a tracepoint fires in the kernel, and the
		 * kernel would drop every record. */
		s->layout[k] = (struct perf_record_layout){ a->sample_type, kinds[k],
			k == SESSION_STACK ? SESSION_STACK_PERIOD : 0, tp.raw, 0, 0 };
		s->on[k] = true;
	}
	return true;
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
	size_t pages = session_ring_pages(s);
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

/* Keep the list sorted by id for session_layout: ids come from a global
 * counter, so this is nearly always an append. */
static void session_add_event(struct perf_session *s, struct session_event e)
{
	size_t i = s->nev;

	xgrow(&s->ev, &s->evcap, s->nev + 1, sizeof *s->ev);
	while (i > 0 && s->ev[i - 1].id > e.id)
		i--;
	memmove(s->ev + i + 1, s->ev + i, (s->nev - i) * sizeof *s->ev);
	s->ev[i] = e;
	s->nev++;
}

static char *session_reason(struct perf_session *s, enum session_group g)
{
	return g == GROUP_FAULT ? s->fault_reason : g == GROUP_PROBES ? s->probe_reason
	       : s->trace_reason;
}

static int session_kinds_on(const struct perf_session *s)
{
	int n = 0;

	for (int k = 0; k < SESSION_KINDS; k++)
		n += s->on[k];
	return n;
}

/* Give up on a group of events: close those opened so far (records of
 * theirs still in a ring are dropped as unknown; closing a parent event
 * removes its inherited clones too, and a uprobe with its last event) and
 * say why. */
static void session_group_off(struct perf_session *s, enum session_group g, const char *why)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nev; i++) {
		if (session_group(s->ev[i].kind) == g)
			close(s->ev[i].fd);
		else
			s->ev[n++] = s->ev[i];
	}
	s->nev = n;
	for (int k = 0; k < SESSION_KINDS; k++)
		if (session_group(k) == g)
			s->on[k] = false;
	snprintf(session_reason(s, g), 160, "%s", why);
}

/* One event of kind k for tid on cpu, into the CPU's ring.  0 or -errno. */
static int session_open_one(struct perf_session *s, int k, pid_t tid, int cpu)
{
	struct session_event e = { tid, cpu, -1, (uint8_t)k, 0 };
	int rc;

	e.fd = (int)session_perf_event_open(&s->attr[k], tid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (e.fd < 0 && (k == SESSION_CPU || k == SESSION_FAULT) && errno == EACCES &&
	    !s->attr[k].exclude_kernel) {
		/* Unprivileged: user-mode samples only (faults in a syscall's
		 * copy to user memory are then missed). */
		s->attr[k].exclude_kernel = 1;
		e.fd = (int)session_perf_event_open(&s->attr[k], tid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	}
	if (e.fd < 0)
		return -errno;
	/* Set on the parent, the filter holds for every inherited clone. */
	if (session_group(k) == GROUP_TRACE && ioctl(e.fd, PERF_EVENT_IOC_SET_FILTER, s->filter) < 0) {
		rc = -errno;
		close(e.fd);
		return rc == -EINVAL ? -EPROTO : rc;
	}
	rc = ioctl(e.fd, PERF_EVENT_IOC_ID, &e.id) < 0 ? -errno : session_attach_ring(s, cpu, e.fd);
	if (rc < 0) {
		close(e.fd);
		return rc;
	}
	session_add_event(s, e);
	return 0;
}

/* The optional events of tid on cpu, group by group.  A refusal turns its
 * group off for the whole session; a thread that vanished or a full fd
 * table only loses that thread's events of the group. */
static void session_open_optional(struct perf_session *s, pid_t tid, int cpu)
{
	static const char *const refused[] = { [GROUP_FAULT] = "page-fault sampling refused",
		[GROUP_TRACE] = "syscall tracepoints refused", [GROUP_PROBES] = "uprobes refused" };

	for (int k = SESSION_CPU + 1; k < SESSION_KINDS; k++) {
		enum session_group g = session_group(k);
		int rc;

		if (!s->on[k])
			continue;
		rc = session_open_one(s, k, tid, cpu);
		if (rc == 0 || rc == -ESRCH)
			continue;
		if (rc == -EACCES || rc == -EPERM || rc == -ENOENT || rc == -EPROTO ||
		    rc == -EOPNOTSUPP || rc == -EINVAL) {
			char why[160];
			snprintf(why, sizeof why, "%s: %s", rc == -EPROTO ? "syscall filter refused"
				 : refused[g], strerror(rc == -EPROTO ? EINVAL : -rc));
			session_group_off(s, g, why);
			continue;
		}
		/* Out of fds or memory: skip the rest of this group here. */
		while (k + 1 < SESSION_KINDS && session_group(k + 1) == g)
			k++;
	}
}

/* Events for one thread on every CPU.  0, or -errno of the first failure
 * of the CPU event that isn't "the thread is gone". */
static int session_open_thread(struct perf_session *s, pid_t tid)
{
	for (int cpu = 0; cpu < s->ncpus; cpu++) {
		int rc = session_open_one(s, SESSION_CPU, tid, cpu);

		if (rc == -ESRCH)
			return 0;
		if (rc == -ENODEV || rc == -ENXIO)
			continue;   /* offline CPU */
		if (rc < 0)
			return rc;
		session_open_optional(s, tid, cpu);
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
	session_raise_nofile(s->nev + (size_t)(n > 0 ? n : 0) * (size_t)(s->ncpus * session_kinds_on(s)));
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
	s->peek_h = xcalloc((size_t)s->ncpus, sizeof *s->peek_h);
	s->peek_t = xcalloc((size_t)s->ncpus, sizeof *s->peek_t);
	for (int i = 0; i < s->ncpus; i++) {
		s->rings[i].fd = -1;
		s->pfds[i].fd = -1;
	}
	s->trace_asked = cfg->trace_locks || cfg->trace_io;
	session_attr_cpu(s);
	if (cfg->faults)
		session_attr_fault(s);
	if (s->trace_asked && session_attr_trace(s) && cfg->trace_io)
		s->fdnames = fdnames_new(cfg->pid);
	/* Uprobes go on the libc the target has mapped: attach mode only (a
	 * launched command has not mapped it yet, and has the shim). */
	if (cfg->alloc_sites && !cfg->launched)
		session_attr_probes(s);

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
		session_raise_nofile((size_t)n * (size_t)(s->ncpus * session_kinds_on(s)));
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
	if (!s->on[SESSION_ENTER]) {
		fdnames_free(s->fdnames);
		s->fdnames = NULL;
	}
	perf_session_rescan(s);
	return s;
fail:
	perf_session_close(s);
	return NULL;
}

uint64_t perf_session_trace_calls(const struct perf_session *s)
{
	return s->trace_calls;
}

void perf_session_trace_stop(struct perf_session *s, const char *why)
{
	if (!s->on[SESSION_ENTER])
		return;
	/* What was traced up to now is delivered first: nothing is lost. */
	perf_session_poll(s, 0);
	session_group_off(s, GROUP_TRACE, why);
}

void perf_session_trace(const struct perf_session *s, bool *traced, char *reason, size_t len)
{
	*traced = s->trace_asked && s->on[SESSION_ENTER];
	snprintf(reason, len, "%s", *traced || !s->trace_asked ? "" : s->trace_reason);
}

bool perf_session_faults(const struct perf_session *s)
{
	return s->on[SESSION_FAULT];
}

void perf_session_alloc(const struct perf_session *s, bool *faults, bool *probes,
			unsigned *stepped, char *reason, size_t len)
{
	*faults = s->on[SESSION_FAULT];
	*probes = s->on[SESSION_PROBE];
	*stepped = *probes ? s->uprobes.stepped : 0;
	snprintf(reason, len, "%s%s%s", s->cfg.alloc_sites && !*probes ? s->probe_reason : "",
		 s->cfg.alloc_sites && !*probes && s->cfg.faults && !*faults ? "; " : "",
		 s->cfg.faults && !*faults ? s->fault_reason : "");
}

/* The time of ring i's head record h, looked up once per record: the
 * merge asks for it on every step. */
static uint64_t session_time(struct perf_session *s, int i, const struct perf_event_header *h)
{
	const struct perf_record_layout *l;

	if (s->peek_h[i] != h) {
		l = session_layout(s, perf_record_id(h));
		s->peek_h[i] = h;
		s->peek_t[i] = l ? perf_record_time(h, l->sample_type) : 0;
	}
	return s->peek_t[i];
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
			t = session_time(s, i, h);
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
		s->peek_h[best_i] = NULL;
		n++;
	}
	for (int i = 0; i < s->ncpus; i++)
		perf_ring_end(&s->rings[i]);
	if (s->fdnames)
		fdnames_flush(s->fdnames, s->sink, s->ctx);
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
	fdnames_free(s->fdnames);
	free(s->ev);
	free(s->known);
	free(s->peek_h);
	free(s->peek_t);
	free(s->rings);
	free(s->pfds);
	free(s);
}
