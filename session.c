/* A profiling session (see session.h).  The sampler thread writes the model
 * under model_lock; this thread only waits, and reads the model under the
 * same lock to report. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "session.h"
#include "options.h"
#include "analysis/export.h"
#include "analysis/export_svg.h"
#include "analysis/flame.h"
#include "analysis/ingest.h"
#include "analysis/model.h"
#include "common/clock.h"
#include "sampler/alloc_ring.h"
#include "sampler/launch.h"
#include "sampler/proc.h"
#include "sampler/sampler.h"
#include "tui/app.h"
#include "tui/theme.h"

/* Per-second buckets kept for the live windows (the longest is 60 s). */
#define SESSION_RETAIN_SECS 300

/* The preload shim's ring: ~90 000 records, tens of seconds of sampling
 * at the default mean even on an allocation-heavy target. */
#define SESSION_RING_BYTES (8u << 20)

struct session {
	const struct options *opt;
	struct model *model;
	struct ingest *ingest;
	pthread_mutex_t lock;
	struct launch launch;
	bool launched;
	struct alloc_ring ring;      /* launch mode: the shim's; fd -1 when unused */
	bool shim;
	char shim_note[200];         /* why the shim is not used */
	pid_t pid;
};

static void session_sink(void *ctx, const struct event *ev)
{
	struct session *s = ctx;


	pthread_mutex_lock(&s->lock);
	ingest_event(s->ingest, ev);
	pthread_mutex_unlock(&s->lock);
}

/* A file we ship (the demo, the shim): beside us in a build tree, else
 * where make install put it. */
static void session_libexec_path(const char *name, int mode, char *buf, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

	if (n > 0) {
		char *slash;
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			snprintf(buf, size, "%.*s/%s", (int)(slash - self), self, name);
			if (access(buf, mode) == 0)
				return;
		}
	}
	snprintf(buf, size, "%s/%s", PKGLIBEXECDIR, name);
}

/* Launch mode: the ring the shim writes, and the environment that makes
 * the command load it.  The file is unlinked as soon as it is made, so
 * nothing is ever left in /dev/shm, even when kprof-top is killed: the
 * command inherits our fd and the shim maps it through /proc/self/fd/N.
 * The price is that fd, open in the command for its lifetime (an exec of
 * the command itself keeps it and maps the ring again).  False, with why
 * in shim_note, when the shim is not used. */
static bool session_shim_prepare(struct session *s, char *env[4], char *buf, size_t size)
{
	char shim[PATH_MAX], path[96];
	const char *old = getenv("LD_PRELOAD");
	static unsigned seq;
	size_t used;
	int rc;

	session_libexec_path("libkprof-alloc.so", R_OK, shim, sizeof shim);
	if (access(shim, R_OK) < 0) {
		snprintf(s->shim_note, sizeof s->shim_note, "%.140s not found: allocation sites "
			 "from page faults only", shim);
		return false;
	}
	snprintf(path, sizeof path, "/dev/shm/kprof-alloc-%d-%u", (int)getpid(), seq++);
	rc = alloc_ring_create(&s->ring, path, SESSION_RING_BYTES);
	if (rc < 0) {
		snprintf(s->shim_note, sizeof s->shim_note, "cannot create the allocation ring %s: %s",
			 path, strerror(-rc));
		return false;
	}
	alloc_ring_unlink(&s->ring);
	s->ring.path[0] = '\0';
	/* Ours first: the shim must see every allocation the program makes. */
	used = (size_t)snprintf(buf, size, "LD_PRELOAD=%s%s%s", shim, old && *old ? " " : "",
				old ? old : "") + 1;
	used += (size_t)snprintf(buf + used, size - used, "%s=/proc/self/fd/%d", ALLOC_RING_ENV,
				 s->ring.fd) + 1;
	snprintf(buf + used, size - used, "%s=%llu", ALLOC_RING_MEAN_ENV,
		 (unsigned long long)s->opt->alloc_sample_kib * 1024);
	env[0] = buf;
	env[1] = buf + strlen(buf) + 1;
	env[2] = env[1] + strlen(env[1]) + 1;
	env[3] = NULL;
	if (used >= size) {
		alloc_ring_close(&s->ring);
		snprintf(s->shim_note, sizeof s->shim_note, "LD_PRELOAD too long to add the "
			 "allocation shim: allocation sites from page faults only");
		return false;
	}
	return true;
}

static void session_join_argv(char *const argv[], char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; argv[i] && used + 1 < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? " " : "", argv[i]);
}

/* Resolve the target; on failure print the reason and return the status. */
static int session_target(struct session *s, char *err, size_t errlen)
{
	const struct options *o = s->opt;
	struct model_target *t = &s->model->target;
	static char demo[PATH_MAX];
	static char *demo_argv[] = { demo, NULL };
	char *const *argv = o->argv;

	if (o->demo) {
		session_libexec_path("kprof-demo", X_OK, demo, sizeof demo);
		argv = demo_argv;
	}
	if (argv) {
		static char envbuf[2 * PATH_MAX + 256];
		char *env[4];
		struct launch_extra extra = { NULL, -1 };

		s->shim = session_shim_prepare(s, env, envbuf, sizeof envbuf);
		if (s->shim)
			extra = (struct launch_extra){ env, s->ring.fd };
		if (launch_start(&s->launch, argv, &extra, err, errlen) < 0)
			return 1;
		/* Before the gate opens: only the command itself writes. */
		if (s->shim)
			alloc_ring_set_owner(&s->ring, s->launch.pid);
		s->launched = true;
		s->pid = s->launch.pid;
		session_join_argv(argv, t->command, sizeof t->command);
	} else {
		if (!proc_check_target(o->pid, err, errlen))
			return 2;
		s->pid = o->pid;
		proc_command(o->pid, t->command, sizeof t->command);
	}
	t->pid = (uint32_t)s->pid;
	t->launched = s->launched;
	t->wait_status = -1;
	snprintf(t->call_graph, sizeof t->call_graph, "%s",
		 o->call_graph == CALL_GRAPH_FP ? "fp" : "dwarf");
	return 0;
}

/* Which backend the sampler chose, why, and its rate, for every output.
 * Again at the end: the ptrace note gains what a sample cost. */
static void session_backend(struct session *s, const struct sampler *smp)
{
	struct model_target *t = &s->model->target;

	pthread_mutex_lock(&s->lock);
	sampler_backend(smp, t->backend, sizeof t->backend, t->backend_note,
			sizeof t->backend_note, &t->frequency);
	/* The ptrace sampler always copies the stack: DWARF whatever was asked. */
	if (!strcmp(t->backend, "ptrace"))
		snprintf(t->call_graph, sizeof t->call_graph, "dwarf");
	pthread_mutex_unlock(&s->lock);
}

/* Stop sampling (the target runs on untouched) and note when. */
static void session_stop_sampler(struct session *s, struct sampler **smp)
{
	if (!*smp)
		return;
	session_backend(s, *smp);
	sampler_stop(*smp);
	*smp = NULL;
	pthread_mutex_lock(&s->lock);
	s->model->target.end_epoch_s = clock_epoch_s();
	pthread_mutex_unlock(&s->lock);
}

/* The TUI's view of the session: it asks whether the sampler is done and,
 * when --duration runs out, stops it (the data stays to browse). */
struct session_live {
	struct session *s;
	struct sampler **smp;
};

static bool session_live_finished(void *ctx)
{
	struct session_live *l = ctx;

	return !*l->smp || sampler_finished(*l->smp);
}

static void session_live_stop(void *ctx)
{
	struct session_live *l = ctx;

	session_stop_sampler(l->s, l->smp);
}

/* The live view until the user quits or a signal; 1 when it can't start. */
static int session_live(struct session *s, struct sampler **smp)
{
	const struct options *o = s->opt;
	struct session_live l = { s, smp };
	char err[512];

	if (tui_run(&(struct tui_source){
		    .model = s->model, .lock = &s->lock, .ctx = &l,
		    .finished = session_live_finished, .stop = session_live_stop,
		    .pid = s->pid, .frequency = s->model->target.frequency, .delay = o->delay,
		    .duration = o->duration, .theme = o->theme }, err, sizeof err) < 0) {
		fprintf(stderr, "kprof-top: %s\n", err);
		return 1;
	}
	return 0;
}

/* Wait for the end: duration, the target's exit, or a signal (batch); the
 * user quitting the live view.  *smp is NULL when the TUI stopped it. */
static int session_wait(struct session *s, struct sampler **smp, const sigset_t *sigs)
{
	const struct options *o = s->opt;
	uint64_t start = clock_monotonic_ns();
	uint64_t end = o->duration > 0 ? start + (uint64_t)(o->duration * 1e9) : UINT64_MAX;

	if (!o->batch)
		return session_live(s, smp);
	for (;;) {
		struct timespec ts = { 0, 100 * 1000000L };

		if (sigtimedwait(sigs, NULL, &ts) > 0)
			return 0;
		if (sampler_finished(*smp))
			return 0;
		if (clock_monotonic_ns() >= end)
			return 0;
	}
}

/* A launched command we stop sampling early is ours to end. */
static void session_end_child(struct session *s)
{
	int status;

	if (!s->launched || s->model->target.exited)
		return;
	if (waitpid(s->pid, &status, WNOHANG) != 0)
		return;
	/* A stopped child can't act on SIGTERM; one that ignores it gets 2 s. */
	kill(s->pid, SIGTERM);
	kill(s->pid, SIGCONT);
	for (int i = 0; i < 40; i++) {
		struct timespec nap = { 0, 50 * 1000000L };
		if (waitpid(s->pid, &status, WNOHANG) != 0)
			return;
		nanosleep(&nap, NULL);
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, &status, 0);
}

void session_flame_palette(const struct options *o, struct flame_palette *pal)
{
	struct theme t;
	char why[PATH_MAX + 160];

	*pal = flame_palette_default;
	if (!o->theme)
		return;
	if (theme_load(&t, o->theme, why, sizeof why) < 0)
		fprintf(stderr, "kprof-top: %s; the SVG has the default colours\n", why);
	else
		theme_flame_palette(&t, pal);
}

static int session_svg(const struct options *o, const struct model *m, char *err, size_t errlen)
{
	struct flame_palette pal;

	session_flame_palette(o, &pal);
	return export_svg_to_file(o->svg, m, 0, (enum profile_view)o->svg_view, &pal, err, errlen);
}

void session_block_signals(sigset_t *sigs, sigset_t *old)
{
	sigemptyset(sigs);
	sigaddset(sigs, SIGINT);
	sigaddset(sigs, SIGTERM);
	sigaddset(sigs, SIGHUP);
	sigaddset(sigs, SIGQUIT);
	pthread_sigmask(SIG_BLOCK, sigs, old);
}

int session_outputs(const struct options *o, const struct model *m)
{
	const struct {
		const char *path;
		export_fn *fn;
	} files[] = {
		{ o->folded, export_folded },
		{ o->snapshot, export_json },
		{ o->pprof, export_pprof },
		{ o->speedscope, export_speedscope },
	};
	char err[512];
	int rc = 0;

	if (o->batch && (export_report(stdout, m, 0) < 0 || fflush(stdout) != 0))
		rc = 1;
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		if (files[i].path && export_to_file(files[i].path, files[i].fn, m, 0, err, sizeof err) < 0) {
			fprintf(stderr, "kprof-top: %s\n", err);
			rc = 1;
		}
	if (o->svg && session_svg(o, m, err, sizeof err) < 0) {
		fprintf(stderr, "kprof-top: %s\n", err);
		rc = 1;
	}
	return rc;
}

int session_run(const struct options *o)
{
	struct session s = { .opt = o, .ring = { .fd = -1 } };
	struct sampler *smp;
	char err[512], root[64];
	uint64_t cpu0 = clock_process_cpu_ns();
	sigset_t sigs, old, chld;
	bool usage = false;
	int rc, live_rc;

	if (o->diff_before)
		return session_diff(o);
	if (o->load)
		return session_load(o);
	/* Before anything starts: a launched command must not run for nothing. */
	if (!o->batch && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		fprintf(stderr, "kprof-top: the live view needs a terminal: use -b for a text report\n");
		return 2;
	}
	pthread_mutex_init(&s.lock, NULL);
	s.model = model_new(SESSION_RETAIN_SECS);
	rc = session_target(&s, err, sizeof err);
	if (rc) {
		fprintf(stderr, "kprof-top: %s\n", err);
		if (s.shim)
			alloc_ring_close(&s.ring);
		model_free(s.model);
		return rc;
	}
	snprintf(root, sizeof root, "/proc/%d/root", (int)s.pid);
	s.ingest = ingest_new(s.model, &(struct ingest_config){
		.pid = (uint32_t)s.pid, .ns_pid = proc_ns_pid(s.pid), .root = root,
		.debug_root = "/usr/lib/debug",
		/* The ptrace backend sends stacks to unwind even with fp; FP
		 * samples (no registers) are read as callchains either way. */
		.dwarf = o->call_graph == CALL_GRAPH_DWARF || o->backend != BACKEND_PERF,
		.alloc_sample_bytes = (uint64_t)o->alloc_sample_kib * 1024 });

	/* Signals are taken synchronously by this thread; the sampler thread
	 * inherits the mask and never sees them. */
	session_block_signals(&sigs, &old);
	/* SIGCHLD too, in every thread: the ptrace sampler waits for its
	 * tracees' stops on a signalfd, and a SIGCHLD this thread took (its
	 * default is to discard it) would be lost to that. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &chld, NULL);
	if (!o->batch)
		tui_block_signals();
	signal(SIGPIPE, SIG_IGN);

	smp = sampler_start(&(struct sampler_config){
		.pid = s.pid, .launch = s.launched ? &s.launch : NULL,
		.command = s.model->target.command, .frequency = o->frequency,
		.backend = o->backend == BACKEND_PTRACE ? SAMPLER_BACKEND_PTRACE
			   : o->backend == BACKEND_PERF ? SAMPLER_BACKEND_PERF : SAMPLER_BACKEND_AUTO,
		.dwarf = o->call_graph == CALL_GRAPH_DWARF, .stack_bytes = o->stack_bytes,
		.ring_pages = o->mmap_pages,
		.trace_locks = o->trace == TRACE_AUTO || o->trace == TRACE_ALL || o->trace == TRACE_LOCKS,
		.trace_io = o->trace == TRACE_AUTO || o->trace == TRACE_ALL || o->trace == TRACE_IO,
		.trace_guard = o->trace == TRACE_AUTO,
		.faults = true, .alloc_sites = o->alloc_sites,
		.ring = s.shim ? &s.ring : NULL, .alloc_note = s.shim_note[0] ? s.shim_note : NULL },
		session_sink, &s, err, sizeof err, &usage);
	if (!smp) {
		fprintf(stderr, "kprof-top: %s\n", err);
		if (s.launched)
			launch_abort(&s.launch);
		rc = usage ? 2 : 1;
		goto out;
	}
	session_backend(&s, smp);
	pthread_mutex_lock(&s.lock);
	s.model->target.start_epoch_s = clock_epoch_s();
	pthread_mutex_unlock(&s.lock);
	live_rc = session_wait(&s, &smp, &sigs);
	session_stop_sampler(&s, &smp);
	session_end_child(&s);
	s.model->stats.profiler_cpu_ns = clock_process_cpu_ns() - cpu0;
	rc = session_outputs(o, s.model);
	if (live_rc)
		rc = live_rc;
out:
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (s.shim)
		alloc_ring_close(&s.ring);
	ingest_free(s.ingest);
	model_free(s.model);
	pthread_mutex_destroy(&s.lock);
	return rc;
}
