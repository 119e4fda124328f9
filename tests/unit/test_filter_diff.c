/* SPDX-License-Identifier: BSD-2-Clause */
/* Differential test: pcaprec's filter compiler and BPF interpreter against libpcap's pcap_compile and bpf_filter over the testdata corpus. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcaprec/filter.h"
#include "pcaprec/frame.h"

#ifndef TESTDATA_DIR
#define TESTDATA_DIR "testdata"
#endif

/* Written by hand to cover every primitive, qualifier and operator we support. */
static const char *const hand[] = {
	"", "ip", "ip6", "arp", "rarp", "tcp", "udp", "icmp", "icmp6", "sctp", "igmp",
	"host 192.0.2.1", "src host 192.0.2.1", "dst host 198.51.100.7", "host 2001:db8::1",
	"src host 2001:db8::2", "dst host ff02::16", "ip host 192.0.2.1", "arp host 192.0.2.1",
	"rarp host 192.0.2.1", "ip6 host 2001:db8::1", "src or dst host 192.0.2.1",
	"src and dst host 192.0.2.1", "host 192.0.2.1 or 198.51.100.7", "host 192.0.2.1 or host 203.0.113.9",
	"net 192.0.2.0/24", "src net 198.51.100.0/24", "dst net 203.0.113.0 mask 255.255.255.0",
	"net 192.0.2", "net 192", "net 2001:db8::/32", "net 2001:db8::/36", "ip6 src net 2001:db8::/64",
	"net 0.0.0.0/0", "host 192.0.2",
	"port 80", "port 53", "tcp port 80", "udp port 53", "src port 40000", "dst port 80",
	"tcp src port 40000", "udp dst port 53", "sctp port 80", "port 80 or 443", "port 53 or 80 or 443",
	"portrange 1-1024", "tcp portrange 80-443", "udp src portrange 5000-6000", "portrange 443-80",
	"src or dst port 53", "src and dst port 7",
	"ether host 02:00:00:00:00:0a", "ether src 02:00:00:00:00:0a", "ether dst 02:00:00:00:00:0b",
	"ether dst ff:ff:ff:ff:ff:ff", "ether broadcast", "ether multicast", "broadcast", "multicast",
	"ether proto 0x800", "ether proto 0x86dd", "ether proto 0x806", "ether proto \\ip",
	"ether proto \\arp", "ether proto 0x8100", "ether proto 66",
	"ip multicast", "ip6 multicast",
	"vlan", "vlan 100", "vlan 101", "vlan 4095", "vlan and ip", "vlan and ip6", "vlan and arp",
	"vlan and tcp", "vlan and udp port 53", "vlan and vlan", "vlan and vlan and tcp",
	"vlan and vlan 100", "vlan 100 or vlan 101", "not vlan", "ip or vlan and ip",
	"vlan and host 192.0.2.1", "vlan 100 and udp",
	"proto 6", "proto 17", "ip proto 17", "ip6 proto 17", "ip6 proto 58", "ip proto \\tcp",
	"ip6 proto \\udp", "proto \\icmp", "ip proto 1",
	"less 60", "greater 100", "less 0", "greater 1500", "len > 60", "len <= 64", "len = 42",
	"tcp[tcpflags] & (tcp-syn|tcp-ack) != 0", "tcp[tcpflags] & tcp-syn != 0",
	"tcp[tcpflags] & (tcp-syn|tcp-ack) = tcp-syn", "tcp[tcpflags] & tcp-fin != 0",
	"tcp[tcpflags] & tcp-rst != 0", "tcp[tcpflags] & tcp-push != 0", "tcp[tcpflags] & tcp-urg != 0",
	"tcp[13] = 2", "tcp[13] & 0x12 = 0x12", "tcp[0:2] = 40000", "tcp[2:2] = 80", "tcp[4:4] > 100",
	"udp[0:2] = 53", "udp[2:2] = 53", "udp[8] = 0", "udp[4:2] > 20",
	"icmp[icmptype] = icmp-echo", "icmp[icmptype] = icmp-echoreply", "icmp[0] = 3",
	"icmp6[icmp6type] = icmp6-echo", "icmp6[0] = 135", "icmp6[icmp6type] = icmp6-neighborsolicit",
	"ip[0] & 0xf > 5", "ip[0] & 0xf = 5", "ip[6:2] & 0x1fff = 0", "ip[6:2] & 0x1fff != 0",
	"ip[6] & 0x20 != 0", "ip[8] < 5", "ip[9] = 17", "ip[2:2] > 100", "ip[2:2] - 20 > tcp[0]",
	"ip[12:4] = 0xc0000201", "ip6[6] = 6", "ip6[4:2] > 20", "ip6[40] = 128",
	"ether[0] & 1 = 1", "ether[0] & 1 = 0", "ether[12:2] = 0x8100", "ether[12:2] > 1500",
	"ether[14] = 0x42", "link[0] = 2", "arp[7] = 1", "arp[6:2] = 2",
	"ip[2:2] * 2 > 200", "ip[2:2] / 4 > 10", "ip[2:2] % 7 = 3", "ip[0] >> 4 = 4",
	"ip[0] << 1 = 0x8a", "ip[1] | 1 = 1", "ip[1] ^ 0xff = 0xff", "-ip[0] = 0xffffffbb",
	"tcp[ip[0] & 3] = 0x9c", "ip[ip[0] & 0xf] >= 0", "ether[ether[0] & 7] = 0",
	"ip[2:2] = len - 14", "len - 14 = ip[2:2]", "ip[2:2] + 14 > len", "1 = 1", "1 = 2",
	"tcp and ip[2:2] > 60", "tcp[13] & 7 != 0 and not src port 443",
	"not ip", "not tcp", "not port 80", "! udp", "not not ip", "not (ip or ip6)",
	"ip and not ip", "ip or not ip", "tcp or udp", "tcp and udp", "arp or rarp",
	"tcp && port 80", "tcp || icmp", "(tcp or udp) and port 53", "tcp or udp and port 53",
	"host 192.0.2.1 and not port 80", "not host 192.0.2.1 and 198.51.100.7",
	"(ip[0] & 0xf) > 5", "(ip[0] = 0x45)", "((ip))", "ip6 and (udp or icmp6)",
	"ip6 and not tcp", "icmp6 and ip6[40] = 135", "ip and (ip[6:2] & 0x1fff) != 0",
	"udp and ip[6:2] & 0x3fff != 0", "tcp and tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack = 0",
	"dst port 53 and udp[10] & 0x80 = 0", "ip6 and ip6[6] = 0", "ip6 and ip6[6] = 43",
	"ip6 and ip6[6] = 44", "ip6 and ip6[6] = 60",
};

/* Primitives for generated combinations. */
static const char *const prims[] = {
	"ip", "ip6", "arp", "tcp", "udp", "icmp", "icmp6", "vlan", "vlan 100", "port 53", "port 80",
	"src port 40000", "tcp port 443", "host 192.0.2.1", "dst host 198.51.100.7",
	"host 2001:db8::1", "net 203.0.113.0/24", "ether broadcast", "ether src 02:00:00:00:00:0a",
	"greater 60", "less 64", "tcp[tcpflags] & tcp-syn != 0", "ip[8] < 64", "udp[0:2] = 53",
	"proto 17", "portrange 1-100", "ether multicast", "ip6 multicast", "icmp[0] = 8",
	"ip[6:2] & 0x1fff != 0",
};

static const char *const forms[] = {
	"%s and %s", "%s or %s", "not %s and %s", "%s and not %s", "not (%s or %s)", "not %s or not %s",
	"(%s) and (%s)", "%s or %s and %s", "%s and (%s or %s)", "not (%s and %s) and %s",
	"%s and %s and %s", "%s or %s or not %s",
};

#define NGEN 220
#define NLONG 4
#define MAXPKT 4096
#define MAXPKT_BYTES 2048
#define KFRAMES 1024

struct corpus {
	const char *file;
	pcap_t *p;
	uint32_t linktype;
	size_t n;
	struct pcap_pkthdr hdr[MAXPKT];
	uint8_t *data[MAXPKT];
	uint8_t *synth;   /* backing bytes of an in-memory savefile */
};

struct tally {
	unsigned exprs, compared, both_failed, mismatches;
	double worst_ratio;
	const char *worst;
	char worst_buf[256];
};

static char gen_buf[NGEN + NLONG][4096];

static void make_generated(void)
{
	uint32_t s = 12345;

	if (gen_buf[0][0])
		return;
	/* Long ones: programs past 255 instructions need JA trampolines. */
	for (int i = 1, n = 0; i < 80; i++)
		n += snprintf(gen_buf[NGEN] + n, sizeof gen_buf[NGEN] - (size_t)n, "%stcp port %d", i > 1 ? " or " : "", i);
	for (int i = 1, n = 0; i < 40; i++)
		n += snprintf(gen_buf[NGEN + 1] + n, sizeof gen_buf[NGEN + 1] - (size_t)n,
			      "%shost 192.0.2.%d or net 10.%d.0.0/16", i > 1 ? " or " : "", i, i);
	for (int i = 1, n = 0; i < 30; i++)
		n += snprintf(gen_buf[NGEN + 2] + n, sizeof gen_buf[NGEN + 2] - (size_t)n,
			      "%s(udp dst port %d and not host 2001:db8::%d)", i > 1 ? " or " : "", i, i);
	for (int i = 1, n = 0; i < 20; i++)
		n += snprintf(gen_buf[NGEN + 3] + n, sizeof gen_buf[NGEN + 3] - (size_t)n,
			      "%s(port %d and not net 10.%d.0.0/16)", i > 1 ? " or " : "", i, i);
	for (int i = 0; i < NGEN; i++) {
		const char *a, *b, *c, *f;

		s = s * 1103515245u + 12345u;
		f = forms[(s >> 8) % (sizeof forms / sizeof forms[0])];
		s = s * 1103515245u + 12345u;
		a = prims[(s >> 8) % (sizeof prims / sizeof prims[0])];
		s = s * 1103515245u + 12345u;
		b = prims[(s >> 8) % (sizeof prims / sizeof prims[0])];
		s = s * 1103515245u + 12345u;
		c = prims[(s >> 8) % (sizeof prims / sizeof prims[0])];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(gen_buf[i], sizeof gen_buf[i], f, a, b, c);
#pragma GCC diagnostic pop
	}
}

static uint32_t linktype_of(int dlt)
{
	return dlt == DLT_RAW ? LINKTYPE_RAW : (uint32_t)dlt;
}

static void corpus_free(struct corpus *c);

static void corpus_read(struct corpus *c)
{
	struct pcap_pkthdr *h;
	const u_char *d;

	c->linktype = linktype_of(pcap_datalink(c->p));
	c->n = 0;
	while (c->n < MAXPKT && pcap_next_ex(c->p, &h, &d) == 1) {
		c->hdr[c->n] = *h;
		c->data[c->n] = malloc(h->caplen ? h->caplen : 1);
		assert_non_null(c->data[c->n]);
		memcpy(c->data[c->n], d, h->caplen);
		c->n++;
	}
	assert_true(c->n > 0);
}

static void corpus_load(struct corpus *c, const char *name)
{
	char path[512], err[PCAP_ERRBUF_SIZE];

	snprintf(path, sizeof path, "%s/%s", TESTDATA_DIR, name);
	c->file = name;
	c->p = pcap_open_offline(path, err);
	if (!c->p)
		fail_msg("%s: %s", path, err);
	corpus_read(c);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/*
 * A savefile made in memory from raw.pcap's packets for a link type with
 * no file in testdata: LOOP (network-order AF_ header: 2, and BSD 24 for
 * IPv6), IPV4 or IPV6 (only packets of that version). libpcap reads it
 * through fmemopen, so it compiles with savefile rules, as tcpdump -r does.
 */
static void corpus_synth(struct corpus *c, const char *label, uint32_t linktype)
{
	struct corpus *raw = calloc(1, sizeof *raw);
	size_t cap = 1 << 20, n = 24;
	uint8_t *buf = calloc(1, cap);
	char err[PCAP_ERRBUF_SIZE];
	FILE *f;

	assert_non_null(raw);
	assert_non_null(buf);
	corpus_load(raw, "raw.pcap");
	put32(buf, 0xa1b2c3d4);
	buf[4] = 2;
	buf[6] = 4;
	put32(buf + 16, 262144);
	put32(buf + 20, linktype);
	for (size_t i = 0; i < raw->n; i++) {
		const struct pcap_pkthdr *h = &raw->hdr[i];
		unsigned ver = h->caplen ? raw->data[i][0] >> 4 : 0;
		uint32_t pre = linktype == 108 ? 4 : 0;

		if ((linktype == 228 && ver != 4) || (linktype == 229 && ver != 6))
			continue;
		assert_true(n + 16 + pre + h->caplen < cap);
		put32(buf + n, (uint32_t)h->ts.tv_sec);
		put32(buf + n + 4, (uint32_t)h->ts.tv_usec);
		put32(buf + n + 8, h->caplen + pre);
		put32(buf + n + 12, h->len + pre);
		n += 16;
		if (pre) {
			uint8_t af[4] = { 0, 0, 0, ver == 6 ? 24 : 2 };

			memcpy(buf + n, af, 4);
			n += 4;
		}
		memcpy(buf + n, raw->data[i], h->caplen);
		n += h->caplen;
	}
	corpus_free(raw);
	free(raw);
	f = fmemopen(buf, n, "rb");
	assert_non_null(f);
	c->file = label;
	c->p = pcap_fopen_offline(f, err);
	if (!c->p)
		fail_msg("%s: %s", label, err);
	corpus_read(c);
	c->synth = buf;
}

static void corpus_free(struct corpus *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->data[i]);
	pcap_close(c->p);
	free(c->synth);
}

/* Run one expression both ways over every packet; count and print disagreements. */
static void diff_one(struct corpus *c, const char *expr, struct tally *t)
{
	struct bpf_program bp;
	struct filter_prog ours, theirs;
	char err[1024];
	int lrc = pcap_compile(c->p, &bp, expr, 1, PCAP_NETMASK_UNKNOWN);
	int orc = filter_compile(expr, c->linktype, 262144, &ours, err, sizeof err);
	bool rejects_all = lrc != 0 && strstr(pcap_geterr(c->p), "rejects all packets");

	t->exprs++;
	if (lrc != 0 && !rejects_all) {
		if (orc == 0) {
			print_message("# MISMATCH %s '%s': libpcap refuses (%s), we compile\n", c->file, expr, pcap_geterr(c->p));
			t->mismatches++;
			filter_free(&ours);
		} else {
			t->both_failed++;
		}
		return;
	}
	if (orc != 0) {
		print_message("# MISMATCH %s '%s': libpcap compiles, we refuse: %s\n", c->file, expr, err);
		t->mismatches++;
		if (lrc == 0)
			pcap_freecode(&bp);
		return;
	}
	theirs.insns = lrc == 0 ? (struct sock_filter *)bp.bf_insns : NULL;
	theirs.len = lrc == 0 ? bp.bf_len : 0;
	if (lrc == 0 && ours.len > 2 * theirs.len) {
		print_message("# SIZE %s '%s': ours %u > 2 x libpcap %u\n", c->file, expr, ours.len, theirs.len);
		t->mismatches++;
	}
	if (lrc == 0 && (double)ours.len / theirs.len > t->worst_ratio) {
		t->worst_ratio = (double)ours.len / theirs.len;
		snprintf(t->worst_buf, sizeof t->worst_buf, "%s (%u vs %u)", expr, ours.len, theirs.len);
	}
	if (lrc == 0 && !strcmp(c->file, "corpus.pcap") && t->exprs <= sizeof hand / sizeof hand[0])
		print_message("# size ours %3u libpcap %3u  %s\n", ours.len, theirs.len, expr);
	for (size_t i = 0; i < c->n; i++) {
		const struct pcap_pkthdr *h = &c->hdr[i];
		struct bpf_insn *oi = (struct bpf_insn *)ours.insns;
		uint32_t r1 = lrc == 0 ? bpf_filter(bp.bf_insns, c->data[i], h->len, h->caplen) : 0;
		uint32_t r2 = bpf_filter(oi, c->data[i], h->len, h->caplen);
		uint32_t r3 = filter_run(&ours, c->data[i], h->caplen, h->len);
		uint32_t r4 = lrc == 0 ? filter_run(&theirs, c->data[i], h->caplen, h->len) : 0;

		t->compared++;
		if (r1 != r2 || r1 != r3 || r1 != r4) {
			if (t->mismatches < 40)
				print_message("# MISMATCH %s '%s' packet %zu (caplen %u): libpcap/libpcap %u, "
					      "libpcap/ours %u, vm/ours %u, vm/libpcap %u\n", c->file, expr, i + 1,
					      h->caplen, r1, r2, r3, r4);
			t->mismatches++;
		}
	}
	filter_free(&ours);
	if (lrc == 0)
		pcap_freecode(&bp);
}

static void run_file(const char *name, uint32_t synth_linktype)
{
	struct corpus *c = calloc(1, sizeof *c);
	struct tally t;

	assert_non_null(c);
	memset(&t, 0, sizeof t);
	if (synth_linktype)
		corpus_synth(c, name, synth_linktype);
	else
		corpus_load(c, name);
	make_generated();
	for (size_t i = 0; i < sizeof hand / sizeof hand[0]; i++)
		diff_one(c, hand[i], &t);
	for (size_t i = 0; i < NGEN + NLONG; i++)
		diff_one(c, gen_buf[i], &t);
	print_message("# %s: %u expressions, %u refused by both, %u packet runs x 4, %u mismatches; "
		      "worst size ratio %.2f: %s\n", name, t.exprs, t.both_failed, t.compared, t.mismatches,
		      t.worst_ratio, t.worst_buf);
	corpus_free(c);
	free(c);
	assert_true(t.exprs >= 200);
	assert_int_equal(t.mismatches, 0);
}

/*
 * Term i of an or-chain of `n` terms of one kind ("host", "port", "net"):
 * most match nothing in the corpora; those at the start, a third, half way
 * and the end do, so the answer depends on the whole chain.
 */
static void chain_term(char *buf, size_t len, const char *kind, int i, int n)
{
	static const char *const hosts[] = { "192.0.2.1", "198.51.100.1", "2001:db8::4", "203.0.113.8" };
	static const char *const nets[] = { "192.0.2.0/28", "198.51.100.0/31", "2001:db8::/125", "203.0.113.8/30" };
	static const int ports[] = { 22, 443, 9999, 33333 };
	int at = i == 0 ? 0 : i == n / 3 ? 1 : i == n / 2 ? 2 : i == n - 1 ? 3 : -1;

	if (!strcmp(kind, "host") && at >= 0)
		snprintf(buf, len, "host %s", hosts[at]);
	else if (!strcmp(kind, "host"))
		snprintf(buf, len, "host 10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
	else if (!strcmp(kind, "net") && at >= 0)
		snprintf(buf, len, "net %s", nets[at]);
	else if (!strcmp(kind, "net"))
		snprintf(buf, len, "net 10.%d.%d.0/24", i >> 8, i & 255);
	else
		snprintf(buf, len, "port %d", at >= 0 ? ports[at] : 40000 + i);
}

static void chain_expr(char *buf, size_t len, const char *kind, int n)
{
	size_t off = 0;

	for (int i = 0; i < n; i++) {
		char term[64];

		chain_term(term, sizeof term, kind, i, n);
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? " or " : "", term);
		assert_true(off < len);
	}
}

/* Every packet of `c` through `prog` must give `want[i]` (0 or not). Returns the mismatches. */
static unsigned agree(const struct corpus *c, const struct filter_prog *prog, const uint8_t *want, const char *what)
{
	unsigned bad = 0;

	for (size_t i = 0; i < c->n; i++) {
		bool ours = filter_run(prog, c->data[i], c->hdr[i].caplen, c->hdr[i].len) != 0;

		if (ours != (want[i] != 0)) {
			if (bad++ < 5)
				print_message("# MISMATCH %s %s packet %zu: libpcap %d, ours %d\n", c->file, what,
					      i + 1, want[i] != 0, ours);
		}
	}
	return bad;
}

/*
 * Long chains with libpcap compiling the whole chain (150 terms: libpcap's
 * optimiser takes about half a second on each): our optimised program,
 * and ours with the optimiser cut short at several budgets (down to none
 * at all), accept exactly what libpcap's accepts.
 */
static void long_chain_vs_libpcap(struct corpus *c, const char *kind, int n)
{
	static char expr[64 * 1024];
	struct bpf_program bp;
	uint8_t *want = calloc(c->n, 1);
	uint64_t full_work;
	struct filter_cc_stats st;
	struct filter_prog prog;
	char err[1024];
	unsigned bad = 0, matched = 0;

	assert_non_null(want);
	chain_expr(expr, sizeof expr, kind, n);
	assert_int_equal(pcap_compile(c->p, &bp, expr, 1, PCAP_NETMASK_UNKNOWN), 0);
	for (size_t i = 0; i < c->n; i++) {
		want[i] = bpf_filter(bp.bf_insns, c->data[i], c->hdr[i].len, c->hdr[i].caplen) != 0;
		matched += want[i];
	}
	pcap_freecode(&bp);
	assert_true(matched > 0 && matched < c->n);
	if (filter_compile_budget(expr, c->linktype, 262144, FILTER_WORK_BUDGET, &prog, &st, err, sizeof err) != 0)
		fail_msg("%s chain of %d: %s", kind, n, err);
	assert_false(st.cut);
	full_work = st.work;
	bad += agree(c, &prog, want, "optimised");
	filter_free(&prog);
	for (uint64_t div = 2; div <= 64; div *= 4) {
		for (int none = 0; none < 2; none++) {
			uint64_t budget = none ? 0 : full_work / div;

			if (filter_compile_budget(expr, c->linktype, 262144, budget, &prog, &st, err, sizeof err) != 0) {
				/* Less optimised can be too large for the kernel, and must say so. */
				assert_non_null(strstr(err, "too large"));
				continue;
			}
			assert_true(st.cut);
			bad += agree(c, &prog, want, none ? "unoptimised" : "cut short");
			filter_free(&prog);
		}
	}
	print_message("# %s: %d-term %s chain, %u of %zu packets match\n", c->file, n, kind, matched, c->n);
	free(want);
	assert_int_equal(bad, 0);
}

/*
 * 1000-term chains compile within the kernel's limit with a bounded amount
 * of optimiser work (no clock involved) and keep what libpcap keeps term by
 * term: libpcap's own optimiser takes minutes on these, so the oracle is
 * libpcap's program for each term, ORed.
 */
static void chain_1000(struct corpus *c, const char *kind)
{
	static char expr[64 * 1024];
	struct filter_cc_stats st;
	struct filter_prog prog;
	uint8_t *want = calloc(c->n, 1);
	char err[1024], term[64];
	unsigned matched = 0;

	assert_non_null(want);
	chain_expr(expr, sizeof expr, kind, 1000);
	if (filter_compile_budget(expr, c->linktype, 262144, FILTER_WORK_BUDGET, &prog, &st, err, sizeof err) != 0)
		fail_msg("1000-term %s chain: %s", kind, err);
	print_message("# 1000-term %s chain: %u instructions, optimiser work %llu\n", kind, prog.len,
		      (unsigned long long)st.work);
	assert_false(st.cut);
	assert_true(prog.len <= FILTER_MAX_INSNS);
	/* 250-450 units a term here: far inside the budget, so it cannot have been cut. */
	assert_true(st.work < FILTER_WORK_BUDGET / 20);
	for (int t = 0; t < 1000; t++) {
		struct bpf_program bp;

		chain_term(term, sizeof term, kind, t, 1000);
		assert_int_equal(pcap_compile(c->p, &bp, term, 1, PCAP_NETMASK_UNKNOWN), 0);
		for (size_t i = 0; i < c->n; i++)
			want[i] |= bpf_filter(bp.bf_insns, c->data[i], c->hdr[i].len, c->hdr[i].caplen) != 0;
		pcap_freecode(&bp);
	}
	for (size_t i = 0; i < c->n; i++)
		matched += want[i];
	assert_true(matched > 0 && matched < c->n);
	assert_int_equal(agree(c, &prog, want, kind), 0);
	filter_free(&prog);
	free(want);
}

static void test_long_chains(void **state)
{
	static const char *const kinds[] = { "host", "port", "net" };
	struct corpus *c = calloc(1, sizeof *c);

	(void)state;
	assert_non_null(c);
	corpus_load(c, "flows.pcap");
	for (int k = 0; k < 3; k++) {
		long_chain_vs_libpcap(c, kinds[k], 150);
		chain_1000(c, kinds[k]);
	}
	corpus_free(c);
	free(c);
}

/* --- kernel variants: the kernel program on what the kernel has, P on what is written --- */

/* Expressions aimed at the bytes a kernel rewrite moves: tags, header bytes, loads across them. */
static const char *const kernel_extra[] = {
	"vlan and vlan 100", "vlan 100 and vlan 200", "vlan 200 and vlan 100", "vlan and tcp port 80",
	"vlan and vlan and udp", "vlan 4095", "vlan 0", "not vlan 100", "vlan and ip and host 192.0.2.1",
	"ether[12:2] = 0x8100", "ether[12:2] = 0x88a8", "ether[12:2] = 0x9100", "ether proto 0x88a8",
	"ether[12] = 0x88", "ether[12] & 0x10 != 0", "ether[12:2] > 0x8100", "ether[12:4] > 0", "ether[12:4] = 0x81000064",
	"ether[10:4] & 0xffff = 0x8100", "ether[11:2] = 0x81", "ether[13] = 0", "ether[14:2] & 0x1000 != 0",
	"ether[14:2] & 0xe000 = 0x2000", "ether[15] = 100", "ether[14] & 0xf = 0", "ether[9:4] != 7",
	"ether[13:4] > 1", "ether[15:2] = 0x6408", "ether[16:2] = 0x800", "ether[16:2] = 0x8100",
	"ether[ether[0] & 15] = 0x81", "ether[ether[0] & 15 : 2] != 0", "ether[ether[1] & 0x1f : 4] > 9",
	"ip[0] & 0xf < 5", "tcp[0:2] = 40000", "tcp[ip[0] & 3] = 1", "udp[0:2] = 53 and len > 60",
	"len = 64", "len >= 100", "greater 1000", "less 60", "ether[len - 1] = 0", "ether[len - 4 : 4] > 0",
	"link[0:2] = 0x800", "link[0:2] = 0x86dd", "link[2:2] = 0", "link[4:4] = 2", "link[4:4] = 7",
	"link[5:2] = 0", "link[6:2] = 2", "link[8:2] = 1", "link[8:2] = 0xfffe", "link[10] = 4",
	"link[10] = 0", "link[9:2] = 0x100", "link[0:4] = 0x08000000", "link[3:4] > 0", "link[20] = 0x45",
	"link[19:2] = 0", "link[11] = 6", "link[12:4] != 0", "link[17:4] = 1", "link[link[10] : 1] = 8",
};

/*
 * Whether the kernel program may leave frames to user space: only a cooked
 * program that can read SLL2 bytes 11-19 (address length and address, which
 * a socket filter cannot see): a fixed load over them, or a computed one
 * below the network header.
 */
static bool may_recheck(const struct filter_prog *p, enum filter_view v)
{
	if (v != FILTER_VIEW_COOKED)
		return false;
	for (uint32_t i = 0; i < p->len; i++) {
		const struct sock_filter *in = &p->insns[i];
		uint32_t n = BPF_SIZE(in->code) == BPF_W ? 4 : BPF_SIZE(in->code) == BPF_H ? 2 : 1;

		if (in->code == (BPF_LDX | BPF_B | BPF_MSH) && in->k >= 11 && in->k < 20)
			return true;
		if (BPF_CLASS(in->code) != BPF_LD)
			continue;
		if (BPF_MODE(in->code) == BPF_ABS && in->k < 20 && in->k + n > 11)
			return true;
		if (BPF_MODE(in->code) == BPF_IND && in->k < 20)
			return true;
	}
	return false;
}

/* One frame both ways: W as written, S and metadata as the kernel has them. */
struct kframe {
	uint8_t w[MAXPKT_BYTES];
	uint32_t wlen;
	const uint8_t *s;     /* inside w */
	uint32_t slen;
	uint8_t sbuf[MAXPKT_BYTES];
	struct filter_skb skb;
	bool rewritten;       /* the ring changed the bytes (tag reinserted, SLL2 header built) */
};

struct kstat {
	unsigned frames, runs, accepted, rechecked, mismatches;
};

/*
 * The captured length of W as the record loop would write it after the
 * kernel program returned r (0: dropped): the kernel keeps min(len, r)
 * bytes of S, the ring puts the header in front and cuts to snaplen.
 */
static uint32_t kernel_keeps(const struct kframe *f, uint32_t r, uint32_t snaplen, enum filter_view v)
{
	uint32_t kept = f->slen < r ? f->slen : r;

	if (r == 0)
		return 0;
	if (v == FILTER_VIEW_COOKED)
		kept += 20;
	else if (f->skb.vlan_present && kept >= 12)
		kept += 4;
	return kept < snaplen ? kept : snaplen;
}

/* The same for P on W, captured to min(W's length, snaplen). */
static uint32_t user_keeps(const struct filter_prog *p, const struct kframe *f, uint32_t snaplen)
{
	uint32_t cap = f->wlen < snaplen ? f->wlen : snaplen, r = filter_run(p, f->w, cap, f->wlen);

	return r == 0 ? 0 : r < cap ? r : cap;
}

static void kernel_one(const char *expr, uint32_t lt, enum filter_view v, uint32_t snaplen,
		       const struct kframe *fr, size_t nfr, struct kstat *st)
{
	struct filter_prog p;
	struct filter_kernel k;
	char err[1024];

	if (filter_compile(expr, lt, snaplen, &p, err, sizeof err) != 0)
		return;
	if (filter_kernel_build(&p, v, snaplen, &k, err, sizeof err) != 0)
		fail_msg("'%s': %s", expr, err);
	assert_true(k.prog.len > 0 && k.prog.len <= FILTER_MAX_INSNS);
	assert_true(filter_validate(&k.prog, err, sizeof err));
	if (k.recheck && !may_recheck(&p, v) && !(v == FILTER_VIEW_VLAN && snaplen < 16)) {
		print_message("# RECHECK '%s' view %d snaplen %u: the kernel program cannot decide\n", expr, v, snaplen);
		st->mismatches++;
	}
	for (size_t i = 0; i < nfr; i++) {
		const struct kframe *f = &fr[i];
		uint32_t want = user_keeps(&p, f, snaplen);
		uint32_t got = kernel_keeps(f, filter_run_kernel(&k.prog, f->s, f->slen, &f->skb), snaplen, v);

		st->runs++;
		if (k.recheck && f->rewritten) {
			/* The loop runs P on it: the kernel must not have dropped what P keeps. */
			st->rechecked++;
			if (want && !got)
				st->mismatches++;
			continue;
		}
		st->accepted += want != 0;
		if (want != got && st->mismatches++ < 30)
			print_message("# MISMATCH '%s' view %d snaplen %u frame %zu (w %u s %u tag %d %04x/%04x): "
				      "user keeps %u, kernel %u\n", expr, v, snaplen, i, f->wlen, f->slen,
				      f->skb.vlan_present, f->skb.vlan_tpid, f->skb.vlan_tci, want, got);
	}
	filter_free(&k.prog);
	filter_free(&p);
}

/* W from S with a tag (TPID, TCI) put back at byte 12, as the ring does. */
static void kf_tagged(struct kframe *f, const uint8_t *s, uint32_t slen, uint16_t tpid, uint16_t tci)
{
	memset(f, 0, sizeof *f);
	memcpy(f->sbuf, s, slen);
	f->s = f->sbuf;
	f->slen = slen;
	memcpy(f->w, s, 12);
	f->w[12] = (uint8_t)(tpid >> 8);
	f->w[13] = (uint8_t)tpid;
	f->w[14] = (uint8_t)(tci >> 8);
	f->w[15] = (uint8_t)tci;
	memcpy(f->w + 16, s + 12, slen - 12);
	f->wlen = slen + 4;
	f->skb = (struct filter_skb){ true, tci, tpid, 0, 0, 0, 0 };
	f->rewritten = true;
}

static void kf_plain(struct kframe *f, const uint8_t *s, uint32_t slen)
{
	memset(f, 0, sizeof *f);
	memcpy(f->w, s, slen);
	f->wlen = slen;
	f->s = f->w;
	f->slen = slen;
}

static bool tpid_is_vlan(const uint8_t *p)
{
	uint16_t t = (uint16_t)(p[12] << 8 | p[13]);

	return t == 0x8100 || t == 0x88a8 || t == 0x9100;
}

/*
 * Ethernet frames as a SOCK_RAW socket meets them: each corpus frame
 * untagged; with a tag the kernel stripped (several TPIDs, TCIs with
 * priority and DEI bits); as QinQ with the outer tag stripped and the
 * inner one in the data; and frames whose tag is in the data, both as sent
 * (kernel saw the tag) and as received (kernel stripped it).
 */
static size_t kframes_ether(const struct corpus *c, struct kframe *fr, size_t max)
{
	/* The kernel puts only 802.1Q and 802.1ad tags in metadata (0x9100 stays in the data). */
	static const uint16_t tags[][2] = { { 0x8100, 100 }, { 0x8100, 0x3064 }, { 0x88a8, 200 },
					    { 0x88a8, 0xf0ff }, { 0x8100, 0 } };
	uint8_t qinq[MAXPKT_BYTES];
	size_t n = 0;

	for (size_t i = 0; i < c->n && n + 8 < max; i++) {
		const uint8_t *d = c->data[i];
		uint32_t len = c->hdr[i].caplen;

		if (len != c->hdr[i].len || len < 14 || len + 8 > MAXPKT_BYTES)
			continue;
		kf_plain(&fr[n++], d, len);
		kf_tagged(&fr[n++], d, len, tags[i % 5][0], tags[i % 5][1]);
		kf_tagged(&fr[n++], d, len, tags[(i + 2) % 5][0], tags[(i + 2) % 5][1]);
		memcpy(qinq, d, 12);
		qinq[12] = (uint8_t)(i % 2 ? 0x81 : 0x91);
		qinq[13] = 0;
		qinq[14] = 0;
		qinq[15] = (uint8_t)(i % 3 ? 100 : 7);
		memcpy(qinq + 16, d + 12, len - 12);
		kf_tagged(&fr[n++], qinq, len + 4, 0x88a8, 200);
		/* A 0x9100 tag in the data, as sent: the kernel saw it. */
		kf_plain(&fr[n++], qinq, len + 4);
		if (d[12] == 0x91 && d[13] == 0) {
			kf_plain(&fr[n++], d, len);
		} else if (tpid_is_vlan(d) && len >= 18) {
			uint8_t strip[MAXPKT_BYTES];

			memcpy(strip, d, 12);
			memcpy(strip + 12, d + 16, len - 16);
			kf_tagged(&fr[n++], strip, len - 4, (uint16_t)(d[12] << 8 | d[13]), (uint16_t)(d[14] << 8 | d[15]));
		}
	}
	return n;
}

/* W = SLL2 header + S; the kernel has S and the header's fields but the address. */
static void kf_cooked(struct kframe *f, const uint8_t *hdr, const uint8_t *s, uint32_t slen)
{
	memset(f, 0, sizeof *f);
	memcpy(f->w, hdr, 20);
	memcpy(f->w + 20, s, slen);
	f->wlen = slen + 20;
	f->s = f->w + 20;
	f->slen = slen;
	f->skb.protocol = (uint16_t)(hdr[0] << 8 | hdr[1]);
	f->skb.ifindex = (uint32_t)hdr[4] << 24 | (uint32_t)hdr[5] << 16 | (uint32_t)hdr[6] << 8 | hdr[7];
	f->skb.hatype = (uint16_t)(hdr[8] << 8 | hdr[9]);
	f->skb.pkttype = hdr[10];
	f->rewritten = true;
}

/* Cooked frames: sll2.pcap as it is, and every Ethernet corpus frame as `any` would give it. */
static size_t kframes_cooked(const struct corpus *sll, const struct corpus *eth, struct kframe *fr, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < sll->n && n < max; i++)
		if (sll->hdr[i].caplen == sll->hdr[i].len && sll->hdr[i].len >= 20)
			kf_cooked(&fr[n++], sll->data[i], sll->data[i] + 20, sll->hdr[i].len - 20);
	for (size_t i = 0; i < eth->n && n < max; i++) {
		const uint8_t *d = eth->data[i];
		uint8_t h[20] = { 0, 0, 0, 0, 0, 0, 0, (uint8_t)(2 + i % 3), 0, 1, (uint8_t)(i % 5 ? 0 : 4), 6 };

		if (eth->hdr[i].caplen != eth->hdr[i].len || eth->hdr[i].len < 14)
			continue;
		h[0] = d[12];
		h[1] = d[13];
		memcpy(h + 12, d + 6, 6);
		kf_cooked(&fr[n++], h, d + 14, eth->hdr[i].len - 14);
	}
	return n;
}

static void kernel_exprs(uint32_t lt, enum filter_view v, const struct kframe *fr, size_t n, struct kstat *st)
{
	static const uint32_t snaps[] = { 262144, 100, 54, 34, 21, 16, 15 };

	make_generated();
	for (size_t s = 0; s < sizeof snaps / sizeof snaps[0]; s++) {
		for (size_t i = 0; i < sizeof hand / sizeof hand[0]; i++)
			kernel_one(hand[i], lt, v, snaps[s], fr, n, st);
		for (size_t i = 0; i < sizeof kernel_extra / sizeof kernel_extra[0]; i++)
			kernel_one(kernel_extra[i], lt, v, snaps[s], fr, n, st);
		for (size_t i = 0; i < NGEN + NLONG && s < 2; i++)
			kernel_one(gen_buf[i], lt, v, snaps[s], fr, n, st);
	}
}

/*
 * The kernel program for a SOCK_RAW Ethernet socket, run on the frame as
 * the kernel has it (tag stripped into metadata), decides what the
 * user-space program decides on the frame as written (tag reinserted), for
 * every expression and frame, untagged, tagged and QinQ, at several snaplens.
 */
static void test_kernel_vlan(void **state)
{
	struct corpus *c = calloc(1, sizeof *c);
	struct kframe *fr = calloc(KFRAMES, sizeof *fr);
	struct kstat st = { 0, 0, 0, 0, 0 };

	(void)state;
	assert_non_null(c);
	assert_non_null(fr);
	corpus_load(c, "corpus.pcap");
	st.frames = (unsigned)kframes_ether(c, fr, KFRAMES);
	kernel_exprs(LINKTYPE_ETHERNET, FILTER_VIEW_VLAN, fr, st.frames, &st);
	print_message("# VLAN view: %u frames, %u runs, %u kept, %u left to user space, %u mismatches\n",
		      st.frames, st.runs, st.accepted, st.rechecked, st.mismatches);
	assert_true(st.accepted > 1000);
	assert_int_equal(st.mismatches, 0);
	corpus_free(c);
	free(c);
	free(fr);
}

/* The same for cooked sockets (`-i any`): the kernel sees from the network header. */
static void test_kernel_cooked(void **state)
{
	struct corpus *sll = calloc(1, sizeof *sll), *eth = calloc(1, sizeof *eth);
	struct kframe *fr = calloc(KFRAMES, sizeof *fr);
	struct kstat st = { 0, 0, 0, 0, 0 };

	(void)state;
	assert_non_null(sll);
	assert_non_null(eth);
	assert_non_null(fr);
	corpus_load(sll, "sll2.pcap");
	corpus_load(eth, "corpus.pcap");
	st.frames = (unsigned)kframes_cooked(sll, eth, fr, KFRAMES);
	kernel_exprs(LINKTYPE_LINUX_SLL2, FILTER_VIEW_COOKED, fr, st.frames, &st);
	print_message("# cooked view: %u frames, %u runs, %u kept, %u left to user space, %u mismatches\n",
		      st.frames, st.runs, st.accepted, st.rechecked, st.mismatches);
	assert_true(st.accepted > 1000);
	assert_int_equal(st.mismatches, 0);
	corpus_free(sll);
	corpus_free(eth);
	free(sll);
	free(eth);
	free(fr);
}

/* Untagged views (raw IP): the program itself, with loads past snaplen rejecting. */
static void test_kernel_same(void **state)
{
	struct corpus *c = calloc(1, sizeof *c);
	struct kframe *fr = calloc(KFRAMES, sizeof *fr);
	struct kstat st = { 0, 0, 0, 0, 0 };

	(void)state;
	assert_non_null(c);
	assert_non_null(fr);
	corpus_load(c, "raw.pcap");
	for (size_t i = 0; i < c->n; i++)
		if (c->hdr[i].caplen == c->hdr[i].len)
			kf_plain(&fr[st.frames++], c->data[i], c->hdr[i].len);
	kernel_exprs(LINKTYPE_RAW, FILTER_VIEW_SAME, fr, st.frames, &st);
	assert_int_equal(st.rechecked, 0);
	assert_int_equal(st.mismatches, 0);
	corpus_free(c);
	free(c);
	free(fr);
}

/*
 * Too large for two copies: tagged frames go to user space (recheck), the
 * untagged ones are still filtered; too large even for the tag test in front
 * is an error naming the limit.
 */
static void test_kernel_too_large(void **state)
{
	static char expr[64 * 1024];
	struct filter_prog p;
	struct filter_kernel k;
	char err[1024];

	(void)state;
	/* No `vlan` in front: tagged frames fail the first EtherType test, the tagged copy is a few instructions. */
	chain_expr(expr, sizeof expr, "host", 1000);
	assert_int_equal(filter_compile(expr, LINKTYPE_ETHERNET, 262144, &p, err, sizeof err), 0);
	assert_int_equal(filter_kernel_build(&p, FILTER_VIEW_VLAN, 262144, &k, err, sizeof err), 0);
	assert_false(k.recheck);
	assert_true(k.prog.len < p.len + 8);
	filter_free(&k.prog);
	filter_free(&p);
	/* `vlan` in front: two copies of 3600 instructions do not fit; tagged frames go to user space. */
	memcpy(expr, "vlan and (", 10);
	chain_expr(expr + 10, sizeof expr - 12, "host", 900);
	memcpy(expr + strlen(expr), ")", 2);
	if (filter_compile(expr, LINKTYPE_ETHERNET, 262144, &p, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_int_equal(filter_kernel_build(&p, FILTER_VIEW_VLAN, 262144, &k, err, sizeof err), 0);
	assert_true(k.recheck);
	assert_int_equal(k.prog.len, p.len + 3);
	filter_free(&k.prog);
	filter_free(&p);
	p.len = FILTER_MAX_INSNS;
	p.insns = calloc(p.len, sizeof *p.insns);
	assert_non_null(p.insns);
	for (uint32_t i = 0; i < p.len; i++)
		p.insns[i] = (struct sock_filter){ BPF_LD | BPF_W | BPF_LEN, 0, 0, 0 };
	p.insns[p.len - 1] = (struct sock_filter){ BPF_RET | BPF_K, 0, 0, 96 };
	assert_int_equal(filter_kernel_build(&p, FILTER_VIEW_VLAN, 262144, &k, err, sizeof err), -1);
	assert_non_null(strstr(err, "too large for the kernel"));
	assert_int_equal(filter_kernel_build(&p, FILTER_VIEW_COOKED, 262144, &k, err, sizeof err), 0);
	assert_true(k.recheck);
	assert_int_equal(k.prog.len, 0);
	filter_free(&p);
}

static void test_ethernet(void **state) { (void)state; run_file("corpus.pcap", 0); }
static void test_flows(void **state) { (void)state; run_file("flows.pcap", 0); }
static void test_sll2(void **state) { (void)state; run_file("sll2.pcap", 0); }
static void test_raw(void **state) { (void)state; run_file("raw.pcap", 0); }
static void test_null(void **state) { (void)state; run_file("null.pcap", 0); }
static void test_loop(void **state) { (void)state; run_file("raw.pcap as LOOP", 108); }
static void test_ipv4(void **state) { (void)state; run_file("raw.pcap as IPV4", 228); }
static void test_ipv6(void **state) { (void)state; run_file("raw.pcap as IPV6", 229); }

/* --list prints every expression, one a line, for the kernel checker test (tests/tools/bpf_attach). */
int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--list")) {
		make_generated();
		for (size_t i = 0; i < sizeof hand / sizeof hand[0]; i++)
			printf("%s\n", hand[i]);
		for (size_t i = 0; i < NGEN + NLONG; i++)
			printf("%s\n", gen_buf[i]);
		for (size_t i = 0; i < sizeof kernel_extra / sizeof kernel_extra[0]; i++)
			printf("%s\n", kernel_extra[i]);
		return 0;
	}
	{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ethernet),
		cmocka_unit_test(test_flows),
		cmocka_unit_test(test_sll2),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_null),
		cmocka_unit_test(test_loop),
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_long_chains),
		cmocka_unit_test(test_kernel_vlan),
		cmocka_unit_test(test_kernel_cooked),
		cmocka_unit_test(test_kernel_same),
		cmocka_unit_test(test_kernel_too_large),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
	}
}
