/* SPDX-License-Identifier: BSD-2-Clause */
/* Test tool: one line per packet (ts caplen origlen fnv1a64 iface dir) from pcaprec's reader, or from libpcap with -l. */
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "pcaprec/reader.h"

/* FNV-1a 64 over the captured bytes. */
static uint64_t fnv1a64(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static void line(uint64_t ts, uint32_t caplen, uint32_t origlen, const uint8_t *d)
{
	printf("%" PRIu64 ".%09" PRIu64 " %u %u %016" PRIx64 "\n", ts / 1000000000u, ts % 1000000000u,
	       caplen, origlen, fnv1a64(d, caplen));
}

static int dump_libpcap(const char *path)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, eb);
	struct pcap_pkthdr *h;
	const u_char *d;
	int rc;

	if (!p) {
		fprintf(stderr, "libpcap: %s\n", eb);
		return 1;
	}
	/* pcap stores 32-bit unsigned seconds; libpcap's time_t may be sign-extended. */
	bool pcap32 = pcap_major_version(p) == 2;
	while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
		uint64_t sec = pcap32 ? (uint32_t)h->ts.tv_sec : (uint64_t)h->ts.tv_sec;

		line(sec * 1000000000u + (uint64_t)h->ts.tv_usec, h->caplen, h->len, d);
	}
	if (rc == -1)
		fprintf(stderr, "libpcap: %s\n", pcap_geterr(p));
	pcap_close(p);
	return rc == -2 ? 0 : 1;
}

static int dump_ours(const char *path, bool verbose)
{
	char err[1024];
	struct reader *r = reader_open(path, err, sizeof err);
	struct frame f;
	int rc;

	if (!r) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	while ((rc = reader_next(r, &f)) == 1) {
		if (verbose)
			printf("%u %u %u ", f.iface, f.linktype, (unsigned)f.dir);
		line(f.ts_ns, f.caplen, f.origlen, f.data);
	}
	if (rc < 0)
		fprintf(stderr, "%s\n", reader_error(r));
	reader_close(r);
	return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "-l") == 0)
		return dump_libpcap(argv[2]);
	if (argc == 3 && strcmp(argv[1], "-v") == 0)
		return dump_ours(argv[2], true);
	if (argc == 2)
		return dump_ours(argv[1], false);
	fprintf(stderr, "usage: rddump [-l|-v] FILE\n  -l  read with libpcap instead of pcaprec\n"
		"  -v  prefix iface, linktype and direction\n");
	return 2;
}
