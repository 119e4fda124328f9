/* SPDX-License-Identifier: BSD-2-Clause */
/* Conservative index predicates (AND / OR / KEY / ALL trees) and their test against a chunk's Bloom filter. */
#include <stdlib.h>

#include "index_impl.h"

enum pred_op { P_ALL, P_KEY, P_AND, P_OR };

struct idx_pred {
	enum pred_op op;
	uint64_t hash;             /* P_KEY */
	struct idx_pred *a, *b;    /* P_AND, P_OR */
};

static struct idx_pred *pred_new(enum pred_op op)
{
	struct idx_pred *p = calloc(1, sizeof *p);

	if (p)
		p->op = op;
	return p;
}

struct idx_pred *idx_pred_all(void)
{
	return pred_new(P_ALL);
}

void idx_pred_free(struct idx_pred *p)
{
	if (!p)
		return;
	idx_pred_free(p->a);
	idx_pred_free(p->b);
	free(p);
}

bool idx_pred_is_all(const struct idx_pred *p)
{
	return !p || p->op == P_ALL;
}

/* The longest indexed prefix not longer than `prefix`, 0 when none (IP4/IP6 hosts have their own kind). */
static unsigned indexed_prefix(bool v6, unsigned prefix)
{
	static const unsigned p4[] = { 24, 16, 8 }, p6[] = { 64, 48, 32 };
	const unsigned *t = v6 ? p6 : p4;

	for (size_t i = 0; i < 3; i++)
		if (prefix >= t[i])
			return t[i];
	return 0;
}

/* Mask `v` (net bytes) to its first `prefix` bits into out. */
static void mask_prefix(const uint8_t *v, size_t len, unsigned prefix, uint8_t *out)
{
	for (size_t i = 0; i < len; i++) {
		unsigned bits = prefix > i * 8 ? prefix - (unsigned)(i * 8) : 0;

		out[i] = bits >= 8 ? v[i] : (uint8_t)(v[i] & (uint8_t)(0xff00u >> bits));
	}
}

uint64_t pidx_net_hash(bool v6, const uint8_t *addr, unsigned prefix)
{
	uint8_t m[16];
	size_t len = v6 ? 16 : 4;

	mask_prefix(addr, len, prefix, m);
	return pidx_key_hash(v6 ? IDX_NET6 : IDX_NET4, prefix, m, len);
}

struct idx_pred *idx_pred_key(enum idx_key_kind kind, const uint8_t *bytes, size_t len, unsigned prefix)
{
	static const uint8_t want[] = { 0, 4, 16, 4, 16, 2, 1, 2, 2 };
	struct idx_pred *p;

	if ((unsigned)kind < 1 || (unsigned)kind > IDX_VLAN || len != want[kind] || !bytes)
		return idx_pred_all();
	if (kind == IDX_NET4 || kind == IDX_NET6) {
		bool v6 = kind == IDX_NET6;

		if (prefix >= (v6 ? 128u : 32u))
			return idx_pred_key(v6 ? IDX_IP6 : IDX_IP4, bytes, len, 0);
		prefix = indexed_prefix(v6, prefix);
		if (prefix == 0)
			return idx_pred_all();
		p = pred_new(P_KEY);
		if (p)
			p->hash = pidx_net_hash(v6, bytes, prefix);
		return p;
	}
	p = pred_new(P_KEY);
	if (p)
		p->hash = pidx_key_hash(kind, 0, bytes, len);
	return p;
}

/* AND and OR fold ALL: a AND ALL = a, a OR ALL = ALL. */
static struct idx_pred *pred_join(enum pred_op op, struct idx_pred *a, struct idx_pred *b)
{
	struct idx_pred *p;

	if (!a || !b) {
		idx_pred_free(a);
		idx_pred_free(b);
		return NULL;
	}
	if (a->op == P_ALL || b->op == P_ALL) {
		struct idx_pred *all = a->op == P_ALL ? a : b, *other = all == a ? b : a;

		if (op == P_AND) {
			idx_pred_free(all);
			return other;
		}
		idx_pred_free(other);
		return all;
	}
	p = pred_new(op);
	if (!p) {
		idx_pred_free(a);
		idx_pred_free(b);
		return NULL;
	}
	p->a = a;
	p->b = b;
	return p;
}

struct idx_pred *idx_pred_and(struct idx_pred *a, struct idx_pred *b)
{
	return pred_join(P_AND, a, b);
}

struct idx_pred *idx_pred_or(struct idx_pred *a, struct idx_pred *b)
{
	return pred_join(P_OR, a, b);
}

bool pidx_bloom_has(const uint8_t *bits, uint32_t nbits, uint32_t nhash, uint64_t h)
{
	if (nbits == 0)
		return false;
	for (uint32_t j = 0; j < nhash; j++) {
		uint32_t bit = pidx_bloom_bit(h, j, nbits);

		if (!(bits[bit >> 3] & (1u << (bit & 7))))
			return false;
	}
	return true;
}

static bool pred_eval(const struct pidx *ix, size_t i, const struct idx_pred *p)
{
	const struct pidx_cbloom *b = &ix->cb[i];

	switch (p->op) {
	case P_KEY:
		return pidx_bloom_has(ix->bloom + b->off, b->bits, b->nhash, p->hash);
	case P_AND:
		return pred_eval(ix, i, p->a) && pred_eval(ix, i, p->b);
	case P_OR:
		return pred_eval(ix, i, p->a) || pred_eval(ix, i, p->b);
	default:
		return true;
	}
}

bool pidx_chunk_may_match(const struct pidx *ix, size_t i, const struct idx_pred *p)
{
	if (i >= ix->nchunks)
		return false;
	if (!p || p->op == P_ALL || (ix->chunks[i].flags & PIDX_CHUNK_WILD))
		return true;
	return pred_eval(ix, i, p);
}
