/* Reading perf_event ring buffers (see perf_ring.h).  The kernel publishes
 * data_head with a release store; we read it with acquire, consume, and
 * publish data_tail with release so the kernel may reuse the space. */
#include "config.h"

#include <errno.h>
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
		r->base = NULL;
		return -errno;
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

size_t perf_ring_read(struct perf_ring *r, perf_ring_fn *fn, void *ctx)
{
	struct perf_event_mmap_page *meta = r->base;
	uint64_t head, tail, mask = r->data_size - 1;
	size_t count = 0;

	if (!meta)
		return 0;
	head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
	tail = meta->data_tail;
	while (tail < head) {
		const struct perf_event_header *hdr = (const void *)(r->data + (tail & mask));
		size_t off = tail & mask, size;
		struct perf_event_header h;

		/* Even the header may straddle the end. */
		if (off + sizeof h <= r->data_size) {
			h = *hdr;
		} else {
			size_t first = r->data_size - off;
			memcpy(&h, r->data + off, first);
			memcpy((uint8_t *)&h + first, r->data, sizeof h - first);
		}
		size = h.size;
		if (size < sizeof h || tail + size > head)
			break;   /* torn or bogus: wait for the kernel to finish */
		if (off + size > r->data_size) {
			size_t first = r->data_size - off;
			xgrow(&r->scratch, &r->scratch_size, size, 1);
			memcpy(r->scratch, r->data + off, first);
			memcpy(r->scratch + first, r->data, size - first);
			hdr = (const void *)r->scratch;
		}
		fn(ctx, hdr);
		tail += size;
		count++;
	}
	__atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
	return count;
}
