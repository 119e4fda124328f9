/* SPDX-License-Identifier: BSD-2-Clause */
/* Helpers the subcommands share: one-line getopt errors and the exit status of an input that will not open. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcaprec/cli.h"

/*
 * getopt_long with a ':'-led optstring and opterr = 0 returns ':' for a
 * missing value and '?' for an unknown (or ambiguous) option; optopt holds
 * the short option character, or 0 for a long option, whose text is then
 * argv[optind - 1].
 */
int cli_opt_error(const char *cmd, int c, int optopt_val, char **argv, int optind_val)
{
	const char *arg = optind_val > 0 ? argv[optind_val - 1] : "?";
	char shortopt[3] = { '-', (char)optopt_val, '\0' };
	bool is_short = optopt_val > 0 && optopt_val < 128 && strncmp(arg, "--", 2) != 0;
	const char *name = is_short ? shortopt : arg;

	if (c == ':')
		fprintf(stderr, "pcaprec %s: option '%s' needs a value\n", cmd, name);
	else
		fprintf(stderr, "pcaprec %s: unknown option '%s' (see pcaprec %s --help)\n",
			cmd, name, cmd);
	return EXIT_USAGE;
}

int cli_open_status(const char *path)
{
	struct stat st;

	if (strcmp(path, "-") == 0) /* closed or a directory: nothing to read; else its content failed */
		return fstat(STDIN_FILENO, &st) != 0 || S_ISDIR(st.st_mode) ? EXIT_ERROR : EXIT_DAMAGED;
	if (stat(path, &st) != 0 || S_ISDIR(st.st_mode) || access(path, R_OK) != 0)
		return EXIT_ERROR;
	return EXIT_DAMAGED;
}

int cli_open_status_named(const char *err, char *const *paths, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(paths[i]);

		if (strncmp(err, paths[i], len) == 0 && err[len] == ':')
			return cli_open_status(paths[i]);
	}
	return EXIT_DAMAGED;
}
