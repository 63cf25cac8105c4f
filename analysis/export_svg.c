/* SVG flame graphs (stub: export_svg.c is being written). */
#include "config.h"

#include <errno.h>

#include "export.h"
#include "profile.h"

static int export_svg_stub(FILE *f, const struct model *m, uint32_t window_secs)
{
	(void)f; (void)m; (void)window_secs;
	errno = ENOSYS;
	return -1;
}

export_fn *const export_svg_views[] = {
	[PROFILE_CPU] = export_svg_stub, [PROFILE_ALLOC] = export_svg_stub,
	[PROFILE_IO] = export_svg_stub, [PROFILE_LOCKS] = export_svg_stub,
};
