/* The event records the sampler emits and the analysis consumes: the one
 * contract between sampler/ and analysis/.  Records are plain data; pointers
 * in them (stack bytes, strings, callchains) are valid only for the duration
 * of the sink call, so a consumer copies what it keeps. */
#ifndef KPROF_EVENT_H
#define KPROF_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum event_kind {
	EVENT_SAMPLE = 1,   /* a CPU sample of one thread */
	EVENT_MAPS,         /* the whole /proc/PID/maps text (attach, exec) */
	EVENT_MMAP,         /* one new mapping (PERF_RECORD_MMAP2) */
	EVENT_COMM,         /* a thread's name, set or changed (exec too) */
	EVENT_THREAD_START,
	EVENT_THREAD_EXIT,
	EVENT_LOST,         /* records the kernel dropped */
	EVENT_TICK,         /* time passes even when nothing is sampled */
	EVENT_TARGET_EXIT,
	EVENT_PROC_STATS,   /* RSS and I/O counters, about once a second */
	EVENT_SYSCALL_ENTER,/* a traced syscall began (futex, read/write family, close) */
	EVENT_SYSCALL_EXIT, /* ...and returned */
	EVENT_SYSCALL_STACK,/* the user stack at a sampled subset of SYSCALL_ENTERs */
	EVENT_FD_NAME,      /* what an fd refers to, before the first call on it */
	EVENT_THREAD_IO,    /* one thread's I/O counters, about once a second */
	EVENT_WAIT_SAMPLE,  /* fallback: where a thread was blocked, from /proc */
	EVENT_TRACE_STATUS, /* how lock waits and I/O are collected (start, changes) */
	EVENT_FAULT,        /* a sampled page fault: ev->sample, with the address */
	EVENT_ALLOC,        /* a sampled allocation, complete (the preload shim) */
	EVENT_ALLOC_CALL,   /* an allocator entered (uprobes): size, stack */
	EVENT_ALLOC_RETURN, /* ...and returned: the address (uprobes) */
	EVENT_FREE,         /* an address given back (free, realloc's old block) */
	EVENT_ALLOC_STATUS, /* how allocation sites are collected (start, changes) */
};

/* User registers carried by a DWARF-mode sample, in this order.  Enough for
 * x86_64 CFI: everything a CFA rule or a saved-register rule refers to. */
enum event_reg {
	EVENT_REG_IP, EVENT_REG_SP, EVENT_REG_BP, EVENT_REG_BX,
	EVENT_REG_R12, EVENT_REG_R13, EVENT_REG_R14, EVENT_REG_R15,
	EVENT_REG_COUNT
};

struct event_sample {
	uint32_t pid, tid;
	uint64_t period;          /* ns of CPU time this sample stands for */
	uint64_t ip;              /* where the thread was (may be kernel) */
	bool kernel;              /* ip is in the kernel */
	/* Frame-pointer mode: user callchain, leaf first (ips[0] = user ip). */
	uint32_t nr_ips;
	const uint64_t *ips;
	/* DWARF mode: user registers and a copy of the user stack from regs[SP]. */
	bool has_regs;
	uint64_t regs[EVENT_REG_COUNT];
	uint32_t stack_size;      /* bytes really copied (dyn_size) */
	const uint8_t *stack;
	/* EVENT_SYSCALL_STACK only: the syscall being entered, and how many
	 * traced syscall entries of this thread this stack stands for (the
	 * sampling period: stacks are taken on every Nth entry). */
	int32_t syscall_nr;
	uint32_t syscall_weight;
	/* EVENT_FAULT only: the faulting data address (PERF_SAMPLE_ADDR). */
	uint64_t addr;
};

struct event_maps {
	uint32_t pid;
	const char *text;         /* the file's contents, NUL-terminated */
};

struct event_mmap {
	uint32_t pid, tid;
	uint64_t start, len, pgoff;
	uint32_t prot;            /* PROT_* bits */
	uint32_t maj, min;
	uint64_t ino;
	const char *path;         /* as the kernel names it: "/usr/lib/…", "[vdso]", "//anon" */
};

struct event_comm {
	uint32_t pid, tid;
	const char *comm;
	bool exec;                /* the process exec'd: its mappings are gone */
};

struct event_thread {
	uint32_t pid, tid;
	uint32_t ppid, ptid;      /* parent, for THREAD_START */
};

struct event_lost {
	uint64_t count;
};

struct event_target_exit {
	int wait_status;          /* as from waitpid(), or -1 when not our child */
};

/* The whole process's memory and I/O counters at time_ns, read by the
 * sampler thread from /proc/PID/status (VmRSS) and /proc/PID/io about once a
 * second (and once at attach).  Counters are cumulative since the process
 * started; the analysis turns deltas into rates.  has_io is false when
 * /proc/PID/io could not be read (it needs ptrace-read access: another
 * user's process without CAP_SYS_PTRACE), has_rss when status could not:
 * "unknown", not zero. */
struct event_proc_stats {
	uint32_t pid;
	bool has_rss;
	uint64_t rss_bytes;       /* VmRSS */
	bool has_io;
	uint64_t rchar, wchar;    /* bytes read(2)/write(2)-family calls moved */
	uint64_t read_bytes;      /* bytes fetched from storage */
	uint64_t write_bytes;     /* bytes sent (or to be sent) to storage */
	/* The memory breakdown (/proc/PID/status; has_mem false when absent):
	 * resident anonymous, file-backed and shared memory, the data segment
	 * (heap and private anonymous mappings, resident or not) and swap. */
	bool has_mem;
	uint64_t rss_anon, rss_file, rss_shmem, vm_data, vm_swap;
	/* From /proc/PID/maps, when read: the [heap] (brk) size and the number
	 * of mappings; has_maps false when not read this time. */
	bool has_maps;
	uint64_t heap_bytes;
	uint32_t nr_maps;
};

/* One traced syscall entry or exit (x86_64 syscall numbers).  Enter and
 * exit of one thread arrive in order; after an EVENT_LOST a pair may be
 * broken (an exit without its enter), which the consumer must tolerate. */
struct event_syscall {
	uint32_t pid, tid;
	int32_t nr;
	uint64_t args[6];         /* ENTER: the arguments */
	int64_t ret;              /* EXIT: the return value (-errno on failure) */
};

/* What fd refers to, as /proc/PID/fd says ("/var/log/x", "pipe:[123]",
 * "tcp 127.0.0.1:80 -> 10.0.0.2:5512", "socket:[456]"), read by the
 * sampler when it first sees a call on fd, and again after the fd was
 * closed or replaced (close, dup2, dup3, close_range).  name NULL: the fd
 * was already gone when the sampler looked. */
struct event_fd_name {
	uint32_t pid;
	int32_t fd;
	const char *name;
};

/* One thread's cumulative /proc/PID/task/TID/io counters (see
 * event_proc_stats for what each counts). */
struct event_thread_io {
	uint32_t pid, tid;
	uint64_t rchar, wchar, read_bytes, write_bytes;
};

/* Fallback for lock waits when tracepoints are refused: one look at
 * /proc/PID/task/TID/syscall (and wchan), standing for period_ns of that
 * thread's time.  nr is the syscall it is blocked in with its arguments,
 * -1 when blocked outside a syscall, -2 when running. */
struct event_wait_sample {
	uint32_t pid, tid;
	int32_t nr;
	uint64_t args[6];
	uint64_t period_ns;
	char wchan[32];           /* kernel function it sleeps in, or "" */
};

/* How lock waits and per-fd I/O are being collected: first when sampling
 * starts, again whenever that changes (tracing stopped because it cost the
 * target too much).  locks_mode "traced", "sampled" or "off"; io_mode
 * "traced" or "counters"; note says why when not traced, one line. */
struct event_trace_status {
	const char *locks_mode, *io_mode, *note;
};

/* Allocator functions, for ALLOC/ALLOC_CALL. */
enum event_alloc_fn {
	EVENT_ALLOC_MALLOC, EVENT_ALLOC_CALLOC, EVENT_ALLOC_REALLOC,
	EVENT_ALLOC_MEMALIGN,     /* posix_memalign, aligned_alloc, memalign, valloc */
	EVENT_ALLOC_MMAP,         /* anonymous mmap */
};

/* A sampled allocation the target reported itself (the preload shim): its
 * call stack is already unwound, leaf first.  weight: the bytes this sample
 * stands for (size / P(sampled)), so sums of weights estimate bytes. */
struct event_alloc {
	uint32_t pid, tid;
	enum event_alloc_fn fn;
	uint64_t addr, size;
	uint64_t weight;
	uint32_t nr_ips;
	const uint64_t *ips;
};

/* An allocator entered, seen by a uprobe: the request and the user stack
 * at the call (regs + stack copy in DWARF mode, callchain in FP mode), to
 * be paired by tid with the ALLOC_RETURN that follows.  weight: calls this
 * one stands for when stacks are taken on every Nth call (1: every call). */
struct event_alloc_call {
	uint32_t pid, tid;
	enum event_alloc_fn fn;
	uint64_t size;            /* bytes asked (calloc: nmemb * size) */
	uint64_t old_addr;        /* realloc: the block given back, or 0 */
	uint32_t weight;
	const struct event_sample *sample;   /* NULL when no stack was taken */
};

struct event_alloc_return {
	uint32_t pid, tid;
	uint64_t addr;            /* 0: the allocation failed */
};

struct event_free {
	uint32_t pid, tid;
	uint64_t addr;
};

/* How allocation call sites are collected: mode "faults" (sampled page
 * faults: where memory is first touched), "uprobes" (every malloc/free,
 * --alloc-sites), "preload" (the shim, launch mode) or "off"; note says
 * why when a better mode was refused, one line. */
struct event_alloc_status {
	const char *mode, *note;
};

struct event {
	enum event_kind kind;
	uint64_t time_ns;         /* CLOCK_MONOTONIC */
	union {
		struct event_sample sample;
		struct event_maps maps;
		struct event_mmap mmap;
		struct event_comm comm;
		struct event_thread thread;
		struct event_lost lost;
		struct event_target_exit exit;
		struct event_proc_stats proc_stats;
		struct event_syscall syscall;
		struct event_fd_name fd_name;
		struct event_thread_io thread_io;
		struct event_wait_sample wait;
		struct event_trace_status trace;
		struct event_alloc alloc;
		struct event_alloc_call alloc_call;
		struct event_alloc_return alloc_return;
		struct event_free free;
		struct event_alloc_status alloc_status;
	};
};

/* Where the sampler delivers records.  Called on the sampler thread. */
typedef void event_sink_fn(void *ctx, const struct event *ev);

#endif
