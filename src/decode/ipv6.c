/* SPDX-License-Identifier: BSD-2-Clause */
/* IPv6 header (RFC 8200) and its hop-by-hop, routing, fragment and destination-options headers. */
#include "pcaprec/decode.h"
#include "pcaprec/util.h"

enum {
	IP6_HOPOPTS = 0,
	IP6_ROUTING = 43,
	IP6_FRAGMENT = 44,
	IP6_DSTOPTS = 60,
};

/* One extension header at c (RFC 8200 4.3-4.6); returns its status and advances c. */
static int ip6_ext(struct cursor *c, const uint8_t *base, uint32_t off, uint8_t type,
		   uint8_t *next, struct dec_packet *out)
{
	struct dec_ip *ip = &out->ip;
	uint32_t at = off + (uint32_t)(c->p - base);
	uint8_t nh, hlen;
	size_t n;

	if (cur_left(c) < 2)
		return dec_fail(out, &out->net, DEC_TRUNCATED, at, "IPv6 extension header");
	nh = c->p[0];
	hlen = c->p[1];
	n = type == IP6_FRAGMENT ? 8 : ((size_t)hlen + 1) * 8;
	if ((uint32_t)(c->p - base) - 40 + n > ip->total_len - 40u)
		return dec_fail(out, &out->net, DEC_INVALID, at, "IPv6 extension header beyond payload length");
	if (cur_left(c) < n)
		return dec_fail(out, &out->net, DEC_TRUNCATED, at, "IPv6 extension header");
	if (type == IP6_FRAGMENT) {
		uint16_t fo = ld_be16(c->p + 2);
		ip->has_frag = true;
		ip->frag_off = (uint16_t)(fo & 0xfff8);
		ip->mf = (fo & 1) != 0;
		ip->id = ld_be32(c->p + 4);
	}
	if (ip->n_ext < DEC_MAX_IP6_EXT) {
		ip->ext[ip->n_ext] = type;
		ip->ext_off[ip->n_ext] = at;
		ip->ext_len[ip->n_ext] = (uint16_t)n;
		ip->n_ext++;
	}
	cur_skip(c, n);
	*next = nh;
	return DEC_OK;
}

/*
 * Fixed header (40 bytes), then extension headers while the next-header
 * value is one of hop-by-hop (only directly after the fixed header), routing,
 * fragment or destination options. Stops after a fragment header of a
 * non-first fragment: its payload is not a transport header. ip.proto is
 * the last next-header value; net.hdr_len covers all headers read.
 */
int dec_ipv6(const uint8_t *p, size_t len, uint32_t off, struct dec_packet *out)
{
	struct cursor c = cur_make(p, len);
	struct dec_ip *ip = &out->ip;
	uint32_t vtf;
	uint16_t plen;
	uint8_t nh;

	out->net.proto = DEC_P_IPV6;
	out->net.off = off;
	ip->version = 6;
	if (!rd_be32(&c, &vtf) || !rd_be16(&c, &plen) || !rd_u8(&c, &nh) || !rd_u8(&c, &ip->ttl) ||
	    !rd_bytes(&c, ip->src, 16) || !rd_bytes(&c, ip->dst, 16))
		return dec_fail(out, &out->net, DEC_TRUNCATED, off, "IPv6 header");
	if (vtf >> 28 != 6)
		return dec_fail(out, &out->net, DEC_INVALID, off, "IPv6 version not 6");
	ip->tos = (uint8_t)(vtf >> 20);
	ip->flowlabel = vtf & 0xfffff;
	ip->next_hdr = nh;
	uint32_t wire = out->origlen > off ? out->origlen - off : 0;
	/* payload length 0: jumbogram (RFC 2675) or TSO; take the rest of the frame */
	ip->total_len = plen != 0 ? 40u + plen : (wire > len ? wire : (uint32_t)len);
	if (ip->total_len < 40)
		ip->total_len = 40;
	ip->len_short = ip->total_len > wire;
	for (bool first = true;; first = false) {
		ip->proto = nh; /* on failure: the header that did not decode */
		if (nh == IP6_HOPOPTS && !first)
			return dec_fail(out, &out->net, DEC_INVALID, off + (uint32_t)(c.p - p),
					"IPv6 hop-by-hop header not first");
		if (nh != IP6_HOPOPTS && nh != IP6_ROUTING && nh != IP6_FRAGMENT && nh != IP6_DSTOPTS)
			break;
		int st = ip6_ext(&c, p, off, nh, &nh, out);
		if (st != DEC_OK)
			return st;
		if (ip->has_frag && ip->frag_off != 0)
			break;
		if (c.p - p > 0xffff)
			return dec_fail(out, &out->net, DEC_INVALID, off, "IPv6 headers longer than 65535");
	}
	ip->proto = nh;
	ip->hdr_len = (uint16_t)(c.p - p);
	ip->payload_len = ip->total_len - ip->hdr_len;
	out->net.hdr_len = ip->hdr_len;
	out->net.status = DEC_OK;
	return DEC_OK;
}
