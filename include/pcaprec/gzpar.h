/* SPDX-License-Identifier: BSD-2-Clause */
/* Parallel gzip: chunks of a stream deflated on worker threads into one RFC 1952 member, handed back in order. */
#ifndef PCAPREC_GZPAR_H
#define PCAPREC_GZPAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most compression threads one stream may use. */
#define GZPAR_MAX_THREADS 64u

/*
 * The stream is cut into chunks. Each chunk is deflated on its own (raw
 * deflate, RFC 1951) with the 32 KiB of input before it as the preset
 * dictionary, and ends with a sync flush (an empty stored block, so it ends
 * on a byte boundary); the last one ends with a final block. Chunk outputs
 * in order, with the gzip header before the first and the CRC-32/ISIZE
 * trailer after the last, are one ordinary gzip member: the same thing
 * pigz makes, readable by zcat, zlib and Wireshark, and a file cut after any
 * whole chunk inflates to every byte before that cut.
 *
 * The caller (one thread) fills the staging buffer, submits it, and writes
 * finished chunks in order. A chunk stays held until gzpar_done(), so a
 * failed write can be retried with the same bytes.
 */
struct gzpar;

/*
 * A compressor for `level` (1..9) on `threads` worker threads (0: one per
 * online CPU, at most 8), with chunks of at most `chunk_cap` input bytes.
 * Returns NULL and fills `err` (prefixed with `what`) on failure.
 */
struct gzpar *gzpar_open(int level, unsigned threads, size_t chunk_cap, const char *what,
			 char *err, size_t errlen);

/* Stop the workers and free everything, held chunks included. NULL is a no-op. */
void gzpar_close(struct gzpar *z);

/* The staging buffer (chunk_cap bytes) the caller fills; NULL after the last chunk. */
uint8_t *gzpar_stage(const struct gzpar *z);

/*
 * True when the staging buffer can be submitted now: a fresh staging buffer
 * is free (not needed for the last chunk). Otherwise the oldest chunk must
 * be written and released with gzpar_done() first.
 */
bool gzpar_can_submit(const struct gzpar *z, bool last);

/*
 * Queue the staging buffer's first `len` bytes (holding `frames` records)
 * for compression; `last` ends the stream. Requires gzpar_can_submit().
 * After a non-last submit gzpar_stage() is a new, empty buffer.
 */
void gzpar_submit(struct gzpar *z, size_t len, uint64_t frames, bool last);

/*
 * The oldest submitted chunk not yet released: its compressed bytes (header
 * and trailer included where they belong) and record count. Waits for its
 * compression when `wait`. Returns 1 with the chunk, 0 when there is none
 * (or, without `wait`, it is not finished), -1 with `err` when zlib failed.
 * The bytes stay valid and unchanged until gzpar_done().
 */
int gzpar_next(struct gzpar *z, bool wait, const uint8_t **out, size_t *len, uint64_t *frames,
	       char *err, size_t errlen);

/* The chunk gzpar_next() returned is written: release it. */
void gzpar_done(struct gzpar *z);

/* Records in submitted chunks not yet released. */
uint64_t gzpar_held_frames(const struct gzpar *z);

/* Threads in use (after the default was resolved). */
unsigned gzpar_threads(const struct gzpar *z);

#endif
