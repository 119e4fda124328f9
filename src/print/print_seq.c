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
	uint8_t addr_a[16], addr_b[16];
	uint32_t seq, ack;
};

/* Open addressing, twice the entries it may hold, never shrunk: a capture's conversations are not forgotten. */
struct print_seqtab {
	uint32_t n;
	struct seq_entry slot[2 * PRINT_SEQ_MAX_FLOWS];
};

void print_state_free(struct print_state *st)
{
	free(st->seq);
	st->seq = NULL;
}

static uint32_t seq_hash(const struct seq_entry *k)
{
	uint32_t h = 2166136261u; /* FNV-1a over the key */
	const uint8_t *p = k->addr_a;

	for (int i = 0; i < 32; i++)
		h = (h ^ p[i]) * 16777619u;
	h = (h ^ k->port_a) * 16777619u;
	h = (h ^ k->port_b) * 16777619u;
	return (h ^ k->version) * 16777619u;
}

static bool seq_same(const struct seq_entry *a, const struct seq_entry *b)
{
	return a->version == b->version && a->port_a == b->port_a && a->port_b == b->port_b &&
	       memcmp(a->addr_a, b->addr_a, 16) == 0 && memcmp(a->addr_b, b->addr_b, 16) == 0;
}

/* The slot holding key k, or the empty slot where it would go. */
static struct seq_entry *seq_find(struct print_seqtab *t, const struct seq_entry *k)
{
	uint32_t mask = 2 * PRINT_SEQ_MAX_FLOWS - 1, i = seq_hash(k) & mask;

	while (t->slot[i].used && !seq_same(&t->slot[i], k))
		i = (i + 1) & mask;
	return &t->slot[i];
}

bool print_tcp_seq(const struct print_opts *o, struct print_state *st, const struct dec_packet *d,
		   uint32_t *seq, uint32_t *ack, uint32_t *sack_base)
{
	const struct dec_ip *ip = &d->ip;
	const struct dec_tcp *t = &d->tcp;
	size_t alen = ip->version == 6 ? 16 : 4;
	struct seq_entry k, *e;
	bool rev;

	*seq = t->seq;
	*ack = t->ack;
	*sack_base = 0;
	if (o->abs_seq || !(t->flags & TCP_ACK))
		return true;
	memset(&k, 0, sizeof k);
	k.used = 1;
	k.version = ip->version;
	rev = t->sport > t->dport ||
	       (t->sport == t->dport && memcmp(ip->src, ip->dst, alen) > 0);
	memcpy(k.addr_a, rev ? ip->dst : ip->src, alen);
	memcpy(k.addr_b, rev ? ip->src : ip->dst, alen);
	k.port_a = rev ? t->dport : t->sport;
	k.port_b = rev ? t->sport : t->dport;
	if (!st->seq) {
		st->seq = calloc(1, sizeof *st->seq);
		if (!st->seq)
			return false;
	}
	e = seq_find(st->seq, &k);
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
