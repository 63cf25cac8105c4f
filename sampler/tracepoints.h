/* The raw_syscalls tracepoints kprof-top traces futex and the read/write
 * family with: finding tracefs, the tracepoint ids, the payload layout from
 * the format files, and the in-kernel filter that picks the syscalls. */
#ifndef KPROF_TRACEPOINTS_H
#define KPROF_TRACEPOINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "perf_record.h"

struct tracepoints {
	uint64_t enter_id, exit_id;     /* perf_event_attr.config for PERF_TYPE_TRACEPOINT */
	struct perf_record_raw raw;     /* field offsets in both payloads */
	bool mounted;                   /* we mounted tracefs (left mounted) */
};

/* Find tracefs (mounting it when absent and we are root) and read the ids
 * and field offsets.  0, or -errno with a one-line reason in err. */
int tracepoints_open(struct tracepoints *tp, char *err, size_t errlen);
/* The PERF_EVENT_IOC_SET_FILTER text selecting futex (locks) and/or the
 * read/write family with close, dup2, dup3, close_range (io).  False when
 * it does not fit in buf or selects nothing. */
bool tracepoints_filter(bool locks, bool io, char *buf, size_t len);
/* Offset and size of field name in the text of a tracepoint format file;
 * false when absent. */
bool tracepoints_field(const char *format, const char *name, unsigned *offset, unsigned *size);

#endif
