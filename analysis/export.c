/* export_to_file(): a file appears whole or not at all.  The writer fills a
 * temporary beside the destination (same directory, so rename() is atomic
 * and never crosses a filesystem) which is renamed over it only when every
 * write, the flush, fsync and close succeeded.  The one place in analysis/
 * that makes syscalls. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export.h"
#include "../common/xalloc.h"

/* "dir/.name.XXXXXX" for "dir/name": hidden, so a failed run that could not
 * remove it (killed mid-write) doesn't look like a result. */
static char *export_temp_template(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	int dirlen = slash ? (int)(slash - path + 1) : 0;
	char *tmpl;

	xasprintf(&tmpl, "%.*s.%s.XXXXXX", dirlen, path, base);
	return tmpl;
}

static void export_error(char *err, size_t errlen, const char *path, int errnum)
{
	if (!err || !errlen)
		return;
	snprintf(err, errlen, "cannot write %s: %s", path,
		 errnum > 0 ? strerror(errnum) : "write error");
}

/* Devices and pipes (/dev/stdout, /dev/null, a FIFO) are written in place:
 * renaming a temporary over them would replace the device with a file. */
static int export_to_special(const char *path, export_fn *fn, const struct model *m,
			     uint32_t window_secs, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");
	int errnum = 0;

	if (!f) {
		export_error(err, errlen, path, errno);
		return -1;
	}
	errno = 0;
	if (fn(f, m, window_secs) != 0 || ferror(f))
		errnum = errno ? errno : -1;
	if (fclose(f) != 0 && !errnum)
		errnum = errno;
	if (errnum) {
		export_error(err, errlen, path, errnum);
		return -1;
	}
	return 0;
}

int export_to_file(const char *path, export_fn *fn, const struct model *m,
		   uint32_t window_secs, char *err, size_t errlen)
{
	struct stat st;
	char *tmp;
	int fd, errnum = 0;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return export_to_special(path, fn, m, window_secs, err, errlen);
	tmp = export_temp_template(path);
	fd = mkstemp(tmp);

	if (fd < 0) {
		export_error(err, errlen, path, errno);
		free(tmp);
		return -1;
	}
	/* mkstemp makes 0600; an exported profile is meant to be shared, so
	 * give it the usual mode of a new file rather than a private one. */
	if (fchmod(fd, 0644) != 0) {
		errnum = errno;
		close(fd);
		goto fail;
	}
	FILE *f = fdopen(fd, "w");
	if (!f) {
		errnum = errno;
		close(fd);
		goto fail;
	}

	errno = 0;
	int rc = fn(f, m, window_secs);
	if (rc != 0 || ferror(f))
		errnum = errno ? errno : -1;   /* -1: the writer said no reason */
	if (!errnum && fflush(f) != 0)
		errnum = errno;
	/* Without fsync a crash after rename can leave an empty file where an
	 * older good one was. */
	if (!errnum && fsync(fileno(f)) != 0)
		errnum = errno;
	if (fclose(f) != 0 && !errnum)
		errnum = errno;
	if (errnum)
		goto fail;
	if (rename(tmp, path) != 0) {
		errnum = errno;
		goto fail;
	}
	free(tmp);
	return 0;

fail:
	export_error(err, errlen, path, errnum);
	unlink(tmp);
	free(tmp);
	return -1;
}
