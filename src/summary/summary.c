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

uint64_t summary_iface_lost(const struct summary_iface *f)
{
	return (f->has_ifdrop ? f->ifdrop : 0) + (f->has_osdrop ? f->osdrop : 0);
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

static void add_times(struct summary *s, uint64_t ts)
{
	if (!s->have_time) {
		s->have_time = true;
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
}

static void add_totals(struct summary *s, const struct frame *f, enum summary_ts ts)
{
	if (ts == SUMMARY_TS_OK)
		add_times(s, f->ts_ns);
	else if (ts == SUMMARY_TS_NONE)
		s->untimed++;
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
	phs_finish(&s->phs);
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
static void add_flows(struct summary *s, const struct frame *f, const struct dec_packet *d,
		      uint64_t ts_ns)
{
	bool eth = (d->link.proto == DEC_P_ETHER || d->link.proto == DEC_P_LLC) &&
		   (d->link.status == DEC_OK || d->caplen >= 14);
	bool ip = (d->net.proto == DEC_P_IPV4 || d->net.proto == DEC_P_IPV6) && d->net.status == DEC_OK;
	struct flow_pkt *p;

	if (!eth && !ip)
		return;
	p = flow_feed_slot(s->feed);
	p->bytes = f->origlen;
	p->ts_ns = ts_ns;
	p->sport = p->dport = 0;
	if (!ip) {
		p->kind = FLOW_ETH;
		p->family = 0;
		p->addr_len = 6;
		p->has_eth = false;
		memcpy(p->src, d->l2.src, 6);
		memcpy(p->dst, d->l2.dst, 6);
	} else {
		p->family = d->net.proto == DEC_P_IPV4 ? 4 : 6;
		p->addr_len = p->family == 4 ? 4 : 16;
		p->kind = p->family == 4 ? FLOW_IP4 : FLOW_IP6;
		p->has_eth = eth;
		if (eth) {
			memcpy(p->mac_src, d->l2.src, 6);
			memcpy(p->mac_dst, d->l2.dst, 6);
		}
		if (d->tp.status == DEC_OK && d->tp.proto == DEC_P_TCP) {
			p->kind = FLOW_TCP;
			p->sport = d->tcp.sport;
			p->dport = d->tcp.dport;
			add_tcp_flags(s, d->tcp.flags);
		} else if (d->tp.status == DEC_OK && d->tp.proto == DEC_P_UDP) {
			p->kind = FLOW_UDP;
			p->sport = d->udp.sport;
			p->dport = d->udp.dport;
		}
		memcpy(p->src, d->ip.src, 16);
		memcpy(p->dst, d->ip.dst, 16);
	}
	flow_feed_commit(s->feed);
}

void summary_add(struct summary *s, const struct frame *f, const struct dec_packet *d)
{
	summary_add_ts(s, f, d, SUMMARY_TS_OK);
}

void summary_malformed(struct summary *s, const char *why)
{
	if (s->malformed++ == 0)
		snprintf(s->malformed_why, sizeof s->malformed_why, "%s", why);
}

uint64_t summary_malformed_count(const struct summary *s)
{
	return s->malformed;
}

const char *summary_malformed_first(const struct summary *s)
{
	return s->malformed_why;
}

/*
 * Packets inside tunnels (dec_tunnel), up to SUMMARY_TUNNEL_DEPTH deep:
 * each inner packet counts in the conversations and endpoints as its own,
 * with the frame's length as tshark counts it, and extends the protocol
 * path. Returns the path's new length.
 */
static size_t add_tunnels(struct summary *s, const struct frame *f, const struct dec_packet *d,
			  uint64_t ts_ns, uint8_t *path, size_t n)
{
	struct dec_packet inner[2];
	const struct dec_packet *cur = d;
	const uint8_t *p = f->data;
	size_t caplen = f->caplen;
	uint32_t origlen = f->origlen;
	struct dec_tunnel t;

	for (int depth = 0; depth < SUMMARY_TUNNEL_DEPTH && dec_tunnel(p, caplen, cur, &t); depth++) {
		struct dec_packet *in = &inner[depth & 1];
		p += t.off;
		caplen -= t.off;
		origlen = origlen > t.off ? origlen - t.off : 0;
		dec_packet(t.linktype, p, caplen, origlen, SUMMARY_DEC_DEPTH, in);
		n = phs_tunnel_path(&t, in, p, caplen, path, n);
		add_flows(s, f, in, ts_ns);
		cur = in;
	}
	return n;
}

void summary_add_ts(struct summary *s, const struct frame *f, const struct dec_packet *d,
		    enum summary_ts ts)
{
	bool ts_valid = ts == SUMMARY_TS_OK;
	uint8_t path[PHS_MAX_DEPTH];
	size_t n;

	add_totals(s, f, ts);
	if (ts_valid)
		tseries_add(&s->ts, f->ts_ns, f->origlen);
	if (d->status == DEC_TRUNCATED)
		s->truncated++;
	else if (d->status == DEC_INVALID)
		s->invalid++;
	n = phs_path(d, f->data, f->caplen, path);
	add_flows(s, f, d, ts_valid ? f->ts_ns : s->prev_ns);
	if (d->net.proto != DEC_P_NONE)
		n = add_tunnels(s, f, d, ts_valid ? f->ts_ns : s->prev_ns, path, n);
	phs_add(&s->phs, path, n, f->origlen);
}
