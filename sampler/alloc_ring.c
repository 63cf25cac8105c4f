/* The allocation ring (format in alloc_ring.h): creation and reading for
 * kprof-top, attaching and lock-free writing for the shim.  Built into both,
 * so it uses nothing but libc and never allocates: the writer runs inside
 * the target's malloc. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc_ring.h"

struct alloc_ring_header {
	_Atomic uint64_t magic;
	uint32_t version;
	uint32_t header_bytes;
	uint64_t data_bytes;
	_Atomic int32_t owner;
	char pad0[64 - 28];
	/* head and tail on their own cache lines: writers bounce head, the
	 * reader owns tail. */
	_Atomic uint64_t head;
	char pad1[56];
	_Atomic uint64_t tail;
	char pad2[56];
	_Atomic uint64_t lost;
	_Atomic uint64_t untracked;
};

_Static_assert(offsetof(struct alloc_ring_header, owner) == 24, "layout");
_Static_assert(offsetof(struct alloc_ring_header, head) == 64, "layout");
_Static_assert(offsetof(struct alloc_ring_header, tail) == 128, "layout");
_Static_assert(offsetof(struct alloc_ring_header, lost) == 192, "layout");
_Static_assert(offsetof(struct alloc_ring_header, untracked) == 200, "layout");
_Static_assert(sizeof(struct alloc_ring_header) <= ALLOC_RING_HDR_BYTES, "layout");

#define WORD0(bytes, type, aux) \
	((uint64_t)(bytes) | (uint64_t)(type) << 32 | (uint64_t)(aux) << 48)

static void ring_reset(struct alloc_ring *ring)
{
	ring->hdr = NULL;
	ring->data = NULL;
	ring->mask = 0;
	ring->map_bytes = 0;
	ring->fd = -1;
	ring->path[0] = '\0';
}

static int ring_map(struct alloc_ring *ring, int fd, size_t data_bytes)
{
	size_t bytes = ALLOC_RING_HDR_BYTES + data_bytes;
	void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (m == MAP_FAILED)
		return -errno;
	ring->hdr = m;
	ring->data = (unsigned char *)m + ALLOC_RING_HDR_BYTES;
	ring->mask = data_bytes - 1;
	ring->map_bytes = bytes;
	ring->fd = fd;
	return 0;
}

static int ring_set_path(struct alloc_ring *ring, const char *path)
{
	size_t n = strlen(path);

	if (n >= sizeof(ring->path))
		return -ENAMETOOLONG;
	memcpy(ring->path, path, n + 1);
	return 0;
}

int alloc_ring_create(struct alloc_ring *ring, const char *path, size_t data_bytes)
{
	size_t size = 4096;
	int fd, err;

	ring_reset(ring);
	if ((err = ring_set_path(ring, path)) != 0)
		return err;
	while (size < data_bytes && size < ((size_t)1 << 40))
		size <<= 1;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)(ALLOC_RING_HDR_BYTES + size)) != 0 ||
	    (err = ring_map(ring, fd, size)) != 0) {
		err = err ? err : -errno;
		close(fd);
		unlink(path);
		ring_reset(ring);
		return err;
	}
	/* The file is fresh (zeroes): only the identity needs writing, the
	 * magic last so an attacher never sees a half-made header. */
	ring->hdr->version = ALLOC_RING_VERSION;
	ring->hdr->header_bytes = ALLOC_RING_HDR_BYTES;
	ring->hdr->data_bytes = size;
	atomic_store_explicit(&ring->hdr->magic, ALLOC_RING_MAGIC, memory_order_release);
	return 0;
}

int alloc_ring_attach(struct alloc_ring *ring, const char *path)
{
	struct alloc_ring_header h;
	struct stat st;
	int fd, err;

	ring_reset(ring);
	if ((err = ring_set_path(ring, path)) != 0)
		return err;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Validate the header before trusting its size: pread, not a map. */
	if (fstat(fd, &st) != 0 || pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h ||
	    h.magic != ALLOC_RING_MAGIC || h.version != ALLOC_RING_VERSION ||
	    h.header_bytes != ALLOC_RING_HDR_BYTES || h.data_bytes < 4096 ||
	    (h.data_bytes & (h.data_bytes - 1)) != 0 ||
	    (uint64_t)st.st_size < ALLOC_RING_HDR_BYTES + h.data_bytes) {
		close(fd);
		return -EINVAL;
	}
	if ((err = ring_map(ring, fd, h.data_bytes)) != 0) {
		close(fd);
		ring_reset(ring);
		return err;
	}
	return 0;
}

void alloc_ring_set_owner(struct alloc_ring *ring, pid_t pid)
{
	atomic_store(&ring->hdr->owner, (int32_t)pid);
}

bool alloc_ring_claim(struct alloc_ring *ring, pid_t pid)
{
	int32_t expect = 0;

	if (atomic_compare_exchange_strong(&ring->hdr->owner, &expect, (int32_t)pid))
		return true;
	return expect == (int32_t)pid;
}

void alloc_ring_close(struct alloc_ring *ring)
{
	if (ring->hdr)
		munmap(ring->hdr, ring->map_bytes);
	if (ring->fd >= 0)
		close(ring->fd);
	ring->hdr = NULL;
	ring->data = NULL;
	ring->fd = -1;
}

int alloc_ring_unlink(const struct alloc_ring *ring)
{
	return ring->path[0] && unlink(ring->path) != 0 ? -errno : 0;
}

uint64_t alloc_ring_lost(const struct alloc_ring *ring)
{
	return atomic_load_explicit(&ring->hdr->lost, memory_order_relaxed);
}

uint64_t alloc_ring_untracked(const struct alloc_ring *ring)
{
	return atomic_load_explicit(&ring->hdr->untracked, memory_order_relaxed);
}

void alloc_ring_count_untracked(struct alloc_ring *ring)
{
	atomic_fetch_add_explicit(&ring->hdr->untracked, 1, memory_order_relaxed);
}

/* ---- writer ---------------------------------------------------------- */

/* Copies into the data area at pos, wrapping at its end. */
static void ring_copy_in(struct alloc_ring *ring, uint64_t pos, const void *src, size_t n)
{
	size_t off = (size_t)(pos & ring->mask), first = (size_t)ring->mask + 1 - off;

	if (first >= n) {
		memcpy(ring->data + off, src, n);
	} else {
		memcpy(ring->data + off, src, first);
		memcpy(ring->data, (const unsigned char *)src + first, n - first);
	}
}

static _Atomic uint64_t *ring_word(struct alloc_ring *ring, uint64_t pos)
{
	return (_Atomic uint64_t *)(void *)(ring->data + (pos & ring->mask));
}

/* body: the record's words after word 0, nwords of them. */
static bool ring_put(struct alloc_ring *ring, enum alloc_ring_type type, unsigned aux,
		     const uint64_t *body, size_t nwords)
{
	struct alloc_ring_header *h = ring->hdr;
	uint64_t bytes = 8 * (1 + (uint64_t)nwords), cap = ring->mask + 1;
	uint64_t head = atomic_load_explicit(&h->head, memory_order_relaxed);

	/* A CAS rather than a fetch-add: a reservation that does not fit is
	 * never made, so a full ring leaves no hole for the reader to stall
	 * on.  Acquire on tail: the reader's zeroing of the space is seen. */
	for (;;) {
		uint64_t tail = atomic_load_explicit(&h->tail, memory_order_acquire);
		/* Our head is stale when other writers and the reader have both
		 * moved past it: head - tail would wrap and look full. */
		if (head < tail) {
			head = atomic_load_explicit(&h->head, memory_order_relaxed);
			continue;
		}
		if (head + bytes - tail > cap) {
			atomic_fetch_add_explicit(&h->lost, 1, memory_order_relaxed);
			return false;
		}
		if (atomic_compare_exchange_weak_explicit(&h->head, &head, head + bytes,
							  memory_order_relaxed, memory_order_relaxed))
			break;
	}
	ring_copy_in(ring, head + 8, body, nwords * 8);
	atomic_store_explicit(ring_word(ring, head), WORD0(bytes, type, aux),
			      memory_order_release);
	return true;
}

bool alloc_ring_write_alloc(struct alloc_ring *ring, uint64_t time_ns, uint32_t tid,
			    uint64_t address, uint64_t size, uint64_t weight,
			    const uint64_t *ips, unsigned nframes)
{
	uint64_t body[5 + ALLOC_RING_MAX_FRAMES];

	if (nframes > ALLOC_RING_MAX_FRAMES)
		nframes = ALLOC_RING_MAX_FRAMES;
	body[0] = time_ns;
	body[1] = tid;
	body[2] = address;
	body[3] = size;
	body[4] = weight;
	memcpy(body + 5, ips, nframes * sizeof *ips);
	return ring_put(ring, ALLOC_RING_ALLOC, nframes, body, 5 + nframes);
}

bool alloc_ring_write_free(struct alloc_ring *ring, uint64_t time_ns, uint32_t tid,
			   uint64_t address)
{
	uint64_t body[3] = { time_ns, tid, address };

	return ring_put(ring, ALLOC_RING_FREE, 0, body, 3);
}

bool alloc_ring_write_start(struct alloc_ring *ring, uint64_t time_ns, pid_t pid,
			    uint64_t mean)
{
	uint64_t body[3] = { time_ns, (uint64_t)pid, mean };

	return ring_put(ring, ALLOC_RING_START, 0, body, 3);
}

/* ---- reader ---------------------------------------------------------- */

static bool ring_decode(uint64_t word0, const uint64_t *w, struct alloc_ring_record *rec)
{
	uint64_t bytes = word0 & 0xffffffffu;
	unsigned type = (unsigned)(word0 >> 32 & 0xffff), aux = (unsigned)(word0 >> 48);

	memset(rec, 0, sizeof *rec);
	rec->type = (enum alloc_ring_type)type;
	switch (type) {
	case ALLOC_RING_ALLOC:
		if (aux > ALLOC_RING_MAX_FRAMES || bytes != 8 * (6 + (uint64_t)aux))
			return false;
		rec->time_ns = w[0];
		rec->tid = (uint32_t)w[1];
		rec->address = w[2];
		rec->size = w[3];
		rec->weight = w[4];
		rec->nframes = aux;
		rec->ips = w + 5;
		return true;
	case ALLOC_RING_FREE:
	case ALLOC_RING_START:
		if (bytes != 8 * 4)
			return false;
		rec->time_ns = w[0];
		rec->tid = (uint32_t)w[1];
		if (type == ALLOC_RING_FREE)
			rec->address = w[2];
		else
			rec->size = w[2];
		return true;
	default:
		return false;
	}
}

/* Only a broken (or hostile) writer leaves a record we cannot step over;
 * there is no way to resync but to give up what is in the ring.  head and
 * tail are in memory the target can write: zero at most the whole area
 * once, whatever they say (a head 2^64 bytes ahead spun here for ever;
 * found by tests/fuzz/fuzz_alloc_ring), and leave tail 8-aligned. */
static void ring_give_up(struct alloc_ring *ring, uint64_t tail)
{
	struct alloc_ring_header *h = ring->hdr;
	uint64_t head = atomic_load_explicit(&h->head, memory_order_acquire);
	uint64_t cap = ring->mask + 1, from = tail & ~(uint64_t)7, span = head - from;

	if (head < from || span > cap) {
		from = 0;
		span = cap;
	}
	for (uint64_t p = 0; p < span; p += 8)
		atomic_store_explicit(ring_word(ring, from + p), 0, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->lost, 1, memory_order_relaxed);
	atomic_store_explicit(&h->tail, (head + 7) & ~(uint64_t)7, memory_order_release);
}

size_t alloc_ring_read(struct alloc_ring *ring, alloc_ring_cb cb, void *arg)
{
	struct alloc_ring_header *h = ring->hdr;
	uint64_t tail = atomic_load_explicit(&h->tail, memory_order_relaxed);
	uint64_t body[ALLOC_RING_MAX_RECORD / 8];
	size_t delivered = 0;

	/* We only ever store an aligned tail; a misaligned one (the target
	 * wrote it) would read word 0 unaligned and, at the end of the area,
	 * past it.  Found by tests/fuzz/fuzz_alloc_ring. */
	if (tail % 8) {
		ring_give_up(ring, tail);
		return 0;
	}
	for (;;) {
		_Atomic uint64_t *w0 = ring_word(ring, tail);
		uint64_t word0 = atomic_load_explicit(w0, memory_order_acquire);
		uint64_t bytes = word0 & 0xffffffffu;
		struct alloc_ring_record rec;

		if (word0 == 0)
			break;   /* not committed yet (or nothing more) */
		if (bytes < 8 || bytes > ALLOC_RING_MAX_RECORD || bytes % 8) {
			ring_give_up(ring, tail);
			break;
		}
		size_t off = (size_t)((tail + 8) & ring->mask), first = (size_t)ring->mask + 1 - off;
		size_t n = (size_t)bytes - 8;
		if (first >= n) {
			memcpy(body, ring->data + off, n);
			memset(ring->data + off, 0, n);
		} else {
			memcpy(body, ring->data + off, first);
			memcpy((unsigned char *)body + first, ring->data, n - first);
			memset(ring->data + off, 0, first);
			memset(ring->data, 0, n - first);
		}
		atomic_store_explicit(w0, 0, memory_order_relaxed);
		tail += bytes;
		/* Release: the zeroes are visible before writers reuse the space. */
		atomic_store_explicit(&h->tail, tail, memory_order_release);
		if (ring_decode(word0, body, &rec)) {
			cb(&rec, arg);
			delivered++;
		} else {
			atomic_fetch_add_explicit(&h->lost, 1, memory_order_relaxed);
		}
	}
	return delivered;
}
