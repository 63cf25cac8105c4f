/* Decoding perf ring records (see perf_record.h). */
#include "config.h"

#include <string.h>

#include "perf_record.h"
#include "../common/macros.h"

/* perf's x86 register numbers (arch/x86/include/uapi/asm/perf_regs.h). */
enum { PERF_X86_BX = 1, PERF_X86_BP = 6, PERF_X86_SP = 7, PERF_X86_IP = 8,
       PERF_X86_R12 = 20, PERF_X86_R13 = 21, PERF_X86_R14 = 22, PERF_X86_R15 = 23 };

/* In ascending bit order, which is the order the kernel writes them. */
static const struct { int perf; enum event_reg ev; } record_regs[] = {
	{ PERF_X86_BX, EVENT_REG_BX }, { PERF_X86_BP, EVENT_REG_BP },
	{ PERF_X86_SP, EVENT_REG_SP }, { PERF_X86_IP, EVENT_REG_IP },
	{ PERF_X86_R12, EVENT_REG_R12 }, { PERF_X86_R13, EVENT_REG_R13 },
	{ PERF_X86_R14, EVENT_REG_R14 }, { PERF_X86_R15, EVENT_REG_R15 },
};

uint64_t perf_record_regs_mask(void)
{
	uint64_t mask = 0;

	for (size_t i = 0; i < ARRAY_SIZE(record_regs); i++)
		mask |= 1ULL << record_regs[i].perf;
	return mask;
}

/* Fields are read by memcpy: wrapped records sit in scratch space, the
 * kernel aligns only to 8 bytes, and a RAW payload starts 4 bytes in. */
struct cursor {
	const uint8_t *p, *end;
};

static bool cur_u64(struct cursor *c, uint64_t *v)
{
	if (c->end - c->p < 8)
		return false;
	memcpy(v, c->p, 8);
	c->p += 8;
	return true;
}

static bool cur_u32(struct cursor *c, uint32_t *v)
{
	if (c->end - c->p < 4)
		return false;
	memcpy(v, c->p, 4);
	c->p += 4;
	return true;
}

static bool cur_skip(struct cursor *c, uint64_t n)
{
	if ((uint64_t)(c->end - c->p) < n)
		return false;
	c->p += n;
	return true;
}

/* Fields we never ask for and could not skip blindly (variable length). */
#define RECORD_UNSUPPORTED (PERF_SAMPLE_READ | PERF_SAMPLE_BRANCH_STACK)

static bool record_callchain(struct cursor *c, struct event_sample *smp, uint64_t *ips)
{
	uint64_t nr;

	if (!cur_u64(c, &nr))
		return false;
	for (uint64_t i = 0; i < nr; i++) {
		uint64_t ip;
		if (!cur_u64(c, &ip))
			return false;
		/* Context markers (PERF_CONTEXT_USER, …) are not addresses. */
		if (ip >= (uint64_t)PERF_CONTEXT_MAX || smp->nr_ips >= PERF_MAX_STACK_DEPTH)
			continue;
		ips[smp->nr_ips++] = ip;
	}
	smp->ips = ips;
	return true;
}

/* User registers come in ascending bit order of the event's mask; pregs
 * gets them by perf number, smp the unwinding set when it is all there. */
static bool record_user_stack(struct cursor *c, uint64_t sample_type, uint64_t mask,
			      struct event_sample *smp, uint64_t pregs[64], bool *uregs)
{
	uint64_t abi = 0, size = 0, dyn = 0, want = perf_record_regs_mask();

	if (sample_type & PERF_SAMPLE_REGS_USER) {
		if (!cur_u64(c, &abi))
			return false;
		if (abi != PERF_SAMPLE_REGS_ABI_NONE) {
			*uregs = true;
			for (unsigned b = 0; b < 64; b++)
				if ((mask & (1ULL << b)) && !cur_u64(c, &pregs[b]))
					return false;
			if ((mask & want) == want) {
				for (size_t i = 0; i < ARRAY_SIZE(record_regs); i++)
					smp->regs[record_regs[i].ev] = pregs[record_regs[i].perf];
				smp->has_regs = true;
			}
		}
	}
	if (sample_type & PERF_SAMPLE_STACK_USER) {
		if (!cur_u64(c, &size))
			return false;
		if (size) {
			smp->stack = c->p;
			if (!cur_skip(c, size) || !cur_u64(c, &dyn))
				return false;
			smp->stack_size = (uint32_t)MIN(dyn, size);
		}
	}
	return true;
}

/* The syscall number and arguments or return value in a raw_syscalls
 * payload, at the offsets the format file gave. */
static bool record_raw_syscall(const uint8_t *raw, uint32_t size, const struct perf_record_layout *l,
			       struct event *ev)
{
	int64_t nr;

	if ((uint32_t)l->raw.nr + 8 > size)
		return false;
	memcpy(&nr, raw + l->raw.nr, 8);
	ev->syscall.nr = (int32_t)nr;
	if (l->kind == EVENT_SYSCALL_EXIT) {
		if ((uint32_t)l->raw.ret + 8 > size)
			return false;
		memcpy(&ev->syscall.ret, raw + l->raw.ret, 8);
	} else {
		if ((uint32_t)l->raw.args + 48 > size)
			return false;
		memcpy(ev->syscall.args, raw + l->raw.args, 48);
	}
	return true;
}

/* The uprobe kinds: arguments and return values from the registers. */
static bool record_alloc(const struct perf_record_layout *l, const uint64_t pregs[64],
			 bool has_regs, struct event_sample *smp, struct event *ev,
			 struct event_sample *keep)
{
	uint64_t mask = l->regs_mask;
	uint32_t pid = smp->pid, tid = smp->tid;

	/* A thread without user registers (ABI none) cannot be a uprobe hit. */
	if (!has_regs)
		return false;
	switch (l->kind) {
	case EVENT_ALLOC_CALL: {
		uint64_t a0 = pregs[PERF_RECORD_REG_DI], a1 = pregs[PERF_RECORD_REG_SI];
		struct event_alloc_call *c = &ev->alloc_call;

		if (!(mask & (1ULL << PERF_RECORD_REG_DI)))
			return false;
		*c = (struct event_alloc_call){ .pid = pid, .tid = tid, .fn = l->fn,
						.weight = l->weight ? l->weight : 1 };
		switch (l->fn) {
		case EVENT_ALLOC_MALLOC: c->size = a0; break;
		/* An overflowing calloc fails: the product is not what it asks. */
		case EVENT_ALLOC_CALLOC: c->size = a1 && a0 > UINT64_MAX / a1 ? UINT64_MAX : a0 * a1; break;
		case EVENT_ALLOC_REALLOC: c->old_addr = a0; c->size = a1; break;
		/* aligned_alloc and memalign: (alignment, size). */
		case EVENT_ALLOC_MEMALIGN: c->size = a1; break;
		case EVENT_ALLOC_MMAP: c->size = a1; break;
		}
		if (smp->has_regs || smp->nr_ips) {
			/* At a function's first instruction the user ip is the
			 * allocator itself, and the caller is at [sp]. */
			smp->ip = smp->has_regs ? smp->regs[EVENT_REG_IP] : smp->ips[0];
			smp->period = c->weight;
			*keep = *smp;
			c->sample = keep;
		}
		return true;
	}
	case EVENT_ALLOC_RETURN:
		if (!(mask & (1ULL << PERF_RECORD_REG_AX)))
			return false;
		ev->alloc_return = (struct event_alloc_return){ pid, tid, pregs[PERF_RECORD_REG_AX] };
		return true;
	case EVENT_FREE:
		if (!(mask & (1ULL << PERF_RECORD_REG_DI)))
			return false;
		ev->free = (struct event_free){ pid, tid, pregs[PERF_RECORD_REG_DI] };
		return true;
	default:
		return false;
	}
}

static bool record_sample(const struct perf_event_header *h, const struct perf_record_layout *l,
			  struct event *ev, struct perf_record_scratch *scr)
{
	struct cursor c = { (const uint8_t *)(h + 1), (const uint8_t *)h + h->size };
	uint64_t st = l->sample_type, skip, id, period = 0, addr = 0, pregs[64];
	uint64_t mask = l->regs_mask ? l->regs_mask : perf_record_regs_mask();
	uint64_t *ips = scr->ips;
	bool uregs = false;
	struct event_sample smp = { 0 };
	uint32_t pid = 0, tid = 0, raw_size = 0;
	const uint8_t *raw = NULL;
	uint16_t mode = h->misc & PERF_RECORD_MISC_CPUMODE_MASK;

	if (st & RECORD_UNSUPPORTED)
		return false;
	if ((st & PERF_SAMPLE_IDENTIFIER) && !cur_u64(&c, &id))
		return false;
	if ((st & PERF_SAMPLE_IP) && !cur_u64(&c, &smp.ip))
		return false;
	if ((st & PERF_SAMPLE_TID) && (!cur_u32(&c, &pid) || !cur_u32(&c, &tid)))
		return false;
	if ((st & PERF_SAMPLE_TIME) && !cur_u64(&c, &ev->time_ns))
		return false;
	if ((st & PERF_SAMPLE_ADDR) && !cur_u64(&c, &addr))
		return false;
	/* ID, STREAM_ID, CPU: one u64 each, none of them used. */
	skip = 8u * (unsigned)(!!(st & PERF_SAMPLE_ID) + !!(st & PERF_SAMPLE_STREAM_ID) +
			       !!(st & PERF_SAMPLE_CPU));
	if (!cur_skip(&c, skip))
		return false;
	if ((st & PERF_SAMPLE_PERIOD) && !cur_u64(&c, &period))
		return false;
	if ((st & PERF_SAMPLE_CALLCHAIN) && !record_callchain(&c, &smp, ips))
		return false;
	if (st & PERF_SAMPLE_RAW) {
		/* A u32 size, then the payload; size includes the padding that
		 * realigns what follows to 8 bytes. */
		if (!cur_u32(&c, &raw_size))
			return false;
		raw = c.p;
		if (!cur_skip(&c, raw_size))
			return false;
	}
	memset(pregs, 0, sizeof pregs);
	if (!record_user_stack(&c, st, mask, &smp, pregs, &uregs))
		return false;

	ev->kind = l->kind;
	smp.pid = pid;
	smp.tid = tid;
	switch (l->kind) {
	case EVENT_ALLOC_CALL:
	case EVENT_ALLOC_RETURN:
	case EVENT_FREE:
		return record_alloc(l, pregs, uregs, &smp, ev, &scr->sample);
	case EVENT_FAULT:
		/* The faults this sample stands for: the event's fixed period. */
		smp.kernel = mode == PERF_RECORD_MISC_KERNEL || mode == PERF_RECORD_MISC_GUEST_KERNEL;
		smp.period = (st & PERF_SAMPLE_PERIOD) ? period : l->weight;
		smp.addr = addr;
		break;
	case EVENT_SYSCALL_ENTER:
	case EVENT_SYSCALL_EXIT:
		ev->syscall.pid = pid;
		ev->syscall.tid = tid;
		return raw && record_raw_syscall(raw, raw_size, l, ev);
	case EVENT_SYSCALL_STACK: {
		struct event tmp = { .kind = EVENT_SYSCALL_ENTER };
		struct perf_record_layout enter = *l;

		enter.kind = EVENT_SYSCALL_ENTER;
		if (!raw || !record_raw_syscall(raw, raw_size, &enter, &tmp))
			return false;
		smp.syscall_nr = tmp.syscall.nr;
		smp.syscall_weight = l->weight;
		/* At syscall entry the thread is in user mode as far as its
		 * stack goes: the user ip is where it called the kernel. */
		smp.ip = smp.has_regs ? smp.regs[EVENT_REG_IP] : smp.nr_ips ? smp.ips[0] : 0;
		break;
	}
	case EVENT_SAMPLE:
		smp.kernel = mode == PERF_RECORD_MISC_KERNEL || mode == PERF_RECORD_MISC_GUEST_KERNEL;
		smp.period = period;
		break;
	default:
		return false;
	}
	ev->sample = smp;
	return true;
}

/* Bytes of the sample_id_all trailer, and where its time is (from the end). */
static unsigned record_trailer_size(uint64_t st)
{
	return 8u * (unsigned)(!!(st & PERF_SAMPLE_TID) + !!(st & PERF_SAMPLE_TIME) +
			       !!(st & PERF_SAMPLE_ID) + !!(st & PERF_SAMPLE_STREAM_ID) +
			       !!(st & PERF_SAMPLE_CPU) + !!(st & PERF_SAMPLE_IDENTIFIER));
}

static unsigned record_trailer_time_back(uint64_t st)
{
	return 8u * (1u + (unsigned)(!!(st & PERF_SAMPLE_ID) + !!(st & PERF_SAMPLE_STREAM_ID) +
				     !!(st & PERF_SAMPLE_CPU) + !!(st & PERF_SAMPLE_IDENTIFIER)));
}

uint64_t perf_record_id(const struct perf_event_header *h)
{
	uint64_t id = 0;

	if (h->size < sizeof *h + 8)
		return 0;
	if (h->type == PERF_RECORD_SAMPLE)
		memcpy(&id, h + 1, 8);
	else
		memcpy(&id, (const uint8_t *)h + h->size - 8, 8);
	return id;
}

uint64_t perf_record_time(const struct perf_event_header *h, uint64_t st)
{
	uint64_t t = 0;
	unsigned off;

	if (!(st & PERF_SAMPLE_TIME))
		return 0;
	if (h->type == PERF_RECORD_SAMPLE) {
		off = 8u * (unsigned)(!!(st & PERF_SAMPLE_IDENTIFIER) + !!(st & PERF_SAMPLE_IP) +
				      !!(st & PERF_SAMPLE_TID));
		if (h->size >= sizeof *h + off + 8)
			memcpy(&t, (const uint8_t *)(h + 1) + off, 8);
		return t;
	}
	off = record_trailer_time_back(st);
	if (h->size >= sizeof *h + record_trailer_size(st))
		memcpy(&t, (const uint8_t *)h + h->size - off, 8);
	return t;
}

bool perf_record_decode(const struct perf_event_header *h, const struct perf_record_layout *l,
			struct event *ev, struct perf_record_scratch *scr)
{
	const uint8_t *body = (const uint8_t *)(h + 1);
	size_t trailer = record_trailer_size(l->sample_type);
	uint32_t u32[4];

	memset(ev, 0, sizeof *ev);
	if (h->type == PERF_RECORD_SAMPLE)
		return record_sample(h, l, ev, scr);
	if (h->size < sizeof *h + trailer || !(l->sample_type & PERF_SAMPLE_TIME))
		return false;
	ev->time_ns = perf_record_time(h, l->sample_type);
	switch (h->type) {
	case PERF_RECORD_MMAP2: {
		uint64_t v[3], ino;
		uint32_t prot_flags[2];
		if (h->size < sizeof *h + 64 + 8 + trailer)
			return false;
		memcpy(u32, body, 8);
		memcpy(v, body + 8, 24);
		ev->kind = EVENT_MMAP;
		ev->mmap.pid = u32[0];
		ev->mmap.tid = u32[1];
		ev->mmap.start = v[0];
		ev->mmap.len = v[1];
		ev->mmap.pgoff = v[2];
		memcpy(&ev->mmap.maj, body + 32, 4);
		memcpy(&ev->mmap.min, body + 36, 4);
		memcpy(&ino, body + 40, 8);
		ev->mmap.ino = ino;
		memcpy(prot_flags, body + 56, 8);
		ev->mmap.prot = prot_flags[0];
		/* The name is NUL-padded to 8 bytes, before the trailer. */
		ev->mmap.path = (const char *)body + 64;
		if (!memchr(ev->mmap.path, '\0', h->size - sizeof *h - 64 - trailer))
			return false;
		break;
	}
	case PERF_RECORD_COMM:
		if (h->size < sizeof *h + 8 + 8 + trailer)
			return false;
		memcpy(u32, body, 8);
		ev->kind = EVENT_COMM;
		ev->comm.pid = u32[0];
		ev->comm.tid = u32[1];
		ev->comm.comm = (const char *)body + 8;
		ev->comm.exec = h->misc & PERF_RECORD_MISC_COMM_EXEC;
		if (!memchr(ev->comm.comm, '\0', h->size - sizeof *h - 8 - trailer))
			return false;
		break;
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT:
		if (h->size < sizeof *h + 16 + trailer)
			return false;
		memcpy(u32, body, 16);
		ev->kind = h->type == PERF_RECORD_FORK ? EVENT_THREAD_START : EVENT_THREAD_EXIT;
		ev->thread.pid = u32[0];
		ev->thread.ppid = u32[1];
		ev->thread.tid = u32[2];
		ev->thread.ptid = u32[3];
		break;
	case PERF_RECORD_LOST:
		if (h->size < sizeof *h + 16 + trailer)
			return false;
		ev->kind = EVENT_LOST;
		memcpy(&ev->lost.count, body + 8, 8);
		break;
	default:
		return false;   /* throttling and the rest: nothing the model uses */
	}
	return true;
}
