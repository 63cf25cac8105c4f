/* snapshot_load: a synthetic model with every section filled (CPU stacks on
 * several threads, two functions of one name in two modules, an exited
 * thread, locks, fds, per-thread I/O, allocation sites, RSS readings) is
 * written with export_json and read back; the batch report of the reload
 * must be the report of the original, byte for byte, and so must a second
 * snapshot of it.  Then bad inputs: each gives NULL and one line. */
#include "config.h"

#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "analysis/export.h"
#include "analysis/model.h"
#include "analysis/snapshot_load.h"

#define SEC 1000000000ULL

static char *capture(export_fn *fn, const struct model *m, uint32_t window, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	assert_non_null(f);
	assert_int_equal(fn(f, m, window), 0);
	assert_int_equal(fclose(f), 0);
	return text;
}

static void add_call(struct model *m, struct syscall_call c)
{
	if (c.nr == SYSCALLS_FUTEX) {
		struct lock_info *li = locks_add_call(m->locks, &c);
		if (li && !li->name[0] && c.args[0] == 0x601040)
			strcpy(li->name, "g_ledger");
	} else {
		io_add_call(m->io, &c);
	}
}

/* Every section, with ties and edge cases the reload must keep. */
static struct model *build_model(void)
{
	struct model *m = model_new(60);
	uint32_t f_main = funcs_intern(m->funcs, "main", "app");
	uint32_t f_work = funcs_intern(m->funcs, "worker", "app");
	uint32_t f_libc = funcs_intern(m->funcs, "malloc", "libc.so.6");
	uint32_t f_shim = funcs_intern(m->funcs, "malloc", "libkprof-alloc.so");
	uint32_t f_hot = funcs_intern(m->funcs, "leaf_hot", "app");
	uint32_t f_cold = funcs_intern(m->funcs, "leaf_cold", "app");
	uint32_t f_lock = funcs_intern(m->funcs, "__lll_lock_wait", "libc.so.6");
	uint32_t hot[] = { f_main, f_work, f_hot }, cold[] = { f_main, f_work, f_cold };
	uint32_t shim[] = { f_main, f_shim, f_libc }, lk[] = { f_main, f_work, f_lock };
	uint32_t s_lock, s_shim;

	model_tick(m, 1000 * SEC);
	threads_set_name(m->threads, 100, "main");
	for (uint32_t i = 0; i < 60; i++) {
		uint64_t t = 1000 * SEC + i * (SEC / 4);
		model_add_stack(m, t, 100 + i % 3, hot, 3, 1);
		if (i % 2)
			model_add_stack(m, t, 101, cold, 3, 1);
		if (i % 5 == 0)
			model_add_stack(m, t, 102, shim, 3, 1);
	}
	/* One tie on thread 103: leaf_hot and leaf_cold, 3 samples each. */
	for (int i = 0; i < 3; i++) {
		model_add_stack(m, 1010 * SEC, 103, cold, 3, 1);
		model_add_stack(m, 1010 * SEC, 103, hot, 3, 1);
	}
	model_add_stack(m, 1011 * SEC, 104, NULL, 0, 2);
	threads_set_name(m->threads, 101, "worker-1");
	threads_exit(m->threads, 103, 1012 * SEC);

	s_lock = stacks_intern(m->stacks, lk, 3);
	s_shim = stacks_intern(m->stacks, shim, 3);
	for (int i = 0; i < 8; i++)
		add_call(m, (struct syscall_call){ .tid = 100 + i % 2, .nr = SYSCALLS_FUTEX,
			.args = { 0x601040, 128 }, .enter_ns = (1001 + i) * SEC,
			.exit_ns = (1001 + i) * SEC + (i + 1) * 1000000ULL,
			.stack = i % 4 ? SYSCALLS_NO_STACK : s_lock, .stack_weight = 4 });
	add_call(m, (struct syscall_call){ .tid = 102, .nr = SYSCALLS_FUTEX,
		.args = { 0x55d000000010, 137 }, .enter_ns = 1001 * SEC, .exit_ns = 1002 * SEC,
		.stack = SYSCALLS_NO_STACK });
	io_set_fd_name(m->io, 3, "/var/log/app.log", 1000 * SEC);
	for (int i = 0; i < 10; i++)
		add_call(m, (struct syscall_call){ .tid = 100, .nr = SYSCALLS_WRITE, .args = { 3 },
			.ret = 4096, .enter_ns = (1000 + i) * SEC, .exit_ns = (1000 + i) * SEC + 1000,
			.stack = i ? SYSCALLS_NO_STACK : s_lock, .stack_weight = 10 });
	add_call(m, (struct syscall_call){ .tid = 100, .nr = SYSCALLS_CLOSE, .args = { 3 },
		.enter_ns = 1005 * SEC + 5000, .exit_ns = 1005 * SEC + 6000 });
	io_add_thread_reading(m->io, 100, 1000 * SEC, 0, 0, 0, 0);
	io_add_thread_reading(m->io, 100, 1012 * SEC, 500, 40960, 0, 8192);
	io_add_thread_reading(m->io, 101, 1003 * SEC, 10, 10, 0, 0);
	io_add_thread_reading(m->io, 101, 1004 * SEC, 90000, 10, 0, 0);

	strcpy(m->target.alloc_mode, "preload");
	for (uint64_t s = 0; s < 12; s++) {
		uint64_t t = (1012 + s) * SEC;
		alloc_add(m->alloc, t, s_shim, 0x100000 + s * 64, 256 << 10);
		alloc_add(m->alloc, t, s_lock, 0x900000, 1 << 20);
		alloc_remove(m->alloc, t + 1000, 0x900000);
		model_add_usage(m, &(struct usage_reading){ .time_ns = t, .has_rss = true,
			.rss_bytes = (64 + s) << 20, .has_io = true, .rchar = s << 20, .wchar = s << 10,
			.has_mem = true, .rss_anon = (32 + s) << 20, .rss_file = 16 << 20,
			.has_maps = true, .heap_bytes = 8 << 20, .nr_maps = 42 });
	}
	model_tick(m, 1024 * SEC);

	struct model_target *t = &m->target;
	t->pid = 100;
	strcpy(t->command, "demo --fast");
	t->launched = true;
	t->exited = true;
	t->wait_status = 3 << 8;
	strcpy(t->backend, "perf");
	strcpy(t->call_graph, "dwarf");
	strcpy(t->locks_mode, "traced");
	strcpy(t->io_mode, "traced");
	strcpy(t->trace_note, "a note on tracing");
	t->frequency = 99;
	t->start_epoch_s = 1764000000.25;
	m->stats = (struct model_stats){ .samples = 140, .lost = 7, .unwound = 100,
		.unwind_ns = 1000000, .truncated = 3, .kernel_samples = 4,
		.profiler_cpu_ns = 123456789, .faults = 9, .faults_shim = 2 };
	return m;
}

static struct model *reload(const struct model *m, uint32_t window, char **json)
{
	size_t len;
	char err[256] = "";
	struct model *r;

	*json = capture(export_json, m, window, &len);
	r = snapshot_load_buf(*json, len, "test.json", err, sizeof err);
	if (!r)
		fail_msg("reload failed: %s", err);
	return r;
}

static void test_report_equal(void **state)
{
	(void)state;
	struct model *m = build_model();
	char *json, *json2;
	struct model *r = reload(m, 0, &json);
	size_t l1, l2;
	char *a = capture(export_report, m, 0, &l1), *b = capture(export_report, r, 0, &l2);

	/* The fixture is rich enough for the comparison to mean something. */
	assert_non_null(strstr(a, "g_ledger"));
	assert_non_null(strstr(a, "/var/log/app.log"));
	assert_non_null(strstr(a, "libkprof-alloc.so"));
	assert_non_null(strstr(a, "worker-1"));
	assert_non_null(strstr(a, "exited with status 3"));
	assert_string_equal(a, b);

	/* A snapshot of the reload reloads to the same report again. */
	struct model *r2 = reload(r, 0, &json2);
	char *c = capture(export_report, r2, 0, &l2);
	assert_string_equal(a, c);
	free(a);
	free(b);
	free(c);
	free(json);
	free(json2);
	model_free(r2);
	model_free(r);
	model_free(m);
}

/* A window's snapshot: its report over that window is what reloads. */
static void test_window_report(void **state)
{
	(void)state;
	struct model *m = build_model();
	char *json;
	struct model *r = reload(m, 20, &json);
	size_t l1, l2;
	char *a = capture(export_report, m, 20, &l1), *b = capture(export_report, r, 20, &l2);

	/* The window holds CPU samples (1004-1011 s of 1024 s), not all. */
	assert_non_null(strstr(a, "\nCPU hotspots"));
	assert_string_equal(a, b);
	free(a);
	free(b);
	free(json);
	model_free(r);
	model_free(m);
}

static void test_fields(void **state)
{
	(void)state;
	struct model *m = build_model();
	char *json;
	struct model *r = reload(m, 0, &json);
	const struct lock_info *l1 = locks_find(m->locks, 0x601040), *l2 = locks_find(r->locks, 0x601040);
	uint32_t malloc_modules = 0;

	assert_int_equal(m->start_ns, r->start_ns);
	assert_int_equal(m->now_ns, r->now_ns);
	assert_int_equal(r->stats.profiler_cpu_ns, 123456789);
	assert_int_equal(r->target.wait_status, 3 << 8);
	assert_true(r->target.start_epoch_s > 1764000000.2 && r->target.start_epoch_s < 1764000000.3);
	/* Two functions named malloc, one per module. */
	for (uint32_t i = 0; i < funcs_count(r->funcs); i++)
		malloc_modules += !strcmp(funcs_get(r->funcs, i)->name, "malloc");
	assert_int_equal(malloc_modules, 2);
	/* Threads: same order, samples, exit. */
	assert_int_equal(threads_count(r->threads), threads_count(m->threads));
	for (size_t i = 0; i < threads_count(m->threads); i++) {
		assert_int_equal(threads_at(r->threads, i)->tid, threads_at(m->threads, i)->tid);
		assert_int_equal(threads_at(r->threads, i)->samples, threads_at(m->threads, i)->samples);
		assert_int_equal(threads_at(r->threads, i)->exited, threads_at(m->threads, i)->exited);
	}
	/* Per (thread, stack) counts, so the per-thread split works. */
	struct thread_stack_count *c1, *c2;
	size_t n1 = thread_stacks_window(m->thread_stacks, 0, &c1);
	size_t n2 = thread_stacks_window(r->thread_stacks, 0, &c2);
	uint64_t s1 = 0, s2 = 0;
	assert_int_equal(n1, n2);
	for (size_t i = 0; i < n1; i++) {
		s1 += c1[i].count * c1[i].tid;
		s2 += c2[i].count * c2[i].tid;
	}
	assert_int_equal(s1, s2);
	free(c1);
	free(c2);
	/* A lock's share of its threads' time, which the reload can't recompute. */
	assert_non_null(l2);
	assert_true(locks_wait_pct(r->locks, l2, r->start_ns, r->now_ns) > 0);
	assert_true(fabs(locks_wait_pct(m->locks, l1, m->start_ns, m->now_ns) -
			 locks_wait_pct(r->locks, l2, r->start_ns, r->now_ns)) < 1e-6);
	/* A closed fd's rate over its life. */
	assert_int_equal(io_fd_count(r->io), io_fd_count(m->io));
	assert_true(io_fd_at(r->io, 0)->closed);
	assert_true(fabs(io_fd_rate(io_fd_at(m->io, 0), 40960, m->now_ns) -
			 io_fd_rate(io_fd_at(r->io, 0), 40960, r->now_ns)) < 1e-6);
	free(json);
	model_free(r);
	model_free(m);
}

static void expect_bad(const char *data, size_t len, const char *want)
{
	char err[512] = "";
	struct model *m = snapshot_load_buf(data, len, "bad.json", err, sizeof err);

	assert_null(m);
	if (!strstr(err, want))
		fail_msg("message \"%s\" does not say \"%s\"", err, want);
	assert_null(strchr(err, '\n'));
	assert_true(strncmp(err, "bad.json: ", 10) == 0);
}

static void test_bad_inputs(void **state)
{
	(void)state;
	struct model *m = build_model();
	size_t len;
	char *json = capture(export_json, m, 0, &len), *p, err[512];

	expect_bad("", 0, "empty");
	expect_bad("hello", 5, "not JSON");
	expect_bad("[1, 2]", 6, "not a kprof-top snapshot");
	expect_bad("{\"format\": \"pprof\"}", 19, "not a kprof-top snapshot");
	expect_bad("{\"format\": \"kprof-snapshot\", \"version\": 7}", 42, "newer");
	expect_bad("{\"format\": \"kprof-snapshot\"}", 28, "version");
	expect_bad(json, len / 2, "cut short");
	/* A damaged value: a stack's count that is a string. */
	json_t *root = json_loadb(json, len, 0, NULL);
	assert_non_null(root);
	json_object_set_new(json_array_get(json_object_get(json_object_get(root, "cpu"), "stacks"), 0),
			    "count", json_string("40"));
	p = json_dumps(root, 0);
	expect_bad(p, strlen(p), "\"count\" in cpu.stacks");
	expect_bad(p, strlen(p), "damaged");
	free(p);
	json_decref(root);
	assert_null(snapshot_load("/nonexistent/kprof.json", err, sizeof err));
	assert_non_null(strstr(err, "No such file"));
	assert_null(strchr(err, '\n'));
	free(json);
	model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_equal),
		cmocka_unit_test(test_window_report),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_bad_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
