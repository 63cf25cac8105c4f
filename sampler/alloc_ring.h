/* The shared-memory ring through which the LD_PRELOAD allocation shim
 * (sampler/preload/alloc_shim.c) hands sampled allocations to kprof-top.
 *
 * kprof-top creates and sizes the file (alloc_ring_create) before it
 * launches the target with KPROF_ALLOC_RING=<path>; the shim maps it in its
 * constructor (alloc_ring_attach).  Many writers (the target's threads),
 * one reader (kprof-top's sampler thread).  Writers never block: a full
 * ring drops the record and counts it.
 *
 * Layout (all little-endian host words; the file is ALLOC_RING_HDR_BYTES of
 * header, then a power-of-two data area):
 *
 *   header, offset  0  u64 magic "KPALLOC1"     set last by the creator
 *                   8  u32 version (1)
 *                  12  u32 header bytes (4096)
 *                  16  u64 data bytes (power of two, ≥ 4096)
 *                  24  i32 owner pid            0 until claimed (see below)
 *                  64  u64 head   bytes reserved by writers, ever (CAS)
 *                 128  u64 tail   bytes consumed by the reader, ever
 *                 192  u64 lost   records dropped because the ring was full
 *                 200  u64 untracked  samples dropped because the shim's
 *                                     table of live samples was full
 *   data: records, each 8-byte aligned, at (position mod data bytes); a
 *   record's body may wrap around the end of the area, its first word never
 *   does (data bytes and record sizes are multiples of 8).
 *
 *   record word 0 (u64, stored last with release = the commit):
 *       bits  0..31  record bytes, header word included (0 = not committed)
 *       bits 32..47  type (enum alloc_ring_type)
 *       bits 48..63  nframes (ALLOC) or 0
 *   then by type, u64 words:
 *       ALLOC  time_ns, tid, address, size, weight, ips[nframes]  (leaf first)
 *       FREE   time_ns, tid, address
 *       START  time_ns, pid, sample mean bytes
 *
 * A writer reserves with a CAS on head (so a full ring is seen before
 * anything is reserved and there are no holes), fills its bytes, then
 * publishes word 0.  The reader delivers committed records in order and
 * stops at the first uncommitted one; it zeroes what it consumed before
 * moving tail, so stale bytes never look committed to the next lap.
 * START is written by each image of the owner process as the shim loads
 * (again after an exec): the reader forgets the live addresses it had.
 * The owner is the first process to attach, unless the launcher set it
 * (alloc_ring_set_owner); other processes (forked children, commands they
 * exec) leave the ring alone. */
#ifndef KPROF_ALLOC_RING_H
#define KPROF_ALLOC_RING_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ALLOC_RING_MAGIC      0x31434f4c4c41504bULL   /* "KPALLOC1" */
#define ALLOC_RING_VERSION    1u
#define ALLOC_RING_HDR_BYTES  4096u
#define ALLOC_RING_MAX_FRAMES 64u
/* Header word + the largest body: an ALLOC with every frame. */
#define ALLOC_RING_MAX_RECORD (8u * (1u + 5u + ALLOC_RING_MAX_FRAMES))
#define ALLOC_RING_ENV        "KPROF_ALLOC_RING"
#define ALLOC_RING_MEAN_ENV   "KPROF_ALLOC_SAMPLE_BYTES"
#define ALLOC_RING_DEFAULT_MEAN (512u * 1024u)

enum alloc_ring_type {
	ALLOC_RING_ALLOC = 1,
	ALLOC_RING_FREE = 2,
	ALLOC_RING_START = 3,
};

struct alloc_ring_header;

struct alloc_ring {
	struct alloc_ring_header *hdr;
	unsigned char *data;
	uint64_t mask;           /* data bytes - 1 */
	size_t map_bytes;
	int fd;
	char path[PATH_MAX];
};

/* One decoded record; ips points into the reader's scratch and lives only
 * during the callback.  For START, tid holds the pid and size the mean. */
struct alloc_ring_record {
	enum alloc_ring_type type;
	uint64_t time_ns;
	uint32_t tid;
	uint64_t address;
	uint64_t size;
	uint64_t weight;
	unsigned nframes;
	const uint64_t *ips;
};

typedef void (*alloc_ring_cb)(const struct alloc_ring_record *rec, void *arg);

/* Reader side (kprof-top).  create: a new file of header + data_bytes
 * (rounded up to a power of two); fails if it exists.  0 or -errno. */
int alloc_ring_create(struct alloc_ring *ring, const char *path, size_t data_bytes);
/* Let only this process write (the launched child, before its gate opens). */
void alloc_ring_set_owner(struct alloc_ring *ring, pid_t pid);
/* Delivers the committed records in order; returns how many. */
size_t alloc_ring_read(struct alloc_ring *ring, alloc_ring_cb cb, void *arg);
uint64_t alloc_ring_lost(const struct alloc_ring *ring);
uint64_t alloc_ring_untracked(const struct alloc_ring *ring);
void alloc_ring_close(struct alloc_ring *ring);
/* Removes the file (the mapping, if still open, stays valid). */
int alloc_ring_unlink(const struct alloc_ring *ring);

/* Writer side (the shim).  attach: maps an existing ring; 0 or -errno.
 * claim: true if this pid owns the ring (claiming it if nobody does). */
int alloc_ring_attach(struct alloc_ring *ring, const char *path);
bool alloc_ring_claim(struct alloc_ring *ring, pid_t pid);
bool alloc_ring_write_alloc(struct alloc_ring *ring, uint64_t time_ns, uint32_t tid,
			    uint64_t address, uint64_t size, uint64_t weight,
			    const uint64_t *ips, unsigned nframes);
bool alloc_ring_write_free(struct alloc_ring *ring, uint64_t time_ns, uint32_t tid,
			   uint64_t address);
bool alloc_ring_write_start(struct alloc_ring *ring, uint64_t time_ns, pid_t pid,
			    uint64_t mean);
void alloc_ring_count_untracked(struct alloc_ring *ring);

#endif
