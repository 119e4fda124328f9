/* SPDX-License-Identifier: BSD-2-Clause */
/* Counting one frame into the summary: totals, hierarchy, conversations, ports, TCP flags, time series. */
#include <stdlib.h>
#include <string.h>

#include "pcaprec/util.h"
#include "summary_int.h"

struct summary *summary_open(const struct summary_opts *opts, char *err, size_t errlen)
{
	struct summary *s = calloc(1, sizeof *s);
	uint64_t max_flows;

	if (!s) {
		errf(err, errlen, "out of memory for the summary");
		return NULL;
	}
	s->opt = *opts;
	s->top = opts->top_set ? opts->top : SUMMARY_DEFAULT_TOP;
	max_flows = opts->max_flows ? opts->max_flows : SUMMARY_DEFAULT_MAX_FLOWS;
	s->flows = flowtab_open(max_flows);
	s->ports = calloc(2 * 65536, sizeof *s->ports);
	s->files = calloc(SUMMARY_MAX_FILES, sizeof *s->files);
	s->side = calloc(1, sizeof *s->side);
	if (s->side) {
		s->side->flows = s->flows;
		s->side->ports = s->ports;
	}
	if (s->flows && s->ports && s->side)
		s->feed = flow_feed_open(s->side, !opts->single_thread);
	if (!s->flows || !s->ports || !s->files || !s->feed) {
		errf(err, errlen, "out of memory for a flow table of %llu entries",
		     (unsigned long long)max_flows);
		summary_close(s);
		return NULL;
	}
	phs_init(&s->phs);
	tseries_init(&s->ts, opts->interval_ns);
	s->caplen_min = UINT32_MAX;
	return s;
}

void summary_close(struct summary *s)
{
	if (!s)
		return;
	flow_feed_close(s->feed);  /* first: it stops the thread that uses the table */
	free(s->side);
	flowtab_close(s->flows);
	free(s->ports);
	free(s->files);
	free(s);
}

void summary_add_file(struct summary *s, const struct summary_file *f)
{
	if (s->nfiles >= SUMMARY_MAX_FILES) {
		s->files_omitted++;
		return;
	}
	s->files[s->nfiles++] = *f;
}

void summary_set_error(struct summary *s, const char *file, const char *msg)
{
	if (s->has_error)
		return;  /* the first damage explains the rest */
	s->has_error = true;
	if (file && *file)
		snprintf(s->error, sizeof s->error, "%s: %s", file, msg);
	else
		snprintf(s->error, sizeof s->error, "%s", msg);
}

uint64_t summary_packets(const struct summary *s)
{
	return s->packets;
}

static void add_totals(struct summary *s, const struct frame *f)
{
	uint64_t ts = f->ts_ns;

	if (s->packets == 0) {
		s->first_ns = s->min_ns = s->max_ns = ts;
	} else {
		if (ts < s->min_ns)
			s->min_ns = ts;
		if (ts > s->max_ns)
			s->max_ns = ts;
		if (ts < s->prev_ns)
			s->out_of_order++;
	}
	s->prev_ns = ts;
	s->packets++;
	s->wire_bytes += f->origlen;
	s->cap_bytes += f->caplen;
	if (f->caplen < s->caplen_min)
		s->caplen_min = f->caplen;
	if (f->caplen > s->caplen_max)
		s->caplen_max = f->caplen;
	if (f->caplen < f->origlen)
		s->snapped++;
}

void summary_flush(struct summary *s)
{
	flow_feed_flush(s->feed);
}

/* A MAC address as a number whose order is the bytewise (memcmp) order. */
static inline uint64_t mac_order(const uint8_t *m)
{
	return (uint64_t)m[0] << 40 | (uint64_t)m[1] << 32 | (uint64_t)m[2] << 24 |
	       (uint64_t)m[3] << 16 | (uint64_t)m[4] << 8 | m[5];
}

/* The IPv4 (alen 4) or IPv6 (16) addresses x and y are equal. */
static inline bool ip_eq(const uint8_t *x, const uint8_t *y, size_t alen)
{
	uint64_t a[2], b[2];

	if (alen == 4) {
		uint32_t x4, y4;
		memcpy(&x4, x, 4);
		memcpy(&y4, y, 4);
		return x4 == y4;
	}
	memcpy(a, x, 16);
	memcpy(b, y, 16);
	return ((a[0] ^ b[0]) | (a[1] ^ b[1])) == 0;
}

/* The Ethernet pair of a packet, normalized into the op as its key would be. */
static void rec_set_eth(struct flow_rec *op, const uint8_t *src, const uint8_t *dst)
{
	int dir = mac_order(src) > mac_order(dst);

	op->has_eth = true;
	op->eth_dir = (uint8_t)dir;
	memcpy(op->mac_a, dir ? dst : src, 6);
	memcpy(op->mac_b, dir ? src : dst, 6);
}

static void add_tcp_flags(struct summary *s, uint16_t fl)
{
	if ((fl & (TCP_SYN | TCP_ACK)) == TCP_SYN)
		s->tcp_syn++;
	else if ((fl & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK))
		s->tcp_synack++;
	if (fl & TCP_RST)
		s->tcp_rst++;
	if (fl & TCP_FIN)
		s->tcp_fin++;
}

/*
 * Conversations as tshark's taps see them: Ethernet once the 14-byte header
 * is there, IP once its header decoded, TCP/UDP once theirs decoded. One
 * record per packet, keyed by the deepest of them, to the flow side.
 */
static void add_flows(struct summary *s, const struct frame *f, const struct dec_packet *d)
{
	bool eth = (d->link.proto == DEC_P_ETHER || d->link.proto == DEC_P_LLC) &&
		   (d->link.status == DEC_OK || f->caplen >= 14);
	bool ip = (d->net.proto == DEC_P_IPV4 || d->net.proto == DEC_P_IPV6) && d->net.status == DEC_OK;
	enum flow_kind kind = FLOW_ETH;
	uint16_t sport = 0, dport = 0;
	struct flow_rec *r;

	if (!eth && !ip)
		return;
	r = flow_feed_slot(s->feed);
	r->has_eth = false;
	r->bytes = f->origlen;
	r->ts_ns = f->ts_ns;
	if (!ip) {
		r->dir = (uint8_t)flow_key_make_hashed(&r->key, &r->hash, FLOW_ETH, 0, d->l2.src,
						       d->l2.dst, 6, 0, 0);
	} else {
		uint8_t fam = d->net.proto == DEC_P_IPV4 ? 4 : 6;
		size_t alen = fam == 4 ? 4 : 16;

		if (eth)
			rec_set_eth(r, d->l2.src, d->l2.dst);
		kind = fam == 4 ? FLOW_IP4 : FLOW_IP6;
		if (d->tp.status == DEC_OK && d->tp.proto == DEC_P_TCP) {
			kind = FLOW_TCP;
			sport = d->tcp.sport;
			dport = d->tcp.dport;
			add_tcp_flags(s, d->tcp.flags);
		} else if (d->tp.status == DEC_OK && d->tp.proto == DEC_P_UDP) {
			kind = FLOW_UDP;
			sport = d->udp.sport;
			dport = d->udp.dport;
		}
		r->dir = (uint8_t)flow_key_make_hashed(&r->key, &r->hash, kind, fam, d->ip.src,
						       d->ip.dst, alen, sport, dport);
		/* the address pair alone orders the IP conversation; equal addresses go as dir 0 */
		r->ip_dir = ip_eq(d->ip.src, d->ip.dst, alen) ? 0 : r->dir;
	}
	flow_feed_commit(s->feed);
}

void summary_add(struct summary *s, const struct frame *f, const struct dec_packet *d)
{
	uint8_t path[PHS_MAX_DEPTH];
	size_t n;

	add_totals(s, f);
	tseries_add(&s->ts, f->ts_ns, f->origlen);
	if (d->status == DEC_TRUNCATED)
		s->truncated++;
	else if (d->status == DEC_INVALID)
		s->invalid++;
	n = phs_path(d, f->data, f->caplen, path);
	phs_add(&s->phs, path, n, f->origlen);
	add_flows(s, f, d);
}
