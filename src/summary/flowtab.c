/* SPDX-License-Identifier: BSD-2-Clause */
/* The conversation table: open addressing with linear probing, bounded entry count, fold bucket. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "summary_int.h"

#define FLOWTAB_MIN_SLOTS 4096u
#define FLOWTAB_MIN_ENTRIES 1024u

#define HUGE_MIN (2u << 20)

/*
 * Zeroed anonymous memory for the big arrays. Lookups land at random
 * places in tens of MiB, so ask for transparent huge pages: one TLB entry
 * per 2 MiB instead of per 4 KiB (a hint; without THP it is plain memory).
 */
static void *big_zalloc(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (bytes >= HUGE_MIN)
		(void)madvise(p, bytes, MADV_HUGEPAGE);
	return p;
}

static void big_free(void *p, size_t bytes)
{
	if (p)
		munmap(p, bytes);
}

/*
 * Up to 16 address bytes as two words (unused bytes zero), the same byte
 * image as in the key. The 4- and 6-byte cases load exactly the widths the
 * decoder stored and widen in registers (a wide load over a fresh narrow
 * store cannot be forwarded).
 */
static inline void addr_words(const uint8_t *p, size_t len, uint64_t w[2])
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint32_t lo;
	uint16_t hi;

	if (len == 4) {
		memcpy(&lo, p, 4);
		w[0] = lo;
		w[1] = 0;
		return;
	}
	if (len == 6) {
		memcpy(&lo, p, 4);
		memcpy(&hi, p + 4, 2);
		w[0] = (uint64_t)lo | (uint64_t)hi << 32;
		w[1] = 0;
		return;
	}
#endif
	w[0] = 0;
	w[1] = 0;
	memcpy(w, p, len < 16 ? len : 16);
}

/* A word whose unsigned order is the bytewise (memcmp) order of its bytes. */
static inline uint64_t lex_order(uint64_t w)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap64(w);
#else
	return w;
#endif
}

/* <0 when address x sorts before y bytewise, then port px before py. */
static inline int end_cmp(const uint64_t x[2], uint16_t px, const uint64_t y[2], uint16_t py)
{
	if (x[0] != y[0])
		return lex_order(x[0]) < lex_order(y[0]) ? -1 : 1;
	if (x[1] != y[1])
		return lex_order(x[1]) < lex_order(y[1]) ? -1 : 1;
	return (int)px - (int)py;
}

static inline uint64_t tail_word(uint16_t pa, uint16_t pb, uint8_t kind, uint8_t family, uint8_t alen)
{
	return (uint64_t)pa | (uint64_t)pb << 16 | (uint64_t)kind << 32 | (uint64_t)family << 40 |
	       (uint64_t)alen << 48;
}

/* The 128-bit product of a and b folded to 64 bits: every output bit depends on every input bit. */
static inline uint64_t mul_fold(uint64_t a, uint64_t b)
{
	unsigned __int128 r = (unsigned __int128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/*
 * Each address (two words) mixed whole by one folded 128-bit multiply, the
 * three results folded together the same way. A plain 64-bit multiply
 * carries input bits only upwards: IPv6 addresses that differ only in their
 * last bytes (the high bits of the second word) would then differ only in
 * a few high bits, and keys collide in bunches (linear probes 8 slots long
 * on average, hundreds at worst, in a capture of one /64).
 */
static inline uint32_t hash_words(uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3, uint64_t w4)
{
	uint64_t x = mul_fold(w0 ^ 0x9e3779b97f4a7c15ull, w1 ^ 0xc2b2ae3d27d4eb4full);
	uint64_t y = mul_fold(w2 ^ 0x165667b19e3779f9ull, w3 ^ 0x27d4eb2f165667c5ull);
	uint64_t h = mul_fold(x ^ w4, y ^ 0x94d049bb133111ebull);

	return (uint32_t)(h ^ (h >> 32));
}

/*
 * Built from words held in registers and hashed from them, not reloaded
 * from the key just stored: a wide load of freshly written narrow stores
 * cannot be store-forwarded and stalls.
 */
int flow_key_make_hashed(struct flow_key *k, uint32_t *hash, enum flow_kind kind, uint8_t family,
			 const uint8_t *src, const uint8_t *dst, size_t addr_len,
			 uint16_t sport, uint16_t dport)
{
	uint64_t s[2], d[2], a0, a1, b0, b1;
	int dir;
	uint16_t pa, pb;

	addr_words(src, addr_len, s);
	addr_words(dst, addr_len, d);
	dir = end_cmp(s, sport, d, dport) <= 0 ? 0 : 1;
	/* scalars, stored word by word: no wide reload of narrow stores */
	a0 = dir ? d[0] : s[0];
	a1 = dir ? d[1] : s[1];
	b0 = dir ? s[0] : d[0];
	b1 = dir ? s[1] : d[1];
	pa = dir ? dport : sport;
	pb = dir ? sport : dport;
	memcpy(k->a, &a0, 8);
	memcpy(k->a + 8, &a1, 8);
	memcpy(k->b, &b0, 8);
	memcpy(k->b + 8, &b1, 8);
	k->port_a = pa;
	k->port_b = pb;
	k->kind = (uint8_t)kind;
	k->family = family;
	k->addr_len = (uint8_t)addr_len;
	k->pad = 0;
	if (hash)
		*hash = hash_words(a0, a1, b0, b1, tail_word(pa, pb, (uint8_t)kind, family,
							     (uint8_t)addr_len));
	return dir;
}

int flow_key_make(struct flow_key *k, enum flow_kind kind, uint8_t family,
		  const uint8_t *src, const uint8_t *dst, size_t addr_len,
		  uint16_t sport, uint16_t dport)
{
	return flow_key_make_hashed(k, NULL, kind, family, src, dst, addr_len, sport, dport);
}

uint32_t flow_key_hash(const struct flow_key *k)
{
	uint64_t w[4];

	_Static_assert(sizeof(struct flow_key) == 40, "flow_key is five words");
	memcpy(w, k, sizeof w);
	return hash_words(w[0], w[1], w[2], w[3],
			  tail_word(k->port_a, k->port_b, k->kind, k->family, k->addr_len));
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

	if (max_flows == 0 || max_flows >= UINT32_MAX)
		return NULL;
	t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->max_flows = max_flows;
	t->max_slots = pow2_at_least(2 * max_flows);
	t->nslots = t->max_slots < FLOWTAB_MIN_SLOTS ? t->max_slots : FLOWTAB_MIN_SLOTS;
	t->nent_alloc = max_flows < FLOWTAB_MIN_ENTRIES ? max_flows : FLOWTAB_MIN_ENTRIES;
	t->slot = big_zalloc(t->nslots * sizeof *t->slot);
	t->ent_bytes = t->nent_alloc * sizeof *t->ent;
	t->ent = big_zalloc(t->ent_bytes);
	t->kind_of = big_zalloc(t->nent_alloc);
	if (!t->slot || !t->ent || !t->kind_of) {
		flowtab_close(t);
		return NULL;
	}
	return t;
}

void flowtab_close(struct flowtab *t)
{
	if (!t)
		return;
	big_free(t->slot, t->nslots * sizeof *t->slot);
	big_free(t->ent, t->ent_bytes);
	big_free(t->kind_of, t->nent_alloc);
	free(t);
}

/* Keys equal as a whole (five words compared inline: a library memcmp call costs more). */
static inline bool key_eq(const struct flow_key *x, const struct flow_key *y)
{
	uint64_t a[5], b[5];

	memcpy(a, x, sizeof a);
	memcpy(b, y, sizeof b);
	return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4])) == 0;
}

/* The slot holding `k`, or the empty slot where it would go (one always exists at load <= 1/2). */
static struct flow_slot *probe(const struct flowtab *t, struct flow_slot *slot, uint64_t nslots,
			       const struct flow_key *k, uint32_t h)
{
	uint64_t mask = nslots - 1;
	uint64_t i = h & mask;

	for (;;) {
		struct flow_slot *s = &slot[i];
		if (s->idx == 0)
			return s;
		if (s->hash == h && key_eq(&t->ent[s->idx - 1].key, k))
			return s;
		i = (i + 1) & mask;
	}
}

/* Double the index; false (old index kept) when memory is short. */
static bool grow_index(struct flowtab *t)
{
	uint64_t n = t->nslots * 2, mask = n - 1;
	struct flow_slot *s = big_zalloc(n * sizeof *s);

	if (!s)
		return false;
	for (uint64_t i = 0; i < t->nslots; i++) {
		uint64_t j;
		if (t->slot[i].idx == 0)
			continue;
		for (j = t->slot[i].hash & mask; s[j].idx != 0; j = (j + 1) & mask)
			;
		s[j] = t->slot[i];
	}
	big_free(t->slot, t->nslots * sizeof *t->slot);
	t->slot = s;
	t->nslots = n;
	return true;
}

/*
 * Double the entry array (up to max_flows); false (array kept) when memory
 * is short. mremap moves the pages, not the bytes, and the new half is
 * zeroed only when first written: no copy and no zeroing of the old half
 * again, which an allocate-and-copy growth pays on every doubling.
 */
static bool grow_entries(struct flowtab *t)
{
	uint64_t n = t->nent_alloc * 2;
	void *e, *k;

	if (n > t->max_flows)
		n = t->max_flows;
	e = mremap(t->ent, t->ent_bytes, n * sizeof *t->ent, MREMAP_MAYMOVE);
	if (e == MAP_FAILED)
		return false;
	t->ent = e;
	t->ent_bytes = n * sizeof *t->ent;
	if (t->ent_bytes >= HUGE_MIN)
		(void)madvise(e, t->ent_bytes, MADV_HUGEPAGE);  /* see big_zalloc */
	k = mremap(t->kind_of, t->nent_alloc, n, MREMAP_MAYMOVE);
	if (k == MAP_FAILED)
		return false;  /* ent is larger already, which is harmless: nent_alloc tells what both hold */
	t->kind_of = k;
	t->nent_alloc = n;
	return true;
}

/* True when one more entry fits (growing the arrays if allowed and possible). */
static bool room_for_one(struct flowtab *t)
{
	if (t->count >= t->max_flows)
		return false;
	if ((t->count + 1) * 2 > t->nslots && (t->nslots >= t->max_slots || !grow_index(t)))
		return false;
	if (t->count >= t->nent_alloc && !grow_entries(t))
		return false;
	return true;
}

void flowtab_prefetch(const struct flowtab *t, uint32_t hash)
{
	__builtin_prefetch(&t->slot[hash & (t->nslots - 1)]);
}

void flowtab_prefetch_entry(const struct flowtab *t, uint32_t hash)
{
	uint64_t mask = t->nslots - 1, i = hash & mask;

	/* the first few slots of the chain */
	for (int n = 0; n < 4; n++, i = (i + 1) & mask) {
		const struct flow_slot *s = &t->slot[i];
		if (s->idx == 0)
			return;
		if (s->hash == hash) {
			ft_prefetch_ref(t, s->idx);
			return;
		}
	}
}

void flowtab_prefetch_ref(const struct flowtab *t, uint32_t ref)
{
	ft_prefetch_ref(t, ref);
}

uint32_t flowtab_lookup(const struct flowtab *t, const struct flow_key *k, uint32_t hash)
{
	return probe(t, t->slot, t->nslots, k, hash)->idx;
}

struct flow *flowtab_at(const struct flowtab *t, uint32_t ref)
{
	return ft_at(t, ref);
}

uint32_t flowtab_ref(const struct flowtab *t, const struct flow *e)
{
	return ft_ref(t, e);
}

struct flow *flowtab_add(struct flowtab *t, const struct flow_key *k, int dir,
			 uint64_t bytes, uint64_t ts_ns)
{
	return flowtab_add_hashed(t, k, flow_key_hash(k), dir, bytes, ts_ns);
}

struct flow *flowtab_add_hashed(struct flowtab *t, const struct flow_key *k, uint32_t h,
				int dir, uint64_t bytes, uint64_t ts_ns)
{
	struct flow_slot *s = probe(t, t->slot, t->nslots, k, h);
	struct flow *e;

	if (s->idx == 0) {
		uint64_t nslots = t->nslots;

		if (!room_for_one(t)) {
			t->fold[k->kind].pkts++;
			t->fold[k->kind].bytes += bytes;
			return NULL;
		}
		if (t->nslots != nslots)
			s = probe(t, t->slot, t->nslots, k, h);  /* the index was rebuilt */
		t->kind_of[t->count] = k->kind;
		e = &t->ent[t->count];
		memset(e, 0, sizeof *e);
		e->key = *k;
		e->a_first = dir == 0;
		e->first_ns = ts_ns;
		e->last_ns = ts_ns;
		s->hash = h;
		s->idx = (uint32_t)++t->count;
		t->kind_count[k->kind]++;
	} else {
		e = &t->ent[s->idx - 1];
	}
	flow_count(e, dir, bytes, ts_ns);
	return e;
}

struct flow *flowtab_find(const struct flowtab *t, const struct flow_key *k)
{
	const struct flow_slot *s = probe(t, t->slot, t->nslots, k, flow_key_hash(k));

	return s->idx == 0 ? NULL : &t->ent[s->idx - 1];
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

	if (kind == FLOW_NONE)
		return 0;
	for (uint64_t i = 0; i < t->count; i++)
		if (t->kind_of[i] == kind)
			out[n++] = &t->ent[i];
	return n;
}

size_t flowtab_memory(const struct flowtab *t)
{
	return sizeof *t + t->nslots * sizeof *t->slot + t->nent_alloc * (sizeof *t->ent + 1);
}
