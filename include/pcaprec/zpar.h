/* SPDX-License-Identifier: BSD-2-Clause */
/* Parallel chunk compression: each chunk of a stream becomes one independent gzip member or zstd frame, made on worker threads and handed back in order. */
#ifndef PCAPREC_ZPAR_H
#define PCAPREC_ZPAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most compression threads one stream may use. */
#define ZPAR_MAX_THREADS 64u

/* Levels each codec takes (zstd's 20-22 "ultra" levels need far more memory: not offered). */
#define ZPAR_GZIP_LEVEL_MAX 9
#define ZPAR_ZSTD_LEVEL_MAX 19

enum zpar_codec {
	ZPAR_GZIP,     /* RFC 1952 members: header, deflate (RFC 1951), CRC-32, ISIZE */
	ZPAR_ZSTD,     /* RFC 8878 frames with content size and XXH64 content checksum */
};

/*
 * The caller cuts the stream into chunks (for the writer: at record
 * boundaries, at most chunk_cap bytes, one per full staging buffer or
 * flush). Each chunk is compressed on its own, with no dictionary from the
 * chunks before it, into a complete gzip member or zstd frame. Both formats
 * define a file as such units back to back, so zcat, zstdcat, zlib,
 * libzstd and Wireshark read the concatenation as one stream, while a
 * reader that knows where a unit starts can begin decompressing there, and
 * a file cut after any whole unit is a complete, valid file. The output
 * bytes depend only on the chunks and the level, never on the thread count
 * or timing.
 *
 * The caller (one thread) fills the staging buffer, submits it, and writes
 * finished chunks in order. A chunk stays held until zpar_done(), so a
 * failed write can be retried with the same bytes.
 */
struct zpar;

/* A finished chunk, as zpar_next() hands it back. */
struct zpar_chunk {
	const uint8_t *out;        /* its member or frame, complete */
	size_t out_len;
	size_t in_len;             /* the uncompressed bytes it holds */
	uint64_t frames;           /* the record count given to zpar_submit() */
};

/*
 * A compressor for `codec` at `level` (gzip 1..9, zstd 1..19) on `threads`
 * worker threads (0: one per online CPU, at most 8), with chunks of at most
 * `chunk_cap` input bytes. Returns NULL and fills `err` (prefixed with
 * `what`) on failure.
 */
struct zpar *zpar_open(enum zpar_codec codec, int level, unsigned threads, size_t chunk_cap,
		       const char *what, char *err, size_t errlen);

/* Stop the workers and free everything, held chunks included. NULL is a no-op. */
void zpar_close(struct zpar *z);

/* The staging buffer (chunk_cap bytes) the caller fills. */
uint8_t *zpar_stage(const struct zpar *z);

/*
 * True when the staging buffer can be submitted now (a fresh staging buffer
 * is free). Otherwise the oldest chunk must be written and released with
 * zpar_done() first.
 */
bool zpar_can_submit(const struct zpar *z);

/*
 * Queue the staging buffer's first `len` bytes (1..chunk_cap, holding
 * `frames` records) for compression. Requires zpar_can_submit().
 * Afterwards zpar_stage() is a new, empty buffer.
 */
void zpar_submit(struct zpar *z, size_t len, uint64_t frames);

/*
 * The oldest submitted chunk not yet released, in *c. Waits for its
 * compression when `wait`. Returns 1 with the chunk, 0 when there is none
 * (or, without `wait`, it is not finished), -1 with `err` when the
 * compressor failed. The bytes stay valid and unchanged until zpar_done().
 */
int zpar_next(struct zpar *z, bool wait, struct zpar_chunk *c, char *err, size_t errlen);

/* The chunk zpar_next() returned is written: release it. */
void zpar_done(struct zpar *z);

/* Records in submitted chunks not yet released. */
uint64_t zpar_held_frames(const struct zpar *z);

/* Threads in use (after the default was resolved). */
unsigned zpar_threads(const struct zpar *z);

/* "gzip" or "zstd". */
const char *zpar_codec_name(enum zpar_codec codec);

#endif
