/* SPDX-License-Identifier: BSD-2-Clause */
/* Linux cooked capture headers, v1 (LINKTYPE_LINUX_SLL) and v2 (LINKTYPE_LINUX_SLL2). */
#include "pcaprec/decode.h"
#include "pcaprec/util.h"

/* Protocol values below 0x0600 that SLL uses for non-Ethernet-II payloads (linux/if_ether.h). */
enum {
	SLL_P_802_3 = 0x0001,   /* Novell 802.3 frames without LLC */
	SLL_P_802_2 = 0x0004,   /* 802.2 LLC follows */
};

/* Copies the link-layer address (at most 8 bytes are stored either way). */
static void sll_addr(const uint8_t *a, uint16_t halen, struct dec_packet *out)
{
	uint16_t n = halen < 8 ? halen : 8;
	for (uint16_t i = 0; i < n; i++)
		out->l2.sll_addr[i] = a[i];
}

/* After the fixed header: VLAN tags, LLC, or an ethertype for the network layer. */
static int sll_protocol(const uint8_t *p, size_t len, uint32_t off, uint16_t proto,
			struct dec_packet *out)
{
	uint32_t h = out->link.hdr_len;

	out->l2.type_len = proto;
	out->l2.ethertype = proto;
	if (proto == 0x8100 || proto == 0x88a8 || proto == 0x9100) {
		size_t used = 0;
		/* the protocol field is the tag's TPID; its TCI starts the payload */
		int st = dec_vlan_tags(p + h, len - h, off + h, proto, out, &used);
		if (st != DEC_OK)
			return st;
		out->link.hdr_len = (uint32_t)(h + used);
		h = out->link.hdr_len;
		proto = out->l2.ethertype;
	}
	if (proto == SLL_P_802_2) {
		out->l2.ethertype = 0;
		return dec_llc(p + h, len - h, off + h, out);
	}
	if (proto < 0x0600)
		out->l2.ethertype = 0;
	out->link.status = DEC_OK;
	return DEC_OK;
}

/*
 * SLL v1, 16 bytes (https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html):
 * packet type, ARPHRD type, address length, 8 address bytes, protocol.
 */
int dec_sll(const uint8_t *p, size_t len, uint32_t off, struct dec_packet *out)
{
	struct cursor c = cur_make(p, len);
	uint16_t proto;

	out->link.proto = DEC_P_SLL;
	out->link.off = off;
	if (!rd_be16(&c, &out->l2.sll_pkttype) || !rd_be16(&c, &out->l2.sll_hatype) ||
	    !rd_be16(&c, &out->l2.sll_halen) || cur_left(&c) < 8)
		return dec_fail(out, &out->link, DEC_TRUNCATED, off, "SLL header");
	sll_addr(c.p, out->l2.sll_halen, out);
	cur_skip(&c, 8);
	if (!rd_be16(&c, &proto))
		return dec_fail(out, &out->link, DEC_TRUNCATED, off, "SLL header");
	out->link.hdr_len = 16;
	return sll_protocol(p, len, off, proto, out);
}

/*
 * SLL v2, 20 bytes (https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html):
 * protocol, reserved, interface index, ARPHRD type, packet type (1 byte),
 * address length (1 byte), 8 address bytes.
 */
int dec_sll2(const uint8_t *p, size_t len, uint32_t off, struct dec_packet *out)
{
	struct cursor c = cur_make(p, len);
	uint16_t proto, reserved;
	uint8_t pkttype, halen;

	out->link.proto = DEC_P_SLL2;
	out->link.off = off;
	if (!rd_be16(&c, &proto) || !rd_be16(&c, &reserved) || !rd_be32(&c, &out->l2.sll_ifindex) ||
	    !rd_be16(&c, &out->l2.sll_hatype) || !rd_u8(&c, &pkttype) || !rd_u8(&c, &halen) ||
	    cur_left(&c) < 8)
		return dec_fail(out, &out->link, DEC_TRUNCATED, off, "SLL2 header");
	out->l2.sll_pkttype = pkttype;
	out->l2.sll_halen = halen;
	sll_addr(c.p, halen, out);
	out->link.hdr_len = 20;
	return sll_protocol(p, len, off, proto, out);
}
