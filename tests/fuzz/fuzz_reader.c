/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for the pcap/pcapng readers and the gzip source; without libFuzzer, main() replays files and directories. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcaprec/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Read every record; touch every byte so sanitizers see any out-of-bounds frame. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct reader *r = reader_open_mem(data, size, "fuzz", err, sizeof err);
	struct frame f;
	unsigned sum = 0;
	int rc;

	if (!r)
		return 0;
	while ((rc = reader_next(r, &f)) == 1) {
		for (uint32_t i = 0; i < f.caplen; i++)
			sum += f.data[i];
		(void)reader_offset(r);
	}
	if (reader_next(r, &f) != rc)
		abort();   /* end and error must be sticky */
	for (size_t i = 0; i < reader_iface_count(r); i++) {
		const struct reader_iface *ifc = reader_iface(r, i);

		sum += ifc->name ? (unsigned)strlen(ifc->name) : 0;
	}
	reader_close(r);
	return (int)(sum & 0);
}

#ifndef PCAPREC_LIBFUZZER
#include "fuzz_replay.h"
#endif
