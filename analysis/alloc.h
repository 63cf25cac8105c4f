/* Allocation growth by call site: which stacks allocate, free and hold
 * memory, how fast, and which only grow (leak suspects).  Fed by sampled
 * allocations (the preload shim, or uprobes) each carrying the bytes it
 * stands for, their frees, and sampled page faults (where new memory is
 * first touched: the cheap attach-mode view).  Pure: events in, tables out. */
#ifndef KPROF_ALLOC_H
#define KPROF_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds.  Past ALLOC_MAX_SITES sites, the least busy quarter (by bytes
 * outstanding + allocated + touched over the run) is folded into one
 * "(other sites)" site, so sums over the sites stay exact; a folded stack
 * that comes back starts a new site.  Past ALLOC_MAX_LIVE live sampled
 * addresses a new sample still counts as allocated but is not tracked
 * (never outstanding, its free not seen): alloc_totals.live_dropped says
 * how many, and outstanding numbers are then lower bounds. */
#define ALLOC_MAX_SITES   2048
#define ALLOC_MAX_LIVE    131072
#define ALLOC_OTHER_STACK UINT32_MAX   /* the stack of "(other sites)" */
#define ALLOC_PAGE_BYTES  4096         /* what one page fault stands for */

/* A site is a leak suspect over a window when all of these hold:
 * - the window spans at least ALLOC_LEAK_MIN_SECS seconds of the run;
 * - it had at least ALLOC_LEAK_MIN_ALLOCS sampled allocations in it;
 * - its outstanding bytes at the end of the window exceed those at the
 *   start, and their least-squares slope is positive;
 * - at no second's end in the window did outstanding fall more than
 *   ALLOC_LEAK_MAX_DROP (a fraction) below its highest value so far in
 *   the window;
 * - it kept at least ALLOC_LEAK_MIN_KEPT of what it allocated in the
 *   window (outstanding grew by that much).
 * A churning site whose live set is a sample or two swings to 0 and back,
 * or creeps up by a sample while freeing nearly everything, so it does
 * not qualify; a retaining one that frees a little now and then still
 * does.  "(other sites)" never does. */
#define ALLOC_LEAK_MIN_SECS   10
#define ALLOC_LEAK_MIN_ALLOCS 3
#define ALLOC_LEAK_MAX_DROP   0.10
#define ALLOC_LEAK_MIN_KEPT   0.25

/* One call site (a stack) over a window; byte numbers are estimates
 * (sums of sample weights). */
struct alloc_site_info {
	uint32_t stack;               /* model stack id, root first; ALLOC_OTHER_STACK when other */
	bool other;                   /* the "(other sites)" fold, not a real stack */
	uint64_t allocs, frees;       /* sampled allocations and their frees (whole run) */
	uint64_t alloc_bytes, free_bytes;           /* whole run */
	int64_t outstanding_bytes;    /* live now */
	uint64_t live;                /* sampled allocations live now */
	double alloc_bytes_per_s, free_bytes_per_s; /* over the window */
	double growth_bytes_per_s;    /* slope of outstanding bytes over the window */
	double oldest_age_s;          /* of its oldest live sampled allocation; 0 none */
	bool leak_suspect;            /* see ALLOC_LEAK_* */
	uint64_t faults;              /* page-fault samples (whole run) */
	uint64_t touched_bytes;       /* page-fault mode: bytes first touched (whole run) */
	double touched_bytes_per_s;   /* ...over the window */
};

/* Whole-run counters, for notes and meters. */
struct alloc_totals {
	size_t sites;                 /* held now (the fold included) */
	uint64_t folded_sites;        /* sites folded into "(other sites)" so far */
	uint64_t live;                /* sampled addresses tracked now */
	uint64_t live_dropped;        /* samples not tracked: the live table was full */
	uint64_t allocs, frees, faults;
	uint64_t alloc_bytes, free_bytes, touched_bytes;
	int64_t outstanding_bytes;
};

struct alloc;

/* retain_secs: the longest window kept (per-second buckets). */
struct alloc *alloc_new(uint32_t retain_secs);
void alloc_free(struct alloc *a);
/* A sampled allocation at stack of weight bytes, live at addr (0: not
 * trackable, counted as allocated only).  An addr already live means its
 * free was lost: the old sample counts as freed first. */
void alloc_add(struct alloc *a, uint64_t time_ns, uint32_t stack, uint64_t addr,
	       uint64_t weight);
/* addr was freed: if it is a live sampled allocation, its site gets the
 * free.  Unsampled addresses are ignored. */
void alloc_remove(struct alloc *a, uint64_t time_ns, uint64_t addr);
/* A sampled page fault at stack, standing for bytes of new memory. */
void alloc_add_fault(struct alloc *a, uint64_t time_ns, uint32_t stack, uint64_t bytes);
/* The process exec'd: every live address is gone (not counted as frees). */
void alloc_clear_live(struct alloc *a);
/* Advance the clock (buckets close as time passes, also without events).
 * Events are bucketed by the second they arrive in: one older than the
 * newest event counts in the newest second. */
void alloc_tick(struct alloc *a, uint64_t time_ns);
/* The sites, heaviest growth first (then touched bytes/s, then alloc
 * bytes/s), over the last window_secs (0: the whole run; a window longer
 * than the retention is cut to it).  A window lists the sites with events
 * in it or bytes outstanding; the whole run lists every site.  *out is the
 * caller's to free (NULL when none).  Returns the count. */
size_t alloc_sites(const struct alloc *a, uint32_t window_secs, struct alloc_site_info **out);
/* Outstanding bytes of the site of stack at the end of each of the last n
 * seconds, oldest first (the newest is now), for sparklines; 0 for seconds
 * before the retention or an unknown stack. */
void alloc_site_series(const struct alloc *a, uint32_t stack, uint32_t n, double *out);
void alloc_totals(const struct alloc *a, struct alloc_totals *out);
/* A saved snapshot's site rows (--load), appended in the order given;
 * from the first call on, alloc_sites gives exactly these for every
 * window (a snapshot keeps one window's numbers, not the buckets), and
 * alloc_site_series zeros.  live_dropped: the saved totals' count. */
void alloc_restore_site(struct alloc *a, const struct alloc_site_info *si);
void alloc_restore_dropped(struct alloc *a, uint64_t live_dropped);
size_t alloc_memory(const struct alloc *a);

/* Poisson sampling over bytes, as the shim does it (docs/alloc-shim.md):
 * each byte starts a sample with rate 1/mean, so a request of b bytes is
 * sampled with probability 1 - exp(-b/mean) whatever came before, and
 * weighted b / that, which makes the sum of weights an unbiased estimate
 * of the bytes.  For uprobes, where every call is seen. */
struct alloc_sampler {
	double mean;
	double left;                  /* bytes to the next sample point */
	uint64_t rng;
};

void alloc_sampler_init(struct alloc_sampler *s, uint64_t mean_bytes, uint64_t seed);
/* bytes more were requested: the weight of the sample when this request
 * is sampled, else 0. */
uint64_t alloc_sampler_take(struct alloc_sampler *s, uint64_t bytes);

#endif
