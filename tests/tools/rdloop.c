/* SPDX-License-Identifier: BSD-2-Clause */
/* The floor for pcaprec's reader: walks every record and prints "PACKETS BYTES" like pcaploop (usage: rdloop FILE|-). */
#include <stdio.h>

#include "pcaprec/reader.h"

int main(int argc, char **argv)
{
	char err[1024];
	struct reader *r;
	struct frame f;
	unsigned long long packets = 0, bytes = 0;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: rdloop FILE|-\n");
		return 2;
	}
	r = reader_open(argv[1], err, sizeof err);
	if (!r) {
		fprintf(stderr, "rdloop: %s\n", err);
		return 1;
	}
	while ((rc = reader_next(r, &f)) == 1) {
		packets++;
		bytes += f.caplen;
	}
	if (rc < 0)
		fprintf(stderr, "rdloop: %s\n", reader_error(r));
	reader_close(r);
	printf("%llu %llu\n", packets, bytes);
	return rc < 0;
}
