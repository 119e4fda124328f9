/* SPDX-License-Identifier: BSD-2-Clause */
/* Test tool: prints every packet as pcaprec's reader reads it, in pcapdump's line format, so the two diff directly. */
/*
 * Usage: rddump [-v] FILE     (FILE "-" is stdin; gzip is read directly)
 *
 * Output, one line per packet: "<sec>.<9-digit nsec> <caplen> <origlen>
 * <crc32>" exactly like tests/tools/pcapdump (libpcap's view). With -v each
 * line starts with "<iface> <linktype> <dir> " (dir 0 unknown, 1 in, 2 out).
 * Exit status: 0 after a clean end; 1 with the reader's error on stderr,
 * after every packet read before it; 2 on bad usage.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "pcaprec/reader.h"

static int dump(const char *path, bool verbose)
{
	char err[1024];
	struct reader *r = reader_open(path, err, sizeof err);
	struct frame f;
	int rc;

	if (!r) {
		fprintf(stderr, "rddump: %s\n", err);
		return 1;
	}
	while ((rc = reader_next(r, &f)) == 1) {
		if (verbose)
			printf("%u %u %u ", f.iface, f.linktype, (unsigned)f.dir);
		printf("%" PRIu64 ".%09" PRIu64 " %u %u %08lx\n", f.ts_ns / 1000000000u, f.ts_ns % 1000000000u,
		       f.caplen, f.origlen, crc32(0L, f.data, f.caplen));
	}
	if (rc < 0)
		fprintf(stderr, "rddump: %s\n", reader_error(r));
	reader_close(r);
	return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "-v") == 0)
		return dump(argv[2], true);
	if (argc == 2)
		return dump(argv[1], false);
	fprintf(stderr, "usage: rddump [-v] FILE\n");
	return 2;
}
