/* Call trees around one function: its callers (who calls it, up to the
 * roots) and its callees (what it calls, down to the leaves), built from a
 * window's stacks, flattened into visible rows for a tree view.  Pure data:
 * which nodes are expanded is the caller's state, asked for by node key.
 * A node's children are worked out the first time they are needed, so a
 * tree over 100 000 stacks costs what its open nodes cost. */
#ifndef KPROF_CALLTREE_H
#define KPROF_CALLTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One stack (function ids, root first) and its count in the window. */
struct calltree_stack {
	const uint32_t *frames;
	uint32_t n;
	uint64_t count;
};

enum calltree_dir {
	CALLTREE_CALLERS,   /* root: the function; children: its callers */
	CALLTREE_CALLEES,   /* root: the function; children: what it calls */
};

#define CALLTREE_NONE UINT32_MAX

struct calltree_node {
	uint32_t func;
	uint32_t parent;         /* CALLTREE_NONE for the root */
	uint32_t first_child;    /* by total, descending; see calltree_children */
	uint32_t next_sibling;
	uint64_t total;          /* samples of stacks through this path */
	uint64_t self;           /* ...of which the path ends here */
};

struct calltree_row {
	uint32_t node;
	uint32_t depth;          /* root 0 */
	uint64_t key;            /* stable across rebuilds: names the path */
	uint64_t guides;         /* bit d: the ancestor at depth d+1 has later siblings */
	bool has_children, expanded, last;
};

struct calltree;

/* The tree of func in the given direction; stacks must stay valid as long
 * as the tree.  Recursion: each stack enters at
 * the outermost occurrence of func, so it counts once (the root's total is
 * func's total in the hotspot table); in the callees tree the recursive
 * calls show as the path they took, in the callers tree only the callers
 * from outside the recursion show. */
struct calltree *calltree_build(const struct calltree_stack *stacks, size_t n,
				uint32_t func, enum calltree_dir dir);
void calltree_free(struct calltree *t);
enum calltree_dir calltree_dir(const struct calltree *t);
uint32_t calltree_root(const struct calltree *t);   /* CALLTREE_NONE when empty */
/* Nodes made so far (children are made when first asked for). */
size_t calltree_size(const struct calltree *t);
const struct calltree_node *calltree_node(const struct calltree *t, uint32_t id);
/* The first child of node id (CALLTREE_NONE: none), making the children
 * first if needed.  Node pointers from calltree_node may move. */
uint32_t calltree_children(struct calltree *t, uint32_t id);

/* The key of a node: a hash of its direction and its path of functions from
 * the root, so expansion state survives a rebuild with new data. */
uint64_t calltree_key(const struct calltree *t, uint32_t id);

typedef bool calltree_expanded_fn(void *ctx, uint64_t key);

/* The rows a tree view shows: the root, and the children of every shown
 * node that expanded() says is open, depth first.  At most max rows (0: no
 * limit).  Returns the count; *rows is the caller's to free. */
size_t calltree_flatten(struct calltree *t, calltree_expanded_fn *expanded, void *ctx,
			size_t max, struct calltree_row **rows);

/* The key of each node along the heaviest path from the root, at most
 * depth of them (to open a fresh tree where the time goes).  Returns the
 * count written to keys. */
size_t calltree_heaviest_path(struct calltree *t, size_t depth, uint64_t *keys);

#endif
