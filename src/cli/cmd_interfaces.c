/* SPDX-License-Identifier: BSD-2-Clause */
/* pcaprec interfaces: list the interfaces `record -i` can capture on. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcaprec/capture.h"
#include "pcaprec/cli.h"

static void ifs_usage(FILE *out)
{
	fprintf(out,
"usage: pcaprec interfaces\n"
"\n"
"List the network interfaces of this namespace that 'pcaprec record -i'\n"
"can capture on: index, name, the link type record would write, state\n"
"(up/down, running) and addresses. 'any' captures all of them at once\n"
"(link type LINUX_SLL2). Needs no privilege.\n");
}

int cmd_interfaces(int argc, char **argv)
{
	struct capture_iface *v = NULL;
	char err[256];
	int n;

	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = cli_getopt("interfaces", argc, argv, ":hn", longopts)) != -1) {
		if (c == CLI_OPT_BAD)
			return EXIT_USAGE;
		if (c == 'h') {
			ifs_usage(stdout);
			return EXIT_OK;
		}
		/* -n: accepted for tcpdump habits; names are never resolved */
	}
	if (optind < argc) {
		fprintf(stderr, "pcaprec interfaces: unexpected argument '%s' (see pcaprec interfaces --help)\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	n = capture_list_ifaces(&v, err, sizeof err);
	if (n < 0) {
		fprintf(stderr, "pcaprec interfaces: %s\n", err);
		return EXIT_ERROR;
	}
	printf("%-5s %-16s %-11s %-13s %s\n", "INDEX", "NAME", "LINKTYPE", "STATE", "ADDRESSES");
	for (int i = 0; i < n; i++) {
		const char *lt = linktype_name(v[i].linktype);

		printf("%-5u %-16s %-11s %-13s %s\n", v[i].index, v[i].name, lt ? lt : "?",
		       !v[i].up ? "down" : v[i].running ? "up,running" : "up",
		       v[i].addrs);
	}
	printf("%-5s %-16s %-11s %-13s %s\n", "-", "any", "LINUX_SLL2", "up", "(all interfaces)");
	free(v);
	return EXIT_OK;
}
