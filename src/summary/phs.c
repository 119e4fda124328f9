/* SPDX-License-Identifier: BSD-2-Clause */
/* Protocol hierarchy: a small fixed tree of protocol paths with frame and byte counts, as tshark -z io,phs. */
#include <string.h>

#include "pcaprec/summary.h"
#include "pcaprec/util.h"

static const char *const phs_names[PHS_NPROTO] = {
	[PHS_ROOT] = "",
	[PHS_ETH] = "eth",
	[PHS_LLC] = "llc",
	[PHS_SLL] = "sll",
	[PHS_RAW] = "raw",
	[PHS_NULL] = "null",
	[PHS_LOOP] = "loop",
	[PHS_LINK_OTHER] = "data",
	[PHS_VLAN] = "vlan",
	[PHS_QINQ] = "ieee8021ad",
	[PHS_ARP] = "arp",
	[PHS_IP] = "ip",
	[PHS_IPV6] = "ipv6",
	[PHS_NET_OTHER] = "data",
	[PHS_TCP] = "tcp",
	[PHS_UDP] = "udp",
	[PHS_ICMP] = "icmp",
	[PHS_ICMPV6] = "icmpv6",
	[PHS_TP_OTHER] = "data",
	[PHS_TRUNCATED] = "_ws.short",
	[PHS_INVALID] = "_ws.malformed",
	[PHS_GRE] = "gre",
	[PHS_VXLAN] = "vxlan",
	[PHS_GENEVE] = "geneve",
	[PHS_MPLS] = "mpls",
};

const char *phs_proto_name(enum phs_proto p)
{
	return (unsigned)p < PHS_NPROTO ? phs_names[p] : "?";
}

#define PHS_KEY_NONE UINT64_MAX   /* no path packs to it: 12 x 5 bits use 60 */
#define PHS_KEY_BITS 5u

void phs_init(struct phs *h)
{
	memset(h, 0, sizeof *h);
	h->nnodes = 1;
	for (uint32_t i = 0; i < PHS_CACHE; i++)
		h->cache[i].key = PHS_KEY_NONE;
}

/* Child `p` of node `at`, created when missing; `at` itself when the tree is full. */
static uint32_t phs_child(struct phs *h, uint32_t at, uint8_t p)
{
	struct phs_node *n = &h->node[at];
	uint32_t c = n->child[p];

	if (c != 0)
		return c;
	if (h->nnodes >= PHS_MAX_NODES)
		return at;
	c = h->nnodes++;
	h->node[c].proto = p;
	h->node[c].depth = (uint8_t)(n->depth + 1);
	h->node[c].parent = (uint16_t)at;
	n->child[p] = (uint16_t)c;
	return c;
}

/* The node the walk along `path` ends at, creating nodes on the way (it stops early when the tree is full). */
static uint32_t phs_walk(struct phs *h, const uint8_t *path, size_t n)
{
	uint32_t at = 0;

	for (size_t i = 0; i < n && i < PHS_MAX_DEPTH; i++) {
		uint32_t c = phs_child(h, at, path[i]);
		if (c == at)
			break;
		at = c;
	}
	return at;
}

/* `path` packed as a cache key, or PHS_KEY_NONE when it cannot be (too long, a protocol 0 or out of range). */
static inline uint64_t phs_key(const uint8_t *path, size_t n)
{
	uint64_t k = 0;

	if (n > PHS_MAX_DEPTH)
		return PHS_KEY_NONE;
	for (size_t i = 0; i < n; i++) {
		if (path[i] == 0 || path[i] >= PHS_NPROTO)
			return PHS_KEY_NONE;
		k |= (uint64_t)path[i] << (PHS_KEY_BITS * i);
	}
	return k;
}

/*
 * A walk's end never changes once found: nodes are never removed, and a
 * walk cut short by a full tree stays cut (the tree stays full).
 */
void phs_add(struct phs *h, const uint8_t *path, size_t n, uint64_t bytes)
{
	uint64_t k = phs_key(path, n);
	struct phs_cache_slot *c = &h->cache[(k * 0x9e3779b97f4a7c15ull) >> 60];
	uint32_t at;

	_Static_assert(PHS_CACHE == 16u, "the slot index takes the hash's top 4 bits");
	_Static_assert(PHS_NPROTO <= 1u << PHS_KEY_BITS, "protocols fit the key's 5-bit fields");
	if (k != PHS_KEY_NONE && c->key == k) {
		at = c->end;
	} else {
		at = phs_walk(h, path, n);
		if (k != PHS_KEY_NONE) {
			c->key = k;
			c->end = at;
		}
	}
	h->end[at].frames++;
	h->end[at].bytes += bytes;
}

/* Children have higher indexes than their parents, so one backward pass sums every subtree. */
void phs_finish(struct phs *h)
{
	for (uint32_t i = 0; i < h->nnodes; i++) {
		h->node[i].frames = h->end[i].frames;
		h->node[i].bytes = h->end[i].bytes;
	}
	for (uint32_t i = h->nnodes; i-- > 1;) {
		struct phs_node *parent = &h->node[h->node[i].parent];
		parent->frames += h->node[i].frames;
		parent->bytes += h->node[i].bytes;
	}
}

static uint8_t link_proto(uint8_t p)
{
	switch (p) {
	case DEC_P_ETHER: case DEC_P_LLC: return PHS_ETH;
	case DEC_P_SLL: case DEC_P_SLL2: return PHS_SLL;
	case DEC_P_RAWIP: return PHS_RAW;
	case DEC_P_NULL: return PHS_NULL;
	case DEC_P_LOOP: return PHS_LOOP;
	default: return PHS_LINK_OTHER;
	}
}

static uint8_t net_proto(uint8_t p)
{
	switch (p) {
	case DEC_P_ARP: return PHS_ARP;
	case DEC_P_IPV4: return PHS_IP;
	case DEC_P_IPV6: return PHS_IPV6;
	default: return PHS_NET_OTHER;
	}
}

static uint8_t tp_proto(uint8_t p)
{
	switch (p) {
	case DEC_P_TCP: return PHS_TCP;
	case DEC_P_UDP: return PHS_UDP;
	case DEC_P_ICMP: return PHS_ICMP;
	case DEC_P_ICMPV6: return PHS_ICMPV6;
	default: return PHS_TP_OTHER;
	}
}

/* Append `p` for a layer and, when it failed, the failure marker; false when decoding stops here. */
static bool phs_layer(uint8_t *path, size_t *n, uint8_t p, uint8_t status)
{
	path[(*n)++] = p;
	if (status == DEC_TRUNCATED || status == DEC_INVALID) {
		path[(*n)++] = status == DEC_TRUNCATED ? PHS_TRUNCATED : PHS_INVALID;
		return false;
	}
	return true;
}

/*
 * tshark names the link and each VLAN tag, then the network and transport
 * protocols; a frame too short for its link header counts only as
 * "_ws.short" at the top, a later short header under its protocol.
 */
size_t phs_path(const struct dec_packet *d, const uint8_t *p, size_t caplen, uint8_t *path)
{
	bool ether = d->link.proto == DEC_P_ETHER || d->link.proto == DEC_P_LLC;
	size_t n = 0;

	if (d->link.proto == DEC_P_NONE)
		return 0;
	if (d->link.status == DEC_TRUNCATED && !(ether && caplen >= 14)) {
		path[n++] = PHS_TRUNCATED;
		return n;
	}
	path[n++] = link_proto(d->link.proto);
	for (uint8_t i = 0; i < d->l2.nvlan && i < DEC_MAX_VLAN && n < PHS_MAX_DEPTH - 4; i++)
		path[n++] = d->l2.vlan[i].tpid == 0x88a8 ? PHS_QINQ : PHS_VLAN;
	if (d->link.proto == DEC_P_LLC)
		path[n++] = PHS_LLC;
	if (d->link.status == DEC_TRUNCATED || d->link.status == DEC_INVALID) {
		size_t at = 12 + 4 * (size_t)d->l2.nvlan;  /* type field naming the tag that was cut */
		if (ether && d->link.proto == DEC_P_ETHER && d->link.status == DEC_TRUNCATED &&
		    at + 2 <= caplen && d->l2.nvlan < DEC_MAX_VLAN) {
			uint16_t t = ld_be16(p + at);
			if (t == 0x8100 || t == 0x9100)
				path[n++] = PHS_VLAN;
			else if (t == 0x88a8)
				path[n++] = PHS_QINQ;
		}
		path[n++] = d->link.status == DEC_TRUNCATED ? PHS_TRUNCATED : PHS_INVALID;
		return n;
	}
	if (d->net.proto == DEC_P_NONE)
		return n;
	if (!phs_layer(path, &n, net_proto(d->net.proto), d->net.status))
		return n;
	if (d->tp.proto == DEC_P_NONE)
		return n;
	phs_layer(path, &n, tp_proto(d->tp.proto), d->tp.status);
	return n;
}

size_t phs_tunnel_path(const struct dec_tunnel *t, const struct dec_packet *in, const uint8_t *p,
		       size_t caplen, uint8_t *path, size_t n)
{
	static const uint8_t tun[] = {
		[DEC_TUN_GRE] = PHS_GRE, [DEC_TUN_VXLAN] = PHS_VXLAN, [DEC_TUN_GENEVE] = PHS_GENEVE,
	};
	uint8_t inner[PHS_MAX_DEPTH];
	size_t m, i = 0;

	/* the outer packet's "data" was the tunnel */
	if (n > 0 && (path[n - 1] == PHS_TP_OTHER || path[n - 1] == PHS_NET_OTHER))
		n--;
	if (t->kind < sizeof tun && tun[t->kind] && n < PHS_MAX_DEPTH)
		path[n++] = tun[t->kind];
	for (uint8_t l = 0; l < t->mpls && n < PHS_MAX_DEPTH; l++)
		path[n++] = PHS_MPLS; /* tshark: one "mpls" per label stack entry */
	m = phs_path(in, p, caplen, inner);
	if (m > 0 && inner[0] == PHS_RAW)
		i = 1; /* an IP packet straight after the tunnel header: no link layer of its own */
	for (; i < m && n < PHS_MAX_DEPTH; i++)
		path[n++] = inner[i];
	return n;
}
