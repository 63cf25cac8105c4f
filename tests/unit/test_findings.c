/* Findings over synthetic models: each rule fires just above its threshold,
 * stays quiet just below it and on too little data; the numbers in the
 * evidence are the model's; the list is ranked by impact across rules; the
 * snapshot's array and the report's section say the same. */
#include "config.h"

#include <inttypes.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "analysis/export.h"
#include "analysis/findings.h"
#include "analysis/model.h"
#include "analysis/syscalls.h"

#define MS 1000000ULL
#define SEC 1000000000ULL
#define T0 (1000 * SEC)
#define HZ 100

static struct model *new_model(void)
{
	struct model *m = model_new(60);

	m->target.frequency = HZ;
	model_tick(m, T0);
	return m;
}

/* How many findings of rule fired; the first one's copy into *first. */
static size_t fired(const struct model *m, uint32_t window, const char *rule,
		    struct finding *first)
{
	struct finding *v;
	size_t n = findings_eval(m, window, &v), k = 0;

	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].rule, rule) && k++ == 0 && first)
			*first = v[i];
	free(v);
	return k;
}

static uint32_t stack_of(struct model *m, const char *const *names, uint32_t n)
{
	uint32_t id[8];

	for (uint32_t i = 0; i < n; i++)
		id[i] = funcs_intern(m->funcs, names[i], "app");
	return stacks_intern(m->stacks, id, n);
}

/* n samples of main > caller > leaf spread over [from, from + secs) on
 * threads tid0..tid0+3 in turn (no thread near a whole CPU). */
static void add_samples(struct model *m, const char *leaf, uint32_t n, uint64_t from,
			uint32_t secs, uint32_t tid0)
{
	uint32_t id[3] = { funcs_intern(m->funcs, "main", "app"),
			   funcs_intern(m->funcs, "caller", "app"),
			   funcs_intern(m->funcs, leaf, "app") };

	for (uint32_t i = 0; i < n; i++)
		model_add_stack(m, from + (uint64_t)i * secs * SEC / n, tid0 + i % 4, id, 3, 1);
}

/* A window of total samples where "hot" has hot of them and the rest are
 * spread over 20 functions of 4.5 % at most. */
static struct model *hot_model(uint32_t hot, uint32_t total)
{
	struct model *m = new_model();
	char name[16];

	add_samples(m, "hot", hot, T0, 10, 100);
	for (uint32_t i = 0; i < 20; i++) {
		snprintf(name, sizeof name, "f%u", i);
		add_samples(m, name, (total - hot) / 20 + (i < (total - hot) % 20), T0, 10, 100);
	}
	model_tick(m, T0 + 10 * SEC);
	return m;
}

static void test_hot_function(void **state)
{
	struct finding f;
	struct model *m = hot_model(105, 1000);

	assert_int_equal(fired(m, 0, "hot-function", &f), 1);
	assert_string_equal(f.subject, "hot");
	assert_int_equal(f.kind, FINDING_FUNCTION);
	assert_int_equal(f.func, funcs_intern(m->funcs, "hot", "app"));
	assert_non_null(strstr(f.evidence, "10.5 % of CPU samples by itself (105 of 1000)"));
	assert_non_null(strstr(f.evidence, "called from caller (100 %)"));
	assert_non_null(strstr(f.recommendation, "hot"));
	/* 105 samples at 100 Hz over 10 s: 0.105 of a thread. */
	assert_float_equal(f.impact, 0.105, 1e-9);
	assert_int_equal(f.severity, FINDING_WARNING);
	model_free(m);

	m = hot_model(95, 1000);
	assert_int_equal(fired(m, 0, "hot-function", NULL), 0);
	model_free(m);
	/* 30 % of too few samples. */
	m = hot_model(57, FINDINGS_HOT_MIN_SAMPLES - 10);
	assert_int_equal(fired(m, 0, "hot-function", NULL), 0);
	model_free(m);
	m = hot_model(400, 1000);
	assert_int_equal(fired(m, 0, "hot-function", &f), 1);
	assert_int_equal(f.severity, FINDING_CRITICAL);
	model_free(m);
}

static void futex_waits(struct model *m, uint64_t addr, uint64_t op, uint32_t n,
			uint64_t each_ns, uint32_t stack)
{
	for (uint32_t i = 0; i < n; i++) {
		uint64_t at = T0 + (uint64_t)i * 200 * MS;
		struct syscall_call c = { .tid = 100 + i % 2, .nr = SYSCALLS_FUTEX,
					  .args = { addr, op }, .enter_ns = at,
					  .exit_ns = at + each_ns, .stack = stack, .stack_weight = 1 };
		struct lock_info *li = locks_add_call(m->locks, &c);
		if (li && !li->name[0])
			snprintf(li->name, sizeof li->name, "lock_%" PRIx64, addr);
	}
}

/* Two threads over 10 s: 20 s of wall time, 5 % of it is 1 s. */
static void test_lock_wait(void **state)
{
	static const char *const where[] = { "main", "post_entry", "pthread_mutex_lock",
					     "__lll_lock_wait" };
	struct model *m = new_model();
	uint32_t st = stack_of(m, where, 4);
	struct finding f;

	futex_waits(m, 0x1000, 128, 40, 26 * MS, st);   /* 1.04 s: 5.2 % */
	futex_waits(m, 0x2000, 128, 40, 24 * MS, st);   /* 0.96 s: 4.8 % */
	futex_waits(m, 0x3000, 128, 10, 200 * MS, st);  /* 10 % but 10 waits */
	futex_waits(m, 0x4000, 137, 40, 100 * MS, st);  /* a condvar: idle, not contention */
	model_tick(m, T0 + 10 * SEC);
	assert_int_equal(fired(m, 0, "lock-wait", &f), 1);
	assert_string_equal(f.subject, "lock_1000");
	assert_int_equal(f.key, 0x1000);
	assert_non_null(strstr(f.evidence, "2 threads waited 5.2 % of their time: 40 waits"));
	assert_non_null(strstr(f.recommendation, "the mutex lock_1000 in post_entry holds 2 threads"));
	assert_float_equal(f.impact, 0.104, 1e-9);
	model_free(m);

	/* Too short a run for any lock. */
	m = new_model();
	futex_waits(m, 0x1000, 128, 40, 26 * MS, st);
	model_tick(m, T0 + 1 * SEC);
	assert_int_equal(fired(m, 0, "lock-wait", NULL), 0);
	model_free(m);
}

static void writes(struct model *m, int32_t fd, uint64_t from, uint32_t n, double per_s,
		   int64_t bytes)
{
	for (uint32_t i = 0; i < n; i++) {
		uint64_t at = from + (uint64_t)((double)i * 1e9 / per_s);
		io_add_call(m->io, &(struct syscall_call){ .tid = 100, .nr = SYSCALLS_WRITE,
			.args = { (uint64_t)fd }, .ret = bytes, .enter_ns = at, .exit_ns = at + 2000,
			.stack = SYSCALLS_NO_STACK });
	}
}

/* Over 3 s: 1100 writes/s of 64 B fires; 900/s, 4 KiB writes, or a file
 * written for 1.5 s do not. */
static void test_small_io(void **state)
{
	struct model *m = new_model();
	struct finding f;

	io_set_fd_name(m->io, 3, "/var/log/small.log", T0);
	writes(m, 3, T0, 3300, 1100, 64);
	writes(m, 4, T0, 2700, 900, 64);
	writes(m, 5, T0, 3300, 1100, 4096);
	writes(m, 6, T0 + 1500 * MS, 1650, 1100, 64);
	model_tick(m, T0 + 3 * SEC);
	assert_int_equal(fired(m, 0, "small-io", &f), 1);
	assert_string_equal(f.subject, "/var/log/small.log");
	assert_non_null(strstr(f.evidence, "1100 writes/s of 64 B on average"));
	assert_non_null(strstr(f.recommendation, "about 1024x fewer calls"));
	/* 3300 calls of 2 us over 3 s. */
	assert_float_equal(f.impact, 3300 * 2e-6 / 3, 1e-9);
	model_free(m);
}

static void test_lost_samples(void **state)
{
	static const struct { uint64_t taken, lost; size_t want; } cases[] = {
		{ 979, 21, 1 }, { 981, 19, 0 }, { 470, 30, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct model *m = new_model();
		struct finding f;
		model_tick(m, T0 + 10 * SEC);
		m->stats.samples = cases[i].taken;
		m->stats.lost = cases[i].lost;
		assert_int_equal(fired(m, 0, "lost-samples", &f), cases[i].want);
		if (cases[i].want) {
			assert_non_null(strstr(f.evidence, "dropped 21 of 1000 records (2.1 %)"));
			assert_non_null(strstr(f.recommendation, "lower -F (now 100 Hz)"));
			/* 2.1 % of the 1000 records' 10 thread-seconds over 10 s. */
			assert_float_equal(f.impact, 0.021, 1e-9);
		}
		model_free(m);
	}
}

/* per_s samples a second on tid over [from, T0 + 6 s). */
static void thread_samples(struct model *m, uint32_t tid, uint64_t from, uint32_t per_s)
{
	static const char *const spin[] = { "main", "spin" };
	uint32_t id[2] = { funcs_intern(m->funcs, spin[0], "app"), funcs_intern(m->funcs, spin[1], "app") };
	uint64_t n = (T0 + 6 * SEC - from) / SEC * per_s;

	for (uint64_t i = 0; i < n; i++)
		model_add_stack(m, from + i * SEC / per_s, tid, id, 2, 1);
}

static void test_pinned_thread(void **state)
{
	struct model *m = new_model();
	struct finding f;

	thread_samples(m, 7, T0, 96);             /* 96 % of 6 s */
	thread_samples(m, 8, T0, 94);             /* 94 % */
	thread_samples(m, 9, T0 + 2 * SEC, 100);  /* 100 % of 4 s: too short */
	threads_set_name(m->threads, 7, "spinner");
	model_tick(m, T0 + 6 * SEC);
	assert_int_equal(fired(m, 0, "pinned-thread", &f), 1);
	assert_string_equal(f.subject, "spinner (tid 7)");
	assert_int_equal(f.key, 7);
	assert_non_null(strstr(f.evidence, "on a CPU 96 % of its 6.0 s (576 samples at 100 Hz)"));
	assert_non_null(strstr(f.evidence, "hottest function spin"));
	assert_float_equal(f.impact, 0.96, 1e-9);
	model_free(m);

	/* No frequency, no clock to hold samples against: quiet. */
	m = new_model();
	m->target.frequency = 0;
	thread_samples(m, 7, T0, 100);
	model_tick(m, T0 + 6 * SEC);
	assert_int_equal(fired(m, 0, "pinned-thread", NULL), 0);
	model_free(m);
}

/* A site keeping 1 MiB a second, for secs seconds, beside one that frees
 * everything. */
static struct model *leak_model(uint64_t secs)
{
	static const char *const keep[] = { "main", "holder", "retain_leak", "malloc" };
	static const char *const churn[] = { "main", "churner", "malloc" };
	struct model *m = new_model();
	uint32_t k = stack_of(m, keep, 4), c = stack_of(m, churn, 3);

	strcpy(m->target.alloc_mode, "preload");
	for (uint64_t s = 0; s < secs; s++) {
		for (uint64_t q = 0; q < 4; q++) {
			uint64_t t = T0 + s * SEC + q * 250 * MS;
			alloc_add(m->alloc, t, k, 0x100000 + s * 64 + q, 256 << 10);
			alloc_add(m->alloc, t, c, 0x900000, 1 << 20);
			alloc_remove(m->alloc, t + 1000, 0x900000);
		}
		model_tick(m, T0 + (s + 1) * SEC);
	}
	return m;
}

static void test_leak_suspect(void **state)
{
	struct model *m = leak_model(12);
	struct finding f;

	assert_int_equal(fired(m, 0, "leak-suspect", &f), 1);
	assert_string_equal(f.subject, "retain_leak <- holder");
	assert_int_equal(f.kind, FINDING_SITE);
	assert_non_null(strstr(f.evidence, "outstanding grows +1.0M/s"));
	assert_non_null(strstr(f.recommendation, "retain_leak keeps what it allocates"));
	assert_float_equal(f.impact, 1.0, 0.05);
	model_free(m);

	m = leak_model(8);   /* below ALLOC_LEAK_MIN_SECS */
	assert_int_equal(fired(m, 0, "leak-suspect", NULL), 0);
	model_free(m);

	/* No site, RSS growing 256 KiB/s for 12 s: the process is the suspect. */
	m = new_model();
	for (uint64_t s = 0; s <= 12; s++)
		model_add_usage(m, &(struct usage_reading){ .time_ns = T0 + s * SEC,
			.has_rss = true, .rss_bytes = (64 << 20) + s * (256 << 10) });
	assert_int_equal(fired(m, 0, "leak-suspect", &f), 1);
	assert_string_equal(f.subject, "process RSS");
	assert_float_equal(f.impact, 0.25, 1e-6);
	model_free(m);
}

/* Impact, not rule order, ranks: a hot function (0.3 of a thread) above a
 * lock (0.2) above lost records (0.06); then the lock waits twice as long
 * and goes first. */
static void test_ranking(void **state)
{
	static const char *const where[] = { "main", "post_entry" };

	for (int round = 0; round < 2; round++) {
		struct model *m = hot_model(300, 1000);
		struct finding *v;
		futex_waits(m, 0x1000, 128, 40, (round ? 100 : 50) * MS, stack_of(m, where, 2));
		m->stats.samples = 1000;
		m->stats.lost = 60;
		size_t n = findings_eval(m, 0, &v);
		assert_int_equal(n, 3);
		assert_string_equal(v[round ? 1 : 0].rule, "hot-function");
		assert_string_equal(v[round ? 0 : 1].rule, "lock-wait");
		assert_string_equal(v[2].rule, "lost-samples");
		for (size_t i = 1; i < n; i++)
			assert_true(v[i - 1].impact >= v[i].impact);
		free(v);
		model_free(m);
	}
}

static char *capture(export_fn *fn, const struct model *m, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	assert_non_null(f);
	assert_int_equal(fn(f, m, 0), 0);
	assert_int_equal(fclose(f), 0);
	return text;
}

/* The snapshot's array and the report's section, read back. */
static void test_outputs(void **state)
{
	struct model *m = hot_model(300, 1000);
	size_t len;
	json_error_t jerr;
	char *text = capture(export_json, m, &len);
	json_t *root = json_loadb(text, len, 0, &jerr), *arr, *o;

	assert_non_null(root);
	arr = json_object_get(root, "findings");
	assert_true(json_is_array(arr));
	assert_int_equal(json_array_size(arr), 1);
	o = json_array_get(arr, 0);
	assert_string_equal(json_string_value(json_object_get(o, "rule")), "hot-function");
	assert_string_equal(json_string_value(json_object_get(o, "severity")), "critical");
	assert_string_equal(json_string_value(json_object_get(o, "subject")), "hot");
	assert_non_null(strstr(json_string_value(json_object_get(o, "evidence")), "(300 of 1000)"));
	assert_true(json_is_string(json_object_get(o, "recommendation")));
	assert_float_equal(json_real_value(json_object_get(o, "impact")), 0.3, 1e-9);
	json_decref(root);
	free(text);

	text = capture(export_report, m, &len);
	assert_non_null(strstr(text, "\nFindings (1; most impact first"));
	assert_non_null(strstr(text, " 1. [critical] hot-function: hot (impact 0.30)\n"));
	/* Before the tables, and no line wider than the report. */
	assert_true(strstr(text, "\nFindings") < strstr(text, "\nCPU hotspots"));
	for (char *p = text, *nl; (nl = strchr(p, '\n')); p = nl + 1)
		assert_true(nl - p <= 100);
	free(text);
	model_free(m);

	m = hot_model(50, 1000);
	text = capture(export_report, m, &len);
	assert_non_null(strstr(text, "\nFindings: none"));
	free(text);
	text = capture(export_json, m, &len);
	root = json_loadb(text, len, 0, &jerr);
	assert_int_equal(json_array_size(json_object_get(root, "findings")), 0);
	json_decref(root);
	free(text);
	model_free(m);
}

/* A big model (100 000 stacks, 1 M samples) on 8 threads, every one busy:
 * each is pinned, and each is named once.  (What findings_eval costs on
 * such a model is measured in bench/export, not here.) */
static void test_all_pinned(void **state)
{
	struct model *m = new_model();
	char name[32];
	uint32_t fr[3], nleaf = 1000;

	fr[0] = funcs_intern(m->funcs, "main", "app");
	for (uint32_t i = 0; i < 1000000; i++) {
		uint32_t s = i % 100000;
		snprintf(name, sizeof name, "mid_%u", s / nleaf);
		fr[1] = funcs_intern(m->funcs, name, "app");
		snprintf(name, sizeof name, "leaf_%u", s % nleaf);
		fr[2] = funcs_intern(m->funcs, name, "app");
		model_add_stack(m, T0 + (uint64_t)i * 60 * (SEC / 1000000), 100 + i % 8, fr, 3, 1);
	}
	model_tick(m, T0 + 60 * SEC);
	assert_int_equal(fired(m, 0, "pinned-thread", NULL), 8);
	model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hot_function),
		cmocka_unit_test(test_lock_wait),
		cmocka_unit_test(test_small_io),
		cmocka_unit_test(test_lost_samples),
		cmocka_unit_test(test_pinned_thread),
		cmocka_unit_test(test_leak_suspect),
		cmocka_unit_test(test_ranking),
		cmocka_unit_test(test_outputs),
		cmocka_unit_test(test_all_pinned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
