/* SPDX-License-Identifier: BSD-2-Clause */
/* Find the end of the last complete member of a gzip or zstd file, checking every member's checksum on the way. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "pcaprec/util.h"
#include "pcaprec/zcut.h"

#define ZCUT_IN (1u << 20)
#define ZCUT_OUT (1u << 20)

struct zcut {
	int fd;
	uint64_t size, pos;        /* input bytes read so far */
	uint8_t *in, *out;
	size_t in_len, in_off;     /* unread input: in[in_off, in_len) */
	uint64_t good, members, raw, member_raw;
};

/* More input when all is used; false at the end of the `size` bytes. */
static int zc_fill(struct zcut *c, char *err, size_t errlen)
{
	size_t want = c->size - c->pos < ZCUT_IN ? (size_t)(c->size - c->pos) : ZCUT_IN;
	ssize_t n;

	if (c->in_off < c->in_len)
		return 1;
	if (want == 0)
		return 0;
	do
		n = pread(c->fd, c->in, want, (off_t)c->pos);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errf(err, errlen, "read error at byte %llu: %s", (unsigned long long)c->pos,
			    strerror(errno));
	if (n == 0)
		return 0;
	c->in_len = (size_t)n;
	c->in_off = 0;
	c->pos += (uint64_t)n;
	return 1;
}

/* Offset in the file of the next unread input byte. */
static uint64_t zc_at(const struct zcut *c)
{
	return c->pos - (c->in_len - c->in_off);
}

static void zc_member_end(struct zcut *c)
{
	c->good = zc_at(c);
	c->members++;
	c->raw += c->member_raw;
	c->member_raw = 0;
}

static int cut_gzip(struct zcut *c, char *err, size_t errlen)
{
	z_stream z = { 0 };
	int rc = 0, fr;

	/* 16 + MAX_WBITS: gzip wrapper, whose trailer zlib checks (CRC-32, ISIZE) */
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return errf(err, errlen, "zlib: inflateInit2 failed");
	while ((fr = zc_fill(c, err, errlen)) > 0) {
		z.next_in = c->in + c->in_off;
		z.avail_in = (uInt)(c->in_len - c->in_off);
		z.next_out = c->out;
		z.avail_out = ZCUT_OUT;
		rc = inflate(&z, Z_NO_FLUSH);
		if (z.avail_in == c->in_len - c->in_off && z.avail_out == ZCUT_OUT && rc != Z_STREAM_END)
			break;   /* no progress: damaged */
		c->in_off = c->in_len - z.avail_in;
		c->member_raw += ZCUT_OUT - z.avail_out;
		if (rc == Z_STREAM_END) {
			zc_member_end(c);
			rc = inflateReset(&z);
		}
		if (rc != Z_OK && rc != Z_BUF_ERROR)
			break;
	}
	inflateEnd(&z);
	return fr < 0 ? -1 : 0;
}

static int cut_zstd(struct zcut *c, char *err, size_t errlen)
{
	ZSTD_DStream *d = ZSTD_createDStream();
	int fr;

	if (!d)
		return errf(err, errlen, "out of memory");
	while ((fr = zc_fill(c, err, errlen)) > 0) {
		ZSTD_inBuffer ib = { c->in, c->in_len, c->in_off };
		ZSTD_outBuffer ob = { c->out, ZCUT_OUT, 0 };
		size_t r = ZSTD_decompressStream(d, &ob, &ib);

		if (!ZSTD_isError(r) && r != 0 && ib.pos == c->in_off && ob.pos == 0)
			break;   /* no progress: damaged */
		c->in_off = ib.pos;
		c->member_raw += ob.pos;
		if (ZSTD_isError(r))
			break;
		/* 0: a frame is decoded, its checksum checked and all its output given */
		if (r == 0)
			zc_member_end(c);
	}
	ZSTD_freeDStream(d);
	return fr < 0 ? -1 : 0;
}

int zcut_good_end(int fd, uint64_t size, uint64_t *good, uint64_t *members, uint64_t *raw,
		  char *err, size_t errlen)
{
	struct zcut c = { .fd = fd, .size = size };
	uint8_t m[4];
	int kind, rc;

	*good = *members = *raw = 0;
	if (size < 4 || pread(fd, m, 4, 0) != 4)
		return ZCUT_PLAIN;
	if (m[0] == 0x1f && m[1] == 0x8b)
		kind = ZCUT_GZIP;
	else if (ld_le32(m) == 0xfd2fb528u)
		kind = ZCUT_ZSTD;
	else
		return ZCUT_PLAIN;
	c.in = malloc(ZCUT_IN);
	c.out = malloc(ZCUT_OUT);
	if (!c.in || !c.out)
		rc = errf(err, errlen, "out of memory");
	else
		rc = kind == ZCUT_GZIP ? cut_gzip(&c, err, errlen) : cut_zstd(&c, err, errlen);
	free(c.in);
	free(c.out);
	if (rc < 0)
		return -1;
	*good = c.good;
	*members = c.members;
	*raw = c.raw;
	return kind;
}
