/* SPDX-License-Identifier: BSD-2-Clause */
/* Filter primitives to boolean test trees, mirroring libpcap's gencode.c meaning (pcap-filter(7)) per link type. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "pcaprec/filter_impl.h"
#include "pcaprec/frame.h"
#include "pcaprec/util.h"

/* IPv4 fragment offset mask (RFC 791): only the first fragment has ports. */
#define IP_FRAGOFF_MASK 0x1fffu

static int node_new(struct fc *c, enum fnode_kind kind)
{
	if (c->nnodes >= 4 * FLT_MAX_TESTS)
		return flt_error(c, "filter expression too complex");
	if (c->nnodes == c->capnodes) {
		size_t cap = c->capnodes ? c->capnodes * 2 : 64;
		struct fnode *n = realloc(c->nodes, cap * sizeof *n);

		if (!n)
			return flt_error(c, "out of memory");
		c->nodes = n;
		c->capnodes = cap;
	}
	memset(&c->nodes[c->nnodes], 0, sizeof c->nodes[0]);
	c->nodes[c->nnodes].kind = kind;
	return (int)c->nnodes++;
}

int fn_const(struct fc *c, bool v)
{
	return node_new(c, v ? FN_TRUE : FN_FALSE);
}

static bool is_kind(struct fc *c, int n, enum fnode_kind k)
{
	return c->nodes[n].kind == k;
}

/*
 * Constants fold only where that cannot change which loads run before the
 * answer is known: a constant on the left decides before anything loads;
 * a neutral constant on the right leaves the left as the whole answer.
 */
int fn_and(struct fc *c, int l, int r)
{
	int n;

	if (l < 0 || r < 0)
		return -1;
	if (is_kind(c, l, FN_TRUE) || is_kind(c, l, FN_FALSE))
		return is_kind(c, l, FN_TRUE) ? r : l;
	if (is_kind(c, r, FN_TRUE))
		return l;
	n = node_new(c, FN_AND);
	if (n >= 0) {
		c->nodes[n].l = l;
		c->nodes[n].r = r;
	}
	return n;
}

int fn_or(struct fc *c, int l, int r)
{
	int n;

	if (l < 0 || r < 0)
		return -1;
	if (is_kind(c, l, FN_TRUE) || is_kind(c, l, FN_FALSE))
		return is_kind(c, l, FN_FALSE) ? r : l;
	if (is_kind(c, r, FN_FALSE))
		return l;
	n = node_new(c, FN_OR);
	if (n >= 0) {
		c->nodes[n].l = l;
		c->nodes[n].r = r;
	}
	return n;
}

int fn_not(struct fc *c, int x)
{
	int n;

	if (x < 0)
		return -1;
	if (is_kind(c, x, FN_TRUE) || is_kind(c, x, FN_FALSE))
		return fn_const(c, is_kind(c, x, FN_FALSE));
	n = node_new(c, FN_NOT);
	if (n >= 0)
		c->nodes[n].l = x;
	return n;
}

int fn_test(struct fc *c, const struct sock_filter *seq, uint32_t nseq, uint16_t jop, uint32_t k)
{
	int n;

	if (c->npool + nseq > c->cappool) {
		size_t cap = c->cappool ? c->cappool * 2 : 256;
		struct sock_filter *p;

		while (cap < c->npool + nseq)
			cap *= 2;
		p = realloc(c->pool, cap * sizeof *p);
		if (!p)
			return flt_error(c, "out of memory");
		c->pool = p;
		c->cappool = cap;
	}
	n = node_new(c, FN_TEST);
	if (n < 0)
		return -1;
	memcpy(c->pool + c->npool, seq, nseq * sizeof *seq);
	c->nodes[n].seq = (uint32_t)c->npool;
	c->nodes[n].nseq = nseq;
	c->nodes[n].jop = jop;
	c->nodes[n].k = k;
	c->npool += nseq;
	return n;
}

static struct sock_filter stmt(uint16_t code, uint32_t k)
{
	struct sock_filter s = { code, 0, 0, k };
	return s;
}

static uint16_t bpf_size(uint32_t bytes)
{
	return bytes == 1 ? BPF_B : bytes == 2 ? BPF_H : BPF_W;
}

/* Load `bytes` at absolute offset `off` and compare with `v`. */
static int cmp_abs(struct fc *c, uint32_t bytes, uint32_t off, uint32_t v)
{
	struct sock_filter s = stmt(BPF_LD | bpf_size(bytes) | BPF_ABS, off);

	return fn_test(c, &s, 1, BPF_JMP | BPF_JEQ | BPF_K, v);
}

/* (load & mask) == v, written the way libpcap's optimiser leaves it. */
static int mcmp_abs(struct fc *c, uint32_t bytes, uint32_t off, uint32_t mask, uint32_t v)
{
	struct sock_filter s[2] = { stmt(BPF_LD | bpf_size(bytes) | BPF_ABS, off),
				    stmt(BPF_ALU | BPF_AND | BPF_K, mask) };
	uint32_t all = bytes == 4 ? 0xffffffffu : (1u << (bytes * 8)) - 1;

	if ((mask & all) == all)
		return cmp_abs(c, bytes, off, v);
	if ((mask & all) == 0)  /* libpcap's optimiser folds the load away */
		return fn_const(c, (v & all) == 0);
	if (v == 0)
		return fn_not(c, fn_test(c, s, 1, BPF_JMP | BPF_JSET | BPF_K, mask));
	return fn_test(c, s, 2, BPF_JMP | BPF_JEQ | BPF_K, v);
}

static int any_of(struct fc *c, uint32_t bytes, uint32_t off, const uint32_t *v, size_t n)
{
	int r = fn_const(c, false);

	for (size_t i = 0; i < n; i++)
		r = fn_or(c, r, cmp_abs(c, bytes, off, v[i]));
	return r;
}

/* BSD AF_INET6 values a savefile may hold, in the order libpcap tests them. */
static const uint32_t af_inet6_bsd[] = { 30, 24, 28 };

int gen_linktype(struct fc *c, uint32_t et)
{
	uint32_t af[3];
	bool host = c->lt_kind == FLT_AF_HOST;

	switch (c->lt_kind) {
	case FLT_ETHERTYPE:
		return cmp_abs(c, 2, c->off_ll, et);
	case FLT_AF_HOST:
	case FLT_AF_NET:
		if (et == 0x0800)
			return cmp_abs(c, 4, 0, host ? htonl(2) : 2);
		if (et != 0x86dd)
			return fn_const(c, false);
		for (int i = 0; i < 3; i++)
			af[i] = host ? htonl(af_inet6_bsd[i]) : af_inet6_bsd[i];
		return any_of(c, 4, 0, af, 3);
	case FLT_VERSION:
		if (et != 0x0800 && et != 0x86dd)
			return fn_const(c, false);
		return mcmp_abs(c, 1, 0, 0xf0, et == 0x0800 ? 0x40 : 0x60);
	case FLT_ONLY4:
		return fn_const(c, et == 0x0800);
	case FLT_ONLY6:
		return fn_const(c, et == 0x86dd);
	}
	return fn_const(c, false);
}

/* Next header is `p` directly after the fixed IPv6 header or after one fragment header. */
static int ip6_nxt(struct fc *c, uint32_t p)
{
	int direct = cmp_abs(c, 1, c->off_nl + 6, p);
	int frag = fn_and(c, cmp_abs(c, 1, c->off_nl + 6, 44), cmp_abs(c, 1, c->off_nl + 40, p));

	return fn_or(c, direct, frag);
}

int gen_ip_proto(struct fc *c, int qual, uint32_t p)
{
	int v4 = -1, v6 = -1;

	if (qual == FP_IP || qual == FP_NONE)
		v4 = fn_and(c, gen_linktype(c, 0x0800), cmp_abs(c, 1, c->off_nl + 9, p));
	if (qual == FP_IP6 || qual == FP_NONE)
		v6 = fn_and(c, gen_linktype(c, 0x86dd), ip6_nxt(c, p));
	if (qual == FP_IP)
		return v4;
	if (qual == FP_IP6)
		return v6;
	return fn_or(c, v4, v6);
}

int gen_proto(struct fc *c, int proto)
{
	switch (proto) {
	case FP_IP: return gen_linktype(c, 0x0800);
	case FP_IP6: return gen_linktype(c, 0x86dd);
	case FP_ARP: return gen_linktype(c, 0x0806);
	case FP_RARP: return gen_linktype(c, 0x8035);
	case FP_TCP: return gen_ip_proto(c, FP_NONE, 6);
	case FP_UDP: return gen_ip_proto(c, FP_NONE, 17);
	case FP_SCTP: return gen_ip_proto(c, FP_NONE, 132);
	case FP_ICMP: return gen_ip_proto(c, FP_IP, 1);
	case FP_IGMP: return gen_ip_proto(c, FP_IP, 2);
	case FP_ICMP6: return gen_ip_proto(c, FP_IP6, 58);
	default: return flt_error(c, "internal error: no protocol test");
	}
}

static int dir_combine(struct fc *c, int dir, int src, int dst)
{
	switch (dir) {
	case FD_SRC: return src;
	case FD_DST: return dst;
	case FD_AND: return fn_and(c, src, dst);
	default: return fn_or(c, src, dst);
	}
}

static int host4_one(struct fc *c, uint32_t et, uint32_t src, uint32_t dst, int dir,
		     uint32_t addr, uint32_t mask)
{
	int s = dir == FD_DST ? -2 : 0, d = dir == FD_SRC ? -2 : 0, lt = gen_linktype(c, et);

	if (s == 0)
		s = mcmp_abs(c, 4, c->off_nl + src, mask, addr);
	if (d == 0)
		d = mcmp_abs(c, 4, c->off_nl + dst, mask, addr);
	return fn_and(c, lt, dir_combine(c, dir, s, d));
}

int gen_host4(struct fc *c, int proto, int dir, uint32_t addr, uint32_t mask)
{
	switch (proto) {
	case FP_IP:
		return host4_one(c, 0x0800, 12, 16, dir, addr, mask);
	case FP_ARP:
		return host4_one(c, 0x0806, 14, 24, dir, addr, mask);
	case FP_RARP:
		return host4_one(c, 0x8035, 14, 24, dir, addr, mask);
	case FP_NONE: {
		int r = host4_one(c, 0x0800, 12, 16, dir, addr, mask);

		r = fn_or(c, r, host4_one(c, 0x0806, 14, 24, dir, addr, mask));
		return fn_or(c, r, host4_one(c, 0x8035, 14, 24, dir, addr, mask));
	}
	default:
		return flt_error(c, "this protocol qualifier cannot be applied to an IPv4 host or net");
	}
}

static int host6_side(struct fc *c, uint32_t off, const uint8_t *addr, const uint8_t *mask)
{
	int r = fn_const(c, true);

	for (int w = 0; w < 4; w++) {
		uint32_t m = ld_be32(mask + 4 * w), a = ld_be32(addr + 4 * w);

		if (m != 0)
			r = fn_and(c, r, mcmp_abs(c, 4, c->off_nl + off + 4u * (uint32_t)w, m, a & m));
	}
	return r;
}

int gen_host6(struct fc *c, int proto, int dir, const uint8_t *addr, const uint8_t *mask)
{
	int s = -2, d = -2, lt;

	if (proto != FP_NONE && proto != FP_IP6)
		return flt_error(c, "this protocol qualifier cannot be applied to an IPv6 host or net");
	lt = gen_linktype(c, 0x86dd);
	if (dir != FD_DST)
		s = host6_side(c, 8, addr, mask);
	if (dir != FD_SRC)
		d = host6_side(c, 24, addr, mask);
	return fn_and(c, lt, dir_combine(c, dir, s, d));
}

static int mac_side(struct fc *c, uint32_t off, const uint8_t *mac)
{
	uint32_t lo = ((uint32_t)mac[2] << 24) | ((uint32_t)mac[3] << 16) | ((uint32_t)mac[4] << 8) | mac[5];

	return fn_and(c, cmp_abs(c, 4, off + 2, lo), cmp_abs(c, 2, off, ((uint32_t)mac[0] << 8) | mac[1]));
}

int gen_ether_host(struct fc *c, int dir, const uint8_t *mac)
{
	int s = -2, d = -2;

	if (!c->ethernet)
		return flt_error(c, "Ethernet addresses are supported only on Ethernet links");
	if (dir != FD_DST)
		s = mac_side(c, 6, mac);
	if (dir != FD_SRC)
		d = mac_side(c, 0, mac);
	return dir_combine(c, dir, s, d);
}

int gen_ether_proto(struct fc *c, uint32_t p)
{
	struct sock_filter s;

	if (p > 0xffff)
		return flt_error(c, "ether proto %u is larger than 65535", p);
	if (p > 1500 || c->lt_kind != FLT_ETHERTYPE || c->linktype == LINKTYPE_LINUX_SLL2)
		return gen_linktype(c, p);
	if (!c->ethernet)  /* Linux cooked v1: 802.2 frames carry protocol 4 (LINUX_SLL_P_802_2) */
		return fn_and(c, cmp_abs(c, 2, c->off_ll, 4), cmp_abs(c, 1, c->off_nl, p));
	/* IEEE 802.3 length field then 802.2 DSAP, as libpcap does. */
	s = stmt(BPF_LD | BPF_H | BPF_ABS, c->off_ll);
	return fn_and(c, fn_not(c, fn_test(c, &s, 1, BPF_JMP | BPF_JGT | BPF_K, 1500)),
		      cmp_abs(c, 1, c->off_ll + 2, p));
}

/* One port field: equal to lo, or within [lo, hi] for a range. */
static int port_atom(struct fc *c, const struct sock_filter *seq, uint32_t n, uint32_t lo, uint32_t hi, bool range)
{
	if (!range)
		return fn_test(c, seq, n, BPF_JMP | BPF_JEQ | BPF_K, lo);
	return fn_and(c, fn_test(c, seq, n, BPF_JMP | BPF_JGE | BPF_K, lo),
		      fn_not(c, fn_test(c, seq, n, BPF_JMP | BPF_JGT | BPF_K, hi)));
}

static int port_side(struct fc *c, bool v6, uint32_t field, uint32_t lo, uint32_t hi, bool range)
{
	struct sock_filter s[2];

	if (v6) {
		s[0] = stmt(BPF_LD | BPF_H | BPF_ABS, c->off_nl + 40 + field);
		return port_atom(c, s, 1, lo, hi, range);
	}
	s[0] = stmt(BPF_LDX | BPF_B | BPF_MSH, c->off_nl);
	s[1] = stmt(BPF_LD | BPF_H | BPF_IND, c->off_nl + field);
	return port_atom(c, s, 2, lo, hi, range);
}

/*
 * libpcap's shape: (ip and (proto p1 and not-a-later-fragment and ports) or
 * (proto p2 and ...)) with one copy per transport protocol, so that its
 * optimiser, and ours, can drop the port loads on paths that do not need
 * them; identical copies merge again in the emitter.
 */
int gen_port(struct fc *c, int proto, int dir, uint32_t lo, uint32_t hi, bool range)
{
	static const uint32_t all[] = { 132, 6, 17 };
	uint32_t one[1] = { 0 };
	const uint32_t *set = all;
	size_t nset = 3;
	int r[2];

	switch (proto) {
	case FP_NONE: break;
	case FP_TCP: one[0] = 6; set = one; nset = 1; break;
	case FP_UDP: one[0] = 17; set = one; nset = 1; break;
	case FP_SCTP: one[0] = 132; set = one; nset = 1; break;
	default: return flt_error(c, "illegal qualifier of 'port' (use tcp, udp or sctp)");
	}
	for (int v6 = 1; v6 >= 0; v6--) {
		int lt = gen_linktype(c, v6 ? 0x86dd : 0x0800), any = fn_const(c, false);

		for (size_t i = 0; i < nset; i++) {
			int p = cmp_abs(c, 1, c->off_nl + (v6 ? 6 : 9), set[i]);
			int ports = dir_combine(c, dir, dir == FD_DST ? -2 : port_side(c, v6, 0, lo, hi, range),
						dir == FD_SRC ? -2 : port_side(c, v6, 2, lo, hi, range));

			if (!v6) {
				struct sock_filter f = stmt(BPF_LD | BPF_H | BPF_ABS, c->off_nl + 6);

				p = fn_and(c, p, fn_not(c, fn_test(c, &f, 1, BPF_JMP | BPF_JSET | BPF_K,
								  IP_FRAGOFF_MASK)));
			}
			any = fn_or(c, any, fn_and(c, p, ports));
		}
		r[v6] = fn_and(c, lt, any);
	}
	return fn_or(c, r[1], r[0]);
}

int gen_vlan(struct fc *c, bool has_id, uint32_t id)
{
	static const uint32_t tpids[] = { 0x8100, 0x88a8, 0x9100 };
	int r;

	if (!c->ethernet)
		return flt_error(c, "no VLAN support for this link type (only Ethernet)");
	if (has_id && id > 0x0fff)
		return flt_error(c, "VLAN tag %u greater than maximum 4095", id);
	r = any_of(c, 2, c->off_ll, tpids, 3);
	if (has_id)
		r = fn_and(c, r, mcmp_abs(c, 2, c->off_nl, 0x0fff, id));
	/* Everything after `vlan` looks one 4-byte tag further in (libpcap's rule). */
	c->off_ll += 4;
	c->off_nl += 4;
	return r;
}

int gen_len_cmp(struct fc *c, bool greater, uint32_t n)
{
	struct sock_filter s = stmt(BPF_LD | BPF_W | BPF_LEN, 0);

	if (greater)
		return fn_test(c, &s, 1, BPF_JMP | BPF_JGE | BPF_K, n);
	return fn_not(c, fn_test(c, &s, 1, BPF_JMP | BPF_JGT | BPF_K, n));
}

int gen_multicast(struct fc *c, int proto, bool broadcast)
{
	struct sock_filter s;

	if (proto == FP_NONE || proto == FP_LINK) {
		static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

		if (!c->ethernet)
			return flt_error(c, "'%s' without ip/ip6 is supported only on Ethernet",
					 broadcast ? "broadcast" : "multicast");
		if (broadcast)
			return mac_side(c, 0, bcast);
		s = stmt(BPF_LD | BPF_B | BPF_ABS, 0);
		return fn_test(c, &s, 1, BPF_JMP | BPF_JSET | BPF_K, 1);
	}
	if (broadcast)
		return flt_error(c, "'ip broadcast' needs the network mask and is not supported; "
				 "compile it with tcpdump -ddd and use --bpf FILE");
	if (proto == FP_IP) {
		s = stmt(BPF_LD | BPF_B | BPF_ABS, c->off_nl + 16);
		return fn_and(c, gen_linktype(c, 0x0800), fn_test(c, &s, 1, BPF_JMP | BPF_JGE | BPF_K, 224));
	}
	if (proto == FP_IP6)
		return fn_and(c, gen_linktype(c, 0x86dd), cmp_abs(c, 1, c->off_nl + 24, 255));
	return flt_error(c, "'multicast' applies to ether, ip or ip6 only");
}
