/* A regex filter over names (pcre2).  Matching is bounded by pcre2's match
 * and depth limits, so a pathological pattern costs a bounded amount of work
 * per subject instead of freezing the caller; that outcome is reported as
 * its own result, not as "no match". */
#ifndef KPROF_FILTER_H
#define KPROF_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* pcre2 steps per subject; a few ms at worst, far above any sane pattern. */
#define FILTER_MATCH_LIMIT 200000u
/* Nested backtracking depth per subject. */
#define FILTER_DEPTH_LIMIT 2000u

enum filter_flags {
	FILTER_CASELESS = 1 << 0,
	/* Caseless unless the pattern has an upper-case letter (like less -i). */
	FILTER_SMARTCASE = 1 << 1,
};

enum filter_result {
	FILTER_ERROR = -1,     /* a limit was hit or pcre2 failed: see filter_error */
	FILTER_NOMATCH = 0,
	FILTER_MATCH = 1,
};

struct filter;

/* Compile pattern (UTF-8; names that are not valid UTF-8 still match where
 * they can).  NULL with pcre2's message and the offset in err when the
 * pattern is invalid. */
struct filter *filter_new(const char *pattern, unsigned flags, char *err, size_t errlen);
void filter_free(struct filter *f);
const char *filter_pattern(const struct filter *f);
enum filter_result filter_match(struct filter *f, const char *subject);
/* Why the last FILTER_ERROR happened, and how many subjects hit one since
 * the filter was made (so the UI can say "N names too costly to match"). */
const char *filter_error(const struct filter *f);
uint64_t filter_errors(const struct filter *f);

#endif
