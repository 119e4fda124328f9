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

/* Build the keys (and hashes) of the op's Ethernet and IP conversations, when it has them. */
static void op_make_parents(struct flow_op *op)
{
	const struct flow_key *t = &op->key;

	if (op->has_eth)
		flow_key_make_hashed(&op->eth_key, &op->eth_hash, FLOW_ETH, 0, op->mac_a, op->mac_b, 6,
				     0, 0);
	/* (a, port_a) <= (b, port_b) implies a <= b: the pair is already in order */
	if (t->kind == FLOW_TCP || t->kind == FLOW_UDP)
		flow_key_make_hashed(&op->ip_key, &op->ip_hash, t->family == 4 ? FLOW_IP4 : FLOW_IP6,
				     t->family, t->a, t->b, t->addr_len, 0, 0);
	op->parents_made = true;
}

/* Count the op's Ethernet conversation the long way; its reference, 0 when folded. */
static uint32_t add_eth(struct summary *s, struct flow_op *op)
{
	struct flow *e;

	if (!op->parents_made)
		op_make_parents(op);
	e = flowtab_add_hashed(s->flows, &op->eth_key, op->eth_hash, op->eth_dir, op->bytes,
			       op->ts_ns);
	return e ? flowtab_ref(s->flows, e) : 0;
}

/* Count the IP conversation of the op's TCP/UDP key the long way; its reference, 0 when folded. */
static uint32_t add_ip(struct summary *s, struct flow_op *op)
{
	struct flow *e;

	if (!op->parents_made)
		op_make_parents(op);
	e = flowtab_add_hashed(s->flows, &op->ip_key, op->ip_hash, op->ip_dir, op->bytes, op->ts_ns);
	return e ? flowtab_ref(s->flows, e) : 0;
}

/* The 6 bytes at x and y are equal (inline: a library memcmp call costs more than this). */
static inline bool mac_eq(const uint8_t *x, const uint8_t *y)
{
	uint32_t x4, y4;
	uint16_t x2, y2;

	memcpy(&x4, x, 4);
	memcpy(&y4, y, 4);
	memcpy(&x2, x + 4, 2);
	memcpy(&y2, y + 4, 2);
	return ((x4 ^ y4) | (uint32_t)(x2 ^ y2)) == 0;
}

static bool has_ip_parent(const struct flow_op *op)
{
	return op->key.kind == FLOW_TCP || op->key.kind == FLOW_UDP;
}

/*
 * A known conversation (entry `ref`): count its Ethernet and IP
 * conversations through the entry's links, checking that the Ethernet one
 * still has this packet's addresses, and relinking after a lookup when not.
 */
static void count_linked(struct summary *s, struct flow_op *op, uint32_t ref)
{
	struct flowtab *t = s->flows;
	uint32_t up;

	if (op->has_eth) {
		up = flowtab_at(t, ref)->up_eth;
		struct flow *ee = up ? flowtab_at(t, up) : NULL;
		if (ee && mac_eq(ee->key.a, op->mac_a) && mac_eq(ee->key.b, op->mac_b))
			flow_count(ee, op->eth_dir, op->bytes, op->ts_ns);
		else
			flowtab_at(t, ref)->up_eth = add_eth(s, op);
	}
	if (has_ip_parent(op)) {
		up = flowtab_at(t, ref)->up_ip;
		if (up)
			flow_count(flowtab_at(t, up), op->ip_dir, op->bytes, op->ts_ns);
		else
			flowtab_at(t, ref)->up_ip = add_ip(s, op);
	}
	flow_count(flowtab_at(t, ref), op->dir, op->bytes, op->ts_ns);
}

/*
 * Apply the oldest op. A new conversation counts its Ethernet, IP and own
 * entries in that order, as separate lookups would, so entries are created
 * (or folded when the table is full) in the same order as ever.
 */
static void pipe_apply_oldest(struct summary *s)
{
	struct flow_op *op = &s->pipe[s->pipe_head];
	uint32_t ref = op->ref ? op->ref : flowtab_lookup(s->flows, &op->key, op->hash);

	if (ref) {
		count_linked(s, op, ref);
	} else {
		uint32_t eth = op->has_eth ? add_eth(s, op) : 0;
		uint32_t ip = has_ip_parent(op) ? add_ip(s, op) : 0;
		struct flow *e = flowtab_add_hashed(s->flows, &op->key, op->hash, op->dir, op->bytes,
						    op->ts_ns);
		if (e) {
			e->up_eth = eth;
			e->up_ip = ip;
		}
	}
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

/* The op queued `age` packets before the newest, or NULL when there is none that old. */
static struct flow_op *pipe_aged(struct summary *s, uint32_t age)
{
	if (s->pipe_len <= age)
		return NULL;
	return &s->pipe[(s->pipe_head + s->pipe_len - 1 - age) % FLOW_PIPE];
}

/* Move the queue's middle stages on by one packet (see FLOW_PIPE). */
static void pipe_stages(struct summary *s)
{
	struct flow_op *op = pipe_aged(s, FLOW_STAGE_ENTRY);

	if (op)
		flowtab_prefetch_entry(s->flows, op->hash);
	op = pipe_aged(s, FLOW_STAGE_LOOKUP);
	if (op) {
		op->ref = flowtab_lookup(s->flows, &op->key, op->hash);
		if (op->ref) {
			const struct flow *e = flowtab_at(s->flows, op->ref);
			if (e->up_eth && op->has_eth)
				flowtab_prefetch_ref(s->flows, e->up_eth);
			if (e->up_ip)
				flowtab_prefetch_ref(s->flows, e->up_ip);
		} else {
			op_make_parents(op);
			if (op->has_eth)
				flowtab_prefetch(s->flows, op->eth_hash);
			if (has_ip_parent(op))
				flowtab_prefetch(s->flows, op->ip_hash);
		}
	}
	op = pipe_aged(s, FLOW_STAGE_PARENT);
	if (op && op->parents_made) {
		if (op->has_eth)
			flowtab_prefetch_entry(s->flows, op->eth_hash);
		if (has_ip_parent(op))
			flowtab_prefetch_entry(s->flows, op->ip_hash);
	}
}

/* A free op at the tail of the queue (applying the oldest when full). */
static struct flow_op *pipe_push(struct summary *s)
{
	struct flow_op *op;

	if (s->pipe_len == FLOW_PIPE)
		pipe_apply_oldest(s);
	op = &s->pipe[(s->pipe_head + s->pipe_len) % FLOW_PIPE];
	s->pipe_len++;
	return op;
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
static void op_set_eth(struct flow_op *op, const uint8_t *src, const uint8_t *dst)
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
 * op per packet, keyed by the deepest of them; for TCP and UDP also the
 * counters of both ports (random accesses into 2 MiB, prefetched too).
 */
static void add_flows(struct summary *s, const struct frame *f, const struct dec_packet *d)
{
	bool eth = (d->link.proto == DEC_P_ETHER || d->link.proto == DEC_P_LLC) &&
		   (d->link.status == DEC_OK || f->caplen >= 14);
	bool ip = (d->net.proto == DEC_P_IPV4 || d->net.proto == DEC_P_IPV6) && d->net.status == DEC_OK;
	enum flow_kind kind = FLOW_ETH;
	uint16_t sport = 0, dport = 0;
	struct flow_op *op;

	if (!eth && !ip)
		return;
	op = pipe_push(s);
	op->has_eth = false;
	op->parents_made = false;
	op->ports = NULL;
	op->ref = 0;
	op->bytes = f->origlen;
	op->ts_ns = f->ts_ns;
	if (!ip) {
		op->dir = (uint8_t)flow_key_make_hashed(&op->key, &op->hash, FLOW_ETH, 0, d->l2.src,
							d->l2.dst, 6, 0, 0);
	} else {
		uint8_t fam = d->net.proto == DEC_P_IPV4 ? 4 : 6;
		size_t alen = fam == 4 ? 4 : 16;

		if (eth)
			op_set_eth(op, d->l2.src, d->l2.dst);
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
		op->dir = (uint8_t)flow_key_make_hashed(&op->key, &op->hash, kind, fam, d->ip.src,
							d->ip.dst, alen, sport, dport);
		/* the address pair alone orders the IP conversation; equal addresses go as dir 0 */
		op->ip_dir = ip_eq(d->ip.src, d->ip.dst, alen) ? 0 : op->dir;
	}
	flowtab_prefetch(s->flows, op->hash);
	if (kind == FLOW_TCP || kind == FLOW_UDP) {
		op->ports = s->ports + (kind == FLOW_UDP ? 65536 : 0);
		__builtin_prefetch(&op->ports[sport], 1);
		__builtin_prefetch(&op->ports[dport], 1);
	}
	pipe_stages(s);
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
