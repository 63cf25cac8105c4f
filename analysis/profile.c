/* Weighted stacks of one pane (see profile.h).  Allocation sites weigh the
 * bytes they hold where frees are seen (preload, uprobes), else the bytes
 * they first touched (page-fault sampling, which sees no frees); I/O and
 * lock sites carry the file or the lock as their leaf, so one stack doing
 * I/O on two files shows as two frames. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "profile.h"
#include "../common/macros.h"
#include "../common/xalloc.h"

static const struct {
	const char *name, *title, *unit;
} profile_views[PROFILE_NVIEWS] = {
	[PROFILE_CPU] = { "cpu", "CPU samples", "samples" },
	[PROFILE_ALLOC] = { "alloc", "Bytes held by allocation site", "bytes" },
	[PROFILE_IO] = { "io", "Bytes read and written", "bytes" },
	[PROFILE_LOCKS] = { "locks", "Lock wait time", "nanoseconds" },
};

int profile_view_parse(const char *name)
{
	for (int v = 0; v < PROFILE_NVIEWS; v++)
		if (!strcmp(name, profile_views[v].name))
			return v;
	return -1;
}

const char *profile_view_name(enum profile_view v)
{
	return v < PROFILE_NVIEWS ? profile_views[v].name : "?";
}

struct builder {
	struct profile *p;
	size_t cap;
	/* Leaf labels are built into one buffer and fixed up at the end, as
	 * offsets, since the buffer moves while it grows. */
	size_t *leaf_off;
	size_t leaves_len, leaves_cap;
};

static void builder_add(struct builder *b, uint32_t stack, const char *leaf, uint64_t value)
{
	struct profile *p = b->p;

	if (value == 0)
		return;
	if (p->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 64;
		p->samples = xrealloc(p->samples, b->cap * sizeof *p->samples);
		b->leaf_off = xrealloc(b->leaf_off, b->cap * sizeof *b->leaf_off);
	}
	b->leaf_off[p->n] = SIZE_MAX;
	if (leaf) {
		size_t len = strlen(leaf) + 1;
		if (b->leaves_len + len > b->leaves_cap) {
			b->leaves_cap = 2 * (b->leaves_cap + len);
			p->leaves = xrealloc(p->leaves, b->leaves_cap);
		}
		memcpy(p->leaves + b->leaves_len, leaf, len);
		b->leaf_off[p->n] = b->leaves_len;
		b->leaves_len += len;
	}
	p->samples[p->n++] = (struct profile_sample){ stack, NULL, value };
	p->total += value;
}

static void profile_cpu(struct builder *b, const struct model *m, uint32_t window_secs)
{
	struct stack_count *counts;
	size_t n = timeline_window(m->timeline, window_secs, &counts);

	for (size_t i = 0; i < n; i++)
		builder_add(b, counts[i].stack, NULL, counts[i].count);
	free(counts);
	if (m->target.frequency)
		b->p->period_ns = 1000000000ull / m->target.frequency;
}

static void profile_alloc(struct builder *b, const struct model *m)
{
	struct alloc_site_info *v;
	size_t n = alloc_sites(m->alloc, 0, &v);
	bool held = strcmp(m->target.alloc_mode, "faults") != 0;

	if (!held)
		b->p->title = "Bytes first touched (page faults) by call site";
	for (size_t i = 0; i < n; i++) {
		uint64_t value = held ? (v[i].outstanding_bytes > 0 ? (uint64_t)v[i].outstanding_bytes : 0)
				      : v[i].touched_bytes;
		if (v[i].other)
			builder_add(b, PROFILE_NO_STACK, "(other sites)", value);
		else
			builder_add(b, v[i].stack, NULL, value);
	}
	free(v);
}

static void profile_io(struct builder *b, const struct model *m)
{
	size_t nfd = io_fd_count(m->io);
	char leaf[200];

	for (size_t r = 0; r < nfd; r++) {
		const struct io_fd *f = io_fd_at(m->io, r);
		struct io_site *s;
		size_t ns = io_sites(m->io, (uint32_t)r, &s);

		snprintf(leaf, sizeof leaf, "[%s]", f->name);
		for (size_t k = 0; k < ns; k++)
			builder_add(b, s[k].stack, leaf, s[k].bytes);
		free(s);
	}
}

static void profile_locks(struct builder *b, const struct model *m)
{
	const struct lock_info **v;
	size_t n = locks_by_wait(m->locks, &v);
	char leaf[128];

	for (size_t i = 0; i < n; i++) {
		struct lock_site *s;
		size_t ns = locks_sites(m->locks, v[i]->addr, &s);

		if (v[i]->name[0])
			snprintf(leaf, sizeof leaf, "[lock %s]", v[i]->name);
		else
			snprintf(leaf, sizeof leaf, "[lock 0x%" PRIx64 "]", v[i]->addr);
		for (size_t k = 0; k < ns; k++)
			builder_add(b, s[k].stack, leaf, s[k].wait_ns);
		free(s);
	}
	free(v);
}

size_t profile_build(struct profile *p, const struct model *m, enum profile_view view,
		     uint32_t window_secs)
{
	struct builder b = { .p = p };

	memset(p, 0, sizeof *p);
	p->view = view;
	p->name = profile_views[view].name;
	p->title = profile_views[view].title;
	p->unit = profile_views[view].unit;
	switch (view) {
	case PROFILE_CPU:
		profile_cpu(&b, m, window_secs);
		break;
	case PROFILE_ALLOC:
		profile_alloc(&b, m);
		break;
	case PROFILE_IO:
		profile_io(&b, m);
		break;
	case PROFILE_LOCKS:
		profile_locks(&b, m);
		break;
	case PROFILE_NVIEWS:
		break;
	}
	for (size_t i = 0; i < p->n; i++)
		if (b.leaf_off[i] != SIZE_MAX)
			p->samples[i].leaf = p->leaves + b.leaf_off[i];
	free(b.leaf_off);
	return p->n;
}

void profile_fini(struct profile *p)
{
	free(p->samples);
	free(p->leaves);
	memset(p, 0, sizeof *p);
}

size_t profile_frames(const struct profile *p, const struct model *m, size_t i,
		      const char **names, size_t max)
{
	const struct profile_sample *s = &p->samples[i];
	uint32_t nf = 0, skip = 0;
	const uint32_t *fr = NULL;
	size_t k = 0;

	if (s->stack != PROFILE_NO_STACK)
		fr = stacks_frames(m->stacks, s->stack, &nf);
	/* Too deep: cut at the root end; the leaves are what matter. */
	if (nf + (s->leaf != NULL) > max)
		skip = (uint32_t)MIN((size_t)nf, nf + (s->leaf != NULL) - max);
	for (uint32_t j = skip; j < nf && k < max; j++) {
		const struct func *fn = funcs_get(m->funcs, fr[j]);
		names[k++] = fn ? fn->name : "[unknown]";
	}
	if (s->leaf && k < max)
		names[k++] = s->leaf;
	if (k == 0 && max > 0)
		names[k++] = "[unknown]";
	return k;
}
