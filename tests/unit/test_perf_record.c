/* Unit tests for perf record decoding, with records built byte by byte the
 * way the kernel lays them out (fields in sample_type bit order). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <linux/perf_event.h>

#include "sampler/perf_record.h"
#include "sampler/tracepoints.h"

struct rec {
	uint8_t buf[4096];
	size_t len;
};

static void put(struct rec *r, const void *p, size_t n)
{
	memcpy(r->buf + r->len, p, n);
	r->len += n;
}

static void put64(struct rec *r, uint64_t v) { put(r, &v, 8); }

static void put32x2(struct rec *r, uint32_t a, uint32_t b)
{
	put(r, &a, 4);
	put(r, &b, 4);
}

static const struct perf_event_header *finish(struct rec *r, uint32_t type, uint16_t misc)
{
	struct perf_event_header h = { type, misc, (uint16_t)r->len };
	memcpy(r->buf, &h, sizeof h);
	return (const void *)r->buf;
}

static void start(struct rec *r)
{
	r->len = sizeof(struct perf_event_header);
}

/* Starts a sample record with what every layout here opens with: the
 * identifier (or, where the layout has none, the ip), pid and tid, time. */
static void start_sample(struct rec *r, uint64_t head, uint32_t pid, uint32_t tid, uint64_t time)
{
	start(r);
	put64(r, head);
	put32x2(r, pid, tid);
	put64(r, time);
}

#define BASE_TYPE (PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_PERIOD)

/* Layouts as the session sets them: the old tests' CPU events without an
 * identifier, and the syscall tracepoints with one. */
static const struct perf_record_layout cpu_cc = { BASE_TYPE | PERF_SAMPLE_CALLCHAIN, EVENT_SAMPLE, 0, { 0 } };
static const struct perf_record_layout cpu_dwarf = {
	BASE_TYPE | PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER, EVENT_SAMPLE, 0, { 0 } };
static const struct perf_record_layout base = { BASE_TYPE, EVENT_SAMPLE, 0, { 0 } };
#define TRACE_TYPE (PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_RAW)
/* raw_syscalls offsets from the format file: id@8, args@16 / ret@16. */
static const struct perf_record_layout sys_enter = { TRACE_TYPE, EVENT_SYSCALL_ENTER, 0, { 8, 16, 16 } };
static const struct perf_record_layout sys_exit = { TRACE_TYPE, EVENT_SYSCALL_EXIT, 0, { 8, 16, 16 } };
static const struct perf_record_layout sys_stack = {
	TRACE_TYPE | PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER, EVENT_SYSCALL_STACK, 16, { 8, 16, 16 } };

static void test_callchain_sample(void **state)
{
	struct rec r;
	struct event ev;
	struct perf_record_scratch scr;

	start_sample(&r, 0x401000, 100, 101, 5000);
	put64(&r, 1010101);                  /* period */
	put64(&r, 4);                        /* nr */
	put64(&r, (uint64_t)PERF_CONTEXT_USER);
	put64(&r, 0x401000);
	put64(&r, 0x402000);
	put64(&r, 0x403000);
	const struct perf_event_header *h = finish(&r, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_USER);

	assert_true(perf_record_decode(h, &cpu_cc, &ev, &scr));
	assert_int_equal(ev.kind, EVENT_SAMPLE);
	assert_int_equal(ev.sample.pid, 100);
	assert_int_equal(ev.sample.tid, 101);
	assert_int_equal(ev.time_ns, 5000);
	assert_int_equal(perf_record_time(h, BASE_TYPE), 5000);
	assert_false(ev.sample.kernel);
	/* The context marker is dropped; addresses stay leaf first. */
	assert_int_equal(ev.sample.nr_ips, 3);
	assert_int_equal(ev.sample.ips[0], 0x401000);
	assert_int_equal(ev.sample.ips[2], 0x403000);
	assert_false(ev.sample.has_regs);
}

static void test_dwarf_sample(void **state)
{
	/* Register values in ascending perf bit order: BX BP SP IP R12 R13 R14 R15. */
	static const uint64_t regs[] = { 11, 22, 0x7ffd0000, 0x401234, 33, 44, 55, 66 };
	uint8_t stack[64];
	struct rec r;
	struct event ev;
	struct perf_record_scratch scr;

	for (size_t i = 0; i < sizeof stack; i++)
		stack[i] = (uint8_t)i;
	start_sample(&r, 0xffffffff81000000ULL, 7, 8, 42);   /* in the kernel */
	put64(&r, 1);
	put64(&r, PERF_SAMPLE_REGS_ABI_64);
	for (size_t i = 0; i < 8; i++)
		put64(&r, regs[i]);
	put64(&r, sizeof stack);             /* size requested */
	put(&r, stack, sizeof stack);
	put64(&r, 40);                       /* dyn_size: bytes really copied */
	const struct perf_event_header *h = finish(&r, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_KERNEL);

	assert_true(perf_record_decode(h, &cpu_dwarf, &ev, &scr));
	assert_true(ev.sample.kernel);
	assert_true(ev.sample.has_regs);
	assert_int_equal(ev.sample.regs[EVENT_REG_BX], 11);
	assert_int_equal(ev.sample.regs[EVENT_REG_BP], 22);
	assert_int_equal(ev.sample.regs[EVENT_REG_SP], 0x7ffd0000);
	assert_int_equal(ev.sample.regs[EVENT_REG_IP], 0x401234);
	assert_int_equal(ev.sample.regs[EVENT_REG_R15], 66);
	assert_int_equal(ev.sample.stack_size, 40);
	assert_memory_equal(ev.sample.stack, stack, 40);

	/* A record cut short inside the stack copy is rejected, not overread. */
	r.len -= 16;
	h = finish(&r, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_USER);
	assert_false(perf_record_decode(h, &cpu_dwarf, &ev, &scr));
}

static void test_no_user_regs(void **state)
{
	struct rec r;
	struct event ev;
	struct perf_record_scratch scr;

	start_sample(&r, 0xffffffff81000000ULL, 7, 8, 42);
	put64(&r, 1);
	put64(&r, PERF_SAMPLE_REGS_ABI_NONE);   /* a kernel thread: no regs follow */
	put64(&r, 0);                           /* no stack, and so no dyn_size */
	const struct perf_event_header *h = finish(&r, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_KERNEL);

	assert_true(perf_record_decode(h, &cpu_dwarf, &ev, &scr));
	assert_false(ev.sample.has_regs);
	assert_int_equal(ev.sample.stack_size, 0);
}

static void trailer(struct rec *r, uint32_t pid, uint32_t tid, uint64_t time)
{
	put32x2(r, pid, tid);
	put64(r, time);
}

static void test_mmap2(void **state)
{
	static const char path[] = "/usr/lib/x86_64-linux-gnu/libc.so.6";
	char padded[40] = { 0 };
	struct rec r;
	struct event ev;
	struct perf_record_scratch scr;

	memcpy(padded, path, sizeof path);
	start(&r);
	put32x2(&r, 100, 102);
	put64(&r, 0x7f0000001000);    /* addr */
	put64(&r, 0x2000);            /* len */
	put64(&r, 0x1000);            /* pgoff */
	put32x2(&r, 8, 1);            /* maj, min */
	put64(&r, 12345);             /* ino */
	put64(&r, 0);                 /* ino generation */
	put32x2(&r, 5, 2);            /* prot r-x, flags */
	put(&r, padded, sizeof padded);
	trailer(&r, 100, 102, 777);
	const struct perf_event_header *h = finish(&r, PERF_RECORD_MMAP2, 0);

	assert_true(perf_record_decode(h, &base, &ev, &scr));
	assert_int_equal(ev.kind, EVENT_MMAP);
	assert_int_equal(ev.time_ns, 777);
	assert_int_equal(perf_record_time(h, BASE_TYPE), 777);
	assert_int_equal(ev.mmap.start, 0x7f0000001000);
	assert_int_equal(ev.mmap.len, 0x2000);
	assert_int_equal(ev.mmap.pgoff, 0x1000);
	assert_int_equal(ev.mmap.maj, 8);
	assert_int_equal(ev.mmap.ino, 12345);
	assert_int_equal(ev.mmap.prot, 5);
	assert_string_equal(ev.mmap.path, path);
}

static void test_comm_fork_lost(void **state)
{
	char name[16] = "worker-7";
	struct rec r;
	struct event ev;
	struct perf_record_scratch scr;
	uint32_t ids[4] = { 100, 100, 105, 101 };

	start(&r);
	put32x2(&r, 100, 105);
	put(&r, name, sizeof name);
	trailer(&r, 100, 105, 9);
	assert_true(perf_record_decode(finish(&r, PERF_RECORD_COMM, PERF_RECORD_MISC_COMM_EXEC),
				       &base, &ev, &scr));
	assert_int_equal(ev.kind, EVENT_COMM);
	assert_string_equal(ev.comm.comm, "worker-7");
	assert_true(ev.comm.exec);

	start(&r);
	put(&r, ids, sizeof ids);
	put64(&r, 10);
	trailer(&r, 100, 105, 10);
	assert_true(perf_record_decode(finish(&r, PERF_RECORD_FORK, 0), &base, &ev, &scr));
	assert_int_equal(ev.kind, EVENT_THREAD_START);
	assert_int_equal(ev.thread.pid, 100);
	assert_int_equal(ev.thread.tid, 105);
	assert_int_equal(ev.thread.ptid, 101);
	assert_true(perf_record_decode(finish(&r, PERF_RECORD_EXIT, 0), &base, &ev, &scr));
	assert_int_equal(ev.kind, EVENT_THREAD_EXIT);

	start(&r);
	put64(&r, 1);      /* id */
	put64(&r, 37);     /* lost */
	trailer(&r, 0, 0, 11);
	assert_true(perf_record_decode(finish(&r, PERF_RECORD_LOST, 0), &base, &ev, &scr));
	assert_int_equal(ev.kind, EVENT_LOST);
	assert_int_equal(ev.lost.count, 37);

	/* Records we don't use, and a COMM too short to hold a name. */
	assert_false(perf_record_decode(finish(&r, PERF_RECORD_THROTTLE, 0), &base, &ev, &scr));
	start(&r);
	put64(&r, 0);
	put64(&r, 0);
	assert_false(perf_record_decode(finish(&r, PERF_RECORD_COMM, 0), &base, &ev, &scr));
}

/* A raw_syscalls payload: the common header (type, flags, preempt, pid),
 * the syscall number, then args[6] (enter) or ret (exit). */
static void put_raw(struct rec *r, int64_t nr, const uint64_t *vals, size_t nvals)
{
	uint8_t data[8 + 8 + 48] = { 0 };
	uint32_t size = (uint32_t)(16 + 8 * nvals);
	/* The kernel pads so that the u32 size and the data end 8-aligned. */
	uint32_t padded = ((size + 4 + 7) & ~7u) - 4;
	uint8_t pad[8] = { 0 };

	memcpy(data + 8, &nr, 8);
	memcpy(data + 16, vals, 8 * nvals);
	put(r, &padded, 4);
	put(r, data, size);
	put(r, pad, padded - size);
}

static void test_syscall_enter_exit(void **state)
{
	static const uint64_t args[6] = { 0x601040, 128, 2, 0, 0, 0xdeadbeefcafe };
	int64_t ret = -11;
	struct rec r;
	struct event ev;
	struct perf_record_scratch scr;
	const struct perf_event_header *h;

	start_sample(&r, 4242, 100, 103, 123456789);
	put_raw(&r, 202, args, 6);
	h = finish(&r, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_KERNEL);
	assert_int_equal(r.len % 8, 0);
	assert_int_equal(perf_record_id(h), 4242);
	assert_int_equal(perf_record_time(h, TRACE_TYPE), 123456789);
	assert_true(perf_record_decode(h, &sys_enter, &ev, &scr));
	assert_int_equal(ev.kind, EVENT_SYSCALL_ENTER);
	assert_int_equal(ev.time_ns, 123456789);
	assert_int_equal(ev.syscall.pid, 100);
	assert_int_equal(ev.syscall.tid, 103);
	assert_int_equal(ev.syscall.nr, 202);
	assert_memory_equal(ev.syscall.args, args, sizeof args);
	/* A payload too short for args[] (a format we misread) is rejected. */
	struct perf_record_layout bad = sys_enter;
	bad.raw.args = 40;
	assert_false(perf_record_decode(h, &bad, &ev, &scr));

	start_sample(&r, 4243, 100, 103, 123459999);
	put_raw(&r, 202, (const uint64_t *)&ret, 1);
	h = finish(&r, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_KERNEL);
	assert_int_equal(perf_record_id(h), 4243);
	assert_true(perf_record_decode(h, &sys_exit, &ev, &scr));
	assert_int_equal(ev.kind, EVENT_SYSCALL_EXIT);
	assert_int_equal(ev.syscall.nr, 202);
	assert_int_equal(ev.syscall.ret, -11);
	assert_int_equal(ev.time_ns, 123459999);
	/* Cut inside the payload: rejected. */
	r.len -= 8;
	assert_false(perf_record_decode(finish(&r, PERF_RECORD_SAMPLE, 0), &sys_exit, &ev, &scr));
}

static void test_syscall_stack(void **state)
{
	static const uint64_t regs[] = { 1, 2, 0x7ffd1000, 0x7f0000401234, 3, 4, 5, 6 };
	static const uint64_t args[6] = { 3, 0x1000, 64 };
	uint8_t stack[32];
	struct rec r;
	struct event ev;
	struct perf_record_scratch scr;
	const struct perf_event_header *h;

	memset(stack, 0xab, sizeof stack);
	start_sample(&r, 77, 100, 104, 999);
	put_raw(&r, 1, args, 6);
	put64(&r, PERF_SAMPLE_REGS_ABI_64);
	for (size_t i = 0; i < 8; i++)
		put64(&r, regs[i]);
	put64(&r, sizeof stack);
	put(&r, stack, sizeof stack);
	put64(&r, 24);
	h = finish(&r, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_KERNEL);
	assert_true(perf_record_decode(h, &sys_stack, &ev, &scr));
	assert_int_equal(ev.kind, EVENT_SYSCALL_STACK);
	assert_int_equal(ev.sample.tid, 104);
	assert_int_equal(ev.sample.syscall_nr, 1);
	assert_int_equal(ev.sample.syscall_weight, 16);
	assert_true(ev.sample.has_regs);
	assert_false(ev.sample.kernel);
	assert_int_equal(ev.sample.ip, 0x7f0000401234);
	assert_int_equal(ev.sample.regs[EVENT_REG_SP], 0x7ffd1000);
	assert_int_equal(ev.sample.stack_size, 24);
	assert_int_equal(ev.time_ns, 999);
}

static void test_identifier(void **state)
{
	const uint64_t st = BASE_TYPE | PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_CALLCHAIN;
	const struct perf_record_layout cpu = { st, EVENT_SAMPLE, 0, { 0 } };
	char name[16] = "late-thread";
	struct rec r;
	struct event ev;
	struct perf_record_scratch scr;
	const struct perf_event_header *h;

	/* The identifier comes first, before the ip. */
	start(&r);
	put64(&r, 5151);
	put64(&r, 0x401000);
	put32x2(&r, 100, 101);
	put64(&r, 31337);
	put64(&r, 1000);
	put64(&r, 1);
	put64(&r, 0x401000);
	h = finish(&r, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_USER);
	assert_int_equal(perf_record_id(h), 5151);
	assert_int_equal(perf_record_time(h, st), 31337);
	assert_true(perf_record_decode(h, &cpu, &ev, &scr));
	assert_int_equal(ev.kind, EVENT_SAMPLE);
	assert_int_equal(ev.sample.ip, 0x401000);
	assert_int_equal(ev.sample.tid, 101);
	assert_int_equal(ev.sample.period, 1000);
	assert_int_equal(ev.sample.nr_ips, 1);

	/* A COMM with the sample_id_all trailer pid, tid, time, identifier:
	 * the time is no longer the last word, the identifier is. */
	start(&r);
	put32x2(&r, 100, 105);
	put(&r, name, sizeof name);
	put32x2(&r, 100, 105);
	put64(&r, 424242);
	put64(&r, 5151);
	h = finish(&r, PERF_RECORD_COMM, 0);
	assert_int_equal(perf_record_id(h), 5151);
	assert_int_equal(perf_record_time(h, st), 424242);
	assert_true(perf_record_decode(h, &cpu, &ev, &scr));
	assert_int_equal(ev.kind, EVENT_COMM);
	assert_int_equal(ev.time_ns, 424242);
	assert_string_equal(ev.comm.comm, "late-thread");
	/* The same trailer read by a tracepoint event's layout (LOST records
	 * come from whichever event overflowed). */
	assert_int_equal(perf_record_time(h, TRACE_TYPE), 424242);
}

static void test_tracepoint_format(void **state)
{
	static const char enter[] =
		"name: sys_enter\nID: 443\nformat:\n"
		"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
		"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
		"\tfield:long id;\toffset:8;\tsize:8;\tsigned:1;\n"
		"\tfield:unsigned long args[6];\toffset:16;\tsize:48;\tsigned:0;\n\n"
		"print fmt: \"NR %ld (%lx, ...)\", REC->id, REC->args[0]\n";
	unsigned off = 0, size = 0;
	char filter[512];

	assert_true(tracepoints_field(enter, "id", &off, &size));
	assert_int_equal(off, 8);
	assert_int_equal(size, 8);
	assert_true(tracepoints_field(enter, "args", &off, &size));
	assert_int_equal(off, 16);
	assert_int_equal(size, 48);
	/* "pid" is not common_pid; "ret" is not there at all. */
	assert_false(tracepoints_field(enter, "pid", &off, &size));
	assert_false(tracepoints_field(enter, "ret", &off, &size));

	assert_true(tracepoints_filter(true, false, filter, sizeof filter));
	assert_string_equal(filter, "id == 202");
	assert_true(tracepoints_filter(true, true, filter, sizeof filter));
	assert_non_null(strstr(filter, "id == 202 || id == 0 || id == 1 || "));
	assert_non_null(strstr(filter, "id == 436"));
	assert_null(strstr(filter, "id == 202 ||  "));
	assert_true(tracepoints_filter(false, true, filter, sizeof filter));
	assert_null(strstr(filter, "202"));
	assert_false(tracepoints_filter(false, false, filter, sizeof filter));
	assert_false(tracepoints_filter(true, true, filter, 20));
}

static void test_fault(void **state)
{
	const uint64_t st = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |
			    PERF_SAMPLE_TIME | PERF_SAMPLE_ADDR | PERF_SAMPLE_CALLCHAIN;
	/* No PERIOD in the record: the layout's fixed period is the weight. */
	const struct perf_record_layout fault = { st, EVENT_FAULT, 64, { 0 }, 0, 0 };
	struct perf_record_scratch scr;
	struct rec r;
	struct event ev;

	start(&r);
	put64(&r, 77);                       /* identifier */
	put64(&r, 0x7f0000001234);           /* ip: memset */
	put32x2(&r, 10, 11);
	put64(&r, 999);                      /* time */
	put64(&r, 0x7f1234567000);           /* addr: the page touched */
	put64(&r, 3);
	put64(&r, (uint64_t)PERF_CONTEXT_USER);
	put64(&r, 0x7f0000001234);
	put64(&r, 0x401000);
	assert_true(perf_record_decode(finish(&r, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_USER),
				       &fault, &ev, &scr));
	assert_int_equal(ev.kind, EVENT_FAULT);
	assert_int_equal(ev.time_ns, 999);
	assert_int_equal(ev.sample.tid, 11);
	assert_int_equal(ev.sample.period, 64);
	assert_int_equal(ev.sample.addr, 0x7f1234567000);
	assert_int_equal(ev.sample.ip, 0x7f0000001234);
	assert_int_equal(ev.sample.nr_ips, 2);
	assert_int_equal(ev.sample.ips[1], 0x401000);
}

#define REG(n) (1ULL << (n))
#define UNWIND_REGS ((1ULL << 1) | (1ULL << 6) | (1ULL << 7) | (1ULL << 8) | (0xfULL << 20))
#define PROBE_TYPE (PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_REGS_USER)

static void test_alloc_call(void **state)
{
	/* calloc's entry with a stack: SI(4) DI(5) join the unwinding set,
	 * and the registers come in bit order: BX SI DI BP SP IP R12-R15. */
	const uint64_t mask = UNWIND_REGS | REG(PERF_RECORD_REG_SI) | REG(PERF_RECORD_REG_DI);
	const struct perf_record_layout call = { PROBE_TYPE | PERF_SAMPLE_STACK_USER,
		EVENT_ALLOC_CALL, 16, { 0 }, EVENT_ALLOC_CALLOC, mask };
	const struct perf_record_layout realloc_call = { PROBE_TYPE | PERF_SAMPLE_STACK_USER,
		EVENT_ALLOC_CALL, 16, { 0 }, EVENT_ALLOC_REALLOC, mask };
	static const uint64_t regs[] = { 1, 10, 100, 6, 0x7ffd0000, 0x7f00000a0000, 20, 21, 22, 23 };
	uint8_t stack[16] = { 0x34, 0x12, 0x40 };   /* [sp]: the return address 0x401234 */
	struct perf_record_scratch scr;
	struct rec r;
	struct event ev;

	start_sample(&r, 5, 10, 12, 4242);
	put64(&r, PERF_SAMPLE_REGS_ABI_64);
	for (size_t i = 0; i < 10; i++)
		put64(&r, regs[i]);
	put64(&r, sizeof stack);
	put(&r, stack, sizeof stack);
	put64(&r, sizeof stack);
	const struct perf_event_header *h = finish(&r, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_USER);

	assert_true(perf_record_decode(h, &call, &ev, &scr));
	assert_int_equal(ev.kind, EVENT_ALLOC_CALL);
	assert_int_equal(ev.alloc_call.tid, 12);
	assert_int_equal(ev.alloc_call.fn, EVENT_ALLOC_CALLOC);
	assert_int_equal(ev.alloc_call.size, 100 * 10);     /* nmemb (DI) * size (SI) */
	assert_int_equal(ev.alloc_call.old_addr, 0);
	assert_int_equal(ev.alloc_call.weight, 16);
	assert_non_null(ev.alloc_call.sample);
	assert_true(ev.alloc_call.sample->has_regs);
	assert_int_equal(ev.alloc_call.sample->regs[EVENT_REG_IP], 0x7f00000a0000);
	assert_int_equal(ev.alloc_call.sample->regs[EVENT_REG_SP], 0x7ffd0000);
	assert_int_equal(ev.alloc_call.sample->regs[EVENT_REG_R15], 23);
	assert_int_equal(ev.alloc_call.sample->ip, 0x7f00000a0000);
	assert_int_equal(ev.alloc_call.sample->stack_size, 16);
	assert_int_equal(ev.alloc_call.sample->period, 16);

	assert_true(perf_record_decode(h, &realloc_call, &ev, &scr));
	assert_int_equal(ev.alloc_call.old_addr, 100);      /* DI */
	assert_int_equal(ev.alloc_call.size, 10);           /* SI */
}

static void test_alloc_return_free(void **state)
{
	const struct perf_record_layout ret = { PROBE_TYPE, EVENT_ALLOC_RETURN, 0, { 0 },
		EVENT_ALLOC_MALLOC, REG(PERF_RECORD_REG_AX) };
	const struct perf_record_layout fr = { PROBE_TYPE, EVENT_FREE, 0, { 0 }, 0,
		REG(PERF_RECORD_REG_DI) };
	struct perf_record_scratch scr;
	struct rec r;
	struct event ev;

	start_sample(&r, 6, 10, 13, 5000);
	put64(&r, PERF_SAMPLE_REGS_ABI_64);
	put64(&r, 0x55550000abc0);
	const struct perf_event_header *h = finish(&r, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_USER);

	assert_true(perf_record_decode(h, &ret, &ev, &scr));
	assert_int_equal(ev.kind, EVENT_ALLOC_RETURN);
	assert_int_equal(ev.alloc_return.tid, 13);
	assert_int_equal(ev.alloc_return.addr, 0x55550000abc0);
	assert_int_equal(ev.time_ns, 5000);
	assert_true(perf_record_decode(h, &fr, &ev, &scr));
	assert_int_equal(ev.kind, EVENT_FREE);
	assert_int_equal(ev.free.addr, 0x55550000abc0);

	/* No user registers (ABI none): not a usable hit. */
	start_sample(&r, 6, 10, 13, 5000);
	put64(&r, PERF_SAMPLE_REGS_ABI_NONE);
	assert_false(perf_record_decode(finish(&r, PERF_RECORD_SAMPLE, 0), &fr, &ev, &scr));
	/* Cut short inside the registers. */
	start_sample(&r, 6, 10, 13, 5000);
	put64(&r, PERF_SAMPLE_REGS_ABI_64);
	assert_false(perf_record_decode(finish(&r, PERF_RECORD_SAMPLE, 0), &fr, &ev, &scr));
}

static void test_regs_mask(void **state)
{
	/* BX(1) BP(6) SP(7) IP(8) R12-R15(20-23); never DS/ES/FS/GS (EINVAL). */
	assert_int_equal(perf_record_regs_mask(), (1u << 1) | (1u << 6) | (1u << 7) | (1u << 8) |
			 (0xfu << 20));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_callchain_sample),
		cmocka_unit_test(test_dwarf_sample),
		cmocka_unit_test(test_no_user_regs),
		cmocka_unit_test(test_mmap2),
		cmocka_unit_test(test_comm_fork_lost),
		cmocka_unit_test(test_syscall_enter_exit),
		cmocka_unit_test(test_syscall_stack),
		cmocka_unit_test(test_identifier),
		cmocka_unit_test(test_tracepoint_format),
		cmocka_unit_test(test_fault),
		cmocka_unit_test(test_alloc_call),
		cmocka_unit_test(test_alloc_return_free),
		cmocka_unit_test(test_regs_mask),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
