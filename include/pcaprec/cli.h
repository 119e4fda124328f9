/* SPDX-License-Identifier: BSD-2-Clause */
/* Subcommand entry points and the exit codes every command shares. */
#ifndef PCAPREC_CLI_H
#define PCAPREC_CLI_H

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
int cmd_rotate(int argc, char **argv);
int cmd_interfaces(int argc, char **argv);

#define PCAPREC_VERSION "0.1.0"

#endif
