/* SPDX-License-Identifier: BSD-2-Clause */
/* extract: the selection's packets from every input, filtered, windowed, merged by time (k-way heap) into one capture. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pcaprec/cli.h"
#include "pcaprec/extract.h"
#include "pcaprec/community_id.h"
#include "pcaprec/filter.h"
#include "pcaprec/flows.h"
#include "pcaprec/plan.h"
#include "pcaprec/reader.h"
#include "pcaprec/util.h"
#include "archive_int.h"

/* One output interface: the writer's view plus the strings it was made from (owned). */
struct out_iface {
	struct writer_iface w;
	char *name, *description, *filter;
};

/* The run: inputs, the heap over inputs with a pending packet, the output and its interfaces. */
struct xrun {
	const struct extract_opts *o;
	struct extract_stats *st;
	struct arc_file *files;
	size_t n;
	size_t *heap, nheap;
	struct filter_cache *fc;
	struct writer *w;
	struct out_iface *oif;
	size_t noif, capoif;
	uint32_t pcap_linktype;      /* pcap output: the one link type it holds */
	struct idx_pred *pred;       /* what the index may rule out (NULL: nothing) */
	size_t nnoindex;             /* files without a usable index */
	int rc;                      /* worst exit code so far */
	bool fatal;                  /* stop: output failed or the filter cannot run */
};

static void worse(struct xrun *x, int rc)
{
	/* 1 (I/O) and 2 (usage) outrank 3 (damage): they say the answer is incomplete for a reason the user can fix. */
	if (x->rc == 0 || (x->rc == 3 && rc != 0))
		x->rc = rc;
}

static bool streq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static char *dup_or_null(const char *s, bool *oom)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*oom = true;
	return d;
}

/* Output interface for a source interface: an identical one already written, or a new one (id in *out). */
static int oif_find_or_add(struct xrun *x, const struct reader_iface *ri, uint32_t *out, bool *added)
{
	struct out_iface *f;
	bool oom = false;

	*added = false;
	for (size_t i = 0; i < x->noif; i++) {
		f = &x->oif[i];
		if (f->w.linktype == ri->linktype && f->w.snaplen == ri->snaplen &&
		    streq(f->name, ri->name) && streq(f->description, ri->description) &&
		    streq(f->filter, ri->filter)) {
			*out = (uint32_t)i;
			return 0;
		}
	}
	if (x->noif == x->capoif) {
		size_t ncap = x->capoif ? x->capoif * 2 : 8;
		struct out_iface *n = realloc(x->oif, ncap * sizeof *n);

		if (!n)
			return -1;
		x->oif = n;
		x->capoif = ncap;
	}
	f = &x->oif[x->noif];
	memset(f, 0, sizeof *f);
	f->name = dup_or_null(ri->name, &oom);
	f->description = dup_or_null(ri->description, &oom);
	f->filter = dup_or_null(ri->filter, &oom);
	if (oom) {
		free(f->name);
		free(f->description);
		free(f->filter);
		return -1;
	}
	f->w.name = f->name;
	f->w.description = f->description;
	f->w.filter = f->filter;
	f->w.linktype = ri->linktype;
	f->w.snaplen = ri->snaplen;
	*out = (uint32_t)x->noif++;
	*added = true;
	return 0;
}

/*
 * The output id of file f's interface `local`, mapping it on first use:
 * interfaces enter the output in the order their first packet is written,
 * so the file does not depend on which inputs the index let us skip.
 * -1 when it cannot be held (reported).
 */
static int map_iface(struct xrun *x, struct arc_file *f, uint32_t local, uint32_t *out)
{
	const struct reader_iface *ri = f->r ? reader_iface(f->r, local) : NULL;
	char err[512];
	bool added;
	int errnum;

	if (local < f->nmap && f->map[local] != UINT32_MAX) {
		*out = f->map[local];
		return 0;
	}
	if (!ri) {
		fprintf(x->o->diag, "pcaprec %s: %s: packet on interface %u, which the file does not describe\n",
			x->o->cmd, f->path, local);
		worse(x, 3);
		return -1;
	}
	if (x->o->format != OUT_PCAPNG) {
		if (x->noif > 0 && ri->linktype != x->pcap_linktype) {
			fprintf(x->o->diag, "pcaprec %s: %s: link type %u (%s) differs from %u (%s) of the packets before; "
				"--format %s holds one link type (use pcapng)\n", x->o->cmd, f->path,
				ri->linktype, linktype_name(ri->linktype) ? linktype_name(ri->linktype) : "unknown",
				x->pcap_linktype, linktype_name(x->pcap_linktype) ? linktype_name(x->pcap_linktype) : "unknown",
				out_format_name(x->o->format));
			worse(x, 2);
			return -1;
		}
		if (x->noif == 0) {
			if (oif_find_or_add(x, ri, out, &added) < 0)
				goto nomem;
			x->pcap_linktype = ri->linktype;
			x->oif[0].w.snaplen = 0; /* 262144, as tcpdump writes: no input's packets are cut */
		}
		*out = 0;
	} else {
		if (oif_find_or_add(x, ri, out, &added) < 0)
			goto nomem;
		if (added && x->w &&
		    writer_add_iface(x->w, &x->oif[*out].w, NULL, &errnum, err, sizeof err) < 0) {
			fprintf(x->o->diag, "pcaprec %s: %s\n", x->o->cmd, err);
			worse(x, 1);
			return -1;
		}
	}
	if (local >= f->nmap) {
		size_t nmap = (size_t)local + 8;
		uint32_t *m = realloc(f->map, nmap * sizeof *m);

		if (!m)
			goto nomem;
		for (size_t i = f->nmap; i < nmap; i++)
			m[i] = UINT32_MAX;
		f->map = m;
		f->nmap = nmap;
	}
	f->map[local] = *out;
	return 0;
nomem:
	fprintf(x->o->diag, "pcaprec %s: out of memory\n", x->o->cmd);
	worse(x, 1);
	return -1;
}

/* 1 keep, 0 drop, -1 the expression cannot run on this frame's link type (reported, fatal). */
static int keep_frame(struct xrun *x, struct arc_file *f, const struct frame *fr)
{
	int m;

	if (!sel_keep_ts(x->o->sel, fr->ts_ns))
		return 0;
	if (x->o->community_id) {
		struct flow_tuple t;
		char cid[COMMUNITY_ID_LEN];

		if (!flow_of_frame(fr, true, &t))
			return 0;
		community_id(t.family, t.proto, t.src, t.dst, t.sport, t.dport, x->o->community_id_seed, cid);
		if (strcmp(cid, x->o->community_id) != 0)
			return 0;
	}
	m = filter_cache_match(x->fc, fr->linktype, fr->data, fr->caplen, fr->origlen);
	if (m < 0) {
		const char *e = filter_cache_error(x->fc);
		int len = (int)strcspn(e, "\n"); /* one line: the compiler's caret lines stay out */

		fprintf(x->o->diag, "pcaprec %s: %s: %.*s\n", x->o->cmd, f->path, len, e);
		worse(x, 2);
		x->fatal = true;
	}
	return m;
}

static bool heap_less(const struct xrun *x, size_t a, size_t b)
{
	uint64_t ta = x->files[a].next.ts_ns, tb = x->files[b].next.ts_ns;

	return ta < tb || (ta == tb && a < b);
}

static void heap_push(struct xrun *x, size_t i)
{
	size_t k = x->nheap++;

	x->heap[k] = i;
	while (k > 0 && heap_less(x, x->heap[k], x->heap[(k - 1) / 2])) {
		size_t p = (k - 1) / 2, t = x->heap[p];

		x->heap[p] = x->heap[k];
		x->heap[k] = t;
		k = p;
	}
}

static size_t heap_pop(struct xrun *x)
{
	size_t top = x->heap[0], k = 0;

	x->heap[0] = x->heap[--x->nheap];
	for (;;) {
		size_t l = 2 * k + 1, m = k, t;

		if (l < x->nheap && heap_less(x, x->heap[l], x->heap[m]))
			m = l;
		if (l + 1 < x->nheap && heap_less(x, x->heap[l + 1], x->heap[m]))
			m = l + 1;
		if (m == k)
			return top;
		t = x->heap[m];
		x->heap[m] = x->heap[k];
		x->heap[k] = t;
		k = m;
	}
}

/* Read file i up to its next kept packet and queue it; at its end or damage the file is done. */
static void advance(struct xrun *x, size_t i)
{
	struct arc_file *f = &x->files[i];
	int rc;

	while (!f->done && !x->fatal) {
		rc = arc_file_next(f, &f->next, x->o->diag, x->o->cmd);
		if (rc < 0) {
			x->st->damaged++;
			worse(x, f->open_failed ? 1 : 3);
		}
		if (rc <= 0) {
			arc_file_release(f);
			return;
		}
		x->st->packets_read++;
		rc = keep_frame(x, f, &f->next);
		if (rc == 1) {
			heap_push(x, i);
			return;
		}
	}
}

/*
 * The writer, with the interfaces mapped so far (the first packet's), or
 * for an answer without packets one Ethernet interface.
 */
static int open_output(struct xrun *x)
{
	struct writer_opts wo = { 0 };
	struct writer_meta meta = { 0 };
	static const struct writer_iface fallback = { NULL, NULL, NULL, LINKTYPE_ETHERNET, 0, NULL, 0 };
	struct writer_iface *arr;
	char err[512];

	meta.comment = x->o->comment;
	meta.userappl = "pcaprec " PCAPREC_VERSION;
	wo.format = x->o->format;
	wo.gzip_level = x->o->gzip_level;
	wo.zstd_level = x->o->zstd_level;
	wo.buffer_size = 1u << 20;
	wo.meta = x->o->format == OUT_PCAPNG ? &meta : NULL;
	wo.nifaces = x->noif ? x->noif : 1;
	arr = calloc(wo.nifaces, sizeof *arr);
	if (!arr) {
		fprintf(x->o->diag, "pcaprec %s: out of memory\n", x->o->cmd);
		return -1;
	}
	for (size_t i = 0; i < wo.nifaces; i++)
		arr[i] = x->noif ? x->oif[i].w : fallback;
	wo.ifaces = arr;
	x->w = writer_open(x->o->out_fd, x->o->out_name, &wo, err, sizeof err);
	free(arr);
	if (!x->w) {
		fprintf(x->o->diag, "pcaprec %s: %s\n", x->o->cmd, err);
		return -1;
	}
	return 0;
}

/* Write the frame at the top of the heap; -1 when the output failed. */
static int emit(struct xrun *x, size_t i)
{
	struct arc_file *f = &x->files[i];
	struct frame fr = f->next;
	char err[512];
	int errnum;
	uint32_t id;

	if (map_iface(x, f, fr.iface, &id) < 0) {
		x->fatal = true;
		return -1;
	}
	if (!x->w && open_output(x) < 0) {
		worse(x, 1);
		x->fatal = true;
		return -1;
	}
	fr.iface = id;
	if (writer_write(x->w, &fr, &errnum, err, sizeof err) < 0) {
		fprintf(x->o->diag, "pcaprec %s: %s\n", x->o->cmd, err);
		worse(x, 1);
		x->fatal = true;
		return -1;
	}
	x->st->packets_written++;
	return 0;
}

static void run_free(struct xrun *x)
{
	for (size_t i = 0; i < x->n; i++)
		arc_file_close(&x->files[i]);
	free(x->files);
	free(x->heap);
	for (size_t i = 0; i < x->noif; i++) {
		free(x->oif[i].name);
		free(x->oif[i].description);
		free(x->oif[i].filter);
	}
	free(x->oif);
	filter_cache_close(x->fc);
	idx_pred_free(x->pred);
}

static int run_setup(struct xrun *x, const struct extract_opts *o)
{
	struct filter_opts fo = { 0 };
	char err[1024];

	x->n = o->sel->npaths;
	x->files = calloc(x->n ? x->n : 1, sizeof *x->files);
	x->heap = calloc(x->n ? x->n : 1, sizeof *x->heap);
	if (!x->files || !x->heap) {
		fprintf(o->diag, "pcaprec %s: out of memory\n", o->cmd);
		return 1;
	}
	fo.expr = o->sel->expr;
	x->fc = filter_cache_open(&fo, 262144, err, sizeof err);
	if (!x->fc) {
		fprintf(o->diag, "pcaprec %s: %s\n", o->cmd, err);
		return 2;
	}
	for (size_t i = 0; i < x->n; i++)
		arc_file_init(&x->files[i], o->sel->paths[i]);
	if (o->use_index)
		x->pred = plan_pred(o->sel->expr);
	return 0;
}

/*
 * Can the file's flow table hold the flow with Community ID `cid`? Yes when
 * the table is incomplete or has an ICMP flow (the index keeps no ICMP
 * type, so its ID is unknown), or a flow with that ID.
 */
static bool flow_table_may_hold(const struct pidx *ix, const char *cid, uint16_t seed)
{
	char id[COMMUNITY_ID_LEN];

	if (!pidx_flows_complete(ix))
		return true;
	for (size_t i = 0; i < pidx_nflows(ix); i++) {
		const struct pidx_flow *fl = pidx_flow(ix, i);

		if (fl->proto == 1 || fl->proto == 58)
			return true;
		if (strcmp(community_id(fl->family, fl->proto, fl->src, fl->dst, fl->sport, fl->dport, seed, id),
			   cid) == 0)
			return true;
	}
	return false;
}

/*
 * Load file i's index; for an indexed file also compile the expression for
 * each link type the index lists now, so that an expression that cannot run
 * on the file fails whether or not the index lets its chunks be skipped.
 */
static void plan_file(struct xrun *x, size_t i)
{
	struct arc_file *f = &x->files[i];
	static const uint8_t none[1];

	enum pidx_status st = arc_file_plan(f, x->o->sel, x->pred, x->o->use_index, x->o->diag, x->o->cmd);

	if (st == PIDX_NONE && x->o->use_index && strcmp(f->path, "-") != 0)
		x->nnoindex++;
	if (st != PIDX_OK)
		return;
	if (x->o->community_id) {
		char why[512];

		if (pidx_flows_load(f->ix, why, sizeof why) != PIDX_OK)
			fprintf(x->o->diag, "pcaprec %s: %s: flow table of the index not used, reading the file: %s\n",
				x->o->cmd, f->path, why);
		else if (!flow_table_may_hold(f->ix, x->o->community_id, x->o->community_id_seed))
			arc_file_skip(f);
	}
	for (size_t k = 0; k < pidx_nifaces(f->ix) && !x->fatal; k++) {
		const struct pidx_iface *pi = pidx_iface(f->ix, k);

		if (pi->packets && filter_cache_match(x->fc, pi->linktype, none, 0, 0) < 0) {
			const char *e = filter_cache_error(x->fc);

			fprintf(x->o->diag, "pcaprec %s: %s: %.*s\n", x->o->cmd, f->path, (int)strcspn(e, "\n"), e);
			worse(x, 2);
			x->fatal = true;
		}
	}
}

int extract_run(const struct extract_opts *o, struct extract_stats *st)
{
	struct xrun x = { 0 };
	char err[512];
	int errnum, rc;

	memset(st, 0, sizeof *st);
	x.o = o;
	x.st = st;
	rc = run_setup(&x, o);
	if (rc != 0) {
		run_free(&x);
		return rc;
	}
	st->files = x.n;
	for (size_t i = 0; i < x.n && !x.fatal; i++)
		plan_file(&x, i);
	if (x.nnoindex > 0 && o->use_index && !o->quiet)
		fprintf(o->diag, "pcaprec %s: %zu of %zu files have no index and are scanned whole "
			"(pcaprec index PATH builds them)\n", o->cmd, x.nnoindex, x.n);
	for (size_t i = 0; i < x.n && !x.fatal; i++)
		advance(&x, i);
	while (!x.fatal && x.nheap > 0 && (o->count == 0 || st->packets_written < o->count)) {
		size_t i = heap_pop(&x);

		if (emit(&x, i) < 0)
			break;
		advance(&x, i);
	}
	if (!x.w && !x.fatal && open_output(&x) < 0)
		worse(&x, 1);
	if (x.w && writer_close(x.w, &errnum, err, sizeof err) < 0) {
		fprintf(o->diag, "pcaprec %s: %s\n", o->cmd, err);
		worse(&x, 1);
	}
	for (size_t i = 0; i < x.n; i++)
		arc_file_account(&x.files[i], st);
	if (!o->quiet && x.w)
		arc_report(o, st, x.files, x.n);
	run_free(&x);
	return x.rc;
}
