/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the summary: flow keys and table (direction, cap, folding), time series, hierarchy, rates. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pcaprec/summary.h"
/* the report tables are private to src/summary: tested through their own header */
#include "../../src/summary/summary_int.h"

static const uint8_t IP_A[4] = { 192, 0, 2, 1 };
static const uint8_t IP_B[4] = { 192, 0, 2, 2 };

struct key_case {
	uint8_t src_last, dst_last;
	uint16_t sport, dport;
	int want_dir;          /* 0: src became key.a */
	uint16_t want_port_a;
};

static void test_flow_key_direction(void **state)
{
	static const struct key_case rows[] = {
		{ 1, 2, 40000, 80, 0, 40000 },   /* lower address first */
		{ 2, 1, 80, 40000, 1, 40000 },   /* reply: same key, other direction */
		{ 1, 1, 80, 40000, 0, 80 },      /* same address: lower port first */
		{ 1, 1, 40000, 80, 1, 80 },
		{ 1, 1, 53, 53, 0, 53 },         /* both ends equal */
	};
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		uint8_t s[4] = { 192, 0, 2, rows[i].src_last }, d[4] = { 192, 0, 2, rows[i].dst_last };
		struct flow_key k, k2;
		int dir = flow_key_make(&k, FLOW_TCP, 4, s, d, 4, rows[i].sport, rows[i].dport);
		int dir2 = flow_key_make(&k2, FLOW_TCP, 4, d, s, 4, rows[i].dport, rows[i].sport);
		assert_int_equal(dir, rows[i].want_dir);
		assert_int_equal(k.port_a, rows[i].want_port_a);
		assert_memory_equal(&k, &k2, sizeof k);
		assert_int_equal(flow_key_hash(&k), flow_key_hash(&k2));
		{
			struct flow_key k3;
			uint32_t h3 = 0;
			assert_int_equal(flow_key_make_hashed(&k3, &h3, FLOW_TCP, 4, s, d, 4, rows[i].sport,
							      rows[i].dport), dir);
			assert_memory_equal(&k3, &k, sizeof k);
			assert_int_equal(h3, flow_key_hash(&k));
		}
		if (memcmp(s, d, 4) != 0 || rows[i].sport != rows[i].dport)
			assert_int_equal(dir2, 1 - dir);
	}
}

static void test_flowtab_both_directions(void **state)
{
	struct flowtab *t = flowtab_open(16);
	struct flow_key k;
	struct flow *f;
	int dir;
	(void)state;
	assert_non_null(t);
	/* B sends first (at t=10), then A twice, then B again */
	dir = flow_key_make(&k, FLOW_UDP, 4, IP_B, IP_A, 4, 53, 5000);
	assert_non_null(flowtab_add(t, &k, dir, 100, 10));
	dir = flow_key_make(&k, FLOW_UDP, 4, IP_A, IP_B, 4, 5000, 53);
	flowtab_add(t, &k, dir, 60, 20);
	flowtab_add(t, &k, dir, 60, 5);  /* out of order: earlier than the first */
	dir = flow_key_make(&k, FLOW_UDP, 4, IP_B, IP_A, 4, 53, 5000);
	f = flowtab_add(t, &k, dir, 100, 30);
	assert_non_null(f);
	assert_int_equal(flowtab_count(t), 1);
	assert_int_equal(flowtab_count_kind(t, FLOW_UDP), 1);
	assert_int_equal(flowtab_count_kind(t, FLOW_TCP), 0);
	/* key.a is 192.0.2.1 (lower), which did not send first */
	assert_memory_equal(f->key.a, IP_A, 4);
	assert_int_equal(f->a_first, 0);
	assert_int_equal(f->pkts[0], 2);
	assert_int_equal(f->bytes[0], 120);
	assert_int_equal(f->pkts[1], 2);
	assert_int_equal(f->bytes[1], 200);
	assert_int_equal(f->first_ns, 5);
	assert_int_equal(f->last_ns, 30);
	assert_ptr_equal(flowtab_find(t, &k), f);
	/* same addresses and ports, other kind: a different flow */
	dir = flow_key_make(&k, FLOW_TCP, 4, IP_B, IP_A, 4, 53, 5000);
	assert_null(flowtab_find(t, &k));
	flowtab_close(t);
}

static void test_flowtab_cap_and_fold(void **state)
{
	struct flowtab *t = flowtab_open(3);
	struct flow_key k;
	struct flow_fold fold;
	(void)state;
	assert_non_null(t);
	for (uint16_t port = 1; port <= 5; port++) {
		int dir = flow_key_make(&k, FLOW_TCP, 4, IP_A, IP_B, 4, port, 80);
		struct flow *f = flowtab_add(t, &k, dir, 1000, port);
		if (port <= 3)
			assert_non_null(f);
		else
			assert_null(f);
	}
	/* a tracked flow keeps counting once the table is full */
	flow_key_make(&k, FLOW_TCP, 4, IP_B, IP_A, 4, 80, 2);
	assert_non_null(flowtab_add(t, &k, 1, 10, 9));
	assert_int_equal(flowtab_find(t, &k)->pkts[1], 1);
	assert_int_equal(flowtab_count(t), 3);
	fold = flowtab_folded(t, FLOW_TCP);
	assert_int_equal(fold.pkts, 2);
	assert_int_equal(fold.bytes, 2000);
	assert_int_equal(flowtab_folded(t, FLOW_UDP).pkts, 0);
	flowtab_close(t);
	assert_null(flowtab_open(0));
	flowtab_close(NULL);
}

static void test_flowtab_growth(void **state)
{
	const uint32_t n = 20000;
	struct flowtab *t = flowtab_open(1000000);
	const struct flow **all;
	size_t small;
	(void)state;
	assert_non_null(t);
	small = flowtab_memory(t);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t s[16] = { 0x20, 0x01, 0x0d, 0xb8 }, d[16] = { 0x20, 0x01, 0x0d, 0xb8, 1 };
		struct flow_key k;
		s[12] = (uint8_t)(i >> 8);
		s[13] = (uint8_t)i;
		int dir = flow_key_make(&k, FLOW_IP6, 6, s, d, 16, 0, 0);
		assert_non_null(flowtab_add(t, &k, dir, 1, i));
	}
	assert_int_equal(flowtab_count(t), n);
	assert_true(flowtab_memory(t) > small);
	assert_true(flowtab_memory(t) < 4 * n * sizeof(struct flow));  /* load kept above 1/4 */
	all = malloc(n * sizeof *all);
	assert_non_null(all);
	assert_int_equal(flowtab_collect(t, FLOW_IP6, all), n);
	for (uint32_t i = 0; i < n; i++)
		assert_ptr_equal(flowtab_find(t, &all[i]->key), all[i]);
	free(all);
	flowtab_close(t);
}

/*
 * Keys that differ only in the last bytes of their IPv6 addresses (one /64,
 * the usual case) must still spread over the index: 65536 pairs into 2^20
 * slots leave about 63500 distinct slots for a random function. A hash
 * whose multiplies carry those bytes only into high bits gave a few hundred.
 */
static void test_flow_hash_spreads_ipv6_tails(void **state)
{
	const uint32_t bits = 20, n = 65536;
	uint8_t *seen = calloc(1u << bits, 1);
	uint32_t distinct = 0;
	(void)state;
	assert_non_null(seen);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t s[16] = { 0x20, 0x01, 0x0d, 0xb8 }, d[16] = { 0x20, 0x01, 0x0d, 0xb8 };
		struct flow_key k;
		uint32_t h;
		s[15] = (uint8_t)(i >> 8);
		d[14] = 1;
		d[15] = (uint8_t)i;
		flow_key_make_hashed(&k, &h, FLOW_TCP, 6, s, d, 16, 443, 50000);
		h &= (1u << bits) - 1;
		distinct += !seen[h];
		seen[h] = 1;
	}
	assert_true(distinct > 62000);
	free(seen);
}

struct ts_case {
	uint64_t span_ns;        /* packets every span/1000 ns over this span */
	uint64_t want_display;   /* automatic interval shown for 60 rows */
};

static void test_tseries_auto(void **state)
{
	static const struct ts_case rows[] = {
		{ 0, 1000 },                             /* one instant: smallest interval */
		{ 850000000ull, 20000000ull },           /* 0.85 s -> 20 ms, 43 rows */
		{ 59602218000ull, 1000000000ull },       /* 59.6 s -> 1 s, 60 rows */
		{ 100000000000ull, 2000000000ull },      /* 100 s -> 2 s */
		{ 3590000000000ull, 60000000000ull },    /* 59 min 50 s -> 1 min, 60 rows */
		{ 3600000000000ull, 120000000000ull },   /* 1 h needs 61 one-minute rows -> 2 min */
		{ 86400000000000ull, 1800000000000ull }, /* 1 d -> 30 min */
	};
	struct tseries *t = malloc(sizeof *t);
	struct tbucket *b = calloc(TSERIES_MAX_BUCKETS, sizeof *b);
	(void)state;
	assert_non_null(t);
	assert_non_null(b);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const uint64_t t0 = 1700000000000000000ull;
		uint64_t pk = 0, by = 0;
		uint32_t n;
		tseries_init(t, 0);
		for (uint64_t j = 0; j <= 1000; j++)
			tseries_add(t, t0 + rows[i].span_ns / 1000 * j, j);
		assert_true(t->nbuckets <= TSERIES_MAX_BUCKETS);
		assert_int_equal(tseries_display_interval(t, 60), rows[i].want_display);
		n = tseries_regroup(t, rows[i].want_display, b, TSERIES_MAX_BUCKETS);
		assert_true(n <= 60);
		for (uint32_t j = 0; j < n; j++) {
			pk += b[j].pkts;
			by += b[j].bytes;
		}
		assert_int_equal(pk, 1001);
		assert_int_equal(by, 1000 * 1001 / 2);
	}
	free(b);
	free(t);
}

static void test_tseries_user_interval_widens(void **state)
{
	struct tseries *t = malloc(sizeof *t);
	const uint64_t s = 1000000000ull;
	(void)state;
	assert_non_null(t);
	tseries_init(t, s);
	tseries_add(t, 5 * s, 1);
	tseries_add(t, 5 * s + s / 2, 1);    /* same second */
	tseries_add(t, 7 * s, 1);
	assert_int_equal(t->nbuckets, 3);
	assert_int_equal(t->b[0].pkts, 2);
	assert_int_equal(t->b[2].pkts, 1);
	tseries_add(t, 4 * s, 1);            /* before the first packet: bucket 0 */
	assert_int_equal(t->b[0].pkts, 3);
	assert_false(t->widened);
	tseries_add(t, 5 * s + 3 * 3600 * s, 1);  /* 3 h at 1 s needs 10801 buckets: widen x2 */
	assert_true(t->widened);
	assert_int_equal(t->interval_ns, 2 * s);
	assert_int_equal(tseries_display_interval(t, 60), 2 * s);
	assert_int_equal(t->b[0].pkts, 3);
	assert_int_equal(t->b[1].pkts, 1);   /* the packet at +2 s */
	assert_int_equal(t->b[5400].pkts, 1);
	free(t);
}

struct phs_case {
	uint8_t link, link_st, nvlan, net, net_st, tp, tp_st;
	size_t caplen;
	const char *want;
};

static void test_phs_paths(void **state)
{
	static const struct phs_case rows[] = {
		{ DEC_P_ETHER, DEC_OK, 0, DEC_P_IPV4, DEC_OK, DEC_P_TCP, DEC_OK, 60, "eth:ip:tcp" },
		{ DEC_P_ETHER, DEC_OK, 2, DEC_P_IPV6, DEC_OK, DEC_P_UDP, DEC_OK, 90, "eth:ieee8021ad:vlan:ipv6:udp" },
		{ DEC_P_ETHER, DEC_OK, 0, DEC_P_IPV4, DEC_OK, DEC_P_TCP, DEC_TRUNCATED, 40, "eth:ip:tcp:_ws.short" },
		{ DEC_P_ETHER, DEC_OK, 0, DEC_P_IPV4, DEC_INVALID, 0, 0, 40, "eth:ip:_ws.malformed" },
		{ DEC_P_ETHER, DEC_TRUNCATED, 0, 0, 0, 0, 0, 10, "_ws.short" },
		{ DEC_P_ETHER, DEC_TRUNCATED, 0, 0, 0, 0, 0, 16, "eth:vlan:_ws.short" },
		{ DEC_P_SLL2, DEC_OK, 0, DEC_P_ARP, DEC_OK, 0, 0, 48, "sll:arp" },
		{ DEC_P_RAWIP, DEC_OK, 0, DEC_P_IPV6, DEC_OK, DEC_P_ICMPV6, DEC_OK, 48, "raw:ipv6:icmpv6" },
		{ DEC_P_LLC, DEC_OK, 0, DEC_P_OTHER, DEC_OK, 0, 0, 60, "eth:llc:data" },
	};
	uint8_t bytes[64] = { 0 };
	(void)state;
	bytes[12] = 0x81;   /* the type field of the tag the 16-byte frame is cut in */
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct dec_packet d;
		uint8_t path[PHS_MAX_DEPTH];
		char got[128] = "";
		size_t n;
		memset(&d, 0, sizeof d);
		d.link.proto = rows[i].link;
		d.link.status = rows[i].link_st;
		d.l2.nvlan = rows[i].nvlan;
		d.l2.vlan[0].tpid = rows[i].nvlan > 1 ? 0x88a8 : 0x8100;
		d.l2.vlan[1].tpid = 0x8100;
		d.net.proto = rows[i].net;
		d.net.status = rows[i].net_st;
		d.tp.proto = rows[i].tp;
		d.tp.status = rows[i].tp_st;
		n = phs_path(&d, bytes, rows[i].caplen, path);
		for (size_t j = 0; j < n; j++) {
			size_t used = strlen(got);
			snprintf(got + used, sizeof got - used, "%s%s", j ? ":" : "", phs_proto_name(path[j]));
		}
		assert_string_equal(got, rows[i].want);
	}
}

static void test_phs_tree_counts(void **state)
{
	static const uint8_t p1[] = { PHS_ETH, PHS_IP, PHS_TCP };
	static const uint8_t p2[] = { PHS_ETH, PHS_IP, PHS_UDP };
	struct phs *h = malloc(sizeof *h);
	uint32_t eth, ip;
	(void)state;
	assert_non_null(h);
	phs_init(h);
	phs_add(h, p1, 3, 100);
	phs_add(h, p2, 3, 50);
	phs_add(h, p1, 2, 10);
	phs_finish(h);
	eth = h->node[0].child[PHS_ETH];
	ip = h->node[eth].child[PHS_IP];
	assert_int_equal(h->node[eth].frames, 3);
	assert_int_equal(h->node[ip].bytes, 160);
	assert_int_equal(h->node[h->node[ip].child[PHS_TCP]].frames, 1);
	assert_int_equal(h->node[h->node[ip].child[PHS_UDP]].bytes, 50);
	assert_int_equal(h->nnodes, 5);
	/* counting goes on after a finish; finishing again adds nothing twice */
	phs_add(h, p2, 3, 7);
	phs_finish(h);
	phs_finish(h);
	assert_int_equal(h->node[0].frames, 4);
	assert_int_equal(h->node[eth].bytes, 167);
	assert_int_equal(h->node[h->node[ip].child[PHS_UDP]].frames, 2);
	free(h);
}

/* A full tree cuts new paths at their last existing node, and keeps doing so for repeats. */
static void test_phs_full_tree(void **state)
{
	struct phs *h = malloc(sizeof *h);
	uint8_t path[PHS_MAX_DEPTH];
	uint32_t eth, ip;
	(void)state;
	assert_non_null(h);
	phs_init(h);
	/* distinct 12-deep chains under eth:vlan until no node is left */
	for (uint32_t i = 0; h->nnodes < PHS_MAX_NODES; i++) {
		path[0] = PHS_ETH;
		path[1] = PHS_VLAN;
		for (uint32_t j = 2; j < PHS_MAX_DEPTH; j++)
			path[j] = (uint8_t)(1 + (i >> (j - 2)) % (PHS_NPROTO - 1));
		phs_add(h, path, PHS_MAX_DEPTH, 1);
	}
	phs_finish(h);
	eth = h->node[0].child[PHS_ETH];
	uint64_t before = h->node[eth].frames;
	const uint8_t cut[] = { PHS_ETH, PHS_IP, PHS_TCP };  /* eth exists, eth:ip does not */
	assert_int_equal(h->node[eth].child[PHS_IP], 0);
	for (int r = 0; r < 3; r++)
		phs_add(h, cut, 3, 100);
	phs_finish(h);
	ip = h->node[eth].child[PHS_IP];
	assert_int_equal(ip, 0);
	assert_int_equal(h->nnodes, PHS_MAX_NODES);
	assert_int_equal(h->node[eth].frames, before + 3);
	assert_int_equal(h->node[0].frames, before + 3);
	free(h);
}

static void test_endpoints_from_conversations(void **state)
{
	struct flowtab *t = flowtab_open(16);
	const struct flow **rows;
	struct sum_endpoint *ep;
	struct flow_key k;
	const uint8_t c[4] = { 192, 0, 2, 3 };
	size_t total;
	long n, m;
	(void)state;
	flowtab_add(t, &k, flow_key_make(&k, FLOW_IP4, 4, IP_A, IP_B, 4, 0, 0), 100, 1);
	flowtab_add(t, &k, flow_key_make(&k, FLOW_IP4, 4, IP_B, IP_A, 4, 0, 0), 10, 2);
	flowtab_add(t, &k, flow_key_make(&k, FLOW_IP4, 4, c, IP_A, 4, 0, 0), 5, 3);
	n = sum_conv_rows(t, FLOW_IP4, 0, &rows);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0]->bytes[0] + rows[0]->bytes[1], 110);  /* sorted by bytes */
	free(rows);
	n = sum_conv_rows(t, FLOW_IP4, 1, &rows);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0]->bytes[0] + rows[0]->bytes[1], 110);
	m = sum_endpoints(t, FLOW_IP4, 0, &ep, &total);
	assert_int_equal(m, 3);
	assert_int_equal(total, 3);
	/* 192.0.2.1: tx 100, rx 10 + 5 */
	assert_memory_equal(ep[0].addr, IP_A, 4);
	assert_int_equal(ep[0].tx_pkts, 1);
	assert_int_equal(ep[0].tx_bytes, 100);
	assert_int_equal(ep[0].rx_pkts, 2);
	assert_int_equal(ep[0].rx_bytes, 15);
	assert_memory_equal(ep[2].addr, c, 4);
	assert_int_equal(ep[2].tx_bytes, 5);
	assert_int_equal(ep[2].rx_bytes, 0);
	free(rows);
	free(ep);
	flowtab_close(t);
}

static void test_top_selection_matches_full_sort(void **state)
{
	struct flowtab *t = flowtab_open(5000);
	const struct flow **all, **top;
	struct sum_endpoint *eall, *etop;
	size_t total;
	uint64_t rng = 12345;
	(void)state;
	for (uint32_t i = 0; i < 3000; i++) {
		uint8_t s4[4] = { 198, 51, (uint8_t)(i >> 8), (uint8_t)i }, d4[4] = { 203, 0, 113, (uint8_t)(i % 7) };
		struct flow_key k;
		int dir = flow_key_make(&k, FLOW_IP4, 4, s4, d4, 4, 0, 0);
		rng = rng * 6364136223846793005ull + 1;
		flowtab_add(t, &k, dir, (rng >> 40) % 50, i);   /* many ties on purpose */
	}
	assert_int_equal(sum_conv_rows(t, FLOW_IP4, 0, &all), 3000);
	for (size_t n = 1; n <= 64; n = n * 2 + 1) {
		assert_int_equal(sum_conv_rows(t, FLOW_IP4, n, &top), n);
		for (size_t i = 0; i < n; i++)
			assert_ptr_equal(top[i], all[i]);
		free(top);
	}
	assert_int_equal(sum_endpoints(t, FLOW_IP4, 0, &eall, &total), 3007);
	assert_int_equal(total, 3007);
	assert_int_equal(sum_endpoints(t, FLOW_IP4, 10, &etop, &total), 10);
	assert_int_equal(total, 3007);
	assert_memory_equal(etop, eall, 10 * sizeof *etop);
	free(all);
	free(eall);
	free(etop);
	flowtab_close(t);
}

/* A TCP/IPv4 Ethernet frame decoded by hand (the summary reads only these fields). */
static void fake_tcp(struct dec_packet *d, uint16_t flags)
{
	memset(d, 0, sizeof *d);
	d->link.proto = DEC_P_ETHER;
	d->link.status = DEC_OK;
	d->l2.src[5] = 0x0a;
	d->l2.dst[5] = 0x0b;
	d->net.proto = DEC_P_IPV4;
	d->net.status = DEC_OK;
	memcpy(d->ip.src, IP_A, 4);
	memcpy(d->ip.dst, IP_B, 4);
	d->tp.proto = DEC_P_TCP;
	d->tp.status = DEC_OK;
	d->tcp.sport = 40000;
	d->tcp.dport = 80;
	d->tcp.flags = flags;
	d->status = DEC_OK;
}

static void test_summary_totals_and_rates(void **state)
{
	struct summary_opts o = { 0 };
	char err[128], *buf = NULL;
	size_t len = 0;
	struct summary *s = summary_open(&o, err, sizeof err);
	static const uint8_t bytes[100];
	struct frame f = { 0 };
	struct dec_packet d;
	FILE *m;
	(void)state;
	assert_non_null(s);
	f.data = bytes;
	f.caplen = 60;
	f.origlen = 100;
	f.ts_ns = 1000000000ull;          /* 3 frames of 100 bytes over 2 s */
	fake_tcp(&d, 0x002);
	summary_add(s, &f, &d);
	f.ts_ns += 2000000000ull;
	fake_tcp(&d, 0x012);
	summary_add(s, &f, &d);
	f.ts_ns -= 1000000000ull;         /* out of order */
	fake_tcp(&d, 0x011);
	summary_add(s, &f, &d);
	assert_int_equal(summary_packets(s), 3);
	m = open_memstream(&buf, &len);
	assert_non_null(m);
	assert_int_equal(summary_write_json(s, m), 0);
	fclose(m);
	assert_non_null(strstr(buf, "\"packets\":3,\"data_bytes\":300,\"captured_bytes\":180"));
	assert_non_null(strstr(buf, "\"duration\":2.000000000"));
	assert_non_null(strstr(buf, "\"avg_packet_size\":100.000"));
	assert_non_null(strstr(buf, "\"data_byte_rate\":150.000"));
	assert_non_null(strstr(buf, "\"data_bit_rate\":1200.000"));
	assert_non_null(strstr(buf, "\"avg_packet_rate\":1.500"));
	assert_non_null(strstr(buf, "\"out_of_order\":1"));
	assert_non_null(strstr(buf, "\"snapped\":3"));
	assert_non_null(strstr(buf, "\"tcp_flags\":{\"syn\":1,\"synack\":1,\"rst\":0,\"fin\":1}"));
	assert_non_null(strstr(buf, "{\"path\":\"eth:ip:tcp\",\"frames\":3,\"bytes\":300}"));
	/* community_id: SHA-1 of 0000 c0000201 c0000202 06 00 9c40 0050 (computed with Python's hashlib) */
	assert_non_null(strstr(buf, "\"a\":\"192.0.2.1\",\"b\":\"192.0.2.2\",\"port_a\":40000,\"port_b\":80"
				    ",\"community_id\":\"1:G+HkHCrmxWLQgwEnSytJ6z6uCFc=\""
				    ",\"frames_ab\":3,\"bytes_ab\":300,\"frames_ba\":0"));
	free(buf);
	summary_close(s);
	summary_close(NULL);
}

/*
 * The tables built up front, on two threads, hold exactly what the sum_*
 * calls give one by one: every kind in its own slot, rows in order.
 * 30000 conversations per kind, enough for the second thread to start.
 */
static void test_report_tables_match_direct_calls(void **state)
{
	struct summary s = { 0 };
	struct sum_tables t;
	(void)state;
	s.flows = flowtab_open(200000);
	s.ports = calloc(2 * 65536, sizeof *s.ports);
	assert_non_null(s.flows);
	assert_non_null(s.ports);
	s.top = 7;
	for (uint32_t i = 0; i < 30000; i++) {
		uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8 }, b[16] = { 0x20, 0x01, 0x0d, 0xb8 };
		struct flow_key k;
		a[12] = (uint8_t)(i >> 8);
		a[13] = (uint8_t)i;
		b[15] = (uint8_t)(i % 7);
		for (int kind = FLOW_ETH; kind < FLOW_KINDS; kind++) {
			uint8_t fam = kind == FLOW_ETH ? 0 : kind == FLOW_IP6 ? 6 : 4;
			size_t alen = kind == FLOW_ETH ? 6 : fam == 6 ? 16 : 4;
			uint16_t sp = kind >= FLOW_TCP ? (uint16_t)(1024 + i % 5000) : 0;
			uint16_t dp = kind >= FLOW_TCP ? (uint16_t)(80 + kind) : 0;
			const uint8_t *src = alen == 16 ? a : a + 10, *dst = alen == 16 ? b : b + 10;
			int dir = flow_key_make(&k, (enum flow_kind)kind, fam, src, dst, alen, sp, dp);
			/* sizes from the index, so every kind ranks its rows differently */
			flowtab_add(s.flows, &k, dir, 60 + (i * 7 + (uint32_t)kind) % 1400, i);
			if (kind >= FLOW_TCP) {
				struct port_count *pc = s.ports + (kind == FLOW_UDP ? 65536 : 0);
				pc[sp].pkts += 1 + i % 3;
				pc[sp].bytes += i;
			}
		}
	}
	sum_tables_build(&s, &t);
	for (int kind = FLOW_ETH; kind < FLOW_KINDS; kind++) {
		const struct flow **rows;
		struct sum_endpoint *ep;
		size_t total;
		long n = sum_conv_rows(s.flows, (enum flow_kind)kind, s.top, &rows);
		long m = sum_endpoints(s.flows, (enum flow_kind)kind, s.top, &ep, &total);
		assert_int_equal(n, 7);
		assert_int_equal(t.kind[kind].nrows, n);
		assert_memory_equal(t.kind[kind].rows, rows, (size_t)n * sizeof *rows);
		for (long i = 0; i < n; i++)
			assert_int_equal(t.kind[kind].rows[i]->key.kind, kind);
		assert_int_equal(t.kind[kind].nep, m);
		assert_int_equal(t.kind[kind].ep_total, total);
		assert_memory_equal(t.kind[kind].ep, ep, (size_t)m * sizeof *ep);
		free(rows);
		free(ep);
	}
	for (int udp = 0; udp < 2; udp++) {
		struct sum_port *p;
		long n = sum_top_ports(&s, udp, s.top, &p);
		assert_int_equal(n, 7);
		assert_int_equal(t.nports[udp], n);
		for (long i = 0; i < n; i++) {
			assert_int_equal(t.ports[udp][i].port, p[i].port);
			assert_int_equal(t.ports[udp][i].pkts, p[i].pkts);
			assert_int_equal(t.ports[udp][i].bytes, p[i].bytes);
		}
		free(p);
	}
	sum_tables_free(&t);
	flowtab_close(s.flows);
	free(s.ports);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow_key_direction),
		cmocka_unit_test(test_flowtab_both_directions),
		cmocka_unit_test(test_flowtab_cap_and_fold),
		cmocka_unit_test(test_flowtab_growth),
		cmocka_unit_test(test_flow_hash_spreads_ipv6_tails),
		cmocka_unit_test(test_tseries_auto),
		cmocka_unit_test(test_tseries_user_interval_widens),
		cmocka_unit_test(test_phs_paths),
		cmocka_unit_test(test_phs_tree_counts),
		cmocka_unit_test(test_phs_full_tree),
		cmocka_unit_test(test_endpoints_from_conversations),
		cmocka_unit_test(test_top_selection_matches_full_sort),
		cmocka_unit_test(test_summary_totals_and_rates),
		cmocka_unit_test(test_report_tables_match_direct_calls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
