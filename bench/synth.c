/* The benches' synthetic model (see synth.h). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "synth.h"
#include "analysis/model.h"

unsigned long long synth_model(struct model *m, unsigned nstacks, unsigned nfuncs,
			       unsigned max_weight)
{
	unsigned seed = 1;
	uint32_t frames[32], mainf;
	unsigned long long samples = 0;
	char name[64];

	mainf = funcs_intern(m->funcs, "main", "bench");
	for (unsigned f = 1; f < nfuncs; f++) {
		snprintf(name, sizeof name, "%s_%u", f % 7 ? "func" : "leaf", f);
		funcs_intern(m->funcs, name, f % 3 ? "bench" : "libbench.so");
	}
	/* Distinct stacks: main, then 6-24 random frames; over 60 seconds. */
	for (unsigned i = 0; i < nstacks; i++) {
		uint32_t n = 6 + (uint32_t)(rand_r(&seed) % 19);
		uint64_t w = 1 + (uint64_t)(rand_r(&seed) % max_weight);

		frames[0] = mainf;
		for (uint32_t k = 1; k < n; k++)
			frames[k] = 1 + (uint32_t)(rand_r(&seed) % (nfuncs - 1));
		model_add_stack(m, (uint64_t)(i % 60) * 1000000000ULL + i, 1 + i % 16, frames, n, w);
		samples += w;
	}
	return samples;
}
