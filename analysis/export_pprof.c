/* pprof profiles: profile.proto (github.com/google/pprof, proto/profile.proto)
 * encoded by hand with pbuf.c and gzipped, as `go tool pprof` and Pyroscope
 * read them.  One file holds every pane: each pane is one or two sample
 * types and every Sample carries a value for each type, 0 for the panes it
 * is not from, so pprof's -sample_index picks a pane.  Frames are shared:
 * one Function and one Location per distinct frame (a model function, or a
 * lock's or file's leaf label), one Mapping per module with has_functions
 * set so pprof does not try to symbolize addresses we never give.  Fields
 * are written in any order, as protobuf allows: the string table last,
 * once every string is known. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "frametab.h"
#include "model.h"
#include "pbuf.h"
#include "profile.h"
#include "../common/xalloc.h"

/* Field numbers of the messages written (profile.proto). */
enum {
	PB_PROFILE_SAMPLE_TYPE = 1, PB_PROFILE_SAMPLE = 2, PB_PROFILE_MAPPING = 3,
	PB_PROFILE_LOCATION = 4, PB_PROFILE_FUNCTION = 5, PB_PROFILE_STRING_TABLE = 6,
	PB_PROFILE_TIME_NANOS = 9, PB_PROFILE_DURATION_NANOS = 10,
	PB_PROFILE_PERIOD_TYPE = 11, PB_PROFILE_PERIOD = 12, PB_PROFILE_COMMENT = 13,
	PB_PROFILE_DEFAULT_SAMPLE_TYPE = 14,
	PB_VALUETYPE_TYPE = 1, PB_VALUETYPE_UNIT = 2,
	PB_SAMPLE_LOCATION_ID = 1, PB_SAMPLE_VALUE = 2,
	PB_MAPPING_ID = 1, PB_MAPPING_FILENAME = 5, PB_MAPPING_HAS_FUNCTIONS = 7,
	PB_LOCATION_ID = 1, PB_LOCATION_MAPPING_ID = 2, PB_LOCATION_LINE = 4,
	PB_LINE_FUNCTION_ID = 1,
	PB_FUNCTION_ID = 1, PB_FUNCTION_NAME = 2, PB_FUNCTION_SYSTEM_NAME = 3,
	PB_FUNCTION_FILENAME = 4,
};

/* The sample types, in Sample.value order: which pane fills each, and
 * whether the value is the pane's count times the sampling period (CPU
 * time from CPU samples).  Names follow Go's profiles where there is one
 * (samples/count, cpu/nanoseconds, inuse_space/bytes, delay/nanoseconds). */
static const struct pprof_type {
	enum profile_view view;
	const char *type, *unit;
	bool times_period;
} pprof_types[] = {
	{ PROFILE_CPU, "samples", "count", false },
	{ PROFILE_CPU, "cpu", "nanoseconds", true },
	{ PROFILE_ALLOC, "inuse_space", "bytes", false },
	{ PROFILE_IO, "io", "bytes", false },
	{ PROFILE_LOCKS, "delay", "nanoseconds", false },
};
#define PPROF_NTYPES (sizeof pprof_types / sizeof pprof_types[0])

/* Page-fault sampling sees no frees: the allocation pane is then bytes
 * first touched, not bytes in use (profile.c), and says so. */
#define PPROF_TOUCHED "touched_space"

struct pprof {
	struct pbuf out, msg, sub;
	struct strindex strs;
	struct strindex modules;
	struct frametab frames;
	uint64_t *ids;            /* one sample's location ids, leaf first */
	size_t ids_cap;
};

static uint64_t pprof_str(struct pprof *w, const char *s)
{
	return strindex_get(&w->strs, s ? s : "");
}

static void pprof_value_type(struct pprof *w, uint32_t field, const char *type, const char *unit)
{
	pbuf_reset(&w->msg);
	pbuf_uint(&w->msg, PB_VALUETYPE_TYPE, pprof_str(w, type));
	pbuf_uint(&w->msg, PB_VALUETYPE_UNIT, pprof_str(w, unit));
	pbuf_message(&w->out, field, &w->msg);
}

static uint64_t clamp_i64(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : v;
}

static void pprof_samples(struct pprof *w, const struct model *m, const struct profile *p)
{
	uint64_t values[PPROF_NTYPES];

	for (size_t i = 0; i < p->n; i++) {
		size_t nf;
		const uint32_t *fr = frametab_sample(&w->frames, m, p, i, &nf);

		if (nf > w->ids_cap) {
			w->ids_cap = 2 * nf;
			w->ids = xrealloc(w->ids, w->ids_cap * sizeof *w->ids);
		}
		/* Frames are root first; pprof wants the leaf at location_id[0].
		 * Location ids are frame indexes + 1 (0 is no location). */
		for (size_t k = 0; k < nf; k++)
			w->ids[k] = (uint64_t)fr[nf - 1 - k] + 1;
		for (size_t t = 0; t < PPROF_NTYPES; t++) {
			uint64_t v = pprof_types[t].view == p->view ? p->samples[i].value : 0;
			if (pprof_types[t].times_period)
				v = p->period_ns && v > INT64_MAX / p->period_ns ? INT64_MAX : v * p->period_ns;
			values[t] = clamp_i64(v);
		}
		pbuf_reset(&w->msg);
		pbuf_packed(&w->msg, PB_SAMPLE_LOCATION_ID, w->ids, nf);
		pbuf_packed(&w->msg, PB_SAMPLE_VALUE, values, PPROF_NTYPES);
		pbuf_message(&w->out, PB_PROFILE_SAMPLE, &w->msg);
	}
}

static void pprof_mapping(struct pprof *w, uint64_t id, const char *module)
{
	pbuf_reset(&w->sub);
	pbuf_uint(&w->sub, PB_MAPPING_ID, id);
	pbuf_uint(&w->sub, PB_MAPPING_FILENAME, pprof_str(w, module));
	pbuf_uint(&w->sub, PB_MAPPING_HAS_FUNCTIONS, 1);
	pbuf_message(&w->out, PB_PROFILE_MAPPING, &w->sub);
}

/* pprof takes the first Mapping for the main binary (its "File:" line):
 * the module named like the command's program, when a frame is in it. */
static void pprof_main_mapping(struct pprof *w, const struct model *m)
{
	char prog[256];
	const char *base;

	snprintf(prog, sizeof prog, "%s", m->target.command);
	prog[strcspn(prog, " ")] = 0;
	base = strrchr(prog, '/') ? strrchr(prog, '/') + 1 : prog;
	for (size_t f = 0; f < w->frames.n; f++)
		if (w->frames.v[f].module && !strcmp(w->frames.v[f].module, base)) {
			const char *module = w->frames.v[f].module;
			pprof_mapping(w, strindex_get(&w->modules, module) + 1, module);
			return;
		}
}

/* Functions, Locations (one line each: the function) and Mappings, for
 * every frame the samples used. */
static void pprof_frames(struct pprof *w, const struct model *m)
{
	pprof_main_mapping(w, m);
	for (size_t f = 0; f < w->frames.n; f++) {
		const struct frametab_frame *fr = &w->frames.v[f];
		uint64_t name = pprof_str(w, fr->name);

		pbuf_reset(&w->msg);
		pbuf_uint(&w->msg, PB_FUNCTION_ID, f + 1);
		pbuf_uint(&w->msg, PB_FUNCTION_NAME, name);
		pbuf_uint(&w->msg, PB_FUNCTION_SYSTEM_NAME, name);
		if (fr->module)
			pbuf_uint(&w->msg, PB_FUNCTION_FILENAME, pprof_str(w, fr->module));
		pbuf_message(&w->out, PB_PROFILE_FUNCTION, &w->msg);

		pbuf_reset(&w->msg);
		pbuf_uint(&w->msg, PB_LOCATION_ID, f + 1);
		if (fr->module) {
			size_t before = w->modules.n;
			uint64_t mapping = strindex_get(&w->modules, fr->module) + 1;

			pbuf_uint(&w->msg, PB_LOCATION_MAPPING_ID, mapping);
			if (w->modules.n > before)
				pprof_mapping(w, mapping, fr->module);
		}
		pbuf_reset(&w->sub);
		pbuf_uint(&w->sub, PB_LINE_FUNCTION_ID, f + 1);
		pbuf_message(&w->msg, PB_LOCATION_LINE, &w->sub);
		pbuf_message(&w->out, PB_PROFILE_LOCATION, &w->msg);
	}
}

static void pprof_header(struct pprof *w, const struct model *m, const struct profile *cpu,
			 char *target, size_t target_len)
{
	bool touched = !strcmp(m->target.alloc_mode, "faults");
	double dur = model_duration_s(m);

	for (size_t t = 0; t < PPROF_NTYPES; t++) {
		const char *type = pprof_types[t].type;
		if (pprof_types[t].view == PROFILE_ALLOC && touched)
			type = PPROF_TOUCHED;
		pprof_value_type(w, PB_PROFILE_SAMPLE_TYPE, type, pprof_types[t].unit);
	}
	pbuf_uint(&w->out, PB_PROFILE_DEFAULT_SAMPLE_TYPE, pprof_str(w, "cpu"));
	pprof_value_type(w, PB_PROFILE_PERIOD_TYPE, "cpu", "nanoseconds");
	if (cpu->period_ns)
		pbuf_uint(&w->out, PB_PROFILE_PERIOD, cpu->period_ns);
	if (m->target.start_epoch_s > 0)
		pbuf_uint(&w->out, PB_PROFILE_TIME_NANOS, clamp_i64(u64_of_double(m->target.start_epoch_s * 1e9)));
	if (dur > 0)
		pbuf_uint(&w->out, PB_PROFILE_DURATION_NANOS, clamp_i64(u64_of_double(dur * 1e9)));
	pbuf_uint(&w->out, PB_PROFILE_COMMENT, pprof_str(w, "made by " PACKAGE_STRING));
	snprintf(target, target_len, "target: pid %u %s", m->target.pid, m->target.command);
	pbuf_uint(&w->out, PB_PROFILE_COMMENT, pprof_str(w, target));
}

int export_pprof(FILE *f, const struct model *m, uint32_t window_secs)
{
	struct profile p[PROFILE_NVIEWS];
	struct pprof w = { 0 };
	char target[320];
	int rc;

	pprof_str(&w, "");                       /* string_table[0] must be "" */
	for (int v = 0; v < PROFILE_NVIEWS; v++)
		profile_build(&p[v], m, (enum profile_view)v, window_secs);
	pprof_header(&w, m, &p[PROFILE_CPU], target, sizeof target);
	for (int v = 0; v < PROFILE_NVIEWS; v++)
		pprof_samples(&w, m, &p[v]);
	pprof_frames(&w, m);
	for (size_t i = 0; i < w.strs.n; i++)
		pbuf_string(&w.out, PB_PROFILE_STRING_TABLE, w.strs.v[i]);

	rc = pbuf_gzip(f, w.out.p, w.out.n);
	if (rc == 0 && ferror(f))
		rc = -1;
	for (int v = 0; v < PROFILE_NVIEWS; v++)
		profile_fini(&p[v]);
	frametab_fini(&w.frames);
	strindex_fini(&w.strs);
	strindex_fini(&w.modules);
	pbuf_fini(&w.out);
	pbuf_fini(&w.msg);
	pbuf_fini(&w.sub);
	free(w.ids);
	return rc;
}
