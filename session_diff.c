/* --diff: two saved snapshots compared (stub: being written). */
#include "config.h"

#include <stdio.h>

#include "options.h"
#include "session.h"

int session_diff(const struct options *o)
{
	fprintf(stderr, "kprof-top: --diff %s %s: not built yet\n", o->diff_before, o->diff_after);
	return 2;
}
