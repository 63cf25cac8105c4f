/* Pairing syscall entries with exits (see syscalls.h).  A thread is in at
 * most one syscall, so the state is one pending entry per thread, found by
 * tid; a dense array with swap-removal keeps it as small as the number of
 * threads blocked or busy in a traced call right now. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "syscalls.h"
#include "u64map.h"
#include "../common/xalloc.h"

/* A stack record may come just before its entry record: both are written
 * by one tracepoint hit, and the kernel runs the events attached last
 * first.  A pending slot with enter_ns 0 holds such a stack until the
 * entry comes. */
#define SYSCALLS_AWAITING_ENTER 0

struct syscalls {
	struct syscall_call *v;   /* pending entries; ret/exit_ns unused */
	size_t n, cap;
	struct u64map by_tid;     /* tid → index in v */
	uint64_t unpaired;        /* exits with no matching entry */
};

struct syscalls *syscalls_new(void)
{
	return xcalloc(1, sizeof(struct syscalls));
}

void syscalls_free(struct syscalls *s)
{
	if (!s)
		return;
	free(s->v);
	u64map_fini(&s->by_tid);
	free(s);
}

static void syscalls_remove(struct syscalls *s, uint32_t tid, uint32_t i)
{
	u64map_del(&s->by_tid, tid);
	if (i + 1 < s->n) {
		s->v[i] = s->v[s->n - 1];
		u64map_put(&s->by_tid, s->v[i].tid, i);
	}
	s->n--;
}

/* tid's pending slot, made (empty) on first need. */
static uint32_t syscalls_slot(struct syscalls *s, uint32_t tid)
{
	uint32_t i = u64map_get(&s->by_tid, tid);

	if (i == U64MAP_NONE) {
		xgrow(&s->v, &s->cap, s->n + 1, sizeof *s->v);
		i = (uint32_t)s->n++;
		u64map_put(&s->by_tid, tid, i);
		s->v[i] = (struct syscall_call){ .tid = tid, .nr = -1, .stack = SYSCALLS_NO_STACK };
	}
	return i;
}

void syscalls_enter(struct syscalls *s, uint32_t tid, uint64_t time_ns, int32_t nr,
		    const uint64_t args[6])
{
	uint32_t i = syscalls_slot(s, tid);
	uint32_t stack = SYSCALLS_NO_STACK, weight = 0;

	/* Keep a stack that came first; any other pending entry here lost its
	 * exit, and the new call replaces it. */
	if (s->v[i].enter_ns == SYSCALLS_AWAITING_ENTER && s->v[i].nr == nr) {
		stack = s->v[i].stack;
		weight = s->v[i].stack_weight;
	}
	s->v[i] = (struct syscall_call){
		.tid = tid, .nr = nr, .enter_ns = time_ns ? time_ns : 1,
		.stack = stack, .stack_weight = weight,
	};
	memcpy(s->v[i].args, args, sizeof s->v[i].args);
}

void syscalls_stack(struct syscalls *s, uint32_t tid, int32_t nr, uint32_t stack,
		    uint32_t weight)
{
	uint32_t i = syscalls_slot(s, tid);

	/* No entry of this call yet: hold the stack for it. */
	if (s->v[i].nr != nr || s->v[i].enter_ns == SYSCALLS_AWAITING_ENTER)
		s->v[i] = (struct syscall_call){ .tid = tid, .nr = nr,
						 .enter_ns = SYSCALLS_AWAITING_ENTER };
	s->v[i].stack = stack;
	s->v[i].stack_weight = weight ? weight : 1;
}

bool syscalls_exit(struct syscalls *s, uint32_t tid, uint64_t time_ns, int32_t nr,
		   int64_t ret, struct syscall_call *out)
{
	uint32_t i = u64map_get(&s->by_tid, tid);

	if (i == U64MAP_NONE) {
		s->unpaired++;
		return false;
	}
	/* Another syscall's entry: the exit of that one and the entry of this
	 * one were lost.  Neither makes a call. */
	/* An exit from before the pending entry belongs to an earlier call
	 * whose entry was lost: the pending one is still good. */
	if (s->v[i].enter_ns != SYSCALLS_AWAITING_ENTER && time_ns < s->v[i].enter_ns) {
		s->unpaired++;
		return false;
	}
	if (s->v[i].nr != nr || s->v[i].enter_ns == SYSCALLS_AWAITING_ENTER) {
		s->unpaired++;
		syscalls_remove(s, tid, i);
		return false;
	}
	*out = s->v[i];
	out->ret = ret;
	out->exit_ns = time_ns;
	syscalls_remove(s, tid, i);
	return true;
}

void syscalls_reset(struct syscalls *s)
{
	s->n = 0;
	u64map_clear(&s->by_tid);
}

void syscalls_forget(struct syscalls *s, uint32_t tid)
{
	uint32_t i = u64map_get(&s->by_tid, tid);

	if (i != U64MAP_NONE)
		syscalls_remove(s, tid, i);
}

size_t syscalls_pending(const struct syscalls *s)
{
	return s->n;
}

uint64_t syscalls_unpaired(const struct syscalls *s)
{
	return s->unpaired;
}

size_t syscalls_memory(const struct syscalls *s)
{
	return sizeof *s + s->cap * sizeof *s->v + u64map_memory(&s->by_tid);
}

/* CLOSE_RANGE_CLOEXEC (linux/close_range.h, not in every libc's headers). */
#define SYSCALLS_CLOSE_RANGE_CLOEXEC (1u << 2)

bool syscalls_closed_fds(int32_t nr, const uint64_t args[6], int64_t ret, uint32_t *first,
			 uint32_t *last)
{
	switch (nr) {
	case SYSCALLS_CLOSE:
		if (ret < 0 && ret != -EINTR && ret != -EIO)
			return false;
		*first = *last = (uint32_t)args[0];
		return true;
	case SYSCALLS_DUP2:
	case SYSCALLS_DUP3:
		if (ret < 0 || args[0] == args[1])
			return false;
		*first = *last = (uint32_t)args[1];
		return true;
	case SYSCALLS_CLOSE_RANGE:
		if (ret != 0 || (args[2] & SYSCALLS_CLOSE_RANGE_CLOEXEC))
			return false;
		*first = (uint32_t)args[0];
		*last = (uint32_t)args[1];
		return *first <= *last;
	default:
		return false;
	}
}
