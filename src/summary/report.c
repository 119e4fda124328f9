/* SPDX-License-Identifier: BSD-2-Clause */
/* The report model shared by the text and JSON writers: sorted tables, derived endpoints, formatting. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "summary_int.h"

const char *flow_kind_name(enum flow_kind kind)
{
	switch (kind) {
	case FLOW_ETH: return "eth";
	case FLOW_IP4: return "ip";
	case FLOW_IP6: return "ipv6";
	case FLOW_TCP: return "tcp";
	case FLOW_UDP: return "udp";
	default: return "none";
	}
}

static int cmp_u64_desc(uint64_t x, uint64_t y)
{
	return x > y ? -1 : x < y ? 1 : 0;
}

static int conv_cmp(const void *pa, const void *pb)
{
	const struct flow *a = *(const struct flow *const *)pa;
	const struct flow *b = *(const struct flow *const *)pb;
	int c = cmp_u64_desc(a->bytes[0] + a->bytes[1], b->bytes[0] + b->bytes[1]);

	if (c == 0)
		c = cmp_u64_desc(a->pkts[0] + a->pkts[1], b->pkts[0] + b->pkts[1]);
	if (c == 0)
		c = -cmp_u64_desc(a->first_ns, b->first_ns);
	if (c == 0)
		c = memcmp(&a->key, &b->key, sizeof a->key);
	return c;
}

/*
 * Put the `top` (0 = all) first elements by `cmp` at the front of base[0..n),
 * sorted, and return how many that is: a heap of the best `top` seen so far
 * whose root is the worst of them, then one sort of the heap.
 */
static size_t top_select(void *base, size_t n, size_t size, size_t top,
			 int (*cmp)(const void *, const void *))
{
	unsigned char *b = base, tmp[64];

	if (top == 0 || top >= n) {
		qsort(base, n, size, cmp);
		return n;
	}
	if (size > sizeof tmp)
		return 0;
#define EL(i) (b + (i) * size)
#define SWAP(i, j) (memcpy(tmp, EL(i), size), memcpy(EL(i), EL(j), size), memcpy(EL(j), tmp, size))
	for (size_t i = 1; i < top; i++)           /* sift up: parents rank after children */
		for (size_t c = i; c > 0 && cmp(EL((c - 1) / 2), EL(c)) < 0; c = (c - 1) / 2)
			SWAP(c, (c - 1) / 2);
	for (size_t i = top; i < n; i++) {
		size_t p = 0;
		if (cmp(EL(i), EL(0)) >= 0)
			continue;
		SWAP(i, 0);
		for (;;) {                         /* sift down the new root */
			size_t l = 2 * p + 1, r = l + 1, w = p;
			if (l < top && cmp(EL(l), EL(w)) > 0)
				w = l;
			if (r < top && cmp(EL(r), EL(w)) > 0)
				w = r;
			if (w == p)
				break;
			SWAP(p, w);
			p = w;
		}
	}
#undef SWAP
#undef EL
	qsort(base, top, size, cmp);
	return top;
}

long sum_conv_rows(const struct flowtab *t, enum flow_kind kind, size_t top,
		   const struct flow ***rows)
{
	uint64_t n = flowtab_count_kind(t, kind);
	const struct flow **r;

	*rows = NULL;
	if (n == 0)
		return 0;
	r = malloc(n * sizeof *r);
	if (!r)
		return -1;
	n = flowtab_collect(t, kind, r);
	*rows = r;
	return (long)top_select(r, n, sizeof *r, top, conv_cmp);
}

static int ep_addr_cmp(const struct sum_endpoint *a, const struct sum_endpoint *b)
{
	int c = memcmp(a->addr, b->addr, sizeof a->addr);

	if (c == 0)
		c = (int)a->port - (int)b->port;
	if (c == 0)
		c = (int)a->family - (int)b->family;
	return c;
}

static int ep_rank_cmp(const void *pa, const void *pb)
{
	const struct sum_endpoint *a = pa, *b = pb;
	int c = cmp_u64_desc(a->tx_bytes + a->rx_bytes, b->tx_bytes + b->rx_bytes);

	if (c == 0)
		c = cmp_u64_desc(a->tx_pkts + a->rx_pkts, b->tx_pkts + b->rx_pkts);
	if (c == 0)
		c = ep_addr_cmp(a, b);
	return c;
}

static uint32_t ep_hash(const uint8_t *addr, uint16_t port)
{
	uint64_t w[2], h;

	memcpy(w, addr, sizeof w);
	h = (w[0] ^ (w[1] * 0x9e3779b97f4a7c15ull) ^ port) * 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return (uint32_t)(h ^ (h >> 33));
}

/* Endpoint aggregation: a power-of-two index (entry + 1, 0 = empty) over a dense array. */
struct ep_agg {
	uint32_t *idx;
	uint64_t mask;
	struct sum_endpoint *e;
	size_t n;
};

static void ep_add(struct ep_agg *g, const struct flow *f, int side)
{
	const uint8_t *addr = side == 0 ? f->key.a : f->key.b;
	uint16_t port = side == 0 ? f->key.port_a : f->key.port_b;
	int tx = side, rx = 1 - side;
	struct sum_endpoint *e;
	uint64_t i;

	for (i = ep_hash(addr, port) & g->mask; g->idx[i]; i = (i + 1) & g->mask) {
		e = &g->e[g->idx[i] - 1];
		if (e->port == port && memcmp(e->addr, addr, sizeof e->addr) == 0)
			goto found;
	}
	e = &g->e[g->n++];
	g->idx[i] = (uint32_t)g->n;
	memset(e, 0, sizeof *e);
	memcpy(e->addr, addr, sizeof e->addr);
	e->addr_len = f->key.addr_len;
	e->family = f->key.family;
	e->port = port;
found:
	e->tx_pkts += f->pkts[tx];
	e->tx_bytes += f->bytes[tx];
	e->rx_pkts += f->pkts[rx];
	e->rx_bytes += f->bytes[rx];
}

/*
 * The aggregation reads an index slot and an endpoint at random for each
 * end of each conversation; start loading both some rows ahead (slots
 * first, then, once a slot has arrived, the endpoint it names).
 */
#define EP_AHEAD_SLOT 16u
#define EP_AHEAD_ENTRY 8u

/*
 * Add both ends of rows[0..n). The prefetches sit in this loop, not in
 * helpers of their own: GCC finds a function that only prefetches free of
 * side effects and drops the calls to it.
 */
static void ep_aggregate(struct ep_agg *g, const struct flow **rows, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		const struct flow *f;
		if (i + EP_AHEAD_SLOT < n) {
			f = rows[i + EP_AHEAD_SLOT];
			__builtin_prefetch(&g->idx[ep_hash(f->key.a, f->key.port_a) & g->mask]);
			__builtin_prefetch(&g->idx[ep_hash(f->key.b, f->key.port_b) & g->mask]);
		}
		if (i + EP_AHEAD_ENTRY < n) {
			f = rows[i + EP_AHEAD_ENTRY];
			uint32_t ea = g->idx[ep_hash(f->key.a, f->key.port_a) & g->mask];
			uint32_t eb = g->idx[ep_hash(f->key.b, f->key.port_b) & g->mask];
			if (ea)
				__builtin_prefetch(&g->e[ea - 1], 1);
			if (eb)
				__builtin_prefetch(&g->e[eb - 1], 1);
		}
		ep_add(g, rows[i], 0);
		ep_add(g, rows[i], 1);
	}
}

long sum_endpoints(const struct flowtab *t, enum flow_kind kind, size_t top,
		   struct sum_endpoint **out, size_t *total)
{
	uint64_t n = flowtab_count_kind(t, kind), slots = 1;
	const struct flow **rows = NULL;
	struct ep_agg g = { 0 };

	*out = NULL;
	*total = 0;
	if (n == 0)
		return 0;
	while (slots < 4 * n)
		slots <<= 1;
	rows = malloc(n * sizeof *rows);
	g.idx = calloc(slots, sizeof *g.idx);
	g.e = malloc(2 * n * sizeof *g.e);
	if (!rows || !g.idx || !g.e) {
		free(rows);
		free(g.idx);
		free(g.e);
		return -1;
	}
	g.mask = slots - 1;
	n = flowtab_collect(t, kind, rows);
	ep_aggregate(&g, rows, n);
	free(rows);
	free(g.idx);
	*out = g.e;
	*total = g.n;
	return (long)top_select(g.e, g.n, sizeof *g.e, top, ep_rank_cmp);
}

static int port_cmp(const void *pa, const void *pb)
{
	const struct sum_port *a = pa, *b = pb;
	int c = cmp_u64_desc(a->pkts, b->pkts);

	if (c == 0)
		c = cmp_u64_desc(a->bytes, b->bytes);
	if (c == 0)
		c = (int)a->port - (int)b->port;
	return c;
}

long sum_top_ports(const struct summary *s, bool udp, size_t max, struct sum_port **out)
{
	const struct port_count *pc = s->ports + (udp ? 65536 : 0);
	struct sum_port *p;
	size_t n = 0;

	*out = NULL;
	for (size_t i = 0; i < 65536; i++)
		n += pc[i].pkts != 0;
	if (n == 0)
		return 0;
	p = malloc(n * sizeof *p);
	if (!p)
		return -1;
	n = 0;
	for (size_t i = 0; i < 65536; i++) {
		if (pc[i].pkts == 0)
			continue;
		p[n].port = (uint16_t)i;
		p[n].pkts = pc[i].pkts;
		p[n].bytes = pc[i].bytes;
		n++;
	}
	n = top_select(p, n, sizeof *p, max, port_cmp);
	*out = p;
	return (long)n;
}

void sum_fmt_addr(const uint8_t *a, uint8_t addr_len, char *buf, size_t len)
{
	if (addr_len == 6) {
		snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
	} else if (addr_len == 4) {
		snprintf(buf, len, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	} else if (addr_len == 16) {
		if (!inet_ntop(AF_INET6, a, buf, (socklen_t)len))
			snprintf(buf, len, "?");
	} else {
		snprintf(buf, len, "?");
	}
}

void sum_fmt_time(uint64_t ns, bool iso, char *buf, size_t len)
{
	time_t sec = (time_t)(ns / 1000000000u);
	struct tm tm;
	char date[40];

	if (!gmtime_r(&sec, &tm) ||
	    strftime(date, sizeof date, iso ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &tm) == 0) {
		snprintf(buf, len, "?");
		return;
	}
	snprintf(buf, len, "%s.%09u%s", date, (unsigned)(ns % 1000000000u), iso ? "Z" : "");
}
