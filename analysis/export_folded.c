/* Folded stacks: "root;caller;leaf count", one line per distinct stack in
 * the window, the input of flamegraph.pl, inferno and speedscope.  A frame
 * name may not contain the separators, so ';' becomes ':' and control
 * characters (a newline would end the line) become '?'.  Names are cleaned
 * once per function and lines built in one buffer: a million samples over
 * 100 000 stacks is a few tens of milliseconds. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "model.h"
#include "../common/xalloc.h"

/* A sample with no frame at all still counts, under this name. */
#define FOLDED_EMPTY "[unknown]"

struct name {
	const char *s;
	size_t len;
	char *owned;            /* the cleaned copy, when one was needed */
};

static void folded_name(struct name *nm, const char *s)
{
	size_t len = strlen(s);
	size_t bad = strcspn(s, ";\n\r\t\v\f\x01\x02\x03\x04\x05\x06\x07\x08"
			     "\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19"
			     "\x1a\x1b\x1c\x1d\x1e\x1f\x7f");

	if (len == 0) {
		*nm = (struct name){ FOLDED_EMPTY, sizeof FOLDED_EMPTY - 1, NULL };
		return;
	}
	if (bad == len) {
		*nm = (struct name){ s, len, NULL };
		return;
	}
	char *c = xstrdup(s);
	for (size_t i = bad; i < len; i++) {
		unsigned char ch = (unsigned char)c[i];
		if (ch == ';')
			c[i] = ':';
		else if (ch < 0x20 || ch == 0x7f)
			c[i] = '?';
	}
	*nm = (struct name){ c, len, c };
}

struct outbuf {
	FILE *f;
	char *p;
	size_t n, cap;
	int failed;
};

static void out_flush(struct outbuf *o)
{
	if (o->n && fwrite(o->p, 1, o->n, o->f) != o->n)
		o->failed = 1;
	o->n = 0;
}

static void out_put(struct outbuf *o, const char *s, size_t len)
{
	if (o->n + len > o->cap) {
		out_flush(o);
		if (len > o->cap) {
			if (fwrite(s, 1, len, o->f) != len)
				o->failed = 1;
			return;
		}
	}
	memcpy(o->p + o->n, s, len);
	o->n += len;
}

static void out_count(struct outbuf *o, uint64_t v)
{
	char d[24];
	size_t i = sizeof d;

	d[--i] = '\n';
	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	d[--i] = ' ';
	out_put(o, d + i, sizeof d - i);
}

int export_folded(FILE *f, const struct model *m, uint32_t window_secs)
{
	struct stack_count *counts;
	size_t n = timeline_window(m->timeline, window_secs, &counts);
	uint32_t nfuncs = funcs_count(m->funcs);
	struct name *names = xcalloc(nfuncs, sizeof *names);
	struct outbuf o = { .f = f, .cap = 1 << 16 };

	for (uint32_t i = 0; i < nfuncs; i++)
		folded_name(&names[i], funcs_get(m->funcs, i)->name);
	o.p = xmalloc(o.cap);

	for (size_t i = 0; i < n && !o.failed; i++) {
		uint32_t nf;
		const uint32_t *fr = stacks_frames(m->stacks, counts[i].stack, &nf);

		if (nf == 0)
			out_put(&o, FOLDED_EMPTY, sizeof FOLDED_EMPTY - 1);
		for (uint32_t k = 0; k < nf; k++) {
			if (k)
				out_put(&o, ";", 1);
			if (fr[k] < nfuncs)
				out_put(&o, names[fr[k]].s, names[fr[k]].len);
			else
				out_put(&o, FOLDED_EMPTY, sizeof FOLDED_EMPTY - 1);
		}
		out_count(&o, counts[i].count);
	}
	out_flush(&o);

	for (uint32_t i = 0; i < nfuncs; i++)
		free(names[i].owned);
	free(names);
	free(o.p);
	free(counts);
	return o.failed || ferror(f) ? -1 : 0;
}
