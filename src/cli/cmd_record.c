/* SPDX-License-Identifier: BSD-2-Clause */
/* pcaprec record: not built yet. */
#include <stdio.h>

#include "pcaprec/cli.h"

int cmd_record(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "pcaprec record: not implemented yet\n");
	return EXIT_ERROR;
}
