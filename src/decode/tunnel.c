/* SPDX-License-Identifier: BSD-2-Clause */
/* Where a tunnelled packet starts: GRE, VXLAN, Geneve, IP-in-IP, 6in4 and MPLS (the summary counts inner packets too). */
#include "pcaprec/decode.h"
#include "pcaprec/frame.h"
#include "pcaprec/util.h"

enum {
	ETHERTYPE_IPV4 = 0x0800,
	ETHERTYPE_IPV6 = 0x86dd,
	ETHERTYPE_TEB = 0x6558,   /* transparent Ethernet bridging (RFC 1701) */
	ETHERTYPE_MPLS = 0x8847,
	ETHERTYPE_MPLS_MC = 0x8848,
	UDP_VXLAN = 4789,         /* RFC 7348 */
	UDP_GENEVE = 6081,        /* RFC 8926 */
};

/* Inner link type for a protocol type carried by GRE or Geneve; false when not one we follow. */
static bool inner_by_ethertype(uint16_t type, struct dec_tunnel *t)
{
	switch (type) {
	case ETHERTYPE_IPV4:
	case ETHERTYPE_IPV6:
		t->linktype = LINKTYPE_RAW;
		return true;
	case ETHERTYPE_TEB:
		t->linktype = LINKTYPE_ETHERNET;
		return true;
	default:
		return false;
	}
}

/* MPLS label stack at p[0..len) (RFC 3032): entries up to the bottom-of-stack bit, then IPv4 or IPv6 by version. */
static bool mpls(const uint8_t *p, size_t len, uint32_t off, struct dec_tunnel *t)
{
	size_t i = 0;

	for (;;) {
		if (i + 4 > len || i >= 4 * DEC_MAX_MPLS)
			return false;
		bool bottom = (p[i + 2] & 1) != 0;
		i += 4;
		if (bottom)
			break;
	}
	if (i >= len || (p[i] >> 4 != 4 && p[i] >> 4 != 6))
		return false; /* pseudowires (control word, Ethernet) are not guessed at */
	t->kind = t->kind ? t->kind : DEC_TUN_MPLS;
	t->mpls = (uint8_t)(i / 4);
	t->linktype = LINKTYPE_RAW;
	t->off = off + (uint32_t)i;
	return true;
}

/* GRE (RFC 2784, key and sequence RFC 2890), version 0. */
static bool gre(const uint8_t *p, size_t len, uint32_t off, struct dec_tunnel *t)
{
	if (len < 4 || (p[1] & 7) != 0)
		return false;
	size_t hl = 4 + ((p[0] & 0x80) ? 4 : 0) + ((p[0] & 0x20) ? 4 : 0) + ((p[0] & 0x10) ? 4 : 0);
	uint16_t type = ld_be16(p + 2);
	if (hl > len)
		return false;
	t->kind = DEC_TUN_GRE;
	if (type == ETHERTYPE_MPLS || type == ETHERTYPE_MPLS_MC)
		return mpls(p + hl, len - hl, off + (uint32_t)hl, t);
	t->off = off + (uint32_t)hl;
	return inner_by_ethertype(type, t);
}

/* VXLAN (RFC 7348 5): 8 bytes with the I flag, then an Ethernet frame. */
static bool vxlan(const uint8_t *p, size_t len, uint32_t off, struct dec_tunnel *t)
{
	if (len < 8 + 14 || !(p[0] & 0x08))
		return false;
	t->kind = DEC_TUN_VXLAN;
	t->linktype = LINKTYPE_ETHERNET;
	t->off = off + 8;
	return true;
}

/* Geneve (RFC 8926 3.4): version 0, options of 4 * Opt Len bytes, then the protocol type's frame. */
static bool geneve(const uint8_t *p, size_t len, uint32_t off, struct dec_tunnel *t)
{
	if (len < 8 || (p[0] >> 6) != 0)
		return false;
	size_t hl = 8 + 4 * (size_t)(p[0] & 0x3f);
	if (hl > len)
		return false;
	t->kind = DEC_TUN_GENEVE;
	t->off = off + (uint32_t)hl;
	return inner_by_ethertype(ld_be16(p + 2), t);
}

bool dec_tunnel(const uint8_t *p, size_t caplen, const struct dec_packet *d, struct dec_tunnel *t)
{
	*t = (struct dec_tunnel){0};
	if (d->link.status == DEC_OK && d->net.proto == DEC_P_OTHER &&
	    (d->l2.ethertype == ETHERTYPE_MPLS || d->l2.ethertype == ETHERTYPE_MPLS_MC)) {
		uint32_t off = d->link.hdr_len;
		return off <= caplen && mpls(p + off, caplen - off, off, t);
	}
	if (d->net.status != DEC_OK || (d->net.proto != DEC_P_IPV4 && d->net.proto != DEC_P_IPV6) ||
	    d->ip.frag_off != 0 || d->ip.mf)
		return false; /* fragments are not reassembled */
	uint32_t off = d->net.off + d->net.hdr_len;
	if (off > caplen)
		return false;
	size_t len = caplen - off < d->ip.payload_len ? caplen - off : d->ip.payload_len;
	switch (d->ip.proto) {
	case 4:
	case 41:
		t->kind = d->ip.proto == 4 ? DEC_TUN_IPIP : DEC_TUN_6IN4;
		t->linktype = LINKTYPE_RAW;
		t->off = off;
		return len > 0;
	case 47:
		return gre(p + off, len, off, t);
	case 17:
		if (d->tp.status != DEC_OK)
			return false;
		off += 8;
		len = len >= 8 ? len - 8 : 0;
		if (d->udp.dport == UDP_VXLAN)
			return vxlan(p + off, len, off, t);
		if (d->udp.dport == UDP_GENEVE)
			return geneve(p + off, len, off, t);
		return false;
	default:
		return false;
	}
}
