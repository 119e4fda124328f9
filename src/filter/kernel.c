/* SPDX-License-Identifier: BSD-2-Clause */
/* Kernel variants of a filter program: the same decisions over the bytes and metadata a packet socket's filter sees (stripped VLAN tag, cooked sockets), as libpcap's Linux code maps its loads. */
#include <linux/if_ether.h>
#include <stdlib.h>
#include <string.h>

#include "pcaprec/filter.h"
#include "pcaprec/filter_impl.h"
#include "pcaprec/util.h"

/*
 * The user-space program P judges the bytes pcaprec writes (W). The kernel
 * runs its filter on the socket buffer (S) before pcaprec rewrites it:
 *
 *   VLAN view (Ethernet, SOCK_RAW): when the kernel moved the outer tag into
 *   metadata (SKF_AD_VLAN_TAG_PRESENT), W = S[0..12) TPID TCI S[12..);
 *   TPID is SKF_AD_VLAN_TPID and TCI SKF_AD_VLAN_TAG. Untagged, W = S.
 *   COOKED view (SOCK_DGRAM, `any` and devices without an Ethernet header):
 *   W = SLL2 header (20 bytes) then S, S starting at the network header. The
 *   header's protocol, ifindex, ARPHRD type and packet type are
 *   SKF_AD_PROTOCOL, _IFINDEX, _HATYPE and _PKTTYPE; its reserved bytes are
 *   zero; the link-layer address length and address (bytes 11-19) are not
 *   available to a socket filter.
 *
 * Every instruction of P becomes a sequence computing the same value from S
 * and the metadata: loads of W bytes that come from S are shifted, loads of
 * header bytes read the metadata, loads straddling both are put together
 * byte run by byte run in scratch memory, loads at a computed offset
 * dispatch on X. W's captured length is min(W's length, snaplen), so a load
 * P would make past snaplen rejects in the kernel too (statically, or with
 * a check on X). Where no sequence can say what P says (the SLL2 address,
 * RET A, a return shorter than the rewritten header, no free scratch slot),
 * the kernel program accepts and the caller must run P on those frames.
 */

enum { KV_MAX_STAGED = 6 * FILTER_MAX_INSNS, VLAN_HDR_END = 16, VLAN_AT = 12 };

/* One staged instruction: jumps name labels, resolved when laid out. */
struct kin {
	struct sock_filter s;
	int jt, jf; /* conditional jumps: labels taken / not taken; BPF_JA: jt */
};

struct kasm {
	struct kin *in;
	size_t n, cap;
	int *lab;          /* label -> index of the instruction it stands before */
	size_t nlab, caplab;
	bool full;         /* out of memory or past KV_MAX_STAGED */
};

/* What X may hold on entry to an instruction: at most `max`, a multiple of `align`. */
struct xrange {
	uint32_t max, align;
	bool seen;
};

struct kgen {
	struct kasm *a;
	const struct filter_prog *p;
	enum filter_view view;     /* FILTER_VIEW_SAME for the untagged copy */
	uint32_t snaplen;
	int *lab;                  /* per instruction of P: its label in this copy */
	const struct xrange *xr;
	int slot_acc, slot_x;      /* free scratch slots, -1 when none */
	bool undecided;            /* some path accepts without deciding */
};

static bool kasm_grow(struct kasm *a)
{
	size_t cap = a->cap ? a->cap * 2 : 256;
	struct kin *n;

	if (a->full || a->n >= KV_MAX_STAGED || !(n = realloc(a->in, cap * sizeof *n))) {
		a->full = true;
		return false;
	}
	a->in = n;
	a->cap = cap;
	return true;
}

static void put_jump(struct kasm *a, uint16_t code, uint32_t k, int jt, int jf)
{
	if (a->n == a->cap && !kasm_grow(a))
		return;
	a->in[a->n].s = (struct sock_filter){ code, 0, 0, k };
	a->in[a->n].jt = jt;
	a->in[a->n].jf = jf;
	a->n++;
}

static void put(struct kasm *a, uint16_t code, uint32_t k)
{
	put_jump(a, code, k, -1, -1);
}

static int label_new(struct kasm *a)
{
	if (a->nlab == a->caplab) {
		size_t cap = a->caplab ? a->caplab * 2 : 256;
		int *n = realloc(a->lab, cap * sizeof *n);

		if (!n) {
			a->full = true;
			return 0;
		}
		a->lab = n;
		a->caplab = cap;
	}
	a->lab[a->nlab] = -1;
	return (int)a->nlab++;
}

static void label_bind(struct kasm *a, int l)
{
	if (!a->full)
		a->lab[l] = (int)a->n;
}

static bool is_cond(uint16_t code)
{
	return BPF_CLASS(code) == BPF_JMP && BPF_OP(code) != BPF_JA;
}

/* Where the instruction at i jumps on side `t` (1 taken), before trampolines. */
static int kasm_target(const struct kasm *a, size_t i, int t)
{
	return a->lab[t ? a->in[i].jt : a->in[i].jf];
}

static bool is_ja(const struct kin *in)
{
	return in->s.code == (BPF_JMP | BPF_JA);
}

/* The label a jump to label l ends at, past any JAs it meets. */
static int final_label(const struct kasm *a, int l)
{
	while ((size_t)a->lab[l] < a->n && is_ja(&a->in[a->lab[l]]))
		l = a->in[a->lab[l]].jt;
	return l;
}

/*
 * A JA to a JA goes where that one goes; a JA to the instruction after it
 * goes away. (The tagged copy's decided tests leave chains of them.)
 */
static void kasm_thread(struct kasm *a)
{
	int *newi = malloc((a->n + 1) * sizeof *newi);
	size_t next_kept = a->n, m = 0;

	if (!newi)
		return;
	/* Conditional jumps keep their targets: a JA they meet may be a shared pad that keeps them short. */
	for (size_t i = 0; i < a->n; i++) {
		/* Both ways to one place: a JA (A and X are unchanged by a test). */
		if (is_cond(a->in[i].s.code) && a->lab[a->in[i].jt] == a->lab[a->in[i].jf])
			a->in[i].s = (struct sock_filter){ BPF_JMP | BPF_JA, 0, 0, 0 };
	}
	for (size_t i = 0; i < a->n; i++)
		if (is_ja(&a->in[i]))
			a->in[i].jt = final_label(a, a->in[i].jt);
	/* Backwards: a JA whose target is the next instruction kept is dropped (-1). */
	newi[a->n] = 0;
	for (size_t i = a->n; i-- > 0;) {
		newi[i] = 0;
		if (is_ja(&a->in[i]) && (size_t)a->lab[a->in[i].jt] == next_kept)
			newi[i] = -1;
		else
			next_kept = i;
	}
	for (size_t i = 0; i < a->n; i++) {
		if (newi[i] == -1)
			continue;
		newi[i] = (int)m;
		a->in[m++] = a->in[i];
	}
	newi[a->n] = (int)m;
	/* A label before a dropped JA now stands before what follows it. */
	for (size_t i = a->n; i-- > 0;)
		if (newi[i] == -1)
			newi[i] = newi[i + 1];
	for (size_t l = 0; l < a->nlab; l++)
		if (a->lab[l] >= 0)
			a->lab[l] = newi[a->lab[l]];
	a->n = m;
	free(newi);
}

/*
 * Lay the staged code out: a conditional jump farther than 255 goes
 * through a BPF_JA placed right after it (nothing falls into that JA: a
 * conditional jump names both ways). Returns the length or -1.
 */
static int kasm_layout(const struct kasm *a, struct filter_prog *out)
{
	int *pos = calloc(a->n + 1, sizeof *pos);
	uint8_t *tr = calloc(a->n + 1, 1);
	bool more = true;
	int len = -1;

	while (pos && tr && more) {
		more = false;
		pos[0] = 0;
		for (size_t i = 0; i < a->n; i++)
			pos[i + 1] = pos[i] + 1 + (tr[i] & 1) + ((tr[i] >> 1) & 1);
		if (pos[a->n] > (int)FILTER_MAX_INSNS)
			goto out;
		for (size_t i = 0; i < a->n; i++)
			for (int t = 0; t < 2 && is_cond(a->in[i].s.code); t++)
				if (!(tr[i] & (1 << t)) && pos[kasm_target(a, i, t)] - pos[i] - 1 > 255) {
					tr[i] |= (uint8_t)(1 << t);
					more = true;
				}
	}
	if (!pos || !tr || !(out->insns = calloc((size_t)pos[a->n], sizeof *out->insns)))
		goto out;
	for (size_t i = 0; i < a->n; i++) {
		struct sock_filter *o = out->insns + pos[i];
		int p = pos[i] + 1;

		*o = a->in[i].s;
		if (BPF_CLASS(o->code) == BPF_JMP && BPF_OP(o->code) == BPF_JA)
			o->k = (uint32_t)(pos[a->lab[a->in[i].jt]] - pos[i] - 1);
		for (int t = 1; t >= 0 && is_cond(o->code); t--) {
			int dst = pos[kasm_target(a, i, t)];

			if (tr[i] & (1 << t)) {
				out->insns[p] = (struct sock_filter){ BPF_JMP | BPF_JA, 0, 0, (uint32_t)(dst - p - 1) };
				dst = p++;
			}
			if (t)
				o->jt = (uint8_t)(dst - pos[i] - 1);
			else
				o->jf = (uint8_t)(dst - pos[i] - 1);
		}
	}
	out->len = (uint32_t)pos[a->n];
	len = pos[a->n];
out:
	free(pos);
	free(tr);
	return len;
}

/* X on entry to every instruction of P, from one forward pass (jumps go forward only). */
static void x_ranges(const struct filter_prog *p, struct xrange *xr)
{
	memset(xr, 0, p->len * sizeof *xr);
	xr[0] = (struct xrange){ 0, 1u << 16, true };
	for (uint32_t i = 0; i < p->len; i++) {
		const struct sock_filter *in = &p->insns[i];
		struct xrange o = xr[i];
		uint32_t next[2] = { i + 1, i + 1 };
		int nn = 1;

		if (!o.seen)
			continue;
		if (in->code == (BPF_LDX | BPF_B | BPF_MSH))
			o = (struct xrange){ 60, 4, true };
		else if (in->code == (BPF_LDX | BPF_W | BPF_IMM))
			o = (struct xrange){ in->k, in->k ? in->k & (0u - in->k) : 1u << 16, true };
		else if (BPF_CLASS(in->code) == BPF_LDX || in->code == (BPF_MISC | BPF_TAX))
			o = (struct xrange){ UINT32_MAX, 1, true };
		if (BPF_CLASS(in->code) == BPF_RET)
			nn = 0;
		else if (in->code == (BPF_JMP | BPF_JA))
			next[0] = i + 1 + in->k;
		else if (BPF_CLASS(in->code) == BPF_JMP) {
			next[0] = i + 1 + in->jt;
			next[1] = i + 1 + in->jf;
			nn = 2;
		}
		for (int j = 0; j < nn; j++) {
			struct xrange *d;

			if (next[j] >= p->len)
				continue;
			d = &xr[next[j]];
			if (!d->seen)
				*d = o;
			else {
				d->max = d->max > o.max ? d->max : o.max;
				d->align = d->align < o.align ? d->align : o.align;
			}
		}
	}
}

/* Scratch slots P never touches: the two highest, for sequences that need them. */
static void free_slots(const struct filter_prog *p, int *acc, int *x)
{
	uint32_t used = 0;

	for (uint32_t i = 0; i < p->len; i++) {
		uint16_t c = p->insns[i].code;

		if ((c == BPF_ST || c == BPF_STX || c == (BPF_LD | BPF_MEM) || c == (BPF_LDX | BPF_W | BPF_MEM))
		    && p->insns[i].k < 16)
			used |= 1u << p->insns[i].k;
	}
	*acc = *x = -1;
	for (int s = 15; s >= 0; s--) {
		if (used & (1u << s))
			continue;
		if (*acc < 0)
			*acc = s;
		else if (*x < 0)
			*x = s;
	}
}

/* Where byte w of the written frame comes from, in a view. */
enum bsrc { BS_PKT, BS_META, BS_ZERO, BS_UNDEC };

struct byte_src {
	enum bsrc kind;
	uint32_t off;    /* BS_PKT: offset in the kernel's bytes; BS_META: byte of the field */
	uint32_t anc;    /* BS_META: SKF_AD_* */
	uint32_t width;  /* BS_META: bytes in the field */
};

static struct byte_src byte_src(enum filter_view v, uint32_t w)
{
	if (v == FILTER_VIEW_SAME)
		return (struct byte_src){ BS_PKT, w, 0, 0 };
	if (v == FILTER_VIEW_VLAN) {
		if (w < VLAN_AT)
			return (struct byte_src){ BS_PKT, w, 0, 0 };
		if (w >= VLAN_HDR_END)
			return (struct byte_src){ BS_PKT, w - 4, 0, 0 };
		return (struct byte_src){ BS_META, (w - VLAN_AT) % 2, w < 14 ? SKF_AD_VLAN_TPID : SKF_AD_VLAN_TAG, 2 };
	}
	/* SLL2 (https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html), fields big-endian. */
	if (w >= 20)
		return (struct byte_src){ BS_PKT, w - 20, 0, 0 };
	if (w < 2)
		return (struct byte_src){ BS_META, w, SKF_AD_PROTOCOL, 2 };
	if (w < 4)
		return (struct byte_src){ BS_ZERO, 0, 0, 0 };
	if (w < 8)
		return (struct byte_src){ BS_META, w - 4, SKF_AD_IFINDEX, 4 };
	if (w < 10)
		return (struct byte_src){ BS_META, w - 8, SKF_AD_HATYPE, 2 };
	if (w == 10)
		return (struct byte_src){ BS_META, 0, SKF_AD_PKTTYPE, 1 };
	return (struct byte_src){ BS_UNDEC, 0, 0, 0 };
}

/* A run of bytes of one source: `len` bytes from `s` on. */
struct piece {
	struct byte_src s;
	uint32_t len;
};

/* Byte b continues the run `last` (same source, next byte of it). */
static bool continues(const struct piece *last, const struct byte_src *b)
{
	if (last->s.kind != b->kind)
		return false;
	if (b->kind == BS_ZERO)
		return true;
	return b->off == last->s.off + last->len && (b->kind == BS_PKT || b->anc == last->s.anc);
}

/*
 * Split W[o..o+n) into runs of one source each (packet bytes in loads of
 * 1, 2 or 4); returns their number, 0 when a byte is not available.
 */
static int pieces_of(enum filter_view v, uint32_t o, uint32_t n, struct piece *pc)
{
	int np = 0;

	for (uint32_t i = 0; i < n; i++) {
		struct byte_src b = byte_src(v, o + i);

		if (b.kind == BS_UNDEC)
			return 0;
		if (np > 0 && continues(&pc[np - 1], &b)) {
			pc[np - 1].len++;
			continue;
		}
		pc[np].s = b;
		pc[np].len = 1;
		np++;
	}
	for (int i = 0; i < np; i++) {
		if (pc[i].s.kind != BS_PKT || pc[i].len != 3)
			continue;
		memmove(pc + i + 2, pc + i + 1, (size_t)(np - i - 1) * sizeof *pc);
		pc[i].len = 2;
		pc[i + 1] = pc[i];
		pc[i + 1].s.off += 2;
		pc[i + 1].len = 1;
		np++;
	}
	return np;
}

static uint16_t ld_size(uint32_t n)
{
	return n == 4 ? BPF_W : n == 2 ? BPF_H : BPF_B;
}

/* The value of one run into A. */
static void piece_load(struct kgen *g, const struct piece *pc)
{
	uint32_t shift;

	switch (pc->s.kind) {
	case BS_PKT:
		put(g->a, BPF_LD | ld_size(pc->len) | BPF_ABS, pc->s.off);
		return;
	case BS_ZERO:
		put(g->a, BPF_LD | BPF_IMM, 0);
		return;
	default:
		put(g->a, BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_AD_OFF + pc->s.anc);
		shift = 8 * (pc->s.width - pc->s.off - pc->len);
		if (shift)
			put(g->a, BPF_ALU | BPF_RSH | BPF_K, shift);
		if (pc->s.off > 0)
			put(g->a, BPF_ALU | BPF_AND | BPF_K, pc->len == 1 ? 0xffu : pc->len == 2 ? 0xffffu : 0xffffffu);
	}
}

/* Accept without deciding: the frame goes to user space to be judged by P. */
static void undecided(struct kgen *g)
{
	put(g->a, BPF_RET | BPF_K, g->snaplen);
	g->undecided = true;
}

/* W[o..o+n) into A, from the runs it is made of; X is kept. */
static void load_abs(struct kgen *g, uint32_t o, uint32_t n)
{
	struct piece pc[4];
	int np = pieces_of(g->view, o, n, pc);
	uint32_t at = 0;

	if (np == 0 || (np > 1 && (g->slot_acc < 0 || g->slot_x < 0))) {
		undecided(g);
		return;
	}
	if (np == 1) {
		piece_load(g, &pc[0]);
		return;
	}
	put(g->a, BPF_STX, (uint32_t)g->slot_x);
	for (int i = 0; i < np; i++) {
		uint32_t shift = 8 * (n - at - pc[i].len);

		at += pc[i].len;
		piece_load(g, &pc[i]);
		if (shift)
			put(g->a, BPF_ALU | BPF_LSH | BPF_K, shift);
		if (i > 0) {
			put(g->a, BPF_MISC | BPF_TAX, 0);
			put(g->a, BPF_LD | BPF_MEM, (uint32_t)g->slot_acc);
			put(g->a, BPF_ALU | BPF_OR | BPF_X, 0);
		}
		if (i + 1 < np)
			put(g->a, BPF_ST, (uint32_t)g->slot_acc);
	}
	put(g->a, BPF_LDX | BPF_W | BPF_MEM, (uint32_t)g->slot_x);
}

/* Bytes past snaplen are never in W's captured part, so P's load there rejects. */
static bool past_snap(const struct kgen *g, uint64_t end)
{
	return end > g->snaplen;
}

/* Header size of a view: W offsets below it do not map to S with one shift. */
static uint32_t view_hdr(enum filter_view v)
{
	return v == FILTER_VIEW_VLAN ? VLAN_HDR_END : v == FILTER_VIEW_COOKED ? 20 : 0;
}

static uint32_t view_shift(enum filter_view v)
{
	return v == FILTER_VIEW_VLAN ? 4 : v == FILTER_VIEW_COOKED ? 20 : 0;
}

/*
 * LD [x + k] of n bytes. P rejects when x + k + n passes snaplen, so that
 * is checked first unless X cannot be that large; then offsets at or past
 * the rewritten header shift, and the few small X values below it each
 * take the fixed-offset load they stand for.
 */
static void load_ind(struct kgen *g, const struct sock_filter *in, const struct xrange *xr, int next)
{
	uint32_t n = BPF_SIZE(in->code) == BPF_W ? 4 : BPF_SIZE(in->code) == BPF_H ? 2 : 1;
	uint32_t k = in->k, h = view_hdr(g->view), d = view_shift(g->view), lim;
	bool in_a = false;

	if (past_snap(g, (uint64_t)k + n)) {
		put(g->a, BPF_RET | BPF_K, 0);
		return;
	}
	lim = g->snaplen - k - n;
	if (xr->max > lim) {
		int rej = label_new(g->a), ok = label_new(g->a);

		put(g->a, BPF_MISC | BPF_TXA, 0);
		put_jump(g->a, BPF_JMP | BPF_JGT | BPF_K, lim, rej, ok);
		label_bind(g->a, rej);
		put(g->a, BPF_RET | BPF_K, 0);
		label_bind(g->a, ok);
		in_a = true;
	}
	if (k < h) {
		uint32_t step = xr->align ? xr->align : 1;
		int hi = label_new(g->a);

		if (!in_a)
			put(g->a, BPF_MISC | BPF_TXA, 0);
		if (xr->max >= h - k) {
			int lo = label_new(g->a);

			put_jump(g->a, BPF_JMP | BPF_JGE | BPF_K, h - k, hi, lo);
			label_bind(g->a, lo);
		}
		/* X < h - k here, a multiple of step: each value its own fixed offset; the last needs no test. */
		for (uint32_t v = 0; v < h - k && v <= xr->max && !g->a->full; v += step) {
			bool last = v + step >= h - k || v + step > xr->max;
			int here = label_new(g->a), other = label_new(g->a);

			if (!last) {
				put_jump(g->a, BPF_JMP | BPF_JEQ | BPF_K, v, here, other);
				label_bind(g->a, here);
			}
			load_abs(g, v + k, n);
			put_jump(g->a, BPF_JMP | BPF_JA, 0, next, -1);
			if (last)
				break;
			label_bind(g->a, other);
		}
		label_bind(g->a, hi);
		if (xr->max < h - k)
			return;
	}
	if (k >= d) {
		put(g->a, in->code, k - d);
	} else if (g->slot_x < 0) {
		undecided(g);
	} else {
		put(g->a, BPF_STX, (uint32_t)g->slot_x);
		put(g->a, BPF_MISC | BPF_TXA, 0);
		put(g->a, BPF_ALU | BPF_SUB | BPF_K, d - k);
		put(g->a, BPF_MISC | BPF_TAX, 0);
		put(g->a, in->code, 0);
		put(g->a, BPF_LDX | BPF_W | BPF_MEM, (uint32_t)g->slot_x);
	}
}

/* LDX 4*([k]&0xf); a header byte comes through A, which is kept. */
static void load_msh(struct kgen *g, uint32_t k)
{
	struct byte_src b = byte_src(g->view, k);

	if (past_snap(g, (uint64_t)k + 1)) {
		put(g->a, BPF_RET | BPF_K, 0);
	} else if (b.kind == BS_PKT) {
		put(g->a, BPF_LDX | BPF_B | BPF_MSH, b.off);
	} else if (b.kind == BS_UNDEC || g->slot_acc < 0) {
		undecided(g);
	} else {
		put(g->a, BPF_ST, (uint32_t)g->slot_acc);
		load_abs(g, k, 1);
		put(g->a, BPF_ALU | BPF_AND | BPF_K, 0xf);
		put(g->a, BPF_ALU | BPF_LSH | BPF_K, 2);
		put(g->a, BPF_MISC | BPF_TAX, 0);
		put(g->a, BPF_LD | BPF_MEM, (uint32_t)g->slot_acc);
	}
}

/*
 * RET k keeps min(k, W's captured length): the kernel keeps bytes of S, the
 * header is added in front afterwards, so k shrinks by the header. A VLAN
 * tag is reinserted only into at least 12 captured bytes.
 */
static void ret(struct kgen *g, const struct sock_filter *in)
{
	uint32_t d = view_shift(g->view), min = g->view == FILTER_VIEW_VLAN ? VLAN_AT + d : d + 1;

	if (BPF_RVAL(in->code) == BPF_A) {
		if (g->view == FILTER_VIEW_SAME) {
			put(g->a, in->code, 0);
		} else {
			int rej = label_new(g->a), other = label_new(g->a);

			put_jump(g->a, BPF_JMP | BPF_JEQ | BPF_K, 0, rej, other);
			label_bind(g->a, rej);
			put(g->a, BPF_RET | BPF_K, 0);
			label_bind(g->a, other);
			undecided(g);
		}
	} else if (in->k == 0 || in->k >= g->snaplen || g->view == FILTER_VIEW_SAME) {
		put(g->a, BPF_RET | BPF_K, in->k);
	} else if (in->k >= min) {
		put(g->a, BPF_RET | BPF_K, in->k - d);
	} else {
		undecided(g);
	}
}

/* LEN is W's length: the kernel's plus the header. */
static void load_len(struct kgen *g, uint16_t code)
{
	uint32_t d = view_shift(g->view);

	if (d == 0) {
		put(g->a, code, 0);
	} else if (code == (BPF_LD | BPF_W | BPF_LEN)) {
		put(g->a, code, 0);
		put(g->a, BPF_ALU | BPF_ADD | BPF_K, d);
	} else if (g->slot_acc < 0) {
		undecided(g);
	} else {
		put(g->a, BPF_ST, (uint32_t)g->slot_acc);
		put(g->a, BPF_LD | BPF_W | BPF_LEN, 0);
		put(g->a, BPF_ALU | BPF_ADD | BPF_K, d);
		put(g->a, BPF_MISC | BPF_TAX, 0);
		put(g->a, BPF_LD | BPF_MEM, (uint32_t)g->slot_acc);
	}
}

/* One instruction of P, as the copy's view needs it. */
static void gen_insn(struct kgen *g, uint32_t i)
{
	const struct sock_filter *in = &g->p->insns[i];
	uint16_t c = in->code;
	uint32_t n = BPF_SIZE(c) == BPF_W ? 4 : BPF_SIZE(c) == BPF_H ? 2 : 1;

	if (BPF_CLASS(c) == BPF_LD && BPF_MODE(c) == BPF_ABS) {
		if (past_snap(g, (uint64_t)in->k + n))
			put(g->a, BPF_RET | BPF_K, 0);
		else
			load_abs(g, in->k, n);
	} else if (BPF_CLASS(c) == BPF_LD && BPF_MODE(c) == BPF_IND) {
		load_ind(g, in, &g->xr[i], g->lab[i + 1]);
	} else if (c == (BPF_LDX | BPF_B | BPF_MSH)) {
		load_msh(g, in->k);
	} else if (BPF_MODE(c) == BPF_LEN && (BPF_CLASS(c) == BPF_LD || BPF_CLASS(c) == BPF_LDX)) {
		load_len(g, c);
	} else if (BPF_CLASS(c) == BPF_RET) {
		ret(g, in);
	} else if (c == (BPF_JMP | BPF_JA)) {
		put_jump(g->a, c, 0, g->lab[i + 1 + in->k], -1);
	} else if (BPF_CLASS(c) == BPF_JMP) {
		put_jump(g->a, c, in->k, g->lab[i + 1 + in->jt], g->lab[i + 1 + in->jf]);
	} else {
		put(g->a, c, in->k);
	}
}

/* What A may hold: up to two constants, or anything (n < 0). */
struct aval {
	int n;
	uint32_t v[2];
};

static const struct aval A_ANY = { -1, { 0, 0 } };

static struct aval aval_join(struct aval a, struct aval b)
{
	if (a.n < 0 || b.n < 0)
		return A_ANY;
	for (int i = 0; i < b.n; i++) {
		bool have = false;

		for (int j = 0; j < a.n; j++)
			have |= a.v[j] == b.v[i];
		if (have)
			continue;
		if (a.n == 2)
			return A_ANY;
		a.v[a.n++] = b.v[i];
	}
	return a;
}

/* A after instruction `in` of the tagged copy, from A before. */
static struct aval aval_step(const struct sock_filter *in, struct aval a)
{
	uint16_t c = in->code;

	/* A stripped tag's TPID is 802.1Q or 802.1ad: the only ones skb_vlan_untag,
	 * vlan devices, bridges, tc, OVS and bpf_skb_vlan_push put in metadata. */
	if (c == (BPF_LD | BPF_H | BPF_ABS) && in->k == VLAN_AT)
		return (struct aval){ 2, { ETH_P_8021Q, ETH_P_8021AD } };
	if (c == (BPF_LD | BPF_B | BPF_ABS) && in->k == VLAN_AT)
		return (struct aval){ 2, { ETH_P_8021Q >> 8, ETH_P_8021AD >> 8 } };
	if (c == (BPF_LD | BPF_IMM))
		return (struct aval){ 1, { in->k, 0 } };
	if (BPF_CLASS(c) == BPF_ALU && BPF_SRC(c) == BPF_K && a.n > 0) {
		for (int i = 0; i < a.n; i++)
			if (!flt_alu(c, &a.v[i], in->k))
				return A_ANY;
		return a;
	}
	if (BPF_CLASS(c) == BPF_LD || BPF_CLASS(c) == BPF_ALU || c == (BPF_MISC | BPF_TXA))
		return A_ANY;
	return a;
}

/*
 * The tagged copy's instructions some frame can reach, and its jumps that
 * go one way only (decided[i]: 1 taken, 0 not, -1 either), from what A may
 * hold: the TPID a load of bytes 12-13 gives is one of two values, so an
 * EtherType test without `vlan` in front is decided at once and the rest of
 * the copy for those paths disappears.
 */
static void tagged_reach(const struct filter_prog *p, uint8_t *reach, int8_t *decided)
{
	struct aval *in = calloc(p->len, sizeof *in);

	memset(reach, 0, p->len);
	memset(decided, -1, p->len);
	if (!in) {
		memset(reach, 1, p->len);
		return;
	}
	reach[0] = 1;
	in[0] = A_ANY;
	for (uint32_t i = 0; i < p->len; i++) {
		const struct sock_filter *ins = &p->insns[i];
		struct aval out, edge[2];
		uint32_t next[2];
		int nn = 0;

		if (!reach[i])
			continue;
		out = aval_step(ins, in[i]);
		if (BPF_CLASS(ins->code) == BPF_RET) {
			continue;
		} else if (ins->code == (BPF_JMP | BPF_JA)) {
			edge[nn] = out;
			next[nn++] = i + 1 + ins->k;
		} else if (BPF_CLASS(ins->code) == BPF_JMP) {
			/* Each way gets the values that go that way. */
			struct aval w[2] = { { 0, { 0, 0 } }, { 0, { 0, 0 } } };

			for (int j = 0; j < out.n; j++) {
				struct aval *d = &w[flt_jump(ins->code, out.v[j], ins->k)];

				d->v[d->n++] = out.v[j];
			}
			if (out.n < 0 || BPF_SRC(ins->code) == BPF_X)
				w[0] = w[1] = A_ANY;
			else
				decided[i] = w[0].n == 0 ? 1 : w[1].n == 0 ? 0 : -1;
			if (w[1].n != 0) {
				edge[nn] = w[1];
				next[nn++] = i + 1 + ins->jt;
			}
			if (w[0].n != 0) {
				edge[nn] = w[0];
				next[nn++] = i + 1 + ins->jf;
			}
		} else {
			edge[nn] = out;
			next[nn++] = i + 1;
		}
		for (int j = 0; j < nn; j++) {
			if (next[j] >= p->len)
				continue;
			in[next[j]] = reach[next[j]] ? aval_join(in[next[j]], edge[j]) : edge[j];
			reach[next[j]] = 1;
		}
	}
	free(in);
}

/* A copy of P for one view, entered at the returned label. */
static int gen_copy(struct kasm *a, const struct filter_prog *p, enum filter_view view, uint32_t snaplen,
		    const struct xrange *xr, bool *undec)
{
	struct kgen g = { a, p, view, snaplen, calloc(p->len + 1, sizeof(int)), xr, -1, -1, false };
	uint8_t *reach = malloc(p->len);
	int8_t *decided = malloc(p->len);
	int entry;

	if (!g.lab || !reach || !decided) {
		free(g.lab);
		free(reach);
		free(decided);
		a->full = true;
		return 0;
	}
	if (view == FILTER_VIEW_VLAN) {
		tagged_reach(p, reach, decided);
	} else {
		memset(reach, 1, p->len);
		memset(decided, -1, p->len);
	}
	free_slots(p, &g.slot_acc, &g.slot_x);
	for (uint32_t i = 0; i <= p->len; i++)
		g.lab[i] = label_new(a);
	entry = g.lab[0];
	label_bind(a, entry);
	/* The kernel starts with A = 0 too, but the caller's preamble used A. */
	if (BPF_CLASS(p->insns[0].code) != BPF_LD)
		put(a, BPF_LD | BPF_IMM, 0);
	for (uint32_t i = 0; i < p->len && !a->full; i++) {
		label_bind(a, g.lab[i]);
		if (!reach[i])
			continue;
		if (decided[i] >= 0)
			put_jump(a, BPF_JMP | BPF_JA, 0, g.lab[i + 1 + (decided[i] ? p->insns[i].jt : p->insns[i].jf)], -1);
		else
			gen_insn(&g, i);
	}
	label_bind(a, g.lab[p->len]);
	free(g.lab);
	free(reach);
	free(decided);
	*undec |= g.undecided;
	return entry;
}

/*
 * Stage the whole kernel program: for the VLAN view a test of the tag's
 * presence, then the untagged copy and (unless `guard_only`) the tagged
 * one; `guard_only` accepts every tagged frame undecided instead.
 */
static int build(const struct filter_prog *p, enum filter_view view, uint32_t snaplen, bool guard_only,
		 struct filter_prog *out, bool *undec)
{
	struct kasm a;
	struct xrange *xr = calloc(p->len, sizeof *xr);
	int len = -1;

	memset(&a, 0, sizeof a);
	*undec = false;
	if (!xr)
		return -1;
	x_ranges(p, xr);
	if (view == FILTER_VIEW_VLAN) {
		int plain = label_new(&a), tagged = label_new(&a);

		put(&a, BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_AD_OFF + SKF_AD_VLAN_TAG_PRESENT);
		put_jump(&a, BPF_JMP | BPF_JEQ | BPF_K, 0, plain, tagged);
		label_bind(&a, tagged);
		if (guard_only) {
			put(&a, BPF_RET | BPF_K, snaplen);
			*undec = true;
		} else {
			gen_copy(&a, p, FILTER_VIEW_VLAN, snaplen, xr, undec);
		}
		label_bind(&a, plain);
		gen_copy(&a, p, FILTER_VIEW_SAME, snaplen, xr, undec);
	} else {
		gen_copy(&a, p, view, snaplen, xr, undec);
	}
	if (!a.full) {
		kasm_thread(&a);
		len = kasm_layout(&a, out);
	}
	free(a.in);
	free(a.lab);
	free(xr);
	return len;
}

static int prog_copy(const struct filter_prog *from, struct filter_prog *to)
{
	to->insns = calloc(from->len, sizeof *to->insns);
	if (!to->insns)
		return -1;
	memcpy(to->insns, from->insns, from->len * sizeof *to->insns);
	to->len = from->len;
	return 0;
}

int filter_kernel_build(const struct filter_prog *user, enum filter_view view, uint32_t snaplen,
			struct filter_kernel *out, char *err, size_t errlen)
{
	/* Under 16 captured bytes a tag is not reinserted: then tagged frames are judged in user space. */
	bool guard = view == FILTER_VIEW_VLAN && snaplen < VLAN_HDR_END, undec = false;
	char why[256];

	memset(out, 0, sizeof *out);
	if (!filter_validate(user, why, sizeof why))
		return errf(err, errlen, "filter program: %s", why);
	if (build(user, view, snaplen, guard, &out->prog, &undec) < 0) {
		filter_free(&out->prog);
		if (view == FILTER_VIEW_VLAN && !guard && build(user, view, snaplen, true, &out->prog, &undec) >= 0) {
			/* Too large twice over: the tagged copy gives way to judging tagged frames in user space. */
		} else if (view == FILTER_VIEW_VLAN) {
			filter_free(&out->prog);
			return errf(err, errlen, "filter program of %u instructions is too large for the kernel "
				    "with the VLAN test in front (at most %u)", user->len, FILTER_MAX_INSNS - 3);
		} else {
			/* SAME: the program as it is (loads past snaplen aside, the same answer); COOKED: none. */
			filter_free(&out->prog);
			undec = view == FILTER_VIEW_COOKED;
			if (view == FILTER_VIEW_SAME && prog_copy(user, &out->prog) < 0)
				return errf(err, errlen, "out of memory");
		}
	}
	out->recheck = undec;
	if (out->prog.len && !filter_validate(&out->prog, why, sizeof why)) {
		filter_free(&out->prog);
		return errf(err, errlen, "internal error: kernel filter program invalid: %s", why);
	}
	return 0;
}
