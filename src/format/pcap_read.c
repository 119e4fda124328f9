/* SPDX-License-Identifier: BSD-2-Clause */
/* Classic pcap reader: the four magics (us/ns, either byte order), records checked and flagged, never trusted. */
#include <stdlib.h>

#include "pcaprec/util.h"
#include "reader_impl.h"

/*
 * File header (24 bytes, in the writer's byte order): magic, version major
 * (2) and minor (2), thiszone, sigfigs, snaplen, linktype. Record header
 * (16 bytes): ts_sec, ts_frac (us or ns by magic), caplen, origlen.
 * See draft-ietf-opsawg-pcap; the linktype field's top bits carry the FCS
 * length (bit 26 present flag, bits 28-31 length in 16-bit words).
 * Like libpcap we also read the old Linux variant with magic a1b2cd34,
 * whose record header has 8 more bytes (ifindex, protocol, packet type),
 * and files older than version 2.4, which may have caplen and origlen in
 * each other's place (always before 2.3; in 2.3 when caplen > origlen).
 */
#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
#define PCAP_MAGIC_KUZ 0xa1b2cd34u
#define PCAP_HDR_LEN 24u
#define PCAP_REC_LEN 16u
#define PCAP_REC_LEN_KUZ 24u

static bool pcap_magic(uint32_t m)
{
	return m == PCAP_MAGIC_US || m == PCAP_MAGIC_NS || m == PCAP_MAGIC_KUZ;
}

enum probe_result pcap_probe(const uint8_t *p, size_t n)
{
	uint32_t le, be;

	if (n < 4)
		return PROBE_NOT_MINE;
	le = ld_le32(p);
	be = ld_be32(p);
	if (pcap_magic(le) || pcap_magic(be))
		return PROBE_MINE;
	return PROBE_NOT_MINE;
}

int pcap_read_header(struct reader *r)
{
	const uint8_t *p;
	size_t n;
	uint32_t magic, lt;
	uint16_t major, minor;
	int rc = source_need(r->src, PCAP_HDR_LEN, &p, &n);

	if (rc < 0)
		return rd_fail(r, 0, "%s", source_error(r->src));
	if (rc > 0)
		return rd_fail(r, 0, "truncated pcap file header: expected %u bytes, found %zu", PCAP_HDR_LEN, n);
	r->big_endian = pcap_magic(ld_be32(p));
	magic = rd_u32(r, p);
	r->kind = magic == PCAP_MAGIC_NS ? READER_PCAP_NS : READER_PCAP;
	r->rec_len = magic == PCAP_MAGIC_KUZ ? PCAP_REC_LEN_KUZ : PCAP_REC_LEN;
	major = rd_u16(r, p + 4);
	minor = rd_u16(r, p + 6);
	if (major != 2)
		return rd_fail(r, 4, "unsupported pcap version: expected major 2, found %u.%u", major, minor);
	r->lengths_swapped = minor < 3 ? 2 : minor == 3 ? 1 : 0;
	r->snaplen = rd_u32(r, p + 16);
	lt = rd_u32(r, p + 20);
	r->ifaces = calloc(1, sizeof *r->ifaces);
	if (!r->ifaces)
		return rd_fail(r, 0, "out of memory");
	r->nifaces = r->cap_ifaces = 1;
	r->ifaces[0].pub.linktype = lt & 0xffffu;
	r->ifaces[0].pub.fcslen = (lt & 0x04000000u) ? ((lt >> 28) & 0xfu) * 16u : 0;
	r->ifaces[0].pub.snaplen = r->snaplen;
	r->ifaces[0].pub.tsresol = r->kind == READER_PCAP_NS ? 9 : 6;
	r->sections = 1;
	rd_state(r, 0, p, PCAP_HDR_LEN);
	source_advance(r->src, PCAP_HDR_LEN);
	return 0;
}

static int pcap_short(struct reader *r, uint64_t off, int rc, size_t want, size_t have, const char *what)
{
	if (rc < 0)
		return rd_fail(r, off, "%s", source_error(r->src));
	return rd_fail(r, off, "truncated %s: expected %zu bytes, found %zu before the end of the file",
		       what, want, have);
}

static int pcap_short_data(struct reader *r, uint64_t off, int rc, uint32_t caplen, size_t have)
{
	if (rc < 0)
		return rd_fail(r, off, "%s", source_error(r->src));
	return rd_fail(r, off, "truncated record: header says caplen %u, expected %u bytes (header and data), "
		       "found %zu before the end of the file", caplen, r->rec_len + caplen, have);
}

/* A record header's caplen and origlen, put back in place for files older than 2.4. */
static inline void pcap_lengths(const struct reader *r, const uint8_t *p, uint32_t *caplen, uint32_t *origlen)
{
	uint32_t c = rd_u32(r, p + 8), o = rd_u32(r, p + 12);

	if (r->lengths_swapped == 2 || (r->lengths_swapped == 1 && c > o)) {
		*caplen = o;
		*origlen = c;
	} else {
		*caplen = c;
		*origlen = o;
	}
}

/* Fill `out` from the whole record at p (header and caplen bytes, checked), which starts at `off`, and step past it. */
static int pcap_record(struct reader *r, const uint8_t *p, uint32_t caplen, uint32_t origlen,
		       uint64_t off, struct frame *out)
{
	uint32_t sec = rd_u32(r, p), frac = rd_u32(r, p + 4);

	r->rec_frac = frac;
	r->rec_caplen = caplen;
	r->rec_origlen = origlen;
	if (r->kind == READER_PCAP_NS) {
		out->ts_ns = (uint64_t)sec * 1000000000u + frac;
		r->rec_flags |= frac >= 1000000000u ? READER_REC_FRAC_OVERFLOW : 0;
	} else {
		out->ts_ns = (uint64_t)sec * 1000000000u + (uint64_t)frac * 1000u;
		r->rec_flags |= frac >= 1000000u ? READER_REC_FRAC_OVERFLOW : 0;
	}
	r->rec_flags |= caplen > origlen ? READER_REC_CAPLEN_GT_ORIGLEN : 0;
	r->rec_flags |= r->snaplen && caplen > r->snaplen ? READER_REC_CAPLEN_GT_SNAPLEN : 0;
	out->caplen = caplen;
	out->origlen = origlen;
	out->linktype = r->ifaces[0].pub.linktype;
	out->iface = 0;
	out->dir = FRAME_DIR_UNKNOWN;
	out->data = p + r->rec_len;
	source_advance(r->src, r->rec_len + (size_t)caplen);
	r->ifaces[0].pub.packets++;
	r->rec_off = off;
	r->recno++;
	return 1;
}

/* The record at the position through source_need(): any source, and every error with its offset. */
static int pcap_read_slow(struct reader *r, struct frame *out)
{
	uint64_t off = source_offset(r->src);
	const uint8_t *p;
	size_t n;
	uint32_t caplen, origlen;
	int rc = source_need(r->src, r->rec_len, &p, &n);

	if (rc == 1 && n == 0) {
		r->state = 0;
		return 0;
	}
	if (rc != 0)
		return pcap_short(r, off, rc, r->rec_len, n, "record header");
	pcap_lengths(r, p, &caplen, &origlen);
	if (caplen > READER_MAX_CAPLEN)
		return rd_fail(r, off + 8, "record caplen %u exceeds the maximum of %u (snaplen %u)",
			       caplen, READER_MAX_CAPLEN, r->snaplen);
	rc = source_need(r->src, r->rec_len + (size_t)caplen, &p, &n);
	if (rc != 0)
		return pcap_short_data(r, off, rc, caplen, n);
	return pcap_record(r, p, caplen, origlen, off, out);
}

/*
 * An input in place (mapped file, memory) is walked directly: one look at
 * the unread bytes covers the header and the data. Anything else, and any
 * record that is not whole and sound, goes the general way, which also
 * words the errors.
 */
int pcap_read_next(struct reader *r, struct frame *out)
{
	const uint8_t *p;
	size_t n;
	uint32_t caplen, origlen;

	if (source_direct(r->src, &p, &n) && n >= r->rec_len) {
		pcap_lengths(r, p, &caplen, &origlen);
		if (caplen <= READER_MAX_CAPLEN && n - r->rec_len >= caplen)
			return pcap_record(r, p, caplen, origlen, source_offset(r->src), out);
	}
	return pcap_read_slow(r, out);
}
