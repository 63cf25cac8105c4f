/* Fuzzes the /proc text parsers the sampler runs on the target's files
 * (sampler/proc.c): status (proc_parse_rss, proc_parse_mem), maps
 * (proc_parse_maps_summary), io (proc_parse_io), task/TID/syscall
 * (proc_parse_syscall) and the fields of stat after "(comm) "
 * (proc_parse_cpu_ticks).  Every parser gets the same text: each must
 * reject what is not its file without reading past the end. */
#include "config.h"

#include "fuzz.h"
#include "sampler/proc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	struct event_proc_stats st = { 0 };
	uint64_t v, args[6];
	uint32_t n;
	int32_t nr;

	(void)proc_parse_rss(text, &v);
	(void)proc_parse_mem(text, &st);
	if (proc_parse_maps_summary(text, &v, &n))
		FUZZ_CHECK(n > 0);
	(void)proc_parse_io(text, &st);
	if (proc_parse_syscall(text, &nr, args))
		FUZZ_CHECK(nr >= -2);
	(void)proc_parse_cpu_ticks(text, &v);
	free(text);
	return 0;
}
