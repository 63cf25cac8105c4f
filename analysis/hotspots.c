/* The hotspot table (see hotspots.h).  One pass over the window's stacks:
 * the leaf gets self, every function in the stack gets total once, which a
 * stamp per function (the index of the last stack that counted it) makes
 * O(frames) instead of a search of the stack per frame. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hotspots.h"
#include "stacks.h"
#include "timeline.h"
#include "../common/xalloc.h"

struct acc {
	uint64_t self, total;
	size_t stamp;           /* 1 + index of the last stack that added total */
};

static int hotspot_cmp(const void *a, const void *b)
{
	const struct hotspot *x = a, *y = b;

	if (x->self != y->self)
		return x->self < y->self ? 1 : -1;
	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return (x->func > y->func) - (x->func < y->func);
}

size_t hotspots_compute(const struct stacks *s, const struct stack_count *counts,
			size_t n, struct hotspot **out, uint64_t *samples)
{
	struct acc *acc = NULL;
	size_t nacc = 0, cap = 0;
	uint64_t all = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t nf;
		const uint32_t *f = stacks_frames(s, counts[i].stack, &nf);
		uint64_t c = counts[i].count;

		all += c;
		if (!c)
			continue;
		for (uint32_t k = 0; k < nf; k++) {
			if (f[k] >= nacc) {
				xgrow(&acc, &cap, (size_t)f[k] + 1, sizeof *acc);
				memset(acc + nacc, 0, (f[k] + 1 - nacc) * sizeof *acc);
				nacc = (size_t)f[k] + 1;
			}
			if (acc[f[k]].stamp != i + 1) {
				acc[f[k]].stamp = i + 1;
				acc[f[k]].total += c;
			}
		}
		if (nf)
			acc[f[nf - 1]].self += c;
	}

	size_t rows = 0;
	for (size_t id = 0; id < nacc; id++)
		rows += acc[id].total != 0;
	*out = rows ? xmalloc(rows * sizeof **out) : NULL;
	rows = 0;
	for (size_t id = 0; id < nacc; id++) {
		if (!acc[id].total)
			continue;
		(*out)[rows++] = (struct hotspot){
			.func = (uint32_t)id,
			.self = acc[id].self,
			.total = acc[id].total,
			.self_pct = all ? 100.0 * (double)acc[id].self / (double)all : 0.0,
			.total_pct = all ? 100.0 * (double)acc[id].total / (double)all : 0.0,
		};
	}
	free(acc);
	if (rows)
		qsort(*out, rows, sizeof **out, hotspot_cmp);
	if (samples)
		*samples = all;
	return rows;
}
