/* --load: a saved snapshot (stub: being written). */
#include "config.h"

#include <stdio.h>

#include "options.h"
#include "session.h"

int session_load(const struct options *o)
{
	fprintf(stderr, "kprof-top: --load %s: not built yet\n", o->load);
	return 2;
}
