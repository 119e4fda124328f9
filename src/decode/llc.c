/* SPDX-License-Identifier: BSD-2-Clause */
/* IEEE 802.2 LLC header (DSAP, SSAP, control) and the SNAP extension. */
#include "pcaprec/decode.h"
#include "pcaprec/util.h"

/*
 * LLC at p[0..len) (IEEE 802.2-1998 3.2): DSAP, SSAP, then a 1-byte
 * control field for U-format PDUs (low two bits 11) or 2 bytes for I/S
 * formats. DSAP = SSAP = 0xAA with UI control is SNAP (RFC 1042): 3-byte
 * OUI and 2-byte type; OUI 0 makes that type the ethertype. Extends
 * link.hdr_len; an Ethernet link becomes DEC_P_LLC (802.3 framing), a
 * Linux cooked link stays what it is (l2.dsap... say LLC follows).
 */
int dec_llc(const uint8_t *p, size_t len, uint32_t off, struct dec_packet *out)
{
	struct cursor c = cur_make(p, len);
	uint8_t ctl;

	if (out->link.proto == DEC_P_ETHER)
		out->link.proto = DEC_P_LLC;
	if (!rd_u8(&c, &out->l2.dsap) || !rd_u8(&c, &out->l2.ssap) || !rd_u8(&c, &ctl))
		return dec_fail(out, &out->link, DEC_TRUNCATED, off, "LLC header");
	out->l2.llc_control = ctl;
	if ((ctl & 3) != 3) {
		uint8_t ctl2;
		if (!rd_u8(&c, &ctl2))
			return dec_fail(out, &out->link, DEC_TRUNCATED, off, "LLC control");
		out->l2.llc_control = (uint16_t)(ctl | ctl2 << 8);
	} else if (out->l2.dsap == 0xaa && out->l2.ssap == 0xaa && ctl == 0x03) {
		uint8_t oui[3];
		uint16_t type;
		if (!rd_bytes(&c, oui, 3) || !rd_be16(&c, &type))
			return dec_fail(out, &out->link, DEC_TRUNCATED, off, "SNAP header");
		out->l2.snap = true;
		out->l2.snap_oui = (uint32_t)oui[0] << 16 | (uint32_t)oui[1] << 8 | oui[2];
		if (out->l2.snap_oui == 0)
			out->l2.ethertype = type;
	}
	out->link.hdr_len += (uint32_t)(c.p - p);
	out->link.status = DEC_OK;
	return DEC_OK;
}
