/* Memory and I/O readings over time (see usage.h).  The last retain_secs
 * readings sit in a ring for the live windows; the whole run needs only
 * the first I/O reading, the newest breakdown and running moments for the
 * RSS and anon slopes, so nothing grows with the run's length. */
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
	uint64_t first_rss_ns;
	struct usage_fit run;     /* RSS over the whole run */
	struct usage_fit run_anon;/* RssAnon over the whole run */
	bool has_last_mem, has_last_maps;
	struct usage_reading last_mem, last_maps;
	bool frozen;              /* restored from a snapshot: no readings */
	struct usage_rates frozen_rates;
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

void usage_fit_add(struct usage_fit *f, double t, double y)
{
	double dt = t - f->mean_t, dy = y - f->mean_y;

	f->n++;
	f->mean_t += dt / (double)f->n;
	f->mean_y += dy / (double)f->n;
	f->c_ty += dt * (y - f->mean_y);
	f->m2_t += dt * (t - f->mean_t);
	f->m2_y += dy * (y - f->mean_y);
}

bool usage_fit_slope(const struct usage_fit *f, double *slope)
{
	if (f->n < 2 || f->m2_t <= 0)
		return false;
	*slope = f->c_ty / f->m2_t;
	return true;
}

double usage_fit_r2(const struct usage_fit *f)
{
	if (f->n < 2 || f->m2_t <= 0 || f->m2_y <= 0)
		return 0.0;
	double r2 = f->c_ty * f->c_ty / (f->m2_t * f->m2_y);
	return r2 > 1.0 ? 1.0 : r2;
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
		if (!u->has_last_rss)
			u->first_rss_ns = r->time_ns;
		u->has_last_rss = true;
		u->last_rss = *r;
		usage_fit_add(&u->run, usage_t(u, r->time_ns), (double)r->rss_bytes);
	}
	if (r->has_mem) {
		u->has_last_mem = true;
		u->last_mem = *r;
		usage_fit_add(&u->run_anon, usage_t(u, r->time_ns), (double)r->rss_anon);
	}
	if (r->has_maps) {
		u->has_last_maps = true;
		u->last_maps = *r;
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

/* The trends' numbers and the leak verdict from the fits of a window (or
 * the run); the breakdown is always the newest reading's. */
static void usage_trends(const struct usage *u, const struct usage_fit *rss,
			 const struct usage_fit *anon, double rss_span_s, struct usage_rates *out)
{
	char rate[32];

	out->has_growth = usage_fit_slope(rss, &out->rss_growth_bytes_per_s);
	out->has_anon_growth = usage_fit_slope(anon, &out->anon_growth_bytes_per_s);
	out->rss_fit_r2 = usage_fit_r2(rss);
	out->rss_span_s = rss_span_s;
	if (u->has_last_mem) {
		out->has_mem = true;
		out->rss_anon = u->last_mem.rss_anon;
		out->rss_file = u->last_mem.rss_file;
		out->rss_shmem = u->last_mem.rss_shmem;
		out->vm_data = u->last_mem.vm_data;
		out->vm_swap = u->last_mem.vm_swap;
	}
	if (u->has_last_maps) {
		out->has_maps = true;
		out->heap_bytes = u->last_maps.heap_bytes;
		out->nr_maps = u->last_maps.nr_maps;
	}
	out->leak_suspect = out->has_growth &&
		out->rss_growth_bytes_per_s >= USAGE_LEAK_MIN_SLOPE &&
		out->rss_fit_r2 >= USAGE_LEAK_MIN_R2 && rss_span_s >= USAGE_LEAK_MIN_SECS &&
		rss->n >= USAGE_LEAK_MIN_READINGS;
	if (out->leak_suspect) {
		usage_format_rate(out->rss_growth_bytes_per_s, true, rate, sizeof rate);
		snprintf(out->leak_reason, sizeof out->leak_reason, "%s over %.0f s (R² %.2f)",
			 rate, rss_span_s, out->rss_fit_r2);
	}
}

static void usage_window(const struct usage *u, uint32_t secs, struct usage_rates *out)
{
	uint64_t span = (uint64_t)secs * NS_PER_SEC + USAGE_SLACK_NS;
	uint64_t from = u->newest_ns > span ? u->newest_ns - span : 0;
	const struct usage_reading *first_io = NULL, *last_io = NULL, *first_rss = NULL;
	struct usage_fit rss = { 0 }, anon = { 0 };
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
			if (!first_rss)
				first_rss = r;
			out->has_rss = true;
			out->rss_bytes = r->rss_bytes;
			usage_fit_add(&rss, usage_t(u, r->time_ns), (double)r->rss_bytes);
		}
		if (r->has_mem)
			usage_fit_add(&anon, usage_t(u, r->time_ns), (double)r->rss_anon);
	}
	usage_trends(u, &rss, &anon, first_rss ?
		     (double)(u->last_rss.time_ns - first_rss->time_ns) / 1e9 : 0.0, out);
	out->io_unreadable = out->readings && !first_io;
	if (first_io && last_io != first_io)
		usage_io_rates(first_io, last_io, out);
}

void usage_restore(struct usage *u, const struct usage_rates *r)
{
	u->frozen = true;
	u->frozen_rates = *r;
}

void usage_rates(const struct usage *u, uint32_t secs, struct usage_rates *out)
{
	memset(out, 0, sizeof *out);
	if (u->frozen) {
		*out = u->frozen_rates;
		return;
	}
	if (!u->started)
		return;
	if (secs) {
		usage_window(u, secs, out);
		return;
	}
	out->readings = (size_t)u->total;
	out->has_rss = u->has_last_rss;
	out->rss_bytes = u->last_rss.rss_bytes;
	usage_trends(u, &u->run, &u->run_anon, u->has_last_rss ?
		     (double)(u->last_rss.time_ns - u->first_rss_ns) / 1e9 : 0.0, out);
	out->io_unreadable = !u->has_first_io;
	if (u->has_first_io && u->last_io.time_ns > u->first_io.time_ns)
		usage_io_rates(&u->first_io, &u->last_io, out);
}

void usage_rss_series(const struct usage *u, uint32_t n, uint64_t *out)
{
	for (uint32_t i = 0; i < n; i++) {
		size_t back = (size_t)(n - i);   /* 1 = the newest */
		const struct usage_reading *r = back <= u->n ? usage_at(u, u->n - back) : NULL;
		out[i] = r && r->has_rss ? r->rss_bytes : 0;
	}
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
