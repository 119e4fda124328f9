/* SPDX-License-Identifier: BSD-2-Clause */
/* UDP header (RFC 768). */
#include "pcaprec/decode.h"
#include "pcaprec/util.h"

/*
 * 8-byte header at p[0..len). Invalid: length field < 8, except a length of
 * 0 over IPv6 with payload length 0: a jumbogram (RFC 2675 4) or Linux Big
 * TCP/GSO, whose UDP length is the IPv6 payload left (udp.length).
 */
int dec_udp(const uint8_t *p, size_t len, uint32_t off, struct dec_packet *out)
{
	struct cursor c = cur_make(p, len);
	struct dec_udp *u = &out->udp;

	out->tp.proto = DEC_P_UDP;
	out->tp.off = off;
	if (!rd_be16(&c, &u->sport) || !rd_be16(&c, &u->dport) || !rd_be16(&c, &u->len) ||
	    !rd_be16(&c, &u->csum))
		return dec_fail(out, &out->tp, DEC_TRUNCATED, off, "UDP header");
	u->length = u->len;
	if (u->len == 0 && out->ip.version == 6 && out->ip.plen == 0 && out->ip.payload_len >= 8)
		u->length = out->ip.payload_len;
	if (u->length < 8)
		return dec_fail(out, &out->tp, DEC_INVALID, off + 4, "UDP length < 8");
	out->tp.hdr_len = 8;
	out->tp.status = DEC_OK;
	return DEC_OK;
}
