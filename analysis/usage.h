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
	double span_s;               /* time the rates cover */
	size_t readings;             /* in the window */
};

struct usage;

/* retain_secs: readings kept for the windows (about one a second). */
struct usage *usage_new(uint32_t retain_secs);
void usage_free(struct usage *u);
/* Add a reading; they arrive in time order (older ones are ignored). */
void usage_add(struct usage *u, const struct usage_reading *r);
/* The numbers over the readings of the last secs seconds up to the newest
 * one; secs == 0: the whole run (also beyond the retention). */
void usage_rates(const struct usage *u, uint32_t secs, struct usage_rates *out);
/* Bytes as "123.4M" (binary units, htop-style: K, M, G, T). */
void usage_format_bytes(double bytes, char *buf, size_t len);
/* A rate as "3.4M/s", or with sign "+1.2M/s" / "-0.5M/s". */
void usage_format_rate(double bytes_per_s, bool sign, char *buf, size_t len);
/* The header's and the report's summary, from rates: "RSS 123.4M
 * (+1.2M/s)" into rss, "R 3.4M/s W 0.1M/s" into io; "n/a" parts for what
 * is unknown. */
void usage_format_meters(const struct usage_rates *r, char *rss, size_t rss_len,
			 char *io, size_t io_len);

#endif
