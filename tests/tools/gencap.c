/* SPDX-License-Identifier: BSD-2-Clause */
/* Deterministic generator of large mixed-traffic pcap files for benchmarks. */
/*
 * usage: gencap SIZE OUT.pcap [SEED [GAP_US]]
 * Writes a microsecond pcap of about SIZE bytes (suffixes K/M/G) with a
 * fixed mix: TCP and UDP over IPv4 and IPv6, 802.1Q-tagged IPv4, ARP, ICMP,
 * ICMPv6, across many flows in the benchmark ranges 198.18.0.0/15 and
 * 2001:db8::/32. The same SIZE and SEED always give the same bytes. The
 * file is written here, not with pcaprec's writer, so it is a neutral input
 * for comparing pcaprec with the peer tools. GAP_US (default 20) is the
 * mean gap between packets in microseconds, so a trace can span hours.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcaprec/util.h"

#define NFLOWS 65536u

struct gen {
	uint64_t rng;
	uint64_t ts_us;
	uint8_t pkt[1600];
};

static uint32_t gen_rand(struct gen *g)
{
	g->rng = g->rng * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(g->rng >> 33);
}

static size_t put_eth(uint8_t *p, uint32_t flow, uint16_t ethertype, int vlan)
{
	static const uint8_t base[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x00 };
	size_t off = 12;

	memcpy(p, base, 6);
	p[4] = (uint8_t)(flow >> 8);
	p[5] = (uint8_t)flow;
	memcpy(p + 6, base, 6);
	p[10] = 0xff;
	p[11] = (uint8_t)(flow >> 3);
	if (vlan) {
		st_be16(p + off, 0x8100);
		st_be16(p + off + 2, (uint16_t)(100 + flow % 8));
		off += 4;
	}
	st_be16(p + off, ethertype);
	return off + 2;
}

/* RFC 1071 Internet checksum over an even-length header. */
static uint16_t ip_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += ld_be16(p + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static size_t put_ipv4(uint8_t *p, uint32_t flow, int rev, uint8_t proto, size_t l4len)
{
	uint32_t a = 0xc6120000u | (flow & 0x3ff);          /* 198.18.x.x clients */
	uint32_t b = 0xc6130000u | ((flow >> 10) & 0x3f);   /* 198.19.0.x servers */

	p[0] = 0x45;
	p[1] = 0;
	st_be16(p + 2, (uint16_t)(20 + l4len));
	st_be16(p + 4, (uint16_t)flow);
	st_be16(p + 6, 0x4000);
	p[8] = 64;
	p[9] = proto;
	st_be16(p + 10, 0);
	st_be32(p + 12, rev ? b : a);
	st_be32(p + 16, rev ? a : b);
	st_be16(p + 10, ip_csum(p, 20));
	return 20;
}

static size_t put_ipv6(uint8_t *p, uint32_t flow, int rev, uint8_t nh, size_t l4len)
{
	uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1 };
	uint8_t b[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2 };

	st_be32(a + 12, flow & 0x3ff);
	st_be32(b + 12, (flow >> 10) & 0x3f);
	st_be32(p, 0x60000000u);
	st_be16(p + 4, (uint16_t)l4len);
	p[6] = nh;
	p[7] = 64;
	memcpy(p + 8, rev ? b : a, 16);
	memcpy(p + 24, rev ? a : b, 16);
	return 40;
}

static void put_ports(uint8_t *p, uint32_t flow, int rev, uint16_t cport_base)
{
	static const uint16_t svc[] = { 443, 80, 53, 22, 8080, 123, 25, 993 };
	uint16_t cport = (uint16_t)(cport_base + (flow % 20000));
	uint16_t sport = svc[flow % 8];

	st_be16(p, rev ? sport : cport);
	st_be16(p + 2, rev ? cport : sport);
}

static size_t put_tcp(uint8_t *p, uint32_t flow, int rev, uint32_t seq, size_t paylen)
{
	put_ports(p, flow, rev, 20000);
	st_be32(p + 4, seq);
	st_be32(p + 8, seq ^ 0x5a5a5a5au);
	p[12] = 0x50;
	p[13] = (seq % 97 == 0) ? 0x02 : (seq % 89 == 0) ? 0x11 : 0x18;
	st_be16(p + 14, 65535);
	st_be16(p + 16, 0);
	st_be16(p + 18, 0);
	memset(p + 20, 0x61, paylen);
	return 20 + paylen;
}

static size_t put_udp(uint8_t *p, uint32_t flow, int rev, size_t paylen)
{
	put_ports(p, flow, rev, 30000);
	st_be16(p + 4, (uint16_t)(8 + paylen));
	st_be16(p + 6, 0);
	memset(p + 8, 0x62, paylen);
	return 8 + paylen;
}

static size_t put_arp(uint8_t *p, uint32_t flow)
{
	static const uint8_t hdr[8] = { 0, 1, 8, 0, 6, 4, 0, 1 };

	memcpy(p, hdr, 8);
	memset(p + 8, 0x02, 6);
	st_be32(p + 14, 0xc6120000u | (flow & 0x3ff));
	memset(p + 18, 0, 6);
	st_be32(p + 24, 0xc6130001u);
	return 28;
}

static size_t put_icmp(uint8_t *p, uint8_t type, uint32_t seq, size_t paylen)
{
	p[0] = type;
	p[1] = 0;
	st_be16(p + 2, 0);
	st_be16(p + 4, 0x1234);
	st_be16(p + 6, (uint16_t)seq);
	memset(p + 8, 0x63, paylen);
	return 8 + paylen;
}

/* Packets of the IPv4/IPv6 TCP/UDP kinds; `v6` picks the network layer. */
static size_t gen_ip_l4(struct gen *g, uint32_t flow, int rev, int v6, int udp,
			int vlan, uint32_t n, size_t pay)
{
	uint8_t *p = g->pkt;
	uint8_t proto = udp ? 17 : 6;
	size_t l4len = (udp ? 8 : 20) + pay;
	size_t off = put_eth(p, flow, v6 ? 0x86dd : 0x0800, vlan);

	off += v6 ? put_ipv6(p + off, flow, rev, proto, l4len)
		  : put_ipv4(p + off, flow, rev, proto, l4len);
	return off + (udp ? put_udp(p + off, flow, rev, pay) : put_tcp(p + off, flow, rev, n, pay));
}

/* One packet into g->pkt; returns its length. */
static size_t gen_packet(struct gen *g, uint32_t n)
{
	uint32_t r = gen_rand(g);
	uint32_t flow = gen_rand(g) % NFLOWS;
	int rev = (int)(r & 1);
	uint32_t kind = (r >> 1) % 100;
	size_t pay = (r >> 8) % 1400;
	uint8_t *p = g->pkt;
	size_t off;

	if (kind < 55)
		return gen_ip_l4(g, flow, rev, 0, 0, 0, n, pay);
	if (kind < 70)
		return gen_ip_l4(g, flow, rev, 0, 1, 0, n, pay % 512);
	if (kind < 82)
		return gen_ip_l4(g, flow, rev, 1, 0, 0, n, pay);
	if (kind < 88)
		return gen_ip_l4(g, flow, rev, 1, 1, 0, n, pay % 512);
	if (kind < 93)
		return gen_ip_l4(g, flow, rev, 0, 0, 1, n, pay);
	if (kind < 96) {
		off = put_eth(p, flow, 0x0800, 0);
		off += put_ipv4(p + off, flow, rev, 1, 8 + pay % 64);
		return off + put_icmp(p + off, rev ? 0 : 8, n, pay % 64);
	}
	if (kind < 98) {
		off = put_eth(p, flow, 0x86dd, 0);
		off += put_ipv6(p + off, flow, rev, 58, 8 + pay % 64);
		return off + put_icmp(p + off, rev ? 129 : 128, n, pay % 64);
	}
	off = put_eth(p, flow, 0x0806, 0);
	return off + put_arp(p + off, flow);
}

static void put_file_header(uint8_t hdr[24])
{
	st_le32(hdr, 0xa1b2c3d4u);
	st_le16(hdr + 4, 2);
	st_le16(hdr + 6, 4);
	st_le32(hdr + 8, 0);
	st_le32(hdr + 12, 0);
	st_le32(hdr + 16, 262144);
	st_le32(hdr + 20, 1);
}

int main(int argc, char **argv)
{
	struct gen g = { 0 };
	uint64_t target, seed = 1, written = 24, gap = 20;
	uint8_t hdr[24], rec[16];
	FILE *out;

	if (argc < 3 || !parse_size(argv[1], 1, false, &target) ||
	    (argc > 3 && !parse_uint(argv[3], 0, UINT64_MAX, &seed)) ||
	    (argc > 4 && !parse_uint(argv[4], 1, 1000000000, &gap))) {
		fprintf(stderr, "usage: gencap SIZE OUT.pcap [SEED [GAP_US]]\n");
		return 2;
	}
	out = fopen(argv[2], "wbx");
	if (!out) {
		fprintf(stderr, "gencap: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	setvbuf(out, NULL, _IOFBF, 1 << 20);
	put_file_header(hdr);
	fwrite(hdr, 1, sizeof hdr, out);
	g.rng = seed;
	g.ts_us = 1767225600ull * 1000000ull;   /* 2026-01-01T00:00:00Z */
	for (uint32_t n = 0; written < target; n++) {
		size_t len = gen_packet(&g, n);
		if (len < 60) {
			memset(g.pkt + len, 0, 60 - len);
			len = 60;
		}
		g.ts_us += 1 + gen_rand(&g) % (2 * gap);
		st_le32(rec, (uint32_t)(g.ts_us / 1000000u));
		st_le32(rec + 4, (uint32_t)(g.ts_us % 1000000u));
		st_le32(rec + 8, (uint32_t)len);
		st_le32(rec + 12, (uint32_t)len);
		fwrite(rec, 1, sizeof rec, out);
		fwrite(g.pkt, 1, len, out);
		written += sizeof rec + len;
	}
	if (fclose(out) != 0) {
		fprintf(stderr, "gencap: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	return 0;
}
