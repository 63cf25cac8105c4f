/* Decoding perf ring records into event records.  Separate from opening
 * the events so the byte layout (fields in sample_type bit order, optional
 * parts, the sample_id trailer, tracepoint payloads) can be tested with
 * synthetic records. */
#ifndef KPROF_PERF_RECORD_H
#define KPROF_PERF_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/perf_event.h>

#include "event.h"

/* Where raw_syscalls:sys_enter/sys_exit keep their fields inside the RAW
 * payload, as the tracepoint's format file says (not hard-coded). */
struct perf_record_raw {
	uint16_t nr;              /* "id": the syscall number (long) */
	uint16_t args;            /* sys_enter "args": unsigned long[6] */
	uint16_t ret;             /* sys_exit "ret": long */
};

/* What one perf event's records are: its sample_type, and what its samples
 * mean.  Every event of a session sets PERF_SAMPLE_IDENTIFIER, so a record
 * names its event before we know how to read the rest. */
struct perf_record_layout {
	uint64_t sample_type;
	enum event_kind kind;     /* EVENT_SAMPLE, _SYSCALL_ENTER/EXIT/STACK, _FAULT,
				   * _ALLOC_CALL, _ALLOC_RETURN, _FREE */
	uint32_t weight;          /* _SYSCALL_STACK, _ALLOC_CALL, _FAULT: hits per record (the period) */
	struct perf_record_raw raw;
	enum event_alloc_fn fn;   /* EVENT_ALLOC_CALL: which allocator */
	/* sample_regs_user of the event; 0 means perf_record_regs_mask().  A
	 * uprobe asks for its arguments (DI, SI) or return value (AX) too. */
	uint64_t regs_mask;
};

/* Where decoded records point: a callchain, and the sample an
 * EVENT_ALLOC_CALL refers to. */
struct perf_record_scratch {
	uint64_t ips[PERF_MAX_STACK_DEPTH + 1];
	struct event_sample sample;
};

/* perf's x86_64 register numbers (asm/perf_regs.h) that uprobe records
 * carry beside the unwinding set: the first two arguments and the return
 * value. */
enum { PERF_RECORD_REG_AX = 0, PERF_RECORD_REG_SI = 4, PERF_RECORD_REG_DI = 5 };

/* The sample_regs_user mask for the registers event.h carries. */
uint64_t perf_record_regs_mask(void);
/* The event id of a record written by an event with PERF_SAMPLE_IDENTIFIER
 * (first in a sample, last in the sample_id_all trailer of the others);
 * inherited events report their parent's id. */
uint64_t perf_record_id(const struct perf_event_header *h);
/* A record's timestamp (samples: PERF_SAMPLE_TIME; others: the
 * sample_id_all trailer), for an event of sample_type. */
uint64_t perf_record_time(const struct perf_event_header *h, uint64_t sample_type);
/* Decode h, written by an event laid out as l, into ev; ev points into h
 * and into scr.  False for records we don't use and for malformed ones. */
bool perf_record_decode(const struct perf_event_header *h, const struct perf_record_layout *l,
			struct event *ev, struct perf_record_scratch *scr);

#endif
