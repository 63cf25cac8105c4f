/* Findings (see findings.h): one row per rule in a table, each an evaluator
 * that reads the model through the modules' query functions — the ones the
 * report and the snapshot use, so a finding's numbers are the numbers those
 * show — and appends what fires.  The list is then ranked by impact. */
#include "config.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findings.h"
#include "frame_role.h"
#include "hotspots.h"
#include "json_out.h"
#include "model.h"
#include "thread_hotspots.h"
#include "../common/xalloc.h"

struct fctx {
	const struct model *m;
	uint32_t window_secs;
	double run_s, window_s;   /* seconds of the run, of the window */
	double hz;                /* samples per second of a busy thread; 0 unknown */
	struct finding *v;
	size_t n, cap;
};

static struct finding *fnew(struct fctx *c, const char *rule, enum finding_subject kind,
			    uint64_t key, double impact)
{
	struct finding *f;

	xgrow(&c->v, &c->cap, c->n + 1, sizeof *c->v);
	f = &c->v[c->n++];
	*f = (struct finding){ .rule = rule, .kind = kind, .key = key, .func = -1,
			       .impact = impact };
	return f;
}

static const char *fname(const struct model *m, int64_t func)
{
	return func >= 0 && (uint64_t)func < funcs_count(m->funcs)
	       ? funcs_get(m->funcs, (uint32_t)func)->name : "[unknown]";
}

/* The leaf-most frame of stack that is the program's (its leaf when all
 * are the runtime's), or -1 for no frame.  *caller gets that frame's
 * caller when caller is not NULL (-1: none). */
static int64_t program_frame(const struct model *m, uint32_t stack, int64_t *caller)
{
	uint32_t n = 0, func, up;
	const uint32_t *fr = stack < stacks_count(m->stacks) ? stacks_frames(m->stacks, stack, &n) : NULL;

	if (caller)
		*caller = -1;
	if (!frame_site(m->funcs, fr, n, FRAME_RUNTIME, &func, &up))
		return -1;
	if (caller && up != FRAME_NONE)
		*caller = up;
	return func;
}

static double share(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* Samples as thread-seconds per second of secs (see findings.h). */
static double sample_impact(const struct fctx *c, uint64_t samples, uint64_t all, double secs)
{
	if (c->hz > 0 && secs > 0)
		return (double)samples / c->hz / secs;
	return all ? (double)samples / (double)all : 0.0;
}

static const char *fmt_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000000)
		snprintf(buf, len, "%.1f us", (double)ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.1f ms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", (double)ns / 1e9);
	return buf;
}

/* ---- the rules ------------------------------------------------------------ */

/* The caller through which most of func's self samples came (-1: none),
 * and its share of them: the nearest frame above it that is the program's. */
static int64_t main_caller(const struct model *m, const struct stack_count *counts, size_t n,
			   uint32_t func, double *pct)
{
	uint32_t nf = funcs_count(m->funcs);
	uint64_t *by = xcalloc(nf ? nf : 1, sizeof *by), all = 0, best = 0;
	int64_t who = -1;

	for (size_t i = 0; i < n; i++) {
		uint32_t k;
		const uint32_t *fr = stacks_frames(m->stacks, counts[i].stack, &k);
		if (!k || fr[k - 1] != func)
			continue;
		all += counts[i].count;
		/* The program's frame that called it: a hot memcpy or kernel
		 * path is the caller's to fix, not libc's or the vDSO's. */
		uint32_t at = k - 1;
		while (at-- > 0 && fr[at] < nf && frame_role(funcs_get(m->funcs, fr[at])) != FRAME_PROGRAM)
			;
		if (at != UINT32_MAX && fr[at] < nf && (by[fr[at]] += counts[i].count) > best)
			best = by[fr[at]], who = fr[at];
	}
	*pct = share(best, all);
	free(by);
	return who;
}

static void rule_hot(struct fctx *c)
{
	const struct model *m = c->m;
	struct stack_count *counts;
	size_t n = timeline_window(m->timeline, c->window_secs, &counts);
	struct hotspot *hs;
	uint64_t all = 0;
	size_t nhs = hotspots_compute(m->stacks, counts, n, &hs, &all);

	for (size_t i = 0; all >= FINDINGS_HOT_MIN_SAMPLES && i < nhs; i++) {
		if (hs[i].self_pct <= FINDINGS_HOT_SELF_PCT)
			break;   /* sorted by self */
		const char *name = fname(m, hs[i].func);
		double cpct;
		int64_t caller = main_caller(m, counts, n, hs[i].func, &cpct);
		struct finding *f = fnew(c, "hot-function", FINDING_FUNCTION, hs[i].func,
					 sample_impact(c, hs[i].self, all, c->window_s));
		f->func = hs[i].func;
		f->severity = hs[i].self_pct >= 3 * FINDINGS_HOT_SELF_PCT ? FINDING_CRITICAL : FINDING_WARNING;
		snprintf(f->subject, sizeof f->subject, "%s", name);
		snprintf(f->evidence, sizeof f->evidence, "%.1f %% of CPU samples by itself (%" PRIu64
			 " of %" PRIu64 "), %.1f %% with its callees%s%.40s%s%.0f%s",
			 hs[i].self_pct, hs[i].self, all, hs[i].total_pct,
			 caller >= 0 ? "; called from " : "", caller >= 0 ? fname(m, caller) : "",
			 caller >= 0 ? " (" : "", caller >= 0 ? cpct : 0.0, caller >= 0 ? " %)" : "");
		if (!strcmp(funcs_get(m->funcs, hs[i].func)->module, "[kernel]"))
			snprintf(f->recommendation, sizeof f->recommendation,
				 "time in the kernel: make fewer or larger system calls from %.60s",
				 caller >= 0 ? fname(m, caller) : "its callers");
		else
			snprintf(f->recommendation, sizeof f->recommendation,
				 "make %.60s cheaper (its inner loop, or cache its result) or call it "
				 "less often%s%.60s", name, caller >= 0 ? " from " : "",
				 caller >= 0 ? fname(m, caller) : "");
	}
	free(hs);
	free(counts);
}

static void rule_lock(struct fctx *c)
{
	const struct model *m = c->m;
	const struct lock_info **v;
	size_t n = locks_by_wait(m->locks, &v);
	bool sampled = !strcmp(m->target.locks_mode, "sampled");
	char b1[24], b2[24];

	for (size_t i = 0; c->run_s >= FINDINGS_LOCK_MIN_SECS && i < n; i++) {
		const struct lock_info *li = v[i];
		double pct = locks_wait_pct(m->locks, li, m->start_ns, m->now_ns);
		/* Condition-variable and semaphore waits are threads with
		 * nothing to do, not contention. */
		if (li->kind != LOCK_MUTEX || li->waits < FINDINGS_LOCK_MIN_WAITS ||
		    pct <= FINDINGS_LOCK_WAIT_PCT)
			continue;
		struct lock_site *sites;
		size_t ns = locks_sites(m->locks, li->addr, &sites);
		int64_t where = ns ? program_frame(m, sites[0].stack, NULL) : -1;
		free(sites);
		struct finding *f = fnew(c, "lock-wait", FINDING_LOCK, li->addr,
					 c->run_s > 0 ? (double)li->wait_ns / 1e9 / c->run_s : 0);
		f->func = where;
		f->severity = pct >= 5 * FINDINGS_LOCK_WAIT_PCT ? FINDING_CRITICAL : FINDING_WARNING;
		if (li->name[0])
			snprintf(f->subject, sizeof f->subject, "%s", li->name);
		else
			snprintf(f->subject, sizeof f->subject, "0x%" PRIx64, li->addr);
		snprintf(f->evidence, sizeof f->evidence, "%" PRIu32 " thread%s waited %.1f %% of "
			 "their time: %" PRIu64 " waits, %s in all, longest %s%s", li->nthreads,
			 li->nthreads == 1 ? "" : "s", pct, li->waits, fmt_ns(li->wait_ns, b1, sizeof b1),
			 fmt_ns(li->max_wait_ns, b2, sizeof b2), sampled ? " (sampled: estimates)" : "");
		snprintf(f->recommendation, sizeof f->recommendation,
			 "the mutex %.60s%s%.60s holds %" PRIu32 " thread%s %.0f %% of their time: "
			 "shorten the critical section or shard %.60s", f->subject,
			 where >= 0 ? " in " : "", where >= 0 ? fname(m, where) : "", li->nthreads,
			 li->nthreads == 1 ? "" : "s", pct, f->subject);
	}
	free(v);
}

static void rule_small_io(struct fctx *c)
{
	const struct model *m = c->m;
	uint32_t *rows;
	size_t n = io_fds_by_bytes(m->io, &rows);
	char b1[24], b2[24];

	for (size_t i = 0; i < n; i++) {
		const struct io_fd *fd = io_fd_at(m->io, rows[i]);
		uint64_t end = fd->closed ? fd->closed_ns : m->now_ns;
		double life = end > fd->first_ns ? (double)(end - fd->first_ns) / 1e9 : 0;
		if (!fd->writes || life < FINDINGS_IO_MIN_SECS)
			continue;
		double mean = (double)fd->write_bytes / (double)fd->writes;
		double rate = io_fd_rate(fd, fd->writes, m->now_ns);
		if (mean >= FINDINGS_IO_MAX_MEAN || rate <= FINDINGS_IO_MIN_RATE)
			continue;
		struct io_site *sites;
		size_t ns = io_sites(m->io, rows[i], &sites);
		int64_t where = ns ? program_frame(m, sites[0].stack, NULL) : -1;
		free(sites);
		struct finding *f = fnew(c, "small-io", FINDING_FILE, rows[i],
					 c->run_s > 0 ? (double)fd->write_ns / 1e9 / c->run_s : 0);
		f->func = where;
		f->severity = rate >= 10 * FINDINGS_IO_MIN_RATE ? FINDING_CRITICAL : FINDING_WARNING;
		snprintf(f->subject, sizeof f->subject, "%s", fd->name);
		usage_format_rate(io_fd_rate(fd, fd->write_bytes, m->now_ns), false, b1, sizeof b1);
		snprintf(f->evidence, sizeof f->evidence, "%.0f writes/s of %.0f B on average (%s) "
			 "for %.1f s, %s inside those calls%s%.60s", rate, mean, b1, life,
			 fmt_ns(fd->write_ns, b2, sizeof b2), where >= 0 ? ", from " : "",
			 where >= 0 ? fname(m, where) : "");
		snprintf(f->recommendation, sizeof f->recommendation,
			 "buffer the writes to %.80s (a %.0f KiB buffer, setvbuf or writev): about "
			 "%.0fx fewer calls", fd->name, FINDINGS_IO_GOOD_WRITE / 1024,
			 FINDINGS_IO_GOOD_WRITE / MAX(mean, 1.0));
	}
	free(rows);
}

static void rule_pinned(struct fctx *c)
{
	const struct model *m = c->m;
	struct thread_hotspot *hot = NULL;
	size_t nhot = 0;
	bool have_hot = false;

	if (c->hz <= 0)
		return;   /* no clock to hold the samples against */
	for (size_t i = 0; i < threads_count(m->threads); i++) {
		const struct thread_info *ti = threads_at(m->threads, i);
		uint64_t end = ti->exited && ti->exit_ns ? ti->exit_ns : m->now_ns;
		double life = end > ti->first_ns ? (double)(end - ti->first_ns) / 1e9 : 0;
		if (!ti->samples || life < FINDINGS_PINNED_MIN_SECS)
			continue;
		double pct = 100.0 * (double)ti->samples / c->hz / life;
		if (pct < FINDINGS_PINNED_PCT)
			continue;
		/* A pass over every (thread, stack) of the run: only when needed. */
		if (!have_hot)
			nhot = thread_hotspots_hottest_in(m->stacks, m->thread_stacks, 0, &hot);
		have_hot = true;
		const struct thread_hotspot *h = thread_hotspots_find(hot, nhot, ti->tid);
		struct finding *f = fnew(c, "pinned-thread", FINDING_THREAD, ti->tid,
					 sample_impact(c, ti->samples, 0, c->run_s));
		f->func = h ? (int64_t)h->func : -1;
		f->severity = FINDING_WARNING;
		snprintf(f->subject, sizeof f->subject, "%s (tid %" PRIu32 ")",
			 ti->name[0] ? ti->name : "thread", ti->tid);
		snprintf(f->evidence, sizeof f->evidence, "on a CPU %.0f %% of its %.1f s (%" PRIu64
			 " samples at %.0f Hz)%s%.60s", MIN(pct, 100.0), life, ti->samples, c->hz,
			 h ? "; hottest function " : "", h ? fname(m, h->func) : "");
		snprintf(f->recommendation, sizeof f->recommendation,
			 "one thread does all of this: if %.60s spins waiting, block instead (a "
			 "condition variable, epoll); if it computes, split the work across threads",
			 h ? fname(m, h->func) : "it");
	}
	free(hot);
}

static void rule_lost(struct fctx *c)
{
	const struct model *m = c->m;
	uint64_t all = m->stats.samples + m->stats.lost;
	double pct = share(m->stats.lost, all);

	if (all < FINDINGS_LOST_MIN_RECORDS || pct <= FINDINGS_LOST_PCT)
		return;
	struct finding *f = fnew(c, "lost-samples", FINDING_PROCESS, 0,
				 pct / 100 * sample_impact(c, all, all, c->run_s));
	f->severity = pct >= 5 * FINDINGS_LOST_PCT ? FINDING_CRITICAL : FINDING_WARNING;
	snprintf(f->subject, sizeof f->subject, "the profile");
	snprintf(f->evidence, sizeof f->evidence, "the kernel dropped %" PRIu64 " of %" PRIu64
		 " records (%.1f %%): the profile misses that share", m->stats.lost, all, pct);
	snprintf(f->recommendation, sizeof f->recommendation,
		 "lower -F (now %u Hz), give the rings more pages (-m), or use --call-graph fp or "
		 "a smaller --stack-size: fewer, smaller records drain in time", m->target.frequency);
}

/* One finding per function that keeps memory (the heaviest of its
 * stacks: alloc_sites ranks by growth), or, when no site is suspect, the
 * process's RSS. */
static void rule_leak(struct fctx *c)
{
	const struct model *m = c->m;
	struct alloc_site_info *v;
	size_t n = alloc_sites(m->alloc, c->window_secs, &v), first = c->n;
	struct usage_rates u;
	char b1[24], b2[24], b3[24];

	for (size_t i = 0; i < n; i++) {
		const struct alloc_site_info *si = &v[i];
		int64_t caller, where;
		bool seen = false;
		if (!si->leak_suspect || si->other)
			continue;
		where = program_frame(m, si->stack, &caller);
		for (size_t k = first; k < c->n; k++)
			seen |= c->v[k].func == where;
		if (seen)
			continue;
		struct finding *f = fnew(c, "leak-suspect", FINDING_SITE, si->stack,
					 MIN(si->growth_bytes_per_s / FINDINGS_LEAK_BYTES_PER_THREAD, 1.0));
		f->func = where;
		f->severity = FINDING_WARNING;
		snprintf(f->subject, sizeof f->subject, "%.70s%s%.70s", fname(m, where),
			 caller >= 0 ? " <- " : "", caller >= 0 ? fname(m, caller) : "");
		usage_format_rate(si->growth_bytes_per_s, true, b1, sizeof b1);
		usage_format_bytes((double)si->outstanding_bytes, b2, sizeof b2);
		usage_format_rate(si->free_bytes_per_s, false, b3, sizeof b3);
		snprintf(f->evidence, sizeof f->evidence, "outstanding grows %s over %.0f s, %s held, "
			 "oldest %.0f s, freed %s (%.0f %% of what it allocated)", b1, c->window_s, b2,
			 si->oldest_age_s, b3, share(si->free_bytes, si->alloc_bytes));
		snprintf(f->recommendation, sizeof f->recommendation,
			 "%.60s keeps what it allocates: free it when done, or bound what holds it "
			 "(a cache or queue needs a limit)", fname(m, where));
	}
	free(v);
	usage_rates(m->usage, c->window_secs, &u);
	if (c->n > first || !u.leak_suspect)
		return;
	struct finding *f = fnew(c, "leak-suspect", FINDING_PROCESS, 0,
				 MIN(u.rss_growth_bytes_per_s / FINDINGS_LEAK_BYTES_PER_THREAD, 1.0));
	f->severity = FINDING_WARNING;
	usage_format_bytes((double)u.rss_bytes, b1, sizeof b1);
	snprintf(f->subject, sizeof f->subject, "process RSS");
	snprintf(f->evidence, sizeof f->evidence, "RSS grows %s, now %s", u.leak_reason, b1);
	snprintf(f->recommendation, sizeof f->recommendation, "%s",
		 !strcmp(m->target.alloc_mode, "faults") || !m->target.alloc_mode[0]
		 ? "find who keeps it: launch the program under kprof-top (allocation sampling) or "
		   "attach with --alloc-sites"
		 : "no sampled malloc site holds it: look at mmap, thread stacks or a custom "
		   "allocator");
}

static const struct {
	const char *id;
	void (*eval)(struct fctx *c);
} rules[] = {
	{ "hot-function", rule_hot },
	{ "lock-wait", rule_lock },
	{ "leak-suspect", rule_leak },
	{ "small-io", rule_small_io },
	{ "lost-samples", rule_lost },
	{ "pinned-thread", rule_pinned },
};

const char *const *findings_rules(size_t *n)
{
	static const char *ids[ARRAY_SIZE(rules)];

	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		ids[i] = rules[i].id;
	*n = ARRAY_SIZE(rules);
	return ids;
}

const char *findings_severity_name(enum finding_severity s)
{
	return s == FINDING_CRITICAL ? "critical" : "warning";
}

static size_t rule_index(const char *id)
{
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		if (!strcmp(rules[i].id, id))
			return i;
	return ARRAY_SIZE(rules);
}

/* Impact first; equal impacts (several rules scaled alike) in table order,
 * then by subject, so the order is stable. */
static int by_impact(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;
	size_t rx = rule_index(x->rule), ry = rule_index(y->rule);

	if (x->impact != y->impact)
		return x->impact < y->impact ? 1 : -1;
	if (rx != ry)
		return rx < ry ? -1 : 1;
	return strcmp(x->subject, y->subject);
}

size_t findings_eval(const struct model *m, uint32_t window_secs, struct finding **out)
{
	struct fctx c = { .m = m, .window_secs = window_secs, .run_s = model_duration_s(m),
			  .hz = m->target.frequency };

	c.window_s = window_secs ? MIN((double)window_secs, c.run_s) : c.run_s;
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		rules[i].eval(&c);
	if (c.n)
		qsort(c.v, c.n, sizeof *c.v, by_impact);
	*out = c.v;
	return c.n;
}


void *findings_json(const struct model *m, uint32_t window_secs)
{
	struct finding *v;
	size_t n = findings_eval(m, window_secs, &v);
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "rule", json_string(v[i].rule));
		json_object_set_new(o, "severity", json_string(findings_severity_name(v[i].severity)));
		json_object_set_new(o, "subject", json_str(v[i].subject));
		json_object_set_new(o, "evidence", json_str(v[i].evidence));
		json_object_set_new(o, "recommendation", json_str(v[i].recommendation));
		json_object_set_new(o, "impact", json_real(v[i].impact));
		json_array_append_new(arr, o);
	}
	free(v);
	return arr;
}
