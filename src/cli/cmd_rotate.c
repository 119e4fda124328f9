/* SPDX-License-Identifier: BSD-2-Clause */
/* pcaprec rotate: not built yet. */
#include <stdio.h>

#include "pcaprec/cli.h"

int cmd_rotate(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "pcaprec rotate: not implemented yet\n");
	return EXIT_ERROR;
}
