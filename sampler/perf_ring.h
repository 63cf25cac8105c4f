/* A perf_event mmap ring buffer: the metadata page plus a power-of-two data
 * area the kernel writes records into.  Reading hands out whole records,
 * copying the ones that wrap around the end into scratch space. */
#ifndef KPROF_PERF_RING_H
#define KPROF_PERF_RING_H

#include <stddef.h>
#include <stdint.h>

struct perf_event_header;

struct perf_ring {
	int fd;
	void *base;                 /* the whole mapping: meta page + data */
	size_t map_size;
	uint8_t *data;
	uint64_t data_size;         /* power of two */
	uint8_t *scratch;           /* for records that wrap */
	size_t scratch_size;
	uint64_t head, tail;        /* the batch being read */
	const struct perf_event_header *cur;   /* peeked, not yet consumed */
};

/* Map data_pages (a power of two) of ring for fd.  0 or -errno. */
int perf_ring_open(struct perf_ring *r, int fd, size_t data_pages);
void perf_ring_close(struct perf_ring *r);
/* Reading in steps, to merge several rings in time order: begin takes the
 * records the kernel has published so far; peek returns the next one (NULL
 * at the end) without consuming it; advance consumes it; end gives the
 * space back to the kernel. */
void perf_ring_begin(struct perf_ring *r);
const struct perf_event_header *perf_ring_peek(struct perf_ring *r);
void perf_ring_advance(struct perf_ring *r);
void perf_ring_end(struct perf_ring *r);

#endif
