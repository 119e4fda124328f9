/* SPDX-License-Identifier: BSD-2-Clause */
/* Helpers the subcommands share: one-line getopt errors and the exit status of an input that will not open. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcaprec/cli.h"
#include "pcaprec/select.h"

/* What a tcpdump or dumpcap user may type, and how pcaprec spells it. */
struct cli_hint {
	const char *opt;      /* as typed, up to '=' */
	const char *cmd;      /* the command it applies to, NULL = every command */
	const char *hint;
};

static const struct cli_hint cli_hints[] = {
	{ "-D", NULL, "to list interfaces use 'pcaprec interfaces'" },
	{ "-b", NULL, "ring buffers and autostop are -G DURATION, -C SIZE, -W COUNT and --duration DUR "
		      "(pcaprec record --help)" },
	{ "-a", NULL, "ring buffers and autostop are -G DURATION, -C SIZE, -W COUNT and --duration DUR "
		      "(pcaprec record --help)" },
	{ "-f", NULL, "the filter is --filter EXPR (or the words after the options)" },
	{ "--time-stamp-precision", "read", "nanosecond times are --nano" },
	{ "--time-stamp-precision", NULL, "nanosecond files are --format pcap-ns (pcapng always keeps ns)" },
	{ "--nano", "record", "nanosecond files are --format pcap-ns (pcapng always keeps ns)" },
};

/* The hint for an unknown option `arg` in command `cmd`, or NULL. */
static const char *cli_hint_for(const char *cmd, const char *arg)
{
	size_t n = strcspn(arg, "=");

	for (size_t i = 0; i < sizeof cli_hints / sizeof cli_hints[0]; i++) {
		const struct cli_hint *h = &cli_hints[i];

		if (strlen(h->opt) == n && strncmp(h->opt, arg, n) == 0 &&
		    (h->cmd == NULL || strcmp(h->cmd, cmd) == 0))
			return h->hint;
	}
	return NULL;
}

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
	int namelen = (int)strcspn(name, "=");

	const char *hint = c == ':' ? NULL : cli_hint_for(cmd, name);

	if (c == ':')
		fprintf(stderr, "pcaprec %s: option '%s' needs a value\n", cmd, name);
	else if (hint)
		fprintf(stderr, "pcaprec %s: unknown option '%.*s': %s\n", cmd, namelen, name, hint);
	else
		fprintf(stderr, "pcaprec %s: unknown option '%.*s' (see pcaprec %s --help)\n",
			cmd, namelen, name, cmd);
	return EXIT_USAGE;
}

/* The long option that `arg` ("--name" or "--name=value") names exactly, or NULL. */
static const struct option *cli_long_exact(const struct option *longopts, const char *arg)
{
	size_t n;

	if (strncmp(arg, "--", 2) != 0)
		return NULL;
	arg += 2;
	n = strcspn(arg, "=");
	for (const struct option *o = longopts; o->name; o++)
		if (strlen(o->name) == n && strncmp(o->name, arg, n) == 0)
			return o;
	return NULL;
}

int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
	       const struct option *longopts)
{
	int idx = -1;
	int c = getopt_long(argc, argv, shortopts, longopts, &idx);

	if (c == '?' || c == ':')
		return cli_opt_error(cmd, c, optopt, argv, optind), CLI_OPT_BAD;
	if (c == -1 || idx < 0)
		return c;
	/* a long option: the word that named it is the last one taken, or the one before its value */
	const char *word = argv[optind - 1];
	if (longopts[idx].has_arg == required_argument && optarg == argv[optind - 1] && optind >= 2)
		word = argv[optind - 2];
	if (cli_long_exact(longopts, word) != &longopts[idx]) {
		size_t n = strcspn(word, "=");
		const char *hint = cli_hint_for(cmd, word);

		fprintf(stderr, "pcaprec %s: unknown option '%.*s' (%s%s%s)\n", cmd, (int)n, word,
			hint ? hint : "long options are not abbreviated: --",
			hint ? "" : longopts[idx].name, hint ? "" : "?");
		return CLI_OPT_BAD;
	}
	return c;
}

int cli_dashdash(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
	if (*shortopts == ':' || *shortopts == '+' || *shortopts == '-')
		shortopts++;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0)
			return i;
		if (strncmp(a, "--", 2) == 0) {
			const struct option *o = cli_long_exact(longopts, a);

			if (o && o->has_arg == required_argument && !strchr(a, '='))
				i++;
			continue;
		}
		if (a[0] != '-' || a[1] == '\0')
			continue;
		for (const char *p = a + 1; *p; p++) {
			const char *s = *p == ':' ? NULL : strchr(shortopts, *p);

			if (s && s[1] == ':') {
				if (p[1] == '\0')
					i++;
				break;
			}
		}
	}
	return argc;
}

void cli_split_words(int argc, char **argv, int first, int dd, bool have_r, int *nfiles,
		     char ***expr, int *nexpr)
{
	if (dd < argc) {
		*nfiles = dd - first;
		*expr = argv + dd + 1;
		*nexpr = argc - dd - 1;
	} else if (have_r) {
		*nfiles = 0;
		*expr = argv + first;
		*nexpr = argc - first;
	} else {
		*nfiles = argc - first;
		*expr = argv + argc;
		*nexpr = 0;
	}
}

char *cli_join_words(char *const *words, int n)
{
	size_t len = 1, off = 0;
	char *s;

	for (int i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	s = calloc(1, len);
	if (!s)
		return NULL;
	for (int i = 0; i < n; i++) {
		size_t w = strlen(words[i]);

		if (i)
			s[off++] = ' ';
		memcpy(s + off, words[i], w);
		off += w;
	}
	return s;
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

int cli_inputs(const char *cmd, int argc, char **argv, int dd, bool filter_given, char **paths,
	       int *npaths, char **expr)
{
	char **words;
	int nfiles, nwords;

	*expr = NULL;
	cli_split_words(argc, argv, optind, dd, *npaths > 0, &nfiles, &words, &nwords);
	for (int i = 0; i < nfiles; i++)
		paths[(*npaths)++] = argv[optind + i];
	if (nwords == 0)
		return 0;
	if (filter_given) {
		fprintf(stderr, "pcaprec %s: both --filter (or -F, --bpf) and an expression after "
			"the files ('%s') given\n", cmd, words[0]);
		return EXIT_USAGE;
	}
	*expr = cli_join_words(words, nwords);
	if (!*expr) {
		fprintf(stderr, "pcaprec %s: out of memory\n", cmd);
		return EXIT_ERROR;
	}
	return 0;
}

int sel_inputs(const char *cmd, struct selection *sel, char *const *given, int ngiven, const char *plan_expr,
	       char ***paths, int *n)
{
	char err[4200];

	for (int i = 0; i < ngiven; i++) {
		if (sel_add_input(sel, given[i], err, sizeof err) < 0) {
			fprintf(stderr, "pcaprec %s: %s\n", cmd, err);
			return EXIT_ERROR;
		}
	}
	sel_prune(sel, plan_expr, stderr, cmd);
	*paths = sel->paths;
	*n = (int)sel->npaths;
	return -1;
}
