/* SPDX-License-Identifier: BSD-2-Clause */
/* Test oracle: list a capture file's packets through libpcap, one line each: link type, time (ns), caplen, len, hex bytes. */
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>

/*
 * Output: "LINKTYPE SEC.NSEC CAPLEN LEN HEX" per packet. Exit 0 after a clean
 * end of file, 1 when libpcap cannot open the file or stops on an error (the
 * lines printed before it are the readable packets).
 */
int main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: pktlist FILE|-\n");
		return 2;
	}
	p = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p) {
		fprintf(stderr, "pktlist: %s\n", errbuf);
		return 1;
	}
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		printf("%d %" PRId64 ".%09ld %u %u ", pcap_datalink(p), (int64_t)h->ts.tv_sec,
		       (long)h->ts.tv_usec, h->caplen, h->len);
		for (uint32_t i = 0; i < h->caplen; i++)
			printf("%02x", data[i]);
		printf("\n");
	}
	if (rc == -1) {
		fprintf(stderr, "pktlist: %s\n", pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	pcap_close(p);
	return 0;
}
