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

long sum_conv_rows(const struct flowtab *t, enum flow_kind kind, const struct flow ***rows)
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
	qsort(r, n, sizeof *r, conv_cmp);
	*rows = r;
	return (long)n;
}

static int ep_addr_cmp(const void *pa, const void *pb)
{
	const struct sum_endpoint *a = pa, *b = pb;
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

static void ep_set(struct sum_endpoint *e, const struct flow *f, int side)
{
	int tx = side, rx = 1 - side;

	memset(e, 0, sizeof *e);
	memcpy(e->addr, side == 0 ? f->key.a : f->key.b, sizeof e->addr);
	e->addr_len = f->key.addr_len;
	e->family = f->key.family;
	e->port = side == 0 ? f->key.port_a : f->key.port_b;
	e->tx_pkts = f->pkts[tx];
	e->tx_bytes = f->bytes[tx];
	e->rx_pkts = f->pkts[rx];
	e->rx_bytes = f->bytes[rx];
}

long sum_endpoints(const struct flow *const *rows, size_t n, struct sum_endpoint **out)
{
	struct sum_endpoint *e;
	size_t m = 0;

	*out = NULL;
	if (n == 0)
		return 0;
	e = malloc(2 * n * sizeof *e);
	if (!e)
		return -1;
	for (size_t i = 0; i < n; i++) {
		ep_set(&e[2 * i], rows[i], 0);
		ep_set(&e[2 * i + 1], rows[i], 1);
	}
	qsort(e, 2 * n, sizeof *e, ep_addr_cmp);
	for (size_t i = 0; i < 2 * n; i++) {
		if (m > 0 && ep_addr_cmp(&e[m - 1], &e[i]) == 0) {
			e[m - 1].tx_pkts += e[i].tx_pkts;
			e[m - 1].tx_bytes += e[i].tx_bytes;
			e[m - 1].rx_pkts += e[i].rx_pkts;
			e[m - 1].rx_bytes += e[i].rx_bytes;
		} else {
			e[m++] = e[i];
		}
	}
	qsort(e, m, sizeof *e, ep_rank_cmp);
	*out = e;
	return (long)m;
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
	qsort(p, n, sizeof *p, port_cmp);
	if (max && n > max)
		n = max;
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
