/* SPDX-License-Identifier: BSD-2-Clause */
/* The output object: one file at a time through the writer, rotated by the policy, published atomically. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "pcaprec/index.h"
#include "pcaprec/out_sync.h"
#include "pcaprec/output.h"
#include "pcaprec/service.h"
#include "pcaprec/util.h"

#define NS_PER_S 1000000000ull

/*
 * Room kept free under -C for the Interface Statistics Block written at
 * close, per interface: block header 28 + five 8-byte options with their
 * 4-byte headers 60 + end of options 4 + trailer 4 = 96, rounded up.
 */
#define ISB_RESERVE 128

struct output {
	struct output_config cfg;  /* copy; strings stay the caller's */
	struct writer_opts wopts;
	char *dirpath;             /* "" or "DIR/", for messages, hooks and --print-closed */
	char *tmpl;                /* basename template, ".gz" or ".zst" taken off */
	const char *suffix;        /* ".gz", ".zst" or NULL */
	bool numbered, has_seq;
	bool to_stdout;            /* a stream (-w -, a character device, a FIFO): no names, no rotation */
	bool own_fd;               /* fd was opened here (a device or FIFO), closed at free */
	const char *stream_name;   /* "standard output" or the device's path, for messages */
	int dirfd;
	struct rot_matcher *match;  /* the template's names: ring, leftovers, %n */
	uid_t owner;               /* files of this uid are ours */
	struct out_ring ring;
	struct hook_runner *hooks;
	uint64_t seq;              /* next %n */

	uint64_t period_start, deadline;   /* -G period; deadline 0 without -G */

	struct pidx_builder *ix;   /* the index of the file in progress; NULL with --no-index, -w -, zstd */
	bool ix_failed;            /* this file's index cannot be trusted: rebuilt from the file when published */

	struct writer *w;          /* file in progress, or NULL */
	int fd;
	char name[NAME_MAX + 1], part[NAME_MAX + 1];
	uint64_t f_packets, f_drops, f_first_ts, f_last_ts, last_flush;

	size_t nif;
	struct iface_stats *snap, *cum;    /* loop counters when the previous file ended */
	uint64_t *own_drops, *own_snap;    /* our drops per interface, same idea */
	uint64_t *f_deliv;                 /* frames written to the file in progress, per interface */
	uint64_t stats_since;

	struct out_sync *sync;     /* finishes closed files; started at the first close (after -Z) */
	bool sync_tried;
	bool publish_failed;       /* a file finished since the last output_close check was not published */

	struct hook_file *left;    /* leftovers published at open, announced at the first tick */
	size_t nleft;

	bool blocked;              /* not writing until a retry succeeds */
	bool blocked_space;        /* ... because of --min-free */
	int last_errno;
	uint64_t next_check;
	uint64_t packets, bytes, drops, files;
	char last_err[512];        /* the message that stopped writing last */
	char *open_err;            /* during output_open: where block() puts its message */
	size_t open_errlen;
};

#define LOG(o, ...) out_log((o)->cfg.log, (o)->cfg.log_ctx, __VA_ARGS__)

static bool exists_at(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
}

/* Pick a free NAME (neither NAME nor NAME.part exists) for time t into o->name/o->part. */
static int choose_name(struct output *o, uint64_t t, unsigned collision, char *err, size_t errlen)
{
	for (unsigned tries = 0; tries < 100000; tries++) {
		struct rot_name n = { o->tmpl, t, o->cfg.rot.utc, o->seq, o->cfg.ifnames,
				      o->numbered, collision, o->suffix };

		if (rot_format_name(&n, o->name, sizeof o->name - 5, err, errlen) != 0)
			return -1;
		/* name is at most NAME_MAX - 5 bytes, so NAME.part fits */
		memcpy(o->part, o->name, strlen(o->name));
		memcpy(o->part + strlen(o->name), ".part", 6);
		if (!exists_at(o->dirfd, o->name) && !exists_at(o->dirfd, o->part))
			return 0;
		if (o->numbered || o->has_seq)
			o->seq++;
		else
			collision++;
	}
	return errf(err, errlen, "no free file name for template %s%s", o->dirpath, o->tmpl);
}

static bool space_low(struct output *o)
{
	struct statvfs sv;

	if (!o->cfg.min_free || fstatvfs(o->dirfd, &sv) != 0)
		return false;
	return (uint64_t)sv.f_bavail * sv.f_frsize < o->cfg.min_free;
}

/* --min-free: delete oldest finished files until there is room; false if there is none. */
static bool make_room(struct output *o)
{
	while (space_low(o))
		if (!out_ring_drop_oldest(&o->ring, o->dirfd, o->dirpath, o->cfg.log, o->cfg.log_ctx))
			return false;
	return true;
}

/* Enter the blocked state, logging only when the cause changes. */
static void block(struct output *o, int errnum, const char *msg, uint64_t now)
{
	snprintf(o->last_err, sizeof o->last_err, "%s", msg);
	if (o->open_err)
		errf(o->open_err, o->open_errlen, "%s", msg);
	else if (!o->blocked || errnum != o->last_errno)
		out_logp(o->cfg.log, o->cfg.log_ctx, SVC_ERR, "%s; not writing, counting dropped packets", msg);
	o->blocked = true;
	o->last_errno = errnum;
	o->next_check = now + NS_PER_S;
}

static int create_part(struct output *o, char *err, size_t errlen)
{
	mode_t mode = o->cfg.mode ? o->cfg.mode : 0640;
	int fd;

	/* read too: the index fingerprints the file's first and last bytes when it ends */
	fd = openat(o->dirfd, o->part, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return errf(err, errlen, "cannot create %s%s: %s", o->dirpath, o->part, strerror(errno));
	/* Held while writing: tells a restarted recorder this .part is not a leftover. */
	(void)flock(fd, LOCK_EX | LOCK_NB);
	if (fchmod(fd, mode) != 0 ||
	    (o->cfg.gid != (gid_t)-1 && fchown(fd, (uid_t)-1, o->cfg.gid) != 0)) {
		errf(err, errlen, "cannot set mode/group of %s%s: %s", o->dirpath, o->part, strerror(errno));
		close(fd);
		unlinkat(o->dirfd, o->part, 0);
		return -1;
	}
	return fd;
}

/*
 * The index is fed as the file is written: its header as the first state
 * block, each accepted record at its raw offset, each compressed member's
 * start (its file offset follows when the writer reports the member).
 */
/* gzip or zstd: the index's chunks are the compressed members. */
static bool out_compressed(const struct output *o)
{
	return o->wopts.gzip_level > 0 || o->wopts.zstd_level > 0;
}

static void index_start(struct output *o)
{
	const uint8_t *p;
	size_t n;

	if (!o->ix)
		return;
	pidx_builder_reset(o->ix);
	pidx_builder_format(o->ix, o->wopts.format == OUT_PCAPNG ? "pcapng" :
			    o->wopts.format == OUT_PCAP_NS ? "pcap-ns" : "pcap", out_compressed(o));
	o->ix_failed = !writer_header(o->w, &p, &n) || pidx_builder_state(o->ix, 0, p, n) != 0;
}

static void index_frame(struct output *o, const struct frame *f, uint64_t off)
{
	uint64_t end = writer_bytes(o->w);
	struct frame g = *f;

	if (out_compressed(o) && off > 0 && writer_member_start(o->w) == off)
		pidx_builder_member_raw(o->ix, off);
	/* the time as the file holds it: microsecond pcap drops the rest */
	if (o->wopts.format == OUT_PCAP_US)
		g.ts_ns -= g.ts_ns % 1000u;
	pidx_builder_add(o->ix, &g, off, (uint32_t)(end - off));
}

static void index_member(void *ctx, const struct writer_member *m)
{
	struct output *o = ctx;

	if (o->ix)
		pidx_builder_member_file(o->ix, m->raw_off, m->file_off);
}

/* The finished file's sidecar for the job (written and renamed with the file), or a rebuild from the file. */
static void index_finish(struct output *o, struct out_sync_job *j)
{
	char err[512];

	if (!o->ix)
		return;
	j->index = true;
	if (o->ix_failed || pidx_builder_serialize_fd(o->ix, o->fd, o->part, &j->pidx, &j->pidx_len,
						       err, sizeof err) != 0) {
		j->pidx = NULL;   /* out_sync builds it by reading the published file */
		j->pidx_len = 0;
	}
}

/* Start a new file named for time t. 0, or -1 with the output blocked. */
static int file_open(struct output *o, uint64_t t, uint64_t now)
{
	char err[512], path[PATH_MAX];
	int errnum = 0;

	if (!make_room(o)) {
		o->blocked_space = true;
		block(o, ENOSPC, "free space is below --min-free and no finished file is left to delete", now);
		return -1;
	}
	if (choose_name(o, t, 0, err, sizeof err) != 0 || (o->fd = create_part(o, err, sizeof err)) < 0) {
		block(o, errno, err, now);
		return -1;
	}
	snprintf(path, sizeof path, "%s%s", o->dirpath, o->part);
	o->w = writer_open(o->fd, path, &o->wopts, err, sizeof err);
	if (o->w)
		index_start(o);
	if (o->w && writer_flush(o->w, false, &errnum, err, sizeof err) != 0) {
		writer_close(o->w, &errnum, NULL, 0);
		o->w = NULL;
	}
	if (!o->w) {
		close(o->fd);
		o->fd = -1;
		unlinkat(o->dirfd, o->part, 0);
		block(o, errnum ? errnum : EIO, err, now);
		return -1;
	}
	if (o->numbered || o->has_seq)
		o->seq++;
	o->f_packets = o->f_drops = o->f_first_ts = o->f_last_ts = 0;
	memset(o->f_deliv, 0, o->nif * sizeof o->f_deliv[0]);
	o->last_flush = now;
	return 0;
}

/*
 * Interface Statistics Blocks for the file ending now (pcapng; the writer
 * skips pcap): the counters since the previous file ended, so the blocks of
 * all files add up to the run's totals. The values written become the next
 * file's starting point, with no second look at the counters, so a frame
 * counted between two files is in exactly one of them.
 */
static void write_isbs(struct output *o, uint64_t now)
{
	char err[512];
	int errnum;

	if (!o->cfg.stats)
		return;
	memset(o->cum, 0, o->nif * sizeof o->cum[0]);
	o->cfg.stats(o->cfg.stats_ctx, o->cum, o->nif);
	for (size_t i = 0; i < o->nif; i++) {
		const struct writer_iface *wi = o->wopts.ifaces && i < o->wopts.nifaces ?
						&o->wopts.ifaces[i] : NULL;
		struct iface_stats st = {
			.start_ns = o->stats_since,
			.end_ns = now,
			.ifrecv = o->cum[i].ifrecv - o->snap[i].ifrecv,
			.filtered = wi && wi->filter && *wi->filter,
			.ifdrop = o->cum[i].ifdrop - o->snap[i].ifdrop,
			.osdrop = o->cum[i].osdrop - o->snap[i].osdrop + o->own_drops[i] - o->own_snap[i],
			.usrdeliv = o->f_deliv[i],
		};
		if (writer_write_stats(o->w, (uint32_t)i, &st, &errnum, err, sizeof err) != 0) {
			if (!o->blocked)
				LOG(o, "%s", err);
			break;
		}
		if (o->ix && o->wopts.format == OUT_PCAPNG) {
			struct pidx_iface pi = {
				.stats_have = READER_STAT_STARTTIME | READER_STAT_ENDTIME | READER_STAT_IFRECV |
					      READER_STAT_IFDROP | READER_STAT_OSDROP,
				.starttime_ns = st.start_ns, .endtime_ns = st.end_ns, .ifrecv = st.ifrecv,
				.ifdrop = st.ifdrop, .osdrop = st.osdrop,
			};

			pidx_builder_iface(o->ix, (uint32_t)i, &pi);
		}
	}
	memcpy(o->snap, o->cum, o->nif * sizeof o->snap[0]);
	memcpy(o->own_snap, o->own_drops, o->nif * sizeof o->own_snap[0]);
	o->stats_since = now;
}

/* What a published file is announced with: hook variables, --print-closed. */
static void announce(struct output *o, const struct out_sync_job *j)
{
	char path[PATH_MAX];
	struct hook_file hf = { 0 };

	snprintf(path, sizeof path, "%s%s", o->dirpath, j->name);
	hf.path = path;
	hf.packets = j->packets;
	hf.bytes = j->size;
	hf.first_ts_ns = j->first_ts_ns;
	hf.last_ts_ns = j->last_ts_ns;
	hf.drops = j->drops;
	/* the journal gets a line per file; a terminal keeps today's quiet output */
	if (!o->cfg.log && svc_stderr_is_journal())
		svc_log(SVC_INFO, "pcaprec: published %s: %llu packets, %llu bytes, %llu dropped", path,
			(unsigned long long)hf.packets, (unsigned long long)hf.bytes,
			(unsigned long long)hf.drops);
	out_announce(o->cfg.print_closed, o->hooks, &hf);
}

/* A file is durable and has its name: count it, announce it, apply -W/--max-total. */
static void published(struct output *o, const struct out_sync_job *j)
{
	if (j->published != 0) {
		o->publish_failed = true;
		return;
	}
	o->files++;
	if (out_ring_push(&o->ring, j->name, j->size, (int64_t)j->closed_ns) != 0)
		LOG(o, "out of memory tracking %s%s", o->dirpath, j->name);
	announce(o, j);
	out_ring_enforce(&o->ring, o->dirfd, o->dirpath, o->cfg.keep, o->cfg.max_total,
			 o->cfg.log, o->cfg.log_ctx);
}

/* Collect the files the finishing thread is done with, in the order they were closed. */
static void reap_published(struct output *o)
{
	struct out_sync_job j;

	while (out_sync_reap(o->sync, &j))
		published(o, &j);
}

/*
 * Hand the closed file (every byte written, not yet fsynced) to the
 * finishing thread: fsync, close, rename NAME.part to NAME (never replacing
 * a file: "-N" before the extension if NAME appeared meanwhile), directory
 * fsync. Without the thread this happens here, at once.
 */
static void hand_over(struct output *o, uint64_t now)
{
	struct out_sync_job j, done;

	memset(&j, 0, sizeof j);
	j.fd = o->fd;
	memcpy(j.part, o->part, sizeof j.part);
	memcpy(j.name, o->name, sizeof j.name);
	j.ext_len = strlen(o->tmpl) - rot_ext_offset(o->tmpl) + (o->suffix ? strlen(o->suffix) : 0);
	j.packets = o->f_packets;
	j.drops = o->f_drops;
	j.first_ts_ns = o->f_first_ts;
	j.last_ts_ns = o->f_last_ts;
	j.closed_ns = now;
	j.mode = o->cfg.mode ? o->cfg.mode : 0640;
	j.gid = o->cfg.gid;
	index_finish(o, &j);
	o->fd = -1;
	if (!o->sync && !o->sync_tried) {
		o->sync_tried = true;
		o->sync = out_sync_open(o->dirfd, o->dirpath, o->cfg.log, o->cfg.log_ctx);
	}
	if (out_sync_submit(o->sync, &j, o->dirfd, o->dirpath, o->cfg.log, o->cfg.log_ctx, &done)) {
		reap_published(o);
		published(o, &done);
	}
}

static bool in_ring(const struct out_ring *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].name, name) == 0)
			return true;
	return false;
}

/*
 * Leftovers published by out_ring_scan and not deleted at once by the
 * budget: count their packets with our reader now, announce them at the
 * first tick (after a -Z privilege drop, like every other hook).
 */
static void leftovers_prepare(struct output *o, const struct out_ring *pub)
{
	char err[512];

	o->left = pub->n ? calloc(pub->n, sizeof *o->left) : NULL;
	for (size_t i = 0; o->left && i < pub->n; i++) {
		struct hook_file *hf = &o->left[o->nleft];
		char *path = NULL;

		if (!in_ring(&o->ring, pub->v[i].name))
			continue;
		if (asprintf(&path, "%s%s", o->dirpath, pub->v[i].name) < 0)
			break;
		hf->path = path;
		hf->bytes = pub->v[i].size;
		hf->leftover = true;
		if (out_file_count(path, hf, err, sizeof err) != 0)
			LOG(o, "leftover %s: %s; announced with the %llu packets before that", path, err,
			    (unsigned long long)hf->packets);
		if (o->ix)
			out_index_file(path, o->cfg.log, o->cfg.log_ctx);
		o->nleft++;
	}
	if (pub->n && !o->left)
		LOG(o, "out of memory: leftovers published but not announced");
}

static void leftovers_announce(struct output *o)
{
	for (size_t i = 0; i < o->nleft; i++) {
		out_announce(o->cfg.print_closed, o->hooks, &o->left[i]);
		free((char *)o->left[i].path);
	}
	free(o->left);
	o->left = NULL;
	o->nleft = 0;
}

/*
 * End the file in progress: ISBs, every byte to the kernel, then hand it
 * over for fsync, rename, directory fsync (hook and budget follow when it
 * is published). -1 when standard output lost frames at close; a file
 * keeps what reached it whole and is published (its losses are drops).
 */
static int file_close(struct output *o, uint64_t now)
{
	char err[512];
	uint64_t pending;
	int errnum = 0, rc = 0;

	if (!o->w)
		return 0;
	write_isbs(o, now);
	if (o->ix)
		pidx_builder_end(o->ix, writer_bytes(o->w), false);
	o->bytes += writer_bytes(o->w);
	if (o->to_stdout) {
		rc = writer_close_lost(o->w, &pending, &errnum, err, sizeof err);
		if (rc != 0) {
			LOG(o, "%s", err);
			o->drops += pending;
			o->packets -= pending;
		}
		o->w = NULL;
		return rc;
	}
	if (writer_finish(o->w, false, &pending, &errnum, err, sizeof err) != 0) {
		/* The file keeps what reached the disk whole; what was held is lost. */
		LOG(o, "%s", err);
		o->ix_failed = o->ix_failed || pending > 0;
		o->drops += pending;
		o->f_drops += pending;
		o->packets -= pending;
		o->f_packets -= pending;
		/* the file still ends on a whole record (compressed: a whole member) */
	}
	o->w = NULL;
	hand_over(o, now);
	/* A write error belongs to the file that had it: the next file tries afresh. */
	if (o->blocked && !o->blocked_space)
		o->blocked = false;
	return 0;
}

/* The -G period ended: publish, move to the next period, --empty-files. */
static void period_roll(struct output *o, uint64_t now)
{
	const struct rot_config *rc = &o->cfg.rot;

	file_close(o, now);
	o->deadline = rot_next_boundary(rc, now, rc->align ? 0 : o->deadline);
	o->period_start = rc->align ? rot_period_start(rc, now) : o->deadline - rc->interval_ns;
	if (o->cfg.empty_files && !o->blocked)
		file_open(o, o->period_start, now);
}

static void count_drop(struct output *o, const struct frame *f)
{
	o->drops++;
	o->f_drops++;
	o->own_drops[f->iface < o->nif ? f->iface : 0]++;
}

/*
 * Does -C or --rotate-packets end the file in progress: before frame `f` is
 * appended (it would not fit), or, with `f` NULL, now (it is full)? False
 * at once without those limits, so the common case costs no calls.
 */
static bool out_full(const struct output *o, const struct frame *f)
{
	struct rot_file cur;

	if (!o->cfg.rot.max_bytes && !o->cfg.rot.max_packets)
		return false;
	cur.bytes = writer_bytes(o->w);
	if (o->cfg.stats && o->wopts.format == OUT_PCAPNG)
		cur.bytes += ISB_RESERVE * o->nif;
	cur.packets = o->f_packets;
	cur.deadline_ns = 0;
	return rot_decide(&o->cfg.rot, &cur, 0, f ? writer_record_size(o->w, f) : 0) != ROT_NONE;
}

static int out_write(struct output *o, const struct frame *f, uint64_t now, bool ref)
{
	char err[512];
	int errnum = 0;
	uint64_t off;

	if (o->deadline && now >= o->deadline)
		period_roll(o, now);
	if (!o->blocked && !o->w && !o->to_stdout)
		file_open(o, o->deadline ? o->period_start : f->ts_ns, now);
	if (o->blocked || !o->w) {
		count_drop(o, f);
		return -1;
	}
	if (out_full(o, f)) {
		file_close(o, now);
		if (file_open(o, o->deadline ? o->period_start : f->ts_ns, now) != 0) {
			count_drop(o, f);
			return -1;
		}
	}
	off = writer_bytes(o->w);
	if ((ref ? writer_write_ref(o->w, f, &errnum, err, sizeof err) :
		   writer_write(o->w, f, &errnum, err, sizeof err)) != 0) {
		block(o, errnum, err, now);
		count_drop(o, f);
		return -1;
	}
	o->f_deliv[f->iface < o->nif ? f->iface : 0]++;
	if (o->ix)
		index_frame(o, f, off);
	if (o->f_packets++ == 0)
		o->f_first_ts = f->ts_ns;
	o->f_last_ts = f->ts_ns;
	o->packets++;
	/* A file that is full now is published now, not when the next packet comes. */
	if (out_full(o, NULL))
		file_close(o, now);
	return 0;
}

int output_write(struct output *o, const struct frame *f, uint64_t now)
{
	return out_write(o, f, now, false);
}

int output_write_ref(struct output *o, const struct frame *f, uint64_t now)
{
	return out_write(o, f, now, true);
}

void output_commit(struct output *o, uint64_t now)
{
	char err[512];
	int errnum = 0;

	if (o->w && writer_commit(o->w, &errnum, err, sizeof err) != 0)
		block(o, errnum, err, now);
}

/* Once a second while blocked: is there room again, does the file take writes again? */
static void try_resume(struct output *o, uint64_t now)
{
	char err[512];
	int errnum = 0;

	o->next_check = now + NS_PER_S;
	if (!make_room(o))
		return;
	if (o->w && writer_flush(o->w, false, &errnum, err, sizeof err) != 0)
		return;
	out_logp(o->cfg.log, o->cfg.log_ctx, SVC_INFO, "writing again%s%s (%llu packets dropped so far)", o->w ? " to " : "",
	    o->w ? o->part : "", (unsigned long long)o->drops);
	o->blocked = false;
	o->blocked_space = false;
	o->last_errno = 0;
}

void output_settle(struct output *o)
{
	out_sync_wait(o->sync);
	reap_published(o);
}

void output_tick(struct output *o, uint64_t now)
{
	char err[512];
	int errnum = 0;
	uint64_t flush_iv = o->cfg.flush_interval_ns ? o->cfg.flush_interval_ns : NS_PER_S;

	if (o->left)
		leftovers_announce(o);
	reap_published(o);
	if (o->deadline && now >= o->deadline)
		period_roll(o, now);
	if (o->w && !o->blocked && now - o->last_flush >= flush_iv) {
		o->last_flush = now;
		if (writer_flush(o->w, false, &errnum, err, sizeof err) != 0)
			block(o, errnum, err, now);
	}
	if (now >= o->next_check) {
		if (o->blocked) {
			try_resume(o, now);
		} else if (o->cfg.min_free) {
			o->next_check = now + NS_PER_S;
			if (!make_room(o)) {
				o->blocked_space = true;
				block(o, ENOSPC, "free space is below --min-free and no finished file "
				      "is left to delete", now);
			}
		}
	}
	hook_reap(o->hooks);
}

void output_rotate(struct output *o, uint64_t now)
{
	if (o->to_stdout) {
		LOG(o, "writing to %s: nothing to rotate", o->stream_name);
		return;
	}
	file_close(o, now);
	if (o->cfg.empty_files && !o->blocked)
		file_open(o, o->deadline ? o->period_start : now, now);
}

/* Split -w into the directory (opened) and the basename template; ".gz" implies gzip, ".zst" zstd. */
static int split_path(struct output *o, const char *path, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t n;
	char *dir;

	o->dirpath = strndup(path, slash ? (size_t)(slash - path) + 1 : 0);
	o->tmpl = strdup(base);
	dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	if (!o->dirpath || !o->tmpl || !dir) {
		free(dir);
		return errf(err, errlen, "out of memory");
	}
	n = strlen(o->tmpl);
	if (n > 3 && strcmp(o->tmpl + n - 3, ".gz") == 0) {
		o->tmpl[n - 3] = '\0';
		if (o->wopts.gzip_level < 0 && o->wopts.zstd_level == 0)
			o->wopts.gzip_level = OUT_GZIP_DEFAULT_LEVEL;
	} else if (n > 4 && strcmp(o->tmpl + n - 4, ".zst") == 0) {
		o->tmpl[n - 4] = '\0';
		if (o->wopts.gzip_level < 0 && o->wopts.zstd_level == 0)
			o->wopts.zstd_level = OUT_ZSTD_DEFAULT_LEVEL;
	}
	o->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (o->dirfd < 0) {
		errf(err, errlen, "output directory %s: %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	free(dir);
	return rot_template_check(o->tmpl, err, errlen);
}

static int setup(struct output *o, const struct output_config *cfg, char *err, size_t errlen)
{
	o->cfg = *cfg;
	o->wopts = cfg->wopts;
	o->wopts.gzip_level = cfg->gzip_level;
	o->wopts.zstd_level = cfg->zstd_level;
	o->wopts.gzip_threads = cfg->gzip_threads;
	o->fd = o->dirfd = -1;
	o->seq = 1;
	if (!cfg->path || !*cfg->path)
		return errf(err, errlen, "no output file name (-w)");
	if (output_path_is_stream(cfg->path)) {
		o->to_stdout = true;
		o->dirpath = strdup("");
		o->tmpl = strdup("-");
		if (!o->dirpath || !o->tmpl)
			return errf(err, errlen, "out of memory");
		o->stream_name = "standard output";
		o->fd = STDOUT_FILENO;
		if (strcmp(cfg->path, "-") != 0) {
			/* A FIFO blocks here until its reader opens it, as with tcpdump. */
			o->stream_name = cfg->path;
			o->fd = open(cfg->path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
			if (o->fd < 0)
				return errf(err, errlen, "cannot open %s: %s", cfg->path, strerror(errno));
			o->own_fd = true;
		}
	} else if (split_path(o, cfg->path, err, errlen) != 0) {
		return -1;
	}
	o->suffix = o->wopts.zstd_level > 0 ? ".zst" : o->wopts.gzip_level >= 0 ? ".gz" : NULL;
	o->numbered = rot_numbered(o->tmpl, &cfg->rot);
	o->has_seq = rot_template_has_seq(o->tmpl);
	o->owner = cfg->owner_given ? cfg->owner : geteuid();
	if (!o->to_stdout && !(o->match = rot_matcher_new(o->tmpl, o->numbered, cfg->rot.utc,
							  cfg->ifnames, o->suffix, err, errlen)))
		return -1;
	if (!o->to_stdout && !cfg->no_index) {
		o->ix = pidx_builder_new(NULL, err, errlen);
		if (!o->ix)
			return -1;
		o->wopts.on_member = index_member;
		o->wopts.member_ctx = o;
	}
	o->nif = o->wopts.nifaces ? o->wopts.nifaces : 1;
	o->snap = calloc(o->nif, sizeof *o->snap);
	o->cum = calloc(o->nif, sizeof *o->cum);
	o->own_drops = calloc(o->nif, sizeof *o->own_drops);
	o->own_snap = calloc(o->nif, sizeof *o->own_snap);
	o->f_deliv = calloc(o->nif, sizeof *o->f_deliv);
	if (!o->snap || !o->cum || !o->own_drops || !o->own_snap || !o->f_deliv)
		return errf(err, errlen, "out of memory");
	if (cfg->on_rotate && !(o->hooks = hook_open(cfg->on_rotate, cfg->max_hooks, cfg->log,
						     cfg->log_ctx)))
		return errf(err, errlen, "out of memory");
	return 0;
}

static void output_free(struct output *o)
{
	out_sync_close(o->sync);
	if (o->own_fd && o->fd >= 0)
		close(o->fd);
	if (o->dirfd >= 0)
		close(o->dirfd);
	out_ring_free(&o->ring);
	rot_matcher_free(o->match);
	for (size_t i = 0; i < o->nleft; i++)
		free((char *)o->left[i].path);
	free(o->left);
	free(o->snap);
	free(o->cum);
	free(o->own_drops);
	free(o->own_snap);
	free(o->f_deliv);
	free(o->dirpath);
	free(o->tmpl);
	pidx_builder_free(o->ix);
	free(o);
}

struct output *output_open(const struct output_config *cfg, uint64_t now_ns,
			   char *err, size_t errlen)
{
	struct output *o = calloc(1, sizeof *o);
	const struct rot_config *rc = &cfg->rot;
	struct out_ring published = { 0 };

	if (!o) {
		errf(err, errlen, "out of memory");
		return NULL;
	}
	if (setup(o, cfg, err, errlen) != 0)
		goto fail;
	if (o->to_stdout) {
		char label[PATH_MAX];

		memcpy(o->name, "-", 2);
		snprintf(label, sizeof label, "(%s)", o->stream_name);
		o->w = writer_open(o->fd, label, &o->wopts, err, errlen);
		if (!o->w)
			goto fail;
		o->stats_since = now_ns;
		o->last_flush = now_ns;
		return o;
	}
	if (out_ring_scan(&o->ring, o->dirfd, o->match, o->owner, &published, cfg->log,
			  cfg->log_ctx, err, errlen) != 0)
		goto fail;
	out_ring_enforce(&o->ring, o->dirfd, o->dirpath, cfg->keep, cfg->max_total, cfg->log,
			 cfg->log_ctx);
	leftovers_prepare(o, &published);
	out_ring_free(&published);
	for (size_t i = 0; i < o->ring.n; i++) {
		uint64_t seq;

		/* the ring holds only our own files: another user's cannot move the sequence */
		if (rot_matcher_match(o->match, o->ring.v[i].name, &seq) && seq >= o->seq &&
		    seq < UINT64_MAX)
			o->seq = seq + 1;
	}
	if (rc->interval_ns) {
		o->period_start = rot_period_start(rc, now_ns);
		o->deadline = rot_next_boundary(rc, now_ns, 0);
	}
	o->stats_since = now_ns;
	o->open_err = err;
	o->open_errlen = errlen;
	if (file_open(o, rc->interval_ns ? o->period_start : now_ns, now_ns) != 0)
		goto fail;
	o->open_err = NULL;
	o->blocked = false;
	return o;
fail:
	out_ring_free(&published);
	hook_close(o->hooks, 0);
	output_free(o);
	return NULL;
}

int output_close(struct output *o, uint64_t now_ns, struct output_stats *final)
{
	int status;

	if (!o)
		return 0;
	if (o->left)
		leftovers_announce(o);
	status = file_close(o, now_ns);
	/* Every file is durable and named before the last hooks run and the counts are final. */
	out_sync_wait(o->sync);
	o->publish_failed = false;
	reap_published(o);
	if (o->publish_failed)
		status = -1;
	out_sync_close(o->sync);
	o->sync = NULL;
	hook_close(o->hooks, o->cfg.hook_wait_ns ? o->cfg.hook_wait_ns : 10 * NS_PER_S);
	o->hooks = NULL;
	if (final)
		output_get_stats(o, final);
	output_free(o);
	return status;
}

void output_get_stats(const struct output *o, struct output_stats *st)
{
	memset(st, 0, sizeof *st);
	st->packets = o->packets;
	st->bytes = o->bytes + (o->w ? writer_bytes(o->w) : 0);
	st->drops = o->drops;
	st->files = o->files;
	st->cur_packets = o->w ? o->f_packets : 0;
	st->cur_bytes = o->w ? writer_bytes(o->w) : 0;
	if (o->w)
		snprintf(st->current, sizeof st->current, "%s%s", o->dirpath, o->name);
	st->hooks_running = hook_running(o->hooks);
	st->hooks_skipped = hook_skipped(o->hooks);
	st->blocked = o->blocked;
}

void output_print_stats(const struct output *o, FILE *fp)
{
	struct output_stats st;

	output_get_stats(o, &st);
	fprintf(fp, "%spcaprec: %llu packets (%llu bytes) written, %llu dropped by pcaprec, "
		"%llu files published; current %s (%llu packets, %llu bytes)%s; hooks running %u, "
		"skipped %llu\n", svc_line_prefix(fp, SVC_INFO),
		(unsigned long long)st.packets, (unsigned long long)st.bytes,
		(unsigned long long)st.drops, (unsigned long long)st.files,
		st.current[0] ? st.current : "(none)", (unsigned long long)st.cur_packets,
		(unsigned long long)st.cur_bytes, st.blocked ? ", NOT WRITING" : "",
		st.hooks_running, (unsigned long long)st.hooks_skipped);
	fflush(fp);
}

int output_chown(struct output *o, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	if (o->w && !o->to_stdout && fchown(o->fd, uid, o->cfg.gid != (gid_t)-1 ? o->cfg.gid : gid) != 0)
		return errf(err, errlen, "cannot give %s%s to uid %u: %s", o->dirpath, o->part,
			    (unsigned)uid, strerror(errno));
	return 0;
}

int output_check_dir_access(const struct output *o, char *err, size_t errlen)
{
	if (!o->to_stdout && faccessat(o->dirfd, ".", W_OK | X_OK, AT_EACCESS) != 0)
		return errf(err, errlen, "output directory %s is not writable by uid %u (%s): later files "
			    "could not be created or published; make it writable by that user",
			    o->dirpath[0] ? o->dirpath : "./", (unsigned)geteuid(), strerror(errno));
	return 0;
}

bool output_path_is_stream(const char *path)
{
	struct stat st;

	if (strcmp(path, "-") == 0)
		return true;
	return stat(path, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode));
}

const char *output_stream_name(const struct output *o)
{
	return o->to_stdout ? o->stream_name : NULL;
}

const char *output_last_error(const struct output *o)
{
	return o->last_err;
}

bool output_stream_gone(const struct output *o)
{
	return o->to_stdout && o->blocked && (o->last_errno == EPIPE || o->last_errno == ECONNRESET);
}
