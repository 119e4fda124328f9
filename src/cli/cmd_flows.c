/* SPDX-License-Identifier: BSD-2-Clause */
/* pcaprec flows: the conversations of a ring from its indexes, as lines or ECS JSON documents. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "pcaprec/cli.h"
#include "pcaprec/flows.h"
#include "pcaprec/select.h"
#include "pcaprec/util.h"

static void flows_usage(FILE *out)
{
	fprintf(out,
		"usage: pcaprec flows [-r PATH]... [--since T] [--until T] [--json] [EXPR]\n"
		"\n"
		"List the conversations (5-tuple and outer VLAN) of every PATH (a capture or a\n"
		"directory of them, as for extract) with their first and last time, packets,\n"
		"bytes, the files they are in and their Community ID v1. Files with an index\n"
		"are not read: their flow tables answer (a flow counts when EXPR accepts a\n"
		"packet of its headers). Files without a usable index, files where the\n"
		"window's edge cuts a flow, and files EXPR cannot be judged on from a flow's\n"
		"addresses, ports, protocol and VLAN alone (lengths, flags, payload, src/dst\n"
		"one way) are read packet by packet (only packets in the\n"
		"window that EXPR accepts count), and said so on stderr: the rows are the\n"
		"same either way.\n"
		"\n"
		"  -r PATH                input file or directory (repeat for more)\n"
		"  --since T, --until T   the window (forms as for extract)\n"
		"  --json                 one ECS document per line (source.ip, source.port,\n"
		"                         destination.*, network.transport, network.community_id,\n"
		"                         network.vlan.id, event.start, event.end, network.packets,\n"
		"                         network.bytes, pcaprec.files), ready for a bulk load\n"
		"  --community-id-seed N  Community ID seed (0-65535, default 0)\n"
		"  --no-index             read every file packet by packet\n"
		"  -h, --help             this text\n"
		"\n"
		"ICMP flows have no Community ID (the index keeps no ICMP type). Exit status:\n"
		"0 ok, 1 an input could not be opened, 2 bad usage, 3 a file is damaged.\n");
}

enum { OPT_JSON = 256, OPT_SEED, OPT_NO_INDEX };

int cmd_flows(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "since", required_argument, NULL, SEL_OPT_SINCE },
		{ "until", required_argument, NULL, SEL_OPT_UNTIL },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "community-id-seed", required_argument, NULL, OPT_SEED },
		{ "no-index", no_argument, NULL, OPT_NO_INDEX },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct selection sel;
	struct flows_opts o = { 0 };
	int64_t now = (int64_t)now_realtime_ns();
	uint64_t v;
	int ch, rc;

	sel_init(&sel);
	o.use_index = true;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":r:h", longopts, NULL)) != -1) {
		rc = sel_option(&sel, "flows", ch, optarg, now);
		if (rc < 0) {
			sel_free(&sel);
			return rc == -2 ? EXIT_ERROR : EXIT_USAGE;
		}
		if (rc == 1)
			continue;
		switch (ch) {
		case OPT_JSON:
			o.json = true;
			break;
		case OPT_NO_INDEX:
			o.use_index = false;
			break;
		case OPT_SEED:
			if (!parse_uint(optarg, 0, 65535, &v)) {
				fprintf(stderr, "pcaprec flows: --community-id-seed: '%s' is not a number from 0 to 65535\n",
					optarg);
				sel_free(&sel);
				return EXIT_USAGE;
			}
			o.seed = (uint16_t)v;
			break;
		case 'h':
			flows_usage(stdout);
			sel_free(&sel);
			return EXIT_OK;
		default:
			cli_opt_error("flows", ch, optopt, argv, optind);
			sel_free(&sel);
			return EXIT_USAGE;
		}
	}
	if (sel.npaths == 0) {
		fprintf(stderr, "pcaprec flows: no input (give -r PATH)\n");
		sel_free(&sel);
		return EXIT_USAGE;
	}
	if (sel_set_expr(&sel, argv + optind, argc - optind) < 0) {
		fprintf(stderr, "pcaprec flows: out of memory\n");
		sel_free(&sel);
		return EXIT_ERROR;
	}
	o.sel = &sel;
	o.out = stdout;
	o.diag = stderr;
	rc = flows_run(&o);
	sel_free(&sel);
	return rc;
}
