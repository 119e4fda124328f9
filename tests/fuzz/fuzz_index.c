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

/* Parse; on success query every chunk, flow and interface (sanitizers watch the reads). */
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
	for (size_t i = 0; i < pidx_nflows(ix); i++)
		sum += pidx_flow(ix, i)->packets;
	for (size_t i = 0; i < pidx_nifaces(ix); i++)
		sum += pidx_iface(ix, i)->ifdrop;
	idx_pred_free(p);
	pidx_free(ix);
	if (sum == 1)
		why[0] = '\0';
}

/*
 * Each input as it is, and again with its checksum made right (and the
 * header's length field set), so mutations reach the field checks behind
 * the CRC-32 (doc/index-format.md).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *fixed;
	uint32_t crc;

	one(data, size);
	if (size < 80 || size > (1u << 20) || !(fixed = malloc(size)))
		return 0;
	memcpy(fixed, data, size);
	for (int i = 0; i < 8; i++)
		fixed[16 + i] = (uint8_t)((uint64_t)size >> (8 * i));
	crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), fixed, (uInt)(size - 4));
	for (int i = 0; i < 4; i++)
		fixed[size - 4 + i] = (uint8_t)(crc >> (8 * i));
	one(fixed, size);
	free(fixed);
	return 0;
}

#ifndef PCAPREC_LIBFUZZER
#include "fuzz_replay.h"
#endif
