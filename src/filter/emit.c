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
	uint64_t work;       /* blocks visited by the optimiser, against its budget */
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

/* What fact f says about block b's test: 1, 0, or -1 nothing. */
static int fact_decides(const struct fact *f, const struct blk *b)
{
	if (f->vid != b->vid)
		return -1;
	if (f->jop == b->jop && f->k == b->k)
		return f->out;
	if (f->jop == (BPF_JMP | BPF_JEQ | BPF_K) && f->out)
		return flt_jump(b->jop, f->k, b->k);
	return -1;
}

static bool fact_eq(const struct fact *a, const struct fact *b)
{
	return a->vid == b->vid && a->jop == b->jop && a->k == b->k && a->out == b->out;
}

/*
 * The facts on one edge: those on every path into its block (`in`), and
 * the block's own outcome on this edge (`own`, unless its test compares
 * with X or `in` is full). Viewed in place, so no fact set is copied.
 */
struct edge_facts {
	const struct fset *in;
	struct fact own;
	bool has_own;
};

static struct edge_facts edge_facts_of(const struct fset *in, const struct blk *b, bool out)
{
	struct edge_facts ef = { in, { b->vid, b->jop, b->k, out }, false };

	ef.has_own = BPF_SRC(b->jop) != BPF_X && in->n < FACTS_MAX;
	return ef;
}

/* Outcome of block b's test given the facts: 1, 0, or -1 when unknown. */
static int decide(const struct edge_facts *ef, const struct blk *b)
{
	int d;

	if (BPF_SRC(b->jop) == BPF_X)
		return -1;
	if (ef->has_own && (d = fact_decides(&ef->own, b)) >= 0)
		return d;
	for (int i = 0; i < ef->in->n; i++)
		if ((d = fact_decides(&ef->in->f[i], b)) >= 0)
			return d;
	return -1;
}

/* Keep in `into` only the facts that also hold on the edge. */
static void fset_meet(struct fset *into, const struct edge_facts *ef)
{
	int n = 0;

	if (into->top) {
		into->top = false;
		into->n = ef->in->n;
		memcpy(into->f, ef->in->f, (size_t)ef->in->n * sizeof into->f[0]);
		if (ef->has_own)
			into->f[into->n++] = ef->own;
		return;
	}
	for (int i = 0; i < into->n; i++) {
		bool keep = ef->has_own && fact_eq(&into->f[i], &ef->own);

		for (int j = 0; j < ef->in->n && !keep; j++)
			keep = fact_eq(&into->f[i], &ef->in->f[j]);
		if (keep)
			into->f[n++] = into->f[i];
	}
	into->n = n;
}

/* Follow an edge past tests whose outcome the facts decide, and past tests whose two ways meet. */
static int skip_known(struct em *e, int s, const struct edge_facts *ef)
{
	while (!is_term(s)) {
		int d;

		if (e->b[s].succ[0] == e->b[s].succ[1]) {
			s = e->b[s].succ[0];
			continue;
		}
		d = decide(ef, &e->b[s]);
		e->work++;
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
	e->work += (uint64_t)n;
	return n;
}

/* Scratch arrays for the optimiser, sized for every block (rank: for every value). */
struct graph {
	int *order, *stack, *npred, *canon;
	int *pval;       /* value all predecessors leave in A, -1 if they differ */
	int *pred;       /* the predecessor of a block with one */
	int *redir;      /* pull-ups: the block that now comes first instead, -1 none */
	int *chain, *sorted, *rank, *count;
	uint8_t *state;
	uint8_t *inner;  /* pull-ups: the walk edge was rebuilt inside a chain */
	int n;
};

static void graph_free(struct graph *g)
{
	free(g->order);
	free(g->stack);
	free(g->npred);
	free(g->canon);
	free(g->pval);
	free(g->pred);
	free(g->redir);
	free(g->chain);
	free(g->sorted);
	free(g->rank);
	free(g->count);
	free(g->state);
	free(g->inner);
}

static int graph_alloc(struct em *e, struct graph *g)
{
	size_t nv = e->nv + 1;

	memset(g, 0, sizeof *g);
	g->order = calloc(e->nb, sizeof *g->order);
	g->stack = calloc(2 * e->nb + 2, sizeof *g->stack);
	g->npred = calloc(e->nb, sizeof *g->npred);
	g->canon = calloc(e->nb, sizeof *g->canon);
	g->pval = calloc(e->nb, sizeof *g->pval);
	g->pred = calloc(e->nb, sizeof *g->pred);
	g->redir = malloc(e->nb * sizeof *g->redir);
	g->chain = calloc(e->nb, sizeof *g->chain);
	g->sorted = calloc(e->nb, sizeof *g->sorted);
	g->rank = malloc(nv * sizeof *g->rank);
	g->count = calloc(e->nb + 1, sizeof *g->count);
	g->state = calloc(e->nb, 1);
	g->inner = calloc(e->nb, 1);
	if (!g->order || !g->stack || !g->npred || !g->canon || !g->pval || !g->pred || !g->redir
	    || !g->chain || !g->sorted || !g->rank || !g->count || !g->state || !g->inner) {
		graph_free(g);
		return flt_error(e->c, "out of memory");
	}
	memset(g->redir, 0xff, e->nb * sizeof *g->redir);
	memset(g->rank, 0xff, nv * sizeof *g->rank);
	return 0;
}

/* Order and predecessor counts of the reachable graph; what predecessors leave in A. */
static void graph_scan(struct em *e, int entry, struct graph *g)
{
	g->n = topo_order(e, entry, g->order, g->stack, g->state);
	memset(g->npred, 0, e->nb * sizeof *g->npred);
	for (int i = 0; i < g->n; i++) {
		int b = g->order[i];

		for (int side = 0; side < 2; side++) {
			int s = e->b[b].succ[side];

			if (is_term(s) || (side == 1 && s == e->b[b].succ[0]))
				continue;
			if (g->npred[s]++ == 0) {
				g->pval[s] = e->b[b].vid;
				g->pred[s] = b;
			} else if (g->pval[s] != e->b[b].vid) {
				g->pval[s] = -1;
			}
		}
	}
	e->work += (uint64_t)g->n;
}

/*
 * Jump threading in topological order, so every path into a block is
 * known when it is visited. Facts must hold on every path into a block;
 * values are pure functions of the packet, so a fact never goes stale.
 */
static bool thread_pass(struct em *e, int *entry, struct fset *in, struct graph *g)
{
	static const struct fset none = { false, 0, { { 0, 0, 0, false } } };
	struct edge_facts at_entry = { &none, { 0, 0, 0, false }, false };
	bool changed = false;

	*entry = skip_known(e, *entry, &at_entry);
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
		e->work += 2 + (uint64_t)in[bi].n / 4;
		for (int side = 0; side < 2; side++) {
			struct edge_facts ef = edge_facts_of(&in[bi], b, side);
			int s = skip_known(e, b->succ[side], &ef);

			if (s != b->succ[side]) {
				b->succ[side] = s;
				changed = true;
			}
			if (!is_term(s))
				fset_meet(&in[s], &ef);
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
	e->work += (uint64_t)g->n;
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

/* Block x continues the `walk` chain of its only predecessor: same `keep` edge, one way in. */
static bool chain_next(const struct em *e, const struct graph *g, int x, int walk)
{
	int p;

	if (is_term(x) || g->npred[x] != 1)
		return false;
	p = g->pred[x];
	return e->b[p].succ[walk] == x && e->b[p].succ[1 - walk] != x
	       && e->b[x].succ[1 - walk] == e->b[p].succ[1 - walk];
}

/*
 * Regroup the chain at g->chain[0..len) in place (into g->sorted): tests
 * of one value side by side, values in the order they first appear, the
 * value the predecessors of the head leave in A (`first`, or -1) before
 * all. Returns true when the order changed.
 */
static bool chain_group(struct em *e, struct graph *g, int len, int first)
{
	int ngroups = 0, pos = 0;
	bool moved = false;

	if (first >= 0)
		g->rank[first] = ngroups++;
	for (int i = 0; i < len; i++) {
		int v = e->b[g->chain[i]].vid;

		if (g->rank[v] < 0)
			g->rank[v] = ngroups++;
	}
	memset(g->count, 0, ((size_t)ngroups + 1) * sizeof *g->count);
	for (int i = 0; i < len; i++)
		g->count[g->rank[e->b[g->chain[i]].vid] + 1]++;
	for (int r = 1; r <= ngroups; r++)
		g->count[r] += g->count[r - 1];
	for (int i = 0; i < len; i++) {
		int b = g->chain[i];

		pos = g->count[g->rank[e->b[b].vid]]++;
		g->sorted[pos] = b;
		moved |= pos != i;
	}
	if (first >= 0)
		g->rank[first] = -1;
	for (int i = 0; i < len; i++)
		g->rank[e->b[g->chain[i]].vid] = -1;
	e->work += (uint64_t)len;
	return moved;
}

/* Relink a regrouped chain: walk edges in the new order, the old exit last; the head's predecessors go to the new head. */
static void chain_relink(struct em *e, struct graph *g, int len, int walk)
{
	int exit = e->b[g->chain[len - 1]].succ[walk];

	for (int i = 0; i + 1 < len; i++) {
		e->b[g->sorted[i]].succ[walk] = g->sorted[i + 1];
		g->inner[g->sorted[i]] |= (uint8_t)(1 << walk);
	}
	e->b[g->sorted[len - 1]].succ[walk] = exit;
	if (g->sorted[0] != g->chain[0])
		g->redir[g->chain[0]] = g->sorted[0];
}

/*
 * libpcap's or_pullup (walk = 0) and and_pullup (walk = 1) carried to
 * their fixed point in one linear pass: along a chain of `walk` edges
 * whose other edge goes where the head's does, and whose blocks after the
 * head have one predecessor each (so no other path loses a test), the
 * tests regroup by value, the value already in A first. Pulling a test of
 * the value in A up in front of the first test of another value, over and
 * over, ends in the same order.
 */
static bool pullups_walk(struct em *e, int *entry, struct graph *g, int walk)
{
	bool any = false;

	graph_scan(e, *entry, g);
	for (int i = 0; i < g->n; i++) {
		int h = g->order[i], len = 0;

		if (chain_next(e, g, h, walk) || !chain_next(e, g, e->b[h].succ[walk], walk))
			continue;
		for (int x = h; len == 0 || chain_next(e, g, x, walk); x = e->b[x].succ[walk])
			g->chain[len++] = x;
		if (chain_group(e, g, len, g->npred[h] > 0 ? g->pval[h] : -1)) {
			chain_relink(e, g, len, walk);
			any = true;
		}
	}
	if (!any)
		return false;
	/* Predecessors of a moved head, outside its chain, now enter at the new head. */
	for (int i = 0; i < g->n; i++) {
		struct blk *b = &e->b[g->order[i]];

		for (int side = 0; side < 2; side++)
			if (!(g->inner[g->order[i]] & (1 << side)) && !is_term(b->succ[side])
			    && g->redir[b->succ[side]] >= 0)
				b->succ[side] = g->redir[b->succ[side]];
	}
	if (g->redir[*entry] >= 0)
		*entry = g->redir[*entry];
	for (int i = 0; i < g->n; i++) {
		g->redir[g->order[i]] = -1;
		g->inner[g->order[i]] = 0;
	}
	e->work += (uint64_t)g->n;
	return true;
}

static bool pullups(struct em *e, int *entry, struct graph *g)
{
	bool a = pullups_walk(e, entry, g, 0);
	bool b = pullups_walk(e, entry, g, 1);

	return a || b;
}

/* One line naming the filter (its start, for a long one) and what it would take. */
static int too_large(struct fc *c, int n)
{
	size_t len = strlen(c->src);

	return flt_error(c, "filter \"%.48s%s\" (%zu bytes) is too large: at least %d instructions, "
			 "the kernel allows %u; shorten it", c->src, len > 48 ? "..." : "", len, n,
			 FILTER_MAX_INSNS);
}

/*
 * The optimiser stops where its work (blocks visited) passes the budget:
 * every pass leaves a correct graph, so what has been done so far is laid
 * out as it is, less small than it could be but never wrong.
 */
static bool over_budget(const struct em *e)
{
	return e->work >= e->c->work_budget;
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
	for (int round = 0; round < OPT_ROUNDS && changed && !over_budget(e); round++) {
		changed = false;
		for (int pass = 0; pass < OPT_ROUNDS && !over_budget(e) && thread_pass(e, entry, in, &g); pass++)
			changed = true;
		if (is_term(*entry) || over_budget(e))
			break;
		if (g.n > 3 * (int)FILTER_MAX_INSNS) {
			rc = too_large(e->c, g.n);
			break;
		}
		changed |= dedup(e, entry, &g);
		if (!over_budget(e))
			changed |= pullups(e, entry, &g);
	}
	e->c->work = e->work;
	e->c->opt_cut = over_budget(e);
	graph_free(&g);
	free(in);
	return rc;
}

/*
 * Jumps farther than a conditional jump's 8-bit offset reach go through a
 * BPF_JA. Far jumps to a block get one of their own right after the jump;
 * far jumps to the two RETs share pads: a JA to the RET placed between two
 * blocks (nothing falls through into it, every block ends in a jump with
 * both targets), as far ahead as the first jump that needs it can reach,
 * so every later jump in range uses it too.
 */
struct layout {
	int *pos;       /* first instruction of each block */
	int *ain, *xin; /* value in A / X on entry: vid, -1 unknown, -2 no path yet */
	bool *load, *ldx;
	uint8_t *lng;   /* bit 0: false edge needs a JA, bit 1: true edge */
	uint8_t *pads;  /* per order slot: bit 0 a pad to accept after the block, bit 1 to reject */
	int *start;     /* per order slot: first instruction; start[n] = first RET */
	int *jpos;      /* per order slot: the block's conditional jump */
	int *padslot[2]; /* per RET: slots holding a pad to it, ascending */
	int npad[2];
	int acc, rej;   /* positions of the two RETs (-1 when unused) */
	int len;
	int *order, n;  /* reachable blocks, topological order */
};

static int meet_val(int cur, int v)
{
	return cur == -2 ? v : cur == v ? v : -1;
}

static int blk_size(const struct blk *b, const struct layout *L, int bi)
{
	return (L->load[bi] ? (int)b->nbody + (L->ldx[bi] ? 1 : 0) : 0) + 1;
}

/* Reloads: what every path leaves in A and X decides whether a block's statements run. */
static void place_values(struct em *e, int entry, struct layout *L)
{
	for (size_t i = 0; i < e->nb; i++) {
		L->ain[i] = -2;
		L->xin[i] = -2;
	}
	L->ain[entry] = -1;
	L->xin[entry] = -1;
	for (int oi = 0; oi < L->n; oi++) {
		int bi = L->order[oi];
		struct blk *b = &e->b[bi];
		int xout;

		if (L->ain[bi] == -2)
			continue;
		L->load[bi] = L->ain[bi] != b->vid;
		L->ldx[bi] = L->load[bi] && b->xvid >= 0 && L->xin[bi] != b->xvid;
		xout = !L->load[bi] ? L->xin[bi] : b->clobx ? -1 : b->xvid >= 0 ? b->xvid : L->xin[bi];
		for (int side = 0; side < 2; side++) {
			int s = b->succ[side];

			if (!is_term(s)) {
				L->ain[s] = meet_val(L->ain[s], b->vid);
				L->xin[s] = meet_val(L->xin[s], xout);
			}
		}
	}
}

/* Positions of blocks, trampolines, pads and the RETs; returns the program length. */
static int place(struct em *e, struct layout *L)
{
	int p = 0;
	bool acc = false, rej = false;

	for (int oi = 0; oi < L->n; oi++) {
		int bi = L->order[oi];
		struct blk *b = &e->b[bi];

		L->start[oi] = p;
		if (L->ain[bi] == -2)
			continue;
		L->pos[bi] = p;
		p += blk_size(b, L, bi);
		L->jpos[oi] = p - 1;
		p += (L->lng[bi] & 1) + ((L->lng[bi] >> 1) & 1) + (L->pads[oi] & 1) + ((L->pads[oi] >> 1) & 1);
		for (int side = 0; side < 2; side++) {
			acc |= b->succ[side] == BLK_ACCEPT;
			rej |= b->succ[side] == BLK_REJECT;
		}
	}
	L->start[L->n] = p;
	L->acc = acc ? p++ : -1;
	L->rej = rej ? p++ : -1;
	return p;
}

static int target_pos(const struct layout *L, int s)
{
	return s == BLK_ACCEPT ? L->acc : s == BLK_REJECT ? L->rej : L->pos[s];
}

/* Where the pad to RET `t` in slot `oi` sits (accept's pad first). */
static int pad_pos(const struct layout *L, int oi, int t)
{
	int n = (L->pads[oi] & 1) + ((L->pads[oi] >> 1) & 1);

	return L->start[oi + 1] - n + (t == BLK_REJECT && (L->pads[oi] & 1) ? 1 : 0);
}

/* The first slot at or after `oi` with a pad to RET t, -1 if none. */
static int pad_after(const struct layout *L, int t, int oi)
{
	int lo = 0, hi = L->npad[t];

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (L->padslot[t][mid] < oi)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < L->npad[t] ? L->padslot[t][lo] : -1;
}

/*
 * Where edge `side` of the block in slot oi lands: the target, its own
 * trampoline, or a pad; -1 when it cannot reach (a trampoline or pad is
 * missing).
 */
static int edge_pos(const struct em *e, const struct layout *L, int oi, int side)
{
	int bi = L->order[oi], s = e->b[bi].succ[side], j = L->jpos[oi], t, slot;

	if (L->lng[bi] & (1 << side))
		return j + 1 + (side == 0 && (L->lng[bi] & 2) ? 1 : 0);
	t = target_pos(L, s);
	if (t - (j + 1) <= 255)
		return t;
	if (!is_term(s) || (slot = pad_after(L, s, oi)) < 0)
		return -1;
	t = pad_pos(L, slot, s);
	return t - (j + 1) <= 255 ? t : -1;
}

/* A pad to RET t as far ahead as the jump at j reaches (from slot oi on). */
static bool add_pad(struct layout *L, int t, int oi, int j)
{
	int lo = oi, hi = L->n - 1, k;

	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;

		if (L->start[mid + 1] <= j + 256)
			lo = mid;
		else
			hi = mid - 1;
	}
	if (L->pads[lo] & (1 << t))
		return false;
	L->pads[lo] |= (uint8_t)(1 << t);
	k = L->npad[t]++;
	while (k > 0 && L->padslot[t][k - 1] > lo) {
		L->padslot[t][k] = L->padslot[t][k - 1];
		k--;
	}
	L->padslot[t][k] = lo;
	return true;
}

/* Add trampolines and pads for every jump that cannot reach; true when one was added. */
static bool mark_long(struct em *e, struct layout *L)
{
	bool more = false;

	for (int oi = 0; oi < L->n; oi++) {
		int bi = L->order[oi];

		if (L->ain[bi] == -2)
			continue;
		for (int side = 0; side < 2; side++) {
			int s = e->b[bi].succ[side];

			if (edge_pos(e, L, oi, side) >= 0)
				continue;
			if (!is_term(s) || !add_pad(L, s, oi, L->jpos[oi]))
				L->lng[bi] |= (uint8_t)(1 << side);
			more = true;
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
		int j;

		if (L->ain[bi] == -2)
			continue;
		if (L->ldx[bi])
			put(o, &n, BPF_LDX | BPF_B | BPF_MSH, 0, 0, e->c->pool[b->body - 1].k);
		if (L->load[bi])
			for (uint32_t i = 0; i < b->nbody; i++)
				o[n++] = e->c->pool[b->body + i];
		j = n;
		put(o, &n, b->jop, (uint8_t)(edge_pos(e, L, oi, 1) - j - 1),
		    (uint8_t)(edge_pos(e, L, oi, 0) - j - 1), b->k);
		if (L->lng[bi] & 2)
			put(o, &n, BPF_JMP | BPF_JA, 0, 0, (uint32_t)(target_pos(L, b->succ[1]) - n - 1));
		if (L->lng[bi] & 1)
			put(o, &n, BPF_JMP | BPF_JA, 0, 0, (uint32_t)(target_pos(L, b->succ[0]) - n - 1));
		for (int t = BLK_ACCEPT; t <= BLK_REJECT; t++)
			if (L->pads[oi] & (1 << t))
				put(o, &n, BPF_JMP | BPF_JA, 0, 0, (uint32_t)(target_pos(L, t) - n - 1));
	}
	if (L->acc >= 0)
		put(o, &n, BPF_RET | BPF_K, 0, 0, snaplen);
	if (L->rej >= 0)
		put(o, &n, BPF_RET | BPF_K, 0, 0, 0);
}

static void layout_free(struct layout *L)
{
	free(L->pos);
	free(L->ain);
	free(L->xin);
	free(L->load);
	free(L->ldx);
	free(L->lng);
	free(L->pads);
	free(L->start);
	free(L->jpos);
	free(L->padslot[0]);
	free(L->padslot[1]);
	free(L->order);
}

static int layout_alloc(struct layout *L, size_t nb)
{
	memset(L, 0, sizeof *L);
	L->pos = calloc(nb, sizeof *L->pos);
	L->ain = calloc(nb, sizeof *L->ain);
	L->xin = calloc(nb, sizeof *L->xin);
	L->load = calloc(nb, sizeof *L->load);
	L->ldx = calloc(nb, sizeof *L->ldx);
	L->lng = calloc(nb, sizeof *L->lng);
	L->pads = calloc(nb, sizeof *L->pads);
	L->start = calloc(nb + 1, sizeof *L->start);
	L->jpos = calloc(nb, sizeof *L->jpos);
	L->padslot[0] = calloc(nb, sizeof *L->padslot[0]);
	L->padslot[1] = calloc(nb, sizeof *L->padslot[1]);
	L->order = calloc(nb, sizeof *L->order);
	if (!L->pos || !L->ain || !L->xin || !L->load || !L->ldx || !L->lng || !L->pads || !L->start
	    || !L->jpos || !L->padslot[0] || !L->padslot[1] || !L->order) {
		layout_free(L);
		return -1;
	}
	return 0;
}

static int lay_out(struct em *e, int entry, uint32_t snaplen, struct filter_prog *out)
{
	struct layout L;
	size_t nb = e->nb;
	int *stack = calloc(2 * nb + 2, sizeof *stack);
	uint8_t *state = calloc(nb, 1);
	int rc = -1;

	if (!stack || !state || layout_alloc(&L, nb) < 0) {
		free(stack);
		free(state);
		return flt_error(e->c, "out of memory");
	}
	L.n = topo_order(e, entry, L.order, stack, state);
	place_values(e, entry, &L);
	do
		L.len = place(e, &L);
	while (L.len <= (int)FILTER_MAX_INSNS && mark_long(e, &L));
	if (L.len > (int)FILTER_MAX_INSNS) {
		too_large(e->c, L.len);
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
	layout_free(&L);
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
