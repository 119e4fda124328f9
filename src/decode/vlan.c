/* SPDX-License-Identifier: BSD-2-Clause */
/* IEEE 802.1Q / 802.1ad VLAN tags, stacked (Q-in-Q), outermost first. */
#include "pcaprec/decode.h"
#include "pcaprec/util.h"

static bool is_tpid(uint16_t t)
{
	return t == 0x8100 || t == 0x88a8 || t == 0x9100;
}

/*
 * A tag is TPID, then TCI = PCP:3 DEI:1 VID:12 (IEEE 802.1Q-2018 9.5),
 * followed by the next type field. `tpid` is the TPID already read; p points
 * at its TCI. Reads tags while the next type is a TPID; stores up to
 * DEC_MAX_VLAN (sets vlan_more beyond), sets l2.ethertype to the first
 * non-TPID type and *used to the bytes consumed from p through that type.
 */
int dec_vlan_tags(const uint8_t *p, size_t len, uint32_t off, uint16_t tpid,
		  struct dec_packet *out, size_t *used)
{
	struct cursor c = cur_make(p, len);
	uint16_t tci, next;

	for (;;) {
		uint32_t at = off + (uint32_t)(c.p - p);
		if (!rd_be16(&c, &tci))
			return dec_fail(out, &out->link, DEC_TRUNCATED, at, "VLAN tag");
		if (out->l2.nvlan < DEC_MAX_VLAN) {
			struct dec_vlan *v = &out->l2.vlan[out->l2.nvlan++];
			v->tpid = tpid;
			v->pcp = (uint8_t)(tci >> 13);
			v->dei = (uint8_t)((tci >> 12) & 1);
			v->vid = tci & 0x0fff;
		} else {
			out->l2.vlan_more = true;
		}
		/* a tag whose TCI was captured is kept even when the type after it is cut */
		if (!rd_be16(&c, &next))
			return dec_fail(out, &out->link, DEC_TRUNCATED, at, "VLAN tag");
		if (!is_tpid(next))
			break;
		tpid = next;
	}
	out->l2.ethertype = next;
	*used = (size_t)(c.p - p);
	return DEC_OK;
}
