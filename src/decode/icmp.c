/* SPDX-License-Identifier: BSD-2-Clause */
/* ICMP for IPv4 (RFC 792): type, code, echo id/sequence, quoted header of error messages. */
#include "pcaprec/decode.h"
#include "pcaprec/util.h"

/* Error messages quote the offending IP header after 8 bytes (RFC 792). */
static bool icmp_is_error(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/*
 * Header at p[0..len): type, code, checksum (4 bytes) are the fixed part;
 * the next 4 bytes (`rest`) are needed too (every ICMP message has them).
 * With `details`: echo (8/0) id and sequence, and inner_off for errors.
 */
int dec_icmp(const uint8_t *p, size_t len, uint32_t off, bool details, struct dec_packet *out)
{
	struct cursor c = cur_make(p, len);
	struct dec_icmp *m = &out->icmp;

	out->tp.proto = DEC_P_ICMP;
	out->tp.off = off;
	if (!rd_u8(&c, &m->type) || !rd_u8(&c, &m->code) || !rd_be16(&c, &m->csum) ||
	    !rd_be32(&c, &m->rest))
		return dec_fail(out, &out->tp, DEC_TRUNCATED, off, "ICMP header");
	out->tp.hdr_len = 8;
	out->tp.status = DEC_OK;
	if (!details)
		return DEC_OK;
	if (m->type == 0 || m->type == 8) {
		m->is_echo = true;
		m->id = (uint16_t)(m->rest >> 16);
		m->seq = (uint16_t)m->rest;
	} else if (icmp_is_error(m->type) && len > 8) {
		m->inner_off = off + 8;
	}
	return DEC_OK;
}
