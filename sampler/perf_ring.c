/* Reading perf_event ring buffers (see perf_ring.h).  The kernel publishes
 * data_head with a release store; we read it with acquire, consume, and
 * publish data_tail with release so the kernel may reuse the space. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/perf_event.h>

#include "perf_ring.h"
#include "../common/xalloc.h"

int perf_ring_open(struct perf_ring *r, int fd, size_t data_pages)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct perf_event_mmap_page *meta;

	memset(r, 0, sizeof *r);
	r->fd = fd;
	r->map_size = (data_pages + 1) * page;
	r->base = mmap(NULL, r->map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (r->base == MAP_FAILED) {
		int e = errno;
		r->base = NULL;
		r->fd = -1;
		return -e;
	}
	meta = r->base;
	/* Newer kernels say where the data lives; older ones put it one page in. */
	if (meta->data_offset && meta->data_size) {
		r->data = (uint8_t *)r->base + meta->data_offset;
		r->data_size = meta->data_size;
	} else {
		r->data = (uint8_t *)r->base + page;
		r->data_size = data_pages * page;
	}
	return 0;
}

void perf_ring_close(struct perf_ring *r)
{
	if (r->base)
		munmap(r->base, r->map_size);
	free(r->scratch);
	memset(r, 0, sizeof *r);
	r->fd = -1;
}

void perf_ring_begin(struct perf_ring *r)
{
	struct perf_event_mmap_page *meta = r->base;

	r->cur = NULL;
	if (!meta) {
		r->head = r->tail = 0;
		return;
	}
	r->head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
	r->tail = meta->data_tail;
}

const struct perf_event_header *perf_ring_peek(struct perf_ring *r)
{
	uint64_t mask = r->data_size - 1;
	size_t off = r->tail & mask;
	struct perf_event_header h;

	if (r->cur)
		return r->cur;
	if (r->tail >= r->head)
		return NULL;
	/* Even the header may straddle the end. */
	if (off + sizeof h <= r->data_size) {
		memcpy(&h, r->data + off, sizeof h);
	} else {
		size_t first = r->data_size - off;
		memcpy(&h, r->data + off, first);
		memcpy((uint8_t *)&h + first, r->data, sizeof h - first);
	}
	if (h.size < sizeof h || r->tail + h.size > r->head)
		return NULL;   /* torn or bogus: wait for the kernel to finish */
	if (off + h.size <= r->data_size) {
		r->cur = (const void *)(r->data + off);
	} else {
		size_t first = r->data_size - off;
		xgrow(&r->scratch, &r->scratch_size, h.size, 1);
		memcpy(r->scratch, r->data + off, first);
		memcpy(r->scratch + first, r->data, h.size - first);
		r->cur = (const void *)r->scratch;
	}
	return r->cur;
}

void perf_ring_advance(struct perf_ring *r)
{
	if (r->cur)
		r->tail += r->cur->size;
	r->cur = NULL;
}

void perf_ring_end(struct perf_ring *r)
{
	struct perf_event_mmap_page *meta = r->base;

	r->cur = NULL;
	if (meta)
		__atomic_store_n(&meta->data_tail, r->tail, __ATOMIC_RELEASE);
}
