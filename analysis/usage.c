/* Memory and I/O readings over time (see usage.h).  The last retain_secs
 * readings sit in a ring for the live windows; the whole run needs only
 * the first I/O reading and running moments for the RSS slope (Welford's
 * update, so an hour of multi-gigabyte readings loses no precision to
 * cancellation), so nothing grows with the run's length. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usage.h"
#include "../common/xalloc.h"

#define NS_PER_SEC 1000000000ULL
/* Readings come about once a second, a little late or early: a window of
 * N seconds takes those up to N + SLACK seconds before the newest, so that
 * it spans N intervals rather than N - 1. */
#define USAGE_SLACK_NS (NS_PER_SEC / 2)

/* Least-squares fit of y over t, kept as running moments. */
struct usage_fit {
	uint64_t n;
	double mean_t, mean_y;
	double c_ty, m2_t;        /* sums of (t - mean)(y - mean) and (t - mean)^2 */
};

struct usage {
	uint32_t retain;
	struct usage_reading *ring;
	size_t head, n;           /* next slot to write, readings held */
	bool started;
	uint64_t base_ns;         /* time of the first reading: t = 0 in fits */
	uint64_t newest_ns;
	uint64_t total;           /* readings ever added */
	bool has_first_io;
	struct usage_reading first_io;
	struct usage_reading last_io, last_rss;
	bool has_last_rss;
	struct usage_fit run;     /* RSS over the whole run */
};

struct usage *usage_new(uint32_t retain_secs)
{
	struct usage *u = xcalloc(1, sizeof *u);

	u->retain = retain_secs ? retain_secs + 1 : 2;   /* N seconds: N + 1 readings */
	u->ring = xcalloc(u->retain, sizeof *u->ring);
	return u;
}

void usage_free(struct usage *u)
{
	if (!u)
		return;
	free(u->ring);
	free(u);
}

static void fit_add(struct usage_fit *f, double t, double y)
{
	double dt = t - f->mean_t;

	f->n++;
	f->mean_t += dt / (double)f->n;
	f->mean_y += (y - f->mean_y) / (double)f->n;
	f->c_ty += dt * (y - f->mean_y);
	f->m2_t += dt * (t - f->mean_t);
}

static bool fit_slope(const struct usage_fit *f, double *slope)
{
	if (f->n < 2 || f->m2_t <= 0)
		return false;
	*slope = f->c_ty / f->m2_t;
	return true;
}

static double usage_t(const struct usage *u, uint64_t time_ns)
{
	return (double)(int64_t)(time_ns - u->base_ns) / 1e9;
}

void usage_add(struct usage *u, const struct usage_reading *r)
{
	if (!u->started) {
		u->started = true;
		u->base_ns = r->time_ns;
	} else if (r->time_ns <= u->newest_ns) {
		return;
	}
	u->newest_ns = r->time_ns;
	u->total++;
	u->ring[u->head] = *r;
	u->head = (u->head + 1) % u->retain;
	if (u->n < u->retain)
		u->n++;
	if (r->has_io) {
		if (!u->has_first_io) {
			u->has_first_io = true;
			u->first_io = *r;
		}
		u->last_io = *r;
	}
	if (r->has_rss) {
		u->has_last_rss = true;
		u->last_rss = *r;
		fit_add(&u->run, usage_t(u, r->time_ns), (double)r->rss_bytes);
	}
}

/* Counter growth per second from a to b; a counter that went backwards
 * (it cannot, but /proc is not ours) counts as no growth. */
static double usage_rate(uint64_t a, uint64_t b, double dt)
{
	return b > a && dt > 0 ? (double)(b - a) / dt : 0.0;
}

static void usage_io_rates(const struct usage_reading *a, const struct usage_reading *b,
			   struct usage_rates *out)
{
	double dt = (double)(b->time_ns - a->time_ns) / 1e9;

	if (dt <= 0)
		return;
	out->has_io = true;
	out->span_s = dt;
	out->read_bytes_per_s = usage_rate(a->rchar, b->rchar, dt);
	out->write_bytes_per_s = usage_rate(a->wchar, b->wchar, dt);
	out->disk_read_bytes_per_s = usage_rate(a->read_bytes, b->read_bytes, dt);
	out->disk_write_bytes_per_s = usage_rate(a->write_bytes, b->write_bytes, dt);
}

/* Ring index of the k-th oldest reading held. */
static const struct usage_reading *usage_at(const struct usage *u, size_t k)
{
	return &u->ring[(u->head + u->retain - u->n + k) % u->retain];
}

static void usage_window(const struct usage *u, uint32_t secs, struct usage_rates *out)
{
	uint64_t span = (uint64_t)secs * NS_PER_SEC + USAGE_SLACK_NS;
	uint64_t from = u->newest_ns > span ? u->newest_ns - span : 0;
	const struct usage_reading *first_io = NULL, *last_io = NULL;
	struct usage_fit fit = { 0 };
	size_t k0 = u->n;

	for (size_t k = 0; k < u->n; k++)
		if (usage_at(u, k)->time_ns >= from) {
			k0 = k;
			break;
		}
	for (size_t k = k0; k < u->n; k++) {
		const struct usage_reading *r = usage_at(u, k);
		out->readings++;
		if (r->has_io) {
			if (!first_io)
				first_io = r;
			last_io = r;
		}
		if (r->has_rss) {
			out->has_rss = true;
			out->rss_bytes = r->rss_bytes;
			fit_add(&fit, usage_t(u, r->time_ns), (double)r->rss_bytes);
		}
	}
	out->has_growth = fit_slope(&fit, &out->rss_growth_bytes_per_s);
	out->io_unreadable = out->readings && !first_io;
	if (first_io && last_io != first_io)
		usage_io_rates(first_io, last_io, out);
}

void usage_rates(const struct usage *u, uint32_t secs, struct usage_rates *out)
{
	memset(out, 0, sizeof *out);
	if (!u->started)
		return;
	if (secs) {
		usage_window(u, secs, out);
		return;
	}
	out->readings = (size_t)u->total;
	out->has_rss = u->has_last_rss;
	out->rss_bytes = u->last_rss.rss_bytes;
	out->has_growth = fit_slope(&u->run, &out->rss_growth_bytes_per_s);
	out->io_unreadable = !u->has_first_io;
	if (u->has_first_io && u->last_io.time_ns > u->first_io.time_ns)
		usage_io_rates(&u->first_io, &u->last_io, out);
}

void usage_format_bytes(double bytes, char *buf, size_t len)
{
	static const char units[] = "BKMGTP";
	double v = bytes < 0 ? -bytes : bytes;
	size_t i = 0;

	while (v >= 1024.0 && i + 1 < sizeof units - 1) {
		v /= 1024.0;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%s%.0fB", bytes < 0 ? "-" : "", v);
	else
		snprintf(buf, len, "%s%.1f%c", bytes < 0 ? "-" : "", v, units[i]);
}

void usage_format_rate(double bytes_per_s, bool sign, char *buf, size_t len)
{
	char b[24];

	usage_format_bytes(bytes_per_s, b, sizeof b);
	snprintf(buf, len, "%s%s/s", sign && bytes_per_s >= 0 ? "+" : "", b);
}

void usage_format_meters(const struct usage_rates *r, char *rss, size_t rss_len,
			 char *io, size_t io_len)
{
	char b1[48], b2[48];

	if (!r->has_rss) {
		snprintf(rss, rss_len, "RSS n/a");
	} else {
		usage_format_bytes((double)r->rss_bytes, b1, sizeof b1);
		if (r->has_growth) {
			usage_format_rate(r->rss_growth_bytes_per_s, true, b2, sizeof b2);
			snprintf(rss, rss_len, "RSS %s (%s)", b1, b2);
		} else {
			snprintf(rss, rss_len, "RSS %s", b1);
		}
	}
	if (!r->has_io) {
		/* Unreadable is for good; too few readings only for now. */
		snprintf(io, io_len, "%s", r->io_unreadable ? "R n/a W n/a" : "R - W -");
		return;
	}
	usage_format_rate(r->read_bytes_per_s, false, b1, sizeof b1);
	usage_format_rate(r->write_bytes_per_s, false, b2, sizeof b2);
	snprintf(io, io_len, "R %s W %s", b1, b2);
}
