/* The ptrace sampler (see ptrace_sampler.h): PTRACE_SEIZE every thread,
 * and per sample PTRACE_INTERRUPT -> event-stop -> GETREGS + a copy of the
 * user stack (process_vm_readv) -> PTRACE_CONT at once.
 *
 * Why copy and not unwind in the stop (libunwind-ptrace, as FIELD-NOTES
 * tried): unwinding against the live thread costs 100-350 us of stop per
 * sample (4.5 % of the target at 99 Hz).  The copy is what perf's DWARF
 * mode takes, so the sample goes out as the same EVENT_SAMPLE and is
 * unwound after PTRACE_CONT by the same unwinder, while the target runs.
 *
 * Only threads that are running (state R in /proc/PID/task/TID/stat) are
 * sampled: perf's cpu-clock samples on-CPU time, and a thread blocked in a
 * read has no CPU to attribute.  (A runnable thread waiting for a CPU counts
 * too, which only matters on an overloaded machine.)
 *
 * Signals are the target's: a signal-delivery-stop seen while waiting is
 * passed on with PTRACE_CONT(sig); a group-stop (SIGSTOP, ^Z) is left in
 * place with PTRACE_LISTEN and such a thread is not sampled until it is
 * continued.  There are no MMAP2 records in this backend: the maps are
 * re-sent on exec, when a sample's IP lies in no known executable mapping,
 * and once a second if they changed. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ptrace_sampler.h"
#include "proc.h"
#include "../common/clock.h"
#include "../common/xalloc.h"

/* A thread that does not reach its interrupt-stop within this long (it
 * went into an uninterruptible sleep) is left pending; its stop is handled
 * whenever it comes, and the round goes on. */
#define PTRACE_STOP_WAIT_NS 20000000ULL
/* Detaching interrupts every thread first (PTRACE_DETACH needs a stopped
 * tracee); after this long, the rest are detached by the kernel when the
 * tracer thread exits. */
#define PTRACE_DETACH_WAIT_NS 1000000000ULL
/* A sample outside every known executable mapping re-reads the maps, at
 * most this often (a JIT's code, or an IP the unwinder can't place). */
#define PTRACE_MAPS_MISS_NS 200000000ULL
/* Longest sleep in ptrace_sampler_run: stops are announced by SIGCHLD on
 * a signalfd, this bounds the delay if that is not set up. */
#define PTRACE_POLL_NS 10000000ULL

struct pt_thread {
	pid_t tid;
	int stat_fd;            /* /proc/PID/task/TID/stat, kept open: read per round */
	bool pending;           /* interrupted for a sample, stop not seen yet */
	bool listening;         /* in a group-stop the user asked for */
	uint64_t interrupt_ns;  /* when the pending interrupt was sent */
	char comm[16];          /* last name sent */
};

struct pt_range {
	uint64_t start, end;
};

struct ptrace_sampler {
	struct ptrace_sampler_config cfg;
	event_sink_fn *sink;
	void *ctx;
	int sfd;                    /* signalfd for SIGCHLD, or -1 */
	uint64_t interval_ns;
	uint64_t next_ns;           /* the next sampling round */
	struct pt_thread *threads;
	size_t nthreads, cap;
	bool exited;
	int exit_status;
	uint8_t *stack;             /* one copy at a time: emitted before the next */
	char *maps;                 /* the maps text last sent */
	struct pt_range *ranges;    /* its executable mappings, sorted */
	size_t nranges;
	uint64_t maps_read_ns;
	uint64_t samples, stopped_ns;
};

static long pt(enum __ptrace_request req, pid_t tid, void *addr, void *data)
{
	return ptrace(req, tid, addr, data);
}

/* ---- threads -------------------------------------------------------------- */

static struct pt_thread *pt_find(struct ptrace_sampler *ps, pid_t tid)
{
	for (size_t i = 0; i < ps->nthreads; i++)
		if (ps->threads[i].tid == tid)
			return &ps->threads[i];
	return NULL;
}

static void pt_emit_thread(struct ptrace_sampler *ps, enum event_kind kind, pid_t tid)
{
	struct event ev = { .kind = kind, .time_ns = clock_monotonic_ns() };

	ev.thread = (struct event_thread){ (uint32_t)ps->cfg.pid, (uint32_t)tid,
					   (uint32_t)ps->cfg.pid, 0 };
	ps->sink(ps->ctx, &ev);
}

static int pt_open_stat(pid_t pid, pid_t tid)
{
	char path[64];

	snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
	return open(path, O_RDONLY | O_CLOEXEC);
}

static struct pt_thread *pt_add(struct ptrace_sampler *ps, pid_t tid)
{
	struct pt_thread *t = pt_find(ps, tid);

	if (t)
		return t;
	xgrow(&ps->threads, &ps->cap, ps->nthreads + 1, sizeof *ps->threads);
	t = &ps->threads[ps->nthreads++];
	memset(t, 0, sizeof *t);
	t->tid = tid;
	t->stat_fd = pt_open_stat(ps->cfg.pid, tid);
	return t;
}

static void pt_remove(struct ptrace_sampler *ps, struct pt_thread *t)
{
	if (t->stat_fd >= 0)
		close(t->stat_fd);
	*t = ps->threads[--ps->nthreads];
}

/* Is the thread on a CPU (or waiting for one)?  The state letter follows
 * the last ')' of the stat line (comm may hold any character). */
static bool pt_running(const struct pt_thread *t)
{
	char buf[512], *p;
	ssize_t n;

	if (t->stat_fd < 0)
		return true;    /* can't tell: sample it, as perf would if it ran */
	n = pread(t->stat_fd, buf, sizeof buf - 1, 0);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'R';
}

/* Thread names: COMM records come for renames in perf; here, once a second. */
static void pt_send_comm(struct ptrace_sampler *ps, struct pt_thread *t, bool exec)
{
	char path[64], *comm;
	struct event ev = { .kind = EVENT_COMM, .time_ns = clock_monotonic_ns() };

	snprintf(path, sizeof path, "/proc/%d/task/%d/comm", (int)ps->cfg.pid, (int)t->tid);
	comm = proc_read_file(path, NULL);
	if (!comm)
		return;
	comm[strcspn(comm, "\n")] = '\0';
	if (exec || strncmp(comm, t->comm, sizeof t->comm) != 0) {
		snprintf(t->comm, sizeof t->comm, "%s", comm);
		ev.comm = (struct event_comm){ (uint32_t)ps->cfg.pid, (uint32_t)t->tid, comm, exec };
		ps->sink(ps->ctx, &ev);
	}
	free(comm);
}

/* ---- maps ----------------------------------------------------------------- */

static int pt_range_cmp(const void *a, const void *b)
{
	const struct pt_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* The executable ranges of a maps text, for "is this IP known?". */
static void pt_parse_ranges(struct ptrace_sampler *ps)
{
	size_t cap = 0;
	const char *p = ps->maps;

	ps->nranges = 0;
	while (p && *p) {
		unsigned long long lo, hi;
		char perms[8];
		if (sscanf(p, "%llx-%llx %7s", &lo, &hi, perms) == 3 && perms[2] == 'x') {
			xgrow(&ps->ranges, &cap, ps->nranges + 1, sizeof *ps->ranges);
			ps->ranges[ps->nranges++] = (struct pt_range){ lo, hi };
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	qsort(ps->ranges, ps->nranges, sizeof *ps->ranges, pt_range_cmp);
}

static bool pt_ip_known(const struct ptrace_sampler *ps, uint64_t ip)
{
	size_t lo = 0, hi = ps->nranges;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ip < ps->ranges[mid].start)
			hi = mid;
		else if (ip >= ps->ranges[mid].end)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/* Re-read the maps; send them when they changed (or always, after exec).
 * A whole-text compare: ~20-60 us for a few hundred mappings, cheaper than
 * telling the analysis to rebuild its map table for nothing. */
static void pt_maps(struct ptrace_sampler *ps, bool force)
{
	char path[64], *text;
	struct event ev = { .kind = EVENT_MAPS };

	snprintf(path, sizeof path, "/proc/%d/maps", (int)ps->cfg.pid);
	ps->maps_read_ns = clock_monotonic_ns();
	text = proc_read_file(path, NULL);
	if (!text)
		return;
	if (!force && ps->maps && strcmp(text, ps->maps) == 0) {
		free(text);
		return;
	}
	free(ps->maps);
	ps->maps = text;
	pt_parse_ranges(ps);
	ev.time_ns = clock_monotonic_ns();
	ev.maps = (struct event_maps){ (uint32_t)ps->cfg.pid, text };
	ps->sink(ps->ctx, &ev);
}

/* ---- stops ---------------------------------------------------------------- */

/* The thread is in its interrupt-stop: copy what the unwinder needs, let it
 * run, then emit (the unwinding happens in the sink, after PTRACE_CONT). */
static void pt_sample(struct ptrace_sampler *ps, struct pt_thread *t)
{
	struct user_regs_struct r;
	struct event ev = { .kind = EVENT_SAMPLE };
	struct event_sample *s = &ev.sample;
	ssize_t n = 0;

	if (pt(PTRACE_GETREGS, t->tid, NULL, &r) < 0) {
		pt(PTRACE_CONT, t->tid, NULL, NULL);
		return;
	}
	if (ps->cfg.stack_bytes) {
		struct iovec local = { ps->stack, ps->cfg.stack_bytes };
		struct iovec remote = { (void *)(uintptr_t)r.rsp, ps->cfg.stack_bytes };
		/* A partial read stops at the stack's top, like perf's dyn_size. */
		n = process_vm_readv(t->tid, &local, 1, &remote, 1, 0);
		if (n < 0)
			n = 0;
	}
	pt(PTRACE_CONT, t->tid, NULL, NULL);
	ev.time_ns = clock_monotonic_ns();
	ps->samples++;
	ps->stopped_ns += ev.time_ns - t->interrupt_ns;

	s->pid = (uint32_t)ps->cfg.pid;
	s->tid = (uint32_t)t->tid;
	s->period = ps->interval_ns;
	s->ip = r.rip;
	/* The stop comes on the way back to user mode, so the IP is always
	 * a user one.  orig_rax >= 0 says only that the thread passed a
	 * syscall exit on its way to the stop, and on a busy machine that is
	 * where a preempted thread usually waits (measured: most stops on
	 * cpu_split landed on its clock_gettime returns with orig_rax 228,
	 * rax 0): no kernel time.  A syscall cut short (-ERESTART*: 512-516)
	 * was really in the kernel, and is shown as the [kernel] leaf perf
	 * would give. */
	s->kernel = (long long)r.orig_rax >= 0 && (long long)r.rax <= -512 &&
		    (long long)r.rax >= -516;
	s->has_regs = true;
	s->regs[EVENT_REG_IP] = r.rip;
	s->regs[EVENT_REG_SP] = r.rsp;
	s->regs[EVENT_REG_BP] = r.rbp;
	s->regs[EVENT_REG_BX] = r.rbx;
	s->regs[EVENT_REG_R12] = r.r12;
	s->regs[EVENT_REG_R13] = r.r13;
	s->regs[EVENT_REG_R14] = r.r14;
	s->regs[EVENT_REG_R15] = r.r15;
	s->stack_size = (uint32_t)n;
	s->stack = ps->stack;
	if (!pt_ip_known(ps, r.rip) && ev.time_ns - ps->maps_read_ns > PTRACE_MAPS_MISS_NS)
		pt_maps(ps, false);
	ps->sink(ps->ctx, &ev);
}

/* A thread of the target started (auto-attached through TRACECLONE).  A
 * clone without CLONE_THREAD is another process: not ours to follow. */
static struct pt_thread *pt_new_thread(struct ptrace_sampler *ps, pid_t tid)
{
	char path[64];
	struct pt_thread *t;

	snprintf(path, sizeof path, "/proc/%d/task/%d", (int)ps->cfg.pid, (int)tid);
	if (access(path, F_OK) < 0)
		return NULL;
	t = pt_add(ps, tid);
	pt_emit_thread(ps, EVENT_THREAD_START, tid);
	return t;
}

/* exec: every other thread is gone and the leader runs the new image
 * (whichever thread called exec now has the leader's tid). */
static void pt_exec(struct ptrace_sampler *ps)
{
	for (size_t i = 0; i < ps->nthreads;) {
		struct pt_thread *t = &ps->threads[i];
		if (t->tid != ps->cfg.pid) {
			pt_emit_thread(ps, EVENT_THREAD_EXIT, t->tid);
			pt_remove(ps, t);
			continue;
		}
		i++;
	}
	struct pt_thread *leader = pt_add(ps, ps->cfg.pid);
	leader->pending = false;
	/* The stat file of the old leader task may now name a dead task. */
	if (leader->stat_fd >= 0)
		close(leader->stat_fd);
	leader->stat_fd = pt_open_stat(ps->cfg.pid, ps->cfg.pid);
	pt_send_comm(ps, leader, true);
	pt_maps(ps, true);
}

static bool pt_stopping_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* One waitpid report. */
static void pt_handle(struct ptrace_sampler *ps, pid_t tid, int status)
{
	struct pt_thread *t = pt_find(ps, tid);
	int sig, event;
	unsigned long msg;

	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		if (t) {
			pt_emit_thread(ps, EVENT_THREAD_EXIT, tid);
			pt_remove(ps, t);
		}
		if (tid == ps->cfg.pid) {
			ps->exited = true;
			ps->exit_status = ps->cfg.launched ? status : -1;
		}
		return;
	}
	if (!WIFSTOPPED(status))
		return;
	sig = WSTOPSIG(status);
	event = status >> 16;
	if (!t && !(t = pt_new_thread(ps, tid))) {
		pt(PTRACE_DETACH, tid, NULL, NULL);
		return;
	}
	switch (event) {
	case PTRACE_EVENT_STOP:
		if (pt_stopping_signal(sig)) {
			/* A group-stop: the user stopped the target.  LISTEN keeps
			 * it stopped yet tells us when it is continued. */
			t->listening = true;
			t->pending = false;
			pt(PTRACE_LISTEN, tid, NULL, NULL);
			return;
		}
		t->listening = false;
		if (t->pending) {
			t->pending = false;
			pt_sample(ps, t);
			return;
		}
		/* A new thread's first stop, a late interrupt, or the end of a
		 * group-stop. */
		pt(PTRACE_CONT, tid, NULL, NULL);
		return;
	case PTRACE_EVENT_CLONE:
		if (pt(PTRACE_GETEVENTMSG, tid, NULL, &msg) == 0 && !pt_find(ps, (pid_t)msg))
			pt_new_thread(ps, (pid_t)msg);
		pt(PTRACE_CONT, tid, NULL, NULL);
		return;
	case PTRACE_EVENT_EXEC:
		pt_exec(ps);
		pt(PTRACE_CONT, ps->cfg.pid, NULL, NULL);
		return;
	case 0:
		/* A signal for the target: deliver it, never swallow it.  A
		 * pending interrupt stays pending and comes after. */
		pt(PTRACE_CONT, tid, NULL, (void *)(uintptr_t)sig);
		return;
	default:
		pt(PTRACE_CONT, tid, NULL, NULL);
		return;
	}
}

/* Handle every report waiting; true if there was any. */
static bool pt_reap(struct ptrace_sampler *ps)
{
	bool any = false;
	int status;
	pid_t tid;

	if (ps->sfd >= 0) {
		struct signalfd_siginfo si;
		while (read(ps->sfd, &si, sizeof si) == (ssize_t)sizeof si)
			;
	}
	while ((tid = waitpid(-1, &status, __WALL | WNOHANG)) > 0) {
		pt_handle(ps, tid, status);
		any = true;
	}
	return any;
}

/* Sleep until a stop is reported or until_ns. */
static void pt_sleep(struct ptrace_sampler *ps, uint64_t until_ns)
{
	uint64_t now = clock_monotonic_ns(), ns;
	struct timespec ts;

	if (until_ns <= now)
		return;
	ns = until_ns - now < PTRACE_POLL_NS ? until_ns - now : PTRACE_POLL_NS;
	ts = (struct timespec){ (time_t)(ns / 1000000000ULL), (long)(ns % 1000000000ULL) };
	if (ps->sfd >= 0) {
		struct pollfd p = { ps->sfd, POLLIN, 0 };
		ppoll(&p, 1, &ts, NULL);
	} else {
		nanosleep(&ts, NULL);
	}
}

/* Interrupt one running thread and take its sample, handling whatever else
 * is reported meanwhile.  Threads one at a time: each stands stopped only
 * for its own copy, not for the whole round's. */
static void pt_sample_thread(struct ptrace_sampler *ps, pid_t tid)
{
	struct pt_thread *t = pt_find(ps, tid);
	uint64_t deadline;

	if (!t || t->pending || t->listening || !pt_running(t))
		return;
	t->interrupt_ns = clock_monotonic_ns();
	if (pt(PTRACE_INTERRUPT, tid, NULL, NULL) < 0)
		return;      /* gone: its exit is reported */
	t->pending = true;
	deadline = t->interrupt_ns + PTRACE_STOP_WAIT_NS;
	for (;;) {
		pt_reap(ps);
		t = pt_find(ps, tid);
		if (!t || !t->pending || clock_monotonic_ns() >= deadline)
			return;
		pt_sleep(ps, deadline);
	}
}

/* One sampling round over the threads known now.  By tid: the table may
 * change under the round (exits, clones, exec). */
static void pt_round(struct ptrace_sampler *ps)
{
	size_t n = ps->nthreads;
	pid_t *tids = xmalloc((n ? n : 1) * sizeof *tids);

	for (size_t i = 0; i < n; i++)
		tids[i] = ps->threads[i].tid;
	for (size_t i = 0; i < n && !ps->exited; i++)
		pt_sample_thread(ps, tids[i]);
	free(tids);
}

void ptrace_sampler_run(struct ptrace_sampler *ps, uint64_t until_ns)
{
	for (;;) {
		uint64_t now;

		pt_reap(ps);
		now = clock_monotonic_ns();
		if (now >= ps->next_ns && !ps->exited) {
			pt_round(ps);
			/* Late (a slow round): skip, don't burst to catch up. */
			ps->next_ns += ps->interval_ns;
			if (ps->next_ns <= now)
				ps->next_ns = now + ps->interval_ns;
			continue;
		}
		if (now >= until_ns)
			return;
		pt_sleep(ps, ps->next_ns < until_ns && !ps->exited ? ps->next_ns : until_ns);
	}
}

void ptrace_sampler_refresh(struct ptrace_sampler *ps)
{
	pt_maps(ps, false);
	for (size_t i = 0; i < ps->nthreads; i++)
		pt_send_comm(ps, &ps->threads[i], false);
}

bool ptrace_sampler_exited(const struct ptrace_sampler *ps, int *status)
{
	*status = ps->exit_status;
	return ps->exited;
}

void ptrace_sampler_cost(const struct ptrace_sampler *ps, uint64_t *samples, uint64_t *stop_ns)
{
	*samples = ps->samples;
	*stop_ns = ps->samples ? ps->stopped_ns / ps->samples : 0;
}

/* ---- attach and detach ---------------------------------------------------- */

static long pt_status_field(pid_t pid, const char *name)
{
	char path[64], *text, *p;
	long v = -1;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	text = proc_read_file(path, NULL);
	if (text && (p = strstr(text, name)))
		v = strtol(p + strlen(name), NULL, 10);
	free(text);
	return v;
}

/* Why PTRACE_SEIZE of the leader failed, in one line with the fix. */
static void pt_seize_error(pid_t pid, int e, char *err, size_t errlen)
{
	long tracer = pt_status_field(pid, "TracerPid:");
	char *scope = proc_read_file("/proc/sys/kernel/yama/ptrace_scope", NULL);
	int yama = scope ? atoi(scope) : -1;

	free(scope);
	if (e == EPERM && tracer > 0) {
		char comm[64] = "?", path[64], *c;
		snprintf(path, sizeof path, "/proc/%ld/comm", tracer);
		if ((c = proc_read_file(path, NULL))) {
			snprintf(comm, sizeof comm, "%.*s", (int)strcspn(c, "\n"), c);
			free(c);
		}
		snprintf(err, errlen, "pid %d is already traced by %s (pid %ld): only one tracer at "
			 "a time; detach it first", (int)pid, comm, tracer);
	} else if (e == EPERM && yama >= 1) {
		snprintf(err, errlen, "ptrace of pid %d refused by kernel.yama.ptrace_scope=%d: %s",
			 (int)pid, yama, yama >= 3 ? "ptrace is off until reboot; launch the command "
			 "under kprof-top as root instead" : "launch the command under kprof-top "
			 "(-- CMD), run as root or with CAP_SYS_PTRACE, or sysctl -w "
			 "kernel.yama.ptrace_scope=0");
	} else if (e == EPERM) {
		snprintf(err, errlen, "ptrace of pid %d refused (%s): it runs as another user or "
			 "is not dumpable; run as root or with CAP_SYS_PTRACE", (int)pid, strerror(e));
	} else if (e == ESRCH) {
		snprintf(err, errlen, "no process with pid %d (it may have exited)", (int)pid);
	} else {
		snprintf(err, errlen, "cannot ptrace pid %d: %s", (int)pid, strerror(e));
	}
}

#define PT_OPTIONS (PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC)

/* Seize the threads listed now, again until a pass finds no new one: a
 * thread started by one not yet seized is not followed by TRACECLONE. */
static int pt_seize_all(struct ptrace_sampler *ps)
{
	bool found = true;
	int first = 0;

	for (int pass = 0; found && pass < 100; pass++) {
		pid_t *tids = NULL;
		int n = proc_tasks(ps->cfg.pid, &tids);

		found = false;
		if (n < 0) {
			free(tids);
			return n;
		}
		for (int i = 0; i < n; i++) {
			if (pt_find(ps, tids[i]))
				continue;
			if (pt(PTRACE_SEIZE, tids[i], NULL, (void *)(uintptr_t)PT_OPTIONS) < 0) {
				/* A thread that just exited is no error.  Any other
				 * refusal (another tracer on one thread: strace -p
				 * without -f) is: half a profile would mislead. */
				if (errno != ESRCH && !first)
					first = -errno;
				continue;
			}
			pt_add(ps, tids[i]);
			found = true;
		}
		free(tids);
		if (first)
			return first;
	}
	return ps->nthreads ? 0 : first ? first : -ESRCH;
}

static int pt_signalfd(void)
{
	sigset_t set;

	/* Block it in this thread too: SIGCHLD's default is to be discarded. */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

struct ptrace_sampler *ptrace_sampler_open(const struct ptrace_sampler_config *cfg,
					   event_sink_fn *sink, void *ctx,
					   char *err, size_t errlen, bool *usage)
{
	struct ptrace_sampler *ps = xcalloc(1, sizeof *ps);
	int rc;

	ps->cfg = *cfg;
	ps->sink = sink;
	ps->ctx = ctx;
	ps->interval_ns = 1000000000ULL / (cfg->frequency ? cfg->frequency : 1);
	ps->stack = xmalloc(cfg->stack_bytes ? cfg->stack_bytes : 1);
	ps->sfd = pt_signalfd();
	/* Sleeps of a few us while a thread reaches its stop: the default
	 * 50 us timer slack would triple them. */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	if (cfg->launched) {
		/* At the gate, blocked in read: seized before it execs, so the
		 * exec is seen (PTRACE_EVENT_EXEC) and the first instruction
		 * of the command is followed. */
		rc = pt(PTRACE_SEIZE, cfg->pid, NULL, (void *)(uintptr_t)PT_OPTIONS) < 0 ? -errno : 0;
		if (rc == 0)
			pt_add(ps, cfg->pid);
	} else {
		rc = pt_seize_all(ps);
	}
	if (rc < 0) {
		pt_seize_error(cfg->pid, -rc, err, errlen);
		*usage = true;
		ptrace_sampler_close(ps);
		return NULL;
	}
	if (!cfg->launched) {
		pt_maps(ps, true);
		for (size_t i = 0; i < ps->nthreads; i++)
			pt_send_comm(ps, &ps->threads[i], false);
	}
	ps->next_ns = clock_monotonic_ns() + ps->interval_ns;
	return ps;
}

/* Stop every thread so it can be detached.  A pending signal is handed
 * back with the detach, so nothing the target was sent is lost. */
void ptrace_sampler_close(struct ptrace_sampler *ps)
{
	uint64_t deadline = clock_monotonic_ns() + PTRACE_DETACH_WAIT_NS;
	int status;
	pid_t tid;

	if (!ps)
		return;
	for (size_t i = 0; i < ps->nthreads; i++) {
		struct pt_thread *t = &ps->threads[i];
		if (t->listening) {
			/* In group-stop: detach leaves it stopped, as the user wants. */
			pt(PTRACE_DETACH, t->tid, NULL, NULL);
			pt_remove(ps, t);
			i--;
			continue;
		}
		if (!t->pending && pt(PTRACE_INTERRUPT, t->tid, NULL, NULL) < 0) {
			pt_remove(ps, t);
			i--;
			continue;
		}
		t->pending = true;
	}
	while (ps->nthreads && clock_monotonic_ns() < deadline) {
		while ((tid = waitpid(-1, &status, __WALL | WNOHANG)) > 0) {
			struct pt_thread *t = pt_find(ps, tid);
			int sig = WIFSTOPPED(status) ? WSTOPSIG(status) : 0;
			int event = status >> 16;

			if (WIFEXITED(status) || WIFSIGNALED(status)) {
				if (tid == ps->cfg.pid) {
					ps->exited = true;
					ps->exit_status = ps->cfg.launched ? status : -1;
				}
				if (t)
					pt_remove(ps, t);
				continue;
			}
			if (!WIFSTOPPED(status))
				continue;
			if (!t) {
				/* A thread cloned just now: its own stop. */
				pt(PTRACE_DETACH, tid, NULL, NULL);
				continue;
			}
			/* Signal-delivery-stop: hand the signal over with the
			 * detach.  Any other stop: plain detach; a group-stop
			 * keeps the thread stopped, as the user asked. */
			pt(PTRACE_DETACH, tid, NULL, (void *)(uintptr_t)(event == 0 ? sig : 0));
			pt_remove(ps, t);
		}
		if (ps->nthreads)
			pt_sleep(ps, deadline);
	}
	/* Threads that never stopped (long uninterruptible sleeps) are
	 * detached by the kernel when this thread exits. */
	for (size_t i = 0; i < ps->nthreads; i++)
		if (ps->threads[i].stat_fd >= 0)
			close(ps->threads[i].stat_fd);
	if (ps->sfd >= 0)
		close(ps->sfd);
	free(ps->threads);
	free(ps->stack);
	free(ps->maps);
	free(ps->ranges);
	free(ps);
}
