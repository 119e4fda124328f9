/* SPDX-License-Identifier: BSD-2-Clause */
/* The query report on stderr: files and chunks skipped, bytes scanned, packets written, and how much of the window the files cover. */
#include <inttypes.h>
#include <stdlib.h>

#include "archive_int.h"

/* Uncovered stretches shorter than this are the silence between packets, not a gap. */
#define GAP_MIN_NS 1000000000LL
#define GAPS_SHOWN 10

struct span {
	int64_t a, b; /* [a, b] */
};

static int cmp_span(const void *pa, const void *pb)
{
	const struct span *x = pa, *y = pb;

	return x->a < y->a ? -1 : x->a > y->a;
}

/* What a file covers: its packets' times, widened by its ISB start and end times. */
static bool file_span(const struct arc_file *f, struct span *s)
{
	if (!f->have_range && !f->have_isb)
		return false;
	s->a = f->have_range ? f->first_ns : f->isb_start;
	s->b = f->have_range ? f->last_ns : f->isb_end;
	if (f->have_isb && f->isb_start < s->a)
		s->a = f->isb_start;
	if (f->have_isb && f->isb_end > s->b)
		s->b = f->isb_end;
	return true;
}

static void print_gap(FILE *o, const char *cmd, int64_t a, int64_t b)
{
	char ta[48], tb[48];

	sel_format_time(a, 6, ta, sizeof ta);
	sel_format_time(b, 6, tb, sizeof tb);
	fprintf(o, "pcaprec %s: gap: %s to %s (%.3f s without any file)\n", cmd, ta, tb,
		(double)(b - a) / 1e9);
}

/* Coverage of [w0, w1) by the sorted spans; prints gaps, returns covered ns. */
static int64_t coverage(FILE *o, const char *cmd, const struct span *sp, size_t n, int64_t w0,
			int64_t w1, size_t *ngaps)
{
	int64_t at = w0, covered = 0;

	*ngaps = 0;
	for (size_t i = 0; i <= n && at < w1; i++) {
		int64_t a = i < n ? sp[i].a : w1, b = i < n ? sp[i].b + 1 : w1;

		if (b <= at)
			continue;
		if (a > w1)
			a = w1;
		if (a > at) {
			if (a - at >= GAP_MIN_NS) {
				if (*ngaps < GAPS_SHOWN)
					print_gap(o, cmd, at, a);
				(*ngaps)++;
			} else {
				covered += a - at; /* silence between packets of adjoining files */
			}
			at = a;
		}
		if (i < n) {
			if (b > w1)
				b = w1;
			covered += b - at;
			at = b;
		}
	}
	return covered;
}

void arc_report(const struct extract_opts *o, const struct extract_stats *st,
		const struct arc_file *files, size_t n)
{
	struct span *sp = calloc(n ? n : 1, sizeof *sp);
	size_t ns = 0, ngaps = 0, nin = 0;
	uint64_t drops = 0;
	int64_t w0, w1, covered;
	char t0[48], t1[48];

	fprintf(o->diag, "pcaprec %s: %" PRIu64 " files: %" PRIu64 " skipped thanks to the index, "
		"%" PRIu64 " of %" PRIu64 " chunks skipped, %" PRIu64 " read without an index; "
		"%" PRIu64 " bytes scanned; %" PRIu64 " packets read, %" PRIu64 " written to %s\n",
		o->cmd, st->files, st->files_skipped, st->chunks_skipped, st->chunks, st->files_unindexed,
		st->bytes_scanned, st->packets_read, st->packets_written, o->out_name);
	if (!sp)
		return;
	for (size_t i = 0; i < n; i++)
		if (file_span(&files[i], &sp[ns]))
			ns++;
	qsort(sp, ns, sizeof *sp, cmp_span);
	w0 = o->sel->has_since ? o->sel->since_ns : (ns ? sp[0].a : 0);
	w1 = o->sel->has_until ? o->sel->until_ns : 0;
	for (size_t i = 0; !o->sel->has_until && i < ns; i++)
		if (sp[i].b + 1 > w1)
			w1 = sp[i].b + 1;
	if (w1 <= w0 || (ns == 0 && !(o->sel->has_since && o->sel->has_until))) {
		sel_format_time(w0, 6, t0, sizeof t0);
		if (o->sel->has_until)
			sel_format_time(w1, 6, t1, sizeof t1);
		fprintf(o->diag, "pcaprec %s: window %s to %s: no file on disk reaches into it\n", o->cmd,
			o->sel->has_since || ns ? t0 : "(none)", o->sel->has_until ? t1 : "(open)");
		free(sp);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct span s;

		if (file_span(&files[i], &s) && s.b >= w0 && s.a < w1) {
			drops += files[i].drops;
			nin++;
		}
	}
	covered = coverage(o->diag, o->cmd, sp, ns, w0, w1, &ngaps);
	if (ngaps > GAPS_SHOWN)
		fprintf(o->diag, "pcaprec %s: and %zu more gaps\n", o->cmd, ngaps - GAPS_SHOWN);
	sel_format_time(w0, 6, t0, sizeof t0);
	sel_format_time(w1, 6, t1, sizeof t1);
	fprintf(o->diag, "pcaprec %s: window %s to %s%s: %.1f%% covered by %zu files, %zu gaps; "
		"%" PRIu64 " packets dropped in those files (ISB counters)\n", o->cmd, t0, t1,
		o->sel->has_since || o->sel->has_until ? "" : " (the files' own span)",
		100.0 * (double)covered / (double)(w1 - w0), nin, ngaps, drops);
	free(sp);
}
