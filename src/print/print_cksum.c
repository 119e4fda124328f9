/* SPDX-License-Identifier: BSD-2-Clause */
/* Internet checksums (RFC 1071) of IPv4 headers and TCP/UDP/ICMP/ICMPv6 messages, for -v output. */
#include "pcaprec/print.h"
#include "pcaprec/util.h"

/* Adds p[0..n) as big-endian 16-bit words (odd tail padded with zero) to sum. */
static uint64_t sum_words(const uint8_t *p, size_t n, uint64_t sum)
{
	size_t i;
	for (i = 0; i + 1 < n; i += 2)
		sum += ld_be16(p + i);
	if (i < n)
		sum += (uint64_t)p[i] << 8;
	return sum;
}

static uint16_t fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/*
 * Checks a checksum field at p[field] over p[0..n) plus `pseudo`. Returns
 * true when the sum over everything (field included) is 0xffff; *want gets
 * the value the field should hold.
 */
static bool cksum_check(const uint8_t *p, size_t n, size_t field, uint64_t pseudo, uint16_t *want)
{
	uint64_t all = sum_words(p, n, pseudo);
	uint16_t stored = ld_be16(p + field);
	uint64_t without = all + (uint16_t)~stored; /* one's-complement subtraction of the field */

	*want = (uint16_t)~fold(without);
	return fold(all) == 0xffff;
}

int print_cksum_ipv4(const struct frame *f, const struct dec_packet *d, uint16_t *want)
{
	if (d->net.proto != DEC_P_IPV4 || d->net.status != DEC_OK ||
	    f->caplen < d->net.off + d->ip.hdr_len)
		return -1;
	return cksum_check(f->data + d->net.off, d->ip.hdr_len, 10, 0, want) ? 1 : 0;
}

/* RFC 793 / RFC 768 / RFC 8200 8.1 pseudo-header sum for `len` upper-layer bytes. */
static uint64_t pseudo_sum(const struct frame *f, const struct dec_packet *d, uint32_t len)
{
	size_t alen = d->ip.version == 6 ? 16 : 4;
	uint8_t final[16];
	const uint8_t *dst = d->ip.version == 6 && print_ip6_final_dst(f, d, final) ? final : d->ip.dst;
	uint64_t s = sum_words(d->ip.src, alen, 0);
	s = sum_words(dst, alen, s);
	return s + (len >> 16) + (len & 0xffff) + d->ip.proto;
}

int print_cksum_l4(const struct frame *f, const struct dec_packet *d, uint16_t *want)
{
	uint32_t len = d->ip.payload_len;
	size_t field;
	uint64_t pseudo;

	if (d->tp.status != DEC_OK || d->ip.has_frag)
		return -1;
	switch (d->tp.proto) {
	case DEC_P_TCP:
		field = 16;
		break;
	case DEC_P_UDP:
		field = 6;
		if (d->udp.length < len)
			len = d->udp.length;
		break;
	case DEC_P_ICMP:
	case DEC_P_ICMPV6:
		field = 2;
		break;
	default:
		return -1;
	}
	if (len < field + 2 || f->caplen < d->tp.off || f->caplen - d->tp.off < len)
		return -1; /* not all of the message was captured */
	pseudo = d->tp.proto == DEC_P_ICMP ? 0 : pseudo_sum(f, d, len);
	return cksum_check(f->data + d->tp.off, len, field, pseudo, want) ? 1 : 0;
}
