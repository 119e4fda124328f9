/* SPDX-License-Identifier: BSD-2-Clause */
/* Sidecar writer: lays out the builder's tables (doc/index-format.md), checksums them, writes a temporary file and renames it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "pcaprec/reader.h"
#include "index_build.h"

static void put_chunk(uint8_t *r, const struct bchunk *c)
{
	st_le64(r, c->c.file_off);
	st_le64(r + 8, c->c.seek_raw);
	st_le64(r + 16, c->c.raw_off);
	st_le64(r + 24, c->c.raw_len);
	st_le64(r + 32, (uint64_t)c->c.first_ns);
	st_le64(r + 40, (uint64_t)c->c.last_ns);
	st_le64(r + 48, c->c.packets);
	st_le64(r + 56, c->c.bytes);
	st_le64(r + 64, c->bloom_off);
	st_le32(r + 72, c->bits / 8u);
	st_le32(r + 76, c->bits ? 7u : 0u);
	st_le32(r + 80, c->nstate);
	st_le32(r + 84, c->c.flags);
	st_le32(r + 88, c->nkeys);
	st_le32(r + 92, 0);
}

static void put_flow(uint8_t *r, const struct pidx_flow *f)
{
	r[0] = f->family;
	r[1] = f->proto;
	st_le16(r + 2, f->vlan);
	st_le16(r + 4, f->sport);
	st_le16(r + 6, f->dport);
	memcpy(r + 8, f->src, 16);
	memcpy(r + 24, f->dst, 16);
	st_le64(r + 40, (uint64_t)f->first_ns);
	st_le64(r + 48, (uint64_t)f->last_ns);
	st_le64(r + 56, f->packets);
	st_le64(r + 64, f->bytes);
}

static void put_iface(uint8_t *r, const struct pidx_iface *f)
{
	st_le32(r, f->linktype);
	st_le32(r + 4, f->stats_have);
	st_le64(r + 8, f->packets);
	st_le64(r + 16, f->starttime_ns);
	st_le64(r + 24, f->endtime_ns);
	st_le64(r + 32, f->ifrecv);
	st_le64(r + 40, f->ifdrop);
	st_le64(r + 48, f->filteraccept);
	st_le64(r + 56, f->osdrop);
	st_le64(r + 64, f->usrdeliv);
}

/* The sidecar gets the capture's read/write permission bits (mkstemp made it 0600); through the
 * descriptor, so nothing put in the temporary's place by name is changed. */
static void fchmod_like(int fd, const char *capture)
{
	struct stat st;

	if (stat(capture, &st) == 0 && fchmod(fd, st.st_mode & 0666) != 0)
		return;   /* the sidecar stays 0600: readable by the capture's owner only */
}

#define NSEC 5u

static size_t align8(size_t n)
{
	return (n + 7u) & ~(size_t)7u;
}

/* The flow section's CRC-32 into header offset 68, then the trailer's (which skips the flow section). */
static void seal(uint8_t *d, size_t n)
{
	uint64_t off = 0, len = 0;

	for (uint32_t i = 0; i < ld_le32(d + 64) && i < PIDX_MAX_SECTIONS; i++) {
		const uint8_t *t = d + PIDX_HDR_LEN + i * PIDX_TOC_LEN;

		if (ld_le32(t) == PIDX_SEC_FLOWS) {
			off = ld_le64(t + 8);
			len = ld_le64(t + 16);
		}
	}
	st_le32(d + 68, (uint32_t)crc32(crc32(0L, Z_NULL, 0), d + off, (uInt)len));
	st_le32(d + n - 4, pidx_trailer_crc(d, n, off, len));
}

/* The whole sidecar in one malloc'd buffer; NULL when out of memory or too large. */
static uint8_t *serialize(const struct pidx_builder *b, const struct pidx_fp *fp, size_t *out_len)
{
	size_t len[NSEC + 1] = { 0 };
	uint32_t count[NSEC + 1] = { 0 };
	size_t off[NSEC + 1], total = PIDX_HDR_LEN + NSEC * PIDX_TOC_LEN, nrows;
	uint8_t *d, *t;
	uint32_t flags = (b->compressed ? PIDX_F_COMPRESSED : 0) | (b->damaged ? PIDX_F_DAMAGED : 0) |
			 (b->flows_incomplete ? PIDX_F_FLOWS_INCOMPLETE : 0);

	len[PIDX_SEC_CHUNKS] = b->nchunks * PIDX_CHUNK_REC;
	count[PIDX_SEC_CHUNKS] = (uint32_t)b->nchunks;
	len[PIDX_SEC_BLOOM] = b->bloom_len;
	len[PIDX_SEC_STATE] = b->state_len;
	count[PIDX_SEC_STATE] = b->nstate;
	/* a table that left packets out is written without its rows: nothing uses part of a
	 * table (flows and extract --community-id read such a file), and on many-flow traffic
	 * the rows were nine tenths of the sidecar */
	nrows = b->flows_incomplete ? 0 : b->nflows;
	len[PIDX_SEC_FLOWS] = nrows * PIDX_FLOW_REC;
	count[PIDX_SEC_FLOWS] = (uint32_t)nrows;
	len[PIDX_SEC_IFACES] = b->nifaces * PIDX_IFACE_REC;
	count[PIDX_SEC_IFACES] = (uint32_t)b->nifaces;
	for (unsigned s = 1; s <= NSEC; s++) {
		off[s] = total;
		total = align8(total + len[s]);
	}
	total += 4;
	if (total > PIDX_MAX_FILE || !(d = calloc(1, total)))
		return NULL;
	memcpy(d, PIDX_MAGIC, 8);
	st_le32(d + 8, PIDX_VERSION);
	st_le32(d + 12, PIDX_HDR_LEN);
	st_le64(d + 16, total);
	st_le64(d + 24, fp->size);
	st_le64(d + 32, (uint64_t)fp->mtime_ns);
	st_le32(d + 40, fp->crc_head);
	st_le32(d + 44, fp->crc_tail);
	st_le32(d + 48, flags);
	st_le32(d + 52, b->format);
	st_le64(d + 56, b->end_raw);
	st_le32(d + 64, NSEC);
	for (unsigned s = 1; s <= NSEC; s++) {
		t = d + PIDX_HDR_LEN + (s - 1) * PIDX_TOC_LEN;
		st_le32(t, s);
		st_le32(t + 4, count[s]);
		st_le64(t + 8, off[s]);
		st_le64(t + 16, len[s]);
	}
	for (size_t i = 0; i < b->nchunks; i++)
		put_chunk(d + off[PIDX_SEC_CHUNKS] + i * PIDX_CHUNK_REC, &b->chunks[i]);
	if (b->bloom_len)
		memcpy(d + off[PIDX_SEC_BLOOM], b->bloom, b->bloom_len);
	if (b->state_len)
		memcpy(d + off[PIDX_SEC_STATE], b->state, b->state_len);
	for (size_t i = 0, k = 0; i < b->fcap_tab && k < nrows; i++)
		if (b->ftag[i])
			put_flow(d + off[PIDX_SEC_FLOWS] + k++ * PIDX_FLOW_REC, &b->ftab[i].f);
	for (size_t i = 0; i < b->nifaces; i++)
		put_iface(d + off[PIDX_SEC_IFACES] + i * PIDX_IFACE_REC, &b->ifaces[i]);
	seal(d, total);
	*out_len = total;
	return d;
}

void pidx_deflate_flows(uint8_t **buf, size_t *len)
{
	uint8_t *d = *buf, *z, *out;
	size_t n = *len, toc = 0;
	uint64_t off, slen, shift;
	uLongf zlen;

	for (uint32_t i = 0; i < ld_le32(d + 64) && i < PIDX_MAX_SECTIONS; i++)
		if (ld_le32(d + PIDX_HDR_LEN + i * PIDX_TOC_LEN) == PIDX_SEC_FLOWS)
			toc = PIDX_HDR_LEN + i * PIDX_TOC_LEN;
	if (!toc || (ld_le32(d + 48) & PIDX_F_FLOWS_DEFLATED))
		return;
	off = ld_le64(d + toc + 8);
	slen = ld_le64(d + toc + 16);
	if (slen < 4096)
		return;
	zlen = compressBound((uLong)slen);
	z = malloc(zlen);
	if (!z || compress2(z, &zlen, d + off, (uLong)slen, 1) != Z_OK || align8(zlen) >= align8(slen)) {
		free(z);
		return;
	}
	/* the sections after the flows move down by what deflate saved */
	shift = align8(slen) - align8(zlen);
	out = calloc(1, n - shift);
	if (!out) {
		free(z);
		return;
	}
	memcpy(out, d, off);
	memcpy(out + off, z, zlen);
	memcpy(out + off + align8(zlen), d + off + align8(slen), n - 4 - (off + align8(slen)));
	free(z);
	for (uint32_t i = 0; i < ld_le32(out + 64) && i < PIDX_MAX_SECTIONS; i++) {
		uint8_t *t = out + PIDX_HDR_LEN + i * PIDX_TOC_LEN;

		if (ld_le64(t + 8) > off)
			st_le64(t + 8, ld_le64(t + 8) - shift);
	}
	st_le64(out + toc + 16, zlen);
	st_le32(out + 48, ld_le32(out + 48) | PIDX_F_FLOWS_DEFLATED);
	n -= shift;
	st_le64(out + 16, n);
	seal(out, n);
	free(d);
	*buf = out;
	*len = n;
}

/* ".NAME.pidx.tmp-XXXXXX" in the capture's directory. */
static int tmp_name(const char *capture, char *buf, size_t len)
{
	const char *slash = strrchr(capture, '/');
	size_t dirlen = slash ? (size_t)(slash - capture) + 1u : 0;
	int n = snprintf(buf, len, "%.*s.%s%s.tmp-XXXXXX", (int)dirlen, capture,
			 capture + dirlen, PIDX_SUFFIX);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Finish and lay out the sidecar for a capture fingerprinted as fp. */
static int finish_serialize(struct pidx_builder *b, const char *capture, const struct pidx_fp *fp,
			    uint8_t **out, size_t *len, char *err, size_t errlen)
{
	pidx_builder_finish(b);
	if (b->oom)
		return errf(err, errlen, "%s: out of memory while indexing", capture);
	if (b->unresolved)
		return errf(err, errlen, "%s: a compressed member's file offset was never reported", capture);
	*out = serialize(b, fp, len);
	if (!*out)
		return errf(err, errlen, "%s: index would exceed %u bytes (or out of memory)", capture, PIDX_MAX_FILE);
	return 0;
}

int pidx_builder_serialize_fd(struct pidx_builder *b, int fd, const char *capture,
			      uint8_t **out, size_t *len, char *err, size_t errlen)
{
	struct pidx_fp fp;

	if (pidx_fingerprint_fd(fd, capture, &fp, err, errlen) < 0)
		return -1;
	return finish_serialize(b, capture, &fp, out, len, err, errlen);
}

int pidx_builder_write(struct pidx_builder *b, const char *capture, bool tmp_only,
		       char *tmp_out, size_t tmp_len, char *err, size_t errlen)
{
	char tmp[4096], final[4096];
	struct pidx_fp fp;
	uint8_t *d;
	size_t len;
	int fd, wr, cl;

	if (tmp_name(capture, tmp, sizeof tmp) < 0 || pidx_path(capture, final, sizeof final) < 0)
		return errf(err, errlen, "%s: path too long for its index", capture);
	if (pidx_fingerprint(capture, &fp, err, errlen) < 0 ||
	    finish_serialize(b, capture, &fp, &d, &len, err, errlen) < 0)
		return -1;
	pidx_deflate_flows(&d, &len);
	fd = mkstemp(tmp);
	if (fd < 0) {
		free(d);
		return errf(err, errlen, "%s: cannot create its index: %s", tmp, strerror(errno));
	}
	fchmod_like(fd, capture);
	/* close once whatever write_all did: a second close could hit a descriptor another thread
	 * (record's writer) has just been given the same number. */
	wr = write_all(fd, d, len) < 0 ? errno : 0;
	cl = close(fd) < 0 ? errno : 0;

	if (wr || cl) {
		int e = wr ? wr : cl;

		unlink(tmp);
		free(d);
		return errf(err, errlen, "%s: writing index: %s", tmp, strerror(e));
	}
	free(d);
	if (tmp_only) {
		if (snprintf(tmp_out, tmp_len, "%s", tmp) >= (int)tmp_len) {
			unlink(tmp);
			return errf(err, errlen, "%s: path too long", tmp);
		}
		return 0;
	}
	if (rename(tmp, final) < 0) {
		int e = errno;

		unlink(tmp);
		return errf(err, errlen, "%s: %s", final, strerror(e));
	}
	return 0;
}
