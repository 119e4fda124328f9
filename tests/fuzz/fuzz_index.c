/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for the sidecar index loader (pidx_parse) and its queries; without libFuzzer, main() replays files and directories. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "pcaprec/index.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A few predicates of every key kind, built once per input. */
static struct idx_pred *some_preds(const uint8_t *data, size_t size)
{
	static const uint8_t a4[4] = { 192, 0, 2, 1 }, a6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	static const uint8_t port[2] = { 0, 53 }, proto = 6;
	uint8_t any[16] = { 0 };
	struct idx_pred *p;

	memcpy(any, data, size < sizeof any ? size : sizeof any);
	p = idx_pred_or(idx_pred_key(IDX_IP4, a4, 4, 0), idx_pred_key(IDX_NET6, a6, 16, 40));
	p = idx_pred_or(p, idx_pred_and(idx_pred_key(IDX_PORT, port, 2, 0), idx_pred_key(IDX_PROTO, &proto, 1, 0)));
	p = idx_pred_or(p, idx_pred_key(IDX_NET4, any, 4, 20));
	return idx_pred_or(p, idx_pred_key(IDX_VLAN, any + 4, 2, 0));
}

/* Parse; on success query every chunk, then load the flow table and query every flow and interface (sanitizers watch the reads). */
static void one(const uint8_t *data, size_t size)
{
	struct pidx *ix = NULL;
	char why[600];
	struct pidx_info info;
	struct idx_pred *p;
	uint64_t sum = 0;

	if (pidx_parse(data, size, "fuzz", &ix, why, sizeof why) != PIDX_OK) {
		if (ix || !why[0])
			abort();   /* a refusal says why and returns nothing */
		return;
	}
	pidx_get_info(ix, &info);
	p = some_preds(data, size);
	for (size_t i = 0; i < pidx_nchunks(ix); i++) {
		const struct pidx_chunk *c = pidx_chunk(ix, i);

		if (c->raw_off + c->raw_len > pidx_tail_raw(ix))
			abort();   /* the loader promised bounds */
		sum += pidx_chunk_may_match(ix, i, p) + c->packets;
	}
	if (pidx_chunk(ix, pidx_nchunks(ix)) != NULL)
		abort();
	if (pidx_flows_load(ix, why, sizeof why) == PIDX_OK) {
		if (!pidx_flows_complete(ix) && pidx_nflows(ix) == 0 && why[0] == 'x')
			abort();   /* never: reached so the compiler keeps the calls */
	} else if (!why[0] || pidx_nflows(ix) != 0 || pidx_flows_complete(ix)) {
		abort();   /* a damaged flow table says why and offers no rows */
	}
	for (size_t i = 0; i < pidx_nflows(ix); i++)
		sum += pidx_flow(ix, i)->packets;
	for (size_t i = 0; i < pidx_nifaces(ix); i++)
		sum += pidx_iface(ix, i)->ifdrop;
	idx_pred_free(p);
	pidx_free(ix);
	if (sum == 1)
		why[0] = '\0';
}

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Version 2's checksums made right: the flow section's at header offset 68 (when its table
 * entry lies inside the input), then the trailer over everything but the flow section. */
static void fix_crcs(uint8_t *d, size_t size)
{
	uint64_t off = 0, len = 0, nsec = le(d + 64, 4);
	uLong c;

	for (uint64_t i = 0; i < nsec && i < 16 && 72 + 24 * (i + 1) <= size - 4; i++) {
		const uint8_t *t = d + 72 + 24 * i;

		if (le(t, 4) == 4 && le(t + 8, 8) <= size - 4 && le(t + 16, 8) <= size - 4 - le(t + 8, 8)) {
			off = le(t + 8, 8);
			len = le(t + 16, 8);
		}
	}
	put32(d + 68, (uint32_t)crc32(crc32(0L, Z_NULL, 0), d + off, (uInt)len));
	c = crc32(crc32(0L, Z_NULL, 0), d, (uInt)off);
	c = crc32(c, d + off + len, (uInt)(size - 4 - off - len));
	put32(d + size - 4, (uint32_t)c);
}

/*
 * Each input as it is, and again with its checksums made right (and the
 * header's length field set), so mutations reach the field checks behind
 * the CRC-32 (doc/index-format.md).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *fixed;

	one(data, size);
	if (size < 80 || size > (1u << 20) || !(fixed = malloc(size)))
		return 0;
	memcpy(fixed, data, size);
	for (int i = 0; i < 8; i++)
		fixed[16 + i] = (uint8_t)((uint64_t)size >> (8 * i));
	fix_crcs(fixed, size);
	one(fixed, size);
	free(fixed);
	return 0;
}

#ifndef PCAPREC_LIBFUZZER
#include "fuzz_replay.h"
#endif
