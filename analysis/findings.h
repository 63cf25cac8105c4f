/* Findings: rules over the model that name a bottleneck, with the numbers
 * that show it and one line on what to do, ranked by impact.  Every output
 * (the batch report, the snapshot, the TUI's Findings pane) shows the same
 * list from findings_eval.  Pure: reads the model, allocates the list.
 *
 * Impact is on one scale for every rule, so the ranking means something
 * across rules: thread-seconds per second of the run — the average number
 * of the target's threads the problem keeps busy or waiting (1.0 = one
 * thread all the time):
 *   hot-function   its self samples / frequency / seconds of the window
 *   lock-wait      time waited on the lock / seconds of the run
 *   small-io       time spent in the file's small writes / seconds of the run
 *   pinned-thread  the thread's samples / frequency / seconds of the run
 *   lost-samples   the lost share × the CPU the samples stand for
 *                  ((taken + lost) / frequency / seconds): what is unseen
 *   leak-suspect   growth / FINDINGS_LEAK_BYTES_PER_THREAD, at most 1: a
 *                  leak costs memory, not time, so the scale is a
 *                  convention — 1 MiB/s kept ranks like one busy thread.
 * Without a known frequency (a synthetic model), samples count as shares
 * of one thread. */
#ifndef KPROF_FINDINGS_H
#define KPROF_FINDINGS_H

#include <stddef.h>
#include <stdint.h>

#include "../common/macros.h"

struct model;

/* Thresholds (a rule fires above them) and the data each rule needs before
 * it may fire, so a short or sparse run says nothing rather than noise. */
#define FINDINGS_HOT_SELF_PCT      10.0   /* % of the window's CPU samples, self */
#define FINDINGS_HOT_MIN_SAMPLES   200    /* samples in the window */
#define FINDINGS_LOCK_WAIT_PCT     5.0    /* % of the waiting threads' wall time */
#define FINDINGS_LOCK_MIN_WAITS    20     /* waits on the lock */
#define FINDINGS_LOCK_MIN_SECS     2.0    /* seconds of the run */
#define FINDINGS_IO_MAX_MEAN       4096.0 /* bytes per write, mean: a write below is small */
#define FINDINGS_IO_MIN_RATE       1000.0 /* writes per second over the file's life */
#define FINDINGS_IO_MIN_SECS       2.0    /* seconds of the file's life */
#define FINDINGS_IO_GOOD_WRITE     65536.0/* the buffer size the advice names */
#define FINDINGS_LOST_PCT          2.0    /* % of records: lost / (taken + lost) */
#define FINDINGS_LOST_MIN_RECORDS  1000   /* taken + lost */
#define FINDINGS_PINNED_PCT        95.0   /* % of the thread's life on a CPU */
#define FINDINGS_PINNED_MIN_SECS   5.0    /* seconds from its first sample */
/* Leak suspects are alloc.c's (ALLOC_LEAK_*: at least 10 s) and usage.c's
 * (USAGE_LEAK_*: RSS growing steadily for at least 10 s). */
#define FINDINGS_LEAK_BYTES_PER_THREAD (1024.0 * 1024)

enum finding_severity { FINDING_WARNING, FINDING_CRITICAL };

/* What a finding is about, and its key in the model, for a drill-down. */
enum finding_subject {
	FINDING_FUNCTION,   /* key: function id */
	FINDING_LOCK,       /* key: futex address */
	FINDING_FILE,       /* key: io row index (valid while the model is held) */
	FINDING_SITE,       /* key: allocation site's stack id */
	FINDING_THREAD,     /* key: tid */
	FINDING_PROCESS,    /* key: 0 */
};

struct finding {
	const char *rule;              /* "hot-function", ...: static */
	enum finding_severity severity;
	enum finding_subject kind;
	uint64_t key;
	int64_t func;                  /* the function to drill into, or -1 */
	char subject[160];
	char evidence[240];
	char recommendation[240];
	double impact;                 /* see above */
};

/* The rules over m (the CPU, allocation and RSS rules over the last
 * window_secs seconds, 0: the whole run; locks, I/O, threads and lost
 * records over the whole run), highest impact first.  *out is the caller's
 * to free (NULL when none); returns the count. */
size_t findings_eval(const struct model *m, uint32_t window_secs, struct finding **out);

/* Every rule's id, in table order (for help and docs); *n gets the count. */
const char *const *findings_rules(size_t *n);
const char *findings_severity_name(enum finding_severity s);

/* The snapshot's "findings" array (docs/snapshot-format.md), as a jansson
 * json_t * (void * here, so this header needs no jansson). */
void *findings_json(const struct model *m, uint32_t window_secs);

#endif
