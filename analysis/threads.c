/* The thread table (see threads.h): entries in order of first sight, found
 * by tid through a small open-addressing index. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "threads.h"
#include "../common/hash.h"
#include "../common/xalloc.h"

struct threads {
	struct thread_info *v;  /* order of first sight */
	size_t n, cap;
	uint32_t *slots;        /* index + 1, 0 = empty */
	size_t nslots;
};

static void threads_rehash(struct threads *t, size_t nslots)
{
	free(t->slots);
	t->slots = xcalloc(nslots, sizeof *t->slots);
	t->nslots = nslots;
	for (size_t k = 0; k < t->n; k++) {
		size_t i = hash_u64(t->v[k].tid) & (nslots - 1);
		while (t->slots[i])
			i = (i + 1) & (nslots - 1);
		t->slots[i] = (uint32_t)k + 1;
	}
}

struct threads *threads_new(void)
{
	struct threads *t = xcalloc(1, sizeof *t);
	threads_rehash(t, 64);
	return t;
}

void threads_free(struct threads *t)
{
	if (!t)
		return;
	free(t->v);
	free(t->slots);
	free(t);
}

struct thread_info *threads_get(struct threads *t, uint32_t tid)
{
	size_t i = hash_u64(tid) & (t->nslots - 1);

	for (; t->slots[i]; i = (i + 1) & (t->nslots - 1))
		if (t->v[t->slots[i] - 1].tid == tid)
			return &t->v[t->slots[i] - 1];
	xgrow(&t->v, &t->cap, t->n + 1, sizeof *t->v);
	t->v[t->n] = (struct thread_info){ .tid = tid };
	t->slots[i] = (uint32_t)++t->n;
	if (t->n * 2 > t->nslots)
		threads_rehash(t, t->nslots * 2);
	return &t->v[t->n - 1];
}

void threads_set_name(struct threads *t, uint32_t tid, const char *name)
{
	struct thread_info *ti = threads_get(t, tid);

	strncpy(ti->name, name, sizeof ti->name - 1);
	ti->name[sizeof ti->name - 1] = '\0';
}

void threads_sample(struct threads *t, uint32_t tid, uint64_t time_ns, uint64_t weight)
{
	struct thread_info *ti = threads_get(t, tid);

	/* Rings are drained per CPU, so a thread's samples may come out of order. */
	if (!ti->samples || time_ns < ti->first_ns)
		ti->first_ns = time_ns;
	if (time_ns > ti->last_ns)
		ti->last_ns = time_ns;
	ti->samples += weight;
}

void threads_exit(struct threads *t, uint32_t tid, uint64_t time_ns)
{
	struct thread_info *ti = threads_get(t, tid);

	ti->exited = true;
	ti->exit_ns = time_ns;
}

void threads_restore(struct threads *t, const struct thread_info *ti)
{
	*threads_get(t, ti->tid) = *ti;
}

size_t threads_count(const struct threads *t)
{
	return t->n;
}

const struct thread_info *threads_at(const struct threads *t, size_t i)
{
	return i < t->n ? &t->v[i] : NULL;
}
