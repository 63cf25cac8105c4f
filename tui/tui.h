/* What the tui/ files share and nothing outside tui/ sees: the app struct
 * (all view state: no globals), the copy of the model data a frame is drawn
 * from, reaction flags, and the functions that move between files. */
#ifndef KPROF_TUI_H
#define KPROF_TUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "panes.h"
#include "theme.h"
#include "../analysis/calltree.h"
#include "../analysis/diff.h"
#include "../analysis/findings.h"
#include "../analysis/funcs.h"
#include "../analysis/io.h"
#include "../analysis/locks.h"
#include "../analysis/model.h"
#include "../analysis/usage.h"
#include "../common/macros.h"

struct filter;
struct pane;

/* What a key handler asks of the loop; the loop alone acts on it, once. */
enum tui_react {
	TUI_NONE = 0,
	TUI_REDRAW = 1 << 0,      /* draw the screen again */
	TUI_RECOMPUTE = 1 << 1,   /* filter/sort/tree changed: rebuild the rows */
	TUI_REFRESH = 1 << 2,     /* take a new copy of the model now */
	TUI_CLEAR = 1 << 3,       /* repaint every cell (resize, after suspend) */
	TUI_QUIT = 1 << 4,
	TUI_THEME = 1 << 5,       /* a.theme changed: set the colours up again */
};

/* ---- the copy of the model a frame is drawn from (data.c) -------------- */

struct tui_hot {
	uint32_t func;
	uint64_t self, total;
	double self_pct, total_pct;
};

struct tui_thread {
	uint32_t tid;
	char name[32];
	uint64_t samples;         /* over the whole run */
	bool exited;
	double cpu_pct;           /* since the previous copy, % of one core */
	bool has_hot;             /* hot_func is known (per_thread copies only) */
	uint32_t hot_func;        /* most self samples on this thread in the window */
	uint64_t hot_self;
};

/* A row of the per-thread split: one function on one thread. */
struct tui_thot {
	uint32_t tid, func;
	size_t thread;            /* index in threads, or SIZE_MAX if not listed */
	uint64_t self, total;
	double self_pct, total_pct;   /* of every thread's samples in the window */
};

/* A lock row: the model's numbers, and the lock's share of the wall time
 * of the threads that waited on it (locks_wait_pct). */
struct tui_lock {
	struct lock_info info;
	double wait_pct;
};

/* An fd row.  Rates are deltas against the same row (by key) in the
 * previous copy: the model keeps totals per row, and "now" is what a live
 * view is for.  No previous copy of the row: has_rates is false. */
struct tui_fd {
	struct io_fd info;
	uint64_t key;             /* fd, name and first use: the same row across copies */
	bool has_rates;
	double read_per_s, write_per_s, calls_per_s;
};

struct tui_io_thread {
	struct io_thread info;    /* rates are the model's (from /proc readings) */
	char name[32];
};

/* An allocation site row.  The model keeps a site per stack; rows merge
 * them by the function that asked for the memory (the leaf-most frame
 * that is not the allocator, libc or our shim) and its caller, since that
 * is what a reader names a site by; the drill-down shows the stacks apart.
 * Byte numbers are the model's estimates, summed. */
struct tui_alloc {
	uint64_t key;             /* func and caller: the row across copies */
	uint32_t func, caller;    /* CALLTREE_NONE: no such frame */
	uint32_t nstacks;
	bool other;               /* the model's fold of its least busy sites */
	int64_t outstanding_bytes;
	uint64_t alloc_bytes, free_bytes, touched_bytes;
	double alloc_per_s, free_per_s, growth_per_s, touched_per_s;
	double oldest_age_s;      /* the oldest of its stacks' */
	bool leak_suspect;        /* any of its stacks is one */
};

/* What a drill into an allocation site weighs its stacks by: what the site
 * holds, or (everything freed) what it allocated, or in faults mode the
 * memory it touched first. */
enum tui_alloc_weight { TUI_WEIGHT_LIVE, TUI_WEIGHT_ALLOCATED, TUI_WEIGHT_TOUCHED };

/* The function id that stands for the drilled lock, fd or allocation site:
 * the leaf of every site stack, so the calltree code serves these trees
 * unchanged. */
#define TUI_FUNC_SUBJECT (UINT32_MAX - 1)

/* What a copy holds beyond the CPU pane's rows: the view says
 * (view_data_want), the loop's refresh asks for it, tui_data_take copies
 * that much and records it in got. */
struct tui_want {
	bool locks, io, alloc, findings;
	enum tui_drill drill;
	uint64_t drill_key;
};

struct tui_data {
	/* Set by the caller before tui_data_take: also copy the per-thread
	 * rows (thot, threads' hottest functions), which cost a second pass
	 * over the window; only the threads pane and the split view need them. */
	bool per_thread;
	/* Set by the caller too: what else to copy (see struct tui_want). */
	struct tui_want want, got;
	bool valid;
	struct model_target target;
	struct model_stats stats;
	double duration_s;
	uint32_t window_secs;
	uint64_t window_samples;  /* every sample in the window, empty stacks too */
	struct tui_hot *hot;      /* by self, then total */
	size_t nhot, hot_cap;
	struct calltree_stack *stacks;   /* the window's stacks (frames in arena) */
	size_t nstacks, stacks_cap;
	uint32_t *arena;
	size_t arena_n, arena_cap;
	struct func *funcs;       /* by id: names live as long as the model */
	uint32_t nfuncs;
	size_t funcs_cap;
	struct tui_thread *threads;
	size_t nthreads, threads_cap;
	uint64_t thread_samples;  /* the threads' samples, summed */
	struct tui_thot *thot;    /* per (thread, function), by self then total */
	size_t nthot, thot_cap;
	struct usage_rates usage; /* RSS and I/O over the window */
	/* Self samples per function id in the last second, for sparklines. */
	uint32_t *recent;
	size_t nrecent, recent_cap;
	uint64_t recent_total;
	struct tui_lock *locks;   /* got.locks: every lock (since the start) */
	size_t nlocks, locks_cap;
	uint64_t lock_wait_ns;    /* all locks' waits, summed */
	struct tui_fd *fds;       /* got.io: every fd row (since the start) */
	size_t nfds, fds_cap;
	struct tui_io_thread *io_threads;
	size_t nio_threads, io_threads_cap;
	struct tui_alloc *allocs; /* got.alloc: the sites over the window */
	size_t nallocs, allocs_cap;
	struct finding *findings; /* got.findings: findings_eval's list, ranked */
	size_t nfindings;
	/* got.drill: the drilled subject's call sites, its name, their sum
	 * (and for an allocation site, what they are weighed by). */
	struct calltree_stack *sites;
	size_t nsites, sites_cap;
	uint32_t *site_arena;
	size_t site_arena_cap;
	uint64_t site_total;
	enum tui_alloc_weight site_weight;
	char drill_name[160];
	uint64_t taken_ns;        /* monotonic, when copied */
	uint64_t cpu_ns;          /* our process CPU time then */
	/* Rates since the previous copy. */
	double samples_per_s, target_cpu_pct, profiler_cpu_pct;
	unsigned alive_threads;
};

/* Copy what the panes show for window_secs from the model (under its lock,
 * briefly), computing rates against prev when it is valid.  Buffers in d
 * are reused. */
void tui_data_take(struct tui_data *d, const struct tui_data *prev,
		   const struct tui_source *src, uint32_t window_secs);
void tui_data_fini(struct tui_data *d);
/* The baseline's lock and fd totals, read from the model now (under its
 * lock), whatever the current copy holds. */
struct tui_baseline;
void tui_data_mark(const struct tui_source *src, struct tui_baseline *b);
const char *tui_data_func_name(const struct tui_data *d, uint32_t func);
const char *tui_data_func_module(const struct tui_data *d, uint32_t func);
/* Whether d holds the call sites of drill/key (a drill waits for a copy). */
bool tui_data_has_sites(const struct tui_data *d, enum tui_drill drill, uint64_t key);

/* ---- view state ----------------------------------------------------------- */

/* A table pane's rows after filter and sort: indices into its source. */
struct pane_state {
	size_t *rows;
	size_t nrows, cap;
	size_t cursor, top;
	int sort_col;
	bool sort_asc;
	uint64_t sel_id;          /* the selected row's identity, kept across updates */
	bool has_sel;
	int64_t sel_func;         /* its function (-1: none): where to stay when the
				   * row itself goes (the split toggled) */
};

struct tree_view {
	bool active;
	/* Whose stacks: the window's CPU samples (TUI_DRILL_NONE), or a lock's,
	 * an fd's or an allocation site's (then the first focus is
	 * TUI_FUNC_SUBJECT). */
	enum tui_drill src;
	uint64_t src_key;
	uint32_t focus;           /* the function the trees are about */
	uint32_t back[64];        /* earlier focuses, for Backspace */
	size_t nback;
	struct calltree *callers, *callees;
	struct calltree_stack *filtered;  /* the trees' stacks when filtered */
	struct calltree_row *rows;   /* callers' rows, then callees' */
	size_t nrows, ncaller_rows;
	size_t cursor, top;
	uint64_t *open;           /* expanded node keys, sorted */
	size_t nopen, open_cap;
	bool fresh;               /* open the heaviest paths on the next build */
};

/* Sparklines: each function's self share, one point per second for the
 * last TUI_SPARK_N seconds, a ring per function (0-255 = 0-100 %); and the
 * target's RSS on the same clock. */
#define TUI_SPARK_N 60

struct tui_spark {
	uint8_t *v;               /* nfuncs rows of TUI_SPARK_N */
	size_t nfuncs;
	uint64_t rss[TUI_SPARK_N];   /* bytes; 0: no reading then */
	unsigned head;            /* the slot the next point goes to */
	uint64_t last_ns;         /* when the last point was pushed */
};

enum prompt_mode { PROMPT_NONE, PROMPT_FILTER, PROMPT_SEARCH };

struct prompt {
	enum prompt_mode mode;
	char buf[256];
	size_t len;
	char saved[256];          /* the filter before the prompt opened (Esc) */
	size_t start_cursor;      /* where an incremental search started */
};

struct rect {
	int y, x, h, w;
};

struct app {
	const struct tui_source *src;
	struct theme theme;
	unsigned attr[THEME_NSLOTS];  /* curses attributes per slot, from the theme */
	bool color;               /* the terminal has colours and NO_COLOR is unset */
	bool utf8;

	struct tui_data data[2];  /* the current copy and the one before */
	int cur;                  /* index of the current copy in data */

	size_t pane;              /* index in the registry */
	struct pane_state *panes; /* one per registered pane */
	struct tree_view tree;
	struct prompt prompt;
	bool help;
	size_t help_top;

	struct tui_spark spark;

	struct filter *filter;
	int8_t *fmatch;           /* per function id: -1 unknown, 0, 1 */
	size_t nfmatch;
	char search[256];

	int window;               /* index into tui_windows */
	struct tui_baseline {     /* b: CPU shares kept to compare with (baseline.c) */
		bool set;
		double mark_s;            /* the model's duration at the mark */
		uint32_t window_secs;     /* the window the kept shares cover */
		uint64_t samples;         /* samples in it */
		uint64_t *self;           /* self samples per function id */
		uint32_t nfuncs;
		/* Lock wait and fd bytes at the mark (they count from the
		 * start), sorted by key: (addr, wait ns), (row key, bytes). */
		struct tui_mark { uint64_t key, value; } *locks, *fds;
		size_t nlocks, nfds;
	} baseline;
	bool split;               /* CPU pane: a row per (thread, function) */
	bool frozen;
	bool sampling_stopped;    /* --duration reached */

	char status[256];
	int status_slot;

	int lines, cols;          /* screen size */
	int page;                 /* body rows of the current view, for PgUp/PgDn */
	struct rect body;         /* where the pane or tree is drawn */
};

extern const uint32_t tui_windows[3];   /* seconds: 5, 60, 0 (= all) */

static inline const struct tui_data *app_data(const struct app *a)
{
	return &a->data[a->cur];
}

/* baseline.c: b marks the CPU shares now; the view then shows what came
 * after (baseline_window: the window for the next copy), and the CPU pane
 * each function's change in points with --diff's verdict. */
unsigned baseline_toggle(struct app *a);
uint32_t baseline_window(const struct app *a, uint32_t window_secs);
enum diff_verdict baseline_change(const struct app *a, uint32_t func, uint64_t self,
				  double *delta_pts);
void baseline_fini(struct app *a);
/* What value (a lock's wait ns by its address, an fd row's bytes by its
 * key) grew by since the mark. */
uint64_t baseline_lock_since(const struct app *a, uint64_t addr, uint64_t wait_ns);
uint64_t baseline_fd_since(const struct app *a, uint64_t key, uint64_t bytes);

/* A message for the status line (view.c). */
void app_status(struct app *a, int slot, const char *fmt, ...) ATTR_FORMAT(printf, 3, 4);

/* view.c: rows, cursor, filter, search, export */
void view_init(struct app *a);
void view_fini(struct app *a);
void view_update(struct app *a);                 /* every pane's rows, the tree */
bool view_func_matches(struct app *a, uint32_t func);
bool view_text_matches(struct app *a, const char *text);
unsigned view_move(struct app *a, long delta);   /* cursor by rows */
unsigned view_move_to(struct app *a, bool end);
unsigned view_set_filter(struct app *a, const char *pattern);
unsigned view_search(struct app *a, const char *needle, int dir, bool from_here);
unsigned view_sort(struct app *a, int delta);
unsigned view_sort_invert(struct app *a);
unsigned view_select_pane(struct app *a, size_t pane);
enum view_file { VIEW_FILE_JSON, VIEW_FILE_FOLDED, VIEW_FILE_SVG };
unsigned view_export(struct app *a, enum view_file what);
/* t: the CPU pane split by thread, or not (and shown). */
unsigned view_toggle_split(struct app *a);
/* Whether the next copy needs the per-thread rows (tui_data.per_thread). */
bool view_wants_threads(const struct app *a);
/* What else the next copy needs for the view shown now (tui_data.want). */
struct tui_want view_data_want(const struct app *a);
/* TUI_REFRESH when the current copy lacks what the view shows now. */
unsigned view_want(const struct app *a);
/* The label of tab i (" 1 CPU "), as drawn and as clicked. */
void view_tab_label(size_t i, char *buf, size_t len);
/* A mouse event at screen y, x: button 1 a press, 4/5 the wheel.  Picks a
 * tab or a row; a press on the selected row acts as Enter. */
unsigned view_click(struct app *a, int y, int x, int button);
/* After a refresh: a sparkline point per function per second passed. */
void view_spark_push(struct app *a);
/* Function func's last TUI_SPARK_N points, oldest first, into out. */
void view_spark_get(const struct app *a, uint32_t func, uint8_t *out);
/* The RSS of the last TUI_SPARK_N seconds, oldest first (0: unknown). */
void view_spark_rss(const struct app *a, uint64_t *out);
/* Load theme name into a->theme (the default, with a warning, if it can't). */
unsigned view_theme(struct app *a, const char *name);
/* T: the next of the shipped themes. */
unsigned view_next_theme(struct app *a);
/* The current pane's state (or NULL on the tree). */
struct pane_state *view_pane_state(struct app *a);
const struct pane *view_pane(const struct app *a);

/* panes.c: what the table panes share beyond struct pane */
/* A duration as "1.23 s", "45.6 ms", "789 us", "12 ns". */
void panes_format_ns(uint64_t ns, char *buf, size_t len);
int panes_cmp_u64(uint64_t x, uint64_t y);
int panes_cmp_double(double x, double y);
/* The locks, I/O and allocation modes as the panes and header say them:
 * "futex tracepoints", "procfs counters only", "uprobes on malloc/free"... */
const char *panes_locks_mode(const struct model_target *t);
const char *panes_io_mode(const struct model_target *t);
const char *panes_alloc_mode(const struct model_target *t);
/* An allocation site as "retain_leak <- worker" (the arrow drawn as one
 * when utf8), from a data copy. */
void panes_alloc_site(const struct tui_data *d, const struct tui_alloc *s, bool utf8,
		      char *buf, size_t len);
/* Eight levels of a sparkline: " ▁▂▃▄▅▆▇█", or " .:-=+*#@" without UTF-8. */
const char *panes_spark_glyph(bool utf8, unsigned level);

/* prompt.c: the filter and search line */
unsigned prompt_open(struct app *a, enum prompt_mode mode);
unsigned prompt_key(struct app *a, int key);

/* tree_view.c */
unsigned tree_open(struct app *a, uint32_t func);
/* The call sites of a lock, fd or allocation site, as the callers of
 * TUI_FUNC_SUBJECT. */
unsigned tree_open_sites(struct app *a, enum tui_drill src, uint64_t key);
unsigned tree_back(struct app *a);
unsigned tree_reroot(struct app *a);
unsigned tree_expand(struct app *a, int how);   /* 1 open, 0 close, -1 toggle */
void tree_update(struct app *a);
void tree_fini(struct app *a);
const char *tree_row_label(const struct app *a, size_t row);
const struct calltree_node *tree_row_node(const struct app *a, size_t row);
void tree_draw(struct app *a, struct rect r);

/* draw.c */
void draw_screen(struct app *a);
/* Put s (UTF-8) in w columns at y, x: control characters shown as '?',
 * too long cut with an ellipsis, padded with spaces (right-aligned when
 * right).  Returns the columns used (w, unless w < 0). */
int draw_text(const struct app *a, int y, int x, int w, const char *s, unsigned attr, bool right);
/* Like draw_text, but cuts from the left (for paths). */
/* Columns s takes on screen. */
int draw_width(const struct app *a, const char *s);
int draw_text_tail(const struct app *a, int y, int x, int w, const char *s, unsigned attr);
void draw_header(struct app *a, int y, int h);
/* Header lines for the view; non-const: the I/O threads follow the filter. */
int header_lines(struct app *a);
void draw_help(struct app *a, struct rect r);
/* A key while the help screen is up: scroll, or close it. */
unsigned help_key(struct app *a, int key);

#endif
