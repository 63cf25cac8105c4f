/* Fuzzes the reader of the allocation ring (sampler/alloc_ring.c:
 * alloc_ring_read).  The ring is shared memory the target can write: a
 * hostile or broken target may put anything in the header's head and tail
 * and in the data area.  The input is the header's tail and head words and
 * then the data area (4 or 8 KiB, zero past the input), in a buffer of
 * exactly the ring's size. */
#include "config.h"

#include "fuzz.h"
#include "sampler/alloc_ring.h"

/* Offsets of the header words (alloc_ring.h). */
enum { OFF_MAGIC = 0, OFF_VERSION = 8, OFF_HDR = 12, OFF_DATA = 16,
       OFF_HEAD = 64, OFF_TAIL = 128, OFF_LOST = 192 };

static volatile uint64_t sink;

static void cb(const struct alloc_ring_record *rec, void *arg)
{
	size_t *n = arg;

	FUZZ_CHECK(rec->nframes <= ALLOC_RING_MAX_FRAMES);
	for (unsigned i = 0; i < rec->nframes; i++)
		sink += rec->ips[i];
	(*n)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct alloc_ring ring = { .fd = -1 };
	uint64_t tail, head, data_bytes, v;
	unsigned char *mem;
	size_t n = 0, got;

	if (size < 17)
		return 0;
	data_bytes = data[0] & 1 ? 8192 : 4096;
	memcpy(&tail, data + 1, 8);
	memcpy(&head, data + 9, 8);
	data += 17;
	size -= 17;

	mem = aligned_alloc(64, ALLOC_RING_HDR_BYTES + data_bytes);
	if (!mem)
		abort();
	memset(mem, 0, ALLOC_RING_HDR_BYTES + data_bytes);
	v = ALLOC_RING_MAGIC;
	memcpy(mem + OFF_MAGIC, &v, 8);
	memcpy(mem + OFF_VERSION, &(uint32_t){ ALLOC_RING_VERSION }, 4);
	memcpy(mem + OFF_HDR, &(uint32_t){ ALLOC_RING_HDR_BYTES }, 4);
	memcpy(mem + OFF_DATA, &data_bytes, 8);
	memcpy(mem + OFF_HEAD, &head, 8);
	memcpy(mem + OFF_TAIL, &tail, 8);
	memcpy(mem + ALLOC_RING_HDR_BYTES, data, size < data_bytes ? size : data_bytes);

	ring.hdr = (struct alloc_ring_header *)(void *)mem;
	ring.data = mem + ALLOC_RING_HDR_BYTES;
	ring.mask = data_bytes - 1;
	ring.map_bytes = ALLOC_RING_HDR_BYTES + data_bytes;

	got = alloc_ring_read(&ring, cb, &n);
	FUZZ_CHECK(got == n);
	/* A second read finds what the first left: nothing committed. */
	(void)alloc_ring_read(&ring, cb, &n);
	(void)alloc_ring_lost(&ring);
	free(mem);
	return 0;
}
