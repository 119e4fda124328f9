/* SPDX-License-Identifier: BSD-2-Clause */
/* Planner: the filter's outline (its and/or/not tree of primitives) mapped to an index predicate that never rules out a match. */
#include <stddef.h>

#include "pcaprec/frame.h"
#include "pcaprec/plan.h"
#include "pcaprec/util.h"

static struct idx_pred *key16(enum idx_key_kind kind, uint32_t v)
{
	uint8_t b[2];

	st_be16(b, (uint16_t)v);
	return idx_pred_key(kind, b, 2, 0);
}

static struct idx_pred *ports(uint32_t lo, uint32_t hi)
{
	struct idx_pred *p;

	if (hi - lo >= PLAN_MAX_RANGE)
		return idx_pred_all();
	p = key16(IDX_PORT, lo);
	for (uint32_t v = lo + 1; p && v <= hi; v++)
		p = idx_pred_or(p, key16(IDX_PORT, v));
	return p;
}

static struct idx_pred *node_pred(const struct filter_outline *o, int i)
{
	const struct filter_ol_node *n;

	if (i < 0 || (size_t)i >= o->len)
		return idx_pred_all();
	n = &o->nodes[i];
	switch (n->kind) {
	case FOL_AND:
		return idx_pred_and(node_pred(o, n->l), node_pred(o, n->r));
	case FOL_OR:
		return idx_pred_or(node_pred(o, n->l), node_pred(o, n->r));
	case FOL_HOST4:
		return n->prefix >= 32 ? idx_pred_key(IDX_IP4, n->addr, 4, 32)
				       : idx_pred_key(IDX_NET4, n->addr, 4, n->prefix);
	case FOL_HOST6:
		return n->prefix >= 128 ? idx_pred_key(IDX_IP6, n->addr, 16, 128)
					: idx_pred_key(IDX_NET6, n->addr, 16, n->prefix);
	case FOL_PORT:
		return ports(n->lo, n->hi);
	case FOL_PROTO: {
		uint8_t b = (uint8_t)n->lo;

		return n->lo <= 255 ? idx_pred_key(IDX_PROTO, &b, 1, 0) : idx_pred_all();
	}
	case FOL_ETYPE:
		return n->lo <= 0xffff ? key16(IDX_ETYPE, n->lo) : idx_pred_all();
	case FOL_VLAN:
		return n->lo < 4096 ? key16(IDX_VLAN, n->lo) : idx_pred_all();
	case FOL_NOT: /* the index says which keys a chunk has, never which it lacks everywhere */
	case FOL_ALL:
	default:
		return idx_pred_all();
	}
}

struct idx_pred *plan_pred(const char *expr)
{
	struct filter_outline o;
	struct idx_pred *p;
	char err[512];

	if (!expr || !*expr)
		return idx_pred_all();
	/* Ethernet: the outline does not depend on the link type, only on the words */
	if (filter_outline(expr, LINKTYPE_ETHERNET, &o, err, sizeof err) < 0)
		return idx_pred_all();
	p = node_pred(&o, o.root);
	filter_outline_free(&o);
	return p;
}
