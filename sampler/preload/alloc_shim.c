/* libkprof-alloc.so: the launch-mode allocation sampler.  kprof-top preloads
 * it into the command it launches; it samples allocations by bytes (a
 * Poisson process, as tcmalloc and jemalloc heap profiling do), unwinds the
 * allocating thread at each sample with libunwind, and reports sampled
 * allocations and their frees through the ring of sampler/alloc_ring.h.
 * Without KPROF_ALLOC_RING in the environment it is inert.  docs/alloc-shim.md
 * says why it is built the way it is. */
#include "config.h"

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "common/fastmath.h"
#include "sampler/alloc_ring.h"

#define SHIM_EXPORT   __attribute__((visibility("default")))
#define SHIM_NOINLINE __attribute__((noinline))
#define LIKELY(x)     __builtin_expect(!!(x), 1)
#define UNLIKELY(x)   __builtin_expect(!!(x), 0)

enum shim_state {
	SHIM_UNRESOLVED = 0,    /* real functions not looked up yet */
	SHIM_INERT,             /* pass-through: no ring, or not ours */
	SHIM_ACTIVE,
};

/* The next definitions in lookup order (dlsym RTLD_NEXT), not glibc's
 * __libc_malloc & co.: a target linked with jemalloc or tcmalloc keeps its
 * allocator, and pointers from it never reach glibc's free. */
struct shim_real {
	void *(*malloc)(size_t);
	void (*free)(void *);
	void *(*calloc)(size_t, size_t);
	void *(*realloc)(void *, size_t);
	void *(*memalign)(size_t, size_t);
	int (*posix_memalign)(void **, size_t, size_t);
	void *(*aligned_alloc)(size_t, size_t);
	void *(*valloc)(size_t);
	void *(*pvalloc)(size_t);
};

static struct shim_real real;
static _Atomic int shim_state;
static _Atomic int shim_resolving;
static struct alloc_ring shim_ring;
static double shim_mean = ALLOC_RING_DEFAULT_MEAN;
static uintptr_t shim_text_lo, shim_text_hi;

/* ---- bootstrap arena ----------------------------------------------------
 * dlsym allocates (its error state) before it can tell us where malloc is:
 * those few requests come from here and are never given back. */

#define ARENA_BYTES (64 * 1024)
static _Alignas(64) unsigned char shim_arena[ARENA_BYTES];
static _Atomic size_t shim_arena_used;

static bool arena_owns(const void *p)
{
	return (uintptr_t)p - (uintptr_t)shim_arena < ARENA_BYTES;
}

/* Each block is preceded by its size, for realloc out of the arena. */
static void *arena_alloc(size_t size, size_t align)
{
	size_t old = atomic_load(&shim_arena_used), start, end;

	if (align < 16)
		align = 16;
	do {
		start = (old + sizeof(size_t) + align - 1) & ~(align - 1);
		if (size > ARENA_BYTES || start + size > ARENA_BYTES)
			return NULL;
		end = start + size;
	} while (!atomic_compare_exchange_weak(&shim_arena_used, &old, end));
	memcpy(shim_arena + start - sizeof(size_t), &size, sizeof size);
	return shim_arena + start;
}

static size_t arena_size(const void *p)
{
	size_t size;

	memcpy(&size, (const unsigned char *)p - sizeof size, sizeof size);
	return size;
}

#define RESOLVE(name, fallback) \
	(real.name = dlsym(RTLD_NEXT, #name), real.name ? real.name : (real.name = (fallback)))

/* The lookups glibc always has; a next allocator without aligned_alloc or
 * pvalloc gets them through memalign. */
static void *shim_aligned_via_memalign(size_t align, size_t size)
{
	return real.memalign(align, size);
}

static void *shim_pvalloc_via_memalign(size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return real.memalign(page, (size + page - 1) & ~(page - 1));
}

/* True once the real functions are known.  A call made while dlsym runs
 * (on this or another thread) gets false and uses the arena. */
static bool shim_resolve(void)
{
	if (atomic_load_explicit(&shim_state, memory_order_acquire) != SHIM_UNRESOLVED)
		return true;
	if (atomic_exchange(&shim_resolving, 1))
		return false;
	RESOLVE(malloc, NULL);
	RESOLVE(free, NULL);
	RESOLVE(calloc, NULL);
	RESOLVE(realloc, NULL);
	RESOLVE(memalign, NULL);
	RESOLVE(posix_memalign, NULL);
	RESOLVE(aligned_alloc, shim_aligned_via_memalign);
	RESOLVE(valloc, NULL);
	RESOLVE(pvalloc, shim_pvalloc_via_memalign);
	if (!real.malloc || !real.free || !real.calloc || !real.realloc || !real.memalign ||
	    !real.posix_memalign || !real.valloc) {
		static const char msg[] = "libkprof-alloc: no malloc after this library\n";
		if (write(2, msg, sizeof msg - 1) < 0)
			abort();
		abort();
	}
	atomic_store_explicit(&shim_state, SHIM_INERT, memory_order_release);
	return true;
}

/* ---- per-thread sampling state ------------------------------------------ */

struct shim_thread {
	int64_t countdown;      /* bytes to allocate before the next sample */
	uint64_t rng;           /* 0: this thread has not been seeded */
	uint32_t tid;
	bool busy;              /* inside the shim: allocations pass through */
};

static __thread struct shim_thread shim_self;

static uint64_t shim_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t shim_random(struct shim_thread *t)
{
	/* xorshift64*: plenty for spacing samples, and no libc state. */
	t->rng ^= t->rng >> 12;
	t->rng ^= t->rng << 25;
	t->rng ^= t->rng >> 27;
	return t->rng * 0x2545f4914f6cdd1dULL;
}

/* ln and 1 - e^-x come from common/fastmath.h: libm is not linked (libc
 * alone keeps the shim's dependencies to what every target already has). */

/* The bytes until the next sample: exponential with the configured mean,
 * so sampling is a Poisson process over allocated bytes. */
static int64_t shim_draw(struct shim_thread *t)
{
	double u = (double)((shim_random(t) >> 11) + 1) * (1.0 / 9007199254740992.0);
	double d = -fm_log(u) * shim_mean;

	return d < 1 ? 1 : (int64_t)d;
}

static void shim_thread_seed(struct shim_thread *t)
{
	t->tid = (uint32_t)gettid();
	t->rng = shim_now_ns() ^ (uint64_t)(uintptr_t)t ^ ((uint64_t)t->tid << 32);
	if (t->rng == 0)
		t->rng = 0x9e3779b97f4a7c15ULL;
}

/* ---- the table of live sampled allocations -------------------------------
 * Open addressing, linear probing.  Misses (nearly every free) probe
 * without a lock under a sequence count; inserts and removes take the lock,
 * at sample rate only.  A removed address leaves a tombstone that the next
 * insert passing by reuses; when live + tombstones pass a quarter of the
 * slots the table is rebuilt into its spare (twice as big if live passed an
 * eighth), so a miss stays one or two probes. */

#define TABLE_MAX_BITS  22
#define TABLE_MIN_BITS  12
#define SLOT_EMPTY      ((uintptr_t)0)
#define SLOT_TOMB       ((uintptr_t)1)

struct shim_table {
	_Atomic uintptr_t *slots[2];    /* each 1 << TABLE_MAX_BITS, mapped lazily */
	_Atomic(_Atomic uintptr_t *) cur;
	_Atomic unsigned bits;
	_Atomic unsigned seq;           /* odd while a rebuild runs */
	/* bits as the free path wants them, so a miss costs no arithmetic */
	_Atomic unsigned shift;         /* 64 - bits */
	_Atomic size_t mask;            /* (1 << bits) - 1 */
	unsigned which;                 /* index of cur in slots[]; under lock */
	size_t live, used;              /* under lock */
	pthread_mutex_t lock;
};

static struct shim_table shim_table = { .lock = PTHREAD_MUTEX_INITIALIZER };

static size_t table_hash(uintptr_t a, unsigned bits)
{
	return (size_t)(((uint64_t)a * 0x9e3779b97f4a7c15ULL) >> (64 - bits));
}

static bool table_init(struct shim_table *t)
{
	size_t bytes = sizeof(uintptr_t) << TABLE_MAX_BITS;

	for (int i = 0; i < 2; i++) {
		void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (m == MAP_FAILED)
			return false;
		t->slots[i] = m;
	}
	atomic_store(&t->cur, t->slots[0]);
	atomic_store(&t->bits, TABLE_MIN_BITS);
	atomic_store(&t->shift, 64 - TABLE_MIN_BITS);
	atomic_store(&t->mask, ((size_t)1 << TABLE_MIN_BITS) - 1);
	return true;
}

/* False only if a is surely not in the table: the free path.  Most frees
 * end at the first slot, so that case comes first. */
static inline bool table_maybe(struct shim_table *t, uintptr_t a)
{
	unsigned s = atomic_load_explicit(&t->seq, memory_order_acquire);
	_Atomic uintptr_t *slots = atomic_load_explicit(&t->cur, memory_order_relaxed);
	size_t mask = atomic_load_explicit(&t->mask, memory_order_relaxed);
	size_t i = (size_t)(((uint64_t)a * 0x9e3779b97f4a7c15ULL) >>
			    atomic_load_explicit(&t->shift, memory_order_relaxed));
	uintptr_t v = atomic_load_explicit(&slots[i], memory_order_relaxed);

	if (UNLIKELY(v != SLOT_EMPTY)) {
		for (size_t n = 0; v != a && n < mask; n++) {
			i = (i + 1) & mask;
			v = atomic_load_explicit(&slots[i], memory_order_relaxed);
			if (v == SLOT_EMPTY)
				break;
		}
		if (v == a)
			return true;
	}
	atomic_thread_fence(memory_order_acquire);
	return UNLIKELY(atomic_load_explicit(&t->seq, memory_order_relaxed) != s || (s & 1));
}

static void table_place(_Atomic uintptr_t *slots, unsigned bits, uintptr_t a)
{
	size_t mask = ((size_t)1 << bits) - 1, i = table_hash(a, bits);

	while (atomic_load_explicit(&slots[i], memory_order_relaxed) > SLOT_TOMB)
		i = (i + 1) & mask;
	atomic_store_explicit(&slots[i], a, memory_order_relaxed);
}

/* Under the lock.  Lock-free readers that overlap see the count move and
 * fall back to the lock. */
static void table_rebuild(struct shim_table *t, unsigned bits)
{
	_Atomic uintptr_t *old = atomic_load_explicit(&t->cur, memory_order_relaxed);
	_Atomic uintptr_t *dst = t->slots[t->which ^ 1];
	size_t old_n = (size_t)1 << atomic_load_explicit(&t->bits, memory_order_relaxed);
	size_t new_n = (size_t)1 << bits;
	unsigned s = atomic_load_explicit(&t->seq, memory_order_relaxed);

	atomic_store_explicit(&t->seq, s + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	for (size_t i = 0; i < new_n; i++)
		atomic_store_explicit(&dst[i], SLOT_EMPTY, memory_order_relaxed);
	for (size_t i = 0; i < old_n; i++) {
		uintptr_t v = atomic_load_explicit(&old[i], memory_order_relaxed);
		if (v > SLOT_TOMB)
			table_place(dst, bits, v);
	}
	atomic_store_explicit(&t->cur, dst, memory_order_relaxed);
	atomic_store_explicit(&t->bits, bits, memory_order_relaxed);
	atomic_store_explicit(&t->shift, 64 - bits, memory_order_relaxed);
	atomic_store_explicit(&t->mask, new_n - 1, memory_order_relaxed);
	atomic_store_explicit(&t->seq, s + 2, memory_order_release);
	t->which ^= 1;
	t->used = t->live;
}

static bool table_insert(struct shim_table *t, uintptr_t a)
{
	bool ok = true;

	pthread_mutex_lock(&t->lock);
	unsigned bits = atomic_load_explicit(&t->bits, memory_order_relaxed);
	if (t->used + 1 > ((size_t)1 << bits) / 4) {
		if (t->live + 1 > ((size_t)1 << bits) / 8 && bits < TABLE_MAX_BITS)
			bits++;
		if (t->live + 1 > ((size_t)1 << bits) / 4)
			ok = false;     /* full even when rebuilt: drop the sample */
		else
			table_rebuild(t, bits);
	}
	if (ok) {
		_Atomic uintptr_t *slots = atomic_load_explicit(&t->cur, memory_order_relaxed);
		size_t mask = ((size_t)1 << bits) - 1, i = table_hash(a, bits);
		uintptr_t v;
		while ((v = atomic_load_explicit(&slots[i], memory_order_relaxed)) > SLOT_TOMB)
			i = (i + 1) & mask;
		if (v == SLOT_EMPTY)
			t->used++;
		atomic_store_explicit(&slots[i], a, memory_order_relaxed);
		t->live++;
	}
	pthread_mutex_unlock(&t->lock);
	return ok;
}

static bool table_remove(struct shim_table *t, uintptr_t a)
{
	bool found = false;

	pthread_mutex_lock(&t->lock);
	_Atomic uintptr_t *slots = atomic_load_explicit(&t->cur, memory_order_relaxed);
	unsigned bits = atomic_load_explicit(&t->bits, memory_order_relaxed);
	size_t mask = ((size_t)1 << bits) - 1, i = table_hash(a, bits);
	for (size_t n = 0; n <= mask; n++, i = (i + 1) & mask) {
		uintptr_t v = atomic_load_explicit(&slots[i], memory_order_relaxed);
		if (v == SLOT_EMPTY)
			break;
		if (v == a) {
			atomic_store_explicit(&slots[i], SLOT_TOMB, memory_order_relaxed);
			t->live--;
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&t->lock);
	return found;
}

/* ---- samples -------------------------------------------------------------- */

static bool shim_own_ip(uintptr_t ip)
{
	return ip - shim_text_lo < shim_text_hi - shim_text_lo;
}

static void shim_record(struct shim_thread *t, void *p, size_t size)
{
	void *buf[ALLOC_RING_MAX_FRAMES + 8];
	uint64_t ips[ALLOC_RING_MAX_FRAMES];
	unsigned n = 0;
	int got, i = 0;
	double x = (double)size / shim_mean;
	uint64_t weight = (uint64_t)((double)size / fm_one_minus_exp_neg(x) + 0.5);

	got = unw_backtrace(buf, (int)(sizeof buf / sizeof buf[0]));
	while (i < got && shim_own_ip((uintptr_t)buf[i]))
		i++;
	for (; i < got && n < ALLOC_RING_MAX_FRAMES; i++)
		ips[n++] = (uint64_t)(uintptr_t)buf[i];

	/* In the table before the record: a FREE can only follow. */
	if (!table_insert(&shim_table, (uintptr_t)p)) {
		alloc_ring_count_untracked(&shim_ring);
		return;
	}
	if (!alloc_ring_write_alloc(&shim_ring, shim_now_ns(), t->tid, (uintptr_t)p, size,
				    weight, ips, n))
		table_remove(&shim_table, (uintptr_t)p);
}

/* The countdown ran out: maybe sample p, and draw the next distance. */
static SHIM_NOINLINE void shim_sample(void *p, size_t size)
{
	struct shim_thread *t = &shim_self;

	if (t->busy)
		return;
	t->busy = true;
	if (t->rng == 0) {
		/* A new thread starts at 0: its first countdown is a fresh draw
		 * (memoryless, so this allocation is sampled with the right
		 * probability). */
		shim_thread_seed(t);
		t->countdown += shim_draw(t);
		if (t->countdown > 0)
			goto out;
	}
	t->countdown = shim_draw(t);
	if (p)
		shim_record(t, p, size);
out:
	t->busy = false;
}

/* Counts size against this thread's countdown: true when it ran out, and
 * the allocation must go to shim_sample.  Checked before the real call so
 * that the common case ends in a tail call. */
static inline bool shim_due(size_t size)
{
	return UNLIKELY((shim_self.countdown -= (int64_t)size) <= 0) && size;
}

/* p was sampled: report its end before the memory can be reused, so the
 * ring never has an ALLOC of an address before the FREE of its last life. */
static SHIM_NOINLINE void shim_forget(void *p)
{
	struct shim_thread *t = &shim_self;

	if (t->busy)
		return;
	t->busy = true;
	if (table_remove(&shim_table, (uintptr_t)p)) {
		if (!t->tid)
			t->tid = (uint32_t)gettid();
		alloc_ring_write_free(&shim_ring, shim_now_ns(), t->tid, (uintptr_t)p);
	}
	t->busy = false;
}

static inline void shim_check_free(void *p)
{
	if (p && UNLIKELY(table_maybe(&shim_table, (uintptr_t)p)))
		shim_forget(p);
}

static inline int shim_get_state(void)
{
	return atomic_load_explicit(&shim_state, memory_order_acquire);
}

/* ---- the interposed functions ---------------------------------------------- */

SHIM_EXPORT void *malloc(size_t size)
{
	int st;
	void *p;

	st = shim_get_state();
	if (LIKELY(st == SHIM_INERT))
		return real.malloc(size);
	if (UNLIKELY(st != SHIM_ACTIVE)) {
		if (shim_resolve())
			return real.malloc(size);
		return arena_alloc(size, 16);
	}
	if (LIKELY(!shim_due(size)))
		return real.malloc(size);
	p = real.malloc(size);
	shim_sample(p, size);
	return p;
}

SHIM_EXPORT void free(void *p)
{
	int st;

	if (UNLIKELY(arena_owns(p)))
		return;
	st = shim_get_state();
	if (LIKELY(st == SHIM_INERT)) {
		real.free(p);
		return;
	}
	if (UNLIKELY(st != SHIM_ACTIVE)) {
		if (shim_resolve())
			real.free(p);
		return;
	}
	shim_check_free(p);
	real.free(p);
}

SHIM_EXPORT void *calloc(size_t n, size_t size)
{
	int st;
	size_t bytes;
	void *p;

	st = shim_get_state();
	if (LIKELY(st == SHIM_INERT))
		return real.calloc(n, size);
	if (UNLIKELY(st != SHIM_ACTIVE)) {
		if (shim_resolve())
			return real.calloc(n, size);
		if (__builtin_mul_overflow(n, size, &bytes))
			return NULL;
		return arena_alloc(bytes, 16);  /* static memory: already zero */
	}
	if (__builtin_mul_overflow(n, size, &bytes) || LIKELY(!shim_due(bytes)))
		return real.calloc(n, size);
	p = real.calloc(n, size);
	shim_sample(p, bytes);
	return p;
}

SHIM_EXPORT void *realloc(void *old, size_t size)
{
	int st;
	void *p;

	if (UNLIKELY(arena_owns(old))) {
		size_t keep = arena_size(old);
		p = malloc(size);
		if (p)
			memcpy(p, old, keep < size ? keep : size);
		return p;
	}
	st = shim_get_state();
	if (LIKELY(st == SHIM_INERT))
		return real.realloc(old, size);
	if (UNLIKELY(st != SHIM_ACTIVE)) {
		if (shim_resolve())
			return real.realloc(old, size);
		return old ? NULL : arena_alloc(size, 16);
	}
	/* Counted as a free and a new allocation, as tcmalloc does.  A failed
	 * realloc keeps old alive, but it is already reported freed: rare and
	 * only an undercount. */
	shim_check_free(old);
	if (LIKELY(!shim_due(size)))
		return real.realloc(old, size);
	p = real.realloc(old, size);
	shim_sample(p, size);
	return p;
}

SHIM_EXPORT void *memalign(size_t align, size_t size)
{
	int st;
	void *p;

	st = shim_get_state();
	if (LIKELY(st == SHIM_INERT))
		return real.memalign(align, size);
	if (UNLIKELY(st != SHIM_ACTIVE)) {
		if (shim_resolve())
			return real.memalign(align, size);
		return arena_alloc(size, align);
	}
	if (LIKELY(!shim_due(size)))
		return real.memalign(align, size);
	p = real.memalign(align, size);
	shim_sample(p, size);
	return p;
}

SHIM_EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
	int st;
	int err;

	st = shim_get_state();
	if (LIKELY(st == SHIM_INERT))
		return real.posix_memalign(out, align, size);
	if (UNLIKELY(st != SHIM_ACTIVE)) {
		if (shim_resolve())
			return real.posix_memalign(out, align, size);
		*out = arena_alloc(size, align);
		return *out ? 0 : ENOMEM;
	}
	if (LIKELY(!shim_due(size)))
		return real.posix_memalign(out, align, size);
	err = real.posix_memalign(out, align, size);
	shim_sample(err == 0 ? *out : NULL, size);
	return err;
}

SHIM_EXPORT void *aligned_alloc(size_t align, size_t size)
{
	int st;
	void *p;

	st = shim_get_state();
	if (LIKELY(st == SHIM_INERT))
		return real.aligned_alloc(align, size);
	if (UNLIKELY(st != SHIM_ACTIVE)) {
		if (shim_resolve())
			return real.aligned_alloc(align, size);
		return arena_alloc(size, align);
	}
	if (LIKELY(!shim_due(size)))
		return real.aligned_alloc(align, size);
	p = real.aligned_alloc(align, size);
	shim_sample(p, size);
	return p;
}

SHIM_EXPORT void *valloc(size_t size)
{
	int st;
	void *p;

	st = shim_get_state();
	if (LIKELY(st == SHIM_INERT))
		return real.valloc(size);
	if (UNLIKELY(st != SHIM_ACTIVE)) {
		if (shim_resolve())
			return real.valloc(size);
		return arena_alloc(size, 4096);
	}
	if (LIKELY(!shim_due(size)))
		return real.valloc(size);
	p = real.valloc(size);
	shim_sample(p, size);
	return p;
}

SHIM_EXPORT void *pvalloc(size_t size)
{
	int st;
	void *p;

	st = shim_get_state();
	if (LIKELY(st == SHIM_INERT))
		return real.pvalloc(size);
	if (UNLIKELY(st != SHIM_ACTIVE)) {
		if (shim_resolve())
			return real.pvalloc(size);
		return arena_alloc((size + 4095) & ~(size_t)4095, 4096);
	}
	if (LIKELY(!shim_due(size)))
		return real.pvalloc(size);
	p = real.pvalloc(size);
	shim_sample(p, size);
	return p;
}

/* ---- load time ---------------------------------------------------------------- */

static int shim_find_text(struct dl_phdr_info *info, size_t size, void *arg)
{
	uintptr_t self = (uintptr_t)arg;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) &&
		    self - lo < ph->p_memsz) {
			shim_text_lo = lo;
			shim_text_hi = lo + ph->p_memsz;
			return 1;
		}
	}
	return 0;
}

/* A forked child is another process: kprof-top follows one, so the child
 * goes quiet (and stays so if it execs: the ring has its owner). */
static void shim_atfork_child(void)
{
	atomic_store(&shim_state, SHIM_INERT);
}

static void shim_warn(const char *what)
{
	char line[256];
	size_t n = 0;
	const char *parts[] = { "libkprof-alloc: ", what, ": allocation sampling off\n" };

	for (size_t i = 0; i < 3; i++) {
		size_t k = strlen(parts[i]);
		if (n + k >= sizeof line)
			k = sizeof line - 1 - n;
		memcpy(line + n, parts[i], k);
		n += k;
	}
	if (write(2, line, n) < 0)
		return;
}

__attribute__((constructor)) static void shim_init(void)
{
	const char *path = getenv(ALLOC_RING_ENV), *mean = getenv(ALLOC_RING_MEAN_ENV);

	shim_resolve();
	if (!path || !*path)
		return;
	if (alloc_ring_attach(&shim_ring, path) != 0) {
		shim_warn("cannot map the ring");
		return;
	}
	if (!alloc_ring_claim(&shim_ring, getpid())) {
		alloc_ring_close(&shim_ring);   /* another process's ring */
		return;
	}
	if (mean && *mean) {
		char *end;
		unsigned long long v = strtoull(mean, &end, 10);
		if (*end == '\0' && v > 0)
			shim_mean = (double)v;
	}
	if (!table_init(&shim_table)) {
		shim_warn("cannot map its table");
		alloc_ring_close(&shim_ring);
		return;
	}
	dl_iterate_phdr(shim_find_text, (void *)(uintptr_t)shim_find_text);
	/* libunwind's global cache takes a lock and masks signals around each
	 * lookup; per thread is lock-free and fork-safe. */
	unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
	pthread_atfork(NULL, NULL, shim_atfork_child);
	alloc_ring_write_start(&shim_ring, shim_now_ns(), getpid(), (uint64_t)shim_mean);
	atomic_store_explicit(&shim_state, SHIM_ACTIVE, memory_order_release);
}
