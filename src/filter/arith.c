/* SPDX-License-Identifier: BSD-2-Clause */
/* Arithmetic filter expressions (proto[off:size], len, + - * / % & | ^ << >>) and relations, lowered to BPF statement sequences. */
#include <stdlib.h>
#include <string.h>

#include "pcaprec/filter_impl.h"

#define SEQ_MAX 512u
#define SCRATCH_SLOTS 16u

struct seqbuf {
	struct sock_filter s[SEQ_MAX];
	uint32_t n;
};

static int emit(struct fc *c, struct seqbuf *b, uint16_t code, uint32_t k)
{
	if (b->n == SEQ_MAX)
		return flt_error(c, "arithmetic expression too complex");
	b->s[b->n].code = code;
	b->s[b->n].jt = 0;
	b->s[b->n].jf = 0;
	b->s[b->n].k = k;
	b->n++;
	return 0;
}

static uint32_t fold(uint32_t op, uint32_t a, uint32_t b)
{
	switch (op) {
	case BPF_ADD: return a + b;
	case BPF_SUB: return a - b;
	case BPF_MUL: return a * b;
	case BPF_DIV: return a / b;
	case BPF_MOD: return a % b;
	case BPF_AND: return a & b;
	case BPF_OR: return a | b;
	case BPF_XOR: return a ^ b;
	case BPF_LSH: return a << b;
	case BPF_RSH: return a >> b;
	default: return 0;
	}
}

/*
 * New arithmetic node. Constant operands fold at once; a constant zero
 * divisor and shifts beyond 31 are errors (the kernel refuses the first,
 * libpcap refuses both).
 */
int an_new(struct fc *c, enum anode_kind kind, uint32_t k, int l, int r, int proto)
{
	struct anode *a;

	if ((kind == AN_BIN && (l < 0 || r < 0)) || (kind == AN_NEG && l < 0) || (kind == AN_LOAD && l < 0))
		return -1;
	if (kind == AN_BIN && c->anodes[r].kind == AN_CONST) {
		uint32_t v = c->anodes[r].k;

		if ((k == BPF_DIV || k == BPF_MOD) && v == 0)
			return flt_error(c, "division by zero in filter expression");
		if ((k == BPF_LSH || k == BPF_RSH) && v > 31)
			return flt_error(c, "shift by more than 31 bits in filter expression");
		if (c->anodes[l].kind == AN_CONST)
			return an_new(c, AN_CONST, fold(k, c->anodes[l].k, v), 0, 0, 0);
	}
	if (kind == AN_NEG && c->anodes[l].kind == AN_CONST)
		return an_new(c, AN_CONST, 0u - c->anodes[l].k, 0, 0, 0);
	if (c->nanodes == c->capanodes) {
		size_t cap = c->capanodes ? c->capanodes * 2 : 32;
		struct anode *n = realloc(c->anodes, cap * sizeof *n);

		if (!n)
			return flt_error(c, "out of memory");
		c->anodes = n;
		c->capanodes = cap;
	}
	a = &c->anodes[c->nanodes];
	memset(a, 0, sizeof *a);
	a->kind = kind;
	a->k = k;
	a->l = l;
	a->r = r;
	a->proto = proto;
	a->off_ll = c->off_ll;
	a->off_nl = c->off_nl;
	return (int)c->nanodes++;
}

/* Condition under which proto[...] exists, as libpcap's gen_load states it. */
static int load_cond(struct fc *c, int proto)
{
	struct sock_filter s = { BPF_LD | BPF_H | BPF_ABS, 0, 0, c->off_nl + 6 };
	int notfrag;

	switch (proto) {
	case FP_LINK: return fn_const(c, true);
	case FP_IP: return gen_linktype(c, 0x0800);
	case FP_IP6: return gen_linktype(c, 0x86dd);
	case FP_ARP: return gen_linktype(c, 0x0806);
	case FP_RARP: return gen_linktype(c, 0x8035);
	case FP_ICMP6:
		return fn_and(c, gen_linktype(c, 0x86dd),
			      fn_test(c, (struct sock_filter[]){ { BPF_LD | BPF_B | BPF_ABS, 0, 0, c->off_nl + 6 } },
				      1, BPF_JMP | BPF_JEQ | BPF_K, 58));
	default:
		notfrag = fn_not(c, fn_test(c, &s, 1, BPF_JMP | BPF_JSET | BPF_K, 0x1fff));
		return fn_and(c, gen_linktype(c, 0x0800), fn_and(c, gen_proto(c, proto), notfrag));
	}
}

static int code_of(struct fc *c, int a, struct seqbuf *b, int *cond, uint32_t depth);

static int code_load(struct fc *c, const struct anode *a, struct seqbuf *b, int *cond, uint32_t depth)
{
	uint16_t size = a->r == 1 ? BPF_B : a->r == 2 ? BPF_H : BPF_W;
	bool transport = a->proto >= FP_TCP && a->proto != FP_ICMP6;
	uint32_t base = a->proto == FP_LINK ? 0 : a->proto == FP_ICMP6 ? c->off_nl + 40 : c->off_nl;
	const struct anode *ix = &c->anodes[a->l];
	int rc = 0;

	if (ix->kind == AN_CONST) {
		if (transport) {
			rc |= emit(c, b, BPF_LDX | BPF_B | BPF_MSH, c->off_nl);
			rc |= emit(c, b, BPF_LD | size | BPF_IND, base + ix->k);
		} else {
			rc |= emit(c, b, BPF_LD | size | BPF_ABS, base + ix->k);
		}
	} else {
		rc |= code_of(c, a->l, b, cond, depth);
		if (transport) {
			rc |= emit(c, b, BPF_LDX | BPF_B | BPF_MSH, c->off_nl);
			rc |= emit(c, b, BPF_ALU | BPF_ADD | BPF_X, 0);
		}
		rc |= emit(c, b, BPF_MISC | BPF_TAX, 0);
		rc |= emit(c, b, BPF_LD | size | BPF_IND, base);
	}
	*cond = fn_and(c, *cond, load_cond(c, a->proto));
	return rc < 0 || *cond < 0 ? -1 : 0;
}

/* Append code leaving the value of node `a` in A; conditions AND into *cond in evaluation order. */
static int code_of(struct fc *c, int ai, struct seqbuf *b, int *cond, uint32_t depth)
{
	const struct anode *a = &c->anodes[ai];
	int rc = 0;

	switch (a->kind) {
	case AN_CONST:
		return emit(c, b, BPF_LD | BPF_IMM, a->k);
	case AN_LEN:
		return emit(c, b, BPF_LD | BPF_W | BPF_LEN, 0);
	case AN_NEG:
		rc |= code_of(c, a->l, b, cond, depth);
		return rc | emit(c, b, BPF_ALU | BPF_NEG, 0);
	case AN_LOAD:
		return code_load(c, a, b, cond, depth);
	case AN_BIN:
		rc |= code_of(c, a->l, b, cond, depth);
		if (c->anodes[a->r].kind == AN_CONST)
			return rc | emit(c, b, (uint16_t)(BPF_ALU | a->k | BPF_K), c->anodes[a->r].k);
		if (depth >= SCRATCH_SLOTS)
			return flt_error(c, "arithmetic expression nested too deeply");
		rc |= emit(c, b, BPF_ST, depth);
		rc |= code_of(c, a->r, b, cond, depth + 1);
		rc |= emit(c, b, BPF_MISC | BPF_TAX, 0);
		rc |= emit(c, b, BPF_LD | BPF_MEM, depth);
		return rc | emit(c, b, (uint16_t)(BPF_ALU | a->k | BPF_X), 0);
	}
	return -1;
}

static bool rel_holds(int rel, uint32_t a, uint32_t b)
{
	switch (rel) {
	case '>': return a > b;
	case '<': return a < b;
	case FT_GE: return a >= b;
	case FT_LE: return a <= b;
	case FT_EQ: return a == b;
	default: return a != b;
	}
}

/*
 * a0 REL a1: conditions of both sides first (left, then right), then the
 * computation and one jump. `<`, `<=` and `!=` are the negations of `>=`,
 * `>` and `==`; (x & m) == 0 becomes a JSET, like libpcap's optimiser.
 */
int gen_relation(struct fc *c, int rel, int a0, int a1)
{
	struct seqbuf *b;
	int cond, t;
	uint16_t jop;
	uint32_t k = 0;
	bool neg = rel == '<' || rel == FT_LE || rel == FT_NE;

	if (a0 < 0 || a1 < 0)
		return -1;
	if (c->anodes[a0].kind == AN_CONST && c->anodes[a1].kind == AN_CONST)
		return fn_const(c, rel_holds(rel, c->anodes[a0].k, c->anodes[a1].k));
	jop = rel == '>' || rel == FT_LE ? BPF_JGT : rel == FT_GE || rel == '<' ? BPF_JGE : BPF_JEQ;
	b = malloc(sizeof *b);
	if (!b)
		return flt_error(c, "out of memory");
	b->n = 0;
	cond = fn_const(c, true);
	if (code_of(c, a0, b, &cond, 0) < 0)
		goto err;
	if (c->anodes[a1].kind == AN_CONST) {
		k = c->anodes[a1].k;
		jop |= BPF_K;
		if ((jop & 0xf0) == BPF_JEQ && k == 0 && b->n > 1
		    && b->s[b->n - 1].code == (BPF_ALU | BPF_AND | BPF_K)) {
			k = b->s[--b->n].k;
			jop = BPF_JSET | BPF_K;
			neg = !neg;
		}
	} else {
		if (emit(c, b, BPF_ST, 0) < 0 || code_of(c, a1, b, &cond, 1) < 0
		    || emit(c, b, BPF_MISC | BPF_TAX, 0) < 0 || emit(c, b, BPF_LD | BPF_MEM, 0) < 0)
			goto err;
		jop |= BPF_X;
	}
	t = fn_test(c, b->s, b->n, (uint16_t)(BPF_JMP | jop), k);
	free(b);
	if (neg)
		t = fn_not(c, t);
	return fn_and(c, cond, t);
err:
	free(b);
	return -1;
}
