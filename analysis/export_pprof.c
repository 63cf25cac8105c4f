/* pprof profiles (stub: being written). */
#include "config.h"

#include <errno.h>

#include "export.h"

int export_pprof(FILE *f, const struct model *m, uint32_t window_secs)
{
	(void)f; (void)m; (void)window_secs;
	errno = ENOSYS;
	return -1;
}
