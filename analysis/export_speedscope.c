/* speedscope's file format (https://www.speedscope.app/file-format-schema.json;
 * the spec is src/lib/file-format-spec.ts in jlfwong/speedscope): one
 * "sampled" profile per pane, in the order of profile.h (CPU first, the
 * one speedscope opens), over one shared frame table.  A sample is its
 * frame indexes root first, its weight the pane's value (samples, bytes or
 * nanoseconds); a pane with nothing in it is still there, empty, so a
 * reader can tell "no waits" from "not exported". */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "frametab.h"
#include "json_out.h"
#include "model.h"
#include "profile.h"
#include "../common/xalloc.h"

#define SPEEDSCOPE_SCHEMA "https://www.speedscope.app/file-format-schema.json"

/* speedscope's ValueUnit for each pane's unit ("none": plain counts). */
static const char *speedscope_unit(const char *unit)
{
	static const struct {
		const char *ours, *theirs;
	} units[] = {
		{ "samples", "none" },
		{ "bytes", "bytes" },
		{ "nanoseconds", "nanoseconds" },
	};

	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (!strcmp(unit, units[i].ours))
			return units[i].theirs;
	return "none";
}


static json_t *speedscope_profile(struct frametab *t, const struct model *m, const struct profile *p)
{
	json_t *o = json_object(), *samples = json_array(), *weights = json_array();

	for (size_t i = 0; i < p->n; i++) {
		size_t nf;
		const uint32_t *fr = frametab_sample(t, m, p, i, &nf);
		json_t *stack = json_array();

		for (size_t k = 0; k < nf; k++)
			json_array_append_new(stack, json_integer(fr[k]));
		json_array_append_new(samples, stack);
		json_array_append_new(weights, json_u64(p->samples[i].value));
	}
	json_object_set_new(o, "type", json_string("sampled"));
	json_object_set_new(o, "name", json_string(p->title));
	json_object_set_new(o, "unit", json_string(speedscope_unit(p->unit)));
	json_object_set_new(o, "startValue", json_integer(0));
	json_object_set_new(o, "endValue", json_u64(p->total));
	json_object_set_new(o, "samples", samples);
	json_object_set_new(o, "weights", weights);
	return o;
}

int export_speedscope(FILE *f, const struct model *m, uint32_t window_secs)
{
	struct profile p[PROFILE_NVIEWS];
	struct frametab t = { 0 };
	json_t *root = json_object(), *profiles = json_array(), *frames = json_array(), *shared;
	char name[320];
	int rc;

	/* The frame table borrows the profiles' leaf labels: all stay built
	 * until the end. */
	for (int v = 0; v < PROFILE_NVIEWS; v++) {
		profile_build(&p[v], m, (enum profile_view)v, window_secs);
		json_array_append_new(profiles, speedscope_profile(&t, m, &p[v]));
	}
	for (size_t k = 0; k < t.n; k++) {
		json_t *fr = json_object();

		json_object_set_new(fr, "name", json_str(t.v[k].name));
		if (t.v[k].module)
			json_object_set_new(fr, "file", json_str(t.v[k].module));
		json_array_append_new(frames, fr);
	}
	shared = json_object();
	json_object_set_new(shared, "frames", frames);
	snprintf(name, sizeof name, "%s (pid %u)", m->target.command, m->target.pid);
	json_object_set_new(root, "$schema", json_string(SPEEDSCOPE_SCHEMA));
	json_object_set_new(root, "name", json_str(name));
	json_object_set_new(root, "exporter", json_string(PACKAGE_STRING));
	json_object_set_new(root, "activeProfileIndex", json_integer(0));
	json_object_set_new(root, "shared", shared);
	json_object_set_new(root, "profiles", profiles);
	rc = json_dumpf(root, f, JSON_COMPACT);
	json_decref(root);
	frametab_fini(&t);
	for (int v = 0; v < PROFILE_NVIEWS; v++)
		profile_fini(&p[v]);
	return rc == 0 && !ferror(f) ? 0 : -1;
}
