/* SPDX-License-Identifier: BSD-2-Clause */
/* zstd byte source: libzstd streaming decompression over memory or an fd, concatenated frames, truncation reported with the compressed offset. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "pcaprec/source.h"
#include "pcaprec/util.h"

#define ZS_INBUF (1u << 20)

/*
 * RFC 8878 section 3: a zstd file is one or more frames back to back (and
 * maybe skippable frames, which libzstd passes over). `in_frame` is true
 * between a frame's first byte and the end of its checksum, so input ending
 * there is a cut-off stream, not a clean end.
 */
struct zs_ctx {
	ZSTD_DCtx *d;
	int fd;                 /* the fd read into inbuf, when not from memory */
	bool own_fd;
	uint8_t *inbuf;
	ZSTD_inBuffer in;       /* input not yet handed to libzstd: src[pos, size) */
	bool in_eof;
	bool in_frame;
	bool stalled;           /* the last call took no input and gave no output */
	uint64_t in_total;      /* compressed bytes put into `in` so far */
	uint64_t frame_start;   /* compressed offset of the current frame */
	uint64_t out_total;     /* bytes handed out so far */
	uint64_t base_off, raw_base;  /* file and raw offset of the first input byte (a chunk reader's frame) */
	/* frame starts found and not yet taken (source_take_members), oldest first */
	struct source_members members;
	char pending[400];      /* error to report after returning the bytes before it */
};

static uint64_t zs_consumed(const struct zs_ctx *z)
{
	return z->in_total - (z->in.size - z->in.pos);
}

static int zs_refill(struct zs_ctx *z, char *err, size_t errlen)
{
	ssize_t r;

	do
		r = read(z->fd, z->inbuf, ZS_INBUF);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errf(err, errlen, "read error at compressed byte %llu: %s",
			    (unsigned long long)z->in_total, strerror(errno));
	if (r == 0)
		z->in_eof = true;
	z->in.src = z->inbuf;
	z->in.size = (size_t)r;
	z->in.pos = 0;
	z->in_total += (uint64_t)r;
	return 0;
}

/* A frame starts at the next compressed byte, decompressing to raw offset `raw`. */
static void zs_note_frame(struct zs_ctx *z, uint64_t raw)
{
	source_members_push(&z->members, z->base_off + zs_consumed(z), z->raw_base + raw);
}

size_t source_zstd_take_members(void *vctx, uint64_t *file_off, uint64_t *raw_off, size_t max)
{
	struct zs_ctx *z = vctx;

	return source_members_take(&z->members, file_off, raw_off, max);
}

void source_zstd_set_base(void *vctx, uint64_t file_off, uint64_t raw_off)
{
	struct zs_ctx *z = vctx;

	z->base_off = file_off;
	z->raw_base = raw_off;
}

/* One decompression step into `out`; -1 (message pending) on corrupt data. */
static int zs_step(struct zs_ctx *z, ZSTD_outBuffer *out)
{
	size_t in0 = z->in.pos, out0 = out->pos, r;

	if (!z->in_frame) {
		z->frame_start = zs_consumed(z);
		z->in_frame = true;
		zs_note_frame(z, z->out_total + out->pos);
	}
	r = ZSTD_decompressStream(z->d, out, &z->in);
	if (ZSTD_isError(r)) {
		snprintf(z->pending, sizeof z->pending,
			 "corrupt zstd stream at compressed offset %llu (frame at %llu): %s",
			 (unsigned long long)zs_consumed(z), (unsigned long long)z->frame_start,
			 ZSTD_getErrorName(r));
		return -1;
	}
	/* 0: the frame is decoded, its checksum checked, all of it handed out */
	if (r == 0)
		z->in_frame = false;
	z->stalled = z->in.pos == in0 && out->pos == out0;
	return 0;
}

static long zs_read(void *vctx, uint8_t *buf, size_t cap, char *err, size_t errlen)
{
	struct zs_ctx *z = vctx;
	ZSTD_outBuffer out = { buf, cap, 0 };

	if (z->pending[0])
		return errf(err, errlen, "%s", z->pending);
	z->stalled = false;
	while (out.pos < out.size) {
		if (z->in.pos == z->in.size) {
			if (!z->in_frame && z->in_eof)
				break;   /* clean end, between frames */
			if (!z->in_frame || z->stalled) {
				if (out.pos > 0)
					break;   /* hand over what we have before blocking on input */
				if (z->in_eof) {
					snprintf(z->pending, sizeof z->pending,
						 "truncated zstd stream: input ends at compressed offset %llu "
						 "inside the frame that starts at compressed offset %llu",
						 (unsigned long long)z->in_total,
						 (unsigned long long)z->frame_start);
					break;
				}
				if (zs_refill(z, err, errlen) < 0)
					return -1;
				continue;
			}
		}
		if (zs_step(z, &out) < 0)
			break;   /* reported after the bytes decompressed before it */
	}
	if (out.pos == 0 && z->pending[0])
		return errf(err, errlen, "%s", z->pending);
	z->out_total += out.pos;
	return (long)out.pos;
}

static void zs_close(void *vctx)
{
	struct zs_ctx *z = vctx;

	if (!z)
		return;
	ZSTD_freeDCtx(z->d);
	if (z->own_fd)
		close(z->fd);
	free(z->inbuf);
	free(z);
}

static uint64_t zs_in_bytes(const void *vctx)
{
	const struct zs_ctx *z = vctx;

	return z->in_total;
}

const struct source_ops source_zstd_ops = { zs_read, zs_close, zs_in_bytes, "zstd" };

void *source_zstd_ctx(const uint8_t *mem, size_t memlen, int fd, bool own_fd,
		      const uint8_t *pre, size_t prelen, char *err, size_t errlen)
{
	struct zs_ctx *z = calloc(1, sizeof *z);

	if (!z) {
		if (own_fd)
			close(fd);
		errf(err, errlen, "out of memory");
		return NULL;
	}
	z->fd = fd;
	z->own_fd = own_fd;
	z->d = ZSTD_createDCtx();
	if (!z->d) {
		zs_close(z);
		errf(err, errlen, "out of memory for the zstd decoder");
		return NULL;
	}
	if (mem) {
		z->in.src = mem;
		z->in.size = memlen;
		z->in_total = memlen;
		z->in_eof = true;
		return z;
	}
	z->inbuf = malloc(ZS_INBUF);
	if (!z->inbuf || prelen > ZS_INBUF) {
		zs_close(z);
		errf(err, errlen, "out of memory");
		return NULL;
	}
	memcpy(z->inbuf, pre, prelen);
	z->in.src = z->inbuf;
	z->in.size = prelen;
	z->in_total = prelen;
	return z;
}
