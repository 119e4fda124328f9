/* SPDX-License-Identifier: BSD-2-Clause */
/* Test oracle: compile a filter with libpcap (pcap_open_dead, optimize=1) and dump it like tcpdump -d/-dd/-ddd. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct bpf_program prog;
	pcap_t *p;
	int level = 1;

	if (argc < 4) {
		fprintf(stderr, "usage: bpf_libpcap LINKTYPE SNAPLEN EXPR [1|2|3]\n");
		return 2;
	}
	if (argc > 4)
		level = (int)strtol(argv[4], NULL, 10);
	p = pcap_open_dead((int)strtol(argv[1], NULL, 10), (int)strtol(argv[2], NULL, 10));
	if (!p)
		return 1;
	if (pcap_compile(p, &prog, argv[3], 1, PCAP_NETMASK_UNKNOWN) != 0) {
		fprintf(stderr, "libpcap: %s\n", pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	bpf_dump(&prog, level);
	pcap_freecode(&prog);
	pcap_close(p);
	return 0;
}
