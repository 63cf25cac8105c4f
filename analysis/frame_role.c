/* Whose code a frame is (see frame_role.h): one table, matched by exact
 * name, name prefix or module prefix.  Allocator rules win over runtime
 * ones: write() in libc is libc's, and libc is the allocator's side of an
 * allocation site. */
#include "config.h"

#include <string.h>

#include "frame_role.h"
#include "funcs.h"
#include "../common/macros.h"

enum match { BY_NAME, BY_PREFIX, BY_MODULE };

static const struct {
	enum frame_role role;
	enum match by;
	const char *s;
} frame_rules[] = {
	{ FRAME_ALLOCATOR, BY_NAME, "malloc" }, { FRAME_ALLOCATOR, BY_NAME, "calloc" },
	{ FRAME_ALLOCATOR, BY_NAME, "realloc" }, { FRAME_ALLOCATOR, BY_NAME, "reallocarray" },
	{ FRAME_ALLOCATOR, BY_NAME, "free" }, { FRAME_ALLOCATOR, BY_NAME, "cfree" },
	{ FRAME_ALLOCATOR, BY_NAME, "posix_memalign" }, { FRAME_ALLOCATOR, BY_NAME, "aligned_alloc" },
	{ FRAME_ALLOCATOR, BY_NAME, "memalign" }, { FRAME_ALLOCATOR, BY_NAME, "valloc" },
	{ FRAME_ALLOCATOR, BY_NAME, "pvalloc" }, { FRAME_ALLOCATOR, BY_NAME, "mmap" },
	{ FRAME_ALLOCATOR, BY_NAME, "mmap64" }, { FRAME_ALLOCATOR, BY_NAME, "sysmalloc" },
	/* C++'s operators (demangled with their arguments), glibc's insides in
	 * a static binary, the sanitizers' wrappers. */
	{ FRAME_ALLOCATOR, BY_PREFIX, "operator new" }, { FRAME_ALLOCATOR, BY_PREFIX, "operator delete" },
	{ FRAME_ALLOCATOR, BY_PREFIX, "__libc_" }, { FRAME_ALLOCATOR, BY_PREFIX, "__GI_" },
	{ FRAME_ALLOCATOR, BY_PREFIX, "_int_" }, { FRAME_ALLOCATOR, BY_PREFIX, "__interceptor_" },
	/* libc's own callers of malloc (strdup, fopen...) aren't a site either;
	 * the kernel's frames are where a fault was taken. */
	{ FRAME_ALLOCATOR, BY_MODULE, "libc.so" }, { FRAME_ALLOCATOR, BY_MODULE, "libc-" },
	{ FRAME_ALLOCATOR, BY_MODULE, "libkprof-alloc" }, { FRAME_ALLOCATOR, BY_MODULE, "libjemalloc" },
	{ FRAME_ALLOCATOR, BY_MODULE, "libtcmalloc" }, { FRAME_ALLOCATOR, BY_MODULE, "[kernel]" },

	{ FRAME_RUNTIME, BY_NAME, "write" }, { FRAME_RUNTIME, BY_NAME, "read" },
	{ FRAME_RUNTIME, BY_NAME, "writev" }, { FRAME_RUNTIME, BY_NAME, "pwrite64" },
	{ FRAME_RUNTIME, BY_NAME, "syscall" },
	{ FRAME_RUNTIME, BY_PREFIX, "__lll_" }, { FRAME_RUNTIME, BY_PREFIX, "pthread_" },
	{ FRAME_RUNTIME, BY_PREFIX, "__pthread_" }, { FRAME_RUNTIME, BY_PREFIX, "___pthread_" },
	{ FRAME_RUNTIME, BY_PREFIX, "__futex" }, { FRAME_RUNTIME, BY_PREFIX, "futex_" },
	{ FRAME_RUNTIME, BY_PREFIX, "_IO_" }, { FRAME_RUNTIME, BY_PREFIX, "__write" },
	{ FRAME_RUNTIME, BY_PREFIX, "__read" },
	{ FRAME_RUNTIME, BY_MODULE, "libpthread" }, { FRAME_RUNTIME, BY_MODULE, "ld-linux" },
	{ FRAME_RUNTIME, BY_MODULE, "[vdso]" },
};

static bool frame_rule_matches(size_t i, const struct func *f)
{
	const char *s = frame_rules[i].s;

	switch (frame_rules[i].by) {
	case BY_NAME:
		return strcmp(f->name, s) == 0;
	case BY_PREFIX:
		return strncmp(f->name, s, strlen(s)) == 0;
	case BY_MODULE:
		return strncmp(f->module, s, strlen(s)) == 0;
	}
	return false;
}

enum frame_role frame_role(const struct func *f)
{
	enum frame_role best = FRAME_PROGRAM;

	for (size_t i = 0; i < ARRAY_SIZE(frame_rules) && best != FRAME_ALLOCATOR; i++)
		if (frame_rules[i].role > best && frame_rule_matches(i, f))
			best = frame_rules[i].role;
	return best;
}

bool frame_site(const struct funcs *fs, const uint32_t *frames, uint32_t n, enum frame_role skip,
		uint32_t *func, uint32_t *caller)
{
	uint32_t nf = funcs_count(fs), at;

	*func = *caller = FRAME_NONE;
	if (!n)
		return false;
	for (at = n; at-- > 0;)
		if (frames[at] >= nf || frame_role(funcs_get(fs, frames[at])) < skip)
			break;
	if (at == UINT32_MAX)
		at = n - 1;
	*func = frames[at];
	if (at > 0)
		*caller = frames[at - 1];
	return true;
}
