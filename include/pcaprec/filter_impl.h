/* SPDX-License-Identifier: BSD-2-Clause */
/* Internals of src/filter shared between its files (lexer, parser, code generator, emitter); not for other modules. */
#ifndef PCAPREC_FILTER_IMPL_H
#define PCAPREC_FILTER_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pcaprec/filter.h"

/* Token kinds; single-character operators use their character value. */
enum ftok_kind {
	FT_END = 256,
	FT_ID,      /* keyword or name; `text` holds it, `escaped` if written \name */
	FT_NUM,     /* number: decimal, 0x hex or 0 octal; value in `num` */
	FT_DOTTED,  /* 2-4 dotted decimal parts: a.b, a.b.c, a.b.c.d */
	FT_IPV6,    /* IPv6 literal; bytes in `addr` */
	FT_MAC,     /* 48-bit Ethernet address; bytes in `addr` */
	FT_AND,     /* and && */
	FT_OR,      /* or || */
	FT_NOT,     /* not ! */
	FT_EQ,      /* = == */
	FT_NE,      /* != */
	FT_LE,      /* <= */
	FT_GE,      /* >= */
	FT_SHL,     /* << */
	FT_SHR,     /* >> */
};

struct ftok {
	int kind;
	size_t pos;        /* byte offset of the token in the expression */
	size_t len;
	char text[64];
	bool escaped;
	uint32_t num;
	int nparts;        /* FT_DOTTED: number of parts */
	uint8_t addr[16];  /* FT_DOTTED (first 4), FT_IPV6, FT_MAC (first 6) */
};

/* Boolean tree node kinds built by the generator and consumed by the emitter. */
enum fnode_kind { FN_TRUE, FN_FALSE, FN_AND, FN_OR, FN_NOT, FN_TEST };

/*
 * FN_TEST: run the `nseq` statements at pool[seq] (they leave the value in
 * A, possibly using X), then jump on `jop` (BPF_JMP|BPF_JEQ/JGT/JGE/JSET
 * with BPF_K and `k`, or BPF_X against X).
 */
struct fnode {
	enum fnode_kind kind;
	int l, r;
	uint32_t seq, nseq;
	uint16_t jop;
	uint32_t k;
};

/* Arithmetic expression nodes (the operands of relations). */
enum anode_kind { AN_CONST, AN_LEN, AN_LOAD, AN_BIN, AN_NEG };

struct anode {
	enum anode_kind kind;
	uint32_t k;       /* AN_CONST value; AN_BIN: BPF_ALU op */
	int l, r;         /* AN_BIN operands; AN_LOAD: l = index, r = size */
	int proto;        /* AN_LOAD: FP_* protocol of the bracket */
	uint32_t off_ll, off_nl; /* AN_LOAD: offsets in force when parsed */
};

/* Protocols a qualifier or bracket can name. */
enum fproto {
	FP_NONE, FP_LINK, FP_IP, FP_IP6, FP_ARP, FP_RARP, FP_TCP, FP_UDP,
	FP_SCTP, FP_ICMP, FP_ICMP6, FP_IGMP,
};

/* How the link layer says which network protocol follows. */
enum flt_kind {
	FLT_ETHERTYPE, /* 16-bit EtherType at off_ll */
	FLT_AF_HOST,   /* 32-bit AF_ value, host byte order (DLT_NULL) */
	FLT_AF_NET,    /* 32-bit AF_ value, network byte order (DLT_LOOP) */
	FLT_VERSION,   /* none: IP version nibble of the first byte */
	FLT_ONLY4,     /* always IPv4 */
	FLT_ONLY6,     /* always IPv6 */
};

/* An outline being built alongside the fnodes (filter_outline); NULL in plain compiles. */
struct flt_ol {
	struct filter_ol_node *n;
	size_t len, cap;
	int *map;                /* fnode index -> outline node, -1 = FOL_ALL */
	size_t mapcap;
	bool oom;                /* then the whole outline is FOL_ALL */
	bool partial;            /* an AND kept only its known side */
};

/* Everything one compilation owns; freed by fc_release. */
struct fc {
	struct flt_ol *ol;
	const char *src;
	size_t pos;
	struct ftok tok;
	char *err;
	size_t errlen;
	bool failed;
	bool quiet;              /* a parse being tried: errors are not formatted */
	bool in_prim;            /* errors point at prim_pos with a caret */
	size_t prim_pos;         /* where the primitive being generated starts */
	int depth;               /* nesting of not, parentheses and unary minus */

	uint32_t linktype;
	enum flt_kind lt_kind;
	bool ethernet;           /* link header is Ethernet (ether host, vlan) */
	uint32_t off_ll, off_nl; /* grow by 4 after each `vlan` */

	struct fnode *nodes;
	size_t nnodes, capnodes;
	struct anode *anodes;
	size_t nanodes, capanodes;
	struct sock_filter *pool;
	size_t npool, cappool;

	uint64_t work_budget;    /* optimiser work allowed (filter_compile_budget) */
	uint64_t work;           /* optimiser work done */
	bool opt_cut;            /* the budget ran out: the program is less optimised */
};

/* Limits that keep hostile input cheap: expression bytes, nesting, test nodes. */
#define FLT_MAX_EXPR 65536u
#define FLT_MAX_DEPTH 200
#define FLT_MAX_TESTS 16384u


/* Lexer: advance fc->tok to the next token; -1 (message set) on a bad token. */
int flt_next(struct fc *c);

/* Record a syntax error at byte `pos` with a caret line; returns -1. */
int flt_syntax_error(struct fc *c, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record a non-positional error; returns -1. */
int flt_error(struct fc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Node constructors: each returns a node index or -1 when out of memory. */
int fn_const(struct fc *c, bool v);
int fn_and(struct fc *c, int l, int r);
int fn_or(struct fc *c, int l, int r);
int fn_not(struct fc *c, int n);
int fn_test(struct fc *c, const struct sock_filter *seq, uint32_t nseq, uint16_t jop, uint32_t k);

/* Link-type test for an EtherType (IP, IPv6, ARP...) under the current offsets. */
int gen_linktype(struct fc *c, uint32_t ethertype);
/* Primitives; every one returns a node or -1 with the error set. */
int gen_proto(struct fc *c, int proto);
int gen_ip_proto(struct fc *c, int qual, uint32_t p);
int gen_host4(struct fc *c, int proto, int dir, uint32_t addr, uint32_t mask);
int gen_host6(struct fc *c, int proto, int dir, const uint8_t *addr, const uint8_t *mask);
int gen_ether_host(struct fc *c, int dir, const uint8_t *mac);
int gen_ether_proto(struct fc *c, uint32_t p);
int gen_port(struct fc *c, int proto, int dir, uint32_t lo, uint32_t hi, bool range);
int gen_vlan(struct fc *c, bool has_id, uint32_t id);
int gen_len_cmp(struct fc *c, bool greater, uint32_t n);
int gen_multicast(struct fc *c, int proto, bool broadcast);
int gen_relation(struct fc *c, int rel, int a0, int a1);

/* Arithmetic node constructors (return index or -1). */
int an_new(struct fc *c, enum anode_kind kind, uint32_t k, int l, int r, int proto);

/* Direction qualifiers. */
enum fdir { FD_DEFAULT, FD_SRC, FD_DST, FD_OR, FD_AND };

/*
 * Outline hooks (outline.c): no-ops when c->ol is NULL. ol_tag records that
 * fnode `node` is outline node `ol` and returns `node`; ol_key and ol_join
 * make outline nodes (-1 on out of memory, which ol_tag takes as FOL_ALL);
 * ol_of gives the outline node of an fnode (-1 = FOL_ALL).
 */
int ol_tag(struct fc *c, int node, int ol);
int ol_key(struct fc *c, enum filter_ol_kind kind, const uint8_t *addr, unsigned prefix, uint32_t lo, uint32_t hi);
int ol_join(struct fc *c, enum filter_ol_kind kind, int l, int r);
int ol_of(const struct fc *c, int node);

/* Parse the expression into a node; -1 with the error set. */
int flt_parse(struct fc *c, int *root);

/* BPF_ALU `code` on A with operand v; false = reject (division by zero, unknown op). */
bool flt_alu(uint16_t code, uint32_t *a, uint32_t v);

/* Whether conditional jump `code` (JEQ, JGT, JGE, JSET) is taken for A = a, operand v. */
bool flt_jump(uint16_t code, uint32_t a, uint32_t v);

/* Lower the tree rooted at `root` into an optimised program. */
int flt_emit(struct fc *c, int root, uint32_t snaplen, struct filter_prog *out);

#endif
