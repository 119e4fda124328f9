/* SPDX-License-Identifier: BSD-2-Clause */
/* pcaprec rotate: ask a running recorder (found through its pidfile) to publish its file now. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "pcaprec/cli.h"
#include "pcaprec/process.h"

static void rotate_usage(FILE *out)
{
	fprintf(out,
		"usage: pcaprec rotate --pidfile FILE\n"
		"\n"
		"Ask the recorder started with 'pcaprec record --pidfile FILE' to finish the file\n"
		"it is writing now: the file is flushed, fsynced and renamed from NAME.part to\n"
		"NAME, the --on-rotate hook runs, and the next packet starts a new file. Same as\n"
		"sending SIGHUP to the recorder, but checks first that FILE is a regular file\n"
		"(not a symlink) of root, of you or of the recorder's user, that the process it\n"
		"names holds its lock, and that it runs the executable that wrote FILE (a\n"
		"renamed copy is fine).\n"
		"\n"
		"  -p, --pidfile FILE  pidfile written by the recorder (required)\n"
		"  -n, -nn             accepted for tcpdump habits\n"
		"  -h, --help          this text\n"
		"\n"
		"Exit status: 0 signal sent, 1 no such recorder (missing, stale or refused pidfile,\n"
		"process gone or not the recorder, not permitted), 2 usage error.\n");
}

int cmd_rotate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pidfile", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pidfile = NULL;
	char err[512];
	pid_t pid;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = cli_getopt("rotate", argc, argv, ":p:hn", opts)) != -1) {
		switch (c) {
		case 'n': /* tcpdump habit; nothing to resolve */
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 'h':
			rotate_usage(stdout);
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (!pidfile || optind != argc) {
		if (pidfile)
			fprintf(stderr, "pcaprec rotate: unexpected argument '%s'\n", argv[optind]);
		else
			fprintf(stderr, "pcaprec rotate: --pidfile FILE is required (see pcaprec rotate --help)\n");
		return EXIT_USAGE;
	}
	if (pidfile_signal_recorder(pidfile, SIGHUP, &pid, err, sizeof err) != 0) {
		fprintf(stderr, "pcaprec rotate: %s\n", err);
		return EXIT_ERROR;
	}
	return EXIT_OK;
}
