/* Allocator uprobes for attach mode (--alloc-sites): where the target's
 * libc keeps malloc, calloc, realloc, free and memalign/aligned_alloc, as
 * the file offsets the uprobe PMU wants, and the perf_event_attr of each
 * entry and return probe.  Opening them is perf_session's job. */
#ifndef KPROF_UPROBES_H
#define KPROF_UPROBES_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"

struct perf_event_attr;

#define UPROBES_MAX 12

struct uprobes_probe {
	const char *symbol;
	enum event_kind kind;     /* EVENT_ALLOC_CALL, EVENT_ALLOC_RETURN or EVENT_FREE */
	enum event_alloc_fn fn;   /* ALLOC_CALL */
	bool retprobe;
	bool sampled;             /* entry with a stack, every Nth call */
	uint64_t offset;          /* file offset of the probed instruction */
	uint64_t regs;            /* registers it needs beside the unwinding set */
};

struct uprobes {
	char path[PATH_MAX];      /* the library, through /proc/PID/root */
	uint32_t type;            /* the uprobe PMU's perf type */
	unsigned retprobe_bit;    /* the config bit that makes a uretprobe */
	size_t n;
	struct uprobes_probe probe[UPROBES_MAX];
	unsigned stepped;         /* probes left on instructions the kernel single-steps */
};

/* Find the target's libc and the probes' offsets.  0, or -errno with a
 * one-line reason in err. */
int uprobes_find(struct uprobes *u, pid_t pid, char *err, size_t errlen);
/* Fill the uprobe PMU fields of a (type, config, config1 = path, config2 =
 * offset) for probe i; a->config1 points into u, which must outlive the
 * perf_event_open call. */
void uprobes_attr(const struct uprobes *u, size_t i, struct perf_event_attr *a);

/* Pure parts, for the tests. */
/* The path of the C library mapped in a maps text; false when none. */
bool uprobes_libc_from_maps(const char *maps, char *path, size_t len);
/* The file offset of a defined function symbol's first byte in an ELF
 * file (.dynsym, else .symtab; vaddr → offset through its PT_LOAD).
 * 0, -ENOENT when absent, or -errno. */
int uprobes_symbol_offset(const char *path, const char *symbol, uint64_t *offset);
/* The bit number of "config:N" in a PMU format file; -1 when unparsable. */
int uprobes_parse_format(const char *text);
/* Where to put a probe whose function starts with code: 0 when its first
 * instruction is one the kernel emulates (endbr64, push, nop, jumps), or
 * the distance to a later instruction that is, when only flag-setting
 * compares come before it (test r,r; cmpb $i,rip); -1 when neither, and
 * the probe at 0 will be single-stepped. */
int uprobes_emulated_at(const uint8_t *code, size_t len);

#endif
