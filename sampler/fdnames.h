/* What the target's fds refer to, for per-fd I/O: a cache fd → name in
 * front of the traced syscalls, filled from /proc/PID/fd (sockets resolved
 * through /proc/PID/net) and emptied by close, dup2, dup3, close_range. */
#ifndef KPROF_FDNAMES_H
#define KPROF_FDNAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"

struct fdnames;

struct fdnames *fdnames_new(pid_t pid);
void fdnames_free(struct fdnames *f);
/* Call for each SYSCALL_ENTER of the target: notes the fds the call uses
 * that are not named yet (fdnames_flush names them), and the fds a close
 * or dup is about to change. */
void fdnames_enter(struct fdnames *f, const struct event *ev);
/* At the end of a drain: an EVENT_FD_NAME for each fd used in it that is
 * still open and not named yet. */
void fdnames_flush(struct fdnames *f, event_sink_fn *sink, void *ctx);
/* After a SYSCALL_EXIT: a successful close/dup2/dup3/close_range drops
 * the fds it closed or replaced, so the next call re-reads them. */
void fdnames_exit(struct fdnames *f, const struct event *ev);
/* exec closed the close-on-exec fds, or records were lost: start over. */
void fdnames_clear(struct fdnames *f);

/* ---- pure parsing, exposed for tests ---- */

/* The fds an I/O syscall reads or writes (sendfile and splice use two).
 * Returns how many were put in fds; 0 for other syscalls. */
unsigned fdnames_call_fds(int32_t nr, const uint64_t args[6], int32_t fds[2]);
/* The inode of a "socket:[12345]" link. */
bool fdnames_socket_inode(const char *link, uint64_t *ino);
/* "0100007F:1F90" → "127.0.0.1:8080"; IPv6 (32 hex digits, as the kernel
 * prints four native-order words) → "[::1]:8080". */
bool fdnames_format_addr(const char *hex, bool v6, char *buf, size_t len);

enum fdnames_net { FDNAMES_TCP, FDNAMES_TCP6, FDNAMES_UDP, FDNAMES_UDP6, FDNAMES_UNIX };
typedef void fdnames_add_fn(void *ctx, uint64_t ino, const char *name);
/* Every socket in the text of /proc/PID/net/{tcp,tcp6,udp,udp6,unix},
 * named "tcp 127.0.0.1:8080 -> 127.0.0.1:51234", "tcp 0.0.0.0:80 (listening)",
 * "udp6 [::]:53", "unix /run/x.sock", "unix:[INODE]" (unnamed).  Returns
 * how many were added. */
size_t fdnames_parse_net(const char *text, enum fdnames_net kind, fdnames_add_fn *add, void *ctx);

#endif
