/* Memory and I/O readings: rates from counter deltas over a window and over
 * the whole run, RSS growth as the least-squares slope (exact on a line,
 * unmoved by a symmetric burst), "unknown" kept apart from zero when
 * /proc/PID/io is unreadable, windows past the retention, readings out of
 * order, byte formatting; the memory breakdown, anon growth and the RSS
 * leak rule (steady growth suspected, a burst then flat not, too slow or
 * too short not); and the ingest path from EVENT_PROC_STATS. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "analysis/ingest.h"
#include "analysis/model.h"
#include "analysis/usage.h"
#include "sampler/event.h"

#define SEC 1000000000ULL
#define MIB (1024.0 * 1024.0)

static void assert_near(double got, double want, double eps)
{
	if (!(got > want - eps && got < want + eps))
		fail_msg("got %.6f, want %.6f +- %g", got, want, eps);
}

/* RSS 100 MiB + 2 MiB/s, reads 3 MiB/s, writes 1 MiB/s for the first 10 s
 * then 5 MiB/s; disk writes half the writes. */
static struct usage_reading reading(uint64_t s)
{
	uint64_t w = s <= 10 ? s * (1 << 20) : 10 * (1 << 20) + (s - 10) * 5 * (1 << 20);

	return (struct usage_reading){
		.time_ns = 50 * SEC + s * SEC, .has_rss = true,
		.rss_bytes = 100 * (1 << 20) + s * 2 * (1 << 20), .has_io = true,
		.rchar = 7 + s * 3 * (1 << 20), .wchar = w, .read_bytes = 0, .write_bytes = w / 2 };
}

static void add_reading(struct usage *u, uint64_t s)
{
	struct usage_reading r = reading(s);

	usage_add(u, &r);
}

static void test_rates(void **state)
{
	struct usage *u = usage_new(300);
	struct usage_rates r;

	usage_rates(u, 0, &r);
	assert_false(r.has_rss);
	assert_false(r.has_io);
	assert_false(r.io_unreadable);   /* no reading at all: nothing to say */

	add_reading(u, 0);
	usage_rates(u, 0, &r);
	assert_true(r.has_rss);
	assert_int_equal(r.rss_bytes, 100 << 20);
	assert_false(r.has_growth);       /* one point has no slope */
	assert_false(r.has_io);
	assert_false(r.io_unreadable);

	for (uint64_t s = 1; s <= 20; s++)
		add_reading(u, s);

	/* Whole run: 20 s. */
	usage_rates(u, 0, &r);
	assert_int_equal(r.readings, 21);
	assert_int_equal(r.rss_bytes, (100 + 40) << 20);
	assert_true(r.has_growth);
	assert_near(r.rss_growth_bytes_per_s, 2 * MIB, 1e-3);
	assert_true(r.has_io);
	assert_near(r.span_s, 20, 1e-9);
	assert_near(r.read_bytes_per_s, 3 * MIB, 1e-3);
	assert_near(r.write_bytes_per_s, (10 + 50) * MIB / 20, 1e-3);
	assert_near(r.disk_write_bytes_per_s, (10 + 50) * MIB / 40, 1e-3);
	assert_near(r.disk_read_bytes_per_s, 0, 1e-9);

	/* The last 5 s: readings 15..20, writes at 5 MiB/s. */
	usage_rates(u, 5, &r);
	assert_int_equal(r.readings, 6);
	assert_near(r.span_s, 5, 1e-9);
	assert_near(r.write_bytes_per_s, 5 * MIB, 1e-3);
	assert_near(r.read_bytes_per_s, 3 * MIB, 1e-3);
	assert_near(r.rss_growth_bytes_per_s, 2 * MIB, 1e-3);

	/* A window longer than the run is the run. */
	usage_rates(u, 60, &r);
	assert_int_equal(r.readings, 21);
	assert_near(r.write_bytes_per_s, 3 * MIB, 1e-3);

	/* A reading from the past is ignored. */
	add_reading(u, 3);
	usage_rates(u, 0, &r);
	assert_int_equal(r.readings, 21);
	usage_free(u);
}

/* Readings a little early or late still make an N-second window of N
 * intervals; the slope of a noisy line is the line's; a burst that comes
 * and goes in the middle moves it little, where end points would not see
 * it at all but a late burst would swing them wildly. */
static void test_jitter_and_slope(void **state)
{
	struct usage *u = usage_new(300);
	struct usage_rates r;
	static const int64_t jitter_ms[] = { 0, 40, -30, 10, -45, 20, 35, -10, 0, 25, -20 };

	for (int s = 0; s <= 10; s++) {
		uint64_t t = 10 * SEC + (uint64_t)s * SEC + (uint64_t)(jitter_ms[s] * 1000000);
		double rss = 50 * MIB + 1.5 * MIB * ((double)t / 1e9 - 10);
		if (s == 5)
			rss += 8 * MIB;   /* a burst, freed by the next reading */
		usage_add(u, &(struct usage_reading){ .time_ns = t, .has_rss = true,
						       .rss_bytes = (uint64_t)rss });
	}
	usage_rates(u, 5, &r);
	assert_int_equal(r.readings, 6);
	usage_rates(u, 0, &r);
	/* The burst at the centre has no leverage on the slope. */
	assert_near(r.rss_growth_bytes_per_s, 1.5 * MIB, 0.02 * MIB);
	assert_false(r.has_io);
	assert_true(r.io_unreadable);
	usage_free(u);
}

/* /proc/PID/io unreadable: rates unknown (not zero); RSS still known.  The
 * window and the whole-run paths agree. */
static void test_unreadable_io(void **state)
{
	struct usage *u = usage_new(10);
	struct usage_rates r;

	for (uint64_t s = 0; s < 30; s++)
		usage_add(u, &(struct usage_reading){ .time_ns = s * SEC, .has_rss = true,
						       .rss_bytes = 4096 * (s + 1) });
	for (uint32_t w = 0; w <= 60; w += 5) {
		usage_rates(u, w, &r);
		assert_true(r.io_unreadable);
		assert_false(r.has_io);
		assert_true(r.has_rss);
		assert_int_equal(r.rss_bytes, 4096 * 30);
		assert_near(r.rss_growth_bytes_per_s, 4096, 1e-6);
	}
	/* Past the retention (10 s), a 60 s window holds what is retained. */
	usage_rates(u, 60, &r);
	assert_int_equal(r.readings, 11);
	usage_rates(u, 0, &r);
	assert_int_equal(r.readings, 30);
	usage_free(u);
}

static void test_format(void **state)
{
	char buf[32];

	usage_format_bytes(0, buf, sizeof buf);
	assert_string_equal(buf, "0B");
	usage_format_bytes(1000, buf, sizeof buf);
	assert_string_equal(buf, "1000B");
	usage_format_bytes(1536, buf, sizeof buf);
	assert_string_equal(buf, "1.5K");
	usage_format_bytes(123.4 * MIB, buf, sizeof buf);
	assert_string_equal(buf, "123.4M");
	usage_format_bytes(-1.25 * MIB, buf, sizeof buf);
	assert_string_equal(buf, "-1.2M");
	usage_format_bytes(3.0 * 1024 * 1024 * MIB, buf, sizeof buf);
	assert_string_equal(buf, "3.0T");
	usage_format_rate(1.2 * MIB, true, buf, sizeof buf);
	assert_string_equal(buf, "+1.2M/s");
	usage_format_rate(-512, true, buf, sizeof buf);
	assert_string_equal(buf, "-512B/s");
	usage_format_rate(3.4 * MIB, false, buf, sizeof buf);
	assert_string_equal(buf, "3.4M/s");
}

/* The header's words: n/a for unknown, "-" while too few readings. */
static void test_meters(void **state)
{
	struct usage_rates r = { 0 };
	char rss[64], io[64];

	usage_format_meters(&r, rss, sizeof rss, io, sizeof io);
	assert_string_equal(rss, "RSS n/a");
	assert_string_equal(io, "R - W -");
	r.io_unreadable = true;
	r.has_rss = true;
	r.rss_bytes = (uint64_t)(123.4 * MIB);
	usage_format_meters(&r, rss, sizeof rss, io, sizeof io);
	assert_string_equal(rss, "RSS 123.4M");
	assert_string_equal(io, "R n/a W n/a");
	r = (struct usage_rates){ .has_rss = true, .rss_bytes = (uint64_t)(123.4 * MIB),
				  .has_growth = true, .rss_growth_bytes_per_s = 1.2 * MIB,
				  .has_io = true, .read_bytes_per_s = 3.4 * MIB,
				  .write_bytes_per_s = 0.1 * MIB };
	usage_format_meters(&r, rss, sizeof rss, io, sizeof io);
	assert_string_equal(rss, "RSS 123.4M (+1.2M/s)");
	assert_string_equal(io, "R 3.4M/s W 102.4K/s");
}

/* The shared fit: exact on a line, R² 1; 0 on a flat series. */
static void test_fit(void **state)
{
	struct usage_fit f = { 0 }, flat = { 0 };
	double slope = 0;

	assert_false(usage_fit_slope(&f, &slope));
	for (int i = 0; i < 10; i++) {
		usage_fit_add(&f, i, 3.0 * i + 7);
		usage_fit_add(&flat, i, 5);
	}
	assert_true(usage_fit_slope(&f, &slope));
	assert_near(slope, 3, 1e-9);
	assert_near(usage_fit_r2(&f), 1, 1e-9);
	assert_near(usage_fit_r2(&flat), 0, 1e-12);
	/* Noise around a line lowers R² but not to nothing. */
	struct usage_fit n = { 0 };
	for (int i = 0; i < 20; i++)
		usage_fit_add(&n, i, i + (i % 2 ? 3 : -3));
	assert_true(usage_fit_r2(&n) > 0.5 && usage_fit_r2(&n) < 0.95);
}

static struct usage *rss_series(double (*rss_mib)(int s), int secs)
{
	struct usage *u = usage_new(300);

	for (int s = 0; s <= secs; s++)
		usage_add(u, &(struct usage_reading){ .time_ns = 10 * SEC + (uint64_t)s * SEC,
			.has_rss = true, .rss_bytes = (uint64_t)(rss_mib(s) * MIB) });
	return u;
}

static double steady(int s) { return 100 + 2.0 * s + (s % 3 == 0 ? 0.05 : 0); }
static double burst(int s) { return s < 10 ? 100 : s < 12 ? 100 + 20.0 * (s - 9) : 140; }
static double slow(int s) { return 100 + s / 32.0; }   /* 32 KiB/s */

/* The leak rule on RSS readings. */
static void test_leak(void **state)
{
	struct usage *u = rss_series(steady, 60);
	struct usage_rates r;
	char rss[64], io[64];

	usage_rates(u, 60, &r);
	assert_true(r.leak_suspect);
	assert_near(r.rss_growth_bytes_per_s, 2 * MIB, 0.01 * MIB);
	assert_true(r.rss_fit_r2 > 0.99);
	assert_near(r.rss_span_s, 60, 1e-9);
	assert_string_equal(r.leak_reason, "+2.0M/s over 60 s (R² 1.00)");
	usage_format_meters(&r, rss, sizeof rss, io, sizeof io);
	assert_string_equal(rss, "RSS 220.0M (+2.0M/s)");   /* the TUI marks it itself */
	usage_rates(u, 0, &r);
	assert_true(r.leak_suspect);
	assert_string_equal(r.leak_reason, "+2.0M/s over 60 s (R² 1.00)");
	/* Too short a window to say. */
	usage_rates(u, 5, &r);
	assert_false(r.leak_suspect);
	assert_string_equal(r.leak_reason, "");
	assert_near(r.rss_growth_bytes_per_s, 2 * MIB, 0.05 * MIB);
	usage_free(u);

	/* A burst, then flat: it grew, but no line fits. */
	u = rss_series(burst, 60);
	usage_rates(u, 60, &r);
	assert_true(r.has_growth && r.rss_growth_bytes_per_s > USAGE_LEAK_MIN_SLOPE);
	assert_true(r.rss_fit_r2 < USAGE_LEAK_MIN_R2);
	assert_false(r.leak_suspect);
	usage_rates(u, 0, &r);
	assert_false(r.leak_suspect);
	/* The last 30 s are flat. */
	usage_rates(u, 30, &r);
	assert_near(r.rss_growth_bytes_per_s, 0, 1e-6);
	assert_false(r.leak_suspect);
	usage_free(u);

	/* Steady but below the floor. */
	u = rss_series(slow, 60);
	usage_rates(u, 60, &r);
	assert_true(r.rss_fit_r2 > 0.99);
	assert_false(r.leak_suspect);
	usage_free(u);
}

/* The breakdown is the newest reading's; anon growth its own slope;
 * readings without it leave it unknown. */
static void test_breakdown(void **state)
{
	struct usage *u = usage_new(300);
	struct usage_rates r;
	uint64_t series[4];

	usage_add(u, &(struct usage_reading){ .time_ns = SEC, .has_rss = true, .rss_bytes = 1 << 20 });
	usage_rates(u, 0, &r);
	assert_false(r.has_mem);
	assert_false(r.has_maps);
	assert_false(r.has_anon_growth);
	for (uint64_t s = 2; s <= 11; s++)
		usage_add(u, &(struct usage_reading){ .time_ns = s * SEC, .has_rss = true,
			.rss_bytes = (10 + s) << 20, .has_mem = true, .rss_anon = s << 20,
			.rss_file = 3 << 20, .rss_shmem = 4096, .vm_data = 64 << 20, .vm_swap = s * 4096,
			.has_maps = s % 2 == 0, .heap_bytes = s << 16, .nr_maps = (uint32_t)(40 + s) });
	for (uint32_t w = 0; w <= 5; w += 5) {
		usage_rates(u, w, &r);
		assert_true(r.has_mem);
		assert_int_equal(r.rss_anon, 11 << 20);
		assert_int_equal(r.rss_file, 3 << 20);
		assert_int_equal(r.rss_shmem, 4096);
		assert_int_equal(r.vm_data, 64 << 20);
		assert_int_equal(r.vm_swap, 11 * 4096);
		assert_true(r.has_maps);
		assert_int_equal(r.heap_bytes, 10 << 16);   /* the newest maps reading */
		assert_int_equal(r.nr_maps, 50);
		assert_true(r.has_anon_growth);
		assert_near(r.anon_growth_bytes_per_s, MIB, 1e-3);
	}
	usage_rss_series(u, 4, series);
	assert_int_equal(series[3], 21 << 20);
	assert_int_equal(series[0], 18 << 20);
	usage_rss_series(u, 4, series);
	uint64_t longer[20];
	usage_rss_series(u, 20, longer);
	assert_int_equal(longer[0], 0);   /* before the first reading */
	assert_int_equal(longer[19], 21 << 20);
	usage_free(u);
}

/* EVENT_PROC_STATS through ingest into the model: only the target's. */
static void test_ingest(void **state)
{
	struct model *m = model_new(300);
	struct ingest *in = ingest_new(m, &(struct ingest_config){ .pid = 77, .root = "/nonexistent" });
	struct usage_rates r;

	for (uint64_t s = 0; s <= 4; s++) {
		struct event ev = { .kind = EVENT_PROC_STATS, .time_ns = (100 + s) * SEC };
		ev.proc_stats = (struct event_proc_stats){
			.pid = 77, .has_rss = true, .rss_bytes = (10 + s) << 20, .has_io = true,
			.rchar = s * 1000, .wchar = s * 250000, .has_mem = true,
			.rss_anon = (5 + 2 * s) << 20, .rss_file = 7, .rss_shmem = 8, .vm_data = 9,
			.vm_swap = 10, .has_maps = true, .heap_bytes = 11, .nr_maps = 12 };
		ingest_event(in, &ev);
		ev.proc_stats.pid = 78;   /* another process: ignored */
		ev.proc_stats.wchar = 1ULL << 40;
		ingest_event(in, &ev);
	}
	usage_rates(m->usage, 0, &r);
	assert_int_equal(r.readings, 5);
	assert_near(r.read_bytes_per_s, 1000, 1e-6);
	assert_near(r.write_bytes_per_s, 250000, 1e-6);
	assert_near(r.rss_growth_bytes_per_s, MIB, 1e-3);
	assert_near(r.anon_growth_bytes_per_s, 2 * MIB, 1e-3);
	assert_int_equal(r.rss_anon, 13 << 20);
	assert_int_equal(r.rss_file + r.rss_shmem + r.vm_data + r.vm_swap, 7 + 8 + 9 + 10);
	assert_int_equal(r.heap_bytes, 11);
	assert_int_equal(r.nr_maps, 12);
	assert_near(model_duration_s(m), 4, 1e-9);
	ingest_free(in);
	model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_jitter_and_slope),
		cmocka_unit_test(test_unreadable_io),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_meters),
		cmocka_unit_test(test_fit),
		cmocka_unit_test(test_leak),
		cmocka_unit_test(test_breakdown),
		cmocka_unit_test(test_ingest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
