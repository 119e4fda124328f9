/* SPDX-License-Identifier: BSD-2-Clause */
/* Relative TCP sequence numbers as tcpdump prints them without -S, in a table of bounded size. */
#include <stdlib.h>
#include <string.h>

#include "pcaprec/print.h"

/*
 * One conversation, keyed the way tcpdump's print-tcp.c keys it: the
 * endpoints in one collating order (the lower port first; equal ports: the
 * lower address first), the initial numbers of that direction in seq/ack.
 */
struct seq_entry {
	uint8_t used, version;
	uint16_t port_a, port_b;
	uint8_t addr[32];        /* a's address, then b's (IPv4: the first 4 bytes of each half) */
	uint32_t seq, ack;
};

/* Open addressing, twice the entries it may hold, never shrunk: a capture's conversations are not forgotten. */
struct print_seqtab {
	uint32_t n;
	const struct dec_packet *pending; /* the packet print_seq_prefetch keyed last */
	struct seq_entry pending_key;
	uint32_t pending_hash;
	struct seq_entry slot[2 * PRINT_SEQ_MAX_FLOWS];
};

void print_state_free(struct print_state *st)
{
	free(st->seq);
	st->seq = NULL;
}

/* A multiply-xorshift mix of the key's words: a few cycles, where a byte-wise hash took a hundred. */
static uint32_t seq_hash(const struct seq_entry *k)
{
	uint64_t w[4], h = ((uint64_t)k->port_a << 32 | (uint64_t)k->port_b << 16 | k->version) *
			   0x9e3779b97f4a7c15ull;

	memcpy(w, k->addr, sizeof w);
	for (int i = 0; i < 4; i++) {
		h = (h ^ w[i]) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	return (uint32_t)h;
}

static bool seq_same(const struct seq_entry *a, const struct seq_entry *b)
{
	return a->version == b->version && a->port_a == b->port_a && a->port_b == b->port_b &&
	       memcmp(a->addr, b->addr, sizeof a->addr) == 0;
}

/* The slot holding key k (of hash h), or the empty slot where it would go. */
static struct seq_entry *seq_find(struct print_seqtab *t, const struct seq_entry *k, uint32_t h)
{
	uint32_t mask = 2 * PRINT_SEQ_MAX_FLOWS - 1, i = h & mask;

	while (t->slot[i].used && !seq_same(&t->slot[i], k))
		i = (i + 1) & mask;
	return &t->slot[i];
}

/* The conversation key of `d` in tcpdump's collating order; returns whether it is reversed. */
static bool seq_key(const struct dec_packet *d, struct seq_entry *k)
{
	const struct dec_ip *ip = &d->ip;
	const struct dec_tcp *t = &d->tcp;
	size_t alen = ip->version == 6 ? 16 : 4;
	bool rev = t->sport > t->dport || (t->sport == t->dport && memcmp(ip->src, ip->dst, alen) > 0);

	memset(k, 0, sizeof *k);
	k->used = 1;
	k->version = ip->version;
	memcpy(k->addr, rev ? ip->dst : ip->src, alen);
	memcpy(k->addr + 16, rev ? ip->src : ip->dst, alen);
	k->port_a = rev ? t->dport : t->sport;
	k->port_b = rev ? t->sport : t->dport;
	return rev;
}

void print_seq_prefetch(const struct print_opts *o, const struct print_state *st,
			const struct dec_packet *d)
{
	struct print_seqtab *t = st->seq;

	if (o->abs_seq || !t || d->tp.proto != DEC_P_TCP || !(d->tcp.flags & TCP_ACK))
		return;
	seq_key(d, &t->pending_key);
	t->pending_hash = seq_hash(&t->pending_key);
	t->pending = d;
	__builtin_prefetch(&t->slot[t->pending_hash & (2 * PRINT_SEQ_MAX_FLOWS - 1)]);
}

bool print_tcp_seq(const struct print_opts *o, struct print_state *st, const struct dec_packet *d,
		   uint32_t *seq, uint32_t *ack, uint32_t *sack_base)
{
	const struct dec_tcp *t = &d->tcp;
	struct seq_entry k, *e;
	uint32_t h;
	bool rev;

	*seq = t->seq;
	*ack = t->ack;
	*sack_base = 0;
	if (o->abs_seq || !(t->flags & TCP_ACK))
		return true;
	rev = seq_key(d, &k);
	if (!st->seq) {
		st->seq = calloc(1, sizeof *st->seq);
		if (!st->seq)
			return false;
	}
	/* the key print_seq_prefetch made for this packet, if it did (the same decode, unchanged) */
	h = st->seq->pending == d && seq_same(&st->seq->pending_key, &k) ? st->seq->pending_hash
									    : seq_hash(&k);
	st->seq->pending = NULL;
	e = seq_find(st->seq, &k, h);
	if (!e->used || (t->flags & TCP_SYN)) {
		if (!e->used) {
			if (st->seq->n >= PRINT_SEQ_MAX_FLOWS)
				return false;
			st->seq->n++;
		}
		k.seq = rev ? t->ack - 1 : t->seq;
		k.ack = rev ? t->seq : t->ack - 1;
		*e = k;
	} else {
		*seq -= rev ? e->ack : e->seq;
		*ack -= rev ? e->seq : e->ack;
	}
	*sack_base = rev ? e->seq : e->ack;
	return true;
}
