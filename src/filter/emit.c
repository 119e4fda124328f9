/* SPDX-License-Identifier: BSD-2-Clause */
/* Lowers the boolean test tree to a DAG of test blocks, threads jumps whose outcome is already known, drops reloads of values already in A or X, and lays out forward-only classic BPF. */
#include <stdlib.h>
#include <string.h>

#include "pcaprec/filter_impl.h"

enum { BLK_ACCEPT = 0, BLK_REJECT = 1, FACTS_MAX = 24, OPT_ROUNDS = 200, PULLUP_BUDGET = 20000 };

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

/* The reachable blocks in topological order (entry first); returns the count. */
static int topo_order(struct em *e, int entry, int *order, int *stack, uint8_t *state)
{
	int n = 0, sp = 0;

	memset(state, 0, e->nb);
	if (is_term(entry))
		return 0;
	stack[sp++] = entry;
	while (sp > 0) {
		int b = stack[sp - 1];

		if (state[b] == 0) {
			state[b] = 1;
			/* True side pushed first, finishes last, so it is laid out right after b. */
			for (int side = 1; side >= 0; side--) {
				int s = e->b[b].succ[side];

				if (!is_term(s) && state[s] == 0)
					stack[sp++] = s;
			}
		} else {
			sp--;
			if (state[b] == 1) {
				state[b] = 2;
				order[n++] = b;
			}
		}
	}
	for (int i = 0; i < n / 2; i++) {
		int t = order[i];

		order[i] = order[n - 1 - i];
		order[n - 1 - i] = t;
	}
	return n;
}

/* Scratch arrays for the optimiser, sized for every block. */
struct graph {
	int *order, *stack, *npred, *canon;
	int *pval;       /* value all predecessors leave in A, -1 if they differ */
	int **pslot;     /* one predecessor edge into each block */
	uint8_t *state;
	uint64_t *dom;   /* dominator bit sets, `words` per block */
	size_t words;
	int n;
};

static void graph_free(struct graph *g)
{
	free(g->order);
	free(g->stack);
	free(g->npred);
	free(g->canon);
	free(g->pval);
	free(g->pslot);
	free(g->state);
	free(g->dom);
}

static int graph_alloc(struct em *e, struct graph *g)
{
	memset(g, 0, sizeof *g);
	g->words = (e->nb + 63) / 64;
	g->order = calloc(e->nb, sizeof *g->order);
	g->stack = calloc(2 * e->nb + 2, sizeof *g->stack);
	g->npred = calloc(e->nb, sizeof *g->npred);
	g->canon = calloc(e->nb, sizeof *g->canon);
	g->pval = calloc(e->nb, sizeof *g->pval);
	g->pslot = calloc(e->nb, sizeof *g->pslot);
	g->state = calloc(e->nb, 1);
	g->dom = calloc(e->nb * g->words, sizeof *g->dom);
	if (!g->order || !g->stack || !g->npred || !g->canon || !g->pval || !g->pslot || !g->state || !g->dom) {
		graph_free(g);
		return flt_error(e->c, "out of memory");
	}
	return 0;
}

/* Order, predecessor counts and dominators of the reachable graph. */
static void graph_scan(struct em *e, int entry, struct graph *g)
{
	g->n = topo_order(e, entry, g->order, g->stack, g->state);
	memset(g->npred, 0, e->nb * sizeof *g->npred);
	memset(g->dom, 0xff, e->nb * g->words * sizeof *g->dom);
	for (int i = 0; i < g->n; i++) {
		int b = g->order[i];
		uint64_t *d = g->dom + (size_t)b * g->words;

		if (i == 0)
			memset(d, 0, g->words * sizeof *d);
		d[b / 64] |= 1ull << (b % 64);
		for (int side = 0; side < 2; side++) {
			int s = e->b[b].succ[side];
			uint64_t *ds;

			if (is_term(s) || (side == 1 && s == e->b[b].succ[0]))
				continue;
			if (g->npred[s]++ == 0) {
				g->pval[s] = e->b[b].vid;
				g->pslot[s] = &e->b[b].succ[side];
			} else if (g->pval[s] != e->b[b].vid) {
				g->pval[s] = -1;
			}
			ds = g->dom + (size_t)s * g->words;
			for (size_t w = 0; w < g->words; w++)
				ds[w] &= d[w];
		}
	}
}

static bool dominates(const struct graph *g, int a, int b)
{
	return (g->dom[(size_t)b * g->words + (size_t)a / 64] >> (a % 64)) & 1;
}

/*
 * Jump threading in topological order, so every path into a block is
 * known when it is visited. Facts must hold on every path into a block;
 * values are pure functions of the packet, so a fact never goes stale.
 */
static bool thread_pass(struct em *e, int *entry, struct fset *in, struct graph *g)
{
	bool changed = false;

	*entry = skip_known(e, *entry, &(struct fset){ .top = false, .n = 0 });
	g->n = topo_order(e, *entry, g->order, g->stack, g->state);
	for (int i = 0; i < g->n; i++)
		in[g->order[i]].top = true;
	if (g->n == 0)
		return false;
	in[*entry].top = false;
	in[*entry].n = 0;
	for (int i = 0; i < g->n; i++) {
		int bi = g->order[i];
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

static bool same_block(const struct blk *a, const struct blk *b)
{
	return a->vid == b->vid && a->jop == b->jop && a->k == b->k && a->succ[0] == b->succ[0]
	       && a->succ[1] == b->succ[1];
}

static uint32_t blk_hash(const struct blk *b)
{
	uint32_t h = 2166136261u;
	uint32_t v[5] = { (uint32_t)b->vid, b->jop, b->k, (uint32_t)b->succ[0], (uint32_t)b->succ[1] };

	for (int i = 0; i < 5; i++)
		h = (h ^ v[i]) * 16777619u;
	return h;
}

/* Merge blocks that do the same test and go to the same places (children first, hashed). */
static bool dedup(struct em *e, int *entry, struct graph *g)
{
	size_t cap = 1;
	int *table;
	bool changed = false;

	g->n = topo_order(e, *entry, g->order, g->stack, g->state);
	while (cap < 2 * (size_t)g->n + 2)
		cap *= 2;
	table = malloc(cap * sizeof *table);
	if (!table)
		return false;
	memset(table, 0xff, cap * sizeof *table);
	for (int i = g->n - 1; i >= 0; i--) {
		int b = g->order[i];
		size_t h;

		g->canon[b] = b;
		for (int side = 0; side < 2; side++)
			if (!is_term(e->b[b].succ[side]))
				e->b[b].succ[side] = g->canon[e->b[b].succ[side]];
		for (h = blk_hash(&e->b[b]) & (cap - 1); table[h] >= 0; h = (h + 1) & (cap - 1)) {
			if (same_block(&e->b[table[h]], &e->b[b])) {
				g->canon[b] = table[h];
				changed = true;
				break;
			}
		}
		if (table[h] < 0)
			table[h] = b;
	}
	free(table);
	if (!is_term(*entry))
		*entry = g->canon[*entry];
	return changed;
}

/*
 * libpcap's or_pullup (walk = 0) and and_pullup (walk = 1): along the chain
 * of `walk` edges below b whose other edge goes where b's does, a later
 * test of the value the predecessors left in A moves up in front of the
 * first test of a different value. Only blocks with a single predecessor
 * move or are passed, so no other path loses a test.
 */
static bool pullup(struct em *e, int b, int walk, struct graph *g)
{
	int keep = 1 - walk, val = -1, pull;
	int *diffp, *samep;
	bool at_top = true;

	if (g->npred[b] == 0 || g->pval[b] < 0)
		return false;
	val = g->pval[b];
	diffp = g->pslot[b];
	for (;;) {
		int d = *diffp;

		if (is_term(d) || e->b[d].succ[keep] != e->b[b].succ[keep] || !dominates(g, b, d))
			return false;
		if (!at_top && g->npred[d] != 1)
			return false;
		if (e->b[d].vid != val)
			break;
		diffp = &e->b[d].succ[walk];
		at_top = false;
	}
	samep = &e->b[*diffp].succ[walk];
	for (;;) {
		int s = *samep;

		if (is_term(s) || e->b[s].succ[keep] != e->b[b].succ[keep] || !dominates(g, b, s)
		    || g->npred[s] != 1)
			return false;
		if (e->b[s].vid == val)
			break;
		samep = &e->b[s].succ[walk];
	}
	pull = *samep;
	*samep = e->b[pull].succ[walk];
	e->b[pull].succ[walk] = *diffp;
	if (at_top) {
		for (int i = 0; i < g->n; i++)
			for (int side = 0; side < 2; side++)
				if (e->b[g->order[i]].succ[side] == b && g->order[i] != pull)
					e->b[g->order[i]].succ[side] = pull;
	} else {
		*diffp = pull;
	}
	return true;
}

/* Pull-ups bottom-up until none applies (bounded); the graph is rescanned after each. */
static bool pullups(struct em *e, int *entry, struct graph *g)
{
	bool any = false;

	graph_scan(e, *entry, g);
	for (int i = g->n - 1, budget = PULLUP_BUDGET; i >= 0 && budget > 0; i--) {
		int b = g->order[i];

		if (pullup(e, b, 0, g) || pullup(e, b, 1, g)) {
			any = true;
			budget--;
			graph_scan(e, *entry, g);
			i = g->n;
		}
	}
	return any;
}

/* Optimise until nothing changes (bounded): threading, merging, pull-ups. */
static int optimise(struct em *e, int *entry)
{
	struct fset *in = calloc(e->nb, sizeof *in);
	struct graph g;
	bool changed = true;
	int rc = 0;

	if (!in)
		return flt_error(e->c, "out of memory");
	if (graph_alloc(e, &g) < 0) {
		free(in);
		return -1;
	}
	for (int round = 0; round < OPT_ROUNDS && changed; round++) {
		changed = false;
		for (int pass = 0; pass < OPT_ROUNDS && thread_pass(e, entry, in, &g); pass++)
			changed = true;
		if (is_term(*entry))
			break;
		if (g.n > 3 * (int)FILTER_MAX_INSNS) {
			rc = flt_error(e->c, "filter program too large (more than %u tests; the kernel allows %u instructions)",
				       3 * FILTER_MAX_INSNS, FILTER_MAX_INSNS);
			break;
		}
		changed |= dedup(e, entry, &g);
		changed |= pullups(e, entry, &g);
	}
	graph_free(&g);
	free(in);
	return rc;
}

struct layout {
	int *pos;       /* first instruction of each block */
	int *ain, *xin; /* value in A / X on entry: vid, -1 unknown, -2 no path yet */
	bool *load, *ldx;
	uint8_t *lng;   /* bit 0: false edge needs a JA, bit 1: true edge */
	int acc, rej;   /* positions of the two RETs (-1 when unused) */
	int len;
	int *order, n;  /* reachable blocks, topological order */
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
	for (int oi = 0; oi < L->n; oi++) {
		int bi = L->order[oi];

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
static bool mark_long(struct em *e, struct layout *L)
{
	bool more = false;

	for (int oi = 0; oi < L->n; oi++) {
		int bi = L->order[oi];

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

static void write_code(struct em *e, const struct layout *L, uint32_t snaplen, struct sock_filter *o)
{
	int n = 0;

	for (int oi = 0; oi < L->n; oi++) {
		int bi = L->order[oi];

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
	int *stack;
	uint8_t *state;
	int rc = -1;

	memset(&L, 0, sizeof L);
	L.pos = calloc(nb, sizeof *L.pos);
	L.ain = calloc(nb, sizeof *L.ain);
	L.xin = calloc(nb, sizeof *L.xin);
	L.load = calloc(nb, sizeof *L.load);
	L.ldx = calloc(nb, sizeof *L.ldx);
	L.lng = calloc(nb, sizeof *L.lng);
	L.order = calloc(nb, sizeof *L.order);
	stack = calloc(2 * nb + 2, sizeof *stack);
	state = calloc(nb, 1);
	if (!L.order || !stack || !state || !L.pos || !L.ain || !L.xin || !L.load || !L.ldx || !L.lng) {
		flt_error(e->c, "out of memory");
		goto out;
	}
	L.n = topo_order(e, entry, L.order, stack, state);
	do
		L.len = place(e, entry, &L);
	while (mark_long(e, &L) && L.len <= (int)FILTER_MAX_INSNS);
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
	write_code(e, &L, snaplen, out->insns);
	out->len = (uint32_t)L.len;
	rc = 0;
out:
	free(L.pos);
	free(L.ain);
	free(L.xin);
	free(L.load);
	free(L.ldx);
	free(L.lng);
	free(L.order);
	free(stack);
	free(state);
	return rc;
}

int flt_emit(struct fc *c, int root, uint32_t snaplen, struct filter_prog *out)
{
	struct em e;
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
	if (optimise(&e, &entry) < 0)
		goto out;
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
	free(e.b);
	free(e.vseq);
	free(e.vlen);
	return rc;
}
