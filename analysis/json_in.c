/* Checked reads from a parsed JSON document (see json_in.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "json_in.h"

#define JIN_TYPE(t) (1u << (t))
#define JIN_NUMBER  (JIN_TYPE(JSON_INTEGER) | JIN_TYPE(JSON_REAL))
#define JIN_BOOL    (JIN_TYPE(JSON_TRUE) | JIN_TYPE(JSON_FALSE))

void jin_fail(struct json_in *in, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (in->failed)
		return;
	in->failed = true;
	n = snprintf(in->err, in->errlen, "%s: ", in->what);
	if (n < 0 || (size_t)n >= in->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(in->err + n, in->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

void jin_bad(struct json_in *in, const char *where, const char *key, const char *expected)
{
	jin_fail(in, "\"%s\" in %s is missing or not %s: %s", key, where, expected, in->hint);
}

/* o's value for key when it is one of types; NULL when it is missing
 * (a failure if required) or of another type (a failure). */
static const json_t *jin_get(struct json_in *in, const json_t *o, const char *key,
			     const char *where, bool required, unsigned types,
			     const char *expected)
{
	const json_t *v = json_object_get(o, key);

	if (!v && !required)
		return NULL;
	if (!v || !(types & JIN_TYPE(json_typeof(v)))) {
		jin_bad(in, where, key, expected);
		return NULL;
	}
	return v;
}

uint64_t jin_u64(struct json_in *in, const json_t *o, const char *key, const char *where,
		 bool required, uint64_t def)
{
	const char *expected = "an integer >= 0";
	const json_t *v = jin_get(in, o, key, where, required, JIN_TYPE(JSON_INTEGER), expected);

	if (!v)
		return def;
	if (json_integer_value(v) < 0) {
		jin_bad(in, where, key, expected);
		return def;
	}
	return (uint64_t)json_integer_value(v);
}

uint32_t jin_u32(struct json_in *in, const json_t *o, const char *key, const char *where,
		 bool required, uint32_t def)
{
	uint64_t v = jin_u64(in, o, key, where, required, def);

	if (v > UINT32_MAX) {
		jin_bad(in, where, key, "a 32-bit integer");
		return def;
	}
	return (uint32_t)v;
}

double jin_real(struct json_in *in, const json_t *o, const char *key, const char *where,
		bool required)
{
	const json_t *v = jin_get(in, o, key, where, required, JIN_NUMBER, "a number");

	return v ? json_number_value(v) : 0.0;
}

bool jin_bool(struct json_in *in, const json_t *o, const char *key, const char *where, bool def)
{
	const json_t *v = jin_get(in, o, key, where, false, JIN_BOOL, "true or false");

	return v ? json_is_true(v) : def;
}

const char *jin_str(struct json_in *in, const json_t *o, const char *key, const char *where,
		    bool required, char *buf, size_t len)
{
	const json_t *v = jin_get(in, o, key, where, required, JIN_TYPE(JSON_STRING), "a string");

	snprintf(buf, len, "%s", v ? json_string_value(v) : "");
	return buf;
}

const json_t *jin_obj(struct json_in *in, const json_t *o, const char *key, const char *where,
		      bool required)
{
	return jin_get(in, o, key, where, required, JIN_TYPE(JSON_OBJECT), "an object");
}

const json_t *jin_arr(struct json_in *in, const json_t *o, const char *key, const char *where,
		      bool required)
{
	return jin_get(in, o, key, where, required, JIN_TYPE(JSON_ARRAY), "an array");
}

const json_t *jin_elem(struct json_in *in, const json_t *a, size_t i, const char *where)
{
	const json_t *v = json_array_get(a, i);

	if (!json_is_object(v)) {
		jin_fail(in, "element %zu of %s is not an object: %s", i, where, in->hint);
		return NULL;
	}
	return v;
}
