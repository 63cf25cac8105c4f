/* bench/export: how long the exporters take on a big model (DESIGN.md:
 * folded export of a million samples under one second), and how much
 * memory the model holds.  Prints a Markdown table for docs/performance.md.
 *
 *   make bench/export && bench/export [STACKS] [SAMPLES] [FOLDED-OUT]
 *
 * FOLDED-OUT: also write the model's folded stacks there, for a reference
 * tool to draw the same flame graph (bench/flamegraph.sh). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "analysis/diff.h"
#include "analysis/export.h"
#include "analysis/findings.h"
#include "analysis/model.h"
#include "analysis/profile.h"
#include "analysis/snapshot_load.h"
#include "common/clock.h"
#include "synth.h"

#define RUNS 5

static double bench_time_ms(export_fn *fn, const struct model *m, FILE *out)
{
	double best = 1e18;

	for (int i = 0; i < RUNS; i++) {
		uint64_t t0 = clock_monotonic_ns();
		if (fn(out, m, 0) != 0)
			return -1;
		double ms = (double)(clock_monotonic_ns() - t0) / 1e6;
		best = ms < best ? ms : best;
	}
	return best;
}

/* What fn writes, in MB. */
static double bench_size_mb(export_fn *fn, const struct model *m)
{
	char *buf = NULL;
	size_t len = 0;

	if (export_render(fn, m, 0, &buf, &len) != 0)
		return -1;
	free(buf);
	return (double)len / 1e6;
}

/* The rules run under the model lock on every refresh while the Findings
 * pane is shown. */
static void bench_findings(const struct model *m)
{
	double best = 1e18;
	size_t n = 0;

	for (int i = 0; i < RUNS; i++) {
		struct finding *v;
		uint64_t t0 = clock_monotonic_ns();
		n = findings_eval(m, 0, &v);
		double ms = (double)(clock_monotonic_ns() - t0) / 1e6;
		best = ms < best ? ms : best;
		free(v);
	}
	printf("| findings (%zu found) | %.1f |\n", n, best);
}

/* --load: the snapshot read back into a model (best of RUNS), and --diff
 * of the model against its reload (table and differential folded). */
static void bench_load_diff(const struct model *m, FILE *out)
{
	char *json = NULL, err[256];
	size_t len = 0;
	double load = 1e18, diff = 1e18;
	struct model *back = NULL;

	if (export_render(export_json, m, 0, &json, &len) != 0)
		return;
	for (int i = 0; i < RUNS; i++) {
		uint64_t t0 = clock_monotonic_ns();
		struct model *l = snapshot_load_buf(json, len, "bench", err, sizeof err);
		double ms = (double)(clock_monotonic_ns() - t0) / 1e6;
		if (!l) {
			fprintf(stderr, "bench/export: %s\n", err);
			free(json);
			return;
		}
		load = ms < load ? ms : load;
		if (back)
			model_free(back);
		back = l;
	}
	for (int i = 0; i < RUNS; i++) {
		uint64_t t0 = clock_monotonic_ns();
		diff_report(out, m, "a", back, "b", 40, NULL);
		diff_folded(out, m, back);
		double ms = (double)(clock_monotonic_ns() - t0) / 1e6;
		diff = ms < diff ? ms : diff;
	}
	printf("| --load of the JSON snapshot (%.1f MB) | %.1f |\n", (double)len / 1e6, load);
	printf("| --diff of it against its reload (table + differential folded) | %.1f |\n", diff);
	model_free(back);
	free(json);
}

int main(int argc, char **argv)
{
	unsigned nstacks = argc > 1 ? (unsigned)atoi(argv[1]) : 100000;
	unsigned samples = argc > 2 ? (unsigned)atoi(argv[2]) : 1000000;
	struct model *m = model_new(300);
	FILE *out = fopen("/dev/null", "w");
	unsigned long long n;

	if (!out || nstacks == 0)
		return 1;
	/* Mean weight (1 + max) / 2 gives about the requested sample count. */
	n = synth_model(m, nstacks, 5000, 2 * samples / nstacks - 1);
	printf("Model: %u distinct stacks, %llu samples, %.1f MB (stacks + timeline)\n\n",
	       stacks_count(m->stacks), n, (double)model_memory(m) / 1e6);
	printf("| export (window: all) | best of %d, ms |\n|---|---:|\n", RUNS);
	printf("| folded stacks | %.1f |\n", bench_time_ms(export_folded, m, out));
	printf("| JSON snapshot | %.1f |\n", bench_time_ms(export_json, m, out));
	printf("| text report | %.1f |\n", bench_time_ms(export_report, m, out));
	printf("| SVG flame graph (cpu; %.1f MB) | %.1f |\n", bench_size_mb(export_svg_views[PROFILE_CPU], m),
	       bench_time_ms(export_svg_views[PROFILE_CPU], m, out));
	printf("| pprof, gzipped (%.1f MB) | %.1f |\n", bench_size_mb(export_pprof, m),
	       bench_time_ms(export_pprof, m, out));
	printf("| speedscope (%.1f MB) | %.1f |\n", bench_size_mb(export_speedscope, m),
	       bench_time_ms(export_speedscope, m, out));
	bench_findings(m);
	bench_load_diff(m, out);
	if (argc > 3) {
		FILE *f = fopen(argv[3], "w");
		if (!f || export_folded(f, m, 0) != 0 || fclose(f) != 0) {
			fprintf(stderr, "bench/export: cannot write %s\n", argv[3]);
			return 1;
		}
	}
	fclose(out);
	model_free(m);
	return 0;
}
