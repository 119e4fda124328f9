/* SPDX-License-Identifier: BSD-2-Clause */
/* Community ID v1: SHA-1 (nettle) over seed, ordered endpoints, protocol and ports, base64-encoded with a "1:" prefix. */
#include <nettle/base64.h>
#include <nettle/sha1.h>
#include <string.h>

#include "pcaprec/community_id.h"
#include "pcaprec/util.h"

enum { IPPROTO_ICMP_ = 1, IPPROTO_TCP_ = 6, IPPROTO_UDP_ = 17, IPPROTO_ICMPV6_ = 58, IPPROTO_SCTP_ = 132 };

/*
 * ICMP and ICMPv6 types that have a counterpart (request/reply pairs, as
 * Zeek maps them): the pair becomes (type, counter-type) and may be
 * reordered; any other type is (type, code), one-way.
 */
static bool icmp_ports(uint8_t proto, uint16_t type, uint16_t code, uint16_t *sp, uint16_t *dp)
{
	static const uint8_t v4[][2] = { { 8, 0 }, { 0, 8 }, { 13, 14 }, { 14, 13 }, { 15, 16 }, { 16, 15 },
					 { 10, 9 }, { 9, 10 }, { 17, 18 }, { 18, 17 } };
	static const uint8_t v6[][2] = { { 128, 129 }, { 129, 128 }, { 130, 131 }, { 131, 130 }, { 133, 134 },
					 { 134, 133 }, { 135, 136 }, { 136, 135 }, { 139, 140 }, { 140, 139 },
					 { 144, 145 }, { 145, 144 } };
	const uint8_t (*t)[2] = proto == IPPROTO_ICMP_ ? v4 : v6;
	size_t n = proto == IPPROTO_ICMP_ ? sizeof v4 / sizeof v4[0] : sizeof v6 / sizeof v6[0];

	*sp = type;
	for (size_t i = 0; i < n; i++) {
		if (t[i][0] == type) {
			*dp = t[i][1];
			return false;
		}
	}
	*dp = code;
	return true;
}

char *community_id(int family, uint8_t proto, const uint8_t *src, const uint8_t *dst, uint16_t sport,
		   uint16_t dport, uint16_t seed, char out[COMMUNITY_ID_LEN])
{
	size_t alen = family == 6 ? 16 : 4;
	bool ports = proto == IPPROTO_TCP_ || proto == IPPROTO_UDP_ || proto == IPPROTO_SCTP_;
	bool one_way = false;
	uint8_t buf[2 + 32 + 2 + 4], digest[SHA1_DIGEST_SIZE];
	const uint8_t *a = src, *b = dst;
	struct sha1_ctx ctx;
	size_t n = 0;
	int cmp;

	if (proto == IPPROTO_ICMP_ || proto == IPPROTO_ICMPV6_) {
		one_way = icmp_ports(proto, sport, dport, &sport, &dport);
		ports = true;
	}
	cmp = memcmp(src, dst, alen);
	if (!one_way && (cmp > 0 || (cmp == 0 && ports && sport > dport))) {
		uint16_t t = sport;

		a = dst;
		b = src;
		sport = dport;
		dport = t;
	}
	st_be16(buf, seed);
	n = 2;
	memcpy(buf + n, a, alen);
	n += alen;
	memcpy(buf + n, b, alen);
	n += alen;
	buf[n++] = proto;
	buf[n++] = 0;
	if (ports) {
		st_be16(buf + n, sport);
		st_be16(buf + n + 2, dport);
		n += 4;
	}
	sha1_init(&ctx);
	sha1_update(&ctx, n, buf);
	sha1_digest(&ctx, sizeof digest, digest);
	memcpy(out, "1:", 2);
	base64_encode_raw((char *)out + 2, sizeof digest, digest);
	out[2 + BASE64_ENCODE_RAW_LENGTH(SHA1_DIGEST_SIZE)] = '\0';
	return out;
}

bool community_id_valid(const char *s)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	if (!s || strncmp(s, "1:", 2) != 0 || strlen(s) != 30 || s[29] != '=')
		return false;
	for (size_t i = 2; i < 29; i++)
		if (!strchr(b64, s[i]))
			return false;
	return true;
}
