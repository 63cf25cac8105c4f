/* Decoding perf ring records (see perf_record.h). */
#include "config.h"

#include <string.h>
#include <linux/perf_event.h>

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

/* Fields are read by memcpy: wrapped records sit in scratch space and the
 * kernel aligns only to 8 bytes. */
struct cursor {
	const uint8_t *p, *end;
};

static bool cur_u64(struct cursor *c, uint64_t *v)
{
	if (c->p + 8 > c->end)
		return false;
	memcpy(v, c->p, 8);
	c->p += 8;
	return true;
}

static bool cur_u32(struct cursor *c, uint32_t *v)
{
	if (c->p + 4 > c->end)
		return false;
	memcpy(v, c->p, 4);
	c->p += 4;
	return true;
}

static bool record_sample(const struct perf_event_header *h, uint64_t sample_type,
			  struct event *ev, uint64_t *ips)
{
	struct cursor c = { (const uint8_t *)(h + 1), (const uint8_t *)h + h->size };
	struct event_sample *smp = &ev->sample;
	uint64_t nr = 0, abi = 0, size = 0, dyn = 0;
	uint16_t mode = h->misc & PERF_RECORD_MISC_CPUMODE_MASK;

	if (!cur_u64(&c, &smp->ip) || !cur_u32(&c, &smp->pid) || !cur_u32(&c, &smp->tid) ||
	    !cur_u64(&c, &ev->time_ns) || !cur_u64(&c, &smp->period))
		return false;
	smp->kernel = mode == PERF_RECORD_MISC_KERNEL || mode == PERF_RECORD_MISC_GUEST_KERNEL;
	if (sample_type & PERF_SAMPLE_CALLCHAIN) {
		if (!cur_u64(&c, &nr))
			return false;
		for (uint64_t i = 0; i < nr; i++) {
			uint64_t ip;
			if (!cur_u64(&c, &ip))
				return false;
			/* Context markers (PERF_CONTEXT_USER, …) are not addresses. */
			if (ip >= (uint64_t)PERF_CONTEXT_MAX || smp->nr_ips >= PERF_MAX_STACK_DEPTH)
				continue;
			ips[smp->nr_ips++] = ip;
		}
		smp->ips = ips;
	}
	if (sample_type & PERF_SAMPLE_REGS_USER) {
		if (!cur_u64(&c, &abi))
			return false;
		if (abi != PERF_SAMPLE_REGS_ABI_NONE) {
			for (size_t i = 0; i < ARRAY_SIZE(record_regs); i++)
				if (!cur_u64(&c, &smp->regs[record_regs[i].ev]))
					return false;
			smp->has_regs = true;
		}
	}
	if (sample_type & PERF_SAMPLE_STACK_USER) {
		if (!cur_u64(&c, &size))
			return false;
		if (size) {
			smp->stack = c.p;
			if (c.p + size + 8 > c.end)
				return false;
			c.p += size;
			cur_u64(&c, &dyn);
			smp->stack_size = (uint32_t)MIN(dyn, size);
		}
	}
	return true;
}

/* The sample_id trailer of a non-sample record: pid, tid, time. */
static uint64_t record_trailer_time(const struct perf_event_header *h)
{
	uint64_t t;

	memcpy(&t, (const uint8_t *)h + h->size - 8, 8);
	return t;
}

/* A record's time: in a sample after ip and pid/tid, else in the trailer. */
uint64_t perf_record_time(const struct perf_event_header *h)
{
	uint64_t t = 0;

	if (h->type == PERF_RECORD_SAMPLE) {
		if (h->size >= sizeof *h + 24)
			memcpy(&t, (const uint8_t *)(h + 1) + 16, 8);
		return t;
	}
	return h->size >= sizeof *h + 16 ? record_trailer_time(h) : 0;
}

bool perf_record_decode(const struct perf_event_header *h, uint64_t sample_type,
			struct event *ev, uint64_t *ips)
{
	const uint8_t *body = (const uint8_t *)(h + 1);
	uint32_t u32[4];

	memset(ev, 0, sizeof *ev);
	if (h->type == PERF_RECORD_SAMPLE) {
		ev->kind = EVENT_SAMPLE;
		return record_sample(h, sample_type, ev, ips);
	}
	if (h->size < sizeof *h + 16)
		return false;
	ev->time_ns = record_trailer_time(h);
	switch (h->type) {
	case PERF_RECORD_MMAP2: {
		uint64_t v[3], ino;
		uint32_t prot_flags[2];
		if (h->size < sizeof *h + 8 + 24 + 24 + 8 + 16)
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
		/* The name is NUL-padded to 8 bytes, before the 16-byte trailer. */
		ev->mmap.path = (const char *)body + 64;
		if (!memchr(ev->mmap.path, '\0', (size_t)(h->size - sizeof *h - 64 - 16)))
			return false;
		break;
	}
	case PERF_RECORD_COMM:
		if (h->size < sizeof *h + 8 + 8 + 16)
			return false;
		memcpy(u32, body, 8);
		ev->kind = EVENT_COMM;
		ev->comm.pid = u32[0];
		ev->comm.tid = u32[1];
		ev->comm.comm = (const char *)body + 8;
		ev->comm.exec = h->misc & PERF_RECORD_MISC_COMM_EXEC;
		if (!memchr(ev->comm.comm, '\0', (size_t)(h->size - sizeof *h - 8 - 16)))
			return false;
		break;
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT:
		memcpy(u32, body, 16);
		ev->kind = h->type == PERF_RECORD_FORK ? EVENT_THREAD_START : EVENT_THREAD_EXIT;
		ev->thread.pid = u32[0];
		ev->thread.ppid = u32[1];
		ev->thread.tid = u32[2];
		ev->thread.ptid = u32[3];
		break;
	case PERF_RECORD_LOST:
		ev->kind = EVENT_LOST;
		memcpy(&ev->lost.count, body + 8, 8);
		break;
	default:
		return false;   /* throttling and the rest: nothing the model uses */
	}
	return true;
}
