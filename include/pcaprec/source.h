/* SPDX-License-Identifier: BSD-2-Clause */
/* Byte sources for the readers: a mapped file, a pipe, a memory buffer, each optionally gzip- or zstd-compressed. */
#ifndef PCAPREC_SOURCE_H
#define PCAPREC_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Largest number of contiguous bytes a reader may ask for at once: one
 * pcapng block or one pcap record (READER_MAX_BLOCK) plus slack.
 */
#define SOURCE_MAX_NEED ((16u << 20) + 4096u)

/*
 * The low-level operations under a buffered source (STYLE rule 5): `read`
 * puts up to `cap` bytes into `buf` and returns how many, 0 at the clean
 * end, -1 on error with a message in `err`; `close` frees `ctx` (may be
 * NULL). Plain fds and the gzip and zstd decoders are built on these.
 */
struct source_ops {
	long (*read)(void *ctx, uint8_t *buf, size_t cap, char *err, size_t errlen);
	void (*close)(void *ctx);
	uint64_t (*in_bytes)(const void *ctx); /* input bytes consumed so far; may be NULL */
	const char *compression;               /* "gzip", "zstd", or NULL for plain bytes */
};

/*
 * A stream of bytes read through a window. Mapped files and memory buffers
 * are served in place (no copy: pointers returned by source_need point into
 * the mapping); pipes and compressed streams go through a buffer that grows
 * on demand up to SOURCE_MAX_NEED. gzip is detected by its magic (1f 8b),
 * zstd by its (28 b5 2f fd), never by the file name.
 */
struct source;

/*
 * Open `path` ("-" is stdin). Regular files are mapped; anything else is
 * read(2) in 1 MiB chunks. Returns NULL and fills `err` (naming the path)
 * on failure.
 */
struct source *source_open_path(const char *path, char *err, size_t errlen);

/*
 * source_open_path() positioned for a chunk reader: a regular file, read
 * from byte `file_off`. Plain files: raw_off must equal file_off. gzip and
 * zstd files: file_off must be the start of a member (frame); decompressing
 * begins there and
 * source_offset() counts from raw_off (the member's uncompressed offset).
 */
struct source *source_open_path_at(const char *path, uint64_t file_off, uint64_t raw_off,
				   char *err, size_t errlen);

/*
 * Serve `len` bytes at `data`, which must stay valid and unchanged until
 * source_close(). gzip and zstd data is decompressed like a file would be.
 */
struct source *source_open_mem(const void *data, size_t len, char *err, size_t errlen);

/* Build a source on caller-supplied ops (e.g. for tests). Takes ownership of ctx. */
struct source *source_open_ops(const struct source_ops *ops, void *ctx, char *err, size_t errlen);

/*
 * Make `n` bytes (n <= SOURCE_MAX_NEED) at the current position available
 * at `*p`. Returns 0 when all `n` are there, 1 when the stream ends first
 * (`*avail` then says how many there are, maybe 0), -1 on a read or
 * decompression error (source_error() says which). `*p` stays valid until
 * the next source_need() or source_close().
 */
int source_need(struct source *s, size_t n, const uint8_t **p, size_t *avail);

/*
 * For a source holding its whole input in place (a mapped file or a memory
 * buffer, not gzip or a pipe): every unread byte at `*p`, `*avail` of them,
 * and true; such bytes count as made available as by source_need(). False
 * (nothing set) for other sources, which go through source_need().
 */
bool source_direct(const struct source *s, const uint8_t **p, size_t *avail);

/* Move the position forward by `n` bytes, which the last source_need() made available. */
void source_advance(struct source *s, size_t n);

/* Offset of the current position in the (decompressed) stream. */
uint64_t source_offset(const struct source *s);

/* True when the bytes are decompressed (gzip or zstd) from the input. */
bool source_compressed(const struct source *s);

/* "gzip" or "zstd" for a compressed source, NULL for plain bytes. */
const char *source_compression(const struct source *s);

/* Size of the input on disk (regular files and memory), else compressed bytes read so far. */
uint64_t source_input_size(const struct source *s);

/* Message of the last error, "" when none. */
const char *source_error(const struct source *s);

/* Unmap, free and close what the source opened. NULL is a no-op. */
void source_close(struct source *s);

/*
 * Internal constructor used by source_*.c: a gzip decoder reading from
 * memory (`mem`/`memlen`, not owned) or, when mem is NULL, from `fd`
 * (owned when `own_fd`), starting with `pre`/`prelen` bytes already read
 * from the fd. Returns ops ctx or NULL.
 */
void *source_gzip_ctx(const uint8_t *mem, size_t memlen, int fd, bool own_fd,
		      const uint8_t *pre, size_t prelen, char *err, size_t errlen);
extern const struct source_ops source_gzip_ops;

/*
 * Member (zstd: frame) starts a compressed source has found and not yet handed
 * out, oldest first; when full the oldest is dropped (a missed start only
 * makes an index coarser). Shared by the gzip and zstd contexts.
 */
#define SOURCE_MEMBERS 256u
struct source_members {
	uint64_t file[SOURCE_MEMBERS], raw[SOURCE_MEMBERS];
	size_t head, n;
};
void source_members_push(struct source_members *q, uint64_t file_off, uint64_t raw_off);
size_t source_members_take(struct source_members *q, uint64_t *file_off, uint64_t *raw_off, size_t max);

/* gzip ctx internals for source_core.c: member starts found so far, and the offsets of the first input byte. */
size_t source_gzip_take_members(void *ctx, uint64_t *file_off, uint64_t *raw_off, size_t max);
void source_gzip_set_base(void *ctx, uint64_t file_off, uint64_t raw_off);

/*
 * For a gzip or zstd source: the starts of members (zstd: frames) the
 * decoder has reached since
 * the last call, oldest first, at most `max`: member k begins at compressed
 * byte file_off[k] of the file and inflates to the stream from raw_off[k].
 * The decoder reads ahead, so starts may lie beyond source_offset(). Returns
 * how many were stored; 0 for other sources. At most 256 wait to be taken
 * (older ones are dropped).
 */
size_t source_take_members(struct source *s, uint64_t *file_off, uint64_t *raw_off, size_t max);

/* The same for zstd (RFC 8878), frames checked against their checksums; frames are its members. */
void *source_zstd_ctx(const uint8_t *mem, size_t memlen, int fd, bool own_fd,
		      const uint8_t *pre, size_t prelen, char *err, size_t errlen);
extern const struct source_ops source_zstd_ops;
size_t source_zstd_take_members(void *ctx, uint64_t *file_off, uint64_t *raw_off, size_t max);
void source_zstd_set_base(void *ctx, uint64_t file_off, uint64_t raw_off);

#endif
