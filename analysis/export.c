/* Exports as files.  export_render() runs a writer into memory, so a caller
 * holding the model's lock holds it for the rendering only; export_write()
 * then makes the file appear whole or not at all: a temporary beside the
 * destination (same directory, so rename() is atomic) renamed over it only
 * when every write, fsync and close succeeded.  The one place in analysis/
 * that makes syscalls. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export.h"
#include "../common/xalloc.h"

/* What the user can do about errnum, for the message: the error alone
 * ("No such file or directory") says what failed, not what to do, which
 * every error message of ours must (DESIGN.md, "Exit status"). */
static const char *export_hint(int errnum)
{
	switch (errnum) {
	case ENOENT:
	case ENOTDIR:
		return "create the directory or give a path in an existing one";
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
		return "free some space or give a path on another file system";
	case EROFS:
	case EACCES:
	case EPERM:
		return "give a path in a directory you can write to";
	default:
		return "give another path";
	}
}

static void export_error(char *err, size_t errlen, const char *path, int errnum)
{
	if (!err || !errlen)
		return;
	snprintf(err, errlen, "cannot write %s: %s (%s)", path,
		 errnum > 0 ? strerror(errnum) : "write error", export_hint(errnum));
}

int export_render(export_fn *fn, const struct model *m, uint32_t window_secs,
		  char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);
	int errnum = 0;

	if (!f)
		return -1;
	errno = 0;
	if (fn(f, m, window_secs) != 0 || ferror(f))
		errnum = errno ? errno : -1;
	if (fclose(f) != 0 && !errnum)
		errnum = errno;
	if (errnum) {
		free(*buf);
		*buf = NULL;
		errno = errnum > 0 ? errnum : EIO;
		return -1;
	}
	return 0;
}

static int export_write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Devices and pipes (/dev/stdout, /dev/null, a FIFO) are written in place:
 * renaming a temporary over them would replace the device with a file. */
static int export_write_special(const char *path, const char *data, size_t len,
				char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0 || export_write_all(fd, data, len) != 0) {
		export_error(err, errlen, path, errno);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (close(fd) != 0) {
		export_error(err, errlen, path, errno);
		return -1;
	}
	return 0;
}

/* A new temporary "dir/.name.PID.N" for "dir/name": hidden, so one a killed
 * run could not remove doesn't look like a result; created 0666 so the
 * user's umask decides who may read it, as for any file they write. */
static int export_open_temp(const char *path, char **tmp)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	int dirlen = slash ? (int)(slash - path + 1) : 0;

	for (unsigned n = 0; n < 100; n++) {
		int fd;

		xasprintf(tmp, "%.*s.%s.%d.%u", dirlen, path, base, (int)getpid(), n);
		fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0 || errno != EEXIST)
			return fd;
		free(*tmp);
	}
	*tmp = NULL;
	errno = EEXIST;
	return -1;
}

int export_write(const char *path, const char *data, size_t len, char *err, size_t errlen)
{
	struct stat st;
	char *tmp;
	int fd, errnum = 0;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return export_write_special(path, data, len, err, errlen);
	fd = export_open_temp(path, &tmp);
	if (fd < 0) {
		export_error(err, errlen, path, errno);
		free(tmp);
		return -1;
	}
	if (export_write_all(fd, data, len) != 0)
		errnum = errno;
	/* Without fsync a crash after rename can leave an empty file where an
	 * older good one was. */
	if (!errnum && fsync(fd) != 0)
		errnum = errno;
	if (close(fd) != 0 && !errnum)
		errnum = errno;
	if (!errnum && rename(tmp, path) != 0)
		errnum = errno;
	if (errnum) {
		export_error(err, errlen, path, errnum);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

int export_to_file(const char *path, export_fn *fn, const struct model *m,
		   uint32_t window_secs, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (export_render(fn, m, window_secs, &buf, &len) < 0) {
		export_error(err, errlen, path, errno);
		return -1;
	}
	rc = export_write(path, buf, len, err, errlen);
	free(buf);
	return rc;
}
