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
};

/* Called for each record; the record is valid during the call only. */
typedef void perf_ring_fn(void *ctx, const struct perf_event_header *hdr);

/* Map data_pages (a power of two) of ring for fd.  0 or -errno. */
int perf_ring_open(struct perf_ring *r, int fd, size_t data_pages);
void perf_ring_close(struct perf_ring *r);
/* Hand every complete record to fn, then release the space to the kernel.
 * Returns the number of records. */
size_t perf_ring_read(struct perf_ring *r, perf_ring_fn *fn, void *ctx);

#endif
