/* SPDX-License-Identifier: BSD-2-Clause */
/* Classic BPF interpreter and checker with the semantics of the Linux kernel and libpcap's bpf_filter(). */
#include <string.h>

#include "pcaprec/filter.h"
#include "pcaprec/filter_impl.h"
#include "pcaprec/util.h"

#define BPF_MEMWORDS_N 16u

/* Load `size` bytes at pkt[off] big-endian; false when any byte is past caplen. */
static bool vm_load(const uint8_t *p, uint32_t caplen, uint32_t off, uint32_t size, uint32_t *v)
{
	if (off > caplen || size > caplen - off)
		return false;
	*v = size == 4 ? ld_be32(p + off) : size == 2 ? ld_be16(p + off) : p[off];
	return true;
}

static uint32_t ld_size(uint16_t code)
{
	return BPF_SIZE(code) == BPF_W ? 4 : BPF_SIZE(code) == BPF_H ? 2 : 1;
}

bool flt_alu(uint16_t code, uint32_t *a, uint32_t v)
{
	switch (BPF_OP(code)) {
	case BPF_ADD: *a += v; return true;
	case BPF_SUB: *a -= v; return true;
	case BPF_MUL: *a *= v; return true;
	case BPF_DIV: if (v == 0) return false; *a /= v; return true;
	case BPF_MOD: if (v == 0) return false; *a %= v; return true;
	case BPF_AND: *a &= v; return true;
	case BPF_OR: *a |= v; return true;
	case BPF_XOR: *a ^= v; return true;
	case BPF_LSH: *a <<= (v & 31u); return true;
	case BPF_RSH: *a >>= (v & 31u); return true;
	case BPF_NEG: *a = 0u - *a; return true;
	default: return false;
	}
}

bool flt_jump(uint16_t code, uint32_t a, uint32_t v)
{
	switch (BPF_OP(code)) {
	case BPF_JEQ: return a == v;
	case BPF_JGT: return a > v;
	case BPF_JGE: return a >= v;
	case BPF_JSET: return (a & v) != 0;
	default: return false;
	}
}

/* An ancillary load (include/uapi/linux/filter.h, net/core/filter.c); false for one we do not model. */
static bool vm_anc(const struct filter_skb *skb, uint32_t k, uint32_t *a)
{
	switch (k - (uint32_t)SKF_AD_OFF) {
	case SKF_AD_PROTOCOL: *a = skb->protocol; return true;
	case SKF_AD_PKTTYPE: *a = skb->pkttype; return true;
	case SKF_AD_IFINDEX: *a = skb->ifindex; return true;
	case SKF_AD_HATYPE: *a = skb->hatype; return true;
	case SKF_AD_VLAN_TAG: *a = skb->vlan_tci; return true;
	case SKF_AD_VLAN_TAG_PRESENT: *a = skb->vlan_present; return true;
	case SKF_AD_VLAN_TPID: *a = skb->vlan_tpid; return true;
	default: return false;
	}
}

/* Loads into A or X; false = reject the packet. Ancillary loads only with `skb`. */
static bool vm_ld(const struct sock_filter *in, const uint8_t *p, uint32_t caplen, uint32_t wirelen,
		  uint32_t *a, uint32_t *x, const uint32_t *mem, const struct filter_skb *skb)
{
	uint32_t *dst = BPF_CLASS(in->code) == BPF_LD ? a : x;

	switch (BPF_MODE(in->code)) {
	case BPF_ABS:
		if (skb && in->k >= (uint32_t)SKF_AD_OFF)
			return BPF_CLASS(in->code) == BPF_LD && vm_anc(skb, in->k, a);
		return BPF_CLASS(in->code) == BPF_LD && vm_load(p, caplen, in->k, ld_size(in->code), a);
	case BPF_IND:
		if (BPF_CLASS(in->code) != BPF_LD || in->k > UINT32_MAX - *x)
			return false;
		return vm_load(p, caplen, *x + in->k, ld_size(in->code), a);
	case BPF_LEN: *dst = wirelen; return true;
	case BPF_IMM: *dst = in->k; return true;
	case BPF_MEM:
		if (in->k >= BPF_MEMWORDS_N)
			return false;
		*dst = mem[in->k];
		return true;
	case BPF_MSH:
		if (BPF_CLASS(in->code) != BPF_LDX || in->k >= caplen)
			return false;
		*x = (uint32_t)(p[in->k] & 0xf) << 2;
		return true;
	default:
		return false;
	}
}

static uint32_t vm_run(const struct filter_prog *prog, const uint8_t *p, uint32_t caplen, uint32_t wirelen,
		       const struct filter_skb *skb)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS_N];

	if (!prog || !prog->insns || prog->len == 0 || prog->len > FILTER_MAX_INSNS)
		return 0;
	memset(mem, 0, sizeof mem);
	for (uint32_t pc = 0; pc < prog->len; pc++) {
		const struct sock_filter *in = &prog->insns[pc];

		switch (BPF_CLASS(in->code)) {
		case BPF_RET:
			return BPF_RVAL(in->code) == BPF_A ? a : in->k;
		case BPF_LD:
		case BPF_LDX:
			if (!vm_ld(in, p, caplen, wirelen, &a, &x, mem, skb))
				return 0;
			break;
		case BPF_ST:
		case BPF_STX:
			if (in->k >= BPF_MEMWORDS_N)
				return 0;
			mem[in->k] = BPF_CLASS(in->code) == BPF_ST ? a : x;
			break;
		case BPF_ALU:
			if (!flt_alu(in->code, &a, BPF_SRC(in->code) == BPF_X ? x : in->k))
				return 0;
			break;
		case BPF_JMP:
			if (BPF_OP(in->code) == BPF_JA) {
				if (in->k >= prog->len - pc - 1)
					return 0;
				pc += in->k;
			} else {
				pc += flt_jump(in->code, a, BPF_SRC(in->code) == BPF_X ? x : in->k) ? in->jt : in->jf;
			}
			break;
		default:
			if (in->code == (BPF_MISC | BPF_TAX))
				x = a;
			else if (in->code == (BPF_MISC | BPF_TXA))
				a = x;
			else
				return 0;
		}
	}
	return 0;
}

uint32_t filter_run(const struct filter_prog *prog, const uint8_t *p, uint32_t caplen, uint32_t wirelen)
{
	return vm_run(prog, p, caplen, wirelen, NULL);
}

uint32_t filter_run_kernel(const struct filter_prog *prog, const uint8_t *pkt, uint32_t len,
			   const struct filter_skb *skb)
{
	return vm_run(prog, pkt, len, len, skb);
}

/* Opcodes the kernel's classic checker accepts (ancillary loads excluded). */
static bool insn_known(uint16_t c)
{
	switch (BPF_CLASS(c)) {
	case BPF_LD:
		if (BPF_MODE(c) == BPF_ABS || BPF_MODE(c) == BPF_IND)
			return BPF_SIZE(c) != 0x18;
		return c == (BPF_LD | BPF_W | BPF_LEN) || c == (BPF_LD | BPF_IMM) || c == (BPF_LD | BPF_MEM);
	case BPF_LDX:
		return c == (BPF_LDX | BPF_W | BPF_IMM) || c == (BPF_LDX | BPF_W | BPF_MEM)
		       || c == (BPF_LDX | BPF_W | BPF_LEN) || c == (BPF_LDX | BPF_B | BPF_MSH);
	case BPF_ST:
	case BPF_STX:
		return c == BPF_ST || c == BPF_STX;
	case BPF_ALU:
		if (BPF_OP(c) == BPF_NEG)
			return c == (BPF_ALU | BPF_NEG);
		return BPF_OP(c) <= BPF_XOR && (c & ~(0xf0 | BPF_X | BPF_ALU)) == 0;
	case BPF_JMP:
		if (BPF_OP(c) == BPF_JA)
			return c == (BPF_JMP | BPF_JA);
		return BPF_OP(c) <= BPF_JSET && (c & ~(0xf0 | BPF_X | BPF_JMP)) == 0;
	case BPF_RET:
		return c == (BPF_RET | BPF_K) || c == (BPF_RET | BPF_A);
	default:
		return c == (BPF_MISC | BPF_TAX) || c == (BPF_MISC | BPF_TXA);
	}
}

static bool insn_ok(const struct sock_filter *in, uint32_t pc, uint32_t len, char *err, size_t errlen)
{
	uint16_t c = in->code;

	if (!insn_known(c))
		return errf(err, errlen, "instruction %u: unknown opcode 0x%x", pc, c), false;
	if (BPF_CLASS(c) == BPF_ALU && BPF_SRC(c) == BPF_K && (BPF_OP(c) == BPF_DIV || BPF_OP(c) == BPF_MOD) && in->k == 0)
		return errf(err, errlen, "instruction %u: division by constant zero", pc), false;
	if (BPF_CLASS(c) == BPF_ALU && BPF_SRC(c) == BPF_K && (BPF_OP(c) == BPF_LSH || BPF_OP(c) == BPF_RSH) && in->k >= 32)
		return errf(err, errlen, "instruction %u: shift by %u", pc, in->k), false;
	if ((c == (BPF_LD | BPF_MEM) || c == (BPF_LDX | BPF_W | BPF_MEM) || c == BPF_ST || c == BPF_STX)
	    && in->k >= BPF_MEMWORDS_N)
		return errf(err, errlen, "instruction %u: scratch slot %u out of range", pc, in->k), false;
	if (c == (BPF_JMP | BPF_JA) && in->k >= len - pc - 1)
		return errf(err, errlen, "instruction %u: jump past the end", pc), false;
	if (BPF_CLASS(c) == BPF_JMP && c != (BPF_JMP | BPF_JA)
	    && ((uint32_t)in->jt >= len - pc - 1 || (uint32_t)in->jf >= len - pc - 1))
		return errf(err, errlen, "instruction %u: jump past the end", pc), false;
	return true;
}

bool filter_validate(const struct filter_prog *prog, char *err, size_t errlen)
{
	if (!prog || !prog->insns || prog->len == 0)
		return errf(err, errlen, "empty BPF program"), false;
	if (prog->len > FILTER_MAX_INSNS)
		return errf(err, errlen, "BPF program has %u instructions; at most %u allowed",
			    prog->len, FILTER_MAX_INSNS), false;
	for (uint32_t pc = 0; pc < prog->len; pc++)
		if (!insn_ok(&prog->insns[pc], pc, prog->len, err, errlen))
			return false;
	if (BPF_CLASS(prog->insns[prog->len - 1].code) != BPF_RET)
		return errf(err, errlen, "BPF program does not end with a return"), false;
	return true;
}
