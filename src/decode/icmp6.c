/* SPDX-License-Identifier: BSD-2-Clause */
/* ICMPv6 (RFC 4443) and neighbour discovery messages (RFC 4861). */
#include "pcaprec/decode.h"
#include "pcaprec/util.h"

enum {
	ICMP6_ECHO_REQUEST = 128, ICMP6_ECHO_REPLY = 129,
	ND_ROUTER_SOLICIT = 133, ND_ROUTER_ADVERT = 134,
	ND_NEIGHBOR_SOLICIT = 135, ND_NEIGHBOR_ADVERT = 136,
};

/* Fixed bytes each message type needs (RFC 4861 4.1-4.4); 8 for everything else. */
static size_t icmp6_min_len(uint8_t type)
{
	switch (type) {
	case ND_ROUTER_ADVERT:
		return 16;
	case ND_NEIGHBOR_SOLICIT:
	case ND_NEIGHBOR_ADVERT:
		return 24;
	default:
		return 8;
	}
}

/* Type-specific fields; p holds at least icmp6_min_len(type) bytes. */
static void icmp6_details(const uint8_t *p, size_t len, uint32_t off, struct dec_icmp *m)
{
	switch (m->type) {
	case ICMP6_ECHO_REQUEST:
	case ICMP6_ECHO_REPLY:
		m->is_echo = true;
		m->id = ld_be16(p + 4);
		m->seq = ld_be16(p + 6);
		break;
	case ND_ROUTER_ADVERT:
		m->ra_hop_limit = p[4];
		m->nd_flags = p[5];
		m->ra_lifetime = ld_be16(p + 6);
		m->ra_reachable = ld_be32(p + 8);
		m->ra_retrans = ld_be32(p + 12);
		break;
	case ND_NEIGHBOR_SOLICIT:
	case ND_NEIGHBOR_ADVERT:
		m->nd_flags = m->type == ND_NEIGHBOR_ADVERT ? p[4] : 0;
		m->has_target = true;
		for (int i = 0; i < 16; i++)
			m->target[i] = p[8 + i];
		break;
	default:
		if (m->type >= 1 && m->type <= 4 && len > 8)
			m->inner_off = off + 8;
		break;
	}
}

/*
 * Header at p[0..len): type, code, checksum and the 4-byte message body
 * start; with `details`, also the fixed part of echo and ND messages, which
 * must then be captured in full for DEC_OK. tp.hdr_len is 8 either way.
 */
int dec_icmp6(const uint8_t *p, size_t len, uint32_t off, bool details, struct dec_packet *out)
{
	struct cursor c = cur_make(p, len);
	struct dec_icmp *m = &out->icmp;

	out->tp.proto = DEC_P_ICMPV6;
	out->tp.off = off;
	if (!rd_u8(&c, &m->type) || !rd_u8(&c, &m->code) || !rd_be16(&c, &m->csum) ||
	    !rd_be32(&c, &m->rest))
		return dec_fail(out, &out->tp, DEC_TRUNCATED, off, "ICMPv6 header");
	out->tp.hdr_len = 8;
	if (details) {
		size_t need = icmp6_min_len(m->type);
		if (len < need)
			return dec_fail(out, &out->tp, DEC_TRUNCATED, off + 8, "ICMPv6 message body");
		icmp6_details(p, len, off, m);
	}
	out->tp.status = DEC_OK;
	return DEC_OK;
}
