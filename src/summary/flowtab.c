/* SPDX-License-Identifier: BSD-2-Clause */
/* The conversation table: open addressing with linear probing, bounded entry count, fold bucket. */
#include <stdlib.h>
#include <string.h>

#include "pcaprec/summary.h"

#define FLOWTAB_MIN_SLOTS 1024u

struct flowtab {
	struct flow *slot;
	uint64_t nslots;        /* power of two */
	uint64_t count;
	uint64_t max_flows;
	uint64_t max_slots;     /* smallest power of two keeping max_flows at load <= 3/4 */
	uint64_t kind_count[FLOW_KINDS];
	struct flow_fold fold[FLOW_KINDS];
};

/* Address then port order of the two ends; <0 when (x,px) sorts before (y,py). */
static int end_cmp(const uint8_t *x, uint16_t px, const uint8_t *y, uint16_t py, size_t len)
{
	int c = memcmp(x, y, len);

	if (c != 0)
		return c;
	return (int)px - (int)py;
}

int flow_key_make(struct flow_key *k, enum flow_kind kind, uint8_t family,
		  const uint8_t *src, const uint8_t *dst, size_t addr_len,
		  uint16_t sport, uint16_t dport)
{
	int dir = end_cmp(src, sport, dst, dport, addr_len) <= 0 ? 0 : 1;

	memset(k, 0, sizeof *k);
	k->kind = (uint8_t)kind;
	k->family = family;
	k->addr_len = (uint8_t)addr_len;
	if (dir == 0) {
		memcpy(k->a, src, addr_len);
		memcpy(k->b, dst, addr_len);
		k->port_a = sport;
		k->port_b = dport;
	} else {
		memcpy(k->a, dst, addr_len);
		memcpy(k->b, src, addr_len);
		k->port_a = dport;
		k->port_b = sport;
	}
	return dir;
}

uint32_t flow_key_hash(const struct flow_key *k)
{
	const uint64_t m = 0x9e3779b97f4a7c15ull;
	uint64_t w[5];
	uint64_t h = 0x243f6a8885a308d3ull;

	_Static_assert(sizeof(struct flow_key) == sizeof w, "flow_key is five words");
	memcpy(w, k, sizeof w);
	for (size_t i = 0; i < 5; i++) {
		h ^= w[i];
		h *= m;
		h ^= h >> 29;
	}
	h ^= h >> 32;
	return (uint32_t)h;
}

static uint64_t pow2_at_least(uint64_t n)
{
	uint64_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

struct flowtab *flowtab_open(uint64_t max_flows)
{
	struct flowtab *t;

	if (max_flows == 0 || max_flows > (UINT64_C(1) << 40))
		return NULL;
	t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->max_flows = max_flows;
	/* load <= 3/4 at max_flows: slots >= max_flows * 4 / 3 */
	t->max_slots = pow2_at_least(max_flows + (max_flows + 2) / 3);
	t->nslots = t->max_slots < FLOWTAB_MIN_SLOTS ? t->max_slots : FLOWTAB_MIN_SLOTS;
	t->slot = calloc(t->nslots, sizeof *t->slot);
	if (!t->slot) {
		free(t);
		return NULL;
	}
	return t;
}

void flowtab_close(struct flowtab *t)
{
	if (!t)
		return;
	free(t->slot);
	free(t);
}

/* The slot holding `k`, or the empty slot where it would go. Needs an empty slot to exist. */
static struct flow *probe(struct flow *slot, uint64_t nslots, const struct flow_key *k, uint32_t h)
{
	uint64_t mask = nslots - 1;
	uint64_t i = h & mask;

	for (;;) {
		struct flow *e = &slot[i];
		if (e->key.kind == FLOW_NONE)
			return e;
		if (e->hash == h && memcmp(&e->key, k, sizeof *k) == 0)
			return e;
		i = (i + 1) & mask;
	}
}

/* Double the slot array (up to max_slots); on allocation failure keep the old one. */
static void grow(struct flowtab *t)
{
	uint64_t n = t->nslots * 2;
	struct flow *s = calloc(n, sizeof *s);

	if (!s)
		return;
	for (uint64_t i = 0; i < t->nslots; i++) {
		const struct flow *e = &t->slot[i];
		if (e->key.kind != FLOW_NONE)
			*probe(s, n, &e->key, e->hash) = *e;
	}
	free(t->slot);
	t->slot = s;
	t->nslots = n;
}

/* True when one more entry fits at load <= 3/4 (growing the array if allowed). */
static bool room_for_one(struct flowtab *t)
{
	if (t->count >= t->max_flows)
		return false;
	if ((t->count + 1) * 4 > t->nslots * 3) {
		if (t->nslots < t->max_slots)
			grow(t);
		if ((t->count + 1) * 4 > t->nslots * 3)
			return false;
	}
	return true;
}

struct flow *flowtab_add(struct flowtab *t, const struct flow_key *k, int dir,
			 uint64_t bytes, uint64_t ts_ns)
{
	uint32_t h = flow_key_hash(k);
	struct flow *e = probe(t->slot, t->nslots, k, h);

	if (e->key.kind == FLOW_NONE) {
		if (!room_for_one(t)) {
			t->fold[k->kind].pkts++;
			t->fold[k->kind].bytes += bytes;
			return NULL;
		}
		e = probe(t->slot, t->nslots, k, h);  /* the array may have moved */
		e->key = *k;
		e->hash = h;
		e->a_first = dir == 0;
		e->first_ns = ts_ns;
		e->last_ns = ts_ns;
		t->count++;
		t->kind_count[k->kind]++;
	}
	e->pkts[dir]++;
	e->bytes[dir] += bytes;
	if (ts_ns < e->first_ns)
		e->first_ns = ts_ns;
	if (ts_ns > e->last_ns)
		e->last_ns = ts_ns;
	return e;
}

struct flow *flowtab_find(const struct flowtab *t, const struct flow_key *k)
{
	struct flow *e = probe(t->slot, t->nslots, k, flow_key_hash(k));

	return e->key.kind == FLOW_NONE ? NULL : e;
}

uint64_t flowtab_count(const struct flowtab *t)
{
	return t->count;
}

uint64_t flowtab_count_kind(const struct flowtab *t, enum flow_kind kind)
{
	return kind < FLOW_KINDS ? t->kind_count[kind] : 0;
}

struct flow_fold flowtab_folded(const struct flowtab *t, enum flow_kind kind)
{
	struct flow_fold none = { 0, 0 };

	return kind < FLOW_KINDS ? t->fold[kind] : none;
}

size_t flowtab_collect(const struct flowtab *t, enum flow_kind kind, const struct flow **out)
{
	size_t n = 0;

	for (uint64_t i = 0; i < t->nslots; i++)
		if (t->slot[i].key.kind == kind && kind != FLOW_NONE)
			out[n++] = &t->slot[i];
	return n;
}

size_t flowtab_memory(const struct flowtab *t)
{
	return sizeof *t + t->nslots * sizeof *t->slot;
}
