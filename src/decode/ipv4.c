/* SPDX-License-Identifier: BSD-2-Clause */
/* IPv4 header (RFC 791): lengths, fragment fields, addresses, options length. */
#include "pcaprec/decode.h"
#include "pcaprec/util.h"

/*
 * Header at p[0..len) (RFC 791 3.1). Invalid: version != 4, IHL < 5,
 * total length < IHL*4. A total length of 0 (seen on outgoing TSO frames
 * captured on Linux) is taken as "the rest of the frame". Sets ip.len_short
 * when the wire frame (origlen) is shorter than total length says.
 */
int dec_ipv4(const uint8_t *p, size_t len, uint32_t off, struct dec_packet *out)
{
	struct cursor c = cur_make(p, len);
	struct dec_ip *ip = &out->ip;
	uint8_t vihl, ttl;
	uint16_t tot, id, frag;

	out->net.proto = DEC_P_IPV4;
	out->net.off = off;
	ip->version = 4;
	if (!rd_u8(&c, &vihl) || !rd_u8(&c, &ip->tos) || !rd_be16(&c, &tot) || !rd_be16(&c, &id) ||
	    !rd_be16(&c, &frag) || !rd_u8(&c, &ttl) || !rd_u8(&c, &ip->proto) ||
	    !rd_be16(&c, &ip->checksum) || !rd_bytes(&c, ip->src, 4) || !rd_bytes(&c, ip->dst, 4))
		return dec_fail(out, &out->net, DEC_TRUNCATED, off, "IPv4 header");
	ip->ttl = ttl;
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
