/* SPDX-License-Identifier: BSD-2-Clause */
/* The flow side of the summary: conversation and port updates through a prefetching FIFO. */
#include <string.h>

#include "pcaprec/util.h"
#include "summary_int.h"

/* Position i (< 2 * FLOW_PIPE) of the ring, wrapped: a compare, not a division by 20. */
static inline uint32_t pipe_wrap(uint32_t i)
{
	return i >= FLOW_PIPE ? i - FLOW_PIPE : i;
}

static bool has_ip_parent(const struct flow_rec *r)
{
	return r->key.kind == FLOW_TCP || r->key.kind == FLOW_UDP;
}

/* Build the keys (and hashes) of the op's Ethernet and IP conversations, when it has them. */
static void op_make_parents(struct flow_op *op)
{
	const struct flow_key *t = &op->r.key;

	if (op->r.has_eth)
		flow_key_make_hashed(&op->eth_key, &op->eth_hash, FLOW_ETH, 0, op->r.mac_a, op->r.mac_b,
				     6, 0, 0);
	/* (a, port_a) <= (b, port_b) implies a <= b: the pair is already in order */
	if (has_ip_parent(&op->r))
		flow_key_make_hashed(&op->ip_key, &op->ip_hash, t->family == 4 ? FLOW_IP4 : FLOW_IP6,
				     t->family, t->a, t->b, t->addr_len, 0, 0);
	op->parents_made = true;
}

/*
 * Count one parent conversation of the op (its Ethernet or IP key) the long
 * way: build the parents' keys if the lookup stage did not; return the
 * entry's reference, 0 when folded.
 */
static uint32_t add_parent(struct flow_side *fs, struct flow_op *op, bool eth)
{
	struct flow *e;

	if (!op->parents_made)
		op_make_parents(op);
	e = flowtab_add_hashed(fs->flows, eth ? &op->eth_key : &op->ip_key,
			       eth ? op->eth_hash : op->ip_hash, eth ? op->r.eth_dir : op->r.ip_dir,
			       op->r.bytes, op->r.ts_ns);
	return e ? ft_ref(fs->flows, e) : 0;
}

static uint32_t add_eth(struct flow_side *fs, struct flow_op *op)
{
	return add_parent(fs, op, true);
}

static uint32_t add_ip(struct flow_side *fs, struct flow_op *op)
{
	return add_parent(fs, op, false);
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

/*
 * A known conversation (entry `ref`): count its Ethernet and IP
 * conversations through the entry's links, checking that the Ethernet one
 * still has this packet's addresses, and relinking after a lookup when not.
 */
static void count_linked(struct flow_side *fs, struct flow_op *op, uint32_t ref)
{
	struct flowtab *t = fs->flows;
	const struct flow_rec *r = &op->r;
	uint32_t up;

	if (r->has_eth) {
		up = ft_at(t, ref)->up_eth;
		struct flow *ee = up ? ft_at(t, up) : NULL;
		if (ee && mac_eq(ee->key.a, r->mac_a) && mac_eq(ee->key.b, r->mac_b))
			flow_count(ee, r->eth_dir, r->bytes, r->ts_ns);
		else
			ft_at(t, ref)->up_eth = add_eth(fs, op);
	}
	if (has_ip_parent(r)) {
		up = ft_at(t, ref)->up_ip;
		if (up)
			flow_count(ft_at(t, up), r->ip_dir, r->bytes, r->ts_ns);
		else
			ft_at(t, ref)->up_ip = add_ip(fs, op);
	}
	flow_count(ft_at(t, ref), r->dir, r->bytes, r->ts_ns);
}

/* The TCP or UDP port counters of an op's key, or NULL for other kinds. */
static struct port_count *op_ports(const struct flow_side *fs, const struct flow_rec *r)
{
	if (r->key.kind == FLOW_TCP)
		return fs->ports;
	if (r->key.kind == FLOW_UDP)
		return fs->ports + 65536;
	return NULL;
}

/*
 * Apply the oldest op. A new conversation counts its Ethernet, IP and own
 * entries in that order, as separate lookups would, so entries are created
 * (or folded when the table is full) in the same order as ever.
 */
static void pipe_apply_oldest(struct flow_side *fs)
{
	struct flow_op *op = &fs->pipe[fs->pipe_head];
	const struct flow_rec *r = &op->r;
	uint32_t ref = op->ref ? op->ref : flowtab_lookup(fs->flows, &r->key, r->hash);
	struct port_count *pc = op_ports(fs, r);

	if (ref) {
		count_linked(fs, op, ref);
	} else {
		uint32_t eth = r->has_eth ? add_eth(fs, op) : 0;
		uint32_t ip = has_ip_parent(r) ? add_ip(fs, op) : 0;
		struct flow *e = flowtab_add_hashed(fs->flows, &r->key, r->hash, r->dir, r->bytes,
						    r->ts_ns);
		if (e) {
			e->up_eth = eth;
			e->up_ip = ip;
		}
	}
	if (pc) {
		struct port_count *pa = &pc[r->key.port_a], *pb = &pc[r->key.port_b];
		pa->pkts++;
		pa->bytes += r->bytes;
		if (pb != pa) {
			pb->pkts++;
			pb->bytes += r->bytes;
		}
	}
	fs->pipe_head = pipe_wrap(fs->pipe_head + 1);
	fs->pipe_len--;
}

void flow_side_drain(struct flow_side *fs)
{
	while (fs->pipe_len)
		pipe_apply_oldest(fs);
}

/* The op queued `age` packets before the newest, or NULL when there is none that old. */
static struct flow_op *pipe_aged(struct flow_side *fs, uint32_t age)
{
	if (fs->pipe_len <= age)
		return NULL;
	return &fs->pipe[pipe_wrap(fs->pipe_head + fs->pipe_len - 1 - age)];
}

/* FLOW_STAGE_LOOKUP for one op (see FLOW_PIPE). */
static void stage_lookup(struct flow_side *fs, struct flow_op *op)
{
	op->ref = flowtab_lookup(fs->flows, &op->r.key, op->r.hash);
	if (op->ref) {
		const struct flow *e = ft_at(fs->flows, op->ref);
		if (e->up_eth && op->r.has_eth)
			ft_prefetch_ref(fs->flows, e->up_eth);
		if (e->up_ip)
			ft_prefetch_ref(fs->flows, e->up_ip);
	} else {
		op_make_parents(op);
		if (op->r.has_eth)
			flowtab_prefetch(fs->flows, op->eth_hash);
		if (has_ip_parent(&op->r))
			flowtab_prefetch(fs->flows, op->ip_hash);
	}
}

/* Move the queue's middle stages on by one packet (see FLOW_PIPE). */
static void pipe_stages(struct flow_side *fs)
{
	struct flow_op *op = pipe_aged(fs, FLOW_STAGE_ENTRY);

	if (op)
		flowtab_prefetch_entry(fs->flows, op->r.hash);
	op = pipe_aged(fs, FLOW_STAGE_LOOKUP);
	if (op)
		stage_lookup(fs, op);
	op = pipe_aged(fs, FLOW_STAGE_PARENT);
	if (op && op->parents_made) {
		if (op->r.has_eth)
			flowtab_prefetch_entry(fs->flows, op->eth_hash);
		if (has_ip_parent(&op->r))
			flowtab_prefetch_entry(fs->flows, op->ip_hash);
	}
}

/* A MAC address as a number whose order is the bytewise (memcmp) order. */
static inline uint64_t mac_order(const uint8_t *m)
{
	return (uint64_t)ld_be32(m) << 16 | ld_be16(m + 4);
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

/* Normalize a packet's update: its key and hash, directions, and its Ethernet pair in key order. */
static void rec_make(struct flow_rec *r, const struct flow_pkt *p)
{
	r->bytes = p->bytes;
	r->ts_ns = p->ts_ns;
	r->has_eth = p->has_eth;
	r->dir = (uint8_t)flow_key_make_hashed(&r->key, &r->hash, (enum flow_kind)p->kind, p->family,
					       p->src, p->dst, p->addr_len, p->sport, p->dport);
	/* the address pair alone orders the IP conversation; equal addresses go as dir 0 */
	if (p->kind != FLOW_ETH)
		r->ip_dir = ip_eq(p->src, p->dst, p->addr_len) ? 0 : r->dir;
	if (p->has_eth) {
		int dir = mac_order(p->mac_src) > mac_order(p->mac_dst);
		r->eth_dir = (uint8_t)dir;
		memcpy(r->mac_a, dir ? p->mac_dst : p->mac_src, 6);
		memcpy(r->mac_b, dir ? p->mac_src : p->mac_dst, 6);
	}
}

/* Starts loading the index slot and, for TCP/UDP, both port counters (random accesses into 2 MiB). */
void flow_side_push(struct flow_side *fs, const struct flow_pkt *p)
{
	struct flow_op *op;
	const struct flow_rec *r;
	struct port_count *pc;

	if (fs->pipe_len == FLOW_PIPE)
		pipe_apply_oldest(fs);
	op = &fs->pipe[pipe_wrap(fs->pipe_head + fs->pipe_len)];
	fs->pipe_len++;
	rec_make(&op->r, p);
	r = &op->r;
	pc = op_ports(fs, r);
	op->ref = 0;
	op->parents_made = false;
	flowtab_prefetch(fs->flows, r->hash);
	if (pc) {
		__builtin_prefetch(&pc[r->key.port_a], 1);
		__builtin_prefetch(&pc[r->key.port_b], 1);
	}
	pipe_stages(fs);
}
