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

void arc_file_plan(struct arc_file *f, const struct selection *sel, bool use_index, FILE *diag,
		   const char *cmd)
{
	(void)f;
	(void)sel;
	(void)use_index;
	(void)diag;
	(void)cmd;
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

		if (ri->stats_have & READER_STAT_IFDROP)
			f->drops += ri->ifdrop;
		if (ri->stats_have & READER_STAT_OSDROP)
			f->drops += ri->osdrop;
		if ((ri->stats_have & READER_STAT_STARTTIME) && ri->starttime_ns <= INT64_MAX &&
		    (!f->have_isb || (int64_t)ri->starttime_ns < f->isb_start)) {
			f->isb_start = (int64_t)ri->starttime_ns;
			if (!f->have_isb)
				f->isb_end = f->isb_start;
			f->have_isb = true;
		}
		if ((ri->stats_have & READER_STAT_ENDTIME) && ri->endtime_ns <= INT64_MAX &&
		    (!f->have_isb || (int64_t)ri->endtime_ns > f->isb_end)) {
			f->isb_end = (int64_t)ri->endtime_ns;
			if (!f->have_isb)
				f->isb_start = f->isb_end;
			f->have_isb = true;
		}
	}
}

int arc_file_next(struct arc_file *f, struct frame *out, FILE *diag, const char *cmd)
{
	char err[1024];
	int rc;

	if (f->done)
		return 0;
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
	if (f->r && f->done) {
		reader_close(f->r);
		f->r = NULL;
		f->released = true;
	}
}

void arc_file_close(struct arc_file *f)
{
	reader_close(f->r);
	f->r = NULL;
	free(f->map);
	f->map = NULL;
	f->nmap = 0;
}

void arc_file_account(const struct arc_file *f, struct extract_stats *st)
{
	if (f->opened && !f->indexed)
		st->files_unindexed++;
	st->bytes_scanned += f->r ? reader_bytes(f->r) : f->bytes;
}
