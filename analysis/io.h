/* I/O by file descriptor and by thread.  Per fd: every traced read/write-
 * family call with its bytes and time, keyed by (fd, what it named) so an
 * fd closed and reopened on another file is a new row; the call stacks
 * doing the I/O come from the sampled entry stacks, scaled.  Per thread:
 * /proc/PID/task/TID/io readings turned into rates.  Pure. */
#ifndef KPROF_IO_H
#define KPROF_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct syscall_call;

struct io_fd {
	int32_t fd;
	char name[160];           /* from EVENT_FD_NAME, or "fd N" */
	uint64_t read_bytes, write_bytes;
	uint64_t reads, writes;   /* calls */
	uint64_t read_ns, write_ns;      /* time in those calls */
	/* The part of read_bytes/write_bytes that sendfile/splice moved out of
	 * or into it: such a call is a write on its out fd (with the call's time)
	 * and a read on its in fd (bytes only), and counts here on both. */
	uint64_t sendfile_bytes, sendfile_calls;
	uint64_t errors;          /* calls that failed */
	uint64_t first_ns, last_ns;      /* entry of its first call, exit of its last */
	bool closed;
	uint64_t closed_ns;       /* when closed: the close, or the name change */
};

struct io_site {
	uint32_t row;             /* index of the io_fd */
	uint32_t stack;           /* model stack id */
	uint64_t calls, bytes, ns;
};

/* Seconds of readings the recent per-thread rates cover. */
#define IO_RECENT_SECS 5

struct io_thread {
	uint32_t tid;
	bool has_rates;           /* two readings within the last IO_RECENT_SECS */
	double rchar_per_s, wchar_per_s;            /* asked of read/write calls */
	double read_bytes_per_s, write_bytes_per_s; /* hit storage */
	/* The same from the thread's first reading to its newest. */
	bool has_run_rates;
	double run_rchar_per_s, run_wchar_per_s;
	double run_read_bytes_per_s, run_write_bytes_per_s;
	uint64_t rchar, wchar, read_bytes, write_bytes;   /* newest reading */
	uint64_t first_ns, last_ns;                       /* first and newest reading */
};

struct io;

struct io *io_new(void);
void io_free(struct io *io);
/* fd now names name (NULL: gone); the next call on it opens a new row if
 * the name differs. */
void io_set_fd_name(struct io *io, int32_t fd, const char *name, uint64_t time_ns);
/* A finished call of the read/write family, close/dup2/dup3/close_range
 * included (they end a row).  Other calls are ignored. */
void io_add_call(struct io *io, const struct syscall_call *c);
/* A /proc/PID/task/TID/io reading. */
void io_add_thread_reading(struct io *io, uint32_t tid, uint64_t time_ns, uint64_t rchar,
			   uint64_t wchar, uint64_t read_bytes, uint64_t write_bytes);
/* Rows in order of first sight.  Memory is bounded: past IO_MAX_ROWS rows
 * the least busy quarter is folded into one row with fd -1 (which is why a
 * row index is valid only while the caller holds the model). */
#define IO_MAX_ROWS 4096
size_t io_fd_count(const struct io *io);
/* Indices of every row, most bytes moved first (then most calls): the
 * order every output shows.  *rows is the caller's to free. */
size_t io_fds_by_bytes(const struct io *io, uint32_t **rows);
const struct io_fd *io_fd_at(const struct io *io, size_t i);
/* bytes (one of f's counters) per second of f's life in the run: from its
 * first call to its close, or to now_ns while open. */
double io_fd_rate(const struct io_fd *f, uint64_t bytes, uint64_t now_ns);
/* Call stacks of row (index of io_fd_at), by bytes then calls; *out is
 * the caller's to free. */
size_t io_sites(const struct io *io, uint32_t row, struct io_site **out);
size_t io_thread_count(const struct io *io);
const struct io_thread *io_thread_at(const struct io *io, size_t i);
/* A saved snapshot's rows, sites (s->row: the index of a restored row)
 * and threads as they were (--load), appended in the order given; false
 * when full or a duplicate. */
bool io_restore_fd(struct io *io, const struct io_fd *f);
bool io_restore_site(struct io *io, const struct io_site *s);
bool io_restore_thread(struct io *io, const struct io_thread *t);
size_t io_memory(const struct io *io);

#endif
