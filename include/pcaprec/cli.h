/* SPDX-License-Identifier: BSD-2-Clause */
/* Subcommand entry points and the exit codes every command shares. */
#ifndef PCAPREC_CLI_H
#define PCAPREC_CLI_H

#include <stdbool.h>
#include <stddef.h>

struct option;

/* Exit codes (documented in README.md and pcaprec.1). */
enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,      /* runtime failure: I/O, socket, interface */
	EXIT_USAGE = 2,      /* bad flag, bad value, bad filter expression */
	EXIT_DAMAGED = 3,    /* an input file is damaged or readers disagree */
	EXIT_PRIVILEGE = 4,  /* missing CAP_NET_RAW / CAP_NET_ADMIN / root */
};

/* Each takes argv with argv[0] = subcommand name and returns an exit code. */
int cmd_record(int argc, char **argv);
int cmd_read(int argc, char **argv);
int cmd_summary(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_flows(int argc, char **argv);
int cmd_rotate(int argc, char **argv);
int cmd_interfaces(int argc, char **argv);
int cmd_index(int argc, char **argv);

/*
 * Report a getopt_long error (`c` is ':' for a missing value, else an
 * unknown option) as one line naming the option; returns EXIT_USAGE. Pass
 * the optopt and optind getopt left.
 */
int cli_opt_error(const char *cmd, int c, int optopt_val, char **argv, int optind_val);

/* cli_getopt's answer for a bad option, already reported on stderr. */
#define CLI_OPT_BAD (-2)

/*
 * getopt_long (permuting, `shortopts` led by ':', opterr 0) that takes long
 * options only by their whole name: getopt_long would take "--print" as
 * "--print-closed" when no other option starts so. An unknown, abbreviated
 * or value-less option is reported in one line naming it (with a hint for
 * the flags tcpdump and dumpcap users type, e.g. -D) and CLI_OPT_BAD is
 * returned. Otherwise returns what getopt_long returns.
 */
int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
	       const struct option *longopts);

/*
 * Index of the "--" that ends the options of argv (skipping the values of
 * options that take one), or argc when there is none. Run cli_getopt over
 * argv[0..index) only: getopt_long moves the words it passes over and
 * would lose where "--" stood.
 */
int cli_dashdash(int argc, char **argv, const char *shortopts, const struct option *longopts);

/*
 * tcpdump's trailing filter expression. After getopt over argv[0..dd) left
 * its words at argv[first..dd), and argv[dd] is "--" (dd < argc) or dd ==
 * argc: with a "--", the words before it are files and those after it the
 * expression; without one, the words are the expression when the inputs
 * came with -r (`have_r`), else files. Sets *nfiles (files start at
 * argv[first]) and the expression's words *expr[0..*nexpr).
 */
void cli_split_words(int argc, char **argv, int first, int dd, bool have_r, int *nfiles,
		     char ***expr, int *nexpr);

/* `n` words joined by single spaces (malloc'd; the caller frees), or NULL out of memory. */
char *cli_join_words(char *const *words, int n);

/*
 * The inputs and expression of read, summary and check after getopt over
 * argv[0..dd): cli_split_words with have_r = (*npaths > 0, the -r files
 * already in paths), the files appended to paths (argc slots), the
 * expression joined into *expr (malloc'd, NULL when none). An expression
 * with `filter_given` (--filter, -F or --bpf) is a usage error. Returns 0,
 * or an exit code with the message printed.
 */
int cli_inputs(const char *cmd, int argc, char **argv, int dd, bool filter_given, char **paths,
	       int *npaths, char **expr);

/*
 * Exit status for an input `path` that reader_open refused: EXIT_ERROR when
 * it could not be opened at all (missing, no permission, a directory),
 * EXIT_DAMAGED when it opened but is not a valid capture ("-": EXIT_ERROR
 * only when stdin is closed or a directory).
 */
int cli_open_status(const char *path);

/*
 * The inputs of read/summary through the selection: directories among
 * `given` expanded to their captures, then the files an index rules out
 * for the window of sel and `plan_expr` dropped; *paths and *n point into sel.
 * Returns -1 to go on, or an exit code after a one-line message.
 */
struct selection;
int sel_inputs(const char *cmd, struct selection *sel, char *const *given, int ngiven, const char *plan_expr,
	       char ***paths, int *n);

/* The same for the one of `paths` that a reader message `err` ("PATH: ...") names; EXIT_DAMAGED if none. */
int cli_open_status_named(const char *err, char *const *paths, size_t n);

#define PCAPREC_VERSION "0.1.0"

#endif
