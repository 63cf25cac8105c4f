/* Pairing traced syscall entries with their exits, per thread, into
 * completed calls with a duration and, for the sampled subset of entries
 * that carried a user stack, the stack.  Pure: events in, calls out. */
#ifndef KPROF_SYSCALLS_H
#define KPROF_SYSCALLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* x86_64 numbers of the syscalls kprof-top traces. */
enum {
	SYSCALLS_READ = 0, SYSCALLS_WRITE = 1, SYSCALLS_CLOSE = 3,
	SYSCALLS_PREAD64 = 17, SYSCALLS_PWRITE64 = 18, SYSCALLS_READV = 19,
	SYSCALLS_WRITEV = 20, SYSCALLS_DUP2 = 33, SYSCALLS_SENDFILE = 40,
	SYSCALLS_SENDTO = 44, SYSCALLS_RECVFROM = 45, SYSCALLS_SENDMSG = 46,
	SYSCALLS_RECVMSG = 47, SYSCALLS_FUTEX = 202, SYSCALLS_SPLICE = 275,
	SYSCALLS_DUP3 = 292, SYSCALLS_PREADV = 295, SYSCALLS_PWRITEV = 296,
	SYSCALLS_PREADV2 = 327, SYSCALLS_PWRITEV2 = 328, SYSCALLS_CLOSE_RANGE = 436,
};

#define SYSCALLS_NO_STACK UINT32_MAX

/* The fds a finished close, dup2, dup3 or close_range (nr with args and
 * ret) released or replaced, as [*first, *last]; false when none: other
 * calls, failures, a close_range that only sets close-on-exec, a dup2 onto
 * itself.  close releases the fd even when it fails with EINTR or EIO
 * (Linux frees it first); EBADF means there was none. */
bool syscalls_closed_fds(int32_t nr, const uint64_t args[6], int64_t ret, uint32_t *first,
			 uint32_t *last);

/* One finished call. */
struct syscall_call {
	uint32_t tid;
	int32_t nr;
	uint64_t args[6];
	int64_t ret;
	uint64_t enter_ns, exit_ns;
	uint32_t stack;           /* model stack id, or SYSCALLS_NO_STACK */
	uint32_t stack_weight;    /* entries the stack stands for (the period) */
};

struct syscalls;

struct syscalls *syscalls_new(void);
void syscalls_free(struct syscalls *s);
void syscalls_enter(struct syscalls *s, uint32_t tid, uint64_t time_ns, int32_t nr,
		    const uint64_t args[6]);
/* The stack of tid's pending entry (call between enter and exit), or of
 * its next entry when that has not come yet (the kernel may write the
 * stack record first). */
void syscalls_stack(struct syscalls *s, uint32_t tid, int32_t nr, uint32_t stack,
		    uint32_t weight);
/* True with *out filled when the exit completes a pending entry of the
 * same syscall; false for an exit whose entry we never saw. */
bool syscalls_exit(struct syscalls *s, uint32_t tid, uint64_t time_ns, int32_t nr,
		   int64_t ret, struct syscall_call *out);
/* Records were lost: every pending entry is suspect, drop them all. */
void syscalls_reset(struct syscalls *s);
/* The thread ended: drop its state. */
void syscalls_forget(struct syscalls *s, uint32_t tid);
/* Entries waiting for their exit (threads in a traced call now). */
size_t syscalls_pending(const struct syscalls *s);
/* Exits that completed nothing (entry lost, or another call's entry). */
uint64_t syscalls_unpaired(const struct syscalls *s);
size_t syscalls_memory(const struct syscalls *s);

#endif
