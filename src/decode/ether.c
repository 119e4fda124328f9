/* SPDX-License-Identifier: BSD-2-Clause */
/* Ethernet II and IEEE 802.3 framing: MAC addresses and the type/length field. */
#include <string.h>

#include "pcaprec/decode.h"
#include "pcaprec/util.h"

/* A type/length value of at most 1500 is an 802.3 length (IEEE 802.3-2018 3.2.6). */
#define ETHER_MAX_LENGTH 1500
#define ETHER_HDR 14u   /* destination, source, type/length */

static bool is_vlan_tpid(uint16_t t)
{
	return t == 0x8100 || t == 0x88a8 || t == 0x9100;
}

/*
 * Ethernet header at p[0..len): destination, source, type/length, then any
 * VLAN tags and, for 802.3 frames, the LLC header. On DEC_OK, link.hdr_len
 * covers all of them and l2.ethertype names the network protocol (0 when
 * an LLC frame carries no SNAP ethertype).
 */
int dec_ether(const uint8_t *p, size_t len, uint32_t off, struct dec_packet *out)
{
	uint16_t type;
	size_t used = 0;

	out->link.proto = DEC_P_ETHER;
	out->link.off = off;
	if (len < ETHER_HDR) {
		/* the addresses that are there, read as far as they go */
		struct cursor c = cur_make(p, len);
		if (rd_bytes(&c, out->l2.dst, 6))
			(void)rd_bytes(&c, out->l2.src, 6);
		return dec_fail(out, &out->link, DEC_TRUNCATED, off, "Ethernet header");
	}
	memcpy(out->l2.dst, p, 6);
	memcpy(out->l2.src, p + 6, 6);
	type = ld_be16(p + 12);
	out->l2.type_len = type;
	out->l2.ethertype = type;
	out->link.hdr_len = 14;
	if (is_vlan_tpid(type)) {
		int st = dec_vlan_tags(p + 14, len - 14, off + 14, type, out, &used);
		if (st != DEC_OK)
			return st;
		out->link.hdr_len = (uint32_t)(14 + used);
	}
	/* 0x8870: LLC behind an ethertype, as jumbo frames carry it (IEEE 802.1AC annex) */
	if (out->l2.ethertype <= ETHER_MAX_LENGTH || out->l2.ethertype == 0x8870) {
		uint32_t h = out->link.hdr_len;
		out->l2.llc_length = out->l2.ethertype == 0x8870 ? 0 : out->l2.ethertype;
		out->l2.ethertype = 0;
		return dec_llc(p + h, len - h, off + h, out);
	}
	out->link.status = DEC_OK;
	return DEC_OK;
}
