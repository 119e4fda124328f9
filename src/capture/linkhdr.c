/* SPDX-License-Identifier: BSD-2-Clause */
/* Pure link-header helpers for capture: ARPHRD to LINKTYPE, 802.1Q tag re-insertion, SLL2 headers. */
#include <string.h>

#include <linux/if_arp.h>

#include "pcaprec/capture.h"
#include "pcaprec/util.h"

uint32_t capture_linktype_for_arphrd(uint16_t arphrd)
{
	switch (arphrd) {
	case ARPHRD_ETHER:
		return LINKTYPE_ETHERNET;
	case ARPHRD_LOOPBACK:
		/* Linux lo carries a fake Ethernet header with zero addresses. */
		return LINKTYPE_ETHERNET;
	case ARPHRD_NONE:
		/* tun and wireguard: the frame starts at the IPv4 or IPv6 header. */
		return LINKTYPE_RAW;
	default:
		return 0;
	}
}

/*
 * IEEE 802.1Q-2018 section 9: the tag (TPID, then PCP/DEI/VID as the TCI)
 * sits between the source address and the original EtherType.
 */
uint8_t *capture_vlan_insert(uint8_t *frame, size_t len, uint16_t tpid, uint16_t tci)
{
	uint8_t *start = frame - VLAN_TAG_LEN;

	if (len < 12)
		return NULL;
	memmove(start, frame, 12);
	st_be16(start + 12, tpid);
	st_be16(start + 14, tci);
	return start;
}

/* https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html: all fields big-endian. */
void capture_sll2_header(uint8_t out[SLL2_HDR_LEN], uint16_t protocol_be, uint32_t ifindex,
			 uint16_t hatype, uint8_t pkttype, uint8_t halen, const uint8_t *addr)
{
	/* protocol_be is already in network order, as sockaddr_ll stores it. */
	memcpy(out, &protocol_be, 2);
	out[2] = 0;
	out[3] = 0;
	st_be32(out + 4, ifindex);
	st_be16(out + 8, hatype);
	out[10] = pkttype;
	out[11] = halen;
	memset(out + 12, 0, 8);
	if (addr)
		memcpy(out + 12, addr, halen < 8 ? halen : 8);
}
