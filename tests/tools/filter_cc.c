/* SPDX-License-Identifier: BSD-2-Clause */
/* Compile a filter with pcaprec's compiler and dump it (-d/-dd/-ddd levels 1-3), for tests and for comparing with tcpdump -d. */
#include <stdio.h>
#include <stdlib.h>

#include "pcaprec/filter.h"

int main(int argc, char **argv)
{
	struct filter_prog prog;
	char err[1024];
	int level = 1;

	if (argc < 4) {
		fprintf(stderr, "usage: filter_cc LINKTYPE SNAPLEN EXPR [1|2|3]\n");
		return 2;
	}
	if (argc > 4)
		level = (int)strtol(argv[4], NULL, 10);
	if (filter_compile(argv[3], (uint32_t)strtoul(argv[1], NULL, 10), (uint32_t)strtoul(argv[2], NULL, 10),
			   &prog, err, sizeof err) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	filter_dump(&prog, stdout, level);
	filter_free(&prog);
	return 0;
}
