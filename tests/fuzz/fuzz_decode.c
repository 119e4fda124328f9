/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for the decoders and both printers; without libFuzzer, main() replays files and directories. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcaprec/decode.h"
#include "pcaprec/frame.h"
#include "pcaprec/print.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input: one byte choosing the link type, one byte choosing the depth and
 * printer options, then the frame. The frame is copied into a buffer of
 * exactly its size so that a sanitizer sees any read past caplen.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t linktypes[] = {
		LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_RAW,
		LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_NULL, LINKTYPE_LOOP,
	};
	struct dec_packet d;
	struct print_opts o = { 0 };
	struct print_state st = { 0 };
	char line[PRINT_LINE_MAX];

	if (size < 2 || size - 2 > FRAME_MAX_CAPLEN)
		return 0;
	uint32_t lt = linktypes[data[0] % (sizeof linktypes / sizeof linktypes[0])];
	enum dec_depth depth = (enum dec_depth)(DEC_DEPTH_LINK + data[1] % 4);
	size_t caplen = size - 2;
	uint8_t *pkt = malloc(caplen ? caplen : 1);
	if (pkt == NULL)
		return 0;
	memcpy(pkt, data + 2, caplen);

	/* origlen: the caplen, or more (as if cut by a snaplen) */
	uint32_t origlen = (uint32_t)caplen + ((data[1] & 0x10) ? 100u : 0u);
	dec_packet(lt, pkt, caplen, origlen, depth, &d);
	if (d.payload_off + d.payload_caplen > caplen)
		abort(); /* the payload window must lie inside the capture */
	/* tunnels as the summary follows them: every inner start inside the capture */
	const struct dec_packet *cur = &d;
	struct dec_packet inner[2];
	struct dec_tunnel t;
	size_t at = 0;
	for (int i = 0; i < 4 && dec_tunnel(pkt + at, caplen - at, cur, &t); i++) {
		if (t.off > caplen - at)
			abort();
		at += t.off;
		dec_packet(t.linktype, pkt + at, caplen - at, (uint32_t)(caplen - at), DEC_DEPTH_TRANSPORT,
			   &inner[i & 1]);
		cur = &inner[i & 1];
	}
	if (depth == DEC_DEPTH_ALL) {
		struct frame f = { .ts_ns = 1700000000123456789ull, .caplen = (uint32_t)caplen,
				   .origlen = origlen, .linktype = lt, .data = pkt };
		o.link = (data[1] & 0x20) != 0;
		o.verbose = (data[1] & 0x40) != 0;
		o.utc = true;
		o.quiet = (data[1] & 0x80) != 0;
		o.number = true;
		o.hex_ascii = (uint8_t)(1 + (data[1] & 0x10) / 0x10);
		size_t n = print_line(&o, &st, &f, &d, line, sizeof line);
		if (n == 0 || n >= sizeof line || line[n - 1] != '\n' || strlen(line) != n)
			abort();
		n = print_json(&o, &st, &f, &d, line, sizeof line);
		if (n == 0 || n >= sizeof line || line[n - 1] != '\n' || strlen(line) != n)
			abort();
		FILE *sink = fopen("/dev/null", "w");
		if (sink) {
			print_dump(&o, &f, &d, sink);
			fclose(sink);
		}
		print_state_free(&st);
	}
	free(pkt);
	return 0;
}

#ifndef PCAPREC_LIBFUZZER
#include "fuzz_replay.h"
#endif
