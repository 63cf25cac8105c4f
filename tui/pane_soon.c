/* The panes the next issues fill (allocations, I/O, locks): until then each
 * says in one line what it will show, rather than a blank screen. */
#include "config.h"

#include "panes.h"

const struct pane pane_alloc = {
	.name = "Allocations",
	.placeholder = "Allocation growth: which call sites make the heap grow, how fast, "
		       "and whether it is a leak (RSS trend, page faults, malloc/free sites) - coming next.",
};

const struct pane pane_io = {
	.name = "I/O",
	.placeholder = "I/O throughput: bytes/s read and written, per fd and file "
		       "(/proc io counters, read/write syscalls) - coming next.",
};

const struct pane pane_locks = {
	.name = "Locks",
	.placeholder = "Lock waits: which locks threads wait on, where and for how long "
		       "(futex waits by call stack and by lock) - coming next.",
};
