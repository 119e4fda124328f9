/* SPDX-License-Identifier: BSD-2-Clause */
/* pcaprec's entry point: picks the subcommand and hands it the rest of argv. */
#include <stdio.h>
#include <string.h>

#include "pcaprec/cli.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "record", cmd_record, "capture from interfaces into rotating pcap/pcapng files" },
	{ "read", cmd_read, "print one line (or one JSON object) per packet" },
	{ "summary", cmd_summary, "totals, protocols, conversations, endpoints, time series" },
	{ "extract", cmd_extract, "the packets of one incident from a whole ring, time-ordered" },
	{ "flows", cmd_flows, "conversations of a ring from its indexes, with Community IDs" },
	{ "check", cmd_check, "validate files with libpcap and pcaprec's reader" },
	{ "rotate", cmd_rotate, "ask a running recorder to start a new file now" },
	{ "interfaces", cmd_interfaces, "list capturable interfaces" },
	{ "index", cmd_index, "build the sidecar index of captures (FILE.pidx)" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: pcaprec COMMAND [OPTIONS] [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-11s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'pcaprec COMMAND --help' describes one command; man pcaprec has all.\n"
		"'pcaprec --version' prints the version.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("pcaprec %s\n", PCAPREC_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "pcaprec: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
