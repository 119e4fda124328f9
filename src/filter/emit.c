/* SPDX-License-Identifier: BSD-2-Clause */
/* Lowers the boolean test tree to a DAG of test blocks, threads jumps whose outcome is already known, drops reloads of values already in A or X, and lays out forward-only classic BPF. */
#include <stdlib.h>
#include <string.h>

#include "pcaprec/filter_impl.h"

enum { BLK_ACCEPT = 0, BLK_REJECT = 1, FACTS_MAX = 24, THREAD_PASSES = 8 };

struct blk {
	int vid, xvid;       /* interned value of the whole sequence; of its LDX MSH prologue */
	bool clobx;          /* the body writes X */
	uint32_t body, nbody; /* statements after the prologue, in c->pool */
	uint16_t jop;
	uint32_t k;
	int succ[2];         /* [0] when false, [1] when true */
};

/* "Test (vid, jop, k) came out `out`", known on every path into a block. */
struct fact {
	int vid;
	uint16_t jop;
	uint32_t k;
	bool out;
};

struct fset {
	bool top;            /* no path seen yet */
	int n;
	struct fact f[FACTS_MAX];
};

struct em {
	struct fc *c;
	struct blk *b;
	size_t nb, capb;
	uint32_t *vseq, *vlen; /* interned values: pool ranges */
	size_t nv, capv;
};

static int intern(struct em *e, uint32_t seq, uint32_t n)
{
	for (size_t i = 0; i < e->nv; i++)
		if (e->vlen[i] == n && !memcmp(e->c->pool + e->vseq[i], e->c->pool + seq, n * sizeof(struct sock_filter)))
			return (int)i;
	if (e->nv == e->capv) {
		size_t cap = e->capv ? e->capv * 2 : 64;
		uint32_t *a = realloc(e->vseq, cap * sizeof *a), *b;

		if (!a)
			return flt_error(e->c, "out of memory");
		e->vseq = a;
		b = realloc(e->vlen, cap * sizeof *b);
		if (!b)
			return flt_error(e->c, "out of memory");
		e->vlen = b;
		e->capv = cap;
	}
	e->vseq[e->nv] = seq;
	e->vlen[e->nv] = n;
	return (int)e->nv++;
}

static int blk_new(struct em *e, const struct fnode *n, int t, int f)
{
	struct blk *b;
	const struct sock_filter *s = e->c->pool + n->seq;

	if (e->nb == e->capb) {
		size_t cap = e->capb * 2;
		struct blk *nbk = realloc(e->b, cap * sizeof *nbk);

		if (!nbk)
			return flt_error(e->c, "out of memory");
		e->b = nbk;
		e->capb = cap;
	}
	b = &e->b[e->nb];
	memset(b, 0, sizeof *b);
	b->vid = intern(e, n->seq, n->nseq);
	b->xvid = -1;
	b->body = n->seq;
	b->nbody = n->nseq;
	if (n->nseq > 0 && s[0].code == (BPF_LDX | BPF_B | BPF_MSH)) {
		b->xvid = intern(e, n->seq, 1);
		b->body++;
		b->nbody--;
	}
	for (uint32_t i = 0; i < b->nbody; i++) {
		uint16_t code = e->c->pool[b->body + i].code;

		if (BPF_CLASS(code) == BPF_LDX || code == (BPF_MISC | BPF_TAX))
			b->clobx = true;
	}
	b->jop = n->jop;
	b->k = n->k;
	b->succ[1] = t;
	b->succ[0] = f;
	if (b->vid < 0 || (n->nseq > 0 && s[0].code == (BPF_LDX | BPF_B | BPF_MSH) && b->xvid < 0))
		return -1;
	return (int)e->nb++;
}

/* Blocks for node `ni` that go to t when it holds and f when not; returns the entry block. */
static int build(struct em *e, int ni, int t, int f)
{
	const struct fnode *n = &e->c->nodes[ni];
	int mid;

	switch (n->kind) {
	case FN_TRUE: return t;
	case FN_FALSE: return f;
	case FN_NOT: return build(e, n->l, f, t);
	case FN_AND:
		mid = build(e, n->r, t, f);
		return mid < 0 ? -1 : build(e, n->l, mid, f);
	case FN_OR:
		mid = build(e, n->r, t, f);
		return mid < 0 ? -1 : build(e, n->l, t, mid);
	case FN_TEST: return blk_new(e, n, t, f);
	}
	return -1;
}

static bool is_term(int b)
{
	return b == BLK_ACCEPT || b == BLK_REJECT;
}

static bool jump_holds(uint16_t jop, uint32_t a, uint32_t k)
{
	switch (BPF_OP(jop)) {
	case BPF_JEQ: return a == k;
	case BPF_JGT: return a > k;
	case BPF_JGE: return a >= k;
	case BPF_JSET: return (a & k) != 0;
	default: return false;
	}
}

/* Outcome of block b's test given facts: 1, 0, or -1 when unknown. */
static int decide(const struct fset *fs, const struct blk *b)
{
	if (BPF_SRC(b->jop) == BPF_X)
		return -1;
	for (int i = 0; i < fs->n; i++) {
		const struct fact *f = &fs->f[i];

		if (f->vid != b->vid)
			continue;
		if (f->jop == b->jop && f->k == b->k)
			return f->out;
		if (f->jop == (BPF_JMP | BPF_JEQ | BPF_K) && f->out)
			return jump_holds(b->jop, f->k, b->k);
	}
	return -1;
}

static void fset_add(struct fset *fs, const struct blk *b, bool out)
{
	if (BPF_SRC(b->jop) == BPF_X || fs->n == FACTS_MAX)
		return;
	fs->f[fs->n].vid = b->vid;
	fs->f[fs->n].jop = b->jop;
	fs->f[fs->n].k = b->k;
	fs->f[fs->n].out = out;
	fs->n++;
}

static void fset_meet(struct fset *into, const struct fset *with)
{
	int n = 0;

	if (into->top) {
		*into = *with;
		return;
	}
	for (int i = 0; i < into->n; i++) {
		for (int j = 0; j < with->n; j++) {
			if (!memcmp(&into->f[i], &with->f[j], sizeof into->f[i])) {
				into->f[n++] = into->f[i];
				break;
			}
		}
	}
	into->n = n;
}

/* Follow an edge past tests whose outcome the facts decide, and past tests whose two ways meet. */
static int skip_known(struct em *e, int s, const struct fset *fs)
{
	while (!is_term(s)) {
		int d;

		if (e->b[s].succ[0] == e->b[s].succ[1]) {
			s = e->b[s].succ[0];
			continue;
		}
		d = decide(fs, &e->b[s]);
		if (d < 0)
			break;
		s = e->b[s].succ[d];
	}
	return s;
}

/*
 * One pass of jump threading. Blocks are visited by decreasing index,
 * which is a topological order (a block is created after its successors),
 * so every path into a block is known when it is visited. Facts must hold
 * on every path into a block; values are pure functions of the packet, so
 * a fact never goes stale. Returns true when an edge moved.
 */
static bool thread_pass(struct em *e, int *entry, struct fset *in)
{
	bool changed = false;

	for (size_t i = 0; i < e->nb; i++)
		in[i].top = true;
	*entry = skip_known(e, *entry, &(struct fset){ .top = false, .n = 0 });
	if (is_term(*entry))
		return false;
	in[*entry].top = false;
	in[*entry].n = 0;
	for (int bi = *entry; bi >= 2; bi--) {
		struct blk *b = &e->b[bi];

		if (in[bi].top)
			continue;
		for (int side = 0; side < 2; side++) {
			struct fset edge = in[bi];
			int s;

			fset_add(&edge, b, side);
			s = skip_known(e, b->succ[side], &edge);
			if (s != b->succ[side]) {
				b->succ[side] = s;
				changed = true;
			}
			if (!is_term(s))
				fset_meet(&in[s], &edge);
		}
	}
	return changed;
}

struct layout {
	int *pos;       /* first instruction of each block */
	int *ain, *xin; /* value in A / X on entry: vid, -1 unknown, -2 no path yet */
	bool *load, *ldx;
	uint8_t *lng;   /* bit 0: false edge needs a JA, bit 1: true edge */
	int acc, rej;   /* positions of the two RETs (-1 when unused) */
	int len;
};

static int meet_val(int cur, int v)
{
	return cur == -2 ? v : cur == v ? v : -1;
}

/* Decide reloads and positions for the reachable blocks in order; returns the program length. */
static int place(struct em *e, int entry, struct layout *L)
{
	int p = 0;
	bool acc = false, rej = false;

	for (size_t i = 0; i < e->nb; i++) {
		L->ain[i] = -2;
		L->xin[i] = -2;
	}
	L->ain[entry] = -1;
	L->xin[entry] = -1;
	for (int bi = entry; bi >= 2; bi--) {
		struct blk *b = &e->b[bi];
		int aout, xout;

		if (L->ain[bi] == -2)
			continue;
		L->pos[bi] = p;
		L->load[bi] = L->ain[bi] != b->vid;
		L->ldx[bi] = L->load[bi] && b->xvid >= 0 && L->xin[bi] != b->xvid;
		aout = b->vid;
		xout = !L->load[bi] ? L->xin[bi] : b->clobx ? -1 : b->xvid >= 0 ? b->xvid : L->xin[bi];
		p += (L->load[bi] ? (int)b->nbody + (L->ldx[bi] ? 1 : 0) : 0) + 1;
		p += (L->lng[bi] & 1) + ((L->lng[bi] >> 1) & 1);
		for (int side = 0; side < 2; side++) {
			int s = b->succ[side];

			if (s == BLK_ACCEPT)
				acc = true;
			else if (s == BLK_REJECT)
				rej = true;
			else {
				L->ain[s] = meet_val(L->ain[s], aout);
				L->xin[s] = meet_val(L->xin[s], xout);
			}
		}
	}
	L->acc = acc ? p++ : -1;
	L->rej = rej ? p++ : -1;
	return p;
}

static int target_pos(const struct layout *L, int s)
{
	return s == BLK_ACCEPT ? L->acc : s == BLK_REJECT ? L->rej : L->pos[s];
}

/* Mark edges farther than 255 for a JA trampoline; true when a mark was added. */
static bool mark_long(struct em *e, int entry, struct layout *L)
{
	bool more = false;

	for (int bi = entry; bi >= 2; bi--) {
		const struct blk *b = &e->b[bi];
		int j;

		if (L->ain[bi] == -2)
			continue;
		j = L->pos[bi] + (L->load[bi] ? (int)b->nbody + (L->ldx[bi] ? 1 : 0) : 0);
		for (int side = 0; side < 2; side++) {
			if (!(L->lng[bi] & (1 << side)) && target_pos(L, b->succ[side]) - (j + 1) > 255) {
				L->lng[bi] |= (uint8_t)(1 << side);
				more = true;
			}
		}
	}
	return more;
}

static void put(struct sock_filter *o, int *n, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	o[*n].code = code;
	o[*n].jt = jt;
	o[*n].jf = jf;
	o[*n].k = k;
	(*n)++;
}

static void write_code(struct em *e, int entry, const struct layout *L, uint32_t snaplen, struct sock_filter *o)
{
	int n = 0;

	for (int bi = entry; bi >= 2; bi--) {
		const struct blk *b = &e->b[bi];
		int t, f, j, ja;

		if (L->ain[bi] == -2)
			continue;
		if (L->ldx[bi])
			put(o, &n, BPF_LDX | BPF_B | BPF_MSH, 0, 0, e->c->pool[b->body - 1].k);
		if (L->load[bi])
			for (uint32_t i = 0; i < b->nbody; i++)
				o[n++] = e->c->pool[b->body + i];
		j = n;
		ja = j + 1;
		t = (L->lng[bi] & 2) ? ja++ : target_pos(L, b->succ[1]);
		f = (L->lng[bi] & 1) ? ja : target_pos(L, b->succ[0]);
		put(o, &n, b->jop, (uint8_t)(t - j - 1), (uint8_t)(f - j - 1), b->k);
		if (L->lng[bi] & 2)
			put(o, &n, BPF_JMP | BPF_JA, 0, 0, (uint32_t)(target_pos(L, b->succ[1]) - n - 1));
		if (L->lng[bi] & 1)
			put(o, &n, BPF_JMP | BPF_JA, 0, 0, (uint32_t)(target_pos(L, b->succ[0]) - n - 1));
	}
	if (L->acc >= 0)
		put(o, &n, BPF_RET | BPF_K, 0, 0, snaplen);
	if (L->rej >= 0)
		put(o, &n, BPF_RET | BPF_K, 0, 0, 0);
}

static int lay_out(struct em *e, int entry, uint32_t snaplen, struct filter_prog *out)
{
	struct layout L;
	size_t nb = e->nb;
	int rc = -1;

	memset(&L, 0, sizeof L);
	L.pos = calloc(nb, sizeof *L.pos);
	L.ain = calloc(nb, sizeof *L.ain);
	L.xin = calloc(nb, sizeof *L.xin);
	L.load = calloc(nb, sizeof *L.load);
	L.ldx = calloc(nb, sizeof *L.ldx);
	L.lng = calloc(nb, sizeof *L.lng);
	if (!L.pos || !L.ain || !L.xin || !L.load || !L.ldx || !L.lng) {
		flt_error(e->c, "out of memory");
		goto out;
	}
	do
		L.len = place(e, entry, &L);
	while (mark_long(e, entry, &L) && L.len <= (int)FILTER_MAX_INSNS);
	if (L.len > (int)FILTER_MAX_INSNS) {
		flt_error(e->c, "filter program too large (%d instructions; the kernel allows %u)",
			  L.len, FILTER_MAX_INSNS);
		goto out;
	}
	out->insns = calloc((size_t)L.len, sizeof *out->insns);
	if (!out->insns) {
		flt_error(e->c, "out of memory");
		goto out;
	}
	write_code(e, entry, &L, snaplen, out->insns);
	out->len = (uint32_t)L.len;
	rc = 0;
out:
	free(L.pos);
	free(L.ain);
	free(L.xin);
	free(L.load);
	free(L.ldx);
	free(L.lng);
	return rc;
}

int flt_emit(struct fc *c, int root, uint32_t snaplen, struct filter_prog *out)
{
	struct em e;
	struct fset *in = NULL;
	int entry, rc = -1;

	memset(&e, 0, sizeof e);
	e.c = c;
	e.capb = 64;
	e.b = calloc(e.capb, sizeof *e.b);
	if (!e.b)
		return flt_error(c, "out of memory");
	e.nb = 2; /* BLK_ACCEPT, BLK_REJECT */
	entry = build(&e, root, BLK_ACCEPT, BLK_REJECT);
	if (entry < 0)
		goto out;
	in = calloc(e.nb, sizeof *in);
	if (!in) {
		flt_error(c, "out of memory");
		goto out;
	}
	for (int pass = 0; pass < THREAD_PASSES && thread_pass(&e, &entry, in); pass++)
		;
	if (is_term(entry)) {
		out->insns = calloc(1, sizeof *out->insns);
		if (!out->insns) {
			flt_error(c, "out of memory");
			goto out;
		}
		out->insns[0].code = BPF_RET | BPF_K;
		out->insns[0].k = entry == BLK_ACCEPT ? snaplen : 0;
		out->len = 1;
		rc = 0;
	} else {
		rc = lay_out(&e, entry, snaplen, out);
	}
out:
	free(in);
	free(e.b);
	free(e.vseq);
	free(e.vlen);
	return rc;
}
