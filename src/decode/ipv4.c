/* SPDX-License-Identifier: BSD-2-Clause */
/* IPv4 header (RFC 791): lengths, fragment fields, addresses, options length. */
#include <string.h>

#include "pcaprec/decode.h"
#include "pcaprec/util.h"

#define IPV4_FIXED 20u

/* Fewer than IPV4_FIXED bytes: the fields that are there, read as far as they go, and "truncated". */
static int ipv4_short(const uint8_t *p, size_t len, uint32_t off, struct dec_packet *out)
{
	struct cursor c = cur_make(p, len);
	struct dec_ip *ip = &out->ip;
	uint8_t u8;
	uint16_t u16;

	if (rd_u8(&c, &u8) && rd_u8(&c, &ip->tos) && rd_be16(&c, &u16) && rd_be16(&c, &u16) &&
	    rd_be16(&c, &u16) && rd_u8(&c, &u8) && rd_u8(&c, &ip->proto) && rd_be16(&c, &ip->checksum))
		(void)rd_bytes(&c, ip->src, 4);
	return dec_fail(out, &out->net, DEC_TRUNCATED, off, "IPv4 header");
}

/*
 * Header at p[0..len) (RFC 791 3.1). Invalid: version != 4, IHL < 5,
 * total length < IHL*4. A total length of 0 (seen on outgoing TSO frames
 * captured on Linux) is taken as "the rest of the frame". Sets ip.len_short
 * when the wire frame (origlen) is shorter than total length says.
 */
int dec_ipv4(const uint8_t *p, size_t len, uint32_t off, struct dec_packet *out)
{
	struct dec_ip *ip = &out->ip;
	uint8_t vihl;
	uint16_t tot, id, frag;

	out->net.proto = DEC_P_IPV4;
	out->net.off = off;
	ip->version = 4;
	/* one length check for the fixed header, then its fields at their offsets */
	if (len < IPV4_FIXED)
		return ipv4_short(p, len, off, out);
	vihl = p[0];
	ip->tos = p[1];
	tot = ld_be16(p + 2);
	id = ld_be16(p + 4);
	frag = ld_be16(p + 6);
	ip->ttl = p[8];
	ip->proto = p[9];
	ip->checksum = ld_be16(p + 10);
	memcpy(ip->src, p + 12, 4);
	memcpy(ip->dst, p + 16, 4);
	ip->next_hdr = ip->proto;
	ip->id = id;
	ip->df = (frag & 0x4000) != 0;
	ip->mf = (frag & 0x2000) != 0;
	ip->frag_off = (uint16_t)((frag & 0x1fff) * 8u);
	ip->has_frag = ip->mf || ip->frag_off != 0;
	if (vihl >> 4 != 4)
		return dec_fail(out, &out->net, DEC_INVALID, off, "IPv4 version not 4");
	ip->hdr_len = (uint16_t)((vihl & 0x0f) * 4u);
	if (ip->hdr_len < 20)
		return dec_fail(out, &out->net, DEC_INVALID, off, "IPv4 IHL < 5");
	ip->opt_len = (uint8_t)(ip->hdr_len - 20);
	uint32_t wire = out->origlen > off ? out->origlen - off : 0;
	ip->total_len = tot != 0 ? tot : (wire > len ? wire : (uint32_t)len);
	if (ip->total_len < ip->hdr_len)
		return dec_fail(out, &out->net, DEC_INVALID, off + 2, "IPv4 total length < header length");
	if (len < ip->hdr_len)
		return dec_fail(out, &out->net, DEC_TRUNCATED, off + 20, "IPv4 options");
	ip->payload_len = ip->total_len - ip->hdr_len;
	ip->len_short = ip->total_len > wire;
	out->net.hdr_len = ip->hdr_len;
	out->net.status = DEC_OK;
	return DEC_OK;
}
