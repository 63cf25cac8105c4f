/* symbols_demangle (see symbols.h), alone in its file because libiberty's
 * headers declare their own xmalloc family, which clashes with ours. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <libiberty/demangle.h>

#include "symbols.h"

const char *symbols_demangle(const char *name, char *buf, size_t size)
{
	char *d;

	/* _Z: C++ and legacy Rust; _R: Rust v0.  Anything else is plain, and
	 * not worth a call that would try every scheme it knows. */
	if (name[0] != '_' || (name[1] != 'Z' && name[1] != 'R') || size == 0)
		return name;
	/* No DMGL_VERBOSE: Rust's "::h0123…" hash suffixes are dropped. */
	d = cplus_demangle(name, DMGL_PARAMS | DMGL_ANSI | DMGL_AUTO);
	if (!d)
		return name;
	snprintf(buf, size, "%s", d);
	free(d);
	return buf;
}
