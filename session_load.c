/* --load FILE: a saved snapshot instead of a live target.  -b prints the
 * batch report of it and writes the exports asked for, as at the end of
 * a live session; without -b the TUI browses it, frozen: nothing samples,
 * the header says what was loaded, and every pane works on the model. */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "options.h"
#include "session.h"
#include "analysis/model.h"
#include "analysis/snapshot_load.h"
#include "tui/app.h"

/* Everything there is has been delivered; nothing to stop. */
static bool session_load_finished(void *ctx)
{
	(void)ctx;
	return true;
}

static void session_load_stop(void *ctx)
{
	(void)ctx;
}

/* "loaded kprof-123.json, sampled 2026-11-24 02:10, 12.0 s" */
static void session_load_label(const struct options *o, const struct model *m, char *buf,
			       size_t len)
{
	const char *base = strrchr(o->load, '/');
	time_t when = (time_t)m->target.start_epoch_s;
	struct tm tm;
	char date[32] = "";

	if (m->target.start_epoch_s > 0 && localtime_r(&when, &tm))
		strftime(date, sizeof date, ", sampled %Y-%m-%d %H:%M", &tm);
	snprintf(buf, len, "loaded %s%s, %.1f s", base && base[1] ? base + 1 : o->load, date,
		 model_duration_s(m));
}

int session_load(const struct options *o)
{
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct model *m;
	char err[512], label[320];
	int rc = 0;

	if (!o->batch && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		fprintf(stderr, "kprof-top: the live view needs a terminal: use -b for a text report\n");
		return 2;
	}
	m = snapshot_load(o->load, err, sizeof err);
	if (!m) {
		fprintf(stderr, "kprof-top: --load %s\n", err);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (!o->batch) {
		sigset_t sigs, old;

		session_load_label(o, m, label, sizeof label);
		session_block_signals(&sigs, &old);
		tui_block_signals();
		if (tui_run(&(struct tui_source){
			    .model = m, .lock = &lock, .ctx = NULL,
			    .finished = session_load_finished, .stop = session_load_stop,
			    .pid = (pid_t)m->target.pid, .frequency = m->target.frequency,
			    .delay = o->delay, .theme = o->theme, .loaded = label },
			    err, sizeof err) < 0) {
			fprintf(stderr, "kprof-top: %s\n", err);
			rc = 1;
		}
	}
	if (session_outputs(o, m) != 0 && !rc)
		rc = 1;
	model_free(m);
	return rc;
}
