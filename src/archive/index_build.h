/* SPDX-License-Identifier: BSD-2-Clause */
/* Private to the index builder and writer: the builder's state. */
#ifndef PCAPREC_INDEX_BUILD_H
#define PCAPREC_INDEX_BUILD_H

#include "index_impl.h"

struct bchunk {
	struct pidx_chunk c;
	uint64_t bloom_off;
	uint32_t bits;
	uint32_t nstate;
	uint32_t nkeys;
};

/* Everything a packet's keys are made of; hashed whole to skip tuples already keyed in this chunk. */
struct pkey {
	uint8_t src[16], dst[16];
	uint16_t etype, type_len;
	uint16_t vid[4];
	uint16_t sport, dport;
	uint8_t nvlan, fam, proto, nh;
	uint8_t have;             /* K_* */
	uint8_t pad[3];
};

_Static_assert(sizeof(struct pkey) == 56, "pkey is hashed as 7 words");

struct bsig {
	uint64_t sig;
	uint32_t gen;
	struct pkey k;
};

/* A flow row and when its packets' keys were last added (chunk generation + what else they depend on). */
struct bflow {
	uint64_t hash;            /* 0: empty slot */
	struct pidx_flow f;
	uint32_t kgen;
	uint8_t kx[16];           /* the packet fields besides the row's that its keys came from */
};

/* A packet whose flow lookup and keys wait for the next packet (its slot prefetched meanwhile). */
struct bpend {
	struct pkey k;
	uint64_t h;
	uint64_t ts;
	uint32_t origlen;
};

struct pidx_builder {
	uint64_t chunk_bytes;
	uint32_t max_flows;
	uint32_t format;
	bool compressed;
	bool oom;
	bool unresolved;          /* a chunk's member never got its file offset */
	/* finished chunks and their filters */
	struct bchunk *chunks;
	size_t nchunks, chunks_cap;
	uint8_t *bloom;
	size_t bloom_len, bloom_cap;
	/* state blocks, already in the sidecar's record layout */
	uint8_t *state;
	size_t state_len, state_cap;
	uint32_t nstate;
	uint64_t state_last;
	bool state_full;
	/* the chunk being filled */
	bool open;
	struct pidx_chunk cur;
	uint32_t cur_nstate;
	uint64_t *kslot;
	size_t kcap, kn;
	struct bsig *sig;
	uint32_t gen;
	bool pending;
	struct bpend pend;
	bool member_pending;
	uint64_t member_file, member_raw;
	/* flows */
	struct bflow *ftab;       /* open addressing, rows in place */
	uint32_t *ftag;           /* per slot: the hash's high half (never 0), 0 empty; probed instead of the rows */
	size_t fcap_tab;
	size_t nflows;
	bool flows_incomplete;
	/* interfaces */
	struct pidx_iface *ifaces;
	size_t nifaces, ifaces_cap;
	/* end */
	uint64_t end_raw;
	bool end_set;
	bool damaged;
};

/* Close the open chunk and settle the end offset; called by the writer. */
void pidx_builder_finish(struct pidx_builder *b);

#endif
