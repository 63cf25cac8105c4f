/* The target's fd names (see fdnames.h).  readlink per traced call would
 * saturate the sampler on a tight write loop (FIELD-NOTES: ~1M calls/s), so
 * names are cached per fd and read again only after the fd changed.
 * A name is read when the drain that brought the call ends, not when the
 * call is decoded: an fd closed later in the same drain gets no name (the
 * readlink would show whatever holds the number now), rather than a wrong
 * one.  A drain is a few ms; the calls behind it up to a tick old.
 * Sockets need /proc/PID/net, which can be large: those tables are read
 * at most once a second, and a socket they did not know yet keeps its
 * "socket:[INODE]" name until the next reading finds it. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdnames.h"
#include "proc.h"
#include "../analysis/syscalls.h"
#include "../common/clock.h"
#include "../common/macros.h"
#include "../common/xalloc.h"

/* The kernel's default fs.nr_open: no fd can be above it without a sysctl. */
#define FDNAMES_MAX_FD (1 << 20)
#define FDNAMES_NET_NS 1000000000ULL
#define FDNAMES_PENDING_MAX 64

enum fd_state {
	FD_UNKNOWN,   /* never looked, or changed since */
	FD_WANTED,    /* used in this drain: look at its end */
	FD_NAMED,     /* its name was sent */
	FD_SOCKET,    /* sent as "socket:[INODE]": retry when the tables are re-read */
	FD_GONE,      /* readlink failed: retry no sooner than aux (ns) */
};

struct fd_entry {
	uint8_t state;
	bool queued;    /* in the wanted list of this drain */
	uint64_t aux;   /* FD_SOCKET: the inode; FD_GONE: when to retry */
};

struct sock_name {
	uint64_t ino;
	char *name;
};

/* A close or dup between its entry and its exit. */
struct pending_call {
	uint32_t tid;
	int32_t nr;
	uint64_t args[6];
};

struct fdnames {
	pid_t pid;
	struct fd_entry *fds;
	size_t nfds;
	struct sock_name *socks;     /* sorted by inode */
	size_t nsocks, sockcap;
	uint64_t net_read_ns;        /* when the tables were last read; 0 never */
	struct pending_call pending[FDNAMES_PENDING_MAX];
	size_t npending;
	int32_t *wanted;             /* fds to look up when the drain ends */
	size_t nwanted, wantedcap;
};

/* ---- parsing ---------------------------------------------------------- */

unsigned fdnames_call_fds(int32_t nr, const uint64_t args[6], int32_t fds[2])
{
	switch (nr) {
	case SYSCALLS_READ: case SYSCALLS_WRITE: case SYSCALLS_PREAD64: case SYSCALLS_PWRITE64:
	case SYSCALLS_READV: case SYSCALLS_WRITEV: case SYSCALLS_PREADV: case SYSCALLS_PWRITEV:
	case SYSCALLS_PREADV2: case SYSCALLS_PWRITEV2: case SYSCALLS_SENDTO: case SYSCALLS_RECVFROM:
	case SYSCALLS_SENDMSG: case SYSCALLS_RECVMSG:
		fds[0] = (int32_t)args[0];
		return 1;
	case SYSCALLS_SENDFILE:   /* (out_fd, in_fd, offset, count) */
		fds[0] = (int32_t)args[0];
		fds[1] = (int32_t)args[1];
		return 2;
	case SYSCALLS_SPLICE:     /* (fd_in, off_in, fd_out, off_out, len, flags) */
		fds[0] = (int32_t)args[0];
		fds[1] = (int32_t)args[2];
		return 2;
	default:
		return 0;
	}
}

bool fdnames_socket_inode(const char *link, uint64_t *ino)
{
	char *end;

	if (strncmp(link, "socket:[", 8) != 0)
		return false;
	errno = 0;
	*ino = strtoull(link + 8, &end, 10);
	return end != link + 8 && *end == ']' && errno == 0;
}

static bool fdnames_hex_u32(const char *p, uint32_t *v)
{
	char tmp[9], *end;

	/* Exactly 8 hex digits: never copy past the string's end (a short
	 * word such as "0:1" was read 8 bytes wide; found by
	 * tests/fuzz/fuzz_fdnames), nor let strtoul take blanks or a sign. */
	for (int i = 0; i < 8; i++)
		if (!isxdigit((unsigned char)p[i]))
			return false;
	memcpy(tmp, p, 8);
	tmp[8] = '\0';
	*v = (uint32_t)strtoul(tmp, &end, 16);
	return end == tmp + 8;
}

bool fdnames_format_addr(const char *hex, bool v6, char *buf, size_t len)
{
	/* The kernel prints the address as native-order u32 words of the
	 * network-order bytes: storing the parsed words natively gives those
	 * bytes back on any host.  The port is printed in host order. */
	uint32_t words[4];
	unsigned nwords = v6 ? 4 : 1;
	char addr[INET6_ADDRSTRLEN], *end;
	unsigned long port;

	for (unsigned i = 0; i < nwords; i++)
		if (!fdnames_hex_u32(hex + 8 * i, &words[i]))
			return false;
	if (hex[8 * nwords] != ':')
		return false;
	port = strtoul(hex + 8 * nwords + 1, &end, 16);
	if (end == hex + 8 * nwords + 1 || port > 65535)
		return false;
	if (!inet_ntop(v6 ? AF_INET6 : AF_INET, words, addr, sizeof addr))
		return false;
	snprintf(buf, len, v6 ? "[%s]:%lu" : "%s:%lu", addr, port);
	return true;
}

static bool fdnames_hex_zero(const char *hex)
{
	for (; *hex && *hex != ':'; hex++)
		if (*hex != '0')
			return false;
	return true;
}

/* "sl local rem st tx:rx tr:when retr uid timeout inode …" */
static bool fdnames_inet_line(const char *line, enum fdnames_net kind, uint64_t *ino,
			      char *name, size_t len)
{
	static const char *const protos[] = { "tcp", "tcp6", "udp", "udp6" };
	char local[64], remote[64], lbuf[72], rbuf[72];
	unsigned st;
	unsigned long long inode;
	bool v6 = kind == FDNAMES_TCP6 || kind == FDNAMES_UDP6;

	if (sscanf(line, " %*u: %63s %63s %x %*s %*s %*s %*u %*u %llu", local, remote, &st, &inode) != 4)
		return false;
	if (!fdnames_format_addr(local, v6, lbuf, sizeof lbuf) ||
	    !fdnames_format_addr(remote, v6, rbuf, sizeof rbuf))
		return false;
	*ino = inode;
	/* TCP_LISTEN is 10; an unconnected UDP socket has a zero remote. */
	if ((kind == FDNAMES_TCP || kind == FDNAMES_TCP6) && st == 10)
		snprintf(name, len, "%s %s (listening)", protos[kind], lbuf);
	else if (fdnames_hex_zero(remote) && strstr(remote, ":0000"))
		snprintf(name, len, "%s %s", protos[kind], lbuf);
	else
		snprintf(name, len, "%s %s -> %s", protos[kind], lbuf, rbuf);
	return true;
}

/* "Num RefCount Protocol Flags Type St Inode Path" */
static bool fdnames_unix_line(const char *line, uint64_t *ino, char *name, size_t len)
{
	unsigned long long inode;
	int used = 0;

	if (sscanf(line, "%*s %*x %*x %*x %*x %*x %llu%n", &inode, &used) != 1)
		return false;
	*ino = inode;
	line += used;
	line += strspn(line, " \t");
	if (*line && *line != '\n')
		snprintf(name, len, "unix %.*s", (int)strcspn(line, "\n"), line);
	else
		snprintf(name, len, "unix:[%llu]", inode);
	return true;
}

size_t fdnames_parse_net(const char *text, enum fdnames_net kind, fdnames_add_fn *add, void *ctx)
{
	const char *line = strchr(text, '\n');   /* past the header */
	size_t n = 0;

	while (line && *++line) {
		char name[256];
		uint64_t ino;
		bool ok = kind == FDNAMES_UNIX ? fdnames_unix_line(line, &ino, name, sizeof name)
					       : fdnames_inet_line(line, kind, &ino, name, sizeof name);
		/* Inode 0: a socket in TIME_WAIT, owned by nobody. */
		if (ok && ino) {
			add(ctx, ino, name);
			n++;
		}
		line = strchr(line, '\n');
	}
	return n;
}

/* ---- the socket table ------------------------------------------------- */

static void fdnames_add_sock(void *ctx, uint64_t ino, const char *name)
{
	struct fdnames *f = ctx;

	xgrow(&f->socks, &f->sockcap, f->nsocks + 1, sizeof *f->socks);
	f->socks[f->nsocks++] = (struct sock_name){ ino, xstrdup(name) };
}

static int fdnames_sock_cmp(const void *a, const void *b)
{
	const struct sock_name *x = a, *y = b;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static void fdnames_drop_socks(struct fdnames *f)
{
	for (size_t i = 0; i < f->nsocks; i++)
		free(f->socks[i].name);
	f->nsocks = 0;
}

static void fdnames_read_net(struct fdnames *f, uint64_t now)
{
	static const char *const files[] = { "tcp", "tcp6", "udp", "udp6", "unix" };

	fdnames_drop_socks(f);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char path[64], *text;
		snprintf(path, sizeof path, "/proc/%d/net/%s", (int)f->pid, files[i]);
		if ((text = proc_read_file(path, NULL)))
			fdnames_parse_net(text, (enum fdnames_net)i, fdnames_add_sock, f);
		free(text);
	}
	if (f->nsocks)   /* qsort(NULL, 0, …) is undefined */
		qsort(f->socks, f->nsocks, sizeof *f->socks, fdnames_sock_cmp);
	f->net_read_ns = now;
}

static struct sock_name *fdnames_sock_find(const struct fdnames *f, uint64_t ino)
{
	struct sock_name key = { ino, NULL };

	if (!f->nsocks)   /* bsearch on a NULL array is undefined */
		return NULL;
	return bsearch(&key, f->socks, f->nsocks, sizeof *f->socks, fdnames_sock_cmp);
}

/* The socket's name, re-reading the tables when they are old enough. */
static const char *fdnames_sock(struct fdnames *f, uint64_t ino, uint64_t now)
{
	struct sock_name *hit = fdnames_sock_find(f, ino);

	if (!hit && (!f->net_read_ns || now - f->net_read_ns >= FDNAMES_NET_NS)) {
		fdnames_read_net(f, now);
		hit = fdnames_sock_find(f, ino);
	}
	return hit ? hit->name : NULL;
}

/* ---- the cache -------------------------------------------------------- */

struct fdnames *fdnames_new(pid_t pid)
{
	struct fdnames *f = xcalloc(1, sizeof *f);

	f->pid = pid;
	return f;
}

void fdnames_free(struct fdnames *f)
{
	if (!f)
		return;
	fdnames_drop_socks(f);
	free(f->socks);
	free(f->fds);
	free(f->wanted);
	free(f);
}

void fdnames_clear(struct fdnames *f)
{
	if (f->nfds)   /* memset(NULL, 0, 0) is undefined */
		memset(f->fds, 0, f->nfds * sizeof *f->fds);
	f->npending = 0;
	f->nwanted = 0;
}

static struct fd_entry *fdnames_entry(struct fdnames *f, int32_t fd)
{
	size_t cap = f->nfds;

	if (fd < 0 || fd >= FDNAMES_MAX_FD)
		return NULL;
	if ((size_t)fd >= f->nfds) {
		xgrow(&f->fds, &cap, (size_t)fd + 1, sizeof *f->fds);
		memset(f->fds + f->nfds, 0, (cap - f->nfds) * sizeof *f->fds);
		f->nfds = cap;
	}
	return &f->fds[fd];
}

static void fdnames_emit(struct fdnames *f, const struct event *call, int32_t fd, const char *name,
			 event_sink_fn *sink, void *ctx)
{
	struct event ev = { .kind = EVENT_FD_NAME, .time_ns = call->time_ns };

	ev.fd_name = (struct event_fd_name){ (uint32_t)f->pid, fd, name };
	sink(ctx, &ev);
}

static void fdnames_lookup(struct fdnames *f, const struct event *call, int32_t fd,
			   event_sink_fn *sink, void *ctx)
{
	struct fd_entry *e = fdnames_entry(f, fd);
	uint64_t now, ino;
	char path[64], link[4096];
	const char *sock = NULL;
	ssize_t n;

	if (!e || e->state == FD_NAMED || e->state == FD_UNKNOWN)
		return;   /* named, or closed since it was wanted */
	now = clock_monotonic_ns();
	if (e->state == FD_GONE && now < e->aux)
		return;
	if (e->state == FD_SOCKET) {
		/* Only a newer reading of the tables can tell us more. */
		if (now - f->net_read_ns < FDNAMES_NET_NS)
			return;
		if ((sock = fdnames_sock(f, e->aux, now))) {
			fdnames_emit(f, call, fd, sock, sink, ctx);
			e->state = FD_NAMED;
		}
		return;
	}
	snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)f->pid, (int)fd);
	n = readlink(path, link, sizeof link - 1);
	if (n < 0) {
		/* Gone (or never there: a call on a bad fd).  Say so once, and
		 * look again in a second: open() is not traced, so nothing
		 * tells us when the number comes back. */
		if (e->state != FD_GONE)
			fdnames_emit(f, call, fd, NULL, sink, ctx);
		e->state = FD_GONE;
		e->aux = now + FDNAMES_NET_NS;
		return;
	}
	link[n] = '\0';
	if (fdnames_socket_inode(link, &ino) && !(sock = fdnames_sock(f, ino, now))) {
		fdnames_emit(f, call, fd, link, sink, ctx);
		e->state = FD_SOCKET;
		e->aux = ino;
		return;
	}
	fdnames_emit(f, call, fd, fdnames_socket_inode(link, &ino) ? sock : link, sink, ctx);
	e->state = FD_NAMED;
}

void fdnames_enter(struct fdnames *f, const struct event *ev)
{
	const struct event_syscall *sc = &ev->syscall;
	int32_t fds[2];
	unsigned n;

	switch (sc->nr) {
	case SYSCALLS_CLOSE: case SYSCALLS_DUP2: case SYSCALLS_DUP3: case SYSCALLS_CLOSE_RANGE:
		/* Its exit will say whether the fds changed; a thread has one
		 * call in flight, and a full table only costs re-reads. */
		if (f->npending == FDNAMES_PENDING_MAX)
			memmove(f->pending, f->pending + 1, --f->npending * sizeof *f->pending);
		f->pending[f->npending] = (struct pending_call){ sc->tid, sc->nr, { 0 } };
		memcpy(f->pending[f->npending++].args, sc->args, sizeof sc->args);
		return;
	default:
		n = fdnames_call_fds(sc->nr, sc->args, fds);
		for (unsigned i = 0; i < n; i++) {
			struct fd_entry *e = fdnames_entry(f, fds[i]);
			if (!e || e->state == FD_NAMED || e->queued)
				continue;
			e->queued = true;
			/* Sockets and gone fds keep their state (it says when to
			 * retry); the rest wait for the end of the drain. */
			if (e->state == FD_UNKNOWN)
				e->state = FD_WANTED;
			xgrow(&f->wanted, &f->wantedcap, f->nwanted + 1, sizeof *f->wanted);
			f->wanted[f->nwanted++] = fds[i];
		}
	}
}

void fdnames_flush(struct fdnames *f, event_sink_fn *sink, void *ctx)
{
	struct event now = { .time_ns = clock_monotonic_ns() };

	for (size_t i = 0; i < f->nwanted; i++) {
		struct fd_entry *e = fdnames_entry(f, f->wanted[i]);
		e->queued = false;
		fdnames_lookup(f, &now, f->wanted[i], sink, ctx);
	}
	f->nwanted = 0;
}

static void fdnames_forget(struct fdnames *f, uint64_t first, uint64_t last)
{
	if (first >= f->nfds)
		return;
	last = MIN(last, f->nfds - 1);
	memset(f->fds + first, 0, (last - first + 1) * sizeof *f->fds);
}

void fdnames_exit(struct fdnames *f, const struct event *ev)
{
	const struct event_syscall *sc = &ev->syscall;
	struct pending_call p;
	uint32_t first, last;
	size_t i;

	for (i = 0; i < f->npending; i++)
		if (f->pending[i].tid == sc->tid)
			break;
	if (i == f->npending)
		return;
	p = f->pending[i];
	f->pending[i] = f->pending[--f->npending];
	if (p.nr == sc->nr && syscalls_closed_fds(p.nr, p.args, sc->ret, &first, &last))
		fdnames_forget(f, first, last);
}
