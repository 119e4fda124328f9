/* SPDX-License-Identifier: BSD-2-Clause */
/* Filter expressions (the pcap-filter(7) subset) compiled to classic BPF, and a BPF interpreter. */
#ifndef PCAPREC_FILTER_H
#define PCAPREC_FILTER_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Largest program accepted anywhere (the kernel's BPF_MAXINSNS). */
#define FILTER_MAX_INSNS 4096u

/*
 * A classic BPF program: `insns` holds `len` instructions in the layout of
 * the kernel's struct sock_filter (and libpcap's struct bpf_insn), ready for
 * SO_ATTACH_FILTER through a struct sock_fprog { len, insns }. Owned by the
 * caller after filter_compile/filter_load_ddd; release with filter_free.
 */
struct filter_prog {
	struct sock_filter *insns;
	uint32_t len;
};

/*
 * Compile `expr` for frames of `linktype` (LINKTYPE_*: ETHERNET, LINUX_SLL,
 * LINUX_SLL2, RAW, IPV4, IPV6, NULL, LOOP). Accepted packets return
 * `snaplen` (0 means 262144), rejected ones 0, like libpcap's pcap_compile
 * with optimisation on. An empty or all-blank expression accepts everything.
 * Returns 0, or -1 with a message in `err`: syntax errors carry the column
 * and a caret line under the expression. The program always satisfies the
 * kernel checker: forward jumps only, ends in RET, <= FILTER_MAX_INSNS.
 */
int filter_compile(const char *expr, uint32_t linktype, uint32_t snaplen,
		   struct filter_prog *out, char *err, size_t errlen);

/*
 * The optimiser's work (blocks visited by its passes) is bounded: past the
 * budget it stops and the program is laid out as far as it got, correct
 * but larger. FILTER_WORK_BUDGET is what filter_compile allows; a
 * 1000-term or-chain of hosts, ports or nets takes a small part of it.
 */
#define FILTER_WORK_BUDGET 20000000u

struct filter_cc_stats {
	uint64_t work;   /* optimiser work done */
	bool cut;        /* the budget ran out before the optimiser settled */
	uint32_t tests;  /* tree nodes the expression made */
};

/*
 * filter_compile with an explicit optimiser budget (0 = no optimisation:
 * the tree laid out as generated) and, when `st` is not NULL, what the
 * compilation cost.
 */
int filter_compile_budget(const char *expr, uint32_t linktype, uint32_t snaplen, uint64_t budget,
			  struct filter_prog *out, struct filter_cc_stats *st, char *err, size_t errlen);

/* Release a program's instructions; safe on a zeroed or freed program. */
void filter_free(struct filter_prog *prog);

/*
 * Run `prog` over a packet exactly like the kernel and libpcap's
 * bpf_filter(): loads beyond `caplen` reject the packet (return 0),
 * division by zero rejects, `len` is `wirelen`. Returns the RET value
 * (0 = reject, otherwise the number of bytes to keep). A program that
 * fails filter_validate returns 0 for every packet.
 */
uint32_t filter_run(const struct filter_prog *prog, const uint8_t *pkt,
		    uint32_t caplen, uint32_t wirelen);

/*
 * How a packet socket's filter sees a frame, compared with the bytes
 * pcaprec writes for it (src/capture/ring.c does the rewriting):
 */
enum filter_view {
	FILTER_VIEW_SAME,   /* the same bytes (SOCK_RAW, nothing rewritten) */
	FILTER_VIEW_VLAN,   /* Ethernet on SOCK_RAW: an outer 802.1Q/802.1ad tag the kernel
			       stripped is in metadata (SKF_AD_VLAN_*), reinserted at byte 12 */
	FILTER_VIEW_COOKED, /* SOCK_DGRAM: the kernel sees from the network header; the file
			       has a LINUX_SLL2 header in front (SKF_AD_PROTOCOL, _IFINDEX,
			       _HATYPE, _PKTTYPE give its fields) */
};

/* The socket metadata the kernel's ancillary loads (SKF_AD_*) read. */
struct filter_skb {
	bool vlan_present;
	uint16_t vlan_tci;     /* whole TCI: PCP, DEI, VID */
	uint16_t vlan_tpid;
	uint16_t protocol;     /* EtherType, host order, as SKF_AD_PROTOCOL gives it */
	uint32_t ifindex;
	uint16_t hatype;       /* ARPHRD_* */
	uint8_t pkttype;       /* PACKET_HOST... */
};

/*
 * A program for SO_ATTACH_FILTER that decides what `user` (compiled for the
 * bytes pcaprec writes, `snaplen` as given to the compiler) decides, run on
 * the bytes and metadata the kernel has (see filter_view). When `recheck`
 * is set, some frames the kernel cannot judge are accepted anyway: run
 * `user` on every frame the ring rewrote (tag reinserted, SLL2 header
 * built). prog.len 0 means: attach nothing (then recheck is set).
 */
struct filter_kernel {
	struct filter_prog prog;
	bool recheck;
};

/* Build the kernel program for `view`; 0, or -1 with a message (program too large). */
int filter_kernel_build(const struct filter_prog *user, enum filter_view view, uint32_t snaplen,
			struct filter_kernel *out, char *err, size_t errlen);

/*
 * Run `prog` as the kernel's socket filter would: `len` bytes of packet
 * (all of it: the kernel filters before cutting to snaplen), ancillary
 * loads (SKF_AD_OFF + SKF_AD_VLAN_TAG_PRESENT, _VLAN_TAG, _VLAN_TPID,
 * _PROTOCOL, _IFINDEX, _HATYPE, _PKTTYPE) from `skb`. Returns the RET value.
 */
uint32_t filter_run_kernel(const struct filter_prog *prog, const uint8_t *pkt, uint32_t len,
			   const struct filter_skb *skb);

/* True when `prog` would pass the kernel's classic-BPF checker; else says why. */
bool filter_validate(const struct filter_prog *prog, char *err, size_t errlen);

/*
 * Print `prog` like tcpdump: level 1 = -d (readable listing), 2 = -dd
 * (C array of { code, jt, jf, k }), 3 = -ddd (count line, then one
 * "code jt jf k" decimal line per instruction).
 */
void filter_dump(const struct filter_prog *prog, FILE *f, int level);

/*
 * Load a program written in tcpdump's -ddd form (first number = count, then
 * count lines of four decimals; lines may also be separated by commas, as
 * in the kernel's xt_bpf syntax). `what` names the source in messages.
 * Returns 0, or -1 with the line number and the problem in `err`. The
 * result passed filter_validate.
 */
int filter_load_ddd(const char *text, const char *what, struct filter_prog *out,
		    char *err, size_t errlen);

/* Options every command shares; all NULL/0 means "no filter". */
struct filter_opts {
	const char *expr;      /* --filter EXPR or trailing words */
	const char *expr_file; /* -F FILE: read the expression from FILE */
	const char *bpf_file;  /* --bpf FILE: tcpdump -ddd output */
	int dump_level;        /* -d = 1, -dd = 2, -ddd = 3 */
};

/*
 * Build the program the options ask for: at most one of expr, expr_file
 * and bpf_file may be set (else -1 and a message). Returns 1 with `out`
 * filled when a filter was given, 0 (and `out` zeroed) when none was, -1 on
 * error. When o->dump_level > 0 the caller should filter_dump and exit.
 * Reading -F files strips '#' comments to end of line, like tcpdump.
 */
int filter_from_options(const struct filter_opts *o, uint32_t linktype, uint32_t snaplen,
			struct filter_prog *out, char *err, size_t errlen);

/*
 * Parse one command-line option for filter_opts. `argv[*i]` is the option;
 * a value is taken from argv[*i + 1] (advancing *i). Recognises --filter,
 * -F, --bpf, -d, -dd, -ddd (and --filter=EXPR, --bpf=FILE). Returns 1 when
 * consumed, 0 when not a filter option, -1 with a message on a missing value.
 */
int filter_parse_arg(struct filter_opts *o, int argc, char **argv, int *i, char *err, size_t errlen);

/*
 * For readers whose frames may change link type (several files, pcapng
 * interfaces): compiles the options once per link type on first use.
 * filter_cache_open compiles for Ethernet at once so a bad expression is
 * reported before any packet is read; it returns NULL (message in err) on
 * error, and a cache that keeps everything when the options hold no filter.
 */
struct filter_cache;

struct filter_cache *filter_cache_open(const struct filter_opts *o, uint32_t snaplen, char *err, size_t errlen);

/*
 * 1 = keep the packet, 0 = drop it, -1 = the expression cannot be compiled
 * for this link type (filter_cache_error says why; later packets of that
 * link type also return -1).
 */
int filter_cache_match(struct filter_cache *fc, uint32_t linktype, const uint8_t *pkt,
		       uint32_t caplen, uint32_t wirelen);

const char *filter_cache_error(const struct filter_cache *fc);

/* Free everything; NULL is a no-op. */
void filter_cache_close(struct filter_cache *fc);

/*
 * The outline of an expression: its and/or/not tree with the primitives an
 * index can answer taken apart (addresses and networks, ports, IP
 * protocols, ethertypes, VLAN ids); every other primitive is FOL_ALL
 * ("could be anything"). Built by the same parser as filter_compile, so
 * the planner sees exactly what the compiler saw. Leaves say what a
 * matching packet must carry somewhere in its headers.
 */
enum filter_ol_kind {
	FOL_ALL,      /* unknown to the index */
	FOL_AND, FOL_OR, FOL_NOT,   /* l, r (NOT: l only) */
	FOL_HOST4,    /* addr[0..3], prefix 0..32 (32 = host) */
	FOL_HOST6,    /* addr, prefix 0..128 */
	FOL_PORT,     /* TCP/UDP/SCTP port in lo..hi */
	FOL_PROTO,    /* IP protocol / IPv6 next header lo */
	FOL_ETYPE,    /* ethertype lo */
	FOL_VLAN,     /* 802.1Q id lo */
};

struct filter_ol_node {
	enum filter_ol_kind kind;
	int l, r;
	uint8_t addr[16];
	unsigned prefix;
	uint32_t lo, hi;
};

struct filter_outline {
	struct filter_ol_node *nodes;  /* owned; nodes[root] is the whole expression */
	size_t len;
	int root;
	bool partial;   /* an AND lost an unknown side ("port 80 and len > 100" is PORT 80): a
			 * match of the outline is then necessary, not sufficient */
};

/*
 * Outline `expr` as parsed for `linktype`. 0 with *out filled (release with
 * filter_outline_free), -1 with the compiler's message when it does not
 * parse. An empty expression is a single FOL_ALL.
 */
int filter_outline(const char *expr, uint32_t linktype, struct filter_outline *out, char *err, size_t errlen);
void filter_outline_free(struct filter_outline *o);

#endif
