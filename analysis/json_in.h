/* Reading a parsed JSON document whose every value is checked: a getter
 * that finds a key of the wrong type (or a required key missing) records
 * one message naming the key and where it is, and the read carries on with
 * the default, so a loader checks for failure once per section rather than
 * after each value.  Only the first problem is kept: it is the one a user
 * can act on. */
#ifndef KPROF_JSON_IN_H
#define KPROF_JSON_IN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/macros.h"

struct json_in {
	const char *what;   /* the file: the message starts with it */
	const char *hint;   /* what to do, after a bad or missing value */
	char *err;
	size_t errlen;
	bool failed;
};

void jin_fail(struct json_in *in, const char *fmt, ...) ATTR_FORMAT(printf, 2, 3);
/* "key" in where is missing or not expected, then the hint. */
void jin_bad(struct json_in *in, const char *where, const char *key, const char *expected);

/* A missing optional key gives def (0, "", NULL); a present key of the
 * wrong type, or a missing required one, fails. */
uint64_t jin_u64(struct json_in *in, const json_t *o, const char *key, const char *where,
		 bool required, uint64_t def);
uint32_t jin_u32(struct json_in *in, const json_t *o, const char *key, const char *where,
		 bool required, uint32_t def);
double jin_real(struct json_in *in, const json_t *o, const char *key, const char *where,
		bool required);
bool jin_bool(struct json_in *in, const json_t *o, const char *key, const char *where,
	      bool def);
/* Into buf, cut to len. */
const char *jin_str(struct json_in *in, const json_t *o, const char *key, const char *where,
		    bool required, char *buf, size_t len);
const json_t *jin_obj(struct json_in *in, const json_t *o, const char *key, const char *where,
		      bool required);
/* NULL when missing (json_array_size gives 0 then) or bad. */
const json_t *jin_arr(struct json_in *in, const json_t *o, const char *key, const char *where,
		      bool required);
/* Element i of array a, which must be an object. */
const json_t *jin_elem(struct json_in *in, const json_t *a, size_t i, const char *where);

#endif
