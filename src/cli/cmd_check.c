/* SPDX-License-Identifier: BSD-2-Clause */
/* pcaprec check: not built yet. */
#include <stdio.h>

#include "pcaprec/cli.h"

int cmd_check(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "pcaprec check: not implemented yet\n");
	return EXIT_ERROR;
}
