/* Fuzzes the socket-table parsers of sampler/fdnames.c: the text of
 * /proc/PID/net/{tcp,tcp6,udp,udp6,unix} (fdnames_parse_net; the first
 * byte picks which), every blank-separated word of it as an address
 * (fdnames_format_addr, IPv4 and IPv6, in a buffer of exactly its length)
 * and as an fd link (fdnames_socket_inode). */
#include "config.h"

#include "fuzz.h"
#include "sampler/fdnames.h"

static void add(void *ctx, uint64_t ino, const char *name)
{
	size_t *n = ctx;

	FUZZ_CHECK(ino != 0);
	FUZZ_CHECK(strlen(name) < 256);
	(*n)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum fdnames_net kind;
	size_t n = 0;
	char *text;

	if (size == 0)
		return 0;
	kind = (enum fdnames_net)(data[0] % 5);
	text = fuzz_cstr(data + 1, size - 1);
	FUZZ_CHECK(fdnames_parse_net(text, kind, add, &n) == n);

	for (const char *p = text; *p;) {
		size_t len;
		char *word, buf[80];
		uint64_t ino;

		p += strspn(p, " \t\n");
		len = strcspn(p, " \t\n");
		if (!len)
			break;
		word = fuzz_cstr((const uint8_t *)p, len);
		if (fdnames_format_addr(word, false, buf, sizeof buf))
			FUZZ_CHECK(strlen(buf) < sizeof buf);
		if (fdnames_format_addr(word, true, buf, sizeof buf))
			FUZZ_CHECK(strlen(buf) < sizeof buf);
		(void)fdnames_socket_inode(word, &ino);
		free(word);
		p += len;
	}
	free(text);
	return 0;
}
