/* The writers: folded stacks read back line by line, the JSON snapshot read
 * back with jansson and checked key by key, export_to_file's failures
 * (unwritable or missing directory, a full disk) leaving nothing behind, and
 * the text report's rows in order.  Expectations come from the synthetic
 * input below, counted by hand. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "analysis/export.h"
#include "analysis/model.h"

#define SEC 1000000000ULL

/* The synthetic profile.  Names include a ';' and a newline on purpose. */
static const char *const names[] = {
	"main", "run;batch", "line\nbreak", "leaf", "libc.so.6+0x1234", "spin",
};
static const char *const modules[] = {
	"app", "app", "libx.so", "app", "libc.so.6", "app",
};
enum { MAIN, RUN, LINE, LEAF, LIBC, SPIN, NFUNCS };

static const struct expect {
	uint32_t n, frames[4];
	uint32_t count, tid, first_sec, secs;   /* spread over [first, first + secs) */
} expect[] = {
	{ 3, { MAIN, RUN, LEAF }, 40, 100, 0, 4 },
	{ 2, { MAIN, LINE }, 25, 101, 0, 5 },
	{ 4, { MAIN, RUN, LEAF, LIBC }, 10, 100, 1, 3 },
	{ 0, { 0 }, 5, 102, 2, 1 },
	{ 1, { SPIN }, 20, 103, 9, 1 },
};
#define NEXPECT (sizeof expect / sizeof expect[0])
#define ALL_SAMPLES 100
/* By hand: self = leaf counts; total = stacks containing the function. */
static const struct { uint32_t func; uint64_t self, total; } want_hot[] = {
	{ LEAF, 40, 50 }, { LINE, 25, 25 }, { SPIN, 20, 20 }, { LIBC, 10, 10 },
	{ MAIN, 0, 75 }, { RUN, 0, 50 },
};

static struct model *build_model(void)
{
	struct model *m = model_new(60);
	uint32_t id[NFUNCS];

	for (int i = 0; i < NFUNCS; i++)
		id[i] = funcs_intern(m->funcs, names[i], modules[i]);
	model_tick(m, 1000 * SEC);
	for (size_t e = 0; e < NEXPECT; e++) {
		uint32_t fr[4];
		for (uint32_t k = 0; k < expect[e].n; k++)
			fr[k] = id[expect[e].frames[k]];
		for (uint32_t i = 0; i < expect[e].count; i++) {
			uint64_t t = (1000 + expect[e].first_sec) * SEC +
				     i % expect[e].secs * SEC + i * 1000;
			model_add_stack(m, t, expect[e].tid, fr, expect[e].n, 1);
		}
	}
	model_tick(m, 1010 * SEC);
	threads_set_name(m->threads, 100, "worker-0");
	threads_exit(m->threads, 103, 1009 * SEC);

	struct model_target *t = &m->target;
	t->pid = 4242;
	strcpy(t->command, "demo --fast");
	t->launched = true;
	t->exited = true;
	t->wait_status = 3 << 8;   /* exit(3) */
	strcpy(t->backend, "perf");
	strcpy(t->call_graph, "dwarf");
	t->frequency = 99;
	m->stats.samples = 123;    /* unequal to the model's on purpose */
	m->stats.lost = 7;
	m->stats.unwound = 100;
	m->stats.unwind_ns = 1000000;
	return m;
}

/* The expected folded text of a stack: ';' → ':' and controls → '?'. */
static char *folded_of(const struct expect *e)
{
	static char buf[256];
	size_t n = 0;

	if (!e->n)
		return strcpy(buf, "[unknown]");
	for (uint32_t k = 0; k < e->n; k++) {
		if (k)
			buf[n++] = ';';
		for (const char *p = names[e->frames[k]]; *p; p++)
			buf[n++] = *p == ';' ? ':' : *p == '\n' ? '?' : *p;
	}
	buf[n] = '\0';
	return buf;
}

static char *capture(export_fn *fn, const struct model *m, uint32_t window, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	assert_non_null(f);
	assert_int_equal(fn(f, m, window), 0);
	assert_int_equal(fclose(f), 0);
	return text;
}

static void test_folded(void **state)
{
	struct model *m = build_model();
	size_t len;
	char *text = capture(export_folded, m, 0, &len);
	uint32_t seen[NEXPECT] = { 0 };
	uint64_t sum = 0;
	int lines = 0;

	assert_true(len > 0 && text[len - 1] == '\n');
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"), lines++) {
		char *sp = strrchr(line, ' ');
		assert_non_null(sp);
		*sp = '\0';
		char *end;
		unsigned long long c = strtoull(sp + 1, &end, 10);
		assert_true(*end == '\0' && end != sp + 1);
		sum += c;
		size_t e;
		for (e = 0; e < NEXPECT; e++)
			if (strcmp(line, folded_of(&expect[e])) == 0)
				break;
		assert_true(e < NEXPECT);
		assert_int_equal(c, expect[e].count);
		seen[e]++;
		/* Frames split back into as many as went in. */
		uint32_t nframes = 1;
		for (char *p = line; *p; p++)
			nframes += *p == ';';
		assert_int_equal(nframes, expect[e].n ? expect[e].n : 1);
	}
	assert_int_equal(lines, NEXPECT);
	for (size_t e = 0; e < NEXPECT; e++)
		assert_int_equal(seen[e], 1);
	assert_int_equal(sum, ALL_SAMPLES);
	free(text);

	/* The last two seconds (9 and the closing tick's 10) hold only spin. */
	text = capture(export_folded, m, 2, &len);
	assert_string_equal(text, "spin 20\n");
	free(text);
	model_free(m);
}

static json_t *get(json_t *o, const char *key, int type)
{
	json_t *v = json_object_get(o, key);

	if (!v) {
		fail_msg("key \"%s\" missing", key);
		return json_null();   /* not reached: fail_msg jumps out */
	}
	assert_int_equal(json_typeof(v), type);
	return v;
}

static void assert_real(json_t *v, double want)
{
	assert_true(json_is_number(v));
	double got = json_number_value(v);
	assert_true(got > want - 1e-6 && got < want + 1e-6);
}

static void test_json(void **state)
{
	struct model *m = build_model();
	size_t len;
	char *text = capture(export_json, m, 0, &len);
	json_error_t jerr;
	json_t *root = json_loadb(text, len, 0, &jerr);

	if (!root)
		fail_msg("JSON does not parse: %s (line %d)", jerr.text, jerr.line);
	assert_string_equal(json_string_value(get(root, "format", JSON_STRING)), "kprof-snapshot");
	assert_int_equal(json_integer_value(get(root, "version", JSON_INTEGER)), 1);

	json_t *t = get(root, "target", JSON_OBJECT);
	assert_int_equal(json_integer_value(get(t, "pid", JSON_INTEGER)), 4242);
	assert_string_equal(json_string_value(get(t, "command", JSON_STRING)), "demo --fast");
	assert_true(json_is_true(json_object_get(t, "exited")));
	assert_int_equal(json_integer_value(get(t, "exit_code", JSON_INTEGER)), 3);

	assert_string_equal(json_string_value(get(root, "backend", JSON_STRING)), "perf");
	assert_string_equal(json_string_value(get(root, "call_graph", JSON_STRING)), "dwarf");
	assert_int_equal(json_integer_value(get(root, "frequency_hz", JSON_INTEGER)), 99);
	assert_real(get(root, "duration_s", JSON_REAL), 10.0);

	json_t *s = get(root, "samples", JSON_OBJECT);
	assert_int_equal(json_integer_value(get(s, "taken", JSON_INTEGER)), 123);
	assert_int_equal(json_integer_value(get(s, "lost", JSON_INTEGER)), 7);
	assert_int_equal(json_integer_value(get(s, "in_window", JSON_INTEGER)), ALL_SAMPLES);

	json_t *cpu = get(root, "cpu", JSON_OBJECT);
	json_t *hot = get(cpu, "hotspots", JSON_ARRAY);
	assert_int_equal(json_array_size(hot), sizeof want_hot / sizeof want_hot[0]);
	for (size_t i = 0; i < json_array_size(hot); i++) {
		json_t *h = json_array_get(hot, i);
		assert_string_equal(json_string_value(get(h, "function", JSON_STRING)),
				    names[want_hot[i].func]);
		assert_string_equal(json_string_value(get(h, "module", JSON_STRING)),
				    modules[want_hot[i].func]);
		assert_int_equal(json_integer_value(get(h, "self_samples", JSON_INTEGER)), want_hot[i].self);
		assert_int_equal(json_integer_value(get(h, "total_samples", JSON_INTEGER)), want_hot[i].total);
		assert_real(json_object_get(h, "self_pct"), 100.0 * (double)want_hot[i].self / ALL_SAMPLES);
		assert_real(json_object_get(h, "total_pct"), 100.0 * (double)want_hot[i].total / ALL_SAMPLES);
	}

	json_t *stacks = get(cpu, "stacks", JSON_ARRAY);
	uint32_t seen[NEXPECT] = { 0 };
	assert_int_equal(json_array_size(stacks), NEXPECT);
	for (size_t i = 0; i < json_array_size(stacks); i++) {
		json_t *st = json_array_get(stacks, i);
		json_t *fr = get(st, "frames", JSON_ARRAY);
		size_t e;
		for (e = 0; e < NEXPECT; e++) {
			if (json_array_size(fr) != expect[e].n)
				continue;
			uint32_t k = 0;
			while (k < expect[e].n && strcmp(json_string_value(json_array_get(fr, k)),
							 names[expect[e].frames[k]]) == 0)
				k++;
			if (k == expect[e].n)
				break;
		}
		assert_true(e < NEXPECT);
		assert_int_equal(json_integer_value(get(st, "count", JSON_INTEGER)), expect[e].count);
		seen[e]++;
	}
	for (size_t e = 0; e < NEXPECT; e++)
		assert_int_equal(seen[e], 1);

	const uint32_t tids[] = { 100, 101, 102, 103 };
	const uint64_t tsamples[] = { 50, 25, 5, 20 };
	json_t *th = get(root, "threads", JSON_ARRAY);
	assert_int_equal(json_array_size(th), 4);
	for (size_t i = 0; i < 4; i++) {
		json_t *o = json_array_get(th, i);
		assert_int_equal(json_integer_value(get(o, "tid", JSON_INTEGER)), tids[i]);
		assert_int_equal(json_integer_value(get(o, "samples", JSON_INTEGER)), tsamples[i]);
		get(o, "name", JSON_STRING);
		assert_int_equal(json_is_true(json_object_get(o, "exited")), i == 3);
	}
	assert_string_equal(json_string_value(json_object_get(json_array_get(th, 0), "name")), "worker-0");

	json_t *alloc = get(root, "alloc", JSON_OBJECT);
	assert_int_equal(json_integer_value(get(alloc, "rss_bytes", JSON_INTEGER)), 0);
	assert_real(get(alloc, "rss_growth_bytes_per_s", JSON_REAL), 0.0);
	assert_int_equal(json_array_size(get(alloc, "sites", JSON_ARRAY)), 0);
	get(alloc, "note", JSON_STRING);
	json_t *io = get(root, "io", JSON_OBJECT);
	assert_real(get(io, "read_bytes_per_s", JSON_REAL), 0.0);
	assert_real(get(io, "write_bytes_per_s", JSON_REAL), 0.0);
	assert_int_equal(json_array_size(get(io, "fds", JSON_ARRAY)), 0);
	get(io, "note", JSON_STRING);
	assert_int_equal(json_array_size(get(root, "locks", JSON_ARRAY)), 0);
	get(root, "locks_note", JSON_STRING);

	json_decref(root);
	free(text);
	model_free(m);
}

/* Each thread's hottest function in threads[] and the report's table: of
 * the window, absent for a thread with only an empty stack. */
static void test_threads_hottest(void **state)
{
	struct model *m = build_model();
	size_t len;
	char *text = capture(export_json, m, 0, &len);
	json_error_t jerr;
	json_t *root = json_loadb(text, len, 0, &jerr), *th;
	static const struct { uint32_t tid; const char *hot; uint64_t self; } want[] = {
		{ 100, "leaf", 40 }, { 101, "line\nbreak", 25 }, { 102, NULL, 0 }, { 103, "spin", 20 },
	};

	assert_non_null(root);
	th = get(root, "threads", JSON_ARRAY);
	assert_int_equal(json_array_size(th), 4);
	for (size_t i = 0; i < 4; i++) {
		json_t *t = json_array_get(th, i);
		assert_int_equal(json_integer_value(get(t, "tid", JSON_INTEGER)), want[i].tid);
		if (!want[i].hot) {
			assert_null(json_object_get(t, "hottest_function"));
			continue;
		}
		assert_string_equal(json_string_value(get(t, "hottest_function", JSON_STRING)),
				    want[i].hot);
		assert_int_equal(json_integer_value(get(t, "hottest_self_samples", JSON_INTEGER)),
				 want[i].self);
	}
	json_decref(root);
	free(text);

	text = capture(export_report, m, 0, &len);
	assert_non_null(strstr(text, "50   50.00  running  leaf\n"));
	assert_non_null(strstr(text, "5    5.00  running  -\n"));
	assert_non_null(strstr(text, "20   20.00  exited   spin\n"));
	free(text);
	/* The last 2 s: only spin's thread has a hottest function. */
	text = capture(export_json, m, 2, &len);
	root = json_loadb(text, len, 0, &jerr);
	assert_non_null(root);
	th = get(root, "threads", JSON_ARRAY);
	assert_null(json_object_get(json_array_get(th, 0), "hottest_function"));
	assert_string_equal(json_string_value(get(json_array_get(th, 3), "hottest_function",
						  JSON_STRING)), "spin");
	json_decref(root);
	free(text);
	model_free(m);
}

/* alloc and io filled from readings: RSS, its slope, rchar/wchar rates over
 * the window; and with /proc/PID/io unreadable, rates unknown (not zero).
 * The report's header line says the same. */
static void test_usage_sections(void **state)
{
	struct model *m = build_model();
	size_t len;
	char *text;
	json_error_t jerr;
	json_t *root, *alloc, *io;

	/* RSS 64 MiB + 1 MiB/s; rchar 2000/s; wchar 4096/s for 7 s, then
	 * 8192/s; storage writes a quarter of that. */
	for (uint64_t s = 0; s <= 10; s++) {
		uint64_t w = s <= 7 ? s * 4096 : 7 * 4096 + (s - 7) * 8192;
		model_add_usage(m, &(struct usage_reading){
			.time_ns = (1000 + s) * SEC, .has_rss = true, .rss_bytes = (64 + s) << 20,
			.has_io = true, .rchar = 500 + s * 2000, .wchar = w, .write_bytes = w / 4 });
	}
	text = capture(export_json, m, 0, &len);
	root = json_loadb(text, len, 0, &jerr);
	assert_non_null(root);
	alloc = get(root, "alloc", JSON_OBJECT);
	assert_int_equal(json_integer_value(get(alloc, "rss_bytes", JSON_INTEGER)), 74 << 20);
	assert_real(get(alloc, "rss_growth_bytes_per_s", JSON_REAL), 1 << 20);
	assert_true(json_is_true(json_object_get(alloc, "rss_known")));
	/* No collector said anything: mode off, and the note says so in the
	 * words tests/integration/proc_meters.sh looks for. */
	assert_string_equal(json_string_value(get(alloc, "mode", JSON_STRING)), "off");
	assert_non_null(strstr(json_string_value(get(alloc, "note", JSON_STRING)),
			       "allocation call sites are not collected"));
	/* 1 MiB/s for 10 s on a straight line: a suspect. */
	assert_true(json_is_true(get(alloc, "leak_suspect", JSON_TRUE)));
	assert_string_equal(json_string_value(get(alloc, "leak_reason", JSON_STRING)),
			    "+1.0M/s over 10 s (R\u00b2 1.00)");
	io = get(root, "io", JSON_OBJECT);
	assert_real(get(io, "read_bytes_per_s", JSON_REAL), 2000);
	assert_real(get(io, "write_bytes_per_s", JSON_REAL), (7 * 4096 + 3 * 8192) / 10.0);
	assert_real(get(io, "disk_write_bytes_per_s", JSON_REAL), (7 * 4096 + 3 * 8192) / 40.0);
	assert_true(json_is_true(json_object_get(io, "rates_known")));
	assert_non_null(strstr(json_string_value(get(io, "note", JSON_STRING)), "per-fd"));
	json_decref(root);
	free(text);

	/* The last 2 s of the window: writes at 8192/s. */
	text = capture(export_json, m, 2, &len);
	root = json_loadb(text, len, 0, &jerr);
	assert_non_null(root);
	assert_real(get(get(root, "io", JSON_OBJECT), "write_bytes_per_s", JSON_REAL), 8192);
	json_decref(root);
	free(text);

	text = capture(export_report, m, 0, &len);
	assert_non_null(strstr(text, "process:   RSS 74.0M (+1.0M/s), I/O R 2.0K/s W 5.2K/s"));
	free(text);
	model_free(m);

	/* io unreadable throughout. */
	m = build_model();
	for (uint64_t s = 0; s <= 3; s++)
		model_add_usage(m, &(struct usage_reading){
			.time_ns = (1000 + s) * SEC, .has_rss = true, .rss_bytes = 1 << 20 });
	text = capture(export_json, m, 0, &len);
	root = json_loadb(text, len, 0, &jerr);
	assert_non_null(root);
	io = get(root, "io", JSON_OBJECT);
	assert_real(get(io, "write_bytes_per_s", JSON_REAL), 0);
	assert_true(json_is_false(json_object_get(io, "rates_known")));
	assert_non_null(strstr(json_string_value(get(io, "note", JSON_STRING)), "not readable"));
	assert_real(get(get(root, "alloc", JSON_OBJECT), "rss_growth_bytes_per_s", JSON_REAL), 0);
	json_decref(root);
	free(text);
	text = capture(export_report, m, 0, &len);
	assert_non_null(strstr(text, "process:   RSS 1.0M (+0B/s), I/O R n/a W n/a"));
	free(text);
	model_free(m);
}

/* Entries of dir other than . and .., concatenated, for "nothing left". */
static int dir_entries(const char *dir, char *names_out, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	names_out[0] = '\0';
	assert_non_null(d);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		n++;
		strncat(names_out, de->d_name, size - strlen(names_out) - 2);
		strcat(names_out, " ");
	}
	closedir(d);
	return n;
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 16);

	assert_non_null(f);
	size_t n = fread(buf, 1, (1 << 16) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int write_then_fail(FILE *f, const struct model *m, uint32_t window)
{
	fputs("partial output\n", f);
	errno = ENOSPC;
	return -1;
}

static void test_to_file(void **state)
{
	struct model *m = build_model();
	char dir[] = "/tmp/kprof-test-export.XXXXXX";
	char path[256], err[512], list[1024];
	struct stat st;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/out.folded", dir);

	/* Success: the file, whole, with a normal mode; no temporary left. */
	assert_int_equal(export_to_file(path, export_folded, m, 0, err, sizeof err), 0);
	size_t len;
	char *want = capture(export_folded, m, 0, &len);
	char *got = read_all(path);
	assert_string_equal(got, want);
	free(got);
	free(want);
	assert_int_equal(dir_entries(dir, list, sizeof list), 1);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);

	/* A failing writer (the disk filled up): the old file stays as it
	 * was, no temporary is left, and the reason is named. */
	err[0] = '\0';
	assert_int_equal(export_to_file(path, write_then_fail, m, 0, err, sizeof err), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, strerror(ENOSPC)));
	assert_null(strchr(err, '\n'));
	assert_int_equal(dir_entries(dir, list, sizeof list), 1);
	got = read_all(path);
	assert_non_null(strstr(got, "spin 20\n"));
	free(got);
	assert_int_equal(unlink(path), 0);

	/* A directory that doesn't exist. */
	snprintf(path, sizeof path, "%s/missing/out.json", dir);
	assert_int_equal(export_to_file(path, export_json, m, 0, err, sizeof err), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, strerror(ENOENT)));
	assert_int_equal(dir_entries(dir, list, sizeof list), 0);
	assert_int_equal(rmdir(dir), 0);
	model_free(m);
}

static void test_unwritable_dir(void **state)
{
	struct model *m = build_model();
	char dir[] = "/tmp/kprof-test-ro.XXXXXX";
	char path[256], err[512], list[1024], probe[300];
	const char *where = dir;
	int fd;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0555), 0);
	snprintf(probe, sizeof probe, "%s/probe", dir);
	fd = open(probe, O_CREAT | O_WRONLY, 0644);
	if (fd >= 0) {
		/* Root ignores the mode; sysfs refuses new files even to root. */
		close(fd);
		unlink(probe);
		struct stat st;
		if (stat("/sys/kernel", &st) != 0 || !S_ISDIR(st.st_mode)) {
			rmdir(dir);
			model_free(m);
			skip();
		}
		where = "/sys/kernel";
	}
	snprintf(path, sizeof path, "%s/out.json", where);
	err[0] = '\0';
	assert_int_equal(export_to_file(path, export_json, m, 0, err, sizeof err), -1);
	print_message("      %s\n", err);
	assert_non_null(strstr(err, path));
	assert_true(strstr(err, strerror(EACCES)) || strstr(err, strerror(EPERM)));
	assert_int_equal(access(path, F_OK), -1);
	if (where == dir)
		assert_int_equal(dir_entries(dir, list, sizeof list), 0);
	chmod(dir, 0700);
	rmdir(dir);
	model_free(m);
}

static void test_report(void **state)
{
	struct model *m = build_model();
	size_t len;
	char *text = capture(export_report, m, 0, &len);

	/* No line wider than 100 columns. */
	for (char *p = text, *nl; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		assert_non_null(nl);
		assert_true(nl - p <= 100);
	}
	assert_non_null(strstr(text, "demo --fast (pid 4242)"));
	assert_non_null(strstr(text, "exited with status 3"));
	assert_non_null(strstr(text, "perf"));
	assert_non_null(strstr(text, "dwarf"));
	assert_non_null(strstr(text, "99 Hz"));
	assert_non_null(strstr(text, "123 taken, 7 lost"));

	/* Hotspot rows in order, each with its self% and total%. */
	char *table = strstr(text, "FUNCTION");
	assert_non_null(table);
	const char *rows[] = {
		" 40.00   50.00         40  leaf ",
		" 25.00   25.00         25  line?break ",
		" 20.00   20.00         20  spin ",
		" 10.00   10.00         10  libc.so.6+0x1234 ",
		"  0.00   75.00          0  main ",
		"  0.00   50.00          0  run;batch ",
	};
	char *at = table;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char *r = strstr(at, rows[i]);
		if (!r)
			fail_msg("row %zu (\"%s\") missing or out of order", i, rows[i]);
		at = r + 1;
	}

	/* Call paths: leaf is reached only through main > run;batch. */
	char *paths = strstr(text, "Heaviest call paths");
	assert_non_null(paths);
	assert_non_null(strstr(paths, "100.00%  main > run;batch > leaf\n"));
	assert_non_null(strstr(paths, "100.00%  main > run;batch > leaf > libc.so.6+0x1234\n"));

	/* Threads in order of first sight with their shares. */
	char *th = strstr(text, "Threads (4");
	assert_non_null(th);
	const char *trows[] = {
		"100  worker-0                     50   50.00  running",
		"101  ?                            25   25.00  running",
		"102  ?                             5    5.00  running",
		"103  ?                            20   20.00  exited",
	};
	at = th;
	for (size_t i = 0; i < 4; i++) {
		char *r = strstr(at, trows[i]);
		if (!r)
			fail_msg("thread row %zu (\"%s\") missing or out of order", i, trows[i]);
		at = r + 1;
	}
	free(text);
	model_free(m);
}

/* A function reached by four paths: the three heaviest, heaviest first,
 * as shares of its 51 self samples. */
static void test_report_paths_order(void **state)
{
	struct model *m = model_new(60);
	uint32_t mn = funcs_intern(m->funcs, "main", "app");
	uint32_t a = funcs_intern(m->funcs, "a", "app");
	uint32_t b = funcs_intern(m->funcs, "b", "app");
	uint32_t x = funcs_intern(m->funcs, "x", "app");
	const struct { uint32_t fr[4], n, count; } in[] = {
		{ { mn, x }, 2, 5 }, { { mn, a, x }, 3, 30 }, { { mn, b, x }, 3, 1 },
		{ { mn, a, b, x }, 4, 15 }, { { mn, b, a }, 3, 2 },
	};
	for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
		for (uint32_t k = 0; k < in[i].count; k++)
			model_add_stack(m, 0, 1, in[i].fr, in[i].n, 1);

	size_t len;
	char *text = capture(export_report, m, 0, &len);
	char *x_at = strstr(text, "  x  (");
	assert_non_null(x_at);
	char *p1 = strstr(x_at, " 58.82%  main > a > x\n");
	char *p2 = strstr(x_at, " 29.41%  main > a > b > x\n");
	char *p3 = strstr(x_at, "  9.80%  main > x\n");
	assert_non_null(p1);
	assert_non_null(p2);
	assert_non_null(p3);
	assert_true(p1 < p2 && p2 < p3);
	assert_null(strstr(x_at, "main > b > x"));
	free(text);
	model_free(m);
}

/* The budget: a million samples over 100 000 stacks, folded, well under a
 * second.  Printed, not asserted (timings belong in bench/). */
static void test_folded_scale(void **state)
{
	struct model *m = model_new(60);
	uint32_t fn[2000], fr[32];
	uint64_t x = 0x12345678abcdefULL;
	char name[64];

	for (int i = 0; i < 2000; i++) {
		snprintf(name, sizeof name, "ns::Class%d::method_%d(int, char const*)", i % 97, i);
		fn[i] = funcs_intern(m->funcs, name, i % 3 ? "libbig.so" : "app");
	}
	/* 100 000 distinct stacks: the index sits in two frames. */
	for (uint32_t i = 0; i < 1000000; i++) {
		uint32_t s = i % 100000, n = 0;
		fr[n++] = fn[0];
		fr[n++] = fn[1 + s / 1000];
		fr[n++] = fn[101 + s % 1000];
		uint32_t depth = 5 + s % 20;
		x = s * 0x9e3779b97f4a7c15ULL;
		while (n < depth) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			fr[n++] = fn[1101 + x % 899];
		}
		model_add_stack(m, (uint64_t)i * 100000ULL, i % 16, fr, n, 1);
	}
	assert_int_equal(stacks_count(m->stacks), 100000);

	FILE *f = fopen("/dev/null", "w");
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(export_folded(f, m, 0), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double folded = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(export_json(f, m, 0), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double js = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(export_report(f, m, 0), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double rep = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	fclose(f);
	print_message("      1M samples / 100k stacks: folded %.3f s, json %.3f s, report %.3f s;"
		      " model %zu bytes\n", folded, js, rep, model_memory(m));
	model_free(m);
}


/* Lock and per-fd I/O sections: built from synthetic calls, written, read
 * back with jansson, and the report's lines. */
static void add_call(struct model *m, struct syscall_call c)
{
	if (c.nr == SYSCALLS_FUTEX) {
		struct lock_info *li = locks_add_call(m->locks, &c);
		if (li && !li->name[0])
			strcpy(li->name, c.args[0] == 0x601040 ? "g_ledger" : "heap 0x55d0");
	} else {
		io_add_call(m->io, &c);
	}
}

static void test_locks_io(void **state)
{
	struct model *m = build_model();
	uint32_t id[3], stack;
	size_t len;
	json_error_t jerr;

	/* One mutex site: main > run;batch > leaf, sampled every 4th wait. */
	for (int i = 0; i < 3; i++)
		id[i] = funcs_intern(m->funcs, names[i == 2 ? LEAF : i], "app");
	stack = stacks_intern(m->stacks, id, 3);
	strcpy(m->target.locks_mode, "traced");
	strcpy(m->target.io_mode, "traced");
	for (int i = 0; i < 8; i++)
		add_call(m, (struct syscall_call){ .tid = 100 + i % 2, .nr = SYSCALLS_FUTEX,
			.args = { 0x601040, 128 }, .enter_ns = (1001 + i) * SEC,
			.exit_ns = (1001 + i) * SEC + (i + 1) * 1000000ULL,
			.stack = i % 4 ? SYSCALLS_NO_STACK : stack, .stack_weight = 4 });
	add_call(m, (struct syscall_call){ .tid = 102, .nr = SYSCALLS_FUTEX,
		.args = { 0x55d000000010, 137 }, .enter_ns = 1001 * SEC, .exit_ns = 1002 * SEC,
		.stack = SYSCALLS_NO_STACK });
	add_call(m, (struct syscall_call){ .tid = 103, .nr = SYSCALLS_FUTEX,
		.args = { 0x601040, 129 }, .enter_ns = 1003 * SEC, .exit_ns = 1003 * SEC + 1000,
		.stack = SYSCALLS_NO_STACK });
	io_set_fd_name(m->io, 3, "/var/log/app.log", 1000 * SEC);
	for (int i = 0; i < 10; i++)
		add_call(m, (struct syscall_call){ .tid = 100, .nr = SYSCALLS_WRITE, .args = { 3 },
			.ret = 4096, .enter_ns = (1000 + i) * SEC, .exit_ns = (1000 + i) * SEC + 1000,
			.stack = i ? SYSCALLS_NO_STACK : stack, .stack_weight = 10 });
	io_add_thread_reading(m->io, 100, 1000 * SEC, 0, 0, 0, 0);
	io_add_thread_reading(m->io, 100, 1010 * SEC, 500, 40960, 0, 8192);

	char *text = capture(export_json, m, 0, &len);
	json_t *root = json_loadb(text, len, 0, &jerr);
	if (!root)
		fail_msg("JSON does not parse: %s (line %d)", jerr.text, jerr.line);
	assert_string_equal(json_string_value(get(root, "locks_mode", JSON_STRING)), "traced");
	assert_null(json_object_get(root, "locks_note"));
	json_t *locks = get(root, "locks", JSON_ARRAY);
	assert_int_equal(json_array_size(locks), 2);
	json_t *l0 = json_array_get(locks, 0);    /* the condvar waited 1 s: heaviest */
	assert_string_equal(json_string_value(get(l0, "lock", JSON_STRING)), "heap 0x55d0");
	assert_string_equal(json_string_value(get(l0, "kind", JSON_STRING)), "condvar");
	assert_int_equal(json_array_size(get(l0, "frames", JSON_ARRAY)), 0);
	json_t *l1 = json_array_get(locks, 1);
	assert_string_equal(json_string_value(get(l1, "lock", JSON_STRING)), "g_ledger");
	assert_string_equal(json_string_value(get(l1, "address", JSON_STRING)), "0x601040");
	assert_string_equal(json_string_value(get(l1, "kind", JSON_STRING)), "mutex");
	assert_int_equal(json_integer_value(get(l1, "waits", JSON_INTEGER)), 8);
	assert_int_equal(json_integer_value(get(l1, "wait_ns", JSON_INTEGER)), 36000000);
	assert_int_equal(json_integer_value(get(l1, "max_wait_ns", JSON_INTEGER)), 8000000);
	assert_int_equal(json_integer_value(get(l1, "wakes", JSON_INTEGER)), 1);
	assert_int_equal(json_integer_value(get(l1, "threads", JSON_INTEGER)), 2);
	/* 36 ms of two threads' 10 s each. */
	assert_real(get(l1, "thread_wait_pct", JSON_REAL), 100.0 * 0.036 / 20);
	json_t *fr = get(l1, "frames", JSON_ARRAY);
	assert_int_equal(json_array_size(fr), 3);
	assert_string_equal(json_string_value(json_array_get(fr, 0)), "main");
	assert_string_equal(json_string_value(json_array_get(fr, 2)), "leaf");
	json_t *sites = get(l1, "sites", JSON_ARRAY);
	assert_int_equal(json_array_size(sites), 1);
	/* Waits 1 and 5 (1 and 5 ms) sampled, x4. */
	assert_int_equal(json_integer_value(get(json_array_get(sites, 0), "waits", JSON_INTEGER)), 8);
	assert_int_equal(json_integer_value(get(json_array_get(sites, 0), "wait_ns", JSON_INTEGER)),
			 4 * 6000000);

	json_t *io = get(root, "io", JSON_OBJECT);
	assert_string_equal(json_string_value(get(io, "mode", JSON_STRING)), "traced");
	json_t *fds = get(io, "fds", JSON_ARRAY);
	assert_int_equal(json_array_size(fds), 1);
	json_t *f0 = json_array_get(fds, 0);
	assert_int_equal(json_integer_value(get(f0, "fd", JSON_INTEGER)), 3);
	assert_string_equal(json_string_value(get(f0, "path", JSON_STRING)), "/var/log/app.log");
	assert_int_equal(json_integer_value(get(f0, "write_bytes", JSON_INTEGER)), 40960);
	assert_int_equal(json_integer_value(get(f0, "writes", JSON_INTEGER)), 10);
	assert_int_equal(json_integer_value(get(f0, "read_bytes", JSON_INTEGER)), 0);
	assert_real(get(f0, "mean_write_size", JSON_REAL), 4096);
	/* Life: first call at 1000 s to now (1010 s). */
	assert_real(get(f0, "write_bytes_per_s", JSON_REAL), 4096);
	assert_true(json_is_false(get(f0, "closed", JSON_FALSE)));
	json_t *fs = get(f0, "sites", JSON_ARRAY);
	assert_int_equal(json_array_size(fs), 1);
	assert_int_equal(json_integer_value(get(json_array_get(fs, 0), "bytes", JSON_INTEGER)), 40960);
	assert_int_equal(json_integer_value(get(json_array_get(fs, 0), "calls", JSON_INTEGER)), 10);
	json_t *th = get(io, "threads", JSON_ARRAY);
	assert_int_equal(json_array_size(th), 1);
	json_t *t0 = json_array_get(th, 0);
	assert_int_equal(json_integer_value(get(t0, "tid", JSON_INTEGER)), 100);
	assert_string_equal(json_string_value(get(t0, "name", JSON_STRING)), "worker-0");
	assert_real(get(t0, "wchar_per_s", JSON_REAL), 4096);
	assert_real(get(t0, "rchar_per_s", JSON_REAL), 50);
	assert_real(get(t0, "write_bytes_per_s", JSON_REAL), 819.2);
	assert_null(strstr(json_string_value(get(io, "note", JSON_STRING)), "not collected"));
	json_decref(root);
	free(text);

	text = capture(export_report, m, 0, &len);
	for (char *p = text, *nl; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		assert_non_null(nl);
		assert_true(nl - p <= 100);
	}
	char *lk = strstr(text, "Lock waits (2 locks");
	assert_non_null(lk);
	char *cv = strstr(lk, "heap 0x55d0 (condvar): 1 waits, 1.00 s total");
	char *mu = strstr(lk, "g_ledger (mutex): 8 waits, 36.00 ms total (0.2% of their time)");
	assert_non_null(cv);
	assert_non_null(mu);
	assert_true(cv < mu);
	assert_non_null(strstr(mu, "2 threads, max 8.00 ms, 1 wake\n"));
	assert_non_null(strstr(mu, "100.00%  main > run;batch > leaf\n"));
	char *fdsec = strstr(text, "I/O by fd (1 file");
	assert_non_null(fdsec);
	assert_non_null(strstr(fdsec, "3  /var/log/app.log"));
	assert_non_null(strstr(fdsec, "40.0K"));
	assert_non_null(strstr(fdsec, "from  main > run;batch > leaf"));
	char *ts = strstr(text, "I/O by thread");
	assert_non_null(ts);
	assert_non_null(strstr(ts, "100  worker-0"));
	free(text);

	/* Not traced: the mode and the reason are said, locks_note kept. */
	strcpy(m->target.locks_mode, "off");
	strcpy(m->target.io_mode, "counters");
	strcpy(m->target.trace_note, "tracefs needs root or CAP_PERFMON");
	text = capture(export_json, m, 0, &len);
	root = json_loadb(text, len, 0, &jerr);
	assert_non_null(root);
	assert_string_equal(json_string_value(get(root, "locks_note", JSON_STRING)),
			    "tracefs needs root or CAP_PERFMON");
	/* The fds traced before (here: all of them) stay, and the note says
	 * they cover only the traced time. */
	assert_non_null(strstr(json_string_value(get(get(root, "io", JSON_OBJECT), "note", JSON_STRING)),
			       "per-fd data covers only the time syscalls were traced: tracefs needs root"));
	json_decref(root);
	free(text);
	model_free(m);
}

/* Allocation sites through the snapshot and the report: a retaining site
 * (main > run;batch > leaf, 1 MiB a second kept) and a churning one (main
 * > line, 4 MiB a second freed at once), RSS growing with them. */
static void test_alloc_sections(void **state)
{
	struct model *m = build_model();
	uint32_t keep_fr[] = { funcs_intern(m->funcs, "main", "app"), funcs_intern(m->funcs, "run;batch", "app"),
			       funcs_intern(m->funcs, "leaf", "app") };
	uint32_t churn_fr[] = { keep_fr[0], funcs_intern(m->funcs, "line\nbreak", "libx.so") };
	uint32_t keep = stacks_intern(m->stacks, keep_fr, 3), churn = stacks_intern(m->stacks, churn_fr, 2);
	size_t len;
	char *text;
	json_error_t jerr;
	json_t *root, *alloc, *sites, *site, *mem;

	/* After build_model's last tick (1010 s): events are bucketed by
	 * arrival, so they must come in time order. */
	strcpy(m->target.alloc_mode, "preload");
	for (uint64_t s = 0; s < 30; s++) {
		for (uint64_t k = 0; k < 4; k++) {
			uint64_t t = (1010 + s) * SEC + k * 250000000ULL;
			alloc_add(m->alloc, t, keep, 0x100000 + s * 64 + k, 256 << 10);
			alloc_add(m->alloc, t, churn, 0x900000, 1 << 20);
			alloc_remove(m->alloc, t + 1000, 0x900000);
		}
		model_add_usage(m, &(struct usage_reading){ .time_ns = (1010 + s) * SEC, .has_rss = true,
			.rss_bytes = (64 + s) << 20, .has_mem = true, .rss_anon = (32 + s) << 20,
			.rss_file = 16 << 20, .rss_shmem = 1 << 20, .vm_data = 128 << 20,
			.has_maps = true, .heap_bytes = 8 << 20, .nr_maps = 42 });
	}
	model_tick(m, 1040 * SEC);

	/* The whole run began 10 s before the sites did (their outstanding
	 * bytes were 0 then): its slope is of that, below the 1 MiB/s that
	 * the last 30 s show exactly. */
	text = capture(export_json, m, 0, &len);
	root = json_loadb(text, len, 0, &jerr);
	assert_non_null(root);
	site = json_array_get(get(get(root, "alloc", JSON_OBJECT), "sites", JSON_ARRAY), 0);
	double run_g = json_number_value(get(site, "growth_bytes_per_s", JSON_REAL));
	assert_true(run_g > 0.8 * (1 << 20) && run_g < 0.95 * (1 << 20));
	assert_real(get(site, "alloc_bytes_per_s", JSON_REAL), 30.0 * (1 << 20) / 40);
	assert_true(json_is_true(get(site, "leak_suspect", JSON_TRUE)));
	json_decref(root);
	free(text);

	text = capture(export_json, m, 30, &len);
	root = json_loadb(text, len, 0, &jerr);
	if (!root)
		fail_msg("JSON does not parse: %s (line %d)", jerr.text, jerr.line);
	alloc = get(root, "alloc", JSON_OBJECT);
	assert_string_equal(json_string_value(get(alloc, "mode", JSON_STRING)), "preload");
	assert_non_null(strstr(json_string_value(get(alloc, "note", JSON_STRING)), "LD_PRELOAD shim"));
	assert_real(get(alloc, "rss_growth_bytes_per_s", JSON_REAL), 1 << 20);
	assert_real(get(alloc, "anon_growth_bytes_per_s", JSON_REAL), 1 << 20);
	assert_real(get(alloc, "rss_fit_r2", JSON_REAL), 1.0);
	assert_true(json_is_true(get(alloc, "leak_suspect", JSON_TRUE)));
	assert_string_equal(json_string_value(get(alloc, "leak_reason", JSON_STRING)),
			    "+1.0M/s over 29 s (R\u00b2 1.00)");
	mem = get(alloc, "memory", JSON_OBJECT);
	assert_int_equal(json_integer_value(get(mem, "rss_anon", JSON_INTEGER)), 61 << 20);
	assert_int_equal(json_integer_value(get(mem, "rss_file", JSON_INTEGER)), 16 << 20);
	assert_int_equal(json_integer_value(get(mem, "rss_shmem", JSON_INTEGER)), 1 << 20);
	assert_int_equal(json_integer_value(get(mem, "vm_data", JSON_INTEGER)), 128 << 20);
	assert_int_equal(json_integer_value(get(mem, "vm_swap", JSON_INTEGER)), 0);
	assert_int_equal(json_integer_value(get(mem, "heap_bytes", JSON_INTEGER)), 8 << 20);
	assert_int_equal(json_integer_value(get(mem, "nr_maps", JSON_INTEGER)), 42);

	sites = get(alloc, "sites", JSON_ARRAY);
	assert_int_equal(json_array_size(sites), 2);
	site = json_array_get(sites, 0);   /* growth first */
	json_t *fr = get(site, "frames", JSON_ARRAY);
	assert_int_equal(json_array_size(fr), 3);
	assert_string_equal(json_string_value(json_array_get(fr, 0)), "main");
	assert_string_equal(json_string_value(json_array_get(fr, 2)), "leaf");
	assert_int_equal(json_integer_value(get(site, "outstanding_bytes", JSON_INTEGER)), 30 << 20);
	double g = json_number_value(get(site, "growth_bytes_per_s", JSON_REAL));
	assert_true(g > 0.999 * (1 << 20) && g < 1.001 * (1 << 20));
	assert_real(get(site, "alloc_bytes_per_s", JSON_REAL), 1 << 20);
	assert_real(get(site, "free_bytes_per_s", JSON_REAL), 0);
	assert_int_equal(json_integer_value(get(site, "allocs", JSON_INTEGER)), 120);
	assert_int_equal(json_integer_value(get(site, "frees", JSON_INTEGER)), 0);
	assert_real(get(site, "oldest_age_s", JSON_REAL), 30);
	assert_true(json_is_true(get(site, "leak_suspect", JSON_TRUE)));
	assert_int_equal(json_integer_value(get(site, "touched_bytes", JSON_INTEGER)), 0);
	assert_real(get(site, "touched_bytes_per_s", JSON_REAL), 0);
	site = json_array_get(sites, 1);
	fr = get(site, "frames", JSON_ARRAY);
	assert_string_equal(json_string_value(json_array_get(fr, 1)), "line\nbreak");
	assert_int_equal(json_integer_value(get(site, "outstanding_bytes", JSON_INTEGER)), 0);
	assert_real(get(site, "growth_bytes_per_s", JSON_REAL), 0);
	assert_real(get(site, "alloc_bytes_per_s", JSON_REAL), 4 << 20);
	assert_real(get(site, "free_bytes_per_s", JSON_REAL), 4 << 20);
	assert_int_equal(json_integer_value(get(site, "frees", JSON_INTEGER)), 120);
	assert_true(json_is_false(get(site, "leak_suspect", JSON_FALSE)));
	json_decref(root);
	free(text);

	/* The last 5 s: still growing, too short to suspect. */
	text = capture(export_json, m, 5, &len);
	root = json_loadb(text, len, 0, &jerr);
	assert_non_null(root);
	site = json_array_get(get(get(root, "alloc", JSON_OBJECT), "sites", JSON_ARRAY), 0);
	assert_true(json_is_false(get(site, "leak_suspect", JSON_FALSE)));
	assert_true(json_number_value(get(site, "growth_bytes_per_s", JSON_REAL)) > 0.9 * (1 << 20));
	json_decref(root);
	free(text);

	text = capture(export_report, m, 30, &len);
	for (char *p = text, *nl; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		assert_non_null(nl);
		assert_true(nl - p <= 100 + 4);   /* "←", "—": 3 bytes, one column */
	}
	assert_non_null(strstr(text, "\nAllocations (2 sites; preload, sampled by bytes: estimates)\n"));
	assert_non_null(strstr(text, "RSS grows steadily: +1.0M/s over 29 s (R\u00b2 1.00) \u2014 LEAK SUSPECT"));
	assert_non_null(strstr(text, "  leaf \u2190 run;batch: +1.0M/s, 30.0M outstanding, oldest 30 s \u2014 "
			       "LEAK SUSPECT\n"));
	assert_non_null(strstr(text, "      main > run;batch > leaf\n"));
	assert_non_null(strstr(text, "  line?break \u2190 main: +0B/s, 0B outstanding\n"));
	free(text);
	model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_folded),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_usage_sections),
		cmocka_unit_test(test_alloc_sections),
		cmocka_unit_test(test_threads_hottest),
		cmocka_unit_test(test_to_file),
		cmocka_unit_test(test_unwritable_dir),
		cmocka_unit_test(test_report),
		cmocka_unit_test(test_report_paths_order),
		cmocka_unit_test(test_folded_scale),
		cmocka_unit_test(test_locks_io),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
