/* The target's threads as the samples and task records show them: id, name,
 * sample count, whether and when it ended.  Exited threads stay listed (their
 * samples still count). */
#ifndef KPROF_THREADS_H
#define KPROF_THREADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct thread_info {
	uint32_t tid;
	char name[32];
	uint64_t samples;
	uint64_t first_ns, last_ns;   /* first and last sample */
	uint64_t exit_ns;             /* 0 while alive */
	bool exited;
};

struct threads;

struct threads *threads_new(void);
void threads_free(struct threads *t);
/* The entry for tid, created on first sight. */
struct thread_info *threads_get(struct threads *t, uint32_t tid);
void threads_set_name(struct threads *t, uint32_t tid, const char *name);
void threads_sample(struct threads *t, uint32_t tid, uint64_t time_ns, uint64_t weight);
void threads_exit(struct threads *t, uint32_t tid, uint64_t time_ns);
/* A saved thread as it was (--load): created in order of first sight if
 * new, every field overwritten. */
void threads_restore(struct threads *t, const struct thread_info *ti);
size_t threads_count(const struct threads *t);
/* The i-th thread in order of first sight. */
const struct thread_info *threads_at(const struct threads *t, size_t i);

#endif
