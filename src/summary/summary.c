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
	if (!s->flows || !s->ports || !s->files) {
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

static void pipe_apply_oldest(struct summary *s)
{
	struct flow_op *op = &s->pipe[s->pipe_head];

	flowtab_add_hashed(s->flows, &op->key, op->hash, (int)op->dir, op->bytes, op->ts_ns);
	if (op->ports) {
		struct port_count *pa = &op->ports[op->key.port_a], *pb = &op->ports[op->key.port_b];
		pa->pkts++;
		pa->bytes += op->bytes;
		if (pb != pa) {
			pb->pkts++;
			pb->bytes += op->bytes;
		}
	}
	s->pipe_head = (s->pipe_head + 1) % FLOW_PIPE;
	s->pipe_len--;
}

/* Apply every queued flow update (before anything reads the table). */
static void pipe_drain(struct summary *s)
{
	while (s->pipe_len)
		pipe_apply_oldest(s);
}

void summary_flush(struct summary *s)
{
	pipe_drain(s);
}

/*
 * Queue one flow update (and, for TCP/UDP, the counters of both ports,
 * which are random accesses into 2 MiB as well).
 */
static void add_flow(struct summary *s, enum flow_kind kind, uint8_t family,
		     const uint8_t *src, const uint8_t *dst, size_t alen,
		     uint16_t sport, uint16_t dport, uint64_t bytes, uint64_t ts)
{
	struct flow_op *op;

	if (s->pipe_len == FLOW_PIPE)
		pipe_apply_oldest(s);
	op = &s->pipe[(s->pipe_head + s->pipe_len) % FLOW_PIPE];
	op->dir = (uint32_t)flow_key_make_hashed(&op->key, &op->hash, kind, family, src, dst, alen,
						 sport, dport);
	flowtab_prefetch(s->flows, op->hash);
	op->bytes = bytes;
	op->ts_ns = ts;
	op->ports = NULL;
	if (kind == FLOW_TCP || kind == FLOW_UDP) {
		op->ports = s->ports + (kind == FLOW_UDP ? 65536 : 0);
		__builtin_prefetch(&op->ports[sport], 1);
		__builtin_prefetch(&op->ports[dport], 1);
	}
	s->pipe_len++;
	if (s->pipe_len > FLOW_PIPE_MID)
		flowtab_prefetch_entry(s->flows,
				       s->pipe[(s->pipe_head + s->pipe_len - 1 - FLOW_PIPE_MID) % FLOW_PIPE].hash);
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
 * is there, IP once its header decoded, TCP/UDP once theirs decoded.
 */
static void add_flows(struct summary *s, const struct frame *f, const struct dec_packet *d)
{
	uint64_t len = f->origlen, ts = f->ts_ns;
	uint8_t fam;

	if ((d->link.proto == DEC_P_ETHER || d->link.proto == DEC_P_LLC) &&
	    (d->link.status == DEC_OK || f->caplen >= 14))
		add_flow(s, FLOW_ETH, 0, d->l2.src, d->l2.dst, 6, 0, 0, len, ts);
	if ((d->net.proto != DEC_P_IPV4 && d->net.proto != DEC_P_IPV6) || d->net.status != DEC_OK)
		return;
	fam = d->net.proto == DEC_P_IPV4 ? 4 : 6;
	add_flow(s, fam == 4 ? FLOW_IP4 : FLOW_IP6, fam, d->ip.src, d->ip.dst,
		 fam == 4 ? 4 : 16, 0, 0, len, ts);
	if (d->tp.status != DEC_OK)
		return;
	if (d->tp.proto == DEC_P_TCP) {
		add_flow(s, FLOW_TCP, fam, d->ip.src, d->ip.dst, fam == 4 ? 4 : 16,
			 d->tcp.sport, d->tcp.dport, len, ts);
		add_tcp_flags(s, d->tcp.flags);
	} else if (d->tp.proto == DEC_P_UDP) {
		add_flow(s, FLOW_UDP, fam, d->ip.src, d->ip.dst, fam == 4 ? 4 : 16,
			 d->udp.sport, d->udp.dport, len, ts);
	}
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
