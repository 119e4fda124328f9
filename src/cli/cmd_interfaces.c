/* SPDX-License-Identifier: BSD-2-Clause */
/* pcaprec interfaces: not built yet. */
#include <stdio.h>

#include "pcaprec/cli.h"

int cmd_interfaces(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "pcaprec interfaces: not implemented yet\n");
	return EXIT_ERROR;
}
