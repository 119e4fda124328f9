/* SPDX-License-Identifier: BSD-2-Clause */
/* Test oracle: prints every packet of a capture as libpcap reads it, one line each. */
/*
 * Usage: pcapdump [-H] FILE        (FILE "-" reads stdin; libpcap reads
 *                                   pcap and pcapng, not gzip: pipe zcat in)
 *
 * Output, one line per packet, nothing else:
 *
 *     <ts_sec>.<ts_nsec> <caplen> <origlen> <crc32>
 *
 * ts_nsec has 9 digits (the file is opened with nanosecond precision, so
 * microsecond files show ...000), crc32 is zlib's CRC-32 of the captured
 * bytes as 8 lower-case hex digits. With -H a first line
 * "linktype <N> snaplen <N>" comes before the packets.
 *
 * Exit status: 0 after a clean end of file; 1 with a message on stderr when
 * libpcap cannot open the file or reports an error (a damaged or partial
 * record), after printing every packet read before it; 2 on bad usage.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

int main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	int header = 0, rc;
	pcap_t *p;

	if (argc == 3 && strcmp(argv[1], "-H") == 0) {
		header = 1;
		argv++;
		argc--;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: pcapdump [-H] FILE\n");
		return 2;
	}
	p = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p) {
		fprintf(stderr, "pcapdump: %s: %s\n", argv[1], errbuf);
		return 1;
	}
	if (header)
		printf("linktype %d snaplen %d\n", pcap_datalink(p), pcap_snapshot(p));
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		unsigned long crc = crc32(0L, data, h->caplen);

		printf("%lld.%09ld %u %u %08lx\n", (long long)h->ts.tv_sec, (long)h->ts.tv_usec,
		       h->caplen, h->len, crc);
	}
	if (rc == PCAP_ERROR) {
		fprintf(stderr, "pcapdump: %s: %s\n", argv[1], pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	pcap_close(p);
	return 0;
}
