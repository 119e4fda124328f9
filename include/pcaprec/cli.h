/* SPDX-License-Identifier: BSD-2-Clause */
/* Subcommand entry points and the exit codes every command shares. */
#ifndef PCAPREC_CLI_H
#define PCAPREC_CLI_H

#include <stddef.h>

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
int cmd_rotate(int argc, char **argv);
int cmd_interfaces(int argc, char **argv);
int cmd_index(int argc, char **argv);

/*
 * Report a getopt_long error (`c` is ':' for a missing value, else an
 * unknown option) as one line naming the option; returns EXIT_USAGE. Pass
 * the optopt and optind getopt left.
 */
int cli_opt_error(const char *cmd, int c, int optopt_val, char **argv, int optind_val);

/*
 * Exit status for an input `path` that reader_open refused: EXIT_ERROR when
 * it could not be opened at all (missing, no permission, a directory),
 * EXIT_DAMAGED when it opened but is not a valid capture ("-": EXIT_ERROR
 * only when stdin is closed or a directory).
 */
int cli_open_status(const char *path);

/* The same for the one of `paths` that a reader message `err` ("PATH: ...") names; EXIT_DAMAGED if none. */
int cli_open_status_named(const char *err, char *const *paths, size_t n);

#define PCAPREC_VERSION "0.1.0"

#endif
