/* Call trees around one function (see calltree.h).  Each input stack enters
 * the tree once, at its outermost frame of the function; the stacks through
 * a node are a slice of one permutation of stack indices.  Making a node's
 * children sorts its slice by the next frame along the direction, so each
 * child's stacks are a sub-slice: no per-node lists, and only the nodes
 * someone opened are ever made. */
#include "config.h"   /* _GNU_SOURCE: qsort_r */

#include <stdlib.h>
#include <string.h>

#include "calltree.h"
#include "../common/hash.h"
#include "../common/xalloc.h"

#define NO_FRAME UINT32_MAX

/* What only the builder needs about a node. */
struct node_slice {
	uint32_t off, len;       /* its stacks: perm[off, off + len) */
	uint32_t depth;          /* frames from the entry */
	bool built;              /* children made */
};

struct calltree {
	enum calltree_dir dir;
	const struct calltree_stack *stacks;
	uint32_t *entry;         /* per input stack: where func first occurs */
	uint32_t *perm;          /* stack indices, sliced by node */
	struct calltree_node *v;
	struct node_slice *x;
	size_t n, cap, xcap;
};

/* The frame after depth steps from the entry, or NO_FRAME past the end. */
static uint32_t next_frame(const struct calltree *t, uint32_t s, uint32_t depth)
{
	const struct calltree_stack *st = &t->stacks[s];
	uint64_t at = t->entry[s];

	if (t->dir == CALLTREE_CALLEES)
		return at + depth + 1 < st->n ? st->frames[at + depth + 1] : NO_FRAME;
	return at >= (uint64_t)depth + 1 ? st->frames[at - depth - 1] : NO_FRAME;
}

static uint32_t node_new(struct calltree *t, uint32_t func, uint32_t parent,
			 uint32_t off, uint32_t len, uint32_t depth)
{
	uint64_t total = 0, self = 0;

	for (uint32_t i = off; i < off + len; i++) {
		uint64_t c = t->stacks[t->perm[i]].count;
		total += c;
		if (next_frame(t, t->perm[i], depth) == NO_FRAME)
			self += c;
	}
	xgrow(&t->v, &t->cap, t->n + 1, sizeof *t->v);
	xgrow(&t->x, &t->xcap, t->n + 1, sizeof *t->x);
	t->v[t->n] = (struct calltree_node){
		.func = func, .parent = parent, .first_child = CALLTREE_NONE,
		.next_sibling = CALLTREE_NONE, .total = total, .self = self,
	};
	t->x[t->n] = (struct node_slice){ off, len, depth, false };
	return (uint32_t)t->n++;
}

struct keyed {
	uint32_t key, stack;
};

static int keyed_cmp(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->stack > y->stack) - (x->stack < y->stack);
}

/* Sort by key, stably: two counting passes of 16 bits each, O(n) where qsort
 * was the cost of opening a function that every stack passes through. */
static void keyed_sort(struct keyed *k, uint32_t n)
{
	struct keyed *tmp;
	uint32_t *count;

	if (n < 256) {
		qsort(k, n, sizeof *k, keyed_cmp);
		return;
	}
	tmp = xmalloc(n * sizeof *tmp);
	count = xmalloc(65536 * sizeof *count);
	for (int shift = 0; shift < 32; shift += 16) {
		uint32_t sum = 0;
		memset(count, 0, 65536 * sizeof *count);
		for (uint32_t i = 0; i < n; i++)
			count[(k[i].key >> shift) & 0xffff]++;
		for (uint32_t d = 0; d < 65536; d++) {
			uint32_t c = count[d];
			count[d] = sum;
			sum += c;
		}
		for (uint32_t i = 0; i < n; i++)
			tmp[count[(k[i].key >> shift) & 0xffff]++] = k[i];
		memcpy(k, tmp, n * sizeof *k);
	}
	free(count);
	free(tmp);
}

/* Heaviest first, ties by function id: the order the rows show. */
static int child_cmp(const void *a, const void *b, void *ctx)
{
	const struct calltree *t = ctx;
	const struct calltree_node *x = &t->v[*(const uint32_t *)a];
	const struct calltree_node *y = &t->v[*(const uint32_t *)b];

	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return (x->func > y->func) - (x->func < y->func);
}

static void node_build(struct calltree *t, uint32_t id)
{
	struct node_slice sl = t->x[id];
	struct keyed *k;
	uint32_t *kids, nkids = 0;

	if (sl.built)
		return;
	t->x[id].built = true;
	if (t->v[id].total == t->v[id].self)
		return;   /* every stack ends here */
	k = xmalloc(sl.len * sizeof *k);
	for (uint32_t i = 0; i < sl.len; i++)
		k[i] = (struct keyed){ next_frame(t, t->perm[sl.off + i], sl.depth), t->perm[sl.off + i] };
	keyed_sort(k, sl.len);
	for (uint32_t i = 0; i < sl.len; i++)
		t->perm[sl.off + i] = k[i].stack;
	kids = xmalloc(sl.len * sizeof *kids);
	for (uint32_t i = 0; i < sl.len && k[i].key != NO_FRAME;) {
		uint32_t j = i;
		while (j < sl.len && k[j].key == k[i].key)
			j++;
		kids[nkids++] = node_new(t, k[i].key, id, sl.off + i, j - i, sl.depth + 1);
		i = j;
	}
	free(k);
	qsort_r(kids, nkids, sizeof *kids, child_cmp, t);
	for (uint32_t i = nkids; i-- > 0;) {
		t->v[kids[i]].next_sibling = t->v[id].first_child;
		t->v[id].first_child = kids[i];
	}
	free(kids);
}

struct calltree *calltree_build(const struct calltree_stack *stacks, size_t n,
				uint32_t func, enum calltree_dir dir)
{
	struct calltree *t = xcalloc(1, sizeof *t);
	uint32_t in = 0;

	t->dir = dir;
	t->stacks = stacks;
	t->entry = xmalloc((n ? n : 1) * sizeof *t->entry);
	t->perm = xmalloc((n ? n : 1) * sizeof *t->perm);
	for (size_t i = 0; i < n; i++) {
		if (!stacks[i].count)
			continue;
		for (uint32_t k = 0; k < stacks[i].n; k++)
			if (stacks[i].frames[k] == func) {
				t->entry[i] = k;
				t->perm[in++] = (uint32_t)i;
				break;
			}
	}
	node_new(t, func, CALLTREE_NONE, 0, in, 0);
	return t;
}

void calltree_free(struct calltree *t)
{
	if (!t)
		return;
	free(t->entry);
	free(t->perm);
	free(t->v);
	free(t->x);
	free(t);
}

enum calltree_dir calltree_dir(const struct calltree *t)
{
	return t->dir;
}

uint32_t calltree_root(const struct calltree *t)
{
	return t->v[0].total ? 0 : CALLTREE_NONE;
}

size_t calltree_size(const struct calltree *t)
{
	return t->v[0].total ? t->n : 0;
}

const struct calltree_node *calltree_node(const struct calltree *t, uint32_t id)
{
	return id < t->n ? &t->v[id] : NULL;
}

uint32_t calltree_children(struct calltree *t, uint32_t id)
{
	if (id >= t->n)
		return CALLTREE_NONE;
	node_build(t, id);
	return t->v[id].first_child;
}

static uint64_t key_root(enum calltree_dir dir, uint32_t func)
{
	return hash_u64(((uint64_t)dir << 40) ^ func ^ 0x6b70726f66ULL);
}

static uint64_t key_child(uint64_t parent_key, uint32_t func)
{
	return hash_u64(parent_key * 0x9e3779b97f4a7c15ULL + func + 1);
}

uint64_t calltree_key(const struct calltree *t, uint32_t id)
{
	uint32_t path[256], n = 0;
	uint64_t key;

	/* Deeper than the path buffer: hash the deepest part only; still stable. */
	for (uint32_t c = id; c != 0 && c != CALLTREE_NONE && n < 256; c = t->v[c].parent)
		path[n++] = c;
	key = key_root(t->dir, t->v[0].func);
	while (n-- > 0)
		key = key_child(key, t->v[path[n]].func);
	return key;
}

struct flatten {
	struct calltree *t;
	calltree_expanded_fn *expanded;
	void *ctx;
	size_t max;
	struct calltree_row *rows;
	size_t n, cap;
};

static void flatten_visit(struct flatten *fl, uint32_t id, uint32_t depth, uint64_t key,
			  uint64_t guides, bool last)
{
	struct calltree *t = fl->t;
	bool kids = t->v[id].total > t->v[id].self;
	bool open = kids && fl->expanded(fl->ctx, key);
	uint64_t child_guides = guides;

	if (fl->max && fl->n >= fl->max)
		return;
	xgrow(&fl->rows, &fl->cap, fl->n + 1, sizeof *fl->rows);
	fl->rows[fl->n++] = (struct calltree_row){
		.node = id, .depth = depth, .key = key, .guides = guides,
		.has_children = kids, .expanded = open, .last = last,
	};
	if (!open)
		return;
	if (depth >= 1 && depth <= 64 && !last)
		child_guides |= 1ULL << (depth - 1);
	for (uint32_t c = calltree_children(t, id); c != CALLTREE_NONE; c = t->v[c].next_sibling)
		flatten_visit(fl, c, depth + 1, key_child(key, t->v[c].func), child_guides,
			      t->v[c].next_sibling == CALLTREE_NONE);
}

size_t calltree_flatten(struct calltree *t, calltree_expanded_fn *expanded, void *ctx,
			size_t max, struct calltree_row **rows)
{
	struct flatten fl = { .t = t, .expanded = expanded, .ctx = ctx, .max = max };

	*rows = NULL;
	if (calltree_root(t) == CALLTREE_NONE)
		return 0;
	flatten_visit(&fl, 0, 0, key_root(t->dir, t->v[0].func), 0, true);
	*rows = fl.rows;
	return fl.n;
}

size_t calltree_heaviest_path(struct calltree *t, size_t depth, uint64_t *keys)
{
	size_t n = 0;
	uint64_t key;

	if (calltree_root(t) == CALLTREE_NONE || !depth)
		return 0;
	key = key_root(t->dir, t->v[0].func);
	keys[n++] = key;
	for (uint32_t c = calltree_children(t, 0); c != CALLTREE_NONE && n < depth;
	     c = calltree_children(t, c)) {
		key = key_child(key, t->v[c].func);
		keys[n++] = key;
	}
	return n;
}
