/* SPDX-License-Identifier: BSD-2-Clause */
/* Community ID v1 flow hashing (corelight/community-id-spec), as Zeek, Suricata and Wireshark compute it. */
#ifndef PCAPREC_COMMUNITY_ID_H
#define PCAPREC_COMMUNITY_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "1:" + base64 of 20 bytes + NUL. */
#define COMMUNITY_ID_LEN 32u

/*
 * The Community ID of a flow: `family` 4 or 6, addresses in network order
 * (4 or 16 bytes), `proto` the IP protocol. For TCP, UDP and SCTP `sport`
 * and `dport` are the ports; for ICMP (1) and ICMPv6 (58) they are the
 * message type and code, mapped to port equivalents as the spec does
 * (requests and their replies give the same ID; other types are one-way
 * and keep their direction); other protocols ignore them. Endpoints are
 * ordered so the smaller (address, port) comes first. `seed` is the
 * 16-bit seed (0 by default). Writes the NUL-terminated ID into `out`
 * (COMMUNITY_ID_LEN bytes) and returns it.
 */
char *community_id(int family, uint8_t proto, const uint8_t *src, const uint8_t *dst, uint16_t sport,
		   uint16_t dport, uint16_t seed, char out[COMMUNITY_ID_LEN]);

/* True when `s` has the form of a v1 Community ID ("1:" and 28 base64 characters). */
bool community_id_valid(const char *s);

#endif
