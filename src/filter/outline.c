/* SPDX-License-Identifier: BSD-2-Clause */
/* The outline the parser builds beside the fnodes when asked (filter_outline): index-answerable primitives and their and/or/not tree. */
#include <stdlib.h>
#include <string.h>

#include "pcaprec/filter_impl.h"

int ol_of(const struct fc *c, int node)
{
	if (!c->ol || node < 0 || (size_t)node >= c->ol->mapcap)
		return -1;
	return c->ol->map[node];
}

int ol_tag(struct fc *c, int node, int ol)
{
	struct flt_ol *o = c->ol;

	if (!o || node < 0)
		return node;
	if ((size_t)node >= o->mapcap) {
		size_t ncap = o->mapcap ? o->mapcap : 64;
		int *m;

		while (ncap <= (size_t)node)
			ncap *= 2;
		m = realloc(o->map, ncap * sizeof *m);
		if (!m) {
			o->oom = true;
			return node;
		}
		for (size_t i = o->mapcap; i < ncap; i++)
			m[i] = -1;
		o->map = m;
		o->mapcap = ncap;
	}
	o->map[node] = ol;
	return node;
}

static int ol_new(struct fc *c, enum filter_ol_kind kind)
{
	struct flt_ol *o = c->ol;
	struct filter_ol_node *n;

	if (!o || o->oom)
		return -1;
	if (o->len == o->cap) {
		size_t ncap = o->cap ? o->cap * 2 : 32;

		n = ncap <= FLT_MAX_TESTS * 4u ? realloc(o->n, ncap * sizeof *n) : NULL;
		if (!n) {
			o->oom = true;
			return -1;
		}
		o->n = n;
		o->cap = ncap;
	}
	n = &o->n[o->len];
	memset(n, 0, sizeof *n);
	n->kind = kind;
	n->l = n->r = -1;
	return (int)o->len++;
}

int ol_key(struct fc *c, enum filter_ol_kind kind, const uint8_t *addr, unsigned prefix, uint32_t lo, uint32_t hi)
{
	int i = ol_new(c, kind);

	if (i < 0)
		return -1;
	if (addr)
		memcpy(c->ol->n[i].addr, addr, kind == FOL_HOST6 ? 16 : 4);
	c->ol->n[i].prefix = prefix;
	c->ol->n[i].lo = lo;
	c->ol->n[i].hi = hi < lo ? lo : hi;
	return i;
}

int ol_join(struct fc *c, enum filter_ol_kind kind, int l, int r)
{
	int i;

	if (!c->ol)
		return -1;
	/* an unknown side: AND keeps the other, OR and NOT are unknown */
	if (kind == FOL_AND && (l < 0 || r < 0)) {
		c->ol->partial = true;
		return l < 0 ? r : l;
	}
	if (l < 0 || (kind == FOL_OR && r < 0))
		return -1;
	i = ol_new(c, kind);
	if (i < 0)
		return -1;
	c->ol->n[i].l = l;
	c->ol->n[i].r = r;
	return i;
}
