/* JSON helpers shared by the snapshot, speedscope and findings writers. */
#include "config.h"

#include <stdlib.h>

#include "json_out.h"
#include "../common/xalloc.h"

json_t *json_str(const char *s)
{
	json_t *j = json_string(s);

	if (j)
		return j;
	char *c = xstrdup(s);
	for (char *p = c; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(c);
	free(c);
	return j;
}

json_t *json_u64(uint64_t v)
{
	return json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v);
}
