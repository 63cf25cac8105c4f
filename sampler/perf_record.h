/* Decoding perf ring records into event records.  Separate from opening
 * the events so the byte layout (fields in sample_type bit order, optional
 * parts, the sample_id trailer) can be tested with synthetic records. */
#ifndef KPROF_PERF_RECORD_H
#define KPROF_PERF_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"

struct perf_event_header;

/* The sample_regs_user mask for the registers event.h carries. */
uint64_t perf_record_regs_mask(void);
/* A record's timestamp (samples: PERF_SAMPLE_TIME; others: the
 * sample_id_all trailer of TID + TIME). */
uint64_t perf_record_time(const struct perf_event_header *h);
/* Decode h, written by an event with sample_type (IP | TID | TIME | PERIOD
 * and either CALLCHAIN or REGS_USER | STACK_USER), into ev.  ips (room for
 * PERF_MAX_STACK_DEPTH) holds a callchain; ev points into it and into h.
 * False for records we don't use and for malformed ones. */
bool perf_record_decode(const struct perf_event_header *h, uint64_t sample_type,
			struct event *ev, uint64_t *ips);

#endif
