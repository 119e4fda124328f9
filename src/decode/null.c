/* SPDX-License-Identifier: BSD-2-Clause */
/* BSD loopback headers: LINKTYPE_NULL (host-order AF) and LINKTYPE_LOOP (network order). */
#include "pcaprec/decode.h"
#include "pcaprec/util.h"

/*
 * AF values for IP on the systems that write these files
 * (https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html): AF_INET is 2
 * everywhere; AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD/DragonFly),
 * 30 (macOS).
 */
static uint16_t af_ethertype(uint32_t af)
{
	switch (af) {
	case 2:
		return 0x0800;
	case 24:
	case 28:
	case 30:
		return 0x86dd;
	default:
		return 0;
	}
}

/*
 * 4-byte AF header. NULL files hold the writer's host order, which the
 * file does not record; like libpcap, a value with any bit set in the top
 * 16 bits is taken to be byte-swapped. LOOP is always big-endian.
 */
int dec_null(const uint8_t *p, size_t len, uint32_t off, bool loop, struct dec_packet *out)
{
	uint32_t af;

	out->link.proto = loop ? DEC_P_LOOP : DEC_P_NULL;
	out->link.off = off;
	if (len < 4)
		return dec_fail(out, &out->link, DEC_TRUNCATED, off, "loopback header");
	if (loop) {
		af = ld_be32(p);
	} else {
		af = ld_le32(p);
		if (af & 0xffff0000u)
			af = ld_be32(p);
	}
	out->l2.af = af;
	out->l2.ethertype = af_ethertype(af);
	out->link.hdr_len = 4;
	out->link.status = DEC_OK;
	return DEC_OK;
}
