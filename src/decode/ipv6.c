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

/* Length in bytes of the extension header of `type` whose second byte is hlen (RFC 8200 4.3-4.6). */
static size_t ip6_ext_len(uint8_t type, uint8_t hlen)
{
	return type == IP6_FRAGMENT ? 8 : ((size_t)hlen + 1) * 8;
}

/*
 * RFC 2675 Jumbo Payload option (type 0xC2, 4 bytes) in the hop-by-hop
 * header h[0..n); its value, or 0. The option walk is RFC 8200 4.2's TLVs.
 */
static uint32_t ip6_jumbo(const uint8_t *h, size_t n)
{
	size_t i = 2;

	while (i < n) {
		if (h[i] == 0) {
			i++;
			continue;
		}
		if (i + 2 > n || i + 2 + h[i + 1] > n)
			return 0;
		if (h[i] == 0xc2 && h[i + 1] == 4)
			return ld_be32(h + i + 2);
		i += 2u + h[i + 1];
	}
	return 0;
}

/*
 * Payload length 0 with a jumbo option: the IP length is 40 + the option's
 * value. RFC 2675 3 makes values under 65536 invalid; those are ignored (as
 * tcpdump does) and the frame-length reading of Big TCP stays.
 */
static void ip6_take_jumbo(const uint8_t *h, size_t n, struct dec_packet *out)
{
	struct dec_ip *ip = &out->ip;
	uint32_t j = ip6_jumbo(h, n);
	uint32_t wire = out->origlen > out->net.off ? out->origlen - out->net.off : 0;

	if (ip->plen != 0 || j < 65536u || j > UINT32_MAX - 40u)
		return;
	ip->jumbo = j;
	ip->total_len = 40u + j;
	ip->len_short = ip->total_len > wire;
}

/* One extension header at c (RFC 8200 4.3-4.6); returns its status and advances c. */
static int ip6_ext(struct cursor *c, const uint8_t *base, uint32_t off, uint8_t type,
		   uint8_t *next, struct dec_packet *out)
{
	struct dec_ip *ip = &out->ip;
	uint32_t at = off + (uint32_t)(c->p - base);
	size_t n;

	if (cur_left(c) < 2)
		return dec_fail(out, &out->net, DEC_TRUNCATED, at, "IPv6 extension header");
	n = ip6_ext_len(type, c->p[1]);
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
	} else if (type == IP6_HOPOPTS) {
		ip6_take_jumbo(c->p, n, out);
	}
	if (ip->n_ext < DEC_MAX_IP6_EXT) {
		ip->ext[ip->n_ext] = type;
		ip->ext_off[ip->n_ext] = at;
		ip->ext_len[ip->n_ext] = (uint16_t)n;
	}
	ip->n_ext++;
	*next = c->p[0];
	cur_skip(c, n);
	return DEC_OK;
}

static bool ip6_is_ext(uint8_t nh)
{
	return nh == IP6_HOPOPTS || nh == IP6_ROUTING || nh == IP6_FRAGMENT || nh == IP6_DSTOPTS;
}

bool dec_ip6_ext_next(const uint8_t *p, size_t caplen, const struct dec_packet *d,
		      struct dec_ip6_ext_iter *it, struct dec_ip6_ext *e)
{
	if (it->i == 0) {
		it->type = d->ip.next_hdr;
		it->off = d->net.off + 40u;
	}
	if (it->i >= d->ip.n_ext || it->off > caplen || caplen - it->off < 2 || !ip6_is_ext(it->type))
		return false;
	const uint8_t *h = p + it->off;
	size_t n = ip6_ext_len(it->type, h[1]);
	if (caplen - it->off < n)
		return false;
	uint32_t end = it->off + (uint32_t)n - d->net.off; /* IP bytes up to this header's end */
	*e = (struct dec_ip6_ext){.type = it->type, .off = it->off, .len = (uint16_t)n,
				  .rest = d->ip.total_len > end ? d->ip.total_len - end : 0};
	if (it->type == IP6_FRAGMENT) {
		e->frag_off = (uint16_t)(ld_be16(h + 2) & 0xfff8);
		e->frag_mf = (h[3] & 1) != 0;
		e->frag_id = ld_be32(h + 4);
	}
	it->type = h[0];
	it->off += (uint32_t)n;
	it->i++;
	return true;
}

/*
 * Fixed header (40 bytes), then extension headers while the next-header
 * value is one of hop-by-hop (only directly after the fixed header), routing,
 * fragment or destination options, up to DEC_IP6_EXT_LIMIT of them (a
 * longer chain sets ip.ext_more and leaves the rest undecoded). Stops after
 * a fragment header of a non-first fragment: its payload is not a transport
 * header. ip.proto is the last next-header value; net.hdr_len covers all
 * headers read. Payload length 0 is a jumbogram when the hop-by-hop header
 * has a Jumbo Payload option of 65536 or more (RFC 2675), otherwise Linux
 * Big TCP/GSO: the IP length is then the rest of the frame.
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
	ip->plen = plen;
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
		if (!ip6_is_ext(nh))
			break;
		if (ip->n_ext == DEC_IP6_EXT_LIMIT) {
			ip->ext_more = true;
			break;
		}
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
