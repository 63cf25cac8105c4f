/* The step from sampler events to the model: keeps the target's address
 * space current, unwinds DWARF samples, symbolizes frames, and hands the
 * resulting stacks to the model.  Owns the module cache, maps, unwinder and
 * symbolizer, so the model itself stays plain aggregates. */
#ifndef KPROF_INGEST_H
#define KPROF_INGEST_H

#include <stdbool.h>
#include <stdint.h>

struct event;
struct model;
struct ingest;

struct ingest_config {
	uint32_t pid;
	/* pid as the target's own pid namespace numbers it (NSpid's last
	 * field: proc_ns_pid); a JIT names its /tmp/perf-N.map with it.
	 * 0: the same as pid. */
	uint32_t ns_pid;
	const char *root;         /* "/proc/PID/root" or "" */
	const char *debug_root;   /* "/usr/lib/debug" */
	bool dwarf;               /* unwind register+stack samples ourselves */
	/* Mean bytes between the allocations kept as samples when uprobes
	 * report every one (0: INGEST_ALLOC_SAMPLE_BYTES, the shim's default). */
	uint64_t alloc_sample_bytes;
};

#define INGEST_ALLOC_SAMPLE_BYTES (512 * 1024)

struct ingest *ingest_new(struct model *m, const struct ingest_config *cfg);
void ingest_free(struct ingest *in);
/* Apply one event to the model.  Not thread-safe: the caller serialises. */
void ingest_event(struct ingest *in, const struct event *ev);
/* Name a data address (a futex, a global), or NULL. */
const char *ingest_data_symbol(struct ingest *in, uint64_t addr);

#endif
