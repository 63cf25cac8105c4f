/* The bounded regex filter (see filter.h).  No JIT: the JIT ignores the
 * depth limit, and names are short enough that the interpreter is cheap. */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "../common/xalloc.h"

struct filter {
	char *pattern;
	pcre2_code *code;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	char error[160];
	uint64_t errors;
};

static bool filter_has_upper(const char *s)
{
	for (; *s; s++) {
		/* Skip escapes such as \S or \W: they are not letters to match. */
		if (*s == '\\' && s[1]) {
			s++;
			continue;
		}
		if (isupper((unsigned char)*s))
			return true;
	}
	return false;
}

static void filter_pcre2_message(int code, char *buf, size_t len)
{
	PCRE2_UCHAR msg[120];

	if (pcre2_get_error_message(code, msg, sizeof msg) < 0)
		snprintf((char *)msg, sizeof msg, "pcre2 error %d", code);
	snprintf(buf, len, "%s", (const char *)msg);
}

struct filter *filter_new(const char *pattern, unsigned flags, char *err, size_t errlen)
{
	uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
	int code;
	PCRE2_SIZE off;
	pcre2_code *re;
	struct filter *f;

	if ((flags & FILTER_CASELESS) ||
	    ((flags & FILTER_SMARTCASE) && !filter_has_upper(pattern)))
		opts |= PCRE2_CASELESS;
	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opts, &code, &off, NULL);
	if (!re) {
		char msg[120];
		filter_pcre2_message(code, msg, sizeof msg);
		snprintf(err, errlen, "bad regex at offset %zu: %s", (size_t)off, msg);
		return NULL;
	}
	f = xcalloc(1, sizeof *f);
	f->pattern = xstrdup(pattern);
	f->code = re;
	f->md = pcre2_match_data_create_from_pattern(re, NULL);
	f->mctx = pcre2_match_context_create(NULL);
	if (!f->md || !f->mctx)
		xalloc_die();
	pcre2_set_match_limit(f->mctx, FILTER_MATCH_LIMIT);
	pcre2_set_depth_limit(f->mctx, FILTER_DEPTH_LIMIT);
	return f;
}

void filter_free(struct filter *f)
{
	if (!f)
		return;
	pcre2_match_context_free(f->mctx);
	pcre2_match_data_free(f->md);
	pcre2_code_free(f->code);
	free(f->pattern);
	free(f);
}

const char *filter_pattern(const struct filter *f)
{
	return f->pattern;
}

enum filter_result filter_match(struct filter *f, const char *subject)
{
	int rc = pcre2_match(f->code, (PCRE2_SPTR)subject, strlen(subject), 0, 0, f->md, f->mctx);

	if (rc >= 0)
		return FILTER_MATCH;
	if (rc == PCRE2_ERROR_NOMATCH)
		return FILTER_NOMATCH;
	filter_pcre2_message(rc, f->error, sizeof f->error);
	f->errors++;
	return FILTER_ERROR;
}

const char *filter_error(const struct filter *f)
{
	return f->error;
}

uint64_t filter_errors(const struct filter *f)
{
	return f->errors;
}
