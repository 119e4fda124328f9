/* SPDX-License-Identifier: BSD-2-Clause */
/* Compile a filter with pcaprec's compiler and dump it (-d/-dd/-ddd levels 1-3), for tests and for comparing with tcpdump -d; level 0 prints size and optimiser work; a VIEW (same, vlan, cooked) dumps the kernel variant instead. */
#include <stdio.h>
#include <stdlib.h>

#include "pcaprec/filter.h"

int main(int argc, char **argv)
{
	struct filter_prog prog;
	struct filter_cc_stats st;
	char err[1024];
	int level = 1;
	unsigned long long budget = FILTER_WORK_BUDGET;

	if (argc < 4) {
		fprintf(stderr, "usage: filter_cc LINKTYPE SNAPLEN EXPR [0|1|2|3 [BUDGET [same|vlan|cooked]]]\n");
		return 2;
	}
	if (argc > 4)
		level = (int)strtol(argv[4], NULL, 10);
	if (argc > 5)
		budget = strtoull(argv[5], NULL, 10);
	if (filter_compile_budget(argv[3], (uint32_t)strtoul(argv[1], NULL, 10),
				  (uint32_t)strtoul(argv[2], NULL, 10), budget, &prog, &st, err, sizeof err) < 0) {
		fprintf(stderr, "%s\n", err);
		if (level == 0)
			fprintf(stderr, "work %llu cut %d nodes %u\n", (unsigned long long)st.work, st.cut, st.tests);
		return 1;
	}
	if (argc > 6) {
		struct filter_kernel k;
		enum filter_view v = argv[6][0] == 'v' ? FILTER_VIEW_VLAN : argv[6][0] == 'c' ? FILTER_VIEW_COOKED
						 : FILTER_VIEW_SAME;

		if (filter_kernel_build(&prog, v, (uint32_t)strtoul(argv[2], NULL, 10), &k, err, sizeof err) < 0) {
			fprintf(stderr, "%s\n", err);
			filter_free(&prog);
			return 1;
		}
		filter_free(&prog);
		prog = k.prog;
		if (k.recheck)
			fprintf(stderr, "recheck: some frames are left to user space\n");
	}
	if (level == 0)
		printf("insns %u work %llu cut %d nodes %u\n", prog.len, (unsigned long long)st.work, st.cut, st.tests);
	else
		filter_dump(&prog, stdout, level);
	filter_free(&prog);
	return 0;
}
