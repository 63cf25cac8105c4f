/* The frames of a flame graph and its SVG writer (see flame.h).  Stacks are
 * kept as they come, as interned name ids; writing sorts them by their
 * names, frame by frame (flamegraph.pl's order), so that every prefix's
 * stacks are neighbours, and one sweep over the sorted stacks then finds
 * the merged frames: a frame opens where a stack's name at its depth
 * differs from the previous stack's and closes where it changes again.
 * No tree is built: 100 000 stacks of 15 frames are 1.5 M tree nodes, most
 * too narrow to draw.  Two sweeps: the first finds how deep the drawn
 * frames go (the image's height comes first in the file) and how many are
 * too narrow, the second writes them. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "flame.h"
#include "flame_script.h"
#include "../common/hash.h"
#include "../common/xalloc.h"

/* Flamegraph.pl's warm colours on its pale yellow background. */
const struct flame_palette flame_palette_default = {
	.bg_top = 0xeeeeee, .bg_bottom = 0xeeeeb0,
	.text = 0x000000, .label = 0x000000,
	.frame_lo = 0xd2321e, .frame_hi = 0xf5d23c,
	.special_lo = 0x30a0a8, .special_hi = 0x94e1e6,
	.grew = 0xd7301f, .same = 0xf2f0ea, .shrank = 0x2b6cd6,
	.highlight = 0xe600e6,
};

#define FLAME_ROOT_NAME "all"
#define FLAME_FONT 12
#define FLAME_CHAR_WIDTH 7.2   /* a monospace character at FLAME_FONT px */

struct flame_stack {
	size_t off;                  /* its names: frames[off .. off + n) */
	uint32_t n;
	uint64_t value, before;
};

struct flame {
	/* Interned names: strings by id, and a hash set of ids. */
	char **names;
	size_t nnames, names_cap;
	uint32_t *name_slots;        /* id + 1; 0 empty */
	size_t name_nslots;
	uint32_t *frames;
	size_t nframes, frames_cap;
	struct flame_stack *stacks;
	size_t nstacks, stacks_cap;
	uint64_t total, before_total;
};

static uint32_t flame_intern(struct flame *fl, const char *s)
{
	size_t len = strlen(s), mask, i;

	if ((fl->nnames + 1) * 2 > fl->name_nslots) {
		size_t n = fl->name_nslots ? 2 * fl->name_nslots : 1024;
		free(fl->name_slots);
		fl->name_slots = xcalloc(n, sizeof *fl->name_slots);
		fl->name_nslots = n;
		for (size_t id = 0; id < fl->nnames; id++) {
			i = hash_bytes(fl->names[id], strlen(fl->names[id]), 0) & (n - 1);
			while (fl->name_slots[i])
				i = (i + 1) & (n - 1);
			fl->name_slots[i] = (uint32_t)id + 1;
		}
	}
	mask = fl->name_nslots - 1;
	for (i = hash_bytes(s, len, 0) & mask; fl->name_slots[i]; i = (i + 1) & mask)
		if (strcmp(fl->names[fl->name_slots[i] - 1], s) == 0)
			return fl->name_slots[i] - 1;
	xgrow(&fl->names, &fl->names_cap, fl->nnames + 1, sizeof *fl->names);
	fl->names[fl->nnames] = xstrdup(s);
	fl->name_slots[i] = (uint32_t)++fl->nnames;
	return (uint32_t)fl->nnames - 1;
}

struct flame *flame_new(void)
{
	struct flame *fl = xcalloc(1, sizeof *fl);

	flame_intern(fl, FLAME_ROOT_NAME);
	return fl;
}

void flame_free(struct flame *fl)
{
	if (!fl)
		return;
	for (size_t i = 0; i < fl->nnames; i++)
		free(fl->names[i]);
	free(fl->names);
	free(fl->name_slots);
	free(fl->frames);
	free(fl->stacks);
	free(fl);
}

void flame_add(struct flame *fl, const char *const *frames, size_t n,
	       uint64_t value, uint64_t before)
{
	fl->total += value;
	fl->before_total += before;
	xgrow(&fl->stacks, &fl->stacks_cap, fl->nstacks + 1, sizeof *fl->stacks);
	xgrow(&fl->frames, &fl->frames_cap, fl->nframes + n, sizeof *fl->frames);
	fl->stacks[fl->nstacks++] = (struct flame_stack){ fl->nframes, (uint32_t)n, value, before };
	for (size_t i = 0; i < n; i++)
		fl->frames[fl->nframes++] = flame_intern(fl, frames[i] && frames[i][0] ? frames[i]
										       : "[unknown]");
}

/* ---- layout ---------------------------------------------------------------- */

struct named {
	const char *s;
	uint32_t id;
};

static int named_cmp(const void *a, const void *b)
{
	return strcmp(((const struct named *)a)->s, ((const struct named *)b)->s);
}

/* A stack as the ranks of its names, for sorting. */
struct sorted {
	const uint32_t *rank;
	uint32_t n, stack;
};

/* By name, frame by frame; a stack that is a prefix of another after it,
 * so that a frame's callees start at its left edge and its own share is
 * at its right, as in flamegraph.pl. */
static int sorted_cmp(const void *a, const void *b)
{
	const struct sorted *x = a, *y = b;
	uint32_t n = x->n < y->n ? x->n : y->n;

	for (uint32_t i = 0; i < n; i++)
		if (x->rank[i] != y->rank[i])
			return x->rank[i] < y->rank[i] ? -1 : 1;
	return x->n == y->n ? 0 : x->n > y->n ? -1 : 1;
}

/* A frame while the sweep is inside it. */
struct open_frame {
	uint32_t name;
	uint64_t x, value, before;   /* x: units of value from the left */
};

/* Everything one write needs: the stacks in order, the scale, and what the
 * first sweep found. */
struct layout {
	const struct flame *fl;
	const struct flame_style *st;
	const struct flame_palette *pal;
	struct sorted *order;
	uint32_t *ranks;             /* every stack's names as ranks */
	struct open_frame *open;     /* by depth; the root at 0 */
	double scale;                /* pixels per unit of value */
	uint64_t total, before_total;
	unsigned max_depth;          /* of the frames drawn */
	size_t drawn, pruned;
	double max_delta;            /* differential: largest |change of share| */
	unsigned height;
	bool writing;                /* the second sweep */
	FILE *f;
};

static void layout_sort(struct layout *lo)
{
	const struct flame *fl = lo->fl;
	struct named *byname = xmalloc(fl->nnames * sizeof *byname);
	uint32_t *rank = xmalloc(fl->nnames * sizeof *rank), maxn = 0;

	for (size_t i = 0; i < fl->nnames; i++)
		byname[i] = (struct named){ fl->names[i], (uint32_t)i };
	qsort(byname, fl->nnames, sizeof *byname, named_cmp);
	for (size_t i = 0; i < fl->nnames; i++)
		rank[byname[i].id] = (uint32_t)i;
	lo->ranks = xmalloc((fl->nframes ? fl->nframes : 1) * sizeof *lo->ranks);
	for (size_t i = 0; i < fl->nframes; i++)
		lo->ranks[i] = rank[fl->frames[i]];
	lo->order = xmalloc((fl->nstacks ? fl->nstacks : 1) * sizeof *lo->order);
	for (size_t i = 0; i < fl->nstacks; i++) {
		const struct flame_stack *s = &fl->stacks[i];
		lo->order[i] = (struct sorted){ lo->ranks + s->off, s->n, (uint32_t)i };
		maxn = s->n > maxn ? s->n : maxn;
	}
	qsort(lo->order, fl->nstacks, sizeof *lo->order, sorted_cmp);
	lo->open = xcalloc((size_t)maxn + 1, sizeof *lo->open);
	free(rank);
	free(byname);
}

/* Not worth linking libm for. */
static double flame_abs(double x)
{
	return x < 0 ? -x : x;
}

static double share_delta(const struct layout *lo, const struct open_frame *fr)
{
	double after = lo->total ? (double)fr->value / (double)lo->total : 0;
	double before = lo->before_total ? (double)fr->before / (double)lo->before_total : 0;

	return after - before;
}

static void frame_write(const struct layout *lo, const struct open_frame *fr, unsigned depth);

/* The frame at depth is complete: count it, or write it. */
static void layout_close(struct layout *lo, unsigned depth)
{
	const struct open_frame *fr = &lo->open[depth];

	if ((double)fr->value * lo->scale < FLAME_MIN_WIDTH) {
		lo->pruned++;
		return;
	}
	if (lo->writing) {
		frame_write(lo, fr, depth);
		return;
	}
	lo->drawn++;
	lo->max_depth = depth > lo->max_depth ? depth : lo->max_depth;
	if (lo->st->differential && flame_abs(share_delta(lo, fr)) > lo->max_delta)
		lo->max_delta = flame_abs(share_delta(lo, fr));
}

/* One sweep over the sorted stacks; frame d + 1 is a stack's name d. */
static void layout_sweep(struct layout *lo)
{
	const struct flame *fl = lo->fl;
	unsigned depth = 0;          /* frames open below the root */
	uint64_t x = 0;

	lo->open[0] = (struct open_frame){ 0, 0, lo->total, lo->before_total };
	for (size_t i = 0; i < fl->nstacks; i++) {
		const struct sorted *s = &lo->order[i];
		const struct flame_stack *st = &fl->stacks[s->stack];
		const uint32_t *names = fl->frames + st->off;
		unsigned same = 0;

		while (same < depth && same < s->n && lo->open[same + 1].name == names[same])
			same++;
		while (depth > same)
			layout_close(lo, depth--);
		for (; depth < s->n; depth++)
			lo->open[depth + 1] = (struct open_frame){ names[depth], x, 0, 0 };
		for (unsigned d = 1; d <= depth; d++) {
			lo->open[d].value += st->value;
			lo->open[d].before += st->before;
		}
		x += st->value;
	}
	while (depth > 0)
		layout_close(lo, depth--);
	layout_close(lo, 0);
}

/* ---- XML ------------------------------------------------------------------- */

/* Length of the UTF-8 sequence at s when it is well-formed and a character
 * XML allows; 0 when the byte must be replaced (control characters, stray or
 * truncated bytes, overlong forms, surrogates, U+FFFE/U+FFFF).  Checks stop
 * at the first bad byte, so the terminating NUL is never passed. */
static size_t xml_char_len(const unsigned char *s)
{
	unsigned c = s[0];

	if (c < 0x80)
		return c >= 0x20 && c != 0x7f;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0) ||
		    (c == 0xef && s[1] == 0xbf && s[2] >= 0xbe))
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

/* Characters in s as xml_text writes them (a replaced byte is one). */
static size_t xml_chars(const char *s)
{
	size_t n = 0, k;

	for (const unsigned char *p = (const unsigned char *)s; *p; p += k ? k : 1, n++)
		k = xml_char_len(p);
	return n;
}

/* Up to max characters of s, escaped for text and attribute values;
 * anything XML can't hold becomes U+FFFD. */
static void xml_text(FILE *f, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t n = 0; *p && n < max; n++) {
		size_t k = xml_char_len(p);

		switch (k ? *p : 0) {
		case 0:
			fputs("\xef\xbf\xbd", f);
			k = 1;
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fwrite(p, 1, k, f);
		}
		p += k;
	}
}

/* ---- frames ---------------------------------------------------------------- */

/* "1234 samples", "1.50 MiB", "12.3 ms". */
static void flame_amount(char *buf, size_t len, uint64_t v, const char *unit)
{
	static const char *const bin[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };

	if (strcmp(unit, "bytes") == 0 && v >= 1024) {
		double x = (double)v / 1024;
		size_t i = 0;
		while (x >= 1024 && i + 1 < sizeof bin / sizeof bin[0]) {
			x /= 1024;
			i++;
		}
		snprintf(buf, len, "%.2f %s", x, bin[i]);
	} else if (strcmp(unit, "nanoseconds") == 0 && v >= 1000) {
		double x = (double)v;
		snprintf(buf, len, x < 1e6 ? "%.2f \xc2\xb5s" : x < 1e9 ? "%.2f ms" : "%.2f s",
			 x < 1e6 ? x / 1e3 : x < 1e9 ? x / 1e6 : x / 1e9);
	} else {
		snprintf(buf, len, "%" PRIu64 " %s", v,
			 strcmp(unit, "nanoseconds") == 0 ? "ns" : unit);
	}
}

static uint32_t colour_mix(uint32_t a, uint32_t b, double t)
{
	uint32_t out = 0;

	for (int sh = 16; sh >= 0; sh -= 8) {
		double x = (double)(a >> sh & 0xff), y = (double)(b >> sh & 0xff);
		out |= (uint32_t)(x + (y - x) * t + 0.5) << sh;
	}
	return out;
}

static uint32_t frame_colour(const struct layout *lo, const struct open_frame *fr)
{
	const char *name = lo->fl->names[fr->name];

	if (lo->st->differential) {
		double d = share_delta(lo, fr), t = lo->max_delta > 0 ? flame_abs(d) / lo->max_delta : 0;
		return colour_mix(lo->pal->same, d > 0 ? lo->pal->grew : lo->pal->shrank, t);
	}
	/* By name, so a function keeps its colour wherever it appears. */
	double t = (double)(hash_bytes(name, strlen(name), 0) & 0xffff) / 65535.0;
	if (name[0] == '[')
		return colour_mix(lo->pal->special_lo, lo->pal->special_hi, t);
	return colour_mix(lo->pal->frame_lo, lo->pal->frame_hi, t);
}

static void frame_title(const struct layout *lo, const struct open_frame *fr)
{
	const char *unit = lo->st->unit ? lo->st->unit : "samples";
	char now[48], then[48];

	xml_text(lo->f, lo->fl->names[fr->name], SIZE_MAX);
	flame_amount(now, sizeof now, fr->value, unit);
	fprintf(lo->f, " (%s, %.2f %%", now, lo->total ? 100.0 * (double)fr->value / (double)lo->total : 0);
	if (lo->st->differential) {
		flame_amount(then, sizeof then, fr->before, unit);
		fprintf(lo->f, "; before %s, %.2f %%; %+.2f points", then,
			lo->before_total ? 100.0 * (double)fr->before / (double)lo->before_total : 0,
			100.0 * share_delta(lo, fr));
	}
	fputc(')', lo->f);
}

static void frame_write(const struct layout *lo, const struct open_frame *fr, unsigned depth)
{
	double w = (double)fr->value * lo->scale, px = FLAME_XPAD + (double)fr->x * lo->scale;
	unsigned y = lo->height - 2 * FLAME_FONT - 14 - (depth + 1) * FLAME_FRAME_HEIGHT;
	const char *name = lo->fl->names[fr->name];
	size_t fit = w > 6 ? (size_t)((w - 6) / FLAME_CHAR_WIDTH) : 0, len;

	fputs("<g class=\"f\"><title>", lo->f);
	frame_title(lo, fr);
	fprintf(lo->f, "</title><rect x=\"%.2f\" y=\"%u\" width=\"%.2f\" height=\"%u\" fill=\"#%06" PRIx32 "\"/>",
		px, y, w, FLAME_FRAME_HEIGHT - 1, frame_colour(lo, fr));
	if (fit >= 3) {
		fprintf(lo->f, "<text x=\"%.2f\" y=\"%u\">", px + 3, y + FLAME_FRAME_HEIGHT - 4);
		len = xml_chars(name);
		xml_text(lo->f, name, len <= fit ? len : fit - 2);
		fputs(len <= fit ? "</text>" : "..</text>", lo->f);
	}
	fputs("</g>\n", lo->f);
}

/* ---- the document ---------------------------------------------------------- */

static void svg_head(const struct layout *lo)
{
	const struct flame_palette *p = lo->pal;
	FILE *f = lo->f;

	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%u\" "
		"viewBox=\"0 0 %d %u\" data-xpad=\"%d\" data-frame-height=\"%d\" data-char-width=\"%.1f\">\n",
		FLAME_WIDTH, lo->height, FLAME_WIDTH, lo->height, FLAME_XPAD, FLAME_FRAME_HEIGHT,
		FLAME_CHAR_WIDTH);
	fprintf(f, "<!-- written by " PACKAGE_STRING " -->\n"
		"<defs><linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\">"
		"<stop stop-color=\"#%06" PRIx32 "\" offset=\"5%%\"/><stop stop-color=\"#%06" PRIx32
		"\" offset=\"95%%\"/></linearGradient></defs>\n", p->bg_top, p->bg_bottom);
	fprintf(f, "<style type=\"text/css\">\n"
		"text { font-family: monospace; font-size: %dpx; fill: #%06" PRIx32 "; }\n"
		"#title { font-size: 17px; }\n"
		".f { cursor: pointer; }\n"
		".f text { fill: #%06" PRIx32 "; pointer-events: none; }\n"
		".f:hover > rect { stroke: #%06" PRIx32 "; stroke-width: 0.5; }\n"
		".f.match > rect { fill: #%06" PRIx32 "; }\n"
		".f.parent { opacity: 0.5; }\n"
		".button { cursor: pointer; text-decoration: underline; }\n"
		".hide { display: none; }\n"
		"</style>\n", FLAME_FONT, p->text, p->label, p->text, p->highlight);
	fprintf(f, "<rect x=\"0\" y=\"0\" width=\"100%%\" height=\"100%%\" fill=\"url(#background)\"/>\n");
	fprintf(f, "<text id=\"title\" x=\"%d\" y=\"24\" text-anchor=\"middle\">", FLAME_WIDTH / 2);
	xml_text(f, lo->st->title ? lo->st->title : "Flame Graph", SIZE_MAX);
	fputs("</text>\n", f);
	if (lo->st->subtitle) {
		fprintf(f, "<text id=\"subtitle\" x=\"%d\" y=\"42\" text-anchor=\"middle\">", FLAME_WIDTH / 2);
		xml_text(f, lo->st->subtitle, SIZE_MAX);
		fputs("</text>\n", f);
	}
	fprintf(f, "<text id=\"unzoom\" class=\"button hide\" x=\"%d\" y=\"24\">Reset zoom</text>\n"
		"<text id=\"search\" class=\"button\" x=\"%d\" y=\"24\" text-anchor=\"end\">Search</text>\n"
		"<text id=\"details\" x=\"%d\" y=\"%u\"> </text>\n"
		"<text id=\"matched\" x=\"%d\" y=\"%u\" text-anchor=\"end\"> </text>\n",
		FLAME_XPAD, FLAME_WIDTH - FLAME_XPAD, FLAME_XPAD, lo->height - FLAME_FONT - 12,
		FLAME_WIDTH - FLAME_XPAD, lo->height - FLAME_FONT - 12);
	if (lo->pruned)
		fprintf(f, "<text id=\"note\" x=\"%d\" y=\"%u\">%zu frame%s narrower than %.1f px not drawn</text>\n",
			FLAME_XPAD, lo->height - 6, lo->pruned, lo->pruned == 1 ? "" : "s", FLAME_MIN_WIDTH);
	if (!lo->total)
		fprintf(f, "<text id=\"note\" x=\"%d\" y=\"%u\">nothing recorded</text>\n",
			FLAME_XPAD, lo->height - 6);
}

int flame_write_svg(const struct flame *fl, FILE *f, const struct flame_style *st)
{
	struct layout lo = {
		.fl = fl, .st = st, .pal = st->palette ? st->palette : &flame_palette_default,
		.total = fl->total, .before_total = fl->before_total, .f = f,
	};

	layout_sort(&lo);
	lo.scale = lo.total ? (double)(FLAME_WIDTH - 2 * FLAME_XPAD) / (double)lo.total : 0;
	if (lo.total)
		layout_sweep(&lo);
	/* Title lines above the frames, details and the note below. */
	lo.height = (st->subtitle ? 56 : 40) + (lo.total ? lo.max_depth + 1 : 1) * FLAME_FRAME_HEIGHT
		    + 2 * FLAME_FONT + 14;
	svg_head(&lo);
	fputs("<g id=\"frames\">\n", f);
	lo.writing = true;
	lo.pruned = 0;
	if (lo.total)
		layout_sweep(&lo);
	fputs("</g>\n<script type=\"text/ecmascript\"><![CDATA[\n", f);
	fputs(flame_script, f);
	fputs("]]></script>\n</svg>\n", f);
	free(lo.order);
	free(lo.ranks);
	free(lo.open);
	if (ferror(f)) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}
