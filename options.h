/* The command line: one table of options from which getopt_long's table,
 * the parser and --help all come (tmux's options-table idea). */
#ifndef KPROF_OPTIONS_H
#define KPROF_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

enum call_graph { CALL_GRAPH_DWARF, CALL_GRAPH_FP };
/* What --trace turns on: the order of trace_choices in options.c. */
enum trace_what { TRACE_AUTO, TRACE_ALL, TRACE_LOCKS, TRACE_IO, TRACE_NONE };
/* --backend: the order of backend_choices in options.c. */
enum backend_choice { BACKEND_AUTO, BACKEND_PERF, BACKEND_PTRACE };

struct options {
	pid_t pid;
	char **argv;             /* launch mode: the command after -- */
	unsigned frequency;      /* 0: the backend's default (perf 99, ptrace 49) */
	int backend;             /* enum backend_choice */
	double delay;
	double duration;         /* 0: until the target exits or we're stopped */
	bool batch;
	const char *folded;
	const char *snapshot;
	const char *svg;         /* SVG flame graph of svg_view */
	int svg_view;            /* enum profile_view: cpu, alloc, io, locks */
	const char *pprof;       /* gzipped profile.proto, every pane */
	const char *speedscope;  /* speedscope's JSON file format, every pane */
	const char *load;        /* a saved snapshot instead of a live target */
	const char *diff_before; /* --diff BEFORE AFTER: the two snapshots */
	const char *diff_after;
	bool fail_on_regression; /* --diff: exit 3 when a function regressed */
	int call_graph;          /* enum call_graph */
	unsigned stack_bytes;
	unsigned mmap_pages;     /* data pages per CPU ring; 0: the default */
	int trace;               /* enum trace_what */
	bool alloc_sites;        /* uprobes on malloc/free in attach mode */
	unsigned alloc_sample_kib;   /* one sampled allocation per this many KiB */
	bool demo;
	const char *theme;
	bool help, version;
};

/* Parse argv into o.  Returns 0, or -1 with a one-line message in err
 * (a usage error: exit status 2). */
int options_parse(struct options *o, int argc, char **argv, char *err, size_t errlen);
void options_usage(FILE *f, const char *prog);

#endif
