/* SPDX-License-Identifier: BSD-2-Clause */
/* One input file of a query: opened lazily, read to its end or damage, its time range and ISB drops kept for the report. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive_int.h"

void arc_file_init(struct arc_file *f, const char *path)
{
	memset(f, 0, sizeof *f);
	f->path = path;
}

/* One interface's ISB counters: drops add up, start and end times widen what the file covers. */
static void see_isb(struct arc_file *f, uint32_t have, uint64_t start, uint64_t end, uint64_t ifdrop,
		    uint64_t osdrop)
{
	if (have & READER_STAT_IFDROP)
		f->drops += ifdrop;
	if (have & READER_STAT_OSDROP)
		f->drops += osdrop;
	if ((have & READER_STAT_STARTTIME) && start <= INT64_MAX &&
	    (!f->have_isb || (int64_t)start < f->isb_start)) {
		f->isb_start = (int64_t)start;
		if (!f->have_isb)
			f->isb_end = f->isb_start;
		f->have_isb = true;
	}
	if ((have & READER_STAT_ENDTIME) && end <= INT64_MAX && (!f->have_isb || (int64_t)end > f->isb_end)) {
		f->isb_end = (int64_t)end;
		if (!f->have_isb)
			f->isb_start = f->isb_end;
		f->have_isb = true;
	}
}

enum pidx_status arc_file_plan(struct arc_file *f, const struct selection *sel, const struct idx_pred *pred,
			       bool use_index, FILE *diag, const char *cmd)
{
	struct pidx_info info;
	enum pidx_status st;
	char why[512];

	f->sel = sel;
	f->pred = pred;
	if (!use_index || strcmp(f->path, "-") == 0)
		return PIDX_NONE;
	st = pidx_load(f->path, &f->ix, why, sizeof why);
	if (st == PIDX_STALE || st == PIDX_BAD) {
		fprintf(diag, "pcaprec %s: %s: index not used, scanning the file: %s\n", cmd, f->path, why);
		return st;
	}
	if (st != PIDX_OK)
		return st;
	pidx_get_info(f->ix, &info);
	if (info.damaged) {
		pidx_free(f->ix);
		f->ix = NULL;
		return PIDX_NONE;
	}
	f->indexed = true;
	f->chunks = pidx_nchunks(f->ix);
	if (info.packets) {
		f->have_range = true;
		f->first_ns = info.first_ns;
		f->last_ns = info.last_ns;
	}
	for (size_t i = 0; i < pidx_nifaces(f->ix); i++) {
		const struct pidx_iface *pi = pidx_iface(f->ix, i);

		see_isb(f, pi->stats_have, pi->starttime_ns, pi->endtime_ns, pi->ifdrop, pi->osdrop);
	}
	return PIDX_OK;
}

void arc_file_skip(struct arc_file *f)
{
	f->chunks_skipped += pidx_nchunks(f->ix) - f->ci;
	f->ci = pidx_nchunks(f->ix);
}

/* May chunk i hold an answer: its time range meets the window and the predicate does not rule it out. */
static bool chunk_candidate(const struct arc_file *f, size_t i)
{
	const struct pidx_chunk *c = pidx_chunk(f->ix, i);

	return c && c->packets > 0 && sel_range_overlaps(f->sel, c->first_ns, c->last_ns) &&
	       pidx_chunk_may_match(f->ix, i, f->pred);
}

/* Open a reader at the next run of candidate chunks; 0 when none is left, -1 on failure (reported). */
static int next_run(struct arc_file *f, FILE *diag, const char *cmd)
{
	size_t n = pidx_nchunks(f->ix), start;
	const struct pidx_chunk *c;
	char err[1024];

	while (f->ci < n && !chunk_candidate(f, f->ci)) {
		f->chunks_skipped++;
		f->ci++;
	}
	if (f->ci >= n)
		return 0;
	start = f->ci;
	c = pidx_chunk(f->ix, f->ci++);
	f->run_start = c->raw_off;
	f->run_end = c->raw_off + c->raw_len;
	/* following candidates are read on by the same reader (what lies between is interface and section blocks) */
	while (f->ci < n && chunk_candidate(f, f->ci)) {
		c = pidx_chunk(f->ix, f->ci++);
		f->run_end = c->raw_off + c->raw_len;
	}
	f->r = reader_open_chunk(f->path, f->ix, start, err, sizeof err);
	if (!f->r) {
		fprintf(diag, "pcaprec %s: %s\n", cmd, err);
		return -1;
	}
	f->opened = true;
	return 1;
}

/* arc_file_next over an index: frames of the candidate chunks only. */
static int next_indexed(struct arc_file *f, struct frame *out, FILE *diag, const char *cmd)
{
	for (;;) {
		int rc;

		if (!f->r) {
			rc = next_run(f, diag, cmd);
			if (rc <= 0) {
				f->done = true;
				return rc;
			}
		}
		rc = reader_next(f->r, out);
		if (rc == 1 && reader_offset(f->r) < f->run_end)
			return 1;
		if (rc < 0) {
			fprintf(diag, "pcaprec %s: %s\n", cmd, reader_error(f->r));
			f->done = true;
		}
		f->bytes += f->run_end - f->run_start;
		reader_close(f->r);
		f->r = NULL;
		if (rc < 0)
			return -1;
	}
}

static void see_time(struct arc_file *f, int64_t t)
{
	if (!f->have_range) {
		f->first_ns = f->last_ns = t;
		f->have_range = true;
		return;
	}
	if (t < f->first_ns)
		f->first_ns = t;
	if (t > f->last_ns)
		f->last_ns = t;
}

/* At the end of a file: what its ISBs say (start/end times, drops), and the bytes read. */
static void finish(struct arc_file *f)
{
	f->done = true;
	if (!f->r)
		return;
	f->bytes = reader_bytes(f->r);
	f->drops = 0;
	for (size_t i = 0; i < reader_iface_count(f->r); i++) {
		const struct reader_iface *ri = reader_iface(f->r, i);

		see_isb(f, ri->stats_have, ri->starttime_ns, ri->endtime_ns, ri->ifdrop, ri->osdrop);
	}
}

int arc_file_next(struct arc_file *f, struct frame *out, FILE *diag, const char *cmd)
{
	char err[1024];
	int rc;

	if (f->done)
		return 0;
	if (f->ix)
		return next_indexed(f, out, diag, cmd);
	if (!f->opened) {
		f->opened = true;
		f->r = reader_open(f->path, err, sizeof err);
		if (!f->r) {
			struct stat st;

			fprintf(diag, "pcaprec %s: %s\n", cmd, err);
			/* Could not be opened at all (1), as opposed to opened but not a capture (3). */
			f->open_failed = strcmp(f->path, "-") != 0 &&
					 (stat(f->path, &st) != 0 || S_ISDIR(st.st_mode) || access(f->path, R_OK) != 0);
			f->done = true;
			return -1;
		}
	}
	rc = reader_next(f->r, out);
	if (rc == 1) {
		see_time(f, out->ts_ns > INT64_MAX ? INT64_MAX : (int64_t)out->ts_ns);
		return 1;
	}
	if (rc < 0)
		fprintf(diag, "pcaprec %s: %s\n", cmd, reader_error(f->r));
	finish(f);
	return rc < 0 ? -1 : 0;
}

void arc_file_release(struct arc_file *f)
{
	if (f->r && f->done && !f->ix) {
		reader_close(f->r);
		f->r = NULL;
		f->released = true;
	}
}

void arc_file_close(struct arc_file *f)
{
	reader_close(f->r);
	f->r = NULL;
	pidx_free(f->ix);
	f->ix = NULL;
	free(f->map);
	f->map = NULL;
	f->nmap = 0;
}

void arc_file_account(const struct arc_file *f, struct extract_stats *st)
{
	if (f->opened && !f->indexed)
		st->files_unindexed++;
	if (f->indexed) {
		st->chunks += f->chunks;
		st->chunks_skipped += f->chunks_skipped + (f->ci < f->chunks ? f->chunks - f->ci : 0);
		if (!f->opened)
			st->files_skipped++;
		st->bytes_scanned += f->bytes;
		return;
	}
	st->bytes_scanned += f->r ? reader_bytes(f->r) : f->bytes;
}
