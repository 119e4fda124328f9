/* SPDX-License-Identifier: BSD-2-Clause */
/* The index builder: frames in, per-chunk keys (deduplicated), time range and counts, a capped flow table, interface totals. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "pcaprec/decode.h"
#include "index_build.h"

#define BITS_PER_KEY 10u
#define NHASH 7u
#define KSET_MAX (1u << 22)     /* distinct keys per chunk before it turns wild */
#define SIG_SLOTS 4096u         /* packets' key tuples remembered per chunk */

enum {
	ET_IPV4 = 0x0800,
	ET_ARP = 0x0806,
	ET_RARP = 0x8035,
	ET_IPV6 = 0x86dd,
};

enum { K_SRC = 1, K_DST = 2, K_SPORT = 4, K_DPORT = 8, K_PROTO = 16, K_NH = 32, K_ARP = 64 };

/*
 * The flow table is read at random, one row per packet: anonymous memory
 * (zeroed) with transparent huge pages asked for, so its lookups do not
 * also miss the TLB (the gencap trace: 0.70 s -> see commit).
 */
static struct bflow *ftab_alloc(size_t n)
{
	void *p = mmap(NULL, n * sizeof(struct bflow), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, n * sizeof(struct bflow), MADV_HUGEPAGE);
	return p;
}

static void ftab_free(struct bflow *t, size_t n)
{
	if (t)
		munmap(t, n * sizeof *t);
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 16;
	void *n;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	n = realloc(*p, ncap * elem);
	if (!n)
		return -1;
	*p = n;
	*cap = ncap;
	return 0;
}

struct pidx_builder *pidx_builder_new(const struct pidx_build_opts *o, char *err, size_t errlen)
{
	struct pidx_builder *b = calloc(1, sizeof *b);

	if (!b) {
		errf(err, errlen, "out of memory");
		return NULL;
	}
	b->chunk_bytes = o && o->chunk_bytes ? o->chunk_bytes : PIDX_CHUNK_BYTES;
	b->max_flows = o && o->max_flows ? o->max_flows : PIDX_MAX_FLOWS_DEFAULT;
	if (b->max_flows > PIDX_MAX_FLOWS)
		b->max_flows = PIDX_MAX_FLOWS;
	b->kcap = 1u << 12;
	b->kslot = calloc(b->kcap, sizeof *b->kslot);
	b->sig = calloc(SIG_SLOTS, sizeof *b->sig);
	b->fcap_tab = 1u << 10;
	b->ftab = ftab_alloc(b->fcap_tab);
	b->ftag = calloc(b->fcap_tab, sizeof *b->ftag);
	if (!b->kslot || !b->sig || !b->ftab || !b->ftag) {
		pidx_builder_free(b);
		errf(err, errlen, "out of memory");
		return NULL;
	}
	pidx_builder_reset(b);
	return b;
}

void pidx_builder_free(struct pidx_builder *b)
{
	if (!b)
		return;
	free(b->chunks);
	free(b->bloom);
	free(b->state);
	free(b->kslot);
	free(b->sig);
	ftab_free(b->ftab, b->fcap_tab);
	free(b->ftag);
	free(b->ifaces);
	free(b);
}

void pidx_builder_reset(struct pidx_builder *b)
{
	b->nchunks = 0;
	b->bloom_len = 0;
	b->state_len = 0;
	b->nstate = 0;
	b->state_full = false;
	b->open = false;
	b->pending = false;
	b->member_pending = false;
	memset(b->kslot, 0, b->kcap * sizeof *b->kslot);
	b->kn = 0;
	memset(b->sig, 0, SIG_SLOTS * sizeof *b->sig);
	b->gen = 1;
	b->nflows = 0;
	b->flows_incomplete = false;
	memset(b->ftag, 0, b->fcap_tab * sizeof *b->ftag);
	b->nifaces = 0;
	b->end_raw = 0;
	b->end_set = false;
	b->damaged = false;
	b->format = 0;
	b->compressed = false;
	b->oom = false;
	b->unresolved = false;
}

void pidx_builder_format(struct pidx_builder *b, const char *format, bool compressed)
{
	b->format = strcmp(format, "pcap-ns") == 0 ? 1 : strcmp(format, "pcapng") == 0 ? 2 : 0;
	b->compressed = compressed;
}

int pidx_builder_state(struct pidx_builder *b, uint64_t raw_off, const uint8_t *p, size_t len)
{
	size_t padded = (len + 7u) & ~(size_t)7u;

	if (b->state_full)
		return -1;
	if (len == 0 || (b->nstate && raw_off <= b->state_last) ||
	    b->state_len + PIDX_STATE_HDR + padded > PIDX_MAX_STATE ||
	    grow((void **)&b->state, &b->state_cap, b->state_len + PIDX_STATE_HDR + padded, 1) < 0) {
		b->state_full = true;
		return -1;
	}
	memset(b->state + b->state_len, 0, PIDX_STATE_HDR + padded);
	st_le64(b->state + b->state_len, raw_off);
	st_le32(b->state + b->state_len + 8, (uint32_t)len);
	memcpy(b->state + b->state_len + PIDX_STATE_HDR, p, len);
	b->state_len += PIDX_STATE_HDR + padded;
	b->nstate++;
	b->state_last = raw_off;
	return 0;
}

void pidx_builder_member(struct pidx_builder *b, uint64_t file_off, uint64_t raw_off)
{
	b->member_pending = true;
	b->member_file = file_off;
	b->member_raw = raw_off;
}

void pidx_builder_member_raw(struct pidx_builder *b, uint64_t raw_off)
{
	pidx_builder_member(b, PIDX_OFF_UNKNOWN, raw_off);
}

void pidx_builder_member_file(struct pidx_builder *b, uint64_t raw_off, uint64_t file_off)
{
	if (b->open && b->cur.seek_raw == raw_off && b->cur.file_off == PIDX_OFF_UNKNOWN) {
		b->cur.file_off = file_off;
		return;
	}
	if (b->member_pending && b->member_raw == raw_off && b->member_file == PIDX_OFF_UNKNOWN) {
		b->member_file = file_off;
		return;
	}
	/* members are reported a few behind the records: look back over recent chunks */
	for (size_t i = b->nchunks, k = 0; i > 0 && k < 256; i--, k++) {
		struct pidx_chunk *c = &b->chunks[i - 1].c;

		if (c->seek_raw == raw_off && c->file_off == PIDX_OFF_UNKNOWN) {
			c->file_off = file_off;
			return;
		}
		if (c->seek_raw < raw_off)
			return;
	}
}

/* ---- per-chunk key set ---- */

static void kset_grow(struct pidx_builder *b)
{
	size_t ncap = b->kcap * 2;
	uint64_t *n = calloc(ncap, sizeof *n);

	if (!n) {
		b->cur.flags |= PIDX_CHUNK_WILD;
		return;
	}
	for (size_t i = 0; i < b->kcap; i++) {
		uint64_t h = b->kslot[i];
		size_t j;

		if (!h)
			continue;
		for (j = h & (ncap - 1); n[j]; j = (j + 1) & (ncap - 1))
			;
		n[j] = h;
	}
	free(b->kslot);
	b->kslot = n;
	b->kcap = ncap;
}

/* Add key hash h to the chunk's set; false when it was there already. */
static bool key_add(struct pidx_builder *b, uint64_t h)
{
	size_t j;

	for (j = h & (b->kcap - 1); b->kslot[j]; j = (j + 1) & (b->kcap - 1))
		if (b->kslot[j] == h)
			return false;
	if (b->kn >= KSET_MAX) {
		b->cur.flags |= PIDX_CHUNK_WILD;
		return true;
	}
	b->kslot[j] = h;
	if (++b->kn * 2 > b->kcap)
		kset_grow(b);
	return true;
}

static bool key(struct pidx_builder *b, enum idx_key_kind kind, const uint8_t *v, size_t len)
{
	return key_add(b, pidx_key_hash(kind, 0, v, len));
}

static void key16(struct pidx_builder *b, enum idx_key_kind kind, uint16_t v)
{
	uint8_t x[2];

	st_be16(x, v);
	key(b, kind, x, 2);
}

static void key_addr(struct pidx_builder *b, bool v6, const uint8_t *a)
{
	static const unsigned p4[] = { 8, 16, 24 }, p6[] = { 32, 48, 64 };

	/* an address already in this chunk brought its prefixes with it */
	if (!key(b, v6 ? IDX_IP6 : IDX_IP4, a, v6 ? 16 : 4))
		return;
	for (size_t i = 0; i < 3; i++)
		key_add(b, pidx_net_hash(v6, a, v6 ? p6[i] : p4[i]));
}

static void keys_of(struct pidx_builder *b, const struct pkey *k)
{
	bool v6 = k->fam == 6;

	key16(b, IDX_ETYPE, k->etype);
	if (k->type_len != k->etype)
		key16(b, IDX_ETYPE, k->type_len);
	for (unsigned i = 0; i < k->nvlan; i++)
		key16(b, IDX_VLAN, k->vid[i]);
	if (k->have & K_PROTO)
		key(b, IDX_PROTO, &k->proto, 1);
	if ((k->have & K_NH) && k->nh != k->proto)
		key(b, IDX_PROTO, &k->nh, 1);
	if (k->have & K_SRC)
		key_addr(b, v6, k->src);
	if (k->have & K_DST)
		key_addr(b, v6, k->dst);
	if (k->have & K_SPORT)
		key16(b, IDX_PORT, k->sport);
	if (k->have & K_DPORT)
		key16(b, IDX_PORT, k->dport);
}

/* ---- chunks ---- */

static void pend_run(struct pidx_builder *b);

static void chunk_close(struct pidx_builder *b)
{
	struct bchunk *c;
	uint32_t bits = 0;
	size_t bytes;

	if (!b->open)
		return;
	pend_run(b);   /* the last packet's keys belong to this chunk */
	b->open = false;
	if (grow((void **)&b->chunks, &b->chunks_cap, b->nchunks + 1, sizeof *b->chunks) < 0) {
		b->oom = true;
		return;
	}
	if (b->kn && !(b->cur.flags & PIDX_CHUNK_WILD)) {
		uint64_t want = ((uint64_t)b->kn * BITS_PER_KEY + 63u) & ~63ull;

		bits = want > (1u << 31) ? 1u << 31 : (uint32_t)want;
	}
	bytes = bits / 8u;
	if (grow((void **)&b->bloom, &b->bloom_cap, b->bloom_len + bytes + 1, 1) < 0) {
		b->oom = true;
		return;
	}
	c = &b->chunks[b->nchunks++];
	c->c = b->cur;
	c->bloom_off = b->bloom_len;
	c->bits = bits;
	c->nstate = b->cur_nstate;
	c->nkeys = (uint32_t)b->kn;
	memset(b->bloom + b->bloom_len, 0, bytes);
	for (size_t i = 0; bits && i < b->kcap; i++) {
		uint64_t h = b->kslot[i];

		if (!h)
			continue;
		for (uint32_t j = 0; j < NHASH; j++) {
			uint32_t bit = pidx_bloom_bit(h, j, bits);

			b->bloom[b->bloom_len + (bit >> 3)] |= (uint8_t)(1u << (bit & 7));
		}
	}
	b->bloom_len += bytes;
	if (b->kn)
		memset(b->kslot, 0, b->kcap * sizeof *b->kslot);
	b->kn = 0;
	b->gen++;
}

static void chunk_open(struct pidx_builder *b, uint64_t file_off, uint64_t seek_raw, uint64_t raw_off)
{
	memset(&b->cur, 0, sizeof b->cur);
	b->cur.file_off = file_off;
	b->cur.seek_raw = seek_raw;
	b->cur.raw_off = raw_off;
	b->cur_nstate = raw_off == 0 ? 0 : b->nstate;
	b->open = true;
}

/* Start a new chunk before the record at raw_off when a member or the size says so. */
static void chunk_boundary(struct pidx_builder *b, uint64_t raw_off)
{
	if (!b->open && b->nchunks == 0) {
		chunk_open(b, 0, 0, 0);
		b->member_pending = b->member_pending && b->member_raw > 0;
		return;
	}
	if (b->state_full || b->nstate == 0)
		return;
	if (b->compressed) {
		/* members smaller than half a chunk (a gzip tool's, or flushes) are merged */
		if (!b->member_pending || raw_off < b->member_raw ||
		    b->member_raw - b->cur.raw_off < b->chunk_bytes / 2)
			return;
		chunk_close(b);
		chunk_open(b, b->member_file, b->member_raw, raw_off);
		b->member_pending = false;
		return;
	}
	if (raw_off - b->cur.raw_off >= b->chunk_bytes) {
		chunk_close(b);
		chunk_open(b, raw_off, raw_off, raw_off);
	}
}

/* ---- flows ---- */

static bool flow_same(const struct pidx_flow *f, const struct pkey *k, uint16_t vlan)
{
	size_t n = k->fam == 6 ? 16 : 4;

	if (f->family != k->fam || f->proto != k->proto || f->vlan != vlan)
		return false;
	if (f->sport == k->sport && f->dport == k->dport && !memcmp(f->src, k->src, n) && !memcmp(f->dst, k->dst, n))
		return true;
	return f->sport == k->dport && f->dport == k->sport && !memcmp(f->src, k->dst, n) && !memcmp(f->dst, k->src, n);
}

/* Symmetric in the two ends, so both directions land on one row. */
static uint64_t flow_hash(const struct pkey *k, uint16_t vlan)
{
	uint64_t a0 = ld_le64(k->src), a1 = ld_le64(k->src + 8), b0 = ld_le64(k->dst), b1 = ld_le64(k->dst + 8);
	uint64_t pa = k->sport, pb = k->dport;
	uint64_t x = pidx_words_hash(a0 ^ b0, (a1 ^ b1) + (a0 + b0), (pa ^ pb) | (pa + pb) << 17 |
				     (uint64_t)k->proto << 40 | (uint64_t)vlan << 48);

	return x + (a1 + b1);
}

static uint32_t ftag_of(uint64_t h)
{
	uint32_t t = (uint32_t)(h >> 32);

	return t ? t : 1;
}

static void ftab_rehash(struct pidx_builder *b)
{
	size_t ncap = b->fcap_tab * 2;
	struct bflow *n = ftab_alloc(ncap);
	uint32_t *nt = calloc(ncap, sizeof *nt);

	if (!n || !nt) {
		ftab_free(n, ncap);
		free(nt);
		return;
	}
	for (size_t i = 0; i < b->fcap_tab; i++) {
		size_t j;

		if (!b->ftag[i])
			continue;
		for (j = b->ftab[i].hash & (ncap - 1); nt[j]; j = (j + 1) & (ncap - 1))
			;
		n[j] = b->ftab[i];
		nt[j] = b->ftag[i];
	}
	ftab_free(b->ftab, b->fcap_tab);
	free(b->ftag);
	b->ftab = n;
	b->ftag = nt;
	b->fcap_tab = ncap;
}

/* The packet's flow row (added when new), or NULL when the table is full. */
static struct bflow *flow_add(struct pidx_builder *b, const struct pkey *k, uint64_t h, uint64_t ts,
			       uint32_t origlen)
{
	uint16_t vlan = k->nvlan ? (uint16_t)(k->vid[0] + 1u) : 0;
	uint32_t tag = ftag_of(h);
	size_t j, n = k->fam == 6 ? 16 : 4;
	struct bflow *r;

	for (j = h & (b->fcap_tab - 1); b->ftag[j]; j = (j + 1) & (b->fcap_tab - 1)) {
		r = &b->ftab[j];
		if (b->ftag[j] == tag && flow_same(&r->f, k, vlan))
			goto found;
	}
	/* full, or a rehash that found no memory: never fill the last slots (probing must end) */
	if (b->nflows >= b->max_flows || (b->nflows + 2) * 2 > b->fcap_tab * 3 / 2) {
		b->flows_incomplete = true;
		return NULL;
	}
	r = &b->ftab[j];
	memset(r, 0, sizeof *r);
	b->ftag[j] = tag;
	r->hash = h;
	r->f.family = k->fam;
	r->f.proto = k->proto;
	r->f.vlan = vlan;
	memcpy(r->f.src, k->src, n);
	memcpy(r->f.dst, k->dst, n);
	r->f.sport = k->sport;
	r->f.dport = k->dport;
	r->f.first_ns = (int64_t)ts;
	r->f.last_ns = (int64_t)ts;
	if (++b->nflows * 2 > b->fcap_tab) {
		ftab_rehash(b);
		for (j = h & (b->fcap_tab - 1); b->ftag[j] != tag || !flow_same(&b->ftab[j].f, k, vlan);
		     j = (j + 1) & (b->fcap_tab - 1))
			;
		r = &b->ftab[j];
	}
found:
	if ((int64_t)ts < r->f.first_ns)
		r->f.first_ns = (int64_t)ts;
	if ((int64_t)ts > r->f.last_ns)
		r->f.last_ns = (int64_t)ts;
	r->f.packets++;
	r->f.bytes += origlen;
	return r;
}

/* ---- packets ---- */

/*
 * Ports at the offsets classic BPF reads them (libpcap's gen_portop): the
 * header length from the IHL nibble, whatever it says, on the first
 * fragment only. So a port the compiled filter can match is always a key.
 */
static void ports_at(struct pkey *k, const uint8_t *p, size_t caplen, size_t off)
{
	if (k->proto != 6 && k->proto != 17 && k->proto != 132)
		return;
	if (off + 2 <= caplen) {
		k->sport = ld_be16(p + off);
		k->have |= K_SPORT;
	}
	if (off + 4 <= caplen) {
		k->dport = ld_be16(p + off + 2);
		k->have |= K_DPORT;
	}
}

static void ipv4_keys(struct pkey *k, const uint8_t *p, size_t caplen, size_t off)
{
	k->fam = 4;
	if (off + 10 <= caplen) {
		k->proto = k->nh = p[off + 9];
		k->have |= K_PROTO;
	}
	if (off + 16 <= caplen) {
		memcpy(k->src, p + off + 12, 4);
		k->have |= K_SRC;
	}
	if (off + 20 <= caplen) {
		memcpy(k->dst, p + off + 16, 4);
		k->have |= K_DST;
	}
	if (off + 8 <= caplen && (k->have & K_PROTO) && (ld_be16(p + off + 6) & 0x1fffu) == 0)
		ports_at(k, p, caplen, off + 4u * (p[off] & 0x0fu));
}

/*
 * IPv6: the fixed header's fields as BPF reads them, and when extension
 * headers follow, the upper layer dec_ipv6() finds after them too.
 */
static void ipv6_keys(struct pkey *k, const uint8_t *p, size_t caplen, size_t off)
{
	k->fam = 6;
	if (off + 7 <= caplen) {
		k->proto = k->nh = p[off + 6];
		k->have |= K_PROTO;
	}
	if (off + 24 <= caplen) {
		memcpy(k->src, p + off + 8, 16);
		k->have |= K_SRC;
	}
	if (off + 40 <= caplen) {
		memcpy(k->dst, p + off + 24, 16);
		k->have |= K_DST;
	}
	if (!(k->have & K_DST))
		return;
	if (k->proto == 6 || k->proto == 17 || k->proto == 132) {
		ports_at(k, p, caplen, off + 40);
		return;
	}
	struct dec_packet d;

	memset(&d, 0, sizeof d);
	d.status = DEC_OK;
	d.caplen = (uint32_t)caplen;
	d.origlen = (uint32_t)caplen;
	if (dec_ipv6(p + off, caplen - off, (uint32_t)off, &d) == DEC_OK) {
		/* a later fragment still names its protocol (libpcap's `udp` follows the fragment header); only ports are absent */
		k->proto = d.ip.proto;
		k->have |= K_NH;
		if (d.ip.frag_off == 0)
			ports_at(k, p, caplen, off + d.ip.hdr_len);
	}
}

/* ARP/RARP sender and target protocol addresses at libpcap's fixed offsets (gen_arpop over Ethernet/IPv4). */
static void arp_keys(struct pkey *k, const uint8_t *p, size_t caplen, size_t off)
{
	k->fam = 4;
	k->have |= K_ARP;
	if (off + 18 <= caplen) {
		memcpy(k->src, p + off + 14, 4);
		k->have |= K_SRC;
	}
	if (off + 28 <= caplen) {
		memcpy(k->dst, p + off + 24, 4);
		k->have |= K_DST;
	}
}

/* Fill k from the frame; false when its keys cannot be taken apart (the chunk turns wild). */
static bool packet_keys(const struct frame *f, struct pkey *k)
{
	struct dec_packet d;
	size_t off;

	/* untagged Ethernet II carrying IP, most traffic: what dec_ether would find, without its 600-byte result */
	if (f->linktype == LINKTYPE_ETHERNET && f->caplen >= 14) {
		uint16_t t = ld_be16(f->data + 12);

		if (t == ET_IPV4 || t == ET_IPV6) {
			memset(k, 0, sizeof *k);
			k->etype = k->type_len = t;
			if (t == ET_IPV4)
				ipv4_keys(k, f->data, f->caplen, 14);
			else
				ipv6_keys(k, f->data, f->caplen, 14);
			return true;
		}
	}
	dec_packet(f->linktype, f->data, f->caplen, f->origlen, DEC_DEPTH_LINK, &d);
	if (d.link.status != DEC_OK || d.link.proto == DEC_P_OTHER || d.l2.vlan_more)
		return false;
	memset(k, 0, sizeof *k);
	k->etype = d.l2.ethertype;
	k->type_len = d.link.proto == DEC_P_ETHER ? d.l2.type_len : d.l2.ethertype;
	k->nvlan = d.l2.nvlan;
	for (unsigned i = 0; i < d.l2.nvlan; i++)
		k->vid[i] = d.l2.vlan[i].vid;
	off = d.link.hdr_len;
	if (k->etype == ET_IPV4)
		ipv4_keys(k, f->data, f->caplen, off);
	else if (k->etype == ET_IPV6)
		ipv6_keys(k, f->data, f->caplen, off);
	else if (k->etype == ET_ARP || k->etype == ET_RARP)
		arp_keys(k, f->data, f->caplen, off);
	return true;
}

static void iface_count(struct pidx_builder *b, const struct frame *f)
{
	if (f->iface >= b->nifaces) {
		size_t n = (size_t)f->iface + 1u;

		if (f->iface >= READER_MAX_IFACES ||
		    grow((void **)&b->ifaces, &b->ifaces_cap, n, sizeof *b->ifaces) < 0)
			return;
		memset(b->ifaces + b->nifaces, 0, (n - b->nifaces) * sizeof *b->ifaces);
		b->nifaces = n;
	}
	b->ifaces[f->iface].linktype = f->linktype;
	b->ifaces[f->iface].packets++;
}

/* Is the packet's flow a row of the table? (IPv4/IPv6 with both addresses, not ARP) */
static bool has_flow(const struct pkey *k)
{
	return (k->fam == 4 || k->fam == 6) && !(k->have & K_ARP) && (k->have & K_DST);
}

/* The flow key: ports only when both are there. */
static void flow_key(const struct pkey *k, struct pkey *fk)
{
	*fk = *k;
	if (!(fk->have & K_DPORT))
		fk->sport = fk->dport = 0;
}

/* Flow row and keys of the pending packet, into the open chunk. */
static void pend_run(struct pidx_builder *b)
{
	struct bpend *p = &b->pend;
	const struct pkey *k = &p->k;
	struct pidx_chunk *c = &b->cur;

	if (!b->pending)
		return;
	b->pending = false;
	if (has_flow(k)) {
		struct pkey fk;
		struct bflow *r;

		flow_key(k, &fk);
		r = flow_add(b, &fk, p->h, p->ts, p->origlen);
		if (r && (k->have & (K_SPORT | K_DPORT)) != K_SPORT) {
			/* the row fixes addresses, ports, proto, outer VLAN; the rest must equal kx exactly */
			uint8_t kx[16];

			kx[0] = k->have;
			kx[1] = k->nh;
			kx[2] = k->nvlan;
			kx[3] = 0;
			memcpy(kx + 4, &k->etype, 2);
			memcpy(kx + 6, &k->type_len, 2);
			memcpy(kx + 8, k->vid, 8);
			if (c->flags & PIDX_CHUNK_WILD)
				return;
			if (r->kgen == b->gen && memcmp(r->kx, kx, sizeof kx) == 0)
				return;
			r->kgen = b->gen;
			memcpy(r->kx, kx, sizeof kx);
			keys_of(b, k);
			return;
		}
	}
	if (c->flags & PIDX_CHUNK_WILD)
		return;
	uint64_t w[7];

	memcpy(w, k, sizeof w);
	uint64_t sig = pidx_words_hash(w[0] ^ pidx_rotl(w[4], 13), w[1] ^ pidx_rotl(w[5], 27),
				       w[2] ^ w[3] ^ pidx_rotl(w[6], 41));
	struct bsig *s = &b->sig[sig & (SIG_SLOTS - 1)];

	if (s->gen == b->gen && s->sig == sig && !memcmp(&s->k, k, sizeof *k))
		return;
	s->gen = b->gen;
	s->sig = sig;
	s->k = *k;
	keys_of(b, k);
}

/*
 * Counters at once; the flow-table lookup one packet later: its slot is
 * prefetched now and looked up at the next packet, so the cache miss of a
 * table with many flows overlaps the next packet's work.
 */
void pidx_builder_add(struct pidx_builder *b, const struct frame *f, uint64_t raw_off, uint32_t rec_len)
{
	struct pkey k;
	struct pidx_chunk *c;
	uint64_t h = 0;

	chunk_boundary(b, raw_off);
	c = &b->cur;
	if (c->packets == 0 || (int64_t)f->ts_ns < c->first_ns)
		c->first_ns = (int64_t)f->ts_ns;
	if (c->packets == 0 || (int64_t)f->ts_ns > c->last_ns)
		c->last_ns = (int64_t)f->ts_ns;
	c->packets++;
	c->bytes += f->origlen;
	c->raw_len = raw_off + rec_len - c->raw_off;
	iface_count(b, f);
	if (!packet_keys(f, &k)) {
		c->flags |= PIDX_CHUNK_WILD;
		return;
	}
	if (has_flow(&k)) {
		struct pkey fk;
		size_t j;

		flow_key(&k, &fk);
		h = flow_hash(&fk, fk.nvlan ? (uint16_t)(fk.vid[0] + 1u) : 0);
		j = h & (b->fcap_tab - 1);
		__builtin_prefetch(&b->ftag[j]);
		__builtin_prefetch(&b->ftab[j]);
	}
	pend_run(b);
	b->pend.k = k;
	b->pend.h = h;
	b->pend.ts = f->ts_ns;
	b->pend.origlen = f->origlen;
	b->pending = true;
}

int pidx_builder_iface(struct pidx_builder *b, uint32_t i, const struct pidx_iface *st)
{
	uint64_t packets;
	uint32_t linktype;

	if (i >= READER_MAX_IFACES)
		return -1;
	if (i >= b->nifaces) {
		size_t n = (size_t)i + 1u;

		if (grow((void **)&b->ifaces, &b->ifaces_cap, n, sizeof *b->ifaces) < 0)
			return -1;
		memset(b->ifaces + b->nifaces, 0, (n - b->nifaces) * sizeof *b->ifaces);
		b->nifaces = n;
	}
	packets = b->ifaces[i].packets;
	linktype = b->ifaces[i].linktype;
	b->ifaces[i] = *st;
	if (packets > b->ifaces[i].packets)
		b->ifaces[i].packets = packets;
	if (!b->ifaces[i].linktype)
		b->ifaces[i].linktype = linktype;
	return 0;
}

void pidx_builder_end(struct pidx_builder *b, uint64_t raw_off, bool damaged)
{
	b->end_raw = raw_off;
	b->end_set = true;
	b->damaged = damaged;
}

void pidx_builder_finish(struct pidx_builder *b)
{
	if (!b->open && b->nchunks == 0)
		chunk_open(b, 0, 0, 0);
	chunk_close(b);
	for (size_t i = 0; i < b->nchunks; i++)
		if (b->chunks[i].c.file_off == PIDX_OFF_UNKNOWN)
			b->unresolved = true;
	if (!b->end_set) {
		const struct bchunk *c = &b->chunks[b->nchunks - 1];

		b->end_raw = c->c.raw_off + c->c.raw_len;
	}
}
