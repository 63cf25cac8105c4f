/* The pane the next issue fills (allocations): until then it says in one
 * line what it will show, rather than a blank screen. */
#include "config.h"

#include "panes.h"

const struct pane pane_alloc = {
	.name = "Allocations",
	.placeholder = "Allocation growth: which call sites make the heap grow, how fast, "
		       "and whether it is a leak (RSS trend, page faults, malloc/free sites) - coming next.",
};
