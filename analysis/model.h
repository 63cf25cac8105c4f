/* The model: everything kprof-top knows about the target, built from events
 * and read by the TUI, the batch report and the exporters.  Pure data and
 * arithmetic; the owner serialises access (the sampler thread writes under a
 * lock, readers take the same lock briefly). */
#ifndef KPROF_MODEL_H
#define KPROF_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "funcs.h"
#include "io.h"
#include "locks.h"
#include "stacks.h"
#include "syscalls.h"
#include "thread_stacks.h"
#include "threads.h"
#include "timeline.h"
#include "usage.h"

/* What is being profiled and how: filled by main, shown by every output. */
struct model_target {
	uint32_t pid;
	char command[256];
	bool launched;          /* started by us (launch mode) */
	bool exited;
	int wait_status;        /* when exited and launched; -1 unknown */
	char backend[16];       /* "perf", "ptrace" */
	char backend_note[240]; /* why this backend, and its cost (ptrace); "" */
	char call_graph[16];    /* "dwarf", "fp" */
	unsigned frequency;     /* Hz per thread */
	double start_epoch_s;   /* wall clock when sampling started, ended */
	double end_epoch_s;     /* (0 while running) */
	/* How lock waits and per-fd I/O are collected, for every output to
	 * say: locks "traced" (futex tracepoints), "sampled" (/proc fallback)
	 * or "off"; io "traced" (syscall tracepoints) or "counters" (/proc
	 * io only).  trace_note: why, when not "traced" (one line). */
	char locks_mode[16];
	char io_mode[16];
	char trace_note[200];
	/* How allocation sites are collected: "faults", "uprobes", "preload"
	 * or "off" (event_alloc_status), and why not better, one line. */
	char alloc_mode[16];
	char alloc_note[200];
	uint32_t saved_window_s; /* a loaded snapshot: the window it holds (0: all) */
};

/* Counters the sampler and the ingest step keep, for the header/report.
 * None of them is touched by model_add_stack: samples counts every CPU
 * sample received (the ingest step adds it before unwinding, so failed
 * unwinds still count), while the timeline and the thread table hold what
 * reached the model.  Shares (hotspot %, thread %) are of the latter. */
struct model_stats {
	uint64_t samples;        /* CPU samples taken (received) */
	uint64_t lost;           /* records the kernel dropped */
	uint64_t unwound;        /* DWARF unwinds attempted */
	uint64_t unwind_ns;      /* time spent unwinding them */
	uint64_t truncated;      /* stacks that ended before a root frame */
	uint64_t kernel_samples; /* samples taken while in the kernel */
	uint64_t profiler_cpu_ns;/* kprof-top's own CPU time (all threads) */
	/* Page-fault samples: all of the target's, and those in file-backed
	 * mappings (code and data loaded from files: not growth), skipped. */
	uint64_t faults, faults_file;
	uint64_t faults_shim;      /* ...and those the preload shim itself caused, skipped */
};

struct model {
	struct funcs *funcs;
	struct stacks *stacks;
	struct timeline *timeline;
	struct threads *threads;
	struct thread_stacks *thread_stacks;   /* per (thread, stack), windowed */
	struct usage *usage;                   /* RSS and I/O readings */
	struct syscalls *syscalls;             /* traced calls being paired */
	struct locks *locks;                   /* futex waits by lock and site */
	struct io *io;                         /* I/O by fd and by thread */
	struct alloc *alloc;                   /* allocation growth by site */
	struct model_target target;
	struct model_stats stats;
	uint64_t start_ns, now_ns;  /* earliest and newest event time */
	bool clock_started;         /* start_ns/now_ns are meaningful */
};

/* retain_secs: longest live window kept in per-second buckets. */
struct model *model_new(uint32_t retain_secs);
void model_free(struct model *m);
/* Record weight samples of one stack (function ids, root first; n may be 0
 * for a sample with no usable frame) on tid: interns the stack and counts it
 * in the timeline, the thread table and the per-thread stacks.  Aggregation
 * only: stats are the ingest step's (see struct model_stats). */
void model_add_stack(struct model *m, uint64_t time_ns, uint32_t tid,
		     const uint32_t *frames, uint32_t n, uint64_t weight);
/* Record a reading of the target's RSS and I/O counters (advances the
 * clock too). */
void model_add_usage(struct model *m, const struct usage_reading *r);
/* Advance the model's clock (no sample).  Tick at attach and at the end so
 * the duration covers idle time too. */
void model_tick(struct model *m, uint64_t time_ns);
/* How a section was collected: mode as the sampler said, or, when no one
 * did (a synthetic or replayed model), "traced" if it holds data, else
 * none. */
const char *model_collect_mode(const char *mode, bool has_data, const char *none);
/* Seconds covered: from the earliest event (sample or tick) to the newest. */
double model_duration_s(const struct model *m);
/* Bytes held by stacks, timelines and readings, for the memory budget. */
size_t model_memory(const struct model *m);

#endif
