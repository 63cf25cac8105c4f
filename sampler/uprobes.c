/* Allocator uprobes (see uprobes.h).
 *
 * The uprobe PMU (perf_event_open with type from
 * /sys/bus/event_source/devices/uprobe/type, config1 = path, config2 = file
 * offset) needs no tracefs and leaves nothing registered behind: a probe
 * lives exactly as long as its perf event fd, so closing the fds, kprof-top
 * exiting or being killed (kill -9 included) removes it from the target's
 * text.  Checked on kernel 6.18: after both, the target runs on, nothing is
 * listed in /sys/kernel/tracing/uprobe_events (perf_event_open uprobes
 * never are), and /sys/kernel/debug/tracing/uprobe_profile is empty.
 *
 * Cost: every hit traps, whatever the sample period; an instruction the
 * kernel cannot emulate is single-stepped out of line, ~10x dearer
 * (FIELD-NOTES: 25 us), so probes skip a leading compare to the branch
 * after it when they can (glibc's free starts with test %rdi,%rdi). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>

#include "uprobes.h"
#include "perf_record.h"
#include "proc.h"
#include "../common/macros.h"

#define UPROBES_PMU "/sys/bus/event_source/devices/uprobe"

/* What is probed.  posix_memalign is not: it returns its block through
 * memory (*memptr), which a uretprobe record cannot read; aligned_alloc
 * and memalign return it in rax (and are one function in glibc). */
static const struct {
	const char *symbol;
	enum event_alloc_fn fn;
	bool has_return;
	uint64_t args;            /* registers holding what ALLOC_CALL reports */
} uprobes_fns[] = {
	{ "malloc", EVENT_ALLOC_MALLOC, true, 1ULL << PERF_RECORD_REG_DI },
	{ "calloc", EVENT_ALLOC_CALLOC, true, 1ULL << PERF_RECORD_REG_DI | 1ULL << PERF_RECORD_REG_SI },
	{ "realloc", EVENT_ALLOC_REALLOC, true, 1ULL << PERF_RECORD_REG_DI | 1ULL << PERF_RECORD_REG_SI },
	{ "aligned_alloc", EVENT_ALLOC_MEMALIGN, true, 1ULL << PERF_RECORD_REG_SI },
	{ "memalign", EVENT_ALLOC_MEMALIGN, true, 1ULL << PERF_RECORD_REG_SI },
	{ "free", 0, false, 1ULL << PERF_RECORD_REG_DI },
};

bool uprobes_libc_from_maps(const char *maps, char *path, size_t len)
{
	for (const char *p = maps; *p;) {
		const char *nl = strchr(p, '\n'), *slash, *name, *end;
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		end = p + n;
		slash = memchr(p, '/', n);
		if (slash) {
			name = end;
			while (name > slash && name[-1] != '/')
				name--;
			/* libc.so.6, or libc-2.31.so of older glibc; not libcap. */
			if ((end - name == 9 && memcmp(name, "libc.so.6", 9) == 0) ||
			    (end - name > 8 && memcmp(name, "libc-", 5) == 0 &&
			     memcmp(end - 3, ".so", 3) == 0)) {
				snprintf(path, len, "%.*s", (int)(end - slash), slash);
				return true;
			}
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	return false;
}

/* The file offset of vaddr, through the PT_LOAD that holds it. */
static int uprobes_vaddr_offset(Elf *elf, uint64_t vaddr, uint64_t *offset)
{
	size_t n;

	if (elf_getphdrnum(elf, &n) != 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz) {
			*offset = vaddr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

static int uprobes_find_symbol(Elf *elf, Elf64_Word type, const char *symbol, uint64_t *vaddr)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != type || !sh.sh_entsize ||
		    !(data = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *name;
			int t;

			if (!gelf_getsym(data, (int)i, &sym) || sym.st_shndx == SHN_UNDEF)
				continue;
			t = GELF_ST_TYPE(sym.st_info);
			/* An IFUNC's value is its resolver, not the function. */
			if (t != STT_FUNC)
				continue;
			name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (name && strcmp(name, symbol) == 0) {
				*vaddr = sym.st_value;
				return 0;
			}
		}
	}
	return -ENOENT;
}

int uprobes_symbol_offset(const char *path, const char *symbol, uint64_t *offset)
{
	uint64_t vaddr = 0;
	Elf *elf;
	int fd, rc;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf) {
		close(fd);
		return -EINVAL;
	}
	rc = uprobes_find_symbol(elf, SHT_DYNSYM, symbol, &vaddr);
	if (rc == -ENOENT)
		rc = uprobes_find_symbol(elf, SHT_SYMTAB, symbol, &vaddr);
	if (rc == 0)
		rc = uprobes_vaddr_offset(elf, vaddr, offset);
	elf_end(elf);
	close(fd);
	return rc;
}

int uprobes_parse_format(const char *text)
{
	int bit;
	char end;

	if (!text || sscanf(text, "config:%d%c", &bit, &end) < 1 || bit < 0 || bit > 63)
		return -1;
	return bit;
}

/* Whether the instruction at code is one arch/x86/kernel/uprobes.c
 * emulates instead of single-stepping: push reg, nop, endbr64, jmp, jcc,
 * call.  Returns its length, or 0. */
static size_t uprobes_emulated_insn(const uint8_t *c, size_t len)
{
	if (len >= 4 && c[0] == 0xf3 && c[1] == 0x0f && c[2] == 0x1e && c[3] == 0xfa)
		return 4;                                   /* endbr64 */
	if (len >= 1 && ((c[0] >= 0x50 && c[0] <= 0x57) || c[0] == 0x90))
		return 1;                                   /* push reg, nop */
	if (len >= 2 && c[0] == 0x41 && c[1] >= 0x50 && c[1] <= 0x57)
		return 2;                                   /* push r8-r15 */
	if (len >= 2 && (c[0] == 0xeb || (c[0] >= 0x70 && c[0] <= 0x7f)))
		return 2;                                   /* jmp/jcc rel8 */
	if (len >= 5 && (c[0] == 0xe9 || c[0] == 0xe8))
		return 5;                                   /* jmp/call rel32 */
	if (len >= 6 && c[0] == 0x0f && c[1] >= 0x80 && c[1] <= 0x8f)
		return 6;                                   /* jcc rel32 */
	return 0;
}

/* A leading instruction that only sets flags, which a probe may skip
 * without the arguments changing: its length, or 0. */
static size_t uprobes_flags_only(const uint8_t *c, size_t len)
{
	if (len >= 3 && c[0] == 0x48 && c[1] == 0x85 && (c[2] & 0xc0) == 0xc0)
		return 3;                                   /* test r64, r64 */
	if (len >= 7 && c[0] == 0x80 && c[1] == 0x3d)
		return 7;                                   /* cmpb $imm8, disp32(%rip) */
	return 0;
}

int uprobes_emulated_at(const uint8_t *code, size_t len)
{
	size_t skip;

	if (uprobes_emulated_insn(code, len))
		return 0;
	/* Past the compare the branch reads its flags, and rdi/rsi still hold
	 * the arguments and [rsp] the return address, so entry and return
	 * probes there see what they would at the first byte. */
	skip = uprobes_flags_only(code, len);
	if (skip && uprobes_emulated_insn(code + skip, len - skip))
		return (int)skip;
	return -1;
}

/* Move the probe at *offset past a leading compare when that lands it on
 * an emulated instruction; false when it stays on a stepped one. */
static bool uprobes_place(int fd, uint64_t *offset)
{
	uint8_t code[16];
	ssize_t n = pread(fd, code, sizeof code, (off_t)*offset);
	int at;

	if (n <= 0)
		return false;
	at = uprobes_emulated_at(code, (size_t)n);
	if (at < 0)
		return false;
	*offset += (uint64_t)at;
	return true;
}

static bool uprobes_have(const struct uprobes *u, uint64_t offset)
{
	for (size_t i = 0; i < u->n; i++)
		if (u->probe[i].offset == offset && !u->probe[i].retprobe)
			return true;
	return false;
}

static void uprobes_add(struct uprobes *u, struct uprobes_probe p)
{
	if (u->n < UPROBES_MAX)
		u->probe[u->n++] = p;
}

int uprobes_find(struct uprobes *u, pid_t pid, char *err, size_t errlen)
{
	char path[64], lib[PATH_MAX], *text;
	int bit, fd, rc;
	long type;

	memset(u, 0, sizeof *u);
	text = proc_read_file(UPROBES_PMU "/type", NULL);
	type = text ? strtol(text, NULL, 10) : -1;
	free(text);
	text = proc_read_file(UPROBES_PMU "/format/retprobe", NULL);
	bit = uprobes_parse_format(text);
	free(text);
	if (type <= 0 || bit < 0) {
		snprintf(err, errlen, "no uprobe PMU (%s)", UPROBES_PMU);
		return -ENOENT;
	}
	u->type = (uint32_t)type;
	u->retprobe_bit = (unsigned)bit;

	snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
	text = proc_read_file(path, NULL);
	if (!text || !uprobes_libc_from_maps(text, lib, sizeof lib)) {
		rc = text ? -ENOENT : -errno;
		snprintf(err, errlen, "%s", text ? "no libc mapped (a static binary?)"
						 : "cannot read the target's maps");
		free(text);
		return rc;
	}
	free(text);
	/* The target's file, also when it lives in another mount namespace. */
	snprintf(u->path, sizeof u->path, "/proc/%d/root%.*s", (int)pid, PATH_MAX - 32, lib);
	fd = open(u->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open %s: %s", u->path, strerror(errno));
		return rc;
	}
	for (size_t i = 0; i < ARRAY_SIZE(uprobes_fns); i++) {
		uint64_t off;
		bool fast;

		if (uprobes_symbol_offset(u->path, uprobes_fns[i].symbol, &off) < 0)
			continue;   /* an allocator this libc lacks */
		fast = uprobes_place(fd, &off);
		/* aligned_alloc and memalign share their code in glibc. */
		if (uprobes_have(u, off))
			continue;
		u->stepped += !fast;
		if (!uprobes_fns[i].has_return) {
			uprobes_add(u, (struct uprobes_probe){ uprobes_fns[i].symbol, EVENT_FREE, 0,
				false, false, off, uprobes_fns[i].args });
			continue;
		}
		uprobes_add(u, (struct uprobes_probe){ uprobes_fns[i].symbol, EVENT_ALLOC_CALL,
			uprobes_fns[i].fn, false, true, off, uprobes_fns[i].args });
		uprobes_add(u, (struct uprobes_probe){ uprobes_fns[i].symbol, EVENT_ALLOC_RETURN,
			uprobes_fns[i].fn, true, false, off, 1ULL << PERF_RECORD_REG_AX });
		/* The stack-taking entry runs every Nth call: realloc's old
		 * block is given back on every call, by a probe of its own. */
		if (uprobes_fns[i].fn == EVENT_ALLOC_REALLOC)
			uprobes_add(u, (struct uprobes_probe){ uprobes_fns[i].symbol, EVENT_FREE, 0,
				false, false, off, 1ULL << PERF_RECORD_REG_DI });
	}
	close(fd);
	if (u->n == 0) {
		snprintf(err, errlen, "no malloc or free in %s", lib);
		return -ENOENT;
	}
	return 0;
}

void uprobes_attr(const struct uprobes *u, size_t i, struct perf_event_attr *a)
{
	a->type = u->type;
	a->config = u->probe[i].retprobe ? 1ULL << u->retprobe_bit : 0;
	a->config1 = (uint64_t)(uintptr_t)u->path;
	a->config2 = u->probe[i].offset;
}
