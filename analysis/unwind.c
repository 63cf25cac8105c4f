/* DWARF unwinding of copied user stacks (see unwind.h).  The design follows
 * perf's unwind-libunwind-local.c: find_proc_info binary-searches the
 * module's .eh_frame_hdr table through _Ux86_64_dwarf_search_unwind_table,
 * access_mem reads the stack copy or the module's file image, and
 * libunwind's cache keeps repeated IPs from redoing the CFI work. */
#include "config.h"

#include <stdlib.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>

#define UNW_REMOTE_ONLY
#include <libunwind.h>

#include "unwind.h"
#include "maps.h"
#include "modules.h"
#include "../sampler/event.h"
#include "../common/xalloc.h"

/* Exported by libunwind-x86_64 but not declared in its headers. */
extern int _Ux86_64_dwarf_search_unwind_table(unw_addr_space_t as, unw_word_t ip,
					       unw_dyn_info_t *di, unw_proc_info_t *pi,
					       int need_unwind_info, void *arg);

/* libunwind guards its caches and memory pools with a lock taken with all
 * signals blocked (sigprocmask around every lookup), so that a signal
 * handler unwinding the same thread cannot deadlock.  Debian's build has
 * no lock-free per-thread cache, so that is two syscalls per frame: in
 * this VM they were most of an unwind's 18 µs.  kprof-top never unwinds
 * from a signal handler, so while this thread unwinds, libunwind's calls
 * skip the syscall; everyone else's go through.  An executable's own
 * definition wins over libc's for calls from shared libraries. */
static __thread bool unwind_active;

int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	int e;

	if (unwind_active) {
		/* libunwind restores this later, which is skipped alike. */
		if (old)
			sigemptyset(old);
		return 0;
	}
	e = pthread_sigmask(how, set, old);
	if (e) {
		errno = e;
		return -1;
	}
	return 0;
}

struct unwinder {
	struct maps *maps;
	unw_addr_space_t as;
	uint64_t maps_gen;
};

/* What the accessors need for one sample. */
struct unwind_ctx {
	struct unwinder *u;
	const struct event_sample *s;
	int stack_exhausted;   /* a read fell just past the copied stack */
};

/* DW_EH_PE pointer encodings used by .eh_frame_hdr. */
enum {
	PE_ABSPTR = 0x00, PE_UDATA4 = 0x03, PE_SDATA4 = 0x0b, PE_UDATA8 = 0x04,
	PE_SDATA8 = 0x0c, PE_PCREL = 0x10, PE_DATAREL = 0x30, PE_OMIT = 0xff,
};

/* Decode one encoded value at p (ELF address addr of p, hdr the header's
 * address for datarel); returns bytes consumed or 0 if unsupported. */
static size_t unwind_decode(const uint8_t *p, uint8_t enc, uint64_t addr,
			    uint64_t hdr, uint64_t *out)
{
	uint64_t v;
	size_t n;
	int32_t s4;
	uint32_t u4;

	switch (enc & 0x0f) {
	case PE_UDATA4: memcpy(&u4, p, 4); v = u4; n = 4; break;
	case PE_SDATA4: memcpy(&s4, p, 4); v = (uint64_t)(int64_t)s4; n = 4; break;
	case PE_ABSPTR:
	case PE_UDATA8:
	case PE_SDATA8: memcpy(&v, p, 8); n = 8; break;
	default: return 0;
	}
	switch (enc & 0x70) {
	case 0: break;
	case PE_PCREL: v += addr; break;
	case PE_DATAREL: v += hdr; break;
	default: return 0;
	}
	*out = v;
	return n;
}

static int unwind_find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi,
				 int need_unwind_info, void *arg)
{
	struct unwind_ctx *ctx = arg;
	const struct map *map = maps_find(ctx->u->maps, ip);
	uint64_t hdr, hdr_size, eh_frame, fde_count;
	uint8_t buf[4 + 8 + 8] = { 0 };
	size_t off = 4, n, have;
	unw_dyn_info_t di;

	if (!map || !map->mod || !module_eh_frame_hdr(map->mod, &hdr, &hdr_size))
		return -UNW_ENOINFO;
	have = MIN(sizeof buf, hdr_size);
	if (hdr_size < 12 || !module_read(map->mod, hdr, buf, have))
		return -UNW_ENOINFO;
	/* version 1; the table must be sorted 4-byte datarel pairs to search. */
	if (buf[0] != 1 || buf[3] != (PE_DATAREL | PE_SDATA4))
		return -UNW_ENOINFO;
	/* A header that claims wider fields than it holds is corrupt. */
	n = unwind_decode(buf + off, buf[1], hdr + off, hdr, &eh_frame);
	if (!n || off + n > have)
		return -UNW_ENOINFO;
	off += n;
	n = unwind_decode(buf + off, buf[2], hdr + off, hdr, &fde_count);
	if (!n || buf[2] == PE_OMIT || off + n > have)
		return -UNW_ENOINFO;
	off += n;

	memset(&di, 0, sizeof di);
	di.format = UNW_INFO_FORMAT_REMOTE_TABLE;
	di.start_ip = map->start;
	di.end_ip = map->end;
	di.u.rti.segbase = hdr + map->bias;
	di.u.rti.table_data = hdr + off + map->bias;
	di.u.rti.table_len = fde_count * 8 / sizeof(unw_word_t);
	return _Ux86_64_dwarf_search_unwind_table(as, ip, &di, pi, need_unwind_info, arg);
}

static void unwind_put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi, void *arg)
{
}

static int unwind_get_dyn_info_list_addr(unw_addr_space_t as, unw_word_t *dilap, void *arg)
{
	return -UNW_ENOINFO;
}

static int unwind_access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *valp,
			     int write, void *arg)
{
	struct unwind_ctx *ctx = arg;
	const struct event_sample *s = ctx->s;
	uint64_t sp = s->regs[EVENT_REG_SP];
	const struct map *map;

	if (write)
		return -UNW_EINVAL;
	/* Written so that no sum can wrap: sp comes from the target. */
	if (addr >= sp && s->stack_size >= sizeof *valp && addr - sp <= s->stack_size - sizeof *valp) {
		memcpy(valp, s->stack + (addr - sp), sizeof *valp);
		return 0;
	}
	map = maps_find(ctx->u->maps, addr);
	if (map && map->mod && module_read(map->mod, addr - map->bias, valp, sizeof *valp))
		return 0;
	/* Just above the copy: the kernel stopped copying at the stack's top or
	 * at our size limit.  Either way the walk ends here. */
	if (addr >= sp && addr - sp < s->stack_size + 65536)
		ctx->stack_exhausted = 1;
	return -UNW_EINVAL;
}

static int unwind_access_reg(unw_addr_space_t as, unw_regnum_t regnum, unw_word_t *valp,
			     int write, void *arg)
{
	static const int8_t perf_index[] = {
		[UNW_X86_64_RIP] = EVENT_REG_IP, [UNW_X86_64_RSP] = EVENT_REG_SP,
		[UNW_X86_64_RBP] = EVENT_REG_BP, [UNW_X86_64_RBX] = EVENT_REG_BX,
		[UNW_X86_64_R12] = EVENT_REG_R12, [UNW_X86_64_R13] = EVENT_REG_R13,
		[UNW_X86_64_R14] = EVENT_REG_R14, [UNW_X86_64_R15] = EVENT_REG_R15,
	};
	struct unwind_ctx *ctx = arg;
	int idx;

	if (write || regnum < 0 || (size_t)regnum >= sizeof perf_index)
		return -UNW_EBADREG;
	idx = perf_index[regnum];
	/* Unlisted entries are 0, which is EVENT_REG_IP: only RIP may map there. */
	if (idx == EVENT_REG_IP && regnum != UNW_X86_64_RIP)
		return -UNW_EBADREG;
	*valp = ctx->s->regs[idx];
	return 0;
}

static int unwind_access_fpreg(unw_addr_space_t as, unw_regnum_t num, unw_fpreg_t *val,
			       int write, void *arg)
{
	return -UNW_EINVAL;
}

static int unwind_resume(unw_addr_space_t as, unw_cursor_t *cu, void *arg)
{
	return -UNW_EINVAL;
}

static int unwind_get_proc_name(unw_addr_space_t as, unw_word_t addr, char *bufp,
				size_t buf_len, unw_word_t *offp, void *arg)
{
	return -UNW_EINVAL;   /* names come from our own symbolizer */
}

static unw_accessors_t unwind_accessors = {
	.find_proc_info = unwind_find_proc_info,
	.put_unwind_info = unwind_put_unwind_info,
	.get_dyn_info_list_addr = unwind_get_dyn_info_list_addr,
	.access_mem = unwind_access_mem,
	.access_reg = unwind_access_reg,
	.access_fpreg = unwind_access_fpreg,
	.resume = unwind_resume,
	.get_proc_name = unwind_get_proc_name,
};

struct unwinder *unwinder_new(struct maps *maps)
{
	struct unwinder *u = xcalloc(1, sizeof *u);

	u->maps = maps;
	u->as = unw_create_addr_space(&unwind_accessors, 0);
	if (!u->as)
		xalloc_die();
	/* Without the global cache every frame redoes the CFI lookup: 5-10x
	 * slower (FIELD-NOTES: 31-53k vs 243-500k stacks/s). */
	unw_set_caching_policy(u->as, UNW_CACHE_PER_THREAD);
	u->maps_gen = maps_generation(maps);
	return u;
}

void unwinder_free(struct unwinder *u)
{
	if (!u)
		return;
	unw_destroy_addr_space(u->as);
	free(u);
}

void unwinder_flush(struct unwinder *u)
{
	unw_flush_cache(u->as, 0, 0);
	u->maps_gen = maps_generation(u->maps);
}

int unwinder_unwind(struct unwinder *u, const struct event_sample *s,
		    uint64_t *ips, int max, int *complete)
{
	struct unwind_ctx ctx = { .u = u, .s = s };
	unw_cursor_t cursor;
	unw_word_t ip, sp, prev_sp = 0;
	int n = 0, step = 0;

	*complete = 0;
	if (!s->has_regs || max <= 0)
		return 0;
	/* A mapping that moved would leave stale cached CFI keyed by address. */
	if (maps_generation(u->maps) != u->maps_gen)
		unwinder_flush(u);
	ips[n++] = s->regs[EVENT_REG_IP];
	unwind_active = true;
	if (unw_init_remote(&cursor, u->as, &ctx) < 0) {
		unwind_active = false;
		return n;
	}
	while (n < max) {
		step = unw_step(&cursor);
		if (step <= 0)
			break;
		if (unw_get_reg(&cursor, UNW_REG_IP, &ip) < 0 || ip == 0)
			break;
		unw_get_reg(&cursor, UNW_REG_SP, &sp);
		/* The stack grows down, so callers' SPs only go up; a repeat
		 * means the CFI is looping. */
		if (n > 1 && sp <= prev_sp && ip == ips[n - 1])
			break;
		prev_sp = sp;
		ips[n++] = ip;
	}
	unwind_active = false;
	*complete = step == 0 && !ctx.stack_exhausted;
	return n;
}
