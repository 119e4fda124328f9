/* SPDX-License-Identifier: BSD-2-Clause */
/* ARP (RFC 826): operation and, for Ethernet/IPv4, sender and target addresses. */
#include "pcaprec/decode.h"
#include "pcaprec/util.h"

/*
 * Fixed part: hardware type, protocol type, hardware length, protocol
 * length, operation (8 bytes); then sender hw, sender proto, target hw,
 * target proto addresses of the given lengths. The whole message must be
 * captured for DEC_OK; addresses are stored only for Ethernet/IPv4.
 */
int dec_arp(const uint8_t *p, size_t len, uint32_t off, struct dec_packet *out)
{
	struct cursor c = cur_make(p, len);
	struct dec_arp *a = &out->arp;

	out->net.proto = DEC_P_ARP;
	out->net.off = off;
	if (!rd_be16(&c, &a->htype) || !rd_be16(&c, &a->ptype) || !rd_u8(&c, &a->hlen) ||
	    !rd_u8(&c, &a->plen) || !rd_be16(&c, &a->op))
		return dec_fail(out, &out->net, DEC_TRUNCATED, off, "ARP header");
	size_t addrs = 2 * ((size_t)a->hlen + a->plen);
	if (cur_left(&c) < addrs)
		return dec_fail(out, &out->net, DEC_TRUNCATED, off + 8, "ARP addresses");
	a->eth_ipv4 = a->htype == 1 && a->ptype == 0x0800 && a->hlen == 6 && a->plen == 4;
	if (a->eth_ipv4) {
		rd_bytes(&c, a->sha, 6);
		rd_bytes(&c, a->spa, 4);
		rd_bytes(&c, a->tha, 6);
		rd_bytes(&c, a->tpa, 4);
	}
	out->net.hdr_len = (uint32_t)(8 + addrs);
	out->net.status = DEC_OK;
	return DEC_OK;
}
