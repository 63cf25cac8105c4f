/* Command-line options (see options.h).  Each option is one row of
 * options_table: the parser, getopt_long's table and --help are derived
 * from it, so they cannot drift apart. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "common/macros.h"

enum option_type { OPT_FLAG, OPT_UINT, OPT_DOUBLE, OPT_STRING, OPT_CHOICE, OPT_PID };

struct option_def {
	const char *name;
	int key;                   /* short option, or 0 */
	enum option_type type;
	const char *arg;           /* metavariable for --help */
	size_t offset;             /* where the value goes in struct options */
	double min, max;           /* numeric range, inclusive */
	const char *const *choices;/* OPT_CHOICE: index stored as int */
	const char *help;
	double def;                /* numeric default */
};

static const char *const call_graph_choices[] = { "dwarf", "fp", NULL };
static const char *const trace_choices[] = { "auto", "all", "locks", "io", "none", NULL };
static const char *const backend_choices[] = { "auto", "perf", "ptrace", NULL };
/* The order of enum profile_view (analysis/profile.h). */
static const char *const view_choices[] = { "cpu", "alloc", "io", "locks", NULL };

#define OFF(f) offsetof(struct options, f)

static const struct option_def options_table[] = {
	{ "pid", 'p', OPT_PID, "PID", OFF(pid), 1, INT_MAX, NULL,
	  "attach to a running process (all its threads, also later ones)", 0 },
	{ "frequency", 'F', OPT_UINT, "HZ", OFF(frequency), 1, 100000, NULL,
	  "CPU samples per second per thread (default 99; 49 with ptrace)", 0 },
	{ "backend", 0, OPT_CHOICE, "auto|perf|ptrace", OFF(backend), 0, 0, backend_choices,
	  "how to sample: perf events, or ptrace where perf events are refused "
	  "(auto, the default), or one of them only", 0 },
	{ "delay", 'd', OPT_DOUBLE, "SECS", OFF(delay), 0.05, 3600, NULL,
	  "display refresh interval (default 1)", 1 },
	{ "duration", 0, OPT_DOUBLE, "SECS", OFF(duration), 0.01, 1e9, NULL,
	  "stop sampling after SECS", 0 },
	{ "batch", 'b', OPT_FLAG, NULL, OFF(batch), 0, 0, NULL,
	  "no TUI: sample, then print a plain-text report", 0 },
	{ "folded", 0, OPT_STRING, "FILE", OFF(folded), 0, 0, NULL,
	  "on exit, write folded stacks (flame graph input) to FILE", 0 },
	{ "snapshot", 0, OPT_STRING, "FILE", OFF(snapshot), 0, 0, NULL,
	  "on exit, write the JSON snapshot to FILE", 0 },
	{ "svg", 0, OPT_STRING, "FILE", OFF(svg), 0, 0, NULL,
	  "on exit, write an SVG flame graph (open it in a browser) to FILE", 0 },
	{ "svg-view", 0, OPT_CHOICE, "cpu|alloc|io|locks", OFF(svg_view), 0, 0, view_choices,
	  "what --svg shows: CPU samples (default), bytes held by allocation site, "
	  "bytes moved by I/O site, or lock wait time", 0 },
	{ "pprof", 0, OPT_STRING, "FILE", OFF(pprof), 0, 0, NULL,
	  "on exit, write every pane as a gzipped pprof profile (go tool pprof) to FILE", 0 },
	{ "speedscope", 0, OPT_STRING, "FILE", OFF(speedscope), 0, 0, NULL,
	  "on exit, write every pane in speedscope's file format to FILE", 0 },
	{ "load", 0, OPT_STRING, "FILE", OFF(load), 0, 0, NULL,
	  "open a saved JSON snapshot (--snapshot, or e in the live view) instead of a target", 0 },
	{ "diff", 0, OPT_STRING, "BEFORE AFTER", OFF(diff_before), 0, 0, NULL,
	  "compare two saved snapshots function by function: what regressed, what improved", 0 },
	{ "fail-on-regression", 0, OPT_FLAG, NULL, OFF(fail_on_regression), 0, 0, NULL,
	  "with --diff: exit with status 3 when a function regressed (for CI)", 0 },
	{ "call-graph", 0, OPT_CHOICE, "dwarf|fp", OFF(call_graph), 0, 0, call_graph_choices,
	  "unwind copied user stacks (default) or use frame-pointer callchains", 0 },
	{ "stack-size", 0, OPT_UINT, "BYTES", OFF(stack_bytes), 1024, 65000, NULL,
	  "user stack bytes copied per sample in dwarf mode (default 8192)", 8192 },
	{ "mmap-pages", 'm', OPT_UINT, "PAGES", OFF(mmap_pages), 1, 65536, NULL,
	  "data pages per CPU ring buffer, a power of 2 (default 1024 with dwarf "
	  "stacks, 64 with fp; more loses fewer samples in bursts)", 0 },
	{ "trace", 0, OPT_CHOICE, "auto|all|locks|io|none", OFF(trace), 0, 0, trace_choices,
	  "trace futex waits and read/write-family syscalls; auto (default) stops "
	  "when that would slow the target over 5 %", 0 },
	{ "alloc-sites", 0, OPT_FLAG, NULL, OFF(alloc_sites), 0, 0, NULL,
	  "attach mode: trace every malloc/free with uprobes (costly) for exact call sites", 0 },
	{ "alloc-sample", 0, OPT_UINT, "KIB", OFF(alloc_sample_kib), 1, 1048576, NULL,
	  "one allocation sample per KIB allocated, on average (default 512)", 512 },
	{ "theme", 0, OPT_STRING, "NAME", OFF(theme), 0, 0, NULL,
	  "colour theme: default, light, mono, high-contrast, or a file", 0 },
	{ "demo", 0, OPT_FLAG, NULL, OFF(demo), 0, 0, NULL,
	  "launch the bundled demo workload and profile it", 0 },
	{ "help", 'h', OPT_FLAG, NULL, OFF(help), 0, 0, NULL, "show this help", 0 },
	{ "version", 'V', OPT_FLAG, NULL, OFF(version), 0, 0, NULL, "show the version", 0 },
};

#define NOPTIONS ARRAY_SIZE(options_table)

static int options_set(struct options *o, const struct option_def *d, const char *arg,
		       char *err, size_t errlen)
{
	void *field = (char *)o + d->offset;
	char *end;
	double v;

	switch (d->type) {
	case OPT_FLAG:
		*(bool *)field = true;
		return 0;
	case OPT_STRING:
		*(const char **)field = arg;
		return 0;
	case OPT_CHOICE:
		for (int i = 0; d->choices[i]; i++)
			if (strcmp(arg, d->choices[i]) == 0) {
				*(int *)field = i;
				return 0;
			}
		snprintf(err, errlen, "--%s: '%s' is not one of %s", d->name, arg, d->arg);
		return -1;
	case OPT_UINT:
	case OPT_DOUBLE:
	case OPT_PID:
		errno = 0;
		v = strtod(arg, &end);
		if (errno || end == arg || *end || v < d->min || v > d->max ||
		    (d->type != OPT_DOUBLE && v != (double)(long long)v)) {
			if (d->type == OPT_DOUBLE)
				snprintf(err, errlen, "--%s: '%s' is not a number between %g and %g",
					 d->name, arg, d->min, d->max);
			else
				snprintf(err, errlen, "--%s: '%s' is not a whole number between %.0f and %.0f",
					 d->name, arg, d->min, d->max);
			return -1;
		}
		if (d->type == OPT_DOUBLE)
			*(double *)field = v;
		else if (d->type == OPT_PID)
			*(pid_t *)field = (pid_t)v;
		else
			*(unsigned *)field = (unsigned)v;
		return 0;
	}
	return -1;
}

static void options_defaults(struct options *o)
{
	memset(o, 0, sizeof *o);
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct option_def *d = &options_table[i];
		void *field = (char *)o + d->offset;
		if (d->type == OPT_UINT)
			*(unsigned *)field = (unsigned)d->def;
		else if (d->type == OPT_DOUBLE)
			*(double *)field = d->def;
	}
}

/* What the options ask for together: one source of data, and options
 * that make sense with it. */
static int options_check(struct options *o, char *err, size_t errlen)
{
	if (o->diff_before) {
		if (!o->diff_after || o->argv) {
			snprintf(err, errlen, "--diff needs two snapshots: --diff BEFORE.json AFTER.json");
			return -1;
		}
		if (o->pid || o->demo || o->load) {
			snprintf(err, errlen, "--diff compares two saved snapshots: drop -p, --demo and --load");
			return -1;
		}
		if (o->snapshot || o->pprof || o->speedscope || o->svg_view != 0) {
			snprintf(err, errlen, "--diff writes a differential --folded and --svg (of CPU "
				 "samples) only: drop the other outputs");
			return -1;
		}
		return 0;
	}
	if (o->mmap_pages & (o->mmap_pages - 1)) {
		snprintf(err, errlen, "--mmap-pages: %u is not a power of 2 (the kernel's rule for "
			 "perf rings): try %u", o->mmap_pages, 1u << (31 - __builtin_clz(o->mmap_pages)));
		return -1;
	}
	if (o->fail_on_regression) {
		snprintf(err, errlen, "--fail-on-regression goes with --diff BEFORE AFTER");
		return -1;
	}
	if (o->load) {
		if (o->pid || o->argv || o->demo) {
			snprintf(err, errlen, "--load opens a saved snapshot: drop -p, the command and --demo");
			return -1;
		}
		return 0;
	}
	if (o->pid && (o->argv || o->demo)) {
		snprintf(err, errlen, "give either -p PID or a command to launch, not both");
		return -1;
	}
	if (o->demo && o->argv) {
		snprintf(err, errlen, "--demo launches its own workload: drop the command");
		return -1;
	}
	if (!o->pid && !o->argv && !o->demo) {
		snprintf(err, errlen, "nothing to profile: give -p PID, -- CMD [ARGS], or --demo (see --help)");
		return -1;
	}
	return 0;
}


int options_parse(struct options *o, int argc, char **argv, char *err, size_t errlen)
{
	struct option longopts[NOPTIONS + 1];
	char shortopts[2 * NOPTIONS + 2], *sp = shortopts;
	int c, idx;

	options_defaults(o);
	*sp++ = '+';   /* stop at the first non-option: it starts CMD */
	*sp++ = ':';   /* report a missing argument as ':' */
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct option_def *d = &options_table[i];
		longopts[i] = (struct option){ d->name, d->type == OPT_FLAG ? no_argument : required_argument,
					      NULL, d->key ? d->key : 256 + (int)i };
		if (d->key) {
			*sp++ = (char)d->key;
			if (d->type != OPT_FLAG)
				*sp++ = ':';
		}
	}
	*sp = '\0';
	memset(&longopts[NOPTIONS], 0, sizeof longopts[0]);

	opterr = 0;
	optind = 1;
	for (;;) {
		const struct option_def *d = NULL;

		c = getopt_long(argc, argv, shortopts, longopts, &idx);
		/* --diff's second file is the first word that is not an option;
		 * options may follow it. */
		if (c == -1 && o->diff_before && !o->diff_after && optind < argc &&
		    strcmp(argv[optind - 1], "--") != 0) {
			o->diff_after = argv[optind++];
			continue;
		}
		if (c == -1)
			break;

		if (c == '?') {
			if (optopt)
				snprintf(err, errlen, "unknown option -%c: see --help", optopt);
			else
				snprintf(err, errlen, "unknown option %s: see --help", argv[optind - 1]);
			return -1;
		}
		if (c == ':') {
			snprintf(err, errlen, "option %s needs a value: see --help", argv[optind - 1]);
			return -1;
		}
		for (size_t i = 0; i < NOPTIONS; i++)
			if (c == (options_table[i].key ? options_table[i].key : 256 + (int)i))
				d = &options_table[i];
		if (!d || options_set(o, d, optarg, err, errlen) < 0)
			return -1;
	}
	if (optind < argc)
		o->argv = &argv[optind];
	if (o->help || o->version)
		return 0;
	return options_check(o, err, errlen);
}

void options_usage(FILE *f, const char *prog)
{
	fprintf(f, "Usage: %s [options] -p PID\n"
		   "       %s [options] -- CMD [ARGS...]\n"
		   "       %s [options] --demo\n"
		   "       %s [options] --load SNAPSHOT.json\n"
		   "       %s --diff BEFORE.json AFTER.json [--fail-on-regression]\n\n"
		   "A live, htop-like profiler for one process: CPU hotspots by function and\n"
		   "call path (perf events, stacks unwound from copies), lock waits, I/O by fd\n"
		   "and thread, and allocation growth by call site.\n\nOptions:\n",
		prog, prog, prog, prog, prog);
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct option_def *d = &options_table[i];
		char left[64];

		snprintf(left, sizeof left, "%s%c%s--%s%s%s", d->key ? "-" : "   ",
			 d->key ? d->key : ' ', d->key ? ", " : " ", d->name,
			 d->arg ? " " : "", d->arg ? d->arg : "");
		/* Long metavariables (auto|all|locks|io|none) get their own line. */
		if (strlen(left) > 26)
			fprintf(f, "  %s\n  %-26s %s\n", left, "", d->help);
		else
			fprintf(f, "  %-26s %s\n", left, d->help);
	}
	fprintf(f, "\nExit status: 0 success (also when the target exits), 1 runtime failure,\n"
		   "2 bad usage or a target that cannot be profiled; with --diff\n"
		   "--fail-on-regression, 3 when a function regressed.\n");
}
