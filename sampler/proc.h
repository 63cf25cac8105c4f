/* /proc readers the sampler needs: the task list, maps text, the command
 * line, memory and I/O counters (per process and per thread), where a
 * thread is blocked, and whether a pid can be profiled at all. */
#ifndef KPROF_PROC_H
#define KPROF_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"

/* Read a whole (proc) file into a NUL-terminated malloc'd buffer; NULL and
 * errno on failure. */
char *proc_read_file(const char *path, size_t *len);
/* The target's thread ids; returns how many (malloc'd *tids), -errno. */
int proc_tasks(pid_t pid, pid_t **tids);
/* "cmd arg arg" from /proc/PID/cmdline, or [comm] for kernel threads. */
void proc_command(pid_t pid, char *buf, size_t size);
/* One-letter state from /proc/PID/stat ('R', 'S', 'Z', …), 0 if gone. */
char proc_state(pid_t pid);
/* CPU time (user + system) of the whole process so far, from
 * /proc/PID/stat; false when it is gone. */
bool proc_cpu_ns(pid_t pid, uint64_t *ns);
/* utime + stime in clock ticks from the fields after "(comm) " of a stat
 * line. */
bool proc_parse_cpu_ticks(const char *fields, uint64_t *ticks);
/* The memory and I/O counters of pid from /proc/PID/status and /proc/PID/io
 * (has_rss, has_mem) and /proc/PID/maps (has_maps) into *out, with pid,
 * has_io and the counters; time is the caller's. */
void proc_read_stats(pid_t pid, struct event_proc_stats *out);
/* VmRSS from the text of a status file, in bytes; false when absent (a
 * kernel thread, a zombie). */
bool proc_parse_rss(const char *status, uint64_t *bytes);
/* RssAnon, RssFile, RssShmem, VmData and VmSwap from the text of a status
 * file into out's memory fields, in bytes; false (out untouched) unless all
 * five are there. */
bool proc_parse_mem(const char *status, struct event_proc_stats *out);
/* The [heap] size and the number of mappings from the text of a maps file;
 * false when it lists none. */
bool proc_parse_maps_summary(const char *maps, uint64_t *heap_bytes, uint32_t *nr_maps);
/* rchar, wchar, read_bytes and write_bytes from the text of an io file;
 * false unless all four are there. */
bool proc_parse_io(const char *io, struct event_proc_stats *out);
/* One thread's /proc/PID/task/TID/io into *out; false when unreadable. */
bool proc_read_thread_io(pid_t pid, pid_t tid, struct event_thread_io *out);
/* The text of /proc/PID/task/TID/syscall: "running" (nr -2), "-1 sp pc"
 * (blocked outside a syscall, nr -1, args 0), or "nr a0 … a5 sp pc".
 * False when it is none of these. */
bool proc_parse_syscall(const char *text, int32_t *nr, uint64_t args[6]);
/* Whether pid can be profiled; when not, a one-line reason in err. */
bool proc_check_target(pid_t pid, char *err, size_t errlen);

/* The pid as the target's own (innermost) pid namespace numbers it: the
 * last field of "NSpid:" in the text of a status file.  A JIT in a
 * container names its perf map /tmp/perf-<this>.map.  False when the line
 * is absent (kernels before 4.1) or malformed. */
bool proc_parse_nspid(const char *status, uint32_t *nspid);
/* proc_parse_nspid over /proc/PID/status; pid itself when that cannot be
 * read or has no NSpid line (same namespace, as far as we can tell). */
uint32_t proc_ns_pid(pid_t pid);

#endif
