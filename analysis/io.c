/* I/O by fd and by thread (see io.h).  Rows are kept in order of first
 * sight; an fd maps to its open row until a close, a dup over it or a new
 * name ends that row, so a reused fd number starts a new one.  Memory is
 * bounded: IO_MAX_ROWS rows (then the least busy quarter is folded into a
 * single "(other fds)" row, fd -1, whose totals keep the run's sums exact),
 * IO_MAX_SITES call sites (a new site past that counts in its row only) and
 * IO_MAX_THREADS threads (the one read longest ago makes room). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "syscalls.h"
#include "u64map.h"
#include "usage.h"
#include "../common/xalloc.h"

#define IO_FOLD_ROWS   (IO_MAX_ROWS / 4)
#define IO_MAX_SITES   16384
#define IO_MAX_THREADS 4096
#define IO_MAX_NAMES   65536
#define IO_OTHER_FD    (-1)

struct io_row {
	struct io_fd f;
	bool named;               /* f.name came from EVENT_FD_NAME */
	bool pooled;              /* holds calls of several unnamed lives of the fd */
};

struct io_name {
	int32_t fd;
	char name[sizeof ((struct io_fd *)0)->name];
};

struct io_thread_entry {
	struct io_thread t;
	struct usage *readings;   /* the last IO_RECENT_SECS s, and the run's first */
};

struct io {
	struct io_row *rows;
	size_t nrows, rows_cap;
	uint32_t other;           /* the fold row, or U64MAP_NONE */
	struct u64map open;       /* fd → its open row */
	struct u64map unnamed;    /* fd → its last row closed before it was named */
	struct io_name *names;    /* what each fd names now */
	size_t nnames, names_cap;
	struct u64map by_name;    /* fd → names index */
	struct io_site *sites;
	size_t nsites, sites_cap;
	struct u64map by_site;    /* (row, stack) → site */
	struct io_thread_entry *threads;
	size_t nthreads, threads_cap;
	struct u64map by_tid;
};

enum io_dir { IO_READ, IO_WRITE };

struct io *io_new(void)
{
	struct io *io = xcalloc(1, sizeof *io);

	io->other = U64MAP_NONE;
	return io;
}

void io_free(struct io *io)
{
	if (!io)
		return;
	for (size_t i = 0; i < io->nthreads; i++)
		usage_free(io->threads[i].readings);
	free(io->rows);
	free(io->names);
	free(io->sites);
	free(io->threads);
	u64map_fini(&io->open);
	u64map_fini(&io->unnamed);
	u64map_fini(&io->by_name);
	u64map_fini(&io->by_site);
	u64map_fini(&io->by_tid);
	free(io);
}

/* fd numbers are small non-negative ints; keys are their bit pattern. */
static uint64_t io_fd_key(int32_t fd)
{
	return (uint32_t)fd;
}

static const char *io_name_of(const struct io *io, int32_t fd)
{
	uint32_t i = u64map_get(&io->by_name, io_fd_key(fd));

	return i == U64MAP_NONE ? NULL : io->names[i].name;
}

static void io_forget_name(struct io *io, int32_t fd)
{
	uint32_t i = u64map_get(&io->by_name, io_fd_key(fd));

	if (i == U64MAP_NONE)
		return;
	u64map_del(&io->by_name, io_fd_key(fd));
	if (i + 1 < io->nnames) {
		io->names[i] = io->names[io->nnames - 1];
		u64map_put(&io->by_name, io_fd_key(io->names[i].fd), i);
	}
	io->nnames--;
}

static void io_close_row(struct io *io, int32_t fd, uint64_t time_ns)
{
	uint32_t r = u64map_get(&io->open, io_fd_key(fd));

	if (r == U64MAP_NONE)
		return;
	io->rows[r].f.closed = true;
	io->rows[r].f.closed_ns = time_ns;
	u64map_del(&io->open, io_fd_key(fd));
	/* Opened, used and closed between two looks of the sampler: its name
	 * was never known.  Later such lives of the fd pool into this row, so
	 * a loop of open/write/close makes one row, not one per file. */
	if (!io->rows[r].named) {
		snprintf(io->rows[r].f.name, sizeof io->rows[r].f.name,
			 "fd %d (closed before it was named)", fd);
		u64map_put(&io->unnamed, io_fd_key(fd), r);
	}
}

void io_set_fd_name(struct io *io, int32_t fd, const char *name, uint64_t time_ns)
{
	uint32_t r = u64map_get(&io->open, io_fd_key(fd));

	if (!name) {
		io_close_row(io, fd, time_ns);
		io_forget_name(io, fd);
		return;
	}
	if (r != U64MAP_NONE) {
		struct io_row *row = &io->rows[r];
		if (row->pooled) {
			/* Its earlier calls were other files': the name starts a row. */
			io_close_row(io, fd, time_ns);
		} else if (!row->named || strncmp(row->f.name, "socket:[", 8) == 0) {
			/* Its calls came before the name (most likely the same
			 * file), or a socket the sampler has now found in
			 * /proc/PID/net: the same fd, better named. */
			snprintf(row->f.name, sizeof row->f.name, "%s", name);
			row->named = true;
		} else if (strcmp(row->f.name, name) != 0) {
			io_close_row(io, fd, time_ns);
		}
	}
	uint32_t i = u64map_get(&io->by_name, io_fd_key(fd));
	if (i == U64MAP_NONE) {
		if (io->nnames >= IO_MAX_NAMES)
			return;
		xgrow(&io->names, &io->names_cap, io->nnames + 1, sizeof *io->names);
		i = (uint32_t)io->nnames++;
		io->names[i].fd = fd;
		u64map_put(&io->by_name, io_fd_key(fd), i);
	}
	snprintf(io->names[i].name, sizeof io->names[i].name, "%s", name);
}

static uint64_t io_busy(const struct io_fd *f)
{
	return f->read_bytes + f->write_bytes + f->reads + f->writes;
}

struct io_fold_key {
	uint64_t busy;
	bool closed;
	uint32_t row;
};

/* Least busy first; among equals, closed rows go before open ones. */
static int io_fold_cmp(const void *a, const void *b)
{
	const struct io_fold_key *x = a, *y = b;

	if (x->busy != y->busy)
		return x->busy < y->busy ? -1 : 1;
	if (x->closed != y->closed)
		return x->closed ? -1 : 1;
	return (x->row > y->row) - (x->row < y->row);
}

static void io_fold_into(struct io_fd *o, const struct io_fd *f)
{
	o->read_bytes += f->read_bytes;
	o->write_bytes += f->write_bytes;
	o->reads += f->reads;
	o->writes += f->writes;
	o->read_ns += f->read_ns;
	o->write_ns += f->write_ns;
	o->sendfile_bytes += f->sendfile_bytes;
	o->sendfile_calls += f->sendfile_calls;
	o->errors += f->errors;
	if (f->first_ns && (!o->first_ns || f->first_ns < o->first_ns))
		o->first_ns = f->first_ns;
	if (f->last_ns > o->last_ns)
		o->last_ns = f->last_ns;
}

/* Table full: fold the least busy quarter of the rows into the fold row
 * and compact, renumbering sites.  Amortised over IO_FOLD_ROWS new rows, so
 * an fd churn of thousands a second costs a sort now and then. */
static void io_fold(struct io *io)
{
	struct io_fold_key *order = xmalloc(io->nrows * sizeof *order);
	uint32_t *remap = xmalloc(io->nrows * sizeof *remap);
	size_t n = 0, nfold = 0;

	for (size_t i = 0; i < io->nrows; i++)
		if (i != io->other)
			order[n++] = (struct io_fold_key){ .busy = io_busy(&io->rows[i].f),
				.closed = io->rows[i].f.closed, .row = (uint32_t)i };
	qsort(order, n, sizeof *order, io_fold_cmp);
	for (size_t i = 0; i < io->nrows; i++)
		remap[i] = (uint32_t)i;
	if (io->other == U64MAP_NONE) {
		/* The least busy row's slot becomes the fold row. */
		io->other = order[nfold++].row;
		struct io_row *o = &io->rows[io->other];
		struct io_fd keep = o->f;
		o->f = (struct io_fd){ .fd = IO_OTHER_FD };
		snprintf(o->f.name, sizeof o->f.name, "(other fds)");
		o->named = true;
		io_fold_into(&o->f, &keep);
	}
	for (; nfold < IO_FOLD_ROWS && nfold < n; nfold++) {
		io_fold_into(&io->rows[io->other].f, &io->rows[order[nfold].row].f);
		remap[order[nfold].row] = U64MAP_NONE;
	}
	free(order);
	/* Folded open fds lose their row: their next call starts a new one. */

	size_t w = 0;
	for (size_t i = 0; i < io->nrows; i++) {
		if (remap[i] == U64MAP_NONE)
			continue;
		io->rows[w] = io->rows[i];
		remap[i] = (uint32_t)w++;
	}
	for (size_t i = 0; i < io->nrows; i++)
		if (remap[i] == U64MAP_NONE)
			remap[i] = remap[io->other];
	io->other = remap[io->other];
	io->nrows = w;
	u64map_clear(&io->open);
	u64map_clear(&io->unnamed);   /* rows moved: a pool just starts again */
	for (size_t i = 0; i < io->nrows; i++)
		if (!io->rows[i].f.closed && (uint32_t)i != io->other)
			u64map_put(&io->open, io_fd_key(io->rows[i].f.fd), (uint32_t)i);

	/* Sites of folded rows merge into the fold row's, by stack. */
	size_t ns = 0;
	u64map_clear(&io->by_site);
	for (size_t i = 0; i < io->nsites; i++) {
		struct io_site s = io->sites[i];
		s.row = remap[s.row];
		uint64_t key = u64map_pair(s.row, s.stack);
		uint32_t j = u64map_get(&io->by_site, key);
		if (j == U64MAP_NONE) {
			io->sites[ns] = s;
			u64map_put(&io->by_site, key, (uint32_t)ns++);
		} else {
			io->sites[j].calls += s.calls;
			io->sites[j].bytes += s.bytes;
			io->sites[j].ns += s.ns;
		}
	}
	io->nsites = ns;
	free(remap);
}

static struct io_row *io_row(struct io *io, int32_t fd, uint64_t time_ns)
{
	uint32_t r = u64map_get(&io->open, io_fd_key(fd));
	const char *name;

	if (r != U64MAP_NONE)
		return &io->rows[r];
	name = io_name_of(io, fd);
	r = u64map_get(&io->unnamed, io_fd_key(fd));
	if (!name && r != U64MAP_NONE) {
		io->rows[r].f.closed = false;
		io->rows[r].pooled = true;
		u64map_del(&io->unnamed, io_fd_key(fd));
		u64map_put(&io->open, io_fd_key(fd), r);
		return &io->rows[r];
	}
	if (io->nrows >= IO_MAX_ROWS) {
		io_fold(io);
		name = io_name_of(io, fd);
	}
	xgrow(&io->rows, &io->rows_cap, io->nrows + 1, sizeof *io->rows);
	struct io_row *row = &io->rows[io->nrows];
	*row = (struct io_row){ .f = { .fd = fd, .first_ns = time_ns } };
	row->named = name != NULL;
	if (name)
		snprintf(row->f.name, sizeof row->f.name, "%s", name);
	else
		snprintf(row->f.name, sizeof row->f.name, "fd %d", fd);
	u64map_put(&io->open, io_fd_key(fd), (uint32_t)io->nrows);
	return &io->rows[io->nrows++];
}

static void io_site_add(struct io *io, const struct io_row *row, const struct syscall_call *c,
			uint64_t bytes)
{
	uint32_t r = (uint32_t)(row - io->rows);
	uint64_t key = u64map_pair(r, c->stack), w = c->stack_weight ? c->stack_weight : 1;
	uint32_t s;

	if (c->stack == SYSCALLS_NO_STACK)
		return;
	s = u64map_get(&io->by_site, key);
	if (s == U64MAP_NONE) {
		if (io->nsites >= IO_MAX_SITES)
			return;
		xgrow(&io->sites, &io->sites_cap, io->nsites + 1, sizeof *io->sites);
		s = (uint32_t)io->nsites++;
		io->sites[s] = (struct io_site){ .row = r, .stack = c->stack };
		u64map_put(&io->by_site, key, s);
	}
	io->sites[s].calls += w;
	io->sites[s].bytes += bytes * w;
	io->sites[s].ns += (c->exit_ns - c->enter_ns) * w;
}

/* One read or write on fd; ns is the time to charge (0 when another row
 * already has this call's time). */
static struct io_row *io_transfer(struct io *io, const struct syscall_call *c, int32_t fd,
				  enum io_dir dir, uint64_t ns)
{
	uint64_t bytes = c->ret > 0 ? (uint64_t)c->ret : 0;
	struct io_row *row;

	if (fd < 0)
		return NULL;
	row = io_row(io, fd, c->enter_ns);
	if (dir == IO_READ) {
		row->f.reads++;
		row->f.read_bytes += bytes;
		row->f.read_ns += ns;
	} else {
		row->f.writes++;
		row->f.write_bytes += bytes;
		row->f.write_ns += ns;
	}
	if (c->exit_ns > row->f.last_ns)
		row->f.last_ns = c->exit_ns;
	return row;
}

/* sendfile/splice move bytes from in_fd to out_fd inside the kernel: one
 * write on out_fd (with the call's time, errors and stack) and one read on
 * in_fd (bytes only), both also counted as zero-copy. */
static void io_zero_copy(struct io *io, const struct syscall_call *c, int32_t out_fd,
			 int32_t in_fd)
{
	uint64_t bytes = c->ret > 0 ? (uint64_t)c->ret : 0;
	struct io_row *in = io_transfer(io, c, in_fd, IO_READ, 0);
	if (in) {
		in->f.sendfile_bytes += bytes;
		in->f.sendfile_calls++;
	}
	/* Asking for a row may fold and move rows: done with in before out. */
	struct io_row *out = io_transfer(io, c, out_fd, IO_WRITE, c->exit_ns - c->enter_ns);
	if (!out)
		return;
	out->f.sendfile_bytes += bytes;
	out->f.sendfile_calls++;
	if (c->ret < 0)
		out->f.errors++;
	io_site_add(io, out, c, bytes);
}

static void io_close_fd(struct io *io, int32_t fd, uint64_t time_ns)
{
	io_close_row(io, fd, time_ns);
	io_forget_name(io, fd);
}

static void io_close_range(struct io *io, uint64_t first, uint64_t last, uint64_t time_ns)
{
	for (size_t i = 0; i < io->nrows; i++) {
		const struct io_fd *f = &io->rows[i].f;
		if (!f->closed && f->fd >= 0 && (uint64_t)f->fd >= first && (uint64_t)f->fd <= last &&
		    (uint32_t)i != io->other)
			io_close_row(io, f->fd, time_ns);
	}
	for (size_t i = io->nnames; i-- > 0;)
		if (io->names[i].fd >= 0 && (uint64_t)io->names[i].fd >= first &&
		    (uint64_t)io->names[i].fd <= last)
			io_forget_name(io, io->names[i].fd);
}

void io_add_call(struct io *io, const struct syscall_call *c)
{
	int32_t fd = (int32_t)c->args[0];
	struct io_row *row = NULL;

	switch (c->nr) {
	case SYSCALLS_READ: case SYSCALLS_PREAD64: case SYSCALLS_READV: case SYSCALLS_PREADV:
	case SYSCALLS_PREADV2: case SYSCALLS_RECVFROM: case SYSCALLS_RECVMSG:
		row = io_transfer(io, c, fd, IO_READ, c->exit_ns - c->enter_ns);
		break;
	case SYSCALLS_WRITE: case SYSCALLS_PWRITE64: case SYSCALLS_WRITEV: case SYSCALLS_PWRITEV:
	case SYSCALLS_PWRITEV2: case SYSCALLS_SENDTO: case SYSCALLS_SENDMSG:
		row = io_transfer(io, c, fd, IO_WRITE, c->exit_ns - c->enter_ns);
		break;
	case SYSCALLS_SENDFILE:   /* sendfile(out_fd, in_fd, offset, count) */
		io_zero_copy(io, c, fd, (int32_t)c->args[1]);
		return;
	case SYSCALLS_SPLICE:     /* splice(fd_in, off_in, fd_out, off_out, len, flags) */
		io_zero_copy(io, c, (int32_t)c->args[2], fd);
		return;
	case SYSCALLS_CLOSE: case SYSCALLS_DUP2: case SYSCALLS_DUP3: case SYSCALLS_CLOSE_RANGE: {
		uint32_t first, last;
		if (!syscalls_closed_fds(c->nr, c->args, c->ret, &first, &last))
			return;
		if (first == last)
			io_close_fd(io, (int32_t)first, c->exit_ns);
		else
			io_close_range(io, first, last, c->exit_ns);
		return;
	}
	default:
		return;
	}
	if (!row)
		return;
	if (c->ret < 0)
		row->f.errors++;
	io_site_add(io, row, c, c->ret > 0 ? (uint64_t)c->ret : 0);
}

static struct io_thread_entry *io_thread_get(struct io *io, uint32_t tid)
{
	uint32_t i = u64map_get(&io->by_tid, tid);

	if (i != U64MAP_NONE)
		return &io->threads[i];
	if (io->nthreads >= IO_MAX_THREADS) {
		/* Make room: the thread read longest ago has most likely exited. */
		size_t old = 0;
		for (size_t k = 1; k < io->nthreads; k++)
			if (io->threads[k].t.last_ns < io->threads[old].t.last_ns)
				old = k;
		usage_free(io->threads[old].readings);
		u64map_del(&io->by_tid, io->threads[old].t.tid);
		io->threads[old] = io->threads[--io->nthreads];
		if (old < io->nthreads)
			u64map_put(&io->by_tid, io->threads[old].t.tid, (uint32_t)old);
	}
	xgrow(&io->threads, &io->threads_cap, io->nthreads + 1, sizeof *io->threads);
	io->threads[io->nthreads] = (struct io_thread_entry){
		.t = { .tid = tid }, .readings = usage_new(IO_RECENT_SECS) };
	u64map_put(&io->by_tid, tid, (uint32_t)io->nthreads);
	return &io->threads[io->nthreads++];
}

void io_add_thread_reading(struct io *io, uint32_t tid, uint64_t time_ns, uint64_t rchar,
			   uint64_t wchar, uint64_t read_bytes, uint64_t write_bytes)
{
	struct io_thread_entry *e = io_thread_get(io, tid);
	struct io_thread *t = &e->t;
	struct usage_rates r;

	/* usage.c's windows and counter-delta rates, one instance per thread. */
	usage_add(e->readings, &(struct usage_reading){
		.time_ns = time_ns, .has_io = true, .rchar = rchar, .wchar = wchar,
		.read_bytes = read_bytes, .write_bytes = write_bytes });
	if (!t->first_ns)
		t->first_ns = time_ns;
	if (time_ns >= t->last_ns) {
		t->last_ns = time_ns;
		t->rchar = rchar;
		t->wchar = wchar;
		t->read_bytes = read_bytes;
		t->write_bytes = write_bytes;
	}
	usage_rates(e->readings, IO_RECENT_SECS, &r);
	t->has_rates = r.has_io;
	t->rchar_per_s = r.read_bytes_per_s;
	t->wchar_per_s = r.write_bytes_per_s;
	t->read_bytes_per_s = r.disk_read_bytes_per_s;
	t->write_bytes_per_s = r.disk_write_bytes_per_s;
	usage_rates(e->readings, 0, &r);
	t->has_run_rates = r.has_io;
	t->run_rchar_per_s = r.read_bytes_per_s;
	t->run_wchar_per_s = r.write_bytes_per_s;
	t->run_read_bytes_per_s = r.disk_read_bytes_per_s;
	t->run_write_bytes_per_s = r.disk_write_bytes_per_s;
}

bool io_restore_fd(struct io *io, const struct io_fd *f)
{
	if (io->nrows >= IO_MAX_ROWS)
		return false;
	xgrow(&io->rows, &io->rows_cap, io->nrows + 1, sizeof *io->rows);
	/* Not in the open map: no call will come to find the row open. */
	io->rows[io->nrows] = (struct io_row){ .f = *f, .named = true };
	if (f->fd == IO_OTHER_FD)
		io->other = (uint32_t)io->nrows;
	io->nrows++;
	return true;
}

bool io_restore_site(struct io *io, const struct io_site *s)
{
	if (s->row >= io->nrows || io->nsites >= IO_MAX_SITES ||
	    u64map_get(&io->by_site, u64map_pair(s->row, s->stack)) != U64MAP_NONE)
		return false;
	xgrow(&io->sites, &io->sites_cap, io->nsites + 1, sizeof *io->sites);
	io->sites[io->nsites] = *s;
	u64map_put(&io->by_site, u64map_pair(s->row, s->stack), (uint32_t)io->nsites);
	io->nsites++;
	return true;
}

bool io_restore_thread(struct io *io, const struct io_thread *t)
{
	if (u64map_get(&io->by_tid, t->tid) != U64MAP_NONE || io->nthreads >= IO_MAX_THREADS)
		return false;
	io_thread_get(io, t->tid)->t = *t;
	return true;
}

size_t io_fd_count(const struct io *io)
{
	return io->nrows;
}

const struct io_fd *io_fd_at(const struct io *io, size_t i)
{
	return i < io->nrows ? &io->rows[i].f : NULL;
}

double io_fd_rate(const struct io_fd *f, uint64_t bytes, uint64_t now_ns)
{
	uint64_t end = f->closed ? f->closed_ns : MAX(now_ns, f->last_ns);

	if (f->closed && f->last_ns > end)
		end = f->last_ns;
	return end > f->first_ns ? (double)bytes * 1e9 / (double)(end - f->first_ns) : 0.0;
}

static int io_site_cmp(const void *a, const void *b)
{
	const struct io_site *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	if (x->calls != y->calls)
		return x->calls < y->calls ? 1 : -1;
	return (x->stack > y->stack) - (x->stack < y->stack);
}

size_t io_sites(const struct io *io, uint32_t row, struct io_site **out)
{
	size_t n = 0, cap = 0;

	*out = NULL;
	for (size_t i = 0; i < io->nsites; i++)
		if (io->sites[i].row == row) {
			xgrow(out, &cap, n + 1, sizeof **out);
			(*out)[n++] = io->sites[i];
		}
	if (n)
		qsort(*out, n, sizeof **out, io_site_cmp);
	return n;
}

size_t io_thread_count(const struct io *io)
{
	return io->nthreads;
}

const struct io_thread *io_thread_at(const struct io *io, size_t i)
{
	return i < io->nthreads ? &io->threads[i].t : NULL;
}

size_t io_memory(const struct io *io)
{
	return sizeof *io + io->rows_cap * sizeof *io->rows + io->names_cap * sizeof *io->names +
	       io->sites_cap * sizeof *io->sites + io->threads_cap * sizeof *io->threads +
	       io->nthreads * (sizeof(struct usage_reading) * (IO_RECENT_SECS + 1) + 256) +
	       u64map_memory(&io->open) + u64map_memory(&io->by_name) +
	       u64map_memory(&io->by_site) + u64map_memory(&io->by_tid);
}

static int io_busiest(const void *a, const void *b, void *ctx)
{
	const struct io *io = ctx;
	const struct io_fd *x = &io->rows[*(const uint32_t *)a].f;
	const struct io_fd *y = &io->rows[*(const uint32_t *)b].f;
	uint64_t bx = x->read_bytes + x->write_bytes, by = y->read_bytes + y->write_bytes;

	if (bx != by)
		return bx < by ? 1 : -1;
	if (x->reads + x->writes != y->reads + y->writes)
		return x->reads + x->writes < y->reads + y->writes ? 1 : -1;
	return (*(const uint32_t *)a > *(const uint32_t *)b) - (*(const uint32_t *)a < *(const uint32_t *)b);
}

size_t io_fds_by_bytes(const struct io *io, uint32_t **rows)
{
	size_t n = io_fd_count(io);

	*rows = xmalloc((n ? n : 1) * sizeof **rows);
	for (size_t i = 0; i < n; i++)
		(*rows)[i] = (uint32_t)i;
	if (n)
		qsort_r(*rows, n, sizeof **rows, io_busiest, (void *)io);
	return n;
}
