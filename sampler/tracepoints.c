/* raw_syscalls tracepoints (see tracepoints.h).
 *
 * Why raw_syscalls:sys_enter/sys_exit with a filter, not syscalls:sys_enter_*
 * per syscall: we trace 21 syscalls, so per-syscall tracepoints would need
 * 63 events (enter, exit, sampled-stack enter) per thread and CPU instead
 * of 3 — thousands of fds on a modest target.  Measured with a throwaway
 * prototype (kernel 6.18, 2-vCPU VM, noisy ±15 %):
 *  - a filter set with PERF_EVENT_IOC_SET_FILTER on the parent event
 *    applies to its inherited clones: threads started after the events
 *    were opened produced exactly their 1000 futex enters and exits and no
 *    record of their 1000 getppid calls (the kernel evaluates the filter of
 *    the top-level event for every child);
 *  - an inherited event's records carry the parent's id, the one
 *    PERF_EVENT_IOC_ID returns on our fd;
 *  - cost on the target: a syscall the filter rejects pays ~+200 ns
 *    (getppid 1.0–1.15 → 1.17–1.5 µs); a traced futex enter+exit pays
 *    ~+500–700 ns (1.2–1.7 → 1.85–2.8 µs), the same as per-syscall
 *    tracepoints (1.75–1.9 µs) within the noise.  So the filter's price is
 *    the ~200 ns on untraced syscalls of the target only (other processes
 *    pay nothing measurable: per-task events are hooked only while the
 *    target runs), which buys 21× fewer fds. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tracepoints.h"
#include "proc.h"
#include "../analysis/syscalls.h"
#include "../common/macros.h"

static const char *const tracepoints_roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };

/* Which syscalls each switch selects. */
static const struct { int nr; bool locks; } tracepoints_syscalls[] = {
	{ SYSCALLS_FUTEX, true },
	{ SYSCALLS_READ, false }, { SYSCALLS_WRITE, false }, { SYSCALLS_PREAD64, false },
	{ SYSCALLS_PWRITE64, false }, { SYSCALLS_READV, false }, { SYSCALLS_WRITEV, false },
	{ SYSCALLS_PREADV, false }, { SYSCALLS_PWRITEV, false }, { SYSCALLS_PREADV2, false },
	{ SYSCALLS_PWRITEV2, false }, { SYSCALLS_SENDTO, false }, { SYSCALLS_RECVFROM, false },
	{ SYSCALLS_SENDMSG, false }, { SYSCALLS_RECVMSG, false }, { SYSCALLS_SENDFILE, false },
	{ SYSCALLS_SPLICE, false },
	/* Not I/O, but they change what an fd names. */
	{ SYSCALLS_CLOSE, false }, { SYSCALLS_DUP2, false }, { SYSCALLS_DUP3, false },
	{ SYSCALLS_CLOSE_RANGE, false },
};

bool tracepoints_filter(bool locks, bool io, char *buf, size_t len)
{
	size_t n = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(tracepoints_syscalls); i++) {
		int w;
		if (tracepoints_syscalls[i].locks ? !locks : !io)
			continue;
		w = snprintf(buf + n, len - n, "%sid == %d", n ? " || " : "", tracepoints_syscalls[i].nr);
		if (w < 0 || (size_t)w >= len - n)
			return false;
		n += (size_t)w;
	}
	return n > 0;
}

bool tracepoints_field(const char *format, const char *name, unsigned *offset, unsigned *size)
{
	size_t len = strlen(name);

	/* "\tfield:unsigned long args[6];\toffset:16;\tsize:48;\tsigned:0;" */
	for (const char *p = strstr(format, "field:"); p; p = strstr(p + 1, "field:")) {
		const char *semi = strchr(p, ';'), *end, *off, *sz;
		if (!semi)
			return false;
		end = semi;
		if (end > p && end[-1] == ']')   /* an array: the name is before '[' */
			while (end > p && *end != '[')
				end--;
		/* end - len - 1, not end[-len - 1]: -len is a huge unsigned
		 * index, an overflowing pointer addition (UBSan, on every real
		 * format file; found by tests/fuzz/fuzz_tracepoints). */
		if ((size_t)(end - p) <= len || memcmp(end - len, name, len) != 0 ||
		    (*(end - len - 1) != ' ' && *(end - len - 1) != '*'))
			continue;
		off = strstr(semi, "offset:");
		sz = strstr(semi, "size:");
		if (!off || !sz || (strchr(semi + 1, '\n') && off > strchr(semi + 1, '\n')))
			return false;
		*offset = (unsigned)strtoul(off + 7, NULL, 10);
		*size = (unsigned)strtoul(sz + 5, NULL, 10);
		return true;
	}
	return false;
}

/* tracefs with an events/ directory: an existing mount, else ours. */
static const char *tracepoints_root(struct tracepoints *tp, int *err)
{
	char path[64];

	*err = ENOENT;
	for (size_t i = 0; i < ARRAY_SIZE(tracepoints_roots); i++) {
		snprintf(path, sizeof path, "%s/events", tracepoints_roots[i]);
		if (access(path, F_OK) == 0)
			return tracepoints_roots[i];
		if (errno == EACCES)
			*err = EACCES;
	}
	if (geteuid() != 0 || *err == EACCES)
		return NULL;
	/* Debian does not mount tracefs until something asks.  We leave our
	 * mount in place on exit: other tools may have started using it, and
	 * an idle tracefs mount changes nothing for anyone. */
	if (mount("nodev", tracepoints_roots[0], "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		*err = errno;
		return NULL;
	}
	tp->mounted = true;
	return tracepoints_roots[0];
}

/* One tracepoint's id and the offsets of fields a and b in its payload. */
static int tracepoints_event(const char *root, const char *event, uint64_t *id,
			     const char *a, uint16_t *a_off, const char *b, uint16_t *b_off)
{
	char path[128], *text;
	unsigned off, size;
	int e;

	snprintf(path, sizeof path, "%s/events/raw_syscalls/%s/id", root, event);
	if (!(text = proc_read_file(path, NULL)))
		return -errno;
	*id = strtoull(text, NULL, 10);
	free(text);
	snprintf(path, sizeof path, "%s/events/raw_syscalls/%s/format", root, event);
	if (!(text = proc_read_file(path, NULL)))
		return -errno;
	e = -EPROTO;
	if (tracepoints_field(text, a, &off, &size) && size == 8 && off <= UINT16_MAX) {
		*a_off = (uint16_t)off;
		if (tracepoints_field(text, b, &off, &size) && size >= 8 && off <= UINT16_MAX) {
			*b_off = (uint16_t)off;
			e = 0;
		}
	}
	free(text);
	return e;
}

int tracepoints_open(struct tracepoints *tp, char *err, size_t errlen)
{
	const char *root;
	uint16_t nr2;
	int e;

	memset(tp, 0, sizeof *tp);
	if (!(root = tracepoints_root(tp, &e))) {
		snprintf(err, errlen, "tracefs %s (%s)",
			 e == EACCES ? "is not readable" : "is not mounted", strerror(e));
		return -e;
	}
	e = tracepoints_event(root, "sys_enter", &tp->enter_id, "id", &tp->raw.nr, "args", &tp->raw.args);
	if (e == 0)
		e = tracepoints_event(root, "sys_exit", &tp->exit_id, "id", &nr2, "ret", &tp->raw.ret);
	/* One nr offset serves both payloads; it has been 8 since 2.6.35. */
	if (e == 0 && nr2 != tp->raw.nr)
		e = -EPROTO;
	if (e < 0) {
		snprintf(err, errlen, "cannot read raw_syscalls tracepoints under %s (%s)", root,
			 e == -EPROTO ? "unexpected format" : strerror(-e));
		return e;
	}
	return 0;
}
