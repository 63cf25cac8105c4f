/* Fuzzes the perf ring record decoder (sampler/perf_record.c) with every
 * layout perf_session gives its events: CPU and page-fault samples in
 * DWARF and frame-pointer mode, the allocator uprobes, the raw_syscalls
 * tracepoints (whose payload offsets come from tracefs, so they are fuzzed
 * too), and MMAP2/COMM/FORK/EXIT/LOST records.  The first 8 bytes choose
 * the layout; the rest is one record as perf_ring hands it over: whole,
 * at least a header long, with the header's size saying how long.  What
 * the decoder returns is then read to its end (stack copy, callchain,
 * names), and an MMAP2 name goes through maps_entry_set_path as ingest
 * does. */
#include "config.h"

#include "fuzz.h"
#include "analysis/maps.h"
#include "sampler/perf_record.h"

#define ST_BASE (PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME)
#define ST_DWARF (PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER)

/* sample_type, kind, weight, extra user registers (uprobes). */
static const struct {
	uint64_t st;
	enum event_kind kind;
	uint32_t weight;
	uint64_t regs;
	bool stack;             /* takes the user stack (DWARF or FP) */
} layouts[] = {
	{ ST_BASE | PERF_SAMPLE_IP | PERF_SAMPLE_PERIOD, EVENT_SAMPLE, 0, 0, true },
	{ ST_BASE | PERF_SAMPLE_IP | PERF_SAMPLE_ADDR, EVENT_FAULT, 64, 0, true },
	{ ST_BASE | PERF_SAMPLE_REGS_USER, EVENT_ALLOC_CALL, 0,
	  1ULL << PERF_RECORD_REG_DI | 1ULL << PERF_RECORD_REG_SI, false },
	{ ST_BASE | PERF_SAMPLE_REGS_USER, EVENT_ALLOC_CALL, 16,
	  1ULL << PERF_RECORD_REG_DI | 1ULL << PERF_RECORD_REG_SI, true },
	{ ST_BASE | PERF_SAMPLE_REGS_USER, EVENT_ALLOC_RETURN, 0, 1ULL << PERF_RECORD_REG_AX, false },
	{ ST_BASE | PERF_SAMPLE_REGS_USER, EVENT_FREE, 0, 1ULL << PERF_RECORD_REG_DI, false },
	{ ST_BASE | PERF_SAMPLE_RAW, EVENT_SYSCALL_ENTER, 0, 0, false },
	{ ST_BASE | PERF_SAMPLE_RAW, EVENT_SYSCALL_EXIT, 0, 0, false },
	{ ST_BASE | PERF_SAMPLE_RAW, EVENT_SYSCALL_STACK, 17, 0, true },
};

static volatile uint64_t sink;

static void touch(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t s = 0;

	for (size_t i = 0; i < n; i++)
		s += b[i];
	sink += s;
}

static void consume(const struct event *ev)
{
	static struct map_entry e;
	const struct event_sample *smp = NULL;

	switch (ev->kind) {
	case EVENT_SAMPLE:
	case EVENT_FAULT:
	case EVENT_SYSCALL_STACK:
		smp = &ev->sample;
		break;
	case EVENT_ALLOC_CALL:
		smp = ev->alloc_call.sample;
		break;
	case EVENT_MMAP:
		FUZZ_CHECK(ev->mmap.path);
		(void)maps_entry_set_path(&e, ev->mmap.path, strlen(ev->mmap.path));
		break;
	case EVENT_COMM:
		touch(ev->comm.comm, strlen(ev->comm.comm));
		break;
	default:
		break;
	}
	if (smp) {
		FUZZ_CHECK(smp->nr_ips <= PERF_MAX_STACK_DEPTH);
		if (smp->nr_ips)
			touch(smp->ips, smp->nr_ips * sizeof *smp->ips);
		if (smp->stack_size)
			touch(smp->stack, smp->stack_size);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct perf_record_scratch scr;
	struct perf_record_layout l = { 0 };
	struct perf_event_header *h;
	struct event ev;
	uint8_t sel[8];
	size_t n, li;

	if (size < sizeof sel + sizeof *h)
		return 0;
	memcpy(sel, data, sizeof sel);
	data += sizeof sel;
	size -= sizeof sel;
	n = size > UINT16_MAX ? UINT16_MAX : size;

	li = sel[0] % (sizeof layouts / sizeof layouts[0]);
	l.sample_type = layouts[li].st;
	l.kind = layouts[li].kind;
	l.weight = layouts[li].weight;
	l.fn = (enum event_alloc_fn)(sel[1] % 5);
	l.regs_mask = layouts[li].regs;
	if (layouts[li].stack) {
		if (sel[1] & 0x80) {            /* DWARF */
			l.sample_type |= ST_DWARF;
			if (l.regs_mask)
				l.regs_mask |= perf_record_regs_mask();
		} else {
			l.sample_type |= PERF_SAMPLE_CALLCHAIN;
		}
	}
	/* The raw_syscalls offsets as tracefs says them: usually 8, 16, 16. */
	if (sel[1] & 0x40) {
		l.raw.nr = sel[2];
		l.raw.args = sel[3];
		l.raw.ret = sel[4];
	} else {
		l.raw = (struct perf_record_raw){ 8, 16, 16 };
	}

	/* The record, in a buffer of exactly its size. */
	h = malloc(n);
	if (!h)
		abort();
	memcpy(h, data, n);
	h->size = (uint16_t)n;

	(void)perf_record_id(h);
	(void)perf_record_time(h, l.sample_type);
	if (perf_record_decode(h, &l, &ev, &scr))
		consume(&ev);
	free(h);
	return 0;
}
