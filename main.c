/* kprof-top: parse the command line, then run a profiling session. */
#include "config.h"

#include <stdio.h>

#include "options.h"
#include "session.h"

int main(int argc, char **argv)
{
	struct options o;
	char err[256];

	if (options_parse(&o, argc, argv, err, sizeof err) < 0) {
		fprintf(stderr, "kprof-top: %s\n", err);
		return 2;
	}
	if (o.help) {
		options_usage(stdout, "kprof-top");
		return 0;
	}
	if (o.version) {
		printf("kprof-top %s\n", PACKAGE_VERSION);
		return 0;
	}
	return session_run(&o);
}
