/* SPDX-License-Identifier: BSD-2-Clause */
/* gzip byte source: zlib inflate over memory or an fd, concatenated members, truncation reported with the compressed offset. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "pcaprec/source.h"
#include "pcaprec/util.h"

#define GZ_INBUF (1u << 20)

/*
 * RFC 1952: a gzip file is one or more members back to back; each inflates
 * on its own. `in_member` is true between a member's first byte and its
 * trailer, so input ending there is a cut-off stream, not a clean end.
 */
struct gz_ctx {
	z_stream z;
	bool z_ready;
	const uint8_t *mem;     /* whole input when reading from memory */
	size_t memlen;
	size_t mem_pos;         /* next byte of mem to hand to zlib */
	int fd;                 /* else the fd, read into inbuf */
	bool own_fd;
	uint8_t *inbuf;
	bool in_eof;
	bool in_member;
	uint64_t in_total;      /* compressed bytes handed to zlib so far */
	uint64_t member_start;  /* compressed offset of the current member */
	uint64_t out_total;     /* bytes inflated by earlier gz_read calls */
	uint64_t base_off, raw_base;  /* file and raw offset of the first input byte (a chunk reader's member) */
	/* member starts found and not yet taken (source_take_members), oldest first */
	struct source_members members;
	char pending[400];      /* error to report after returning the bytes before it */
};

static uint64_t gz_consumed(const struct gz_ctx *g)
{
	return g->in_total - g->z.avail_in;
}

static int gz_refill(struct gz_ctx *g, char *err, size_t errlen)
{
	ssize_t r;

	if (g->mem) {
		/* avail_in is 32 bits: feed large mappings in 1 GiB slices. */
		size_t n = g->memlen - g->mem_pos;

		if (n > (1u << 30))
			n = 1u << 30;
		g->z.next_in = (Bytef *)(uintptr_t)(g->mem + g->mem_pos);  /* zlib's API is not const-correct */
		g->z.avail_in = (uInt)n;
		g->mem_pos += n;
		g->in_total += n;
		g->in_eof = g->mem_pos == g->memlen;
		return 0;
	}
	do
		r = read(g->fd, g->inbuf, GZ_INBUF);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errf(err, errlen, "read error at compressed byte %llu: %s",
			    (unsigned long long)g->in_total, strerror(errno));
	if (r == 0)
		g->in_eof = true;
	g->z.next_in = g->inbuf;
	g->z.avail_in = (uInt)r;
	g->in_total += (uint64_t)r;
	return 0;
}

/* Called with no input left: the end of input is clean only between members. */
static void gz_at_end(struct gz_ctx *g)
{
	if (g->in_member)
		snprintf(g->pending, sizeof g->pending,
			 "truncated gzip stream: input ends at compressed offset %llu inside the member "
			 "that starts at compressed offset %llu",
			 (unsigned long long)g->in_total, (unsigned long long)g->member_start);
}

/*
 * Remember that a member starts at the next compressed byte, inflating to
 * raw offset `raw`; when the queue is full the oldest start is dropped (a
 * missed start only makes an index coarser). A member holding no bytes at
 * the end of the input is not one.
 */
static void gz_note_member(struct gz_ctx *g, uint64_t raw)
{
	if (g->z.avail_in == 0)
		return;
	source_members_push(&g->members, g->base_off + gz_consumed(g), g->raw_base + raw);
}

size_t source_gzip_take_members(void *vctx, uint64_t *file_off, uint64_t *raw_off, size_t max)
{
	struct gz_ctx *g = vctx;

	return source_members_take(&g->members, file_off, raw_off, max);
}

void source_gzip_set_base(void *vctx, uint64_t file_off, uint64_t raw_off)
{
	struct gz_ctx *g = vctx;

	g->base_off = file_off;
	g->raw_base = raw_off;
}

/* One inflate step; returns 1 to keep going, 0 when out of input, -1 on corrupt data. */
static int gz_step(struct gz_ctx *g, char *err, size_t errlen)
{
	int zr;

	if (!g->in_member) {
		g->member_start = gz_consumed(g);
		if (inflateReset(&g->z) != Z_OK)
			return errf(err, errlen, "zlib: inflateReset failed");
		g->in_member = true;
	}
	zr = inflate(&g->z, Z_NO_FLUSH);
	if (zr == Z_STREAM_END) {
		g->in_member = false;
		return 1;
	}
	if (zr == Z_OK)
		return 1;
	if (zr == Z_BUF_ERROR)
		return 0;
	return errf(err, errlen, "corrupt gzip stream at compressed offset %llu (member at %llu): %s",
		    (unsigned long long)gz_consumed(g), (unsigned long long)g->member_start,
		    g->z.msg ? g->z.msg : "inflate error");
}

static long gz_read(void *vctx, uint8_t *buf, size_t cap, char *err, size_t errlen)
{
	struct gz_ctx *g = vctx;

	if (g->pending[0])
		return errf(err, errlen, "%s", g->pending);
	if (cap > UINT32_MAX)
		cap = UINT32_MAX;
	g->z.next_out = buf;
	g->z.avail_out = (uInt)cap;
	while (g->z.avail_out > 0) {
		int r;

		if (g->z.avail_in == 0) {
			if (g->z.avail_out < cap)
				break;   /* hand over what we have before blocking on input */
			if (!g->in_eof && gz_refill(g, err, errlen) < 0)
				return -1;
			if (g->z.avail_in == 0 && g->in_eof) {
				gz_at_end(g);
				break;
			}
		}
		if (!g->in_member)
			gz_note_member(g, g->out_total + (cap - g->z.avail_out));
		r = gz_step(g, g->pending, sizeof g->pending);
		if (r < 0)
			break;   /* reported after the bytes inflated before it */
		if (r == 0 && g->z.avail_in > 0 && g->z.avail_out > 0)
			return errf(err, errlen, "zlib made no progress at compressed offset %llu",
				    (unsigned long long)gz_consumed(g));
	}
	if (g->z.avail_out == cap && g->pending[0])
		return errf(err, errlen, "%s", g->pending);
	g->out_total += cap - g->z.avail_out;
	return (long)(cap - g->z.avail_out);
}

static void gz_close(void *vctx)
{
	struct gz_ctx *g = vctx;

	if (!g)
		return;
	if (g->z_ready)
		inflateEnd(&g->z);
	if (g->own_fd)
		close(g->fd);
	free(g->inbuf);
	free(g);
}

static uint64_t gz_in_bytes(const void *vctx)
{
	const struct gz_ctx *g = vctx;

	return g->in_total;
}

const struct source_ops source_gzip_ops = { gz_read, gz_close, gz_in_bytes, "gzip" };

void *source_gzip_ctx(const uint8_t *mem, size_t memlen, int fd, bool own_fd,
		      const uint8_t *pre, size_t prelen, char *err, size_t errlen)
{
	struct gz_ctx *g = calloc(1, sizeof *g);

	if (!g) {
		if (own_fd)
			close(fd);
		errf(err, errlen, "out of memory");
		return NULL;
	}
	g->fd = fd;
	g->own_fd = own_fd;
	/* 16 + MAX_WBITS: expect the gzip wrapper (RFC 1952), not zlib or raw deflate. */
	if (inflateInit2(&g->z, 16 + MAX_WBITS) != Z_OK) {
		gz_close(g);
		errf(err, errlen, "zlib: inflateInit2 failed");
		return NULL;
	}
	g->z_ready = true;
	if (mem) {
		g->mem = mem;
		g->memlen = memlen;
		gz_refill(g, err, errlen);
		return g;
	}
	g->inbuf = malloc(GZ_INBUF);
	if (!g->inbuf || prelen > GZ_INBUF) {
		gz_close(g);
		errf(err, errlen, "out of memory");
		return NULL;
	}
	memcpy(g->inbuf, pre, prelen);
	g->z.next_in = g->inbuf;
	g->z.avail_in = (uInt)prelen;
	g->in_total = prelen;
	return g;
}
