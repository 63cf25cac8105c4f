/* The pieces of the pprof writer: varints at every length boundary against
 * the bytes the protobuf encoding spec gives, tags with one- and two-byte
 * field numbers, length-delimited and packed fields, a gzip round trip
 * through zlib's own inflate (and a full disk reported), strindex's
 * numbering, frametab's frames, and export_pprof's file read back field by field: an empty
 * model still has its five sample types and "" first in the string table;
 * a stack's leaf is location_id[0].  The readers here are minimal on
 * purpose; tests/js/pprof-dump.js decodes whole files independently. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <cmocka.h>

#include "analysis/export.h"
#include "analysis/frametab.h"
#include "analysis/model.h"
#include "analysis/pbuf.h"
#include "analysis/profile.h"

#define SEC 1000000000ULL

static void expect_bytes(const struct pbuf *b, const uint8_t *want, size_t n)
{
	assert_int_equal(b->n, n);
	assert_memory_equal(b->p, want, n);
}

static void test_varint(void **state)
{
	static const struct {
		uint64_t v;
		uint8_t bytes[10];
		size_t n;
	} cases[] = {
		{ 0, { 0x00 }, 1 },
		{ 1, { 0x01 }, 1 },
		{ 127, { 0x7f }, 1 },
		{ 128, { 0x80, 0x01 }, 2 },
		{ 150, { 0x96, 0x01 }, 2 },             /* the spec's example */
		{ 300, { 0xac, 0x02 }, 2 },
		{ 16383, { 0xff, 0x7f }, 2 },
		{ 16384, { 0x80, 0x80, 0x01 }, 3 },
		{ UINT32_MAX, { 0xff, 0xff, 0xff, 0xff, 0x0f }, 5 },
		{ (uint64_t)1 << 63, { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 }, 10 },
		/* int64 -1: two's complement, ten bytes. */
		{ UINT64_MAX, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 }, 10 },
	};
	struct pbuf b = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		pbuf_reset(&b);
		pbuf_varint(&b, cases[i].v);
		expect_bytes(&b, cases[i].bytes, cases[i].n);
		assert_int_equal(pbuf_varint_len(cases[i].v), cases[i].n);
	}
	/* Every 7-bit boundary: 2^7k - 1 takes k bytes, 2^7k takes k + 1. */
	for (unsigned k = 1; k <= 9; k++) {
		uint64_t edge = (uint64_t)1 << (7 * k);
		pbuf_reset(&b);
		pbuf_varint(&b, edge - 1);
		assert_int_equal(b.n, k);
		assert_int_equal(pbuf_varint_len(edge - 1), k);
		assert_int_equal(b.p[k - 1] & 0x80, 0);
		pbuf_reset(&b);
		pbuf_varint(&b, edge);
		assert_int_equal(b.n, k + 1);
		assert_int_equal(pbuf_varint_len(edge), k + 1);
	}
	pbuf_fini(&b);
}

static void test_fields(void **state)
{
	struct pbuf b = { 0 }, msg = { 0 };
	static const uint8_t tag_small[] = { 0x08, 0x96, 0x01 };          /* 1: 150 */
	static const uint8_t tag_16[] = { 0x80, 0x01, 0x00 };             /* 16: 0 */
	static const uint8_t empty_str[] = { 0x32, 0x00 };                /* 6: "" */
	static const uint8_t packed[] = { 0x12, 0x0d, 0x00, 0xac, 0x02,   /* 2: [0, 300, -1] */
					  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
	static const uint64_t vals[] = { 0, 300, UINT64_MAX };
	char big[200];

	(void)state;
	pbuf_uint(&b, 1, 150);
	expect_bytes(&b, tag_small, sizeof tag_small);
	pbuf_reset(&b);
	pbuf_uint(&b, 16, 0);
	expect_bytes(&b, tag_16, sizeof tag_16);
	pbuf_reset(&b);
	pbuf_string(&b, 6, "");
	expect_bytes(&b, empty_str, sizeof empty_str);
	pbuf_reset(&b);
	pbuf_packed(&b, 2, vals, 0);
	assert_int_equal(b.n, 0);                   /* an empty packed field is absent */
	pbuf_packed(&b, 2, vals, 3);
	expect_bytes(&b, packed, sizeof packed);

	/* A length of 200 takes two bytes; the payload follows unchanged. */
	memset(big, 'x', sizeof big);
	pbuf_reset(&b);
	pbuf_bytes(&b, 6, big, sizeof big);
	assert_int_equal(b.n, 1 + 2 + sizeof big);
	assert_int_equal(b.p[0], 0x32);
	assert_int_equal(b.p[1], 0xc8);
	assert_int_equal(b.p[2], 0x01);
	assert_memory_equal(b.p + 3, big, sizeof big);

	/* A nested message is its bytes, length-delimited. */
	pbuf_reset(&b);
	pbuf_uint(&msg, 1, 7);
	pbuf_uint(&msg, 2, 9);
	pbuf_message(&b, 11, &msg);
	static const uint8_t nested[] = { 0x5a, 0x04, 0x08, 0x07, 0x10, 0x09 };
	expect_bytes(&b, nested, sizeof nested);
	pbuf_fini(&b);
	pbuf_fini(&msg);
}

/* The gunzipped bytes of f (rewound), by zlib's inflate; NULL if not gzip. */
static uint8_t *gunzip_file(FILE *f, size_t *len)
{
	long flen;
	uint8_t *in, *out = NULL;
	size_t cap = 1 << 16;
	z_stream z = { 0 };
	int rc;

	assert_int_equal(fflush(f), 0);
	flen = ftell(f);
	rewind(f);
	in = malloc((size_t)flen + 1);
	assert_non_null(in);
	assert_int_equal(fread(in, 1, (size_t)flen, f), (size_t)flen);
	assert_true(flen >= 18);
	assert_int_equal(in[0], 0x1f);             /* gzip magic, deflate */
	assert_int_equal(in[1], 0x8b);
	assert_int_equal(in[2], 8);
	assert_int_equal(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
	z.next_in = in;
	z.avail_in = (uInt)flen;
	*len = 0;
	do {
		out = realloc(out, cap);
		assert_non_null(out);
		z.next_out = out + *len;
		z.avail_out = (uInt)(cap - *len);
		rc = inflate(&z, Z_NO_FLUSH);
		*len = cap - z.avail_out;
		cap *= 2;
	} while (rc == Z_OK);
	assert_int_equal(rc, Z_STREAM_END);
	assert_int_equal(z.avail_in, 0);            /* nothing after the member */
	inflateEnd(&z);
	free(in);
	return out;
}

static void test_gzip(void **state)
{
	size_t sizes[] = { 0, 1, 100000, 3u << 20 };
	(void)state;

	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		size_t n = sizes[s], got;
		uint8_t *data = malloc(n + 1);
		uint32_t x = 12345;
		FILE *f = tmpfile();

		assert_non_null(f);
		/* Half noise, half runs: both deflate paths. */
		for (size_t i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			data[i] = i % 4096 < 2048 ? (uint8_t)(x >> 16) : (uint8_t)(i / 4096);
		}
		assert_int_equal(pbuf_gzip(f, data, n), 0);
		uint8_t *back = gunzip_file(f, &got);
		assert_int_equal(got, n);
		if (n)
			assert_memory_equal(back, data, n);
		free(back);
		free(data);
		fclose(f);
	}
}

static void test_gzip_full_disk(void **state)
{
	static uint8_t data[1 << 16];
	FILE *f = fopen("/dev/full", "w");

	(void)state;
	if (!f)
		skip();
	setvbuf(f, NULL, _IONBF, 0);
	errno = 0;
	assert_int_equal(pbuf_gzip(f, data, sizeof data), -1);
	assert_int_equal(errno, ENOSPC);
	fclose(f);
}

static void test_strindex(void **state)
{
	struct strindex si = { 0 };
	char a[] = "lock", b[] = "lock";
	char names[600][8];

	(void)state;
	assert_int_equal(strindex_get(&si, ""), 0);
	assert_int_equal(strindex_get(&si, a), 1);
	assert_int_equal(strindex_get(&si, b), 1);   /* by content, not pointer */
	assert_int_equal(strindex_get(&si, "Lock"), 2);
	for (int i = 0; i < 600; i++) {               /* through several rehashes */
		snprintf(names[i], sizeof names[i], "f%d", i);
		assert_int_equal(strindex_get(&si, names[i]), 3 + i);
	}
	for (int i = 0; i < 600; i++)
		assert_int_equal(strindex_get(&si, names[i]), 3 + i);
	assert_int_equal(si.n, 603);
	assert_string_equal(si.v[0], "");
	strindex_fini(&si);
}

/* One frame per model function and per label text, in order of first
 * sight; a frameless sample is "[unknown]", and so is a function id the
 * model does not know, as one frame. */
static void test_frametab(void **state)
{
	struct model *m = model_new(60);
	struct frametab t = { 0 };
	uint32_t f[3], st_full, st_main, st_empty, st_bad;
	char lock1[] = "[lock a]", lock2[] = "[lock a]";
	const uint32_t *fr;
	size_t n;

	(void)state;
	f[0] = funcs_intern(m->funcs, "main", "app");
	f[1] = funcs_intern(m->funcs, "run", "app");
	f[2] = funcs_intern(m->funcs, "main", "libx.so");     /* same name, other module */
	st_full = stacks_intern(m->stacks, f, 3);
	st_main = stacks_intern(m->stacks, f, 1);
	st_empty = stacks_intern(m->stacks, f, 0);
	uint32_t bogus = 999;
	st_bad = stacks_intern(m->stacks, &bogus, 1);
	struct profile_sample smp[] = {
		{ st_full, NULL, 1 },
		{ PROFILE_NO_STACK, lock1, 2 },
		{ st_main, lock2, 3 },
		{ st_empty, NULL, 4 },
		{ st_bad, NULL, 5 },
	};
	struct profile p = { .samples = smp, .n = 5 };

	fr = frametab_sample(&t, m, &p, 0, &n);
	assert_int_equal(n, 3);
	assert_int_equal(fr[0], 0);
	assert_int_equal(fr[1], 1);
	assert_int_equal(fr[2], 2);                   /* main in libx.so: its own frame */
	assert_string_equal(t.v[2].name, "main");
	assert_string_equal(t.v[2].module, "libx.so");
	fr = frametab_sample(&t, m, &p, 1, &n);
	assert_int_equal(n, 1);
	assert_int_equal(fr[0], 3);
	assert_null(t.v[3].module);                   /* a label has no module */
	fr = frametab_sample(&t, m, &p, 2, &n);
	assert_int_equal(n, 2);
	assert_int_equal(fr[0], 0);
	assert_int_equal(fr[1], 3);                   /* the same text, another copy */
	fr = frametab_sample(&t, m, &p, 3, &n);
	assert_int_equal(n, 1);
	assert_int_equal(fr[0], 4);
	assert_string_equal(t.v[4].name, "[unknown]");
	fr = frametab_sample(&t, m, &p, 4, &n);
	assert_int_equal(n, 1);
	assert_int_equal(fr[0], 4);                   /* unknown function: the same frame */
	assert_int_equal(t.n, 5);
	frametab_fini(&t);
	model_free(m);
}

/* ---- export_pprof read back at the top level ---------------------------- */

struct field {
	uint32_t num;
	uint64_t v;                 /* varint value, or length */
	const uint8_t *data;        /* length-delimited payload */
};

static uint64_t read_varint(const uint8_t **p, const uint8_t *end)
{
	uint64_t v = 0;

	for (unsigned shift = 0; *p < end && shift < 64; shift += 7) {
		uint8_t c = *(*p)++;
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return v;
	}
	fail_msg("truncated varint");
	return 0;
}

/* The fields of one message; returns their count (at most max). */
static size_t read_fields(const uint8_t *p, size_t len, struct field *out, size_t max)
{
	const uint8_t *end = p + len;
	size_t n = 0;

	while (p < end) {
		uint64_t key = read_varint(&p, end);
		struct field f = { (uint32_t)(key >> 3), 0, NULL };

		switch (key & 7) {
		case 0:
			f.v = read_varint(&p, end);
			break;
		case 2:
			f.v = read_varint(&p, end);
			assert_true(f.v <= (uint64_t)(end - p));
			f.data = p;
			p += f.v;
			break;
		default:
			fail_msg("wire type %u not written by kprof-top", (unsigned)(key & 7));
		}
		assert_true(n < max);
		out[n++] = f;
	}
	return n;
}

static uint8_t *export_fields(const struct model *m, struct field *fields, size_t max, size_t *n)
{
	FILE *f = tmpfile();
	size_t len;
	uint8_t *raw;

	assert_non_null(f);
	assert_int_equal(export_pprof(f, m, 0), 0);
	raw = gunzip_file(f, &len);
	fclose(f);
	*n = read_fields(raw, len, fields, max);
	return raw;
}

static size_t count_field(const struct field *f, size_t n, uint32_t num)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += f[i].num == num;
	return c;
}

static void test_export_empty(void **state)
{
	struct model *m = model_new(60);
	struct field f[64];
	size_t n;
	uint8_t *raw;

	(void)state;
	m->target.pid = 7;
	raw = export_fields(m, f, 64, &n);
	assert_int_equal(count_field(f, n, 1), 5);        /* sample_type, every pane */
	assert_int_equal(count_field(f, n, 2), 0);        /* no sample */
	assert_int_equal(count_field(f, n, 14), 1);       /* default_sample_type */
	for (size_t i = 0; i < n; i++)
		if (f[i].num == 6) {                      /* string_table[0] */
			assert_int_equal(f[i].v, 0);
			break;
		}
	free(raw);
	model_free(m);
}

static void test_export_leaf_first(void **state)
{
	struct model *m = model_new(60);
	uint32_t fr[3];
	struct field f[256], s[8], l[4];
	const char *strs[64];
	size_t n, ns, nstr = 0;
	uint8_t *raw;
	uint64_t loc_func[16] = { 0 }, func_name[16] = { 0 };

	(void)state;
	fr[0] = funcs_intern(m->funcs, "main", "app");
	fr[1] = funcs_intern(m->funcs, "run", "app");
	fr[2] = funcs_intern(m->funcs, "leaf", "libx.so");
	model_tick(m, 1000 * SEC);
	model_add_stack(m, 1000 * SEC + 1, 1, fr, 3, 5);
	model_tick(m, 1001 * SEC);
	raw = export_fields(m, f, 256, &n);

	for (size_t i = 0; i < n; i++) {
		if (f[i].num == 6) {
			static char buf[64][32];
			assert_true(nstr < 64 && f[i].v < 32);
			memcpy(buf[nstr], f[i].data, f[i].v);
			buf[nstr][f[i].v] = 0;
			strs[nstr] = buf[nstr];
			nstr++;
		} else if (f[i].num == 4) {               /* Location: id, mapping, line */
			size_t nl = read_fields(f[i].data, f[i].v, l, 4);
			uint64_t id = 0;
			for (size_t k = 0; k < nl; k++)
				if (l[k].num == 1)
					id = l[k].v;
				else if (l[k].num == 4) {
					struct field line[2];
					assert_int_equal(read_fields(l[k].data, l[k].v, line, 2), 1);
					assert_true(id > 0 && id < 16);
					loc_func[id] = line[0].v;
				}
		} else if (f[i].num == 5) {               /* Function: id, name, ... */
			size_t nl = read_fields(f[i].data, f[i].v, l, 4);
			assert_true(nl >= 2 && l[0].num == 1 && l[1].num == 2 && l[0].v < 16);
			func_name[l[0].v] = l[1].v;
		}
	}
	assert_int_equal(count_field(f, n, 2), 1);
	for (size_t i = 0; i < n; i++) {
		if (f[i].num != 2)
			continue;
		ns = read_fields(f[i].data, f[i].v, s, 8);
		assert_int_equal(ns, 2);
		assert_int_equal(s[0].num, 1);            /* packed location ids */
		const uint8_t *p = s[0].data, *end = p + s[0].v;
		const char *want[] = { "leaf", "run", "main" };
		for (int k = 0; k < 3; k++) {
			uint64_t loc = read_varint(&p, end);
			assert_true(loc > 0 && loc < 16);
			uint64_t name = func_name[loc_func[loc]];
			assert_true(name < nstr);
			assert_string_equal(strs[name], want[k]);
		}
		assert_ptr_equal(p, end);
		/* values: samples 5, cpu ns 0 (no frequency), then zeros. */
		const uint8_t *v = s[1].data, *vend = v + s[1].v;
		assert_int_equal(read_varint(&v, vend), 5);
		for (int k = 1; k < 5; k++)
			assert_int_equal(read_varint(&v, vend), 0);
		assert_ptr_equal(v, vend);
	}
	assert_string_equal(strs[0], "");
	free(raw);
	model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_varint),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_gzip_full_disk),
		cmocka_unit_test(test_strindex),
		cmocka_unit_test(test_frametab),
		cmocka_unit_test(test_export_empty),
		cmocka_unit_test(test_export_leaf_first),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
