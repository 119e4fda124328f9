/* SPDX-License-Identifier: BSD-2-Clause */
/* Benchmark floor: write BYTES zero bytes to FILE with 1 MiB write(2) calls, the kernel cost any recorder pays for a file that size. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcaprec/util.h"

#define CHUNK (1024u * 1024u)

int main(int argc, char **argv)
{
	static unsigned char buf[CHUNK];
	uint64_t total, done = 0;
	int fd;

	if (argc != 3 || !parse_uint(argv[2], 0, UINT64_MAX, &total)) {
		fprintf(stderr, "usage: writefloor FILE BYTES\n");
		return 2;
	}
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "writefloor: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	/* Touch the buffer once, as a recorder's buffers are. */
	memset(buf, 0x41, sizeof buf);
	while (done < total) {
		size_t n = total - done < CHUNK ? (size_t)(total - done) : CHUNK;
		ssize_t w = write(fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fprintf(stderr, "writefloor: %s: %s\n", argv[1], w < 0 ? strerror(errno) : "short write");
			close(fd);
			return 1;
		}
		done += (uint64_t)w;
	}
	close(fd);
	return 0;
}
