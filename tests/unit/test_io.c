/* Per-fd and per-thread I/O from synthetic calls: read/write families,
 * errors, a reused fd starting a new row (after close, dup2, close_range
 * or a new name), sendfile/splice accounting, sites scaled by weight, rates
 * over a row's life, per-thread rates from readings, and the row cap. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "analysis/io.h"
#include "analysis/syscalls.h"

#define MS 1000000ULL
#define SEC 1000000000ULL

static void call(struct io *io, int32_t nr, uint64_t a0, uint64_t a1, uint64_t a2, int64_t ret,
		 uint64_t from, uint64_t ns)
{
	struct syscall_call c = {
		.tid = 1, .nr = nr, .args = { a0, a1, a2 }, .ret = ret,
		.enter_ns = from, .exit_ns = from + ns, .stack = SYSCALLS_NO_STACK,
	};
	io_add_call(io, &c);
}

static const struct io_fd *row_named(const struct io *io, const char *name, int nth)
{
	for (size_t i = 0; i < io_fd_count(io); i++)
		if (!strcmp(io_fd_at(io, i)->name, name) && nth-- == 0)
			return io_fd_at(io, i);
	return NULL;
}

static void test_families(void **state)
{
	struct io *io = io_new();
	const int32_t reads[] = { SYSCALLS_READ, SYSCALLS_PREAD64, SYSCALLS_READV, SYSCALLS_PREADV,
				  SYSCALLS_PREADV2, SYSCALLS_RECVFROM, SYSCALLS_RECVMSG };
	const int32_t writes[] = { SYSCALLS_WRITE, SYSCALLS_PWRITE64, SYSCALLS_WRITEV,
				   SYSCALLS_PWRITEV, SYSCALLS_PWRITEV2, SYSCALLS_SENDTO,
				   SYSCALLS_SENDMSG };

	io_set_fd_name(io, 3, "/var/log/x", 0);
	for (size_t i = 0; i < 7; i++)
		call(io, reads[i], 3, 0, 0, 100, i * MS, MS);
	for (size_t i = 0; i < 7; i++)
		call(io, writes[i], 3, 0, 0, 10, (10 + i) * MS, 2 * MS);
	call(io, SYSCALLS_READ, 3, 0, 0, 0, 20 * MS, MS);            /* EOF */
	call(io, SYSCALLS_WRITE, 3, 0, 0, -EAGAIN, 21 * MS, MS);     /* failed */
	call(io, SYSCALLS_FUTEX, 3, 0, 0, 0, 22 * MS, MS);           /* not I/O */
	assert_int_equal(io_fd_count(io), 1);
	const struct io_fd *f = io_fd_at(io, 0);
	assert_int_equal(f->fd, 3);
	assert_string_equal(f->name, "/var/log/x");
	assert_int_equal(f->reads, 8);
	assert_int_equal(f->read_bytes, 700);
	assert_int_equal(f->read_ns, 8 * MS);
	assert_int_equal(f->writes, 8);
	assert_int_equal(f->write_bytes, 70);
	assert_int_equal(f->write_ns, 15 * MS);
	assert_int_equal(f->errors, 1);
	assert_false(f->closed);
	/* Over its life so far: first call at 0, now 100 ms. */
	double r = io_fd_rate(f, f->read_bytes, 100 * MS);
	assert_true(r > 6999.99 && r < 7000.01);
	io_free(io);
}

static void test_reused_fd(void **state)
{
	struct io *io = io_new();

	/* fd 4: a file, closed, then a socket on the same number. */
	io_set_fd_name(io, 4, "/data/a", 0);
	call(io, SYSCALLS_READ, 4, 0, 0, 1000, 0, MS);
	call(io, SYSCALLS_CLOSE, 4, 0, 0, 0, 2 * MS, 1000);
	io_set_fd_name(io, 4, "socket:[77]", 3 * MS);
	call(io, SYSCALLS_WRITE, 4, 0, 0, 50, 3 * MS, MS);
	/* fd 5 replaced by dup2(4, 5): a new row, even with the same name. */
	io_set_fd_name(io, 5, "/data/b", 0);
	call(io, SYSCALLS_READ, 5, 0, 0, 10, 4 * MS, MS);
	call(io, SYSCALLS_DUP2, 4, 5, 0, 5, 5 * MS, 1000);
	call(io, SYSCALLS_READ, 5, 0, 0, 20, 6 * MS, MS);
	/* A failed dup3 replaces nothing. */
	call(io, SYSCALLS_DUP3, 4, 5, 0, -EBADF, 7 * MS, 1000);
	call(io, SYSCALLS_READ, 5, 0, 0, 30, 8 * MS, MS);
	/* fd 6 renamed under us (the close was not seen): a new row. */
	io_set_fd_name(io, 6, "/data/c", 0);
	call(io, SYSCALLS_READ, 6, 0, 0, 1, 9 * MS, MS);
	io_set_fd_name(io, 6, "/data/d", 10 * MS);
	call(io, SYSCALLS_READ, 6, 0, 0, 2, 11 * MS, MS);
	/* The same name again keeps the row. */
	io_set_fd_name(io, 6, "/data/d", 12 * MS);
	call(io, SYSCALLS_READ, 6, 0, 0, 3, 13 * MS, MS);
	/* close_range(5, ~0U, 0) ends 5 and 6; with CLOSE_RANGE_CLOEXEC nothing. */
	call(io, SYSCALLS_CLOSE_RANGE, 5, UINT32_MAX, 4, 0, 14 * MS, 1000);
	call(io, SYSCALLS_READ, 6, 0, 0, 4, 15 * MS, MS);
	call(io, SYSCALLS_CLOSE_RANGE, 5, UINT32_MAX, 0, 0, 16 * MS, 1000);
	call(io, SYSCALLS_READ, 6, 0, 0, 5, 17 * MS, MS);
	/* A name that came after the first calls adopts the row. */
	call(io, SYSCALLS_READ, 9, 0, 0, 5, 18 * MS, MS);
	io_set_fd_name(io, 9, "pipe:[12]", 19 * MS);

	const struct io_fd *a = row_named(io, "/data/a", 0);
	assert_non_null(a);
	assert_true(a->closed);
	assert_int_equal(a->closed_ns, 2 * MS + 1000);
	assert_int_equal(a->read_bytes, 1000);
	const struct io_fd *s = row_named(io, "socket:[77]", 0);
	assert_non_null(s);
	assert_int_equal(s->write_bytes, 50);
	assert_int_equal(s->read_bytes, 0);
	assert_false(s->closed);
	const struct io_fd *b0 = row_named(io, "/data/b", 0);
	assert_true(b0->closed);
	assert_int_equal(b0->read_bytes, 10);
	/* After dup2 fd 5 has no name of its own until the sampler sends one. */
	const struct io_fd *b1 = row_named(io, "fd 5 (closed before it was named)", 0);
	assert_non_null(b1);
	assert_int_equal(b1->read_bytes, 50);
	assert_true(b1->closed);
	assert_int_equal(row_named(io, "/data/c", 0)->read_bytes, 1);
	assert_true(row_named(io, "/data/c", 0)->closed);
	const struct io_fd *d = row_named(io, "/data/d", 0);
	assert_int_equal(d->read_bytes, 2 + 3 + 4);
	assert_true(d->closed);
	const struct io_fd *after = row_named(io, "fd 6", 0);
	assert_non_null(after);
	assert_int_equal(after->read_bytes, 5);
	assert_non_null(row_named(io, "pipe:[12]", 0));
	assert_int_equal(io_fd_count(io), 8);
	io_free(io);
}

/* open/write/close loops the sampler could not name: their lives of fd 7
 * pool into one row instead of a row per file, and a name that arrives
 * for a later life starts its own row. */
static void test_short_lived(void **state)
{
	struct io *io = io_new();

	(void)state;
	for (int i = 0; i < 100; i++) {
		call(io, SYSCALLS_WRITE, 7, 0, 4096, 4096, (uint64_t)i * 10 * MS, MS);
		call(io, SYSCALLS_CLOSE, 7, 0, 0, 0, (uint64_t)i * 10 * MS + 2 * MS, 1000);
	}
	assert_int_equal(io_fd_count(io), 1);
	const struct io_fd *pool = row_named(io, "fd 7 (closed before it was named)", 0);
	assert_non_null(pool);
	assert_int_equal(pool->write_bytes, 100 * 4096);
	assert_int_equal(pool->writes, 100);
	assert_true(pool->closed);
	/* A life the sampler named: the pooled calls are not that file's. */
	call(io, SYSCALLS_WRITE, 7, 0, 10, 10, 2 * SEC, MS);
	io_set_fd_name(io, 7, "/var/log/x", 2 * SEC + 2 * MS);
	call(io, SYSCALLS_WRITE, 7, 0, 20, 20, 3 * SEC, MS);
	const struct io_fd *named = row_named(io, "/var/log/x", 0);
	assert_non_null(named);
	assert_int_equal(named->write_bytes, 20);
	assert_int_equal(row_named(io, "fd 7 (closed before it was named)", 0)->write_bytes,
			 100 * 4096 + 10);
	/* A socket first known by inode, then by address: one row, renamed. */
	io_set_fd_name(io, 11, "socket:[991]", 4 * SEC);
	call(io, SYSCALLS_SENDTO, 11, 0, 0, 100, 4 * SEC, MS);
	io_set_fd_name(io, 11, "tcp 127.0.0.1:80 -> 127.0.0.1:5000", 5 * SEC);
	call(io, SYSCALLS_SENDTO, 11, 0, 0, 50, 5 * SEC, MS);
	const struct io_fd *sock = row_named(io, "tcp 127.0.0.1:80 -> 127.0.0.1:5000", 0);
	assert_non_null(sock);
	assert_int_equal(sock->write_bytes, 150);
	assert_false(sock->closed);
	assert_null(row_named(io, "socket:[991]", 0));
	io_free(io);
}

static void test_sendfile_splice(void **state)
{
	struct io *io = io_new();

	io_set_fd_name(io, 7, "/srv/file", 0);
	io_set_fd_name(io, 8, "socket:[9]", 0);
	io_set_fd_name(io, 10, "pipe:[1]", 0);
	/* sendfile(out 8, in 7): 64 KiB. */
	call(io, SYSCALLS_SENDFILE, 8, 7, 0, 65536, 0, 3 * MS);
	/* splice(in 7, off, out 10): 4 KiB, then a failure. */
	call(io, SYSCALLS_SPLICE, 7, 0, 10, 4096, 5 * MS, MS);
	call(io, SYSCALLS_SPLICE, 7, 0, 10, -EINVAL, 7 * MS, MS);
	const struct io_fd *file = row_named(io, "/srv/file", 0);
	const struct io_fd *sock = row_named(io, "socket:[9]", 0);
	const struct io_fd *pipe = row_named(io, "pipe:[1]", 0);
	assert_int_equal(sock->write_bytes, 65536);
	assert_int_equal(sock->writes, 1);
	assert_int_equal(sock->write_ns, 3 * MS);
	assert_int_equal(sock->sendfile_bytes, 65536);
	assert_int_equal(sock->sendfile_calls, 1);
	assert_int_equal(sock->read_bytes, 0);
	/* The source counts the bytes read, not the call's time. */
	assert_int_equal(file->read_bytes, 65536 + 4096);
	assert_int_equal(file->reads, 3);
	assert_int_equal(file->read_ns, 0);
	assert_int_equal(file->sendfile_bytes, 65536 + 4096);
	assert_int_equal(file->sendfile_calls, 3);
	assert_int_equal(file->errors, 0);
	assert_int_equal(pipe->write_bytes, 4096);
	assert_int_equal(pipe->sendfile_calls, 2);
	assert_int_equal(pipe->errors, 1);
	assert_int_equal(pipe->write_ns, 2 * MS);
	io_free(io);
}

/* One call site as io_sites lists it: its stack, calls, bytes and time. */
static void assert_io_site(const struct io_site *s, uint32_t stack, uint64_t calls,
			   uint64_t bytes, uint64_t ns)
{
	assert_int_equal(s->stack, stack);
	assert_int_equal(s->calls, calls);
	assert_int_equal(s->bytes, bytes);
	assert_int_equal(s->ns, ns);
}

static void test_sites(void **state)
{
	struct io *io = io_new();
	struct io_site *sites;

	/* Stacks on every 8th call: 2 sampled writes of 100 B stand for 16,
	 * 1 sampled read for 8. */
	for (int i = 0; i < 24; i++) {
		struct syscall_call c = {
			.tid = 1, .nr = i < 16 ? SYSCALLS_WRITE : SYSCALLS_READ, .args = { 3 },
			.ret = 100, .enter_ns = (uint64_t)i * MS, .exit_ns = (uint64_t)i * MS + 1000,
			.stack = i % 8 ? SYSCALLS_NO_STACK : (i < 16 ? 5 : 6), .stack_weight = 8,
		};
		io_add_call(io, &c);
	}
	assert_int_equal(io_sites(io, 0, &sites), 2);
	assert_io_site(&sites[0], 5, 16, 1600, 16 * 1000);
	assert_io_site(&sites[1], 6, 8, 800, 8 * 1000);
	free(sites);
	assert_int_equal(io_sites(io, 1, &sites), 0);
	free(sites);
	io_free(io);
}

static void test_thread_rates(void **state)
{
	struct io *io = io_new();

	/* Thread 1 reads 1000 B/s for 10 s, then 5000 B/s for 5 s; writes
	 * 100 B/s to storage throughout.  Thread 2 has one reading. */
	uint64_t rchar = 0;
	for (uint64_t s = 0; s <= 15; s++) {
		io_add_thread_reading(io, 1, s * SEC, rchar, 2 * rchar, 0, s * 100);
		rchar += s < 10 ? 1000 : 5000;
	}
	io_add_thread_reading(io, 2, 3 * SEC, 10, 10, 0, 0);
	assert_int_equal(io_thread_count(io), 2);
	const struct io_thread *t = io_thread_at(io, 0);
	assert_int_equal(t->tid, 1);
	assert_true(t->has_rates && t->has_run_rates);
	assert_true(t->rchar_per_s > 4999.99 && t->rchar_per_s < 5000.01);
	assert_true(t->wchar_per_s > 9999.99 && t->wchar_per_s < 10000.01);
	double run = (10 * 1000.0 + 5 * 5000.0) / 15;
	assert_true(t->run_rchar_per_s > run - 0.01 && t->run_rchar_per_s < run + 0.01);
	assert_true(t->write_bytes_per_s > 99.99 && t->write_bytes_per_s < 100.01);
	assert_true(t->run_write_bytes_per_s > 99.99 && t->run_write_bytes_per_s < 100.01);
	assert_int_equal(t->last_ns, 15 * SEC);
	const struct io_thread *t2 = io_thread_at(io, 1);
	assert_false(t2->has_rates);
	assert_false(t2->has_run_rates);
	assert_int_equal(t2->rchar, 10);
	io_free(io);
}

static void test_cap(void **state)
{
	struct io *io = io_new();
	uint64_t bytes = 0, sum = 0;
	char name[32];

	/* A server opening 20 000 short connections, each read once, beside
	 * one busy log file. */
	io_set_fd_name(io, 3, "/var/log/busy", 0);
	for (int i = 0; i < 20000; i++) {
		snprintf(name, sizeof name, "socket:[%d]", i);
		io_set_fd_name(io, 10 + i % 50, name, (uint64_t)i * MS);
		call(io, SYSCALLS_READ, 10 + (uint64_t)(i % 50), 0, 0, 10, (uint64_t)i * MS, 1000);
		call(io, SYSCALLS_CLOSE, 10 + (uint64_t)(i % 50), 0, 0, 0, (uint64_t)i * MS + 2000, 1000);
		call(io, SYSCALLS_WRITE, 3, 0, 0, 1000, (uint64_t)i * MS + 5000, 1000);
		bytes += 1010;
	}
	assert_true(io_fd_count(io) <= IO_MAX_ROWS);
	for (size_t i = 0; i < io_fd_count(io); i++)
		sum += io_fd_at(io, i)->read_bytes + io_fd_at(io, i)->write_bytes;
	assert_int_equal(sum, bytes);
	const struct io_fd *busy = row_named(io, "/var/log/busy", 0);
	assert_non_null(busy);
	assert_int_equal(busy->write_bytes, 20000 * 1000);
	assert_non_null(row_named(io, "(other fds)", 0));
	assert_int_equal(row_named(io, "(other fds)", 0)->fd, -1);
	assert_null(row_named(io, "(other fds)", 1));
	/* The newest connection is still its own row. */
	assert_non_null(row_named(io, "socket:[19999]", 0));
	assert_true(io_memory(io) < 8 << 20);
	io_free(io);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_reused_fd),
		cmocka_unit_test(test_short_lived),
		cmocka_unit_test(test_sendfile_splice),
		cmocka_unit_test(test_sites),
		cmocka_unit_test(test_thread_rates),
		cmocka_unit_test(test_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
