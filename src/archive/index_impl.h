/* SPDX-License-Identifier: BSD-2-Clause */
/* Private to the index files: the sidecar layout (doc/index-format.md), the loaded index and the key hash. */
#ifndef PCAPREC_INDEX_IMPL_H
#define PCAPREC_INDEX_IMPL_H

#include "pcaprec/index.h"
#include "pcaprec/util.h"

/* Sidecar layout, version 2, all integers little-endian (doc/index-format.md). */
#define PIDX_MAGIC "PCAPRIDX"
#define PIDX_HDR_LEN 72u
#define PIDX_TOC_LEN 24u
#define PIDX_CHUNK_REC 96u
#define PIDX_FLOW_REC 72u
#define PIDX_IFACE_REC 72u
#define PIDX_STATE_HDR 16u
#define PIDX_MAX_SECTIONS 16u
#define PIDX_MAX_STATE (4u << 20)   /* bytes of state blocks kept per file */
#define PIDX_MAX_NHASH 16u
#define PIDX_FP_SPAN 65536u         /* head and tail bytes fingerprinted */
#define PIDX_OFF_UNKNOWN UINT64_MAX /* a member's file offset not reported yet */

enum pidx_section {
	PIDX_SEC_CHUNKS = 1,
	PIDX_SEC_BLOOM = 2,
	PIDX_SEC_STATE = 3,
	PIDX_SEC_FLOWS = 4,
	PIDX_SEC_IFACES = 5,
};

enum {
	PIDX_F_COMPRESSED = 1u << 0,
	PIDX_F_DAMAGED = 1u << 1,
	PIDX_F_FLOWS_INCOMPLETE = 1u << 2,
	PIDX_F_FLOWS_DEFLATED = 1u << 3,   /* the flow section is one zlib stream of its records */
};


/* The capture as it was when indexed. */
struct pidx_fp {
	uint64_t size;
	int64_t mtime_ns;
	uint32_t crc_head, crc_tail;
};

/* Where chunk i's Bloom filter lies in the loaded bloom section. */
struct pidx_cbloom {
	uint64_t off;          /* byte offset in bloom[] */
	uint32_t bits;         /* 0: the chunk has no keys */
	uint32_t nhash;
	uint32_t nstate;       /* state blocks in effect at the chunk */
};

struct pidx {
	struct pidx_fp fp;
	struct pidx_info info;
	uint32_t format;       /* 0 pcap, 1 pcap-ns, 2 pcapng */
	uint32_t flags;        /* PIDX_F_* */
	struct pidx_chunk *chunks;
	struct pidx_cbloom *cb;
	size_t nchunks;
	uint8_t *bloom;
	size_t bloom_len;
	uint8_t *state;        /* the state blocks' bytes, back to back */
	size_t *state_end;     /* state_end[k]: bytes of the first k+1 blocks */
	uint64_t *state_raw;   /* raw offset of block k */
	size_t nstate;
	struct pidx_flow *flows;  /* by pidx_flows_load */
	size_t nflows;
	int flows_state;         /* 0 not loaded, 1 loaded, -1 damaged */
	uint8_t *flow_raw;       /* the flow section as stored, until loaded */
	size_t flow_raw_len;
	uint32_t flow_count, flow_crc;
	char *name;              /* the sidecar, for messages */
	struct pidx_iface *ifaces;
	size_t nifaces;
};

/* Format names in file order (index 0..2). */
extern const char *const pidx_format_names[3];

/* Fingerprint `path` (or the file open on `fd`, readable, named `path` in messages) as it is now; -1 with a message. */
int pidx_fingerprint(const char *path, struct pidx_fp *fp, char *err, size_t errlen);
int pidx_fingerprint_fd(int fd, const char *path, struct pidx_fp *fp, char *err, size_t errlen);

/* The trailer's CRC-32: every byte of the `len`-byte sidecar d before the trailer except the
 * flow section's flow_len bytes at flow_off (those have their own CRC-32 at header offset 68). */
uint32_t pidx_trailer_crc(const uint8_t *d, size_t len, uint64_t flow_off, uint64_t flow_len);

/* Bytes of state blocks in effect at chunk i (prefix of ix->state). */
size_t pidx_state_len(const struct pidx *ix, size_t i);

/*
 * The key hash: a key is kind (1 byte), prefix (1 byte) and up to 16 value
 * bytes, laid out as 24 bytes (zero padded) read as three little-endian
 * 64-bit words w0..w2; h = fmix64((w0 ^ C0) * C1 ^ rotl((w1 ^ C2) * C3, 29)
 * ^ rotl((w2 ^ C4) * C5, 47)), 0 mapped to 1 (doc/index-format.md).
 */
static inline uint64_t pidx_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

static inline uint64_t pidx_rotl(uint64_t x, unsigned r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t pidx_words_hash(uint64_t w0, uint64_t w1, uint64_t w2)
{
	uint64_t h = ((w0 ^ 0x9e3779b97f4a7c15ull) * 0xbf58476d1ce4e5b9ull) ^
		     pidx_rotl((w1 ^ 0x94d049bb133111ebull) * 0xd6e8feb86659fd93ull, 29) ^
		     pidx_rotl((w2 ^ 0x2545f4914f6cdd1dull) * 0x9fb21c651e98df25ull, 47);

	h = pidx_mix(h);
	return h ? h : 1;
}

static inline uint64_t pidx_key_hash(unsigned kind, unsigned prefix, const uint8_t *v, size_t len)
{
	uint8_t k[24] = { 0 };

	k[0] = (uint8_t)kind;
	k[1] = (uint8_t)prefix;
	switch (len) {
	case 1: k[2] = v[0]; break;
	case 2: memcpy(k + 2, v, 2); break;
	case 4: memcpy(k + 2, v, 4); break;
	default: memcpy(k + 2, v, len > 16 ? 16 : len); break;
	}
	return pidx_words_hash(ld_le64(k), ld_le64(k + 8), ld_le64(k + 16));
}

/* Bit position j (< nhash) of hash h in a filter of `bits` bits (Kirsch-Mitzenmacher double hashing). */
static inline uint32_t pidx_bloom_bit(uint64_t h, uint32_t j, uint32_t bits)
{
	uint32_t h1 = (uint32_t)h, h2 = (uint32_t)(h >> 32) | 1u;
	uint32_t x = h1 + j * h2;

	return (uint32_t)(((uint64_t)x * bits) >> 32);
}

/* Hash of an IPv4 (4 bytes) or IPv6 (16) address masked to `prefix` bits, as an IDX_NET4/IDX_NET6 key. */
uint64_t pidx_net_hash(bool v6, const uint8_t *addr, unsigned prefix);

/* Does the filter of `nbits` bits at `bits` hold hash h? (false when nbits is 0) */
bool pidx_bloom_has(const uint8_t *bits, uint32_t nbits, uint32_t nhash, uint64_t h);

static inline void st_le64(uint8_t *p, uint64_t v)
{
	st_le32(p, (uint32_t)v);
	st_le32(p + 4, (uint32_t)(v >> 32));
}

#endif
