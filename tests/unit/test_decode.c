/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the protocol decoders: table rows of packet bytes -> fields, truncation at every offset, invalid fields. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "pcaprec/decode.h"
#include "pcaprec/util.h"
#include "pcaprec/frame.h"

/*
 * Sample packets, built with scapy 2.5 (tests/unit/test_decode.c rows were
 * generated once with Debian's python3-scapy and pasted as hex; each row
 * below states the fields scapy was asked to build).
 */
#define ETH_IPV4_TCP_SYN \
	"02000000000202000000000108004500003c000140004006b6b7c0000201c00002029c400050000003e800000000a002" \
	"faf0f8590000020405b40402080a000030390000000001030307"
#define ETH_IPV4_TCP_DATA \
	"020000000002020000000001080045000039000100004006f6bac0000201c00002029c400050000003e9000013898018" \
	"01f60c2900000101050a000004b0000005146162636465"
#define ETH_IPV4_UDP_PAD \
	"02000000000202000000000108004500001e0001000007112fcbc0000201c000020213881389000aec5b686900000000" \
	"000000000000000000000000"
#define ETH_IPV4_ICMP_ECHO \
	"020000000002020000000001080045000024000100004001f6d4c0000201c00002020800240312340007707070707070" \
	"7070"
#define ETH_ARP_REQ \
	"ffffffffffff02000000000108060001080006040001020000000001c0000201000000000000c0000202"
#define QINQ_IPV4_UDP \
	"02000000000202000000000188a8a0648100101408004500001d000100004011f6cbc0000201c00002021b581b590009" \
	"cf2676"
#define ETH_IPV6_EXT_UDP \
	"02000000000202000000000186dd620123450033004020010db800000000000000000000000120010db8000000000000" \
	"0000000000022b000104000000003c0200010000000020010db800000000000000000000000311000104000000001772" \
	"1773000b9c04657874"
#define ETH_IPV6_FRAG_FIRST \
	"02000000000202000000000186dd6000000000182c4020010db800000000000000000000000120010db8000000000000" \
	"00000000000211000001000000991776177703f0d7f26666666666666666"
#define ETH_IPV6_FRAG_LATER \
	"02000000000202000000000186dd6000000000102c4020010db800000000000000000000000120010db8000000000000" \
	"00000000000211000030000000996767676767676767"
#define ETH_IPV4_FRAG_LATER \
	"02000000000202000000000108004500002c004d00054006f676c0000201c00002026969696969696969696969696969" \
	"69696969696969696969"
#define ETH_IPV6_NS \
	"02000000000202000000000186dd6000000000183aff20010db8000000000000000000000001ff020000000000000000" \
	"0001ff00000287001f310000000020010db8000000000000000000000002"
#define ETH_IPV6_RA \
	"02000000000202000000000186dd6000000000103afffe800000000000000000000000000002ff020000000000000000" \
	"0000000000018600bb854088070800007530000003e8"
#define ETH_IPV6_ECHO \
	"02000000000202000000000186dd60000000000c3a4020010db800000000000000000000000120010db8000000000000" \
	"0000000000028000596a0007000865656565"
#define LLC_SNAP_IPV4 \
	"0200000000020200000000010028aaaa03000000080045000020000100004011f6c8c0000201c000020200070007000c" \
	"b6fd61626364"
#define LLC_STP \
	"0180c2000000020000000001000742420300000000"
#define SLL_IPV4_TCP \
	"0004000100060200000000010000080045000028000100004006f6cbc0000201c0000202000100020000000500000006" \
	"501020000bc30000"
#define IPV4_OPTS_UDP \
	"47000027000100004011dff8c0000201c0000202070704c000020900045708ae000b8b5e6f7074"
#define IPV6_TCP \
	"600000000014064020010db800000000000000000000000120010db80000000000000000000000020003000400000009" \
	"0000000050022000345e0000"

#define MAXPKT 512

/* Hex text -> bytes; returns the length. */
static size_t unhex(const char *hex, uint8_t *out)
{
	size_t n = strlen(hex) / 2;
	assert_true(n <= MAXPKT);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void assert_ip(int version, const uint8_t *addr, const char *want)
{
	char s[64];
	assert_non_null(inet_ntop(version == 6 ? AF_INET6 : AF_INET, addr, s, sizeof s));
	assert_string_equal(s, want);
}

struct row {
	const char *name;
	uint32_t linktype;
	const char *hex;
	uint32_t need;            /* captured bytes needed for DEC_OK (headers end) */
	uint8_t link, net, tp;    /* expected DEC_P_* */
	uint16_t ethertype;
	const char *src, *dst;    /* IP addresses, NULL when none */
	uint16_t sport, dport;
	uint32_t payload_len;
	void (*check)(const struct dec_packet *d);
};

static void chk_syn(const struct dec_packet *d)
{
	const struct dec_tcp *t = &d->tcp;
	assert_int_equal(d->ip.ttl, 64);
	assert_int_equal(d->ip.id, 1);
	assert_true(d->ip.df);
	assert_false(d->ip.mf);
	assert_int_equal(t->flags, TCP_SYN);
	assert_int_equal(t->seq, 1000);
	assert_int_equal(t->win, 64240);
	assert_int_equal(t->doff, 40);
	assert_int_equal(t->nopt, 5);
	static const uint8_t kinds[] = { 2, 4, 8, 1, 3 };
	for (int i = 0; i < 5; i++)
		assert_int_equal(t->opt[i].kind, kinds[i]);
	assert_true(t->has_mss);
	assert_int_equal(t->mss, 1460);
	assert_true(t->sack_perm);
	assert_true(t->has_ts);
	assert_int_equal(t->ts_val, 12345);
	assert_int_equal(t->ts_ecr, 0);
	assert_true(t->has_ws);
	assert_int_equal(t->ws, 7);
	assert_false(t->opt_bad);
}

static void chk_data(const struct dec_packet *d)
{
	const struct dec_tcp *t = &d->tcp;
	assert_int_equal(t->flags, TCP_PSH | TCP_ACK);
	assert_int_equal(t->seq, 1001);
	assert_int_equal(t->ack, 5001);
	assert_int_equal(t->win, 502);
	assert_int_equal(t->nsack, 1);
	assert_int_equal(t->sack[0][0], 1200);
	assert_int_equal(t->sack[0][1], 1300);
	assert_int_equal(d->payload_off, 66);
	assert_int_equal(d->payload_caplen, 5);
}

static void chk_udp_pad(const struct dec_packet *d)
{
	assert_int_equal(d->udp.len, 10);
	assert_int_equal(d->ip.ttl, 7);
	assert_int_equal(d->ip.total_len, 30);
	assert_int_equal(d->payload_caplen, 2); /* Ethernet padding is not payload */
}

static void chk_icmp_echo(const struct dec_packet *d)
{
	assert_int_equal(d->icmp.type, 8);
	assert_true(d->icmp.is_echo);
	assert_int_equal(d->icmp.id, 0x1234);
	assert_int_equal(d->icmp.seq, 7);
}

static void chk_arp(const struct dec_packet *d)
{
	static const uint8_t sha[6] = { 2, 0, 0, 0, 0, 1 };
	assert_int_equal(d->arp.op, 1);
	assert_true(d->arp.eth_ipv4);
	assert_memory_equal(d->arp.sha, sha, 6);
	assert_ip(4, d->arp.spa, "192.0.2.1");
	assert_ip(4, d->arp.tpa, "192.0.2.2");
	assert_int_equal(d->net.hdr_len, 28);
}

static void chk_qinq(const struct dec_packet *d)
{
	assert_int_equal(d->l2.nvlan, 2);
	assert_int_equal(d->l2.vlan[0].tpid, 0x88a8);
	assert_int_equal(d->l2.vlan[0].pcp, 5);
	assert_int_equal(d->l2.vlan[0].dei, 0);
	assert_int_equal(d->l2.vlan[0].vid, 100);
	assert_int_equal(d->l2.vlan[1].tpid, 0x8100);
	assert_int_equal(d->l2.vlan[1].dei, 1);
	assert_int_equal(d->l2.vlan[1].vid, 20);
	assert_int_equal(d->l2.type_len, 0x88a8);
	assert_int_equal(d->link.hdr_len, 22);
}

static void chk_ip6_ext(const struct dec_packet *d)
{
	assert_int_equal(d->ip.n_ext, 3);
	assert_int_equal(d->ip.ext[0], 0);
	assert_int_equal(d->ip.ext[1], 43);
	assert_int_equal(d->ip.ext[2], 60);
	assert_int_equal(d->ip.ext_off[0], 54);
	assert_int_equal(d->ip.ext_len[0], 8);
	assert_int_equal(d->ip.ext_off[1], 62);
	assert_int_equal(d->ip.ext_len[1], 24);
	assert_int_equal(d->ip.ext_off[2], 86);
	assert_int_equal(d->ip.ext_len[2], 8);
	assert_int_equal(d->ip.next_hdr, 0);
	assert_int_equal(d->ip.proto, 17);
	assert_int_equal(d->ip.flowlabel, 0x12345);
	assert_int_equal(d->ip.tos, 0x20);
	assert_int_equal(d->net.hdr_len, 80);
}

static void chk_frag_first(const struct dec_packet *d)
{
	assert_true(d->ip.has_frag);
	assert_true(d->ip.mf);
	assert_int_equal(d->ip.frag_off, 0);
	assert_int_equal(d->ip.id, 0x99);
	assert_int_equal(d->udp.len, 1008);
}

static void chk_frag6_later(const struct dec_packet *d)
{
	assert_true(d->ip.has_frag);
	assert_false(d->ip.mf);
	assert_int_equal(d->ip.frag_off, 48);
	assert_int_equal(d->ip.proto, 17);
	assert_int_equal(d->tp.status, DEC_NONE);
}

static void chk_frag4_later(const struct dec_packet *d)
{
	assert_true(d->ip.has_frag);
	assert_int_equal(d->ip.frag_off, 40);
	assert_int_equal(d->ip.id, 77);
	assert_int_equal(d->ip.proto, 6);
	assert_int_equal(d->tp.status, DEC_NONE);
}

static void chk_ns(const struct dec_packet *d)
{
	assert_int_equal(d->icmp.type, 135);
	assert_true(d->icmp.has_target);
	assert_ip(6, d->icmp.target, "2001:db8::2");
	assert_int_equal(d->ip.ttl, 255);
}

static void chk_ra(const struct dec_packet *d)
{
	assert_int_equal(d->icmp.type, 134);
	assert_int_equal(d->icmp.ra_hop_limit, 64);
	assert_int_equal(d->icmp.nd_flags, 0x88); /* M, router preference high (scapy default) */
	assert_int_equal(d->icmp.ra_lifetime, 1800);
	assert_int_equal(d->icmp.ra_reachable, 30000);
	assert_int_equal(d->icmp.ra_retrans, 1000);
}

static void chk_echo6(const struct dec_packet *d)
{
	assert_int_equal(d->icmp.type, 128);
	assert_true(d->icmp.is_echo);
	assert_int_equal(d->icmp.id, 7);
	assert_int_equal(d->icmp.seq, 8);
}

static void chk_snap(const struct dec_packet *d)
{
	assert_true(d->l2.snap);
	assert_int_equal(d->l2.snap_oui, 0);
	assert_int_equal(d->l2.llc_length, 40);
	assert_int_equal(d->l2.dsap, 0xaa);
	assert_int_equal(d->link.hdr_len, 22);
}

static void chk_stp(const struct dec_packet *d)
{
	assert_int_equal(d->l2.dsap, 0x42);
	assert_int_equal(d->l2.ssap, 0x42);
	assert_int_equal(d->l2.llc_control, 3);
	assert_false(d->l2.snap);
	assert_int_equal(d->net.status, DEC_NONE);
}

static void chk_sll(const struct dec_packet *d)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	assert_int_equal(d->l2.sll_pkttype, 4);
	assert_int_equal(d->l2.sll_hatype, 1);
	assert_int_equal(d->l2.sll_halen, 6);
	assert_memory_equal(d->l2.sll_addr, mac, 6);
	assert_int_equal(d->tcp.flags, TCP_ACK);
}

static void chk_sll2(const struct dec_packet *d)
{
	assert_int_equal(d->l2.sll_ifindex, 2);
	assert_int_equal(d->l2.sll_pkttype, 4);
	assert_int_equal(d->link.hdr_len, 20);
}

static void chk_sll_vlan(const struct dec_packet *d)
{
	assert_int_equal(d->l2.nvlan, 1);
	assert_int_equal(d->l2.vlan[0].vid, 42);
	assert_int_equal(d->link.hdr_len, 24);
}

static void chk_sll_llc(const struct dec_packet *d)
{
	assert_int_equal(d->l2.type_len, 4);
	assert_int_equal(d->l2.dsap, 0x42);
	assert_int_equal(d->l2.llc_control, 3);
	assert_int_equal(d->link.hdr_len, 19);
}

static void chk_ipopts(const struct dec_packet *d)
{
	assert_int_equal(d->ip.hdr_len, 28);
	assert_int_equal(d->ip.opt_len, 8);
}

static void chk_af_swapped(const struct dec_packet *d)
{
	assert_int_equal(d->l2.af, 2);
}

static void chk_vlan_many(const struct dec_packet *d)
{
	assert_int_equal(d->l2.nvlan, DEC_MAX_VLAN);
	assert_true(d->l2.vlan_more);
	assert_int_equal(d->l2.vlan[3].vid, 4);
	assert_int_equal(d->link.hdr_len, 14 + 5 * 4);
}

#define SLL2_HDR(proto) proto "0000" "00000002" "0001" "04" "06" "0200000000010000"
#define VLAN5 "8100" "0001" "8100" "0002" "8100" "0003" "8100" "0004" "8100" "0005" "0800"

static const struct row rows[] = {
	{ "eth ipv4 tcp syn", LINKTYPE_ETHERNET, ETH_IPV4_TCP_SYN, 74, DEC_P_ETHER, DEC_P_IPV4,
	  DEC_P_TCP, 0x0800, "192.0.2.1", "192.0.2.2", 40000, 80, 0, chk_syn },
	{ "eth ipv4 tcp data", LINKTYPE_ETHERNET, ETH_IPV4_TCP_DATA, 66, DEC_P_ETHER, DEC_P_IPV4,
	  DEC_P_TCP, 0x0800, "192.0.2.1", "192.0.2.2", 40000, 80, 5, chk_data },
	{ "eth ipv4 udp padded", LINKTYPE_ETHERNET, ETH_IPV4_UDP_PAD, 42, DEC_P_ETHER, DEC_P_IPV4,
	  DEC_P_UDP, 0x0800, "192.0.2.1", "192.0.2.2", 5000, 5001, 2, chk_udp_pad },
	{ "eth ipv4 icmp echo", LINKTYPE_ETHERNET, ETH_IPV4_ICMP_ECHO, 42, DEC_P_ETHER, DEC_P_IPV4,
	  DEC_P_ICMP, 0x0800, "192.0.2.1", "192.0.2.2", 0, 0, 8, chk_icmp_echo },
	{ "eth arp request", LINKTYPE_ETHERNET, ETH_ARP_REQ, 42, DEC_P_ETHER, DEC_P_ARP, DEC_P_NONE,
	  0x0806, NULL, NULL, 0, 0, 0, chk_arp },
	{ "802.1ad+802.1Q ipv4 udp", LINKTYPE_ETHERNET, QINQ_IPV4_UDP, 50, DEC_P_ETHER, DEC_P_IPV4,
	  DEC_P_UDP, 0x0800, "192.0.2.1", "192.0.2.2", 7000, 7001, 1, chk_qinq },
	{ "eth ipv6 hbh+rt+dst udp", LINKTYPE_ETHERNET, ETH_IPV6_EXT_UDP, 102, DEC_P_ETHER, DEC_P_IPV6,
	  DEC_P_UDP, 0x86dd, "2001:db8::1", "2001:db8::2", 6002, 6003, 3, chk_ip6_ext },
	{ "eth ipv6 first fragment", LINKTYPE_ETHERNET, ETH_IPV6_FRAG_FIRST, 70, DEC_P_ETHER,
	  DEC_P_IPV6, DEC_P_UDP, 0x86dd, "2001:db8::1", "2001:db8::2", 6006, 6007, 1000,
	  chk_frag_first },
	{ "eth ipv6 later fragment", LINKTYPE_ETHERNET, ETH_IPV6_FRAG_LATER, 62, DEC_P_ETHER,
	  DEC_P_IPV6, DEC_P_NONE, 0x86dd, "2001:db8::1", "2001:db8::2", 0, 0, 8, chk_frag6_later },
	{ "eth ipv4 later fragment", LINKTYPE_ETHERNET, ETH_IPV4_FRAG_LATER, 34, DEC_P_ETHER,
	  DEC_P_IPV4, DEC_P_NONE, 0x0800, "192.0.2.1", "192.0.2.2", 0, 0, 24, chk_frag4_later },
	{ "eth icmpv6 neighbour solicitation", LINKTYPE_ETHERNET, ETH_IPV6_NS, 78, DEC_P_ETHER,
	  DEC_P_IPV6, DEC_P_ICMPV6, 0x86dd, "2001:db8::1", "ff02::1:ff00:2", 0, 0, 16, chk_ns },
	{ "eth icmpv6 router advertisement", LINKTYPE_ETHERNET, ETH_IPV6_RA, 70, DEC_P_ETHER,
	  DEC_P_IPV6, DEC_P_ICMPV6, 0x86dd, "fe80::2", "ff02::1", 0, 0, 8, chk_ra },
	{ "eth icmpv6 echo", LINKTYPE_ETHERNET, ETH_IPV6_ECHO, 62, DEC_P_ETHER, DEC_P_IPV6,
	  DEC_P_ICMPV6, 0x86dd, "2001:db8::1", "2001:db8::2", 0, 0, 4, chk_echo6 },
	{ "802.3 llc snap ipv4", LINKTYPE_ETHERNET, LLC_SNAP_IPV4, 50, DEC_P_LLC, DEC_P_IPV4,
	  DEC_P_UDP, 0x0800, "192.0.2.1", "192.0.2.2", 7, 7, 4, chk_snap },
	{ "802.3 llc stp", LINKTYPE_ETHERNET, LLC_STP, 17, DEC_P_LLC, DEC_P_OTHER, DEC_P_NONE, 0,
	  NULL, NULL, 0, 0, 4, chk_stp },
	{ "sll ipv4 tcp", LINKTYPE_LINUX_SLL, SLL_IPV4_TCP, 56, DEC_P_SLL, DEC_P_IPV4, DEC_P_TCP,
	  0x0800, "192.0.2.1", "192.0.2.2", 1, 2, 0, chk_sll },
	{ "sll2 ipv4 udp", LINKTYPE_LINUX_SLL2, SLL2_HDR("0800") IPV4_OPTS_UDP, 56, DEC_P_SLL2,
	  DEC_P_IPV4, DEC_P_UDP, 0x0800, "192.0.2.1", "192.0.2.2", 1111, 2222, 3, chk_sll2 },
	{ "sll2 vlan ipv6", LINKTYPE_LINUX_SLL2, SLL2_HDR("8100") "002a86dd" IPV6_TCP, 84,
	  DEC_P_SLL2, DEC_P_IPV6, DEC_P_TCP, 0x86dd, "2001:db8::1", "2001:db8::2", 3, 4, 0,
	  chk_sll_vlan },
	{ "sll 802.2 llc", LINKTYPE_LINUX_SLL, "0002000100060200000000010000" "0004" "424203" "00000000",
	  19, DEC_P_SLL, DEC_P_OTHER, DEC_P_NONE, 0, NULL, NULL, 0, 0, 4, chk_sll_llc },
	{ "raw ipv4 options udp", LINKTYPE_RAW, IPV4_OPTS_UDP, 36, DEC_P_RAWIP, DEC_P_IPV4,
	  DEC_P_UDP, 0x0800, "192.0.2.1", "192.0.2.2", 1111, 2222, 3, chk_ipopts },
	{ "raw ipv6 tcp", LINKTYPE_RAW, IPV6_TCP, 60, DEC_P_RAWIP, DEC_P_IPV6, DEC_P_TCP, 0x86dd,
	  "2001:db8::1", "2001:db8::2", 3, 4, 0, NULL },
	{ "linktype ipv4", LINKTYPE_IPV4, IPV4_OPTS_UDP, 36, DEC_P_RAWIP, DEC_P_IPV4, DEC_P_UDP,
	  0x0800, "192.0.2.1", "192.0.2.2", 1111, 2222, 3, NULL },
	{ "linktype ipv6", LINKTYPE_IPV6, IPV6_TCP, 60, DEC_P_RAWIP, DEC_P_IPV6, DEC_P_TCP, 0x86dd,
	  "2001:db8::1", "2001:db8::2", 3, 4, 0, NULL },
	{ "null little-endian AF_INET", LINKTYPE_NULL, "02000000" IPV4_OPTS_UDP, 40, DEC_P_NULL,
	  DEC_P_IPV4, DEC_P_UDP, 0x0800, "192.0.2.1", "192.0.2.2", 1111, 2222, 3, NULL },
	{ "null big-endian AF_INET", LINKTYPE_NULL, "00000002" IPV4_OPTS_UDP, 40, DEC_P_NULL,
	  DEC_P_IPV4, DEC_P_UDP, 0x0800, "192.0.2.1", "192.0.2.2", 1111, 2222, 3, chk_af_swapped },
	{ "null AF 24 ipv6", LINKTYPE_NULL, "18000000" IPV6_TCP, 64, DEC_P_NULL, DEC_P_IPV6,
	  DEC_P_TCP, 0x86dd, "2001:db8::1", "2001:db8::2", 3, 4, 0, NULL },
	{ "null AF 28 ipv6", LINKTYPE_NULL, "1c000000" IPV6_TCP, 64, DEC_P_NULL, DEC_P_IPV6,
	  DEC_P_TCP, 0x86dd, "2001:db8::1", "2001:db8::2", 3, 4, 0, NULL },
	{ "null AF 30 ipv6", LINKTYPE_NULL, "1e000000" IPV6_TCP, 64, DEC_P_NULL, DEC_P_IPV6,
	  DEC_P_TCP, 0x86dd, "2001:db8::1", "2001:db8::2", 3, 4, 0, NULL },
	{ "loop AF 24 ipv6", LINKTYPE_LOOP, "00000018" IPV6_TCP, 64, DEC_P_LOOP, DEC_P_IPV6,
	  DEC_P_TCP, 0x86dd, "2001:db8::1", "2001:db8::2", 3, 4, 0, NULL },
	{ "null unknown AF", LINKTYPE_NULL, "07000000" IPV6_TCP, 4, DEC_P_NULL, DEC_P_OTHER,
	  DEC_P_NONE, 0, NULL, NULL, 0, 0, 60, NULL },
	{ "five stacked vlan tags", LINKTYPE_ETHERNET, "020000000002020000000001" VLAN5 IPV4_OPTS_UDP,
	  70, DEC_P_ETHER, DEC_P_IPV4, DEC_P_UDP, 0x0800, "192.0.2.1", "192.0.2.2", 1111, 2222, 3,
	  chk_vlan_many },
	{ "unknown ethertype", LINKTYPE_ETHERNET, "02000000000202000000000188b5414243", 14,
	  DEC_P_ETHER, DEC_P_OTHER, DEC_P_NONE, 0x88b5, NULL, NULL, 0, 0, 3, NULL },
	{ "unknown link type", 147, "0102030405", 0, DEC_P_OTHER, DEC_P_NONE, DEC_P_NONE, 0, NULL,
	  NULL, 0, 0, 0, NULL },
};

/* Decode `n` bytes copied into a buffer of exactly that size, so ASan sees any over-read. */
static void decode_exact(const struct row *r, const uint8_t *pkt, size_t n, uint32_t origlen,
			 enum dec_depth depth, struct dec_packet *d)
{
	uint8_t *copy = malloc(n ? n : 1);
	assert_non_null(copy);
	memcpy(copy, pkt, n);
	dec_packet(r->linktype, copy, n, origlen, depth, d);
	free(copy);
}

static void check_row(const struct row *r, const struct dec_packet *d)
{
	assert_int_equal(d->status, DEC_OK);
	assert_int_equal(d->link.proto, r->link);
	assert_int_equal(d->net.proto, r->net);
	assert_int_equal(d->tp.proto, r->tp);
	assert_int_equal(d->l2.ethertype, r->ethertype);
	if (r->src) {
		assert_ip(d->ip.version, d->ip.src, r->src);
		assert_ip(d->ip.version, d->ip.dst, r->dst);
	}
	if (r->tp == DEC_P_TCP) {
		assert_int_equal(d->tcp.sport, r->sport);
		assert_int_equal(d->tcp.dport, r->dport);
	} else if (r->tp == DEC_P_UDP) {
		assert_int_equal(d->udp.sport, r->sport);
		assert_int_equal(d->udp.dport, r->dport);
	}
	assert_int_equal(d->payload_len, r->payload_len);
	if (r->check)
		r->check(d);
}

static void test_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		uint8_t pkt[MAXPKT];
		struct dec_packet d;
		size_t n = unhex(rows[i].hex, pkt);
		print_message("# row: %s\n", rows[i].name);
		decode_exact(&rows[i], pkt, n, (uint32_t)n, DEC_DEPTH_ALL, &d);
		check_row(&rows[i], &d);
	}
}

/* Same layer results, field for field, as the full decode (payload bytes aside). */
static void assert_same_headers(const struct dec_packet *a, const struct dec_packet *b)
{
	assert_memory_equal(&a->link, &b->link, sizeof a->link);
	assert_memory_equal(&a->net, &b->net, sizeof a->net);
	assert_memory_equal(&a->tp, &b->tp, sizeof a->tp);
	assert_memory_equal(&a->l2, &b->l2, sizeof a->l2);
	assert_memory_equal(&a->arp, &b->arp, sizeof a->arp);
	assert_memory_equal(&a->ip, &b->ip, sizeof a->ip);
	assert_memory_equal(&a->tcp, &b->tcp, sizeof a->tcp);
	assert_memory_equal(&a->udp, &b->udp, sizeof a->udp);
	assert_memory_equal(&a->icmp, &b->icmp, sizeof a->icmp);
	assert_int_equal(a->payload_off, b->payload_off);
	assert_int_equal(a->payload_len, b->payload_len);
}

/*
 * Every row cut at every length: below `need` bytes the packet is
 * truncated (never OK, never invalid, error offset inside the capture);
 * from `need` on it decodes exactly as the whole packet does.
 */
static void test_truncation_every_offset(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct row *r = &rows[i];
		uint8_t pkt[MAXPKT];
		struct dec_packet full, d;
		size_t n = unhex(r->hex, pkt);

		decode_exact(r, pkt, n, (uint32_t)n, DEC_DEPTH_ALL, &full);
		for (size_t cut = 0; cut <= n; cut++) {
			decode_exact(r, pkt, cut, (uint32_t)n, DEC_DEPTH_ALL, &d);
			if (cut < r->need) {
				if (d.status != DEC_TRUNCATED)
					print_error("%s: cut %zu: status %d\n", r->name, cut, d.status);
				assert_int_equal(d.status, DEC_TRUNCATED);
				assert_true(d.err_off <= cut);
				assert_non_null(d.err_what);
			} else {
				assert_int_equal(d.status, DEC_OK);
				assert_same_headers(&d, &full);
				assert_int_equal(d.payload_caplen,
						 cut - full.payload_off < full.payload_len
							 ? cut - full.payload_off : full.payload_len);
			}
		}
	}
}

/* The depth argument stops at the asked layer. */
static void test_depth(void **state)
{
	uint8_t pkt[MAXPKT];
	struct dec_packet d;
	size_t n = unhex(ETH_IPV4_TCP_SYN, pkt);
	(void)state;

	dec_packet(LINKTYPE_ETHERNET, pkt, n, (uint32_t)n, DEC_DEPTH_LINK, &d);
	assert_int_equal(d.link.status, DEC_OK);
	assert_int_equal(d.net.proto, DEC_P_NONE);
	dec_packet(LINKTYPE_ETHERNET, pkt, n, (uint32_t)n, DEC_DEPTH_NET, &d);
	assert_int_equal(d.net.status, DEC_OK);
	assert_int_equal(d.tp.proto, DEC_P_NONE);
	dec_packet(LINKTYPE_ETHERNET, pkt, n, (uint32_t)n, DEC_DEPTH_TRANSPORT, &d);
	assert_int_equal(d.tp.status, DEC_OK);
	assert_int_equal(d.tcp.seq, 1000);
	assert_int_equal(d.tcp.nopt, 0); /* options only at DEC_DEPTH_ALL */
	assert_false(d.tcp.has_mss);
}

struct bad {
	const char *name;
	uint32_t linktype;
	const char *hex;
	size_t at;                /* byte to overwrite (two when `len` is 2) */
	uint16_t value;
	int len;
	uint8_t status;           /* DEC_INVALID or DEC_TRUNCATED */
	uint8_t layer;            /* DEC_L_* */
	uint32_t err_off;
};

static const struct bad bads[] = {
	{ "IPv4 IHL 4", LINKTYPE_ETHERNET, ETH_IPV4_TCP_SYN, 14, 0x44, 1, DEC_INVALID, DEC_L_NET, 14 },
	{ "IPv4 version 5", LINKTYPE_ETHERNET, ETH_IPV4_TCP_SYN, 14, 0x55, 1, DEC_INVALID, DEC_L_NET, 14 },
	{ "IPv4 total length < IHL", LINKTYPE_ETHERNET, ETH_IPV4_TCP_SYN, 16, 16, 2, DEC_INVALID,
	  DEC_L_NET, 16 },
	{ "IPv4 length leaves 12 bytes for TCP", LINKTYPE_ETHERNET, ETH_IPV4_TCP_SYN, 16, 32, 2,
	  DEC_INVALID, DEC_L_TRANSPORT, 34 },
	{ "TCP data offset 4", LINKTYPE_ETHERNET, ETH_IPV4_TCP_SYN, 46, 0x40, 1, DEC_INVALID,
	  DEC_L_TRANSPORT, 46 },
	{ "TCP data offset 15 past the segment", LINKTYPE_ETHERNET, ETH_IPV4_TCP_SYN, 46, 0xf0, 1,
	  DEC_INVALID, DEC_L_TRANSPORT, 54 },
	{ "UDP length 7", LINKTYPE_ETHERNET, ETH_IPV4_UDP_PAD, 38, 7, 2, DEC_INVALID,
	  DEC_L_TRANSPORT, 38 },
	{ "IPv6 version 4", LINKTYPE_ETHERNET, ETH_IPV6_ECHO, 14, 0x40, 1, DEC_INVALID, DEC_L_NET, 14 },
	{ "IPv6 hop-by-hop after routing", LINKTYPE_ETHERNET, ETH_IPV6_EXT_UDP, 62, 0, 1, DEC_INVALID,
	  DEC_L_NET, 86 },
	{ "IPv6 extension header past payload length", LINKTYPE_ETHERNET, ETH_IPV6_EXT_UDP, 18, 8, 2,
	  DEC_INVALID, DEC_L_NET, 62 },
	{ "raw IP version 7", LINKTYPE_RAW, IPV4_OPTS_UDP, 0, 0x77, 1, DEC_INVALID, DEC_L_LINK, 0 },
	{ "ARP addresses cut", LINKTYPE_ETHERNET, ETH_ARP_REQ, 18, 0x0a, 1, DEC_TRUNCATED, DEC_L_NET,
	  22 },
};

static void test_invalid(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
		const struct bad *b = &bads[i];
		const struct row r = { .linktype = b->linktype };
		uint8_t pkt[MAXPKT];
		struct dec_packet d;
		size_t n = unhex(b->hex, pkt);

		print_message("# bad: %s\n", b->name);
		if (b->len == 2) {
			pkt[b->at] = (uint8_t)(b->value >> 8);
			pkt[b->at + 1] = (uint8_t)b->value;
		} else {
			pkt[b->at] = (uint8_t)b->value;
		}
		decode_exact(&r, pkt, n, (uint32_t)n, DEC_DEPTH_ALL, &d);
		assert_int_equal(d.status, b->status);
		assert_int_equal(d.err_layer, b->layer);
		assert_int_equal(d.err_off, b->err_off);
		assert_non_null(d.err_what);
	}
}

/* A TCP option whose length runs past the header is flagged, the header stays valid. */
static void test_tcp_bad_option(void **state)
{
	uint8_t pkt[MAXPKT];
	struct dec_packet d;
	size_t n = unhex(ETH_IPV4_TCP_SYN, pkt);
	(void)state;

	pkt[54 + 18] = 40; /* the wscale option (kind at options offset 17) claims 40 bytes */
	dec_packet(LINKTYPE_ETHERNET, pkt, n, (uint32_t)n, DEC_DEPTH_ALL, &d);
	assert_int_equal(d.status, DEC_OK);
	assert_true(d.tcp.opt_bad);
	assert_int_equal(d.tcp.nopt, 4);
	assert_false(d.tcp.has_ws);
}

/* An IPv4 total length beyond the wire frame is flagged, not fatal. */
static void test_ip_len_short(void **state)
{
	uint8_t pkt[MAXPKT];
	struct dec_packet d;
	size_t n = unhex(ETH_IPV4_UDP_PAD, pkt);
	(void)state;

	pkt[17] = 200;
	dec_packet(LINKTYPE_ETHERNET, pkt, n, (uint32_t)n, DEC_DEPTH_ALL, &d);
	assert_int_equal(d.status, DEC_OK);
	assert_true(d.ip.len_short);
	assert_int_equal(d.ip.total_len, 200);
}

/*
 * Raw IPv6 packet with `n` extension headers, the first `nfrag` of them
 * fragment headers (id i+1, offset 0, M set), the rest destination options,
 * then UDP with `udplen` and 10 payload bytes; returns its length.
 */
static size_t ip6_chain(uint8_t *pkt, size_t cap, unsigned n, unsigned nfrag, uint16_t plen_override,
			bool use_plen_override, uint16_t udplen)
{
	size_t len = 40 + 8 * (size_t)n + 8 + 10;
	assert_true(len <= cap);
	memset(pkt, 0, len);
	pkt[0] = 0x60;
	st_be16(pkt + 4, use_plen_override ? plen_override : (uint16_t)(len - 40));
	pkt[6] = n ? (nfrag ? 44 : 60) : 17;
	pkt[7] = 64;
	pkt[8] = 0x20; pkt[23] = 1;
	pkt[24] = 0x20; pkt[39] = 2;
	for (unsigned i = 0; i < n; i++) {
		uint8_t *h = pkt + 40 + 8 * i;
		h[0] = i + 1 == n ? 17 : (i + 1 < nfrag ? 44 : 60);
		if (i < nfrag) {
			h[3] = 1;
			st_be32(h + 4, i + 1);
		} else {
			h[2] = 1; h[3] = 4; /* PadN of 4 */
		}
	}
	uint8_t *u = pkt + 40 + 8 * n;
	st_be16(u, 1000);
	st_be16(u + 2, 2000);
	st_be16(u + 4, udplen);
	return len;
}

/* Every extension header up to DEC_IP6_EXT_LIMIT decoded with its own values; more are flagged. */
static void test_ip6_many_ext(void **state)
{
	static uint8_t pkt[2048];
	struct dec_packet d;
	static const unsigned counts[][2] = { {1, 0}, {1, 1}, {8, 3}, {9, 2}, {20, 5}, {64, 7}, {65, 0}, {80, 4} };
	(void)state;

	for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
		unsigned n = counts[k][0], nfrag = counts[k][1];
		size_t len = ip6_chain(pkt, sizeof pkt, n, nfrag, 0, false, 18);
		dec_packet(LINKTYPE_RAW, pkt, len, (uint32_t)len, DEC_DEPTH_ALL, &d);
		assert_int_equal(d.status, DEC_OK);
		unsigned want = n < DEC_IP6_EXT_LIMIT ? n : DEC_IP6_EXT_LIMIT;
		assert_int_equal(d.ip.n_ext, want);
		assert_int_equal(d.ip.ext_more, n > DEC_IP6_EXT_LIMIT);
		assert_int_equal(d.tp.proto, n > DEC_IP6_EXT_LIMIT ? DEC_P_OTHER : DEC_P_UDP);
		struct dec_ip6_ext_iter it = {0};
		struct dec_ip6_ext e;
		unsigned i = 0;
		while (dec_ip6_ext_next(pkt, len, &d, &it, &e)) {
			assert_int_equal(e.off, 40 + 8 * i);
			assert_int_equal(e.len, 8);
			assert_int_equal(e.rest, len - 40 - 8 * (i + 1));
			assert_int_equal(e.type, i < nfrag ? 44 : 60);
			if (i < nfrag) {
				assert_int_equal(e.frag_id, i + 1);
				assert_int_equal(e.frag_off, 0);
				assert_true(e.frag_mf);
			}
			i++;
		}
		assert_int_equal(i, want);
		if (n <= DEC_MAX_IP6_EXT)
			for (i = 0; i < n; i++)
				assert_int_equal(d.ip.ext[i], i < nfrag ? 44 : 60);
	}
}

/* UDP length 0 is valid over IPv6 payload length 0 (jumbogram / Big TCP), not over IPv4 or a set length. */
static void test_udp_len0_jumbo(void **state)
{
	static uint8_t pkt[2048];
	struct dec_packet d;
	(void)state;

	size_t len = ip6_chain(pkt, sizeof pkt, 0, 0, 0, true, 0);
	dec_packet(LINKTYPE_RAW, pkt, len, 70048, DEC_DEPTH_ALL, &d);
	assert_int_equal(d.tp.status, DEC_OK);
	assert_int_equal(d.ip.plen, 0);
	assert_int_equal(d.udp.len, 0);
	assert_int_equal(d.udp.length, 70008);
	assert_int_equal(d.payload_len, 70000);
	len = ip6_chain(pkt, sizeof pkt, 0, 0, 0, false, 0);
	dec_packet(LINKTYPE_RAW, pkt, len, (uint32_t)len, DEC_DEPTH_ALL, &d);
	assert_int_equal(d.tp.status, DEC_INVALID);
	/* hop-by-hop with a Jumbo Payload option of 70008 */
	memset(pkt, 0, 58);
	pkt[0] = 0x60; pkt[6] = 0; pkt[7] = 64;
	pkt[40] = 17; pkt[41] = 0; pkt[42] = 0xc2; pkt[43] = 4;
	st_be32(pkt + 44, 70016);
	st_be16(pkt + 48, 1); st_be16(pkt + 50, 2);
	dec_packet(LINKTYPE_RAW, pkt, 58, 70056, DEC_DEPTH_ALL, &d);
	assert_int_equal(d.ip.jumbo, 70016);
	assert_int_equal(d.ip.total_len, 70056);
	assert_int_equal(d.tp.status, DEC_OK);
	assert_int_equal(d.udp.length, 70008);
	/* a jumbo value under 65536 is not a jumbogram (RFC 2675 3) */
	st_be32(pkt + 44, 100);
	dec_packet(LINKTYPE_RAW, pkt, 58, 70056, DEC_DEPTH_ALL, &d);
	assert_int_equal(d.ip.jumbo, 0);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(dec_proto_name(DEC_P_TCP), "tcp");
	assert_string_equal(dec_proto_name(DEC_P_ICMPV6), "icmpv6");
	assert_string_equal(dec_proto_name((enum dec_proto)200), "other");
	assert_string_equal(dec_status_name(DEC_TRUNCATED), "truncated");
	assert_string_equal(dec_status_name(DEC_INVALID), "invalid");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_truncation_every_offset),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_tcp_bad_option),
		cmocka_unit_test(test_ip_len_short),
		cmocka_unit_test(test_ip6_many_ext),
		cmocka_unit_test(test_udp_len0_jumbo),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
