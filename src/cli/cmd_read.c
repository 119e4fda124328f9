/* SPDX-License-Identifier: BSD-2-Clause */
/* pcaprec read: not built yet. */
#include <stdio.h>

#include "pcaprec/cli.h"

int cmd_read(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "pcaprec read: not implemented yet\n");
	return EXIT_ERROR;
}
