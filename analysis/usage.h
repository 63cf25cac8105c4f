/* The target's memory and I/O over time: one reading of RSS and the
 * /proc/PID/io counters about once a second, turned into the header's and
 * the snapshot's numbers for a window: I/O rates from counter deltas, RSS
 * growth as the least-squares slope of RSS over time (a leak is a trend;
 * the slope shrugs off one allocation burst that two end points would not). */
#ifndef KPROF_USAGE_H
#define KPROF_USAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One reading, as the sampler took it.  has_* false: that file could not
 * be read (an unprivileged attach cannot read another user's io). */
struct usage_reading {
	uint64_t time_ns;
	bool has_rss;
	uint64_t rss_bytes;
	bool has_io;
	uint64_t rchar, wchar;               /* bytes asked of read/write calls */
	uint64_t read_bytes, write_bytes;    /* bytes that went to storage */
	bool has_mem;                        /* the breakdown (event_proc_stats) */
	uint64_t rss_anon, rss_file, rss_shmem, vm_data, vm_swap;
	bool has_maps;
	uint64_t heap_bytes;
	uint32_t nr_maps;
};

/* What a window of readings says.  A has_* false means "not known" (show
 * n/a), never zero. */
struct usage_rates {
	bool has_rss;                /* a reading of RSS exists */
	uint64_t rss_bytes;          /* the newest */
	bool has_growth;             /* two RSS readings in the window */
	double rss_growth_bytes_per_s;
	bool has_io;                 /* two io readings in the window */
	bool io_unreadable;          /* readings came, /proc/PID/io never did */
	double read_bytes_per_s, write_bytes_per_s;            /* rchar, wchar */
	double disk_read_bytes_per_s, disk_write_bytes_per_s;  /* read_bytes, write_bytes */
	/* The breakdown at the newest reading, and the trend of anonymous
	 * memory (what a heap leak grows). */
	bool has_mem;
	uint64_t rss_anon, rss_file, rss_shmem, vm_data, vm_swap;
	bool has_maps;
	uint64_t heap_bytes;
	uint32_t nr_maps;
	bool has_anon_growth;        /* two breakdown readings in the window */
	double anon_growth_bytes_per_s;
	/* Leak suspicion: RSS has grown steadily over the window — slope at
	 * least USAGE_LEAK_MIN_SLOPE, fit R² at least USAGE_LEAK_MIN_R2, RSS
	 * readings spanning at least USAGE_LEAK_MIN_SECS (and at least
	 * USAGE_LEAK_MIN_READINGS of them); reason says it with the numbers
	 * ("+2.0M/s over 60 s (R² 0.98)"), "" when not suspect. */
	double rss_fit_r2;           /* goodness of the RSS slope's fit, 0..1 (0: flat or unknown) */
	double rss_span_s;           /* time between the first and newest RSS reading */
	bool leak_suspect;
	char leak_reason[120];
	double span_s;               /* time the rates cover */
	size_t readings;             /* in the window */
};

/* One step of RSS going up and staying (a burst, a cache filled once)
 * fits a line with R² at most 0.75 (a step in the middle of the window; a
 * step near either end much less), so 0.9 asks for growth that goes on;
 * a leak growing by the second fits at 0.95 and more. */
#define USAGE_LEAK_MIN_SLOPE    (64.0 * 1024)   /* bytes/s */
#define USAGE_LEAK_MIN_R2       0.9
#define USAGE_LEAK_MIN_SECS     10
#define USAGE_LEAK_MIN_READINGS 5

/* A least-squares line through (t, y) points, kept as running moments
 * (Welford's update: hours of multi-gigabyte values lose no precision to
 * cancellation).  Shared with alloc.c's per-site trends. */
struct usage_fit {
	uint64_t n;
	double mean_t, mean_y;
	double c_ty, m2_t, m2_y;  /* sums of (t - mean)(y - mean), (t - mean)^2, (y - mean)^2 */
};

void usage_fit_add(struct usage_fit *f, double t, double y);
/* False with fewer than two distinct times. */
bool usage_fit_slope(const struct usage_fit *f, double *slope);
/* The share of y's variance the line explains, 0..1; 0 when y never
 * changed or there is no line. */
double usage_fit_r2(const struct usage_fit *f);

struct usage;

/* retain_secs: readings kept for the windows (about one a second). */
struct usage *usage_new(uint32_t retain_secs);
void usage_free(struct usage *u);
/* Add a reading; they arrive in time order (older ones are ignored). */
void usage_add(struct usage *u, const struct usage_reading *r);
/* The numbers over the readings of the last secs seconds up to the newest
 * one; secs == 0: the whole run (also beyond the retention). */
void usage_rates(const struct usage *u, uint32_t secs, struct usage_rates *out);
/* A saved snapshot's numbers (--load): from now on usage_rates gives r
 * for every window, since the readings behind it are not kept. */
void usage_restore(struct usage *u, const struct usage_rates *r);
/* Bytes as "123.4M" (binary units, htop-style: K, M, G, T). */
void usage_format_bytes(double bytes, char *buf, size_t len);
/* A rate as "3.4M/s", or with sign "+1.2M/s" / "-0.5M/s". */
void usage_format_rate(double bytes_per_s, bool sign, char *buf, size_t len);
/* The header's and the report's summary, from rates: "RSS 123.4M
 * (+1.2M/s)" into rss, "R 3.4M/s W 0.1M/s" into io; "n/a" parts for what
 * is unknown. */
/* RSS of the last n readings, oldest first, into out[0..n) (0 where none
 * or not readable), for a sparkline: about one a second. */
void usage_rss_series(const struct usage *u, uint32_t n, uint64_t *out);
void usage_format_meters(const struct usage_rates *r, char *rss, size_t rss_len,
			 char *io, size_t io_len);

#endif
