/* SPDX-License-Identifier: BSD-2-Clause */
/* dec_packet(): walks link -> network -> transport over one frame's captured bytes. */
#include <string.h>

#include "pcaprec/decode.h"
#include "pcaprec/frame.h"

enum {
	ETHERTYPE_IPV4 = 0x0800,
	ETHERTYPE_ARP = 0x0806,
	ETHERTYPE_IPV6 = 0x86dd,
};

int dec_fail(struct dec_packet *out, struct dec_layer *layer, enum dec_status st,
	     uint32_t off, const char *what)
{
	layer->status = (uint8_t)st;
	if (out->status == DEC_OK) {
		out->status = (uint8_t)st;
		out->err_layer = layer == &out->link ? DEC_L_LINK
			       : layer == &out->net ? DEC_L_NET : DEC_L_TRANSPORT;
		out->err_off = off;
		out->err_what = what;
	}
	return st;
}

/* Link layer by link type; on DEC_OK link.hdr_len and l2.ethertype say what follows. */
static int dec_link_layer(uint32_t linktype, const uint8_t *p, size_t caplen,
			  struct dec_packet *out)
{
	switch (linktype) {
	case LINKTYPE_ETHERNET:
		return dec_ether(p, caplen, 0, out);
	case LINKTYPE_LINUX_SLL:
		return dec_sll(p, caplen, 0, out);
	case LINKTYPE_LINUX_SLL2:
		return dec_sll2(p, caplen, 0, out);
	case LINKTYPE_NULL:
		return dec_null(p, caplen, 0, false, out);
	case LINKTYPE_LOOP:
		return dec_null(p, caplen, 0, true, out);
	case LINKTYPE_RAW:
	case LINKTYPE_IPV4:
	case LINKTYPE_IPV6:
		out->link.proto = DEC_P_RAWIP;
		out->link.status = DEC_OK;
		if (linktype == LINKTYPE_IPV4)
			out->l2.ethertype = ETHERTYPE_IPV4;
		else if (linktype == LINKTYPE_IPV6)
			out->l2.ethertype = ETHERTYPE_IPV6;
		else if (caplen == 0)
			return dec_fail(out, &out->link, DEC_TRUNCATED, 0, "raw IP: no version byte");
		else if (p[0] >> 4 == 4)
			out->l2.ethertype = ETHERTYPE_IPV4;
		else if (p[0] >> 4 == 6)
			out->l2.ethertype = ETHERTYPE_IPV6;
		else
			return dec_fail(out, &out->link, DEC_INVALID, 0, "raw IP: version not 4 or 6");
		return DEC_OK;
	default:
		out->link.proto = DEC_P_OTHER;
		return DEC_NONE;
	}
}

/* Network layer at `off` by ethertype; returns the layer status (DEC_NONE when not decoded). */
static int dec_net_layer(const uint8_t *p, size_t caplen, uint32_t off, struct dec_packet *out)
{
	out->net.off = off;
	switch (out->l2.ethertype) {
	case ETHERTYPE_IPV4:
		return dec_ipv4(p + off, caplen - off, off, out);
	case ETHERTYPE_IPV6:
		return dec_ipv6(p + off, caplen - off, off, out);
	case ETHERTYPE_ARP:
		return dec_arp(p + off, caplen - off, off, out);
	default:
		out->net.proto = DEC_P_OTHER;
		return DEC_NONE;
	}
}

/* Bytes the IP header says follow it, limited by what was captured. */
static size_t ip_upper_caplen(const struct dec_packet *out, size_t caplen, uint32_t off)
{
	size_t cap = caplen > off ? caplen - off : 0;
	return out->ip.payload_len < cap ? out->ip.payload_len : cap;
}

/*
 * Transport layer after a decoded IP header. When the whole IP payload was
 * captured, a header that does not fit is invalid (the IP length says the
 * segment is shorter than its own header), not truncated.
 */
static void dec_transport_layer(const uint8_t *p, size_t caplen, bool details,
				struct dec_packet *out)
{
	uint32_t off = out->net.off + out->net.hdr_len;
	size_t len = ip_upper_caplen(out, caplen, off);
	bool ip_bound = out->ip.payload_len <= (caplen > off ? caplen - off : 0);
	int st;

	out->tp.off = off;
	if (out->ip.frag_off != 0)
		return; /* RFC 791 / RFC 8200: only the first fragment carries the header */
	switch (out->ip.proto) {
	case 6:
		st = dec_tcp(p + off, len, off, details, out);
		break;
	case 17:
		st = dec_udp(p + off, len, off, out);
		break;
	case 1:
		st = out->ip.version == 4 ? dec_icmp(p + off, len, off, details, out) : DEC_NONE;
		break;
	case 58:
		st = out->ip.version == 6 ? dec_icmp6(p + off, len, off, details, out) : DEC_NONE;
		break;
	default:
		st = DEC_NONE;
		break;
	}
	if (st == DEC_NONE)
		out->tp.proto = DEC_P_OTHER;
	if (st == DEC_TRUNCATED && ip_bound) {
		out->tp.status = DEC_INVALID;
		out->status = DEC_INVALID;
		out->err_what = "IP payload length shorter than transport header";
	}
}

/* Payload: what follows the last header decoded OK, bounded by IP length and caplen. */
static void set_payload(size_t caplen, struct dec_packet *out)
{
	uint32_t off = 0;
	uint32_t wire = out->origlen;

	if (out->tp.status == DEC_OK) {
		off = out->tp.off + out->tp.hdr_len;
		uint32_t used = out->tp.off - out->net.off - out->net.hdr_len + out->tp.hdr_len;
		wire = out->ip.payload_len > used ? out->ip.payload_len - used : 0;
		if (out->tp.proto == DEC_P_UDP)
			wire = out->udp.length - 8u;
	} else if (out->net.status == DEC_OK && out->net.proto != DEC_P_ARP) {
		off = out->net.off + out->net.hdr_len;
		wire = out->ip.payload_len;
	} else if (out->net.status == DEC_OK) {
		off = out->net.off + out->net.hdr_len;
		wire = out->origlen > off ? out->origlen - off : 0;
	} else if (out->link.status == DEC_OK) {
		off = out->link.hdr_len;
		wire = out->origlen > off ? out->origlen - off : 0;
	} else {
		return;
	}
	if (off > caplen)
		return;
	out->payload_off = off;
	out->payload_len = wire;
	out->payload_caplen = (uint32_t)(caplen - off) < wire ? (uint32_t)(caplen - off) : wire;
}

void dec_packet(uint32_t linktype, const uint8_t *p, size_t caplen, uint32_t origlen,
		enum dec_depth depth, struct dec_packet *out)
{
	size_t clear = sizeof *out;

	/*
	 * The size is hidden from the compiler, which would otherwise clear
	 * these 600 bytes with `rep stos` (slow to start, most of this
	 * function's time); the C library's memset uses vector stores.
	 */
	__asm__("" : "+r"(clear));
	memset(out, 0, clear);
	out->linktype = linktype;
	out->caplen = (uint32_t)caplen;
	out->origlen = origlen;
	out->status = DEC_OK;
	if (dec_link_layer(linktype, p, caplen, out) != DEC_OK || depth < DEC_DEPTH_NET)
		goto done;
	if (dec_net_layer(p, caplen, out->link.hdr_len, out) != DEC_OK || depth < DEC_DEPTH_TRANSPORT)
		goto done;
	if (out->net.proto == DEC_P_IPV4 || out->net.proto == DEC_P_IPV6)
		dec_transport_layer(p, caplen, depth >= DEC_DEPTH_ALL, out);
done:
	set_payload(caplen, out);
}

const char *dec_proto_name(enum dec_proto proto)
{
	static const char *const names[DEC_P_COUNT] = {
		[DEC_P_NONE] = "none", [DEC_P_ETHER] = "ether", [DEC_P_LLC] = "llc",
		[DEC_P_SLL] = "sll", [DEC_P_SLL2] = "sll2", [DEC_P_RAWIP] = "raw",
		[DEC_P_NULL] = "null", [DEC_P_LOOP] = "loop", [DEC_P_ARP] = "arp",
		[DEC_P_IPV4] = "ipv4", [DEC_P_IPV6] = "ipv6", [DEC_P_TCP] = "tcp",
		[DEC_P_UDP] = "udp", [DEC_P_ICMP] = "icmp", [DEC_P_ICMPV6] = "icmpv6",
		[DEC_P_OTHER] = "other",
	};
	return (unsigned)proto < DEC_P_COUNT ? names[proto] : "other";
}

const char *dec_status_name(enum dec_status status)
{
	switch (status) {
	case DEC_OK:
		return "ok";
	case DEC_TRUNCATED:
		return "truncated";
	case DEC_INVALID:
		return "invalid";
	default:
		return "none";
	}
}
