/* The key table: every binding with its name, the context it works in, its
 * help text and its handler.  Dispatch, the help screen and the function-key
 * bar are all generated from it, so they cannot drift from what keys do. */
#ifndef KPROF_TUI_KEYS_H
#define KPROF_TUI_KEYS_H

#include <stdbool.h>
#include <stddef.h>

struct app;

/* Keys are wide characters, or curses key codes (KEY_F(1), KEY_UP, ...)
 * with KEYS_CODE added so that they cannot collide with characters. */
#define KEYS_CODE 0x40000000
#define KEYS_FN(code) (KEYS_CODE | (code))
#define KEYS_CTRL(c) ((c) & 0x1f)
#define KEYS_ESC 27

enum keys_ctx {
	KEYS_GLOBAL,   /* anywhere */
	KEYS_TABLE,    /* in a pane's table */
	KEYS_TREE,     /* in the drill-down tree */
};

typedef unsigned keys_handler(struct app *a, int key);

struct key_binding {
	int key;
	const char *name;      /* as the help screen shows it */
	enum keys_ctx ctx;
	const char *help;      /* NULL: an alias of the entry above */
	keys_handler *fn;
	const char *bar;       /* label in the function-key bar, or NULL */
};

const struct key_binding *keys_table(size_t *n);
const char *keys_ctx_name(enum keys_ctx ctx);
/* Run the binding for key in the app's current context (the tree's or the
 * table's first, then the global ones).  Returns the handler's reaction
 * flags, or 0 when no binding matched (*found says which). */
unsigned keys_dispatch(struct app *a, int key, bool *found);
/* The help text of an entry, following aliases back to their first entry. */
const char *keys_help(size_t index);

#endif
