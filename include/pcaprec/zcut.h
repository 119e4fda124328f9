/* SPDX-License-Identifier: BSD-2-Clause */
/* Where a gzip or zstd file cut short stops being whole: the end of its last complete, checksum-verified member. */
#ifndef PCAPREC_ZCUT_H
#define PCAPREC_ZCUT_H

#include <stdint.h>

enum zcut_kind {
	ZCUT_PLAIN,    /* neither gzip (1f 8b) nor zstd (28 b5 2f fd): not ours to cut */
	ZCUT_GZIP,
	ZCUT_ZSTD,
};

/*
 * Decompress the first `size` bytes of `fd` (read with pread, nothing
 * kept) member by member: gzip members (RFC 1952 section 2.2) with their
 * CRC-32 and ISIZE checked by zlib, or zstd frames (RFC 8878) with their
 * content checksum checked by libzstd. *good is where the last member that
 * decompressed whole ends (0 when none did), *members how many there were
 * before it, *raw the bytes they hold. Anything after *good (a member cut
 * by a crash or a full disk, or damage) is what a cut at *good removes,
 * leaving a complete file. Returns the kind, or -1 with `err` on a read
 * error or out of memory.
 */
int zcut_good_end(int fd, uint64_t size, uint64_t *good, uint64_t *members, uint64_t *raw,
		  char *err, size_t errlen);

#endif
