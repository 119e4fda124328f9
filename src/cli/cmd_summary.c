/* SPDX-License-Identifier: BSD-2-Clause */
/* pcaprec summary: not built yet. */
#include <stdio.h>

#include "pcaprec/cli.h"

int cmd_summary(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "pcaprec summary: not implemented yet\n");
	return EXIT_ERROR;
}
