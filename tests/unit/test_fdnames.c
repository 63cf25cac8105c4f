/* The fd-name parsers: which fds a syscall uses, socket links, addresses as
 * /proc/net prints them (native-order hex words, host-order ports), the
 * tcp/udp/unix tables; and the cache against our own /proc/self/fd. */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sampler/fdnames.h"
#include "analysis/syscalls.h"

static void test_call_fds(void **state)
{
	uint64_t args[6] = { 5, 7, 9, 0, 0, 0 };
	int32_t fds[2] = { -1, -1 };

	assert_int_equal(fdnames_call_fds(SYSCALLS_WRITE, args, fds), 1);
	assert_int_equal(fds[0], 5);
	assert_int_equal(fdnames_call_fds(SYSCALLS_RECVMSG, args, fds), 1);
	assert_int_equal(fdnames_call_fds(SYSCALLS_PWRITEV2, args, fds), 1);
	/* sendfile(out_fd, in_fd, …), splice(fd_in, off_in, fd_out, …) */
	assert_int_equal(fdnames_call_fds(SYSCALLS_SENDFILE, args, fds), 2);
	assert_int_equal(fds[0], 5);
	assert_int_equal(fds[1], 7);
	assert_int_equal(fdnames_call_fds(SYSCALLS_SPLICE, args, fds), 2);
	assert_int_equal(fds[0], 5);
	assert_int_equal(fds[1], 9);
	assert_int_equal(fdnames_call_fds(SYSCALLS_FUTEX, args, fds), 0);
	assert_int_equal(fdnames_call_fds(SYSCALLS_CLOSE, args, fds), 0);
}

static void test_socket_inode(void **state)
{
	uint64_t ino = 0;

	assert_true(fdnames_socket_inode("socket:[513697]", &ino));
	assert_int_equal(ino, 513697);
	assert_false(fdnames_socket_inode("pipe:[513697]", &ino));
	assert_false(fdnames_socket_inode("socket:[]", &ino));
	assert_false(fdnames_socket_inode("socket:[12", &ino));
	assert_false(fdnames_socket_inode("/tmp/socket:[1]", &ino));
}

/* hex (a /proc/net address) formats, and as want. */
static void assert_formats_as(const char *hex, bool v6, const char *want)
{
	char buf[80];

	assert_true(fdnames_format_addr(hex, v6, buf, sizeof buf));
	assert_string_equal(buf, want);
}

static void test_format_addr(void **state)
{
	char buf[80];

	/* Little-endian host: 127.0.0.1 prints as 0100007F; ports are plain. */
	assert_formats_as("0100007F:1F90", false, "127.0.0.1:8080");
	assert_formats_as("0A00020F:C85A", false, "15.2.0.10:51290");
	assert_formats_as("00000000:0000", false, "0.0.0.0:0");
	assert_formats_as("00000000000000000000000001000000:1F90", true, "[::1]:8080");
	/* ::ffff:127.0.0.1, a v4 peer on a v6 socket */
	assert_formats_as("0000000000000000FFFF00000100007F:0050", true, "[::ffff:127.0.0.1]:80");
	/* 2001:db8::1 */
	assert_formats_as("B80D0120000000000000000001000000:01BB", true, "[2001:db8::1]:443");
	assert_false(fdnames_format_addr("0100007F", false, buf, sizeof buf));
	assert_false(fdnames_format_addr("0100007G:1F90", false, buf, sizeof buf));
	assert_false(fdnames_format_addr("0100007F:", false, buf, sizeof buf));
}

struct collected {
	uint64_t ino[8];
	char name[8][128];
	size_t n;
};

static void collect(void *ctx, uint64_t ino, const char *name)
{
	struct collected *c = ctx;

	if (c->n < 8) {
		c->ino[c->n] = ino;
		snprintf(c->name[c->n], sizeof c->name[0], "%s", name);
	}
	c->n++;
}

static void test_parse_tcp(void **state)
{
	static const char tcp[] =
		"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
		"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5001 1 0000000000000000 100 0 0 10 0\n"
		"   1: 0100007F:1F90 0100007F:C822 01 00000000:00000000 00:00000000 00000000  1000        0 5002 1 0000000000000000 20 4 30 10 -1\n"
		"   2: 0100007F:1F90 0100007F:C824 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000\n";
	static const char udp6[] =
		"  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
		"  12: 00000000000000000000000000000000:0035 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 6001 2 0000000000000000 0\n";
	struct collected c = { 0 };

	assert_int_equal(fdnames_parse_net(tcp, FDNAMES_TCP, collect, &c), 2);
	assert_int_equal(c.ino[0], 5001);
	assert_string_equal(c.name[0], "tcp 127.0.0.1:8080 (listening)");
	assert_int_equal(c.ino[1], 5002);
	assert_string_equal(c.name[1], "tcp 127.0.0.1:8080 -> 127.0.0.1:51234");
	/* The TIME_WAIT socket (inode 0) belongs to nobody. */
	memset(&c, 0, sizeof c);
	assert_int_equal(fdnames_parse_net(udp6, FDNAMES_UDP6, collect, &c), 1);
	assert_int_equal(c.ino[0], 6001);
	assert_string_equal(c.name[0], "udp6 [::]:53");
	/* Header only, and garbage. */
	assert_int_equal(fdnames_parse_net("  sl  local_address\n", FDNAMES_TCP, collect, &c), 0);
	assert_int_equal(fdnames_parse_net("", FDNAMES_TCP, collect, &c), 0);
	assert_int_equal(fdnames_parse_net("h\nnot a line\n", FDNAMES_UDP, collect, &c), 0);
}

static void test_parse_unix(void **state)
{
	static const char unx[] =
		"Num       RefCount Protocol Flags    Type St Inode Path\n"
		"0000000000000000: 00000002 00000000 00010000 0001 01 7001 /run/systemd/notify\n"
		"0000000000000000: 00000003 00000000 00000000 0001 03 7002\n"
		"0000000000000000: 00000002 00000000 00010000 0001 01 7003 @/tmp/.X11-unix/X0\n";
	struct collected c = { 0 };

	assert_int_equal(fdnames_parse_net(unx, FDNAMES_UNIX, collect, &c), 3);
	assert_string_equal(c.name[0], "unix /run/systemd/notify");
	assert_int_equal(c.ino[1], 7002);
	assert_string_equal(c.name[1], "unix:[7002]");
	assert_string_equal(c.name[2], "unix @/tmp/.X11-unix/X0");
}

/* The cache, against our own fds. */
struct seen {
	int n;
	int32_t fd;
	char name[256];
	bool null;
};

static void sink(void *ctx, const struct event *ev)
{
	struct seen *s = ctx;

	assert_int_equal(ev->kind, EVENT_FD_NAME);
	s->n++;
	s->fd = ev->fd_name.fd;
	s->null = !ev->fd_name.name;
	snprintf(s->name, sizeof s->name, "%s", ev->fd_name.name ? ev->fd_name.name : "");
}

static struct event call(int32_t nr, uint64_t a0, uint64_t a1, bool exit, int64_t ret)
{
	struct event ev = { .kind = exit ? EVENT_SYSCALL_EXIT : EVENT_SYSCALL_ENTER };

	ev.syscall = (struct event_syscall){ (uint32_t)getpid(), (uint32_t)getpid(), nr,
					     { a0, a1, 0, 0, 0, 0 }, ret };
	return ev;
}

/* Names are read when the drain ends: a call's fd that is closed later in
 * the same drain gets no name (what holds the number by then is another
 * file), and one fd used many times in a drain is read once. */
static void test_flush(void **state)
{
	struct fdnames *f = fdnames_new(getpid());
	struct seen s = { 0 };
	struct event ev;
	int fd = open("/dev/null", O_WRONLY);

	(void)state;
	assert_true(fd >= 0);
	ev = call(SYSCALLS_WRITE, (uint64_t)fd, 0, false, 0);
	fdnames_enter(f, &ev);
	fdnames_enter(f, &ev);
	assert_int_equal(s.n, 0);
	ev = call(SYSCALLS_CLOSE, (uint64_t)fd, 0, false, 0);
	fdnames_enter(f, &ev);
	ev = call(SYSCALLS_CLOSE, 0, 0, true, 0);
	fdnames_exit(f, &ev);
	fdnames_flush(f, sink, &s);
	assert_int_equal(s.n, 0);
	/* Used again after the close, still open at the end: named once. */
	ev = call(SYSCALLS_WRITE, (uint64_t)fd, 0, false, 0);
	for (int i = 0; i < 3; i++)
		fdnames_enter(f, &ev);
	fdnames_flush(f, sink, &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.name, "/dev/null");
	close(fd);
	fdnames_free(f);
}

static void test_cache(void **state)
{
	struct fdnames *f = fdnames_new(getpid());
	struct seen s = { 0 };
	struct event ev;
	int fd = open("/dev/null", O_WRONLY), p[2];

	assert_true(fd >= 0);
	assert_int_equal(pipe(p), 0);
	ev = call(SYSCALLS_WRITE, (uint64_t)fd, 0, false, 0);
	fdnames_enter(f, &ev);
	fdnames_flush(f, sink, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.fd, fd);
	assert_string_equal(s.name, "/dev/null");
	fdnames_enter(f, &ev);   /* cached */
	fdnames_flush(f, sink, &s);
	assert_int_equal(s.n, 1);

	/* dup2(pipe, fd) succeeds: the next write re-reads fd. */
	ev = call(SYSCALLS_DUP2, (uint64_t)p[1], (uint64_t)fd, false, 0);
	fdnames_enter(f, &ev);
	assert_int_equal(dup2(p[1], fd), fd);
	ev = call(SYSCALLS_DUP2, 0, 0, true, fd);
	fdnames_exit(f, &ev);
	ev = call(SYSCALLS_WRITE, (uint64_t)fd, 0, false, 0);
	fdnames_enter(f, &ev);
	fdnames_flush(f, sink, &s);
	assert_int_equal(s.n, 2);
	assert_non_null(strstr(s.name, "pipe:["));

	/* A failed close changes nothing. */
	ev = call(SYSCALLS_CLOSE, (uint64_t)fd, 0, false, 0);
	fdnames_enter(f, &ev);
	ev = call(SYSCALLS_CLOSE, 0, 0, true, -9);
	fdnames_exit(f, &ev);
	ev = call(SYSCALLS_WRITE, (uint64_t)fd, 0, false, 0);
	fdnames_enter(f, &ev);
	fdnames_flush(f, sink, &s);
	assert_int_equal(s.n, 2);

	/* close_range over it, then a call on the now closed fd: name NULL,
	 * once. */
	ev = call(SYSCALLS_CLOSE_RANGE, (uint64_t)fd, (uint64_t)fd, false, 0);
	fdnames_enter(f, &ev);
	close(fd);
	ev = call(SYSCALLS_CLOSE_RANGE, 0, 0, true, 0);
	fdnames_exit(f, &ev);
	ev = call(SYSCALLS_READ, (uint64_t)fd, 0, false, 0);
	fdnames_enter(f, &ev);
	fdnames_flush(f, sink, &s);
	assert_int_equal(s.n, 3);
	assert_true(s.null);
	fdnames_enter(f, &ev);
	fdnames_flush(f, sink, &s);
	assert_int_equal(s.n, 3);

	/* Calls without fds, and absurd fds, are passed over. */
	ev = call(SYSCALLS_FUTEX, 0x1000, 0, false, 0);
	fdnames_enter(f, &ev);
	ev = call(SYSCALLS_WRITE, (uint64_t)-1, 0, false, 0);
	fdnames_enter(f, &ev);
	assert_int_equal(s.n, 3);
	close(p[0]);
	close(p[1]);
	fdnames_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_call_fds),
		cmocka_unit_test(test_socket_inode),
		cmocka_unit_test(test_format_addr),
		cmocka_unit_test(test_parse_tcp),
		cmocka_unit_test(test_parse_unix),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_flush),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
