/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the filter module: error messages, dump formats against libpcap's, -ddd loading, the checker and the interpreter against bpf_filter(). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcaprec/filter.h"
#include "pcaprec/frame.h"

#define TESTDATA "testdata"

struct err_case {
	const char *expr;
	unsigned column;      /* 1-based column the caret must point at */
	const char *says;     /* substring of the message */
};

static void check_caret(const char *err, unsigned column)
{
	const char *l2 = strchr(err, '\n'), *l3;
	char want[64];

	snprintf(want, sizeof want, "at column %u:", column);
	assert_non_null(strstr(err, want));
	assert_non_null(l2);
	l3 = strchr(l2 + 1, '\n');
	assert_non_null(l3);
	/* Third line: two blanks, column-1 blanks, then the caret. */
	assert_int_equal(strspn(l3 + 1, " "), column + 1);
	assert_int_equal(l3[1 + column + 1], '^');
}

static void test_syntax_errors(void **state)
{
	static const struct err_case rows[] = {
		{ "tcp port", 9, "expected a port number after 'port'" },
		{ "host 192.0.2.1 and", 19, "unexpected end of expression" },
		{ "port 80 or (udp", 16, "expected ')'" },
		{ "tcp port http", 10, "port names are not supported" },
		{ "ip[1:3] = 1", 6, "data size must be 1, 2 or 4" },
		{ "ip proto 300", 10, "no larger than 255" },
		{ "host foo.example", 6, "host names are not resolved" },
		{ "ether host 192.0.2.1", 12, "expected an Ethernet address" },
		{ "net 10.1.2.3/8", 5, "non-network bits" },
		{ "ip[0] = ", 9, "expected a number" },
		{ "frobnicate", 1, "unknown keyword 'frobnicate'" },
		{ "ip @ tcp", 4, "unexpected character '@'" },
		{ "ip and and", 8, "expected a primitive" },
		{ ")", 1, "expected a primitive" },
		{ "ether proto \\foo", 13, "unknown protocol name" },
		{ "port 99999", 6, "no larger than 65535" },
		{ "tcp port 80 udp", 13, "expected 'and', 'or' or the end" },
		{ "ip[0] 5", 7, "expected a comparison" },
		{ "vlan 5000", 1, "VLAN tag 5000 greater than maximum 4095" },
		{ "ip and tcp host 192.0.2.1", 8, "cannot be applied to an IPv4 host" },
		{ "ip[0] / 0 = 1", 1, "division by zero" },
		{ "ip[0] << 40 = 1", 1, "shift by more than 31" },
		{ "99999999999", 1, "number too large" },
		{ "ip6 net 2001:db8::1/32", 9, "non-network bits" },
		{ "portrange 80", 13, "expected '-'" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct filter_prog p;
		char err[1024];

		print_message("# %s\n", rows[i].expr);
		assert_int_equal(filter_compile(rows[i].expr, LINKTYPE_ETHERNET, 0, &p, err, sizeof err), -1);
		assert_null(p.insns);
		if (!strstr(err, rows[i].says))
			fail_msg("'%s': message '%s' lacks '%s'", rows[i].expr, err, rows[i].says);
		check_caret(err, rows[i].column);
	}
}

/*
 * An error far into a long expression shows the part around it, the caret
 * under the offending byte; formatting it stays cheap even when a long
 * chain of parenthesised terms is parsed (each first tried as a relation).
 */
static void test_long_expression_errors(void **state)
{
	static char expr[40000];
	const char *l2, *l3, *caret;
	struct filter_prog p;
	char err[1024];
	size_t off = 0, bad;

	(void)state;
	for (int i = 0; i < 1000; i++)
		off += (size_t)snprintf(expr + off, sizeof expr - off, "(tcp port %d) or ", i + 1);
	bad = off;
	off += (size_t)snprintf(expr + off, sizeof expr - off, "port http");
	for (int i = 0; i < 10; i++)
		off += (size_t)snprintf(expr + off, sizeof expr - off, " or (udp port %d)", i + 1);
	assert_int_equal(filter_compile(expr, LINKTYPE_ETHERNET, 0, &p, err, sizeof err), -1);
	assert_non_null(strstr(err, "port names are not supported"));
	l2 = strchr(err, '\n');
	assert_non_null(l2);
	l3 = strchr(l2 + 1, '\n');
	assert_non_null(l3);
	assert_true(l3 - l2 < 200);
	assert_memory_equal(l2 + 1, "  ...", 5);
	assert_non_null(strstr(l2, "...\n"));
	caret = strchr(l3, '^');
	assert_non_null(caret);
	/* The caret stands under the 'h' of "http", the byte the error names. */
	assert_int_equal(l2[caret - l3], 'h');
	assert_int_equal(expr[bad + 5], 'h');
}

/* A program the kernel would refuse: one line naming the filter, its size and the limit. */
static void test_too_large(void **state)
{
	static char expr[40000];
	struct filter_prog p;
	char err[1024];
	size_t off = 0;

	(void)state;
	for (int i = 0; i < 1000; i++)
		off += (size_t)snprintf(expr + off, sizeof expr - off, "%shost 2001:db8::%x", i ? " or " : "", i + 1);
	assert_int_equal(filter_compile(expr, LINKTYPE_ETHERNET, 0, &p, err, sizeof err), -1);
	assert_null(p.insns);
	print_message("# %s\n", err);
	assert_null(strchr(err, '\n'));
	assert_non_null(strstr(err, "filter \"host 2001:db8::1 or host 2001:db8::2 or"));
	assert_non_null(strstr(err, "too large"));
	assert_non_null(strstr(err, "the kernel allows 4096"));
}

static void test_unsupported_keywords(void **state)
{
	static const char *const words[] = { "gateway", "atalk", "decnet", "mpls", "inbound", "pppoes",
					     "ip protochain 6", "esp", "wlan host 1:2:3:4:5:6", "ip broadcast" };
	(void)state;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		struct filter_prog p;
		char err[1024];

		assert_int_equal(filter_compile(words[i], LINKTYPE_ETHERNET, 0, &p, err, sizeof err), -1);
		if (!strstr(err, "not supported") || !strstr(err, "--bpf") || !strstr(err, "tcpdump -ddd"))
			fail_msg("'%s': %s", words[i], err);
	}
}

/* Link types where libpcap refuses, we refuse too, with a reason. */
static void test_linktype_limits(void **state)
{
	struct filter_prog p;
	char err[1024];

	(void)state;
	assert_int_equal(filter_compile("vlan", LINKTYPE_LINUX_SLL2, 0, &p, err, sizeof err), -1);
	assert_non_null(strstr(err, "VLAN"));
	assert_int_equal(filter_compile("ether host 1:2:3:4:5:6", LINKTYPE_RAW, 0, &p, err, sizeof err), -1);
	assert_non_null(strstr(err, "Ethernet"));
	assert_int_equal(filter_compile("ip", 147, 0, &p, err, sizeof err), -1);
	assert_non_null(strstr(err, "--bpf"));
	assert_int_equal(filter_compile("", LINKTYPE_ETHERNET, 0, &p, err, sizeof err), 0);
	assert_int_equal(p.len, 1);
	assert_int_equal(p.insns[0].k, 262144);
	filter_free(&p);
	filter_free(&p);
}

/* Capture what a function prints on stdout (bpf_dump prints there). */
static char *capture_stdout(void (*fn)(const void *, int), const void *arg, int level)
{
	char path[] = "/tmp/pcaprec-filter-XXXXXX";
	int fd = mkstemp(path), saved;
	FILE *f;
	char *buf = calloc(1, 1 << 20);

	assert_true(fd >= 0);
	assert_non_null(buf);
	fflush(stdout);
	saved = dup(1);
	dup2(fd, 1);
	fn(arg, level);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	close(fd);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_true(fread(buf, 1, (1 << 20) - 1, f) < (1 << 20) - 1);
	fclose(f);
	unlink(path);
	return buf;
}

static void libpcap_dump(const void *arg, int level)
{
	bpf_dump((const struct bpf_program *)arg, level);
}

static void ours_dump(const void *arg, int level)
{
	filter_dump((const struct filter_prog *)arg, stdout, level);
}

static const char *const dump_exprs[] = {
	"tcp port 80", "host 192.0.2.1 or 2001:db8::1", "vlan 100 and udp", "len > 100 or less 60",
	"tcp[tcpflags] & (tcp-syn|tcp-ack) != 0", "ip[2:2] - 20 > tcp[0]", "-ip[0] = 2",
	"ip[0] * 3 / 2 % 5 ^ 1 | 2 << 1 >> 1 = 4", "tcp[ip[0] & 3] = 1", "ether multicast",
	"ip6 net 2001:db8::/36", "portrange 10-20",
	/* long enough for JA trampolines */
	"(port 1 and not net 10.1.0.0/16) or (port 2 and not net 10.2.0.0/16) or "
	"(port 3 and not net 10.3.0.0/16) or (port 4 and not net 10.4.0.0/16) or "
	"(port 5 and not net 10.5.0.0/16) or (port 6 and not net 10.6.0.0/16) or "
	"(port 7 and not net 10.7.0.0/16) or (port 8 and not net 10.8.0.0/16) or "
	"(port 9 and not net 10.9.0.0/16) or (port 10 and not net 10.10.0.0/16) or "
	"(port 11 and not net 10.11.0.0/16) or (port 12 and not net 10.12.0.0/16) or "
	"(port 13 and not net 10.13.0.0/16) or (port 14 and not net 10.14.0.0/16) or "
	"(port 15 and not net 10.15.0.0/16) or (port 16 and not net 10.16.0.0/16) or "
	"(port 17 and not net 10.17.0.0/16) or (port 18 and not net 10.18.0.0/16) or "
	"(port 19 and not net 10.19.0.0/16)",
};

/* -d, -dd, -ddd of the same program print byte for byte what libpcap's bpf_dump prints. */
static void test_dump_formats_match_libpcap(void **state)
{
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 262144);

	(void)state;
	assert_non_null(p);
	for (size_t i = 0; i < sizeof dump_exprs / sizeof dump_exprs[0]; i++) {
		struct bpf_program bp;
		struct filter_prog fp;
		char err[512];

		assert_int_equal(pcap_compile(p, &bp, dump_exprs[i], 1, PCAP_NETMASK_UNKNOWN), 0);
		/* Their program through our printer... */
		fp.insns = (struct sock_filter *)bp.bf_insns;
		fp.len = bp.bf_len;
		for (int level = 1; level <= 3; level++) {
			char *a = capture_stdout(libpcap_dump, &bp, level), *b = capture_stdout(ours_dump, &fp, level);

			if (strcmp(a, b))
				fail_msg("'%s' level %d:\nlibpcap:\n%s\nours:\n%s", dump_exprs[i], level, a, b);
			free(a);
			free(b);
		}
		/* ...and ours: every -d line equals libpcap's bpf_image of that instruction. */
		assert_int_equal(filter_compile(dump_exprs[i], LINKTYPE_ETHERNET, 262144, &fp, err, sizeof err), 0);
		if (i == sizeof dump_exprs / sizeof dump_exprs[0] - 1) {
			bool ja = false;

			for (uint32_t n = 0; n < fp.len; n++)
				ja |= fp.insns[n].code == (BPF_JMP | BPF_JA);
			assert_true(fp.len > 256);
			assert_true(ja);
		}
		{
			char *b = capture_stdout(ours_dump, &fp, 1), *line = b;

			for (uint32_t n = 0; n < fp.len; n++) {
				char *nl = strchr(line, '\n');

				assert_non_null(nl);
				*nl = '\0';
				assert_string_equal(line, bpf_image((const struct bpf_insn *)&fp.insns[n], (int)n));
				line = nl + 1;
			}
			free(b);
		}
		filter_free(&fp);
		pcap_freecode(&bp);
	}
	pcap_close(p);
}

/* Our -ddd output loads back to the same instructions. */
static void test_ddd_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof dump_exprs / sizeof dump_exprs[0]; i++) {
		struct filter_prog a, b;
		char err[512], *text;

		assert_int_equal(filter_compile(dump_exprs[i], LINKTYPE_ETHERNET, 65535, &a, err, sizeof err), 0);
		text = capture_stdout(ours_dump, &a, 3);
		if (filter_load_ddd(text, "roundtrip", &b, err, sizeof err) != 0)
			fail_msg("%s", err);
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.insns, b.insns, a.len * sizeof *a.insns);
		free(text);
		filter_free(&a);
		filter_free(&b);
	}
}

/* Output of the real tcpdump -ddd loads and equals libpcap's program. */
static void test_load_tcpdump_ddd(void **state)
{
	static const char *const exprs[] = { "tcp port 80", "vlan and udp", "icmp6 or arp" };
	pcap_t *p = pcap_open_offline(TESTDATA "/corpus.pcap", (char[PCAP_ERRBUF_SIZE]){ 0 });

	(void)state;
	assert_non_null(p);
	for (size_t i = 0; i < sizeof exprs / sizeof exprs[0]; i++) {
		char cmd[256], err[512];
		char *text = calloc(1, 65536);
		struct bpf_program bp;
		struct filter_prog fp;
		FILE *f;
		size_t n;

		snprintf(cmd, sizeof cmd, "tcpdump -r " TESTDATA "/corpus.pcap -ddd '%s' 2>/dev/null", exprs[i]);
		f = popen(cmd, "r");
		assert_non_null(f);
		n = fread(text, 1, 65535, f);
		assert_int_equal(pclose(f), 0);
		assert_true(n > 0);
		if (filter_load_ddd(text, "tcpdump", &fp, err, sizeof err) != 0)
			fail_msg("%s", err);
		assert_int_equal(pcap_compile(p, &bp, exprs[i], 1, PCAP_NETMASK_UNKNOWN), 0);
		assert_int_equal(fp.len, bp.bf_len);
		assert_memory_equal(fp.insns, bp.bf_insns, fp.len * sizeof *fp.insns);
		pcap_freecode(&bp);
		filter_free(&fp);
		free(text);
	}
	pcap_close(p);
}

struct ddd_bad {
	const char *text;
	const char *says;
};

static void test_load_ddd_errors(void **state)
{
	static const struct ddd_bad rows[] = {
		{ "", "expected the instruction count" },
		{ "x", "expected the instruction count" },
		{ "0\n", "not in 1..4096" },
		{ "5000\n", "not in 1..4096" },
		{ "2\n6 0 0 1\n", "line 3: unexpected end" },
		{ "1\n6 0 0 x\n", "line 2: not a decimal" },
		{ "1\n70000 0 0 0\n", "out of range" },
		{ "1\n6 0 0 1\n6 0 0 1\n", "text after" },
		{ "2\n21 0 1 2048\n6 0 0 1\n", "jump past the end" },
		{ "1\n40 0 0 12\n", "does not end with a return" },
		{ "2\n52 0 0 0\n6 0 0 1\n", "division by constant zero" },
		{ "2\n2 0 0 16\n6 0 0 1\n", "scratch slot 16" },
		{ "2\n65535 0 0 0\n6 0 0 1\n", "unknown opcode" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct filter_prog p;
		char err[512];

		assert_int_equal(filter_load_ddd(rows[i].text, "prog.bpf", &p, err, sizeof err), -1);
		if (!strstr(err, rows[i].says) || strncmp(err, "prog.bpf: ", 10))
			fail_msg("row %zu: '%s' lacks '%s'", i, err, rows[i].says);
		assert_null(p.insns);
	}
	{
		struct filter_prog p;
		char err[512];

		/* The kernel's xt_bpf comma form also loads. */
		assert_int_equal(filter_load_ddd("2,40 0 0 12,6 0 0 65535", "x", &p, err, sizeof err), 0);
		assert_int_equal(p.len, 2);
		filter_free(&p);
	}
}

/* Random valid programs (forward jumps only) over random packets: ours == libpcap's bpf_filter. */
static void test_vm_matches_bpf_filter(void **state)
{
	static const uint16_t codes[] = {
		BPF_LD | BPF_W | BPF_ABS, BPF_LD | BPF_H | BPF_ABS, BPF_LD | BPF_B | BPF_ABS,
		BPF_LD | BPF_W | BPF_IND, BPF_LD | BPF_H | BPF_IND, BPF_LD | BPF_B | BPF_IND,
		BPF_LD | BPF_W | BPF_LEN, BPF_LD | BPF_IMM, BPF_LD | BPF_MEM, BPF_LDX | BPF_W | BPF_IMM,
		BPF_LDX | BPF_W | BPF_MEM, BPF_LDX | BPF_W | BPF_LEN, BPF_LDX | BPF_B | BPF_MSH, BPF_ST, BPF_STX,
		BPF_ALU | BPF_ADD | BPF_K, BPF_ALU | BPF_SUB | BPF_X, BPF_ALU | BPF_MUL | BPF_K,
		BPF_ALU | BPF_DIV | BPF_X, BPF_ALU | BPF_DIV | BPF_K, BPF_ALU | BPF_MOD | BPF_X,
		BPF_ALU | BPF_AND | BPF_K, BPF_ALU | BPF_OR | BPF_X, BPF_ALU | BPF_XOR | BPF_K,
		BPF_ALU | BPF_LSH | BPF_K, BPF_ALU | BPF_RSH | BPF_K, BPF_ALU | BPF_NEG,
		BPF_JMP | BPF_JA, BPF_JMP | BPF_JEQ | BPF_K, BPF_JMP | BPF_JGT | BPF_X, BPF_JMP | BPF_JGE | BPF_K,
		BPF_JMP | BPF_JSET | BPF_X, BPF_MISC | BPF_TAX, BPF_MISC | BPF_TXA, BPF_RET | BPF_A,
		BPF_RET | BPF_K,
	};
	uint32_t s = 99;
	uint8_t pkt[128];
	unsigned runs = 0;

	(void)state;
#define RND() (s = s * 1103515245u + 12345u, s >> 8)
	for (int prog_i = 0; prog_i < 3000; prog_i++) {
		struct sock_filter in[24];
		struct filter_prog fp = { in, 2 + RND() % 22 };

		for (uint32_t pc = 0; pc < fp.len; pc++) {
			uint16_t c = codes[RND() % (sizeof codes / sizeof codes[0])];
			uint32_t room = fp.len - pc - 1;

			in[pc].code = c;
			in[pc].jt = room ? (uint8_t)(RND() % room) : 0;
			in[pc].jf = room ? (uint8_t)(RND() % room) : 0;
			in[pc].k = RND() % 4 == 0 ? RND() : RND() % 80;
			if (c == (BPF_JMP | BPF_JA))
				in[pc].k = room ? RND() % room : 0;
			if (c == (BPF_LD | BPF_MEM) || c == (BPF_LDX | BPF_W | BPF_MEM) || c == BPF_ST || c == BPF_STX)
				in[pc].k %= 16;
			if ((c == (BPF_ALU | BPF_DIV | BPF_K)) && in[pc].k == 0)
				in[pc].k = 3;
			if (c == (BPF_ALU | BPF_LSH | BPF_K) || c == (BPF_ALU | BPF_RSH | BPF_K))
				in[pc].k %= 32;
			if (BPF_CLASS(c) == BPF_JMP && room == 0)
				in[pc].code = BPF_RET | BPF_K;
		}
		in[fp.len - 1].code = BPF_RET | BPF_A;
		if (!filter_validate(&fp, NULL, 0))
			continue;
		for (int k = 0; k < 4; k++) {
			uint32_t caplen = RND() % sizeof pkt, wirelen = caplen + RND() % 100;
			struct bpf_insn full[26];

			for (size_t b = 0; b < sizeof pkt; b++)
				pkt[b] = (uint8_t)RND();
			memcpy(full, in, fp.len * sizeof *in);
			{
				uint32_t want = bpf_filter(full, pkt, wirelen, caplen);
				uint32_t got = filter_run(&fp, pkt, caplen, wirelen);
				bool reads_mem = false;

				for (uint32_t pc = 0; pc < fp.len; pc++)
					if (in[pc].code == (BPF_LD | BPF_MEM) || in[pc].code == (BPF_LDX | BPF_W | BPF_MEM))
						reads_mem = true;
				if (reads_mem)  /* libpcap leaves scratch memory undefined */
					continue;
				if (want != got)
					fail_msg("program %d packet %d: bpf_filter %u, ours %u", prog_i, k, want, got);
				runs++;
			}
		}
	}
	print_message("# %u program runs compared with bpf_filter\n", runs);
	assert_true(runs > 1000);
#undef RND
}

static void test_validate(void **state)
{
	struct sock_filter back[2] = { { BPF_JMP | BPF_JA, 0, 0, 0xffffffffu }, { BPF_RET | BPF_K, 0, 0, 1 } };
	struct sock_filter shift[2] = { { BPF_ALU | BPF_LSH | BPF_K, 0, 0, 32 }, { BPF_RET | BPF_K, 0, 0, 1 } };
	struct filter_prog p = { back, 2 };
	char err[256];

	(void)state;
	assert_false(filter_validate(&p, err, sizeof err));
	assert_non_null(strstr(err, "jump past the end"));
	assert_int_equal(filter_run(&p, (const uint8_t *)"", 0, 0), 0);
	p.insns = shift;
	assert_false(filter_validate(&p, err, sizeof err));
	p.len = 0;
	assert_false(filter_validate(&p, err, sizeof err));
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_options(void **state)
{
	char dir[] = "/tmp/pcaprec-fopt-XXXXXX", expr_path[128], bpf_path[128], err[1024];
	struct filter_opts o;
	struct filter_prog a, b;
	char *argv[] = { "x", "--filter", "tcp", "-F", "f", "--bpf=g", "-ddd", "--nope", "-F" };
	int i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(expr_path, sizeof expr_path, "%s/expr", dir);
	snprintf(bpf_path, sizeof bpf_path, "%s/prog", dir);
	write_file(expr_path, "# web traffic\ntcp port 80 # plain http\n  or tcp port 443\n");
	memset(&o, 0, sizeof o);
	o.expr_file = expr_path;
	assert_int_equal(filter_from_options(&o, LINKTYPE_ETHERNET, 0, &a, err, sizeof err), 1);
	assert_int_equal(filter_compile("tcp port 80 or tcp port 443", LINKTYPE_ETHERNET, 0, &b, err, sizeof err), 0);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.insns, b.insns, a.len * sizeof *a.insns);
	filter_free(&a);
	filter_free(&b);
	write_file(bpf_path, "2\n40 0 0 12\n6 0 0 65535\n");
	memset(&o, 0, sizeof o);
	o.bpf_file = bpf_path;
	assert_int_equal(filter_from_options(&o, LINKTYPE_RAW, 0, &a, err, sizeof err), 1);
	assert_int_equal(a.len, 2);
	filter_free(&a);
	o.expr = "ip";
	assert_int_equal(filter_from_options(&o, LINKTYPE_RAW, 0, &a, err, sizeof err), -1);
	assert_non_null(strstr(err, "only one"));
	memset(&o, 0, sizeof o);
	assert_int_equal(filter_from_options(&o, LINKTYPE_RAW, 0, &a, err, sizeof err), 0);
	o.expr_file = "/nonexistent/expr";
	assert_int_equal(filter_from_options(&o, LINKTYPE_RAW, 0, &a, err, sizeof err), -1);
	assert_non_null(strstr(err, "/nonexistent/expr"));
	write_file(expr_path, "tcp port\n");
	o.expr_file = expr_path;
	assert_int_equal(filter_from_options(&o, LINKTYPE_ETHERNET, 0, &a, err, sizeof err), -1);
	assert_non_null(strstr(err, expr_path));
	assert_non_null(strstr(err, "expected a port number"));
	memset(&o, 0, sizeof o);
	for (i = 1; i < 7; i++)
		assert_int_equal(filter_parse_arg(&o, 9, argv, &i, err, sizeof err), 1);
	assert_string_equal(o.expr, "tcp");
	assert_string_equal(o.expr_file, "f");
	assert_string_equal(o.bpf_file, "g");
	assert_int_equal(o.dump_level, 3);
	assert_int_equal(filter_parse_arg(&o, 9, argv, &i, err, sizeof err), 0);
	i = 8;
	assert_int_equal(filter_parse_arg(&o, 9, argv, &i, err, sizeof err), -1);
	unlink(expr_path);
	unlink(bpf_path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_long_expression_errors),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_unsupported_keywords),
		cmocka_unit_test(test_linktype_limits),
		cmocka_unit_test(test_dump_formats_match_libpcap),
		cmocka_unit_test(test_ddd_round_trip),
		cmocka_unit_test(test_load_tcpdump_ddd),
		cmocka_unit_test(test_load_ddd_errors),
		cmocka_unit_test(test_vm_matches_bpf_filter),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
