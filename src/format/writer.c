/* SPDX-License-Identifier: BSD-2-Clause */
/* Buffered capture-file writer: pcap/pcapng records into a plain or compressed (gzip, zstd) back-end, with rollback on write errors. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include "pcaprec/util.h"
#include "pcaprec/writer.h"
#include "pcaprec/writer_enc.h"
#include "pcaprec/zpar.h"

#define WRITER_DEFAULT_BUFFER (1024u * 1024u)
#define WRITER_MAX_BUFFER (256u * 1024u * 1024u)

/*
 * After a failed write, writer_write() drops frames without touching the fd
 * for this long, so a full disk costs no syscalls per packet; writer_flush()
 * and writer_close() always retry at once.
 */
#define WRITER_RETRY_NS (250u * 1000000u)

/*
 * Referenced records (writer_write_ref). One writev(2) takes at most
 * WRITER_REF_IOV pieces; record headers and trailers are built in an arena
 * beside them. Frames of at most WRITER_REF_COPY bytes are copied into the
 * arena with their header: for them a copy is cheaper than an iovec, and
 * neighbouring arena pieces merge into one iovec.
 */
#define WRITER_REF_IOV 1024
#define WRITER_REF_ARENA (128u * 1024u)
#define WRITER_REF_COPY 256u
#define WRITER_REF_PIECE_MAX (PCAPNG_EPB_HEAD_LEN + WRITER_REF_COPY + PCAPNG_EPB_TAIL_MAX + 4u)

struct writer_ref {
	struct iovec iov[WRITER_REF_IOV];
	int niov;
	size_t used;               /* arena bytes in use */
	size_t bytes;              /* bytes the iovecs cover: whole records */
	uint64_t frames;
	uint8_t arena[WRITER_REF_ARENA];
};

/*
 * How the writer turns its staging buffer into bytes for the fd: a small
 * ops table chosen at open.
 *
 * The staging buffer always holds whole records. Sealing turns it into
 * pending output chunks that end on a record boundary (plain: the chunk is
 * the staging buffer itself; gzip or zstd: the staging buffer made into
 * one complete gzip member or zstd frame, see zpar.h). A chunk stays
 * pending until write(2) has taken
 * every byte of it, so after a failed write the same chunk can be written
 * again.
 *   init  allocates the staging buffer (w->buf, w->cap bytes);
 *   room  makes `need` bytes of staging room, or fails while output fails;
 *   flush seals what is staged and writes every chunk (SEAL_FINISH ends
 *         the stream);
 *   held  counts the records staged or pending, not yet in the file.
 */
enum seal_mode { SEAL_SYNC, SEAL_FINISH };

struct writer;

struct sink_ops {
	const char *name;
	int (*init)(struct writer *w, const struct writer_opts *o, char *err, size_t errlen);
	int (*room)(struct writer *w, size_t need, int *errnum, char *err, size_t errlen);
	int (*flush)(struct writer *w, enum seal_mode mode, int *errnum, char *err, size_t errlen);
	uint64_t (*held)(const struct writer *w);
	void (*fini)(struct writer *w);
};

struct writer_ifc {
	uint32_t linktype;
	uint32_t snaplen;          /* effective: 1..FRAME_MAX_CAPLEN */
};

struct writer {
	const struct sink_ops *ops;
	int fd;
	char *path;
	enum out_format format;
	bool regular;              /* regular file: ftruncate rollback and fsync apply */
	struct writer_ifc *ifc;
	size_t nifc;

	uint8_t *buf;              /* staging: whole uncompressed records */
	size_t len, cap;
	uint64_t buf_frames;

	const uint8_t *out;        /* pending chunk (aliases buf for plain) */
	size_t out_len, out_off;
	uint64_t out_frames;

	uint64_t start_off;        /* file offset at open */
	uint64_t disk;             /* bytes the kernel accepted and we kept */
	uint64_t bytes, frames;

	int fail_errno;            /* errno of the last failed write, 0 when fine */
	uint64_t retry_at;         /* monotonic ns before which writer_write() does not retry */

	struct writer_ref *ref;    /* plain back-end only: records pointing at caller bytes */
	struct zpar *zc;           /* gzip/zstd back-end: the compressor, which owns the staging buffers */
	size_t out_raw;            /* uncompressed bytes in the pending member */
	struct writer_member last; /* the last member written whole (index = count - 1) */
	uint64_t members;          /* members written whole */
	writer_member_fn *on_member;
	void *member_ctx;
};

static int refs_out(struct writer *w, int *errnum, char *err, size_t errlen);

static void set_errnum(int *errnum, int e)
{
	if (errnum)
		*errnum = e;
}

/* ---------------------------------------------------------------- output */

/*
 * After a failed write to a regular file, cut it back to the end of the last
 * chunk written whole and put the file offset there, so the file ends on a
 * record boundary (compressed: a member boundary) and a retry rewrites the chunk.
 */
static void rollback(struct writer *w, int e, char *err, size_t errlen)
{
	uint64_t keep = w->start_off + w->disk;
	uint64_t held = w->ops->held(w);

	w->out_off = 0;
	if (ftruncate(w->fd, (off_t)keep) < 0 || lseek(w->fd, (off_t)keep, SEEK_SET) < 0) {
		errf(err, errlen, "%s: write failed: %s; truncating back to %llu bytes also failed: %s",
		     w->path, strerror(e), (unsigned long long)keep, strerror(errno));
		return;
	}
	errf(err, errlen, "%s: write failed: %s; file cut back to %llu bytes (last whole record), "
	     "%llu frames held for retry", w->path, strerror(e), (unsigned long long)keep,
	     (unsigned long long)held);
}

/*
 * A write of the pending chunk failed with `e`: remember it, hold off
 * retries for a while, and undo the partial write of a regular file.
 * Returns -1.
 */
static int write_failed(struct writer *w, int e, int *errnum, char *err, size_t errlen)
{
	set_errnum(errnum, e);
	w->fail_errno = e;
	w->retry_at = now_monotonic_ns() + WRITER_RETRY_NS;
	if (w->regular)
		rollback(w, e, err, errlen);
	else
		/* A stream cannot be rewound: the reader already has out_off
		 * bytes, so a retry resumes after them. */
		errf(err, errlen, "%s: write failed: %s", w->path, strerror(e));
	return -1;
}

/*
 * Hand the pending chunk to the kernel. Returns 0 when all of it was
 * written (the chunk is then gone and, for plain, the staging buffer is
 * free), -1 with errno-style *errnum otherwise; the chunk stays pending.
 */
static int drain(struct writer *w, int *errnum, char *err, size_t errlen)
{
	while (w->out_off < w->out_len) {
		ssize_t n = write(w->fd, w->out + w->out_off, w->out_len - w->out_off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return write_failed(w, n < 0 ? errno : EIO, errnum, err, errlen);
		w->out_off += (size_t)n;
	}
	w->fail_errno = 0;
	w->disk += w->out_len;
	if (w->out == w->buf)
		w->len = 0;
	w->out = NULL;
	w->out_len = w->out_off = 0;
	w->out_frames = 0;
	return 0;
}

/* While a write failure is recent and a chunk is pending, refuse without a syscall. */
static int output_failing(struct writer *w, int *errnum, char *err, size_t errlen)
{
	if (w->out_len == 0 || !w->fail_errno || now_monotonic_ns() >= w->retry_at)
		return 0;
	set_errnum(errnum, w->fail_errno);
	return errf(err, errlen, "%s: output failing (%s), %llu frames held, frame dropped",
		    w->path, strerror(w->fail_errno), (unsigned long long)w->ops->held(w));
}

/* ---------------------------------------------------------------- plain back-end */

static int plain_init(struct writer *w, const struct writer_opts *o, char *err, size_t errlen)
{
	(void)o;
	w->buf = malloc(w->cap);
	if (!w->buf)
		return errf(err, errlen, "%s: out of memory for the write buffer", w->path);
	return 0;
}

static int plain_flush(struct writer *w, enum seal_mode mode, int *errnum, char *err, size_t errlen)
{
	(void)mode;
	if (w->out_len > 0 && drain(w, errnum, err, errlen) < 0)
		return -1;
	if (w->len == 0)
		return 0;
	w->out = w->buf;
	w->out_len = w->len;
	w->out_off = 0;
	w->out_frames = w->buf_frames;
	w->buf_frames = 0;
	return drain(w, errnum, err, errlen);
}

static int plain_room(struct writer *w, size_t need, int *errnum, char *err, size_t errlen)
{
	if (output_failing(w, errnum, err, errlen) < 0)
		return -1;
	if (w->out_len > 0 && drain(w, errnum, err, errlen) < 0)
		return -1;
	if (w->len + need <= w->cap)
		return 0;
	return plain_flush(w, SEAL_SYNC, errnum, err, errlen);
}

static uint64_t plain_held(const struct writer *w)
{
	return w->out_frames + w->buf_frames;
}

static void plain_fini(struct writer *w)
{
	free(w->buf);
	w->buf = NULL;
}

static const struct sink_ops sink_plain = {
	"plain", plain_init, plain_room, plain_flush, plain_held, plain_fini,
};

/* ---------------------------------------------------------------- compressed back-end */

/*
 * gzip or zstd with compression on worker threads (zpar.h): each staging
 * buffer becomes one independent member; the staging buffers belong to
 * the compressor.
 */
static int zc_init(struct writer *w, const struct writer_opts *o, char *err, size_t errlen)
{
	if (o->zstd_level > 0)
		w->zc = zpar_open(ZPAR_ZSTD, o->zstd_level, o->gzip_threads, w->cap, w->path, err, errlen);
	else
		w->zc = zpar_open(ZPAR_GZIP, o->gzip_level, o->gzip_threads, w->cap, w->path, err, errlen);
	if (!w->zc)
		return -1;
	w->buf = zpar_stage(w->zc);
	return 0;
}

#define ZC_ALL UINT32_MAX

/* The pending member is in the file whole: remember it and tell the caller. */
static void member_written(struct writer *w, size_t file_len, uint64_t frames)
{
	struct writer_member *m = &w->last;

	m->raw_off = w->members ? m->raw_off + m->raw_len : 0;
	m->raw_len = w->out_raw;
	m->file_off = w->start_off + w->disk - file_len;
	m->file_len = file_len;
	m->frames = frames;
	m->index = w->members++;
	if (w->on_member)
		w->on_member(w->member_ctx, m);
}

/*
 * Write compressed members in order: every one already finished, and
 * besides at least `wait` more (waiting for their compression; ZC_ALL: all
 * submitted). A member whose write fails stays pending for the next call.
 */
static int zc_write_out(struct writer *w, uint32_t wait, int *errnum, char *err, size_t errlen)
{
	for (;;) {
		uint64_t frames;
		size_t len;

		if (w->out_len == 0) {
			struct zpar_chunk c;
			char zerr[128];
			int rc = zpar_next(w->zc, wait > 0, &c, zerr, sizeof zerr);

			if (rc == 0)
				return 0;
			if (rc < 0) {
				set_errnum(errnum, EIO);
				return errf(err, errlen, "%s: %s", w->path, zerr);
			}
			w->out = c.out;
			w->out_len = c.out_len;
			w->out_frames = c.frames;
			w->out_raw = c.in_len;
			w->out_off = 0;
		}
		len = w->out_len;
		frames = w->out_frames;
		if (drain(w, errnum, err, errlen) < 0)
			return -1;
		member_written(w, len, frames);
		zpar_done(w->zc);
		if (wait > 0 && wait != ZC_ALL)
			wait--;
	}
}

/* Queue the staging buffer (it holds whole records) as one member, freeing a slot first if need be. */
static int zc_submit(struct writer *w, int *errnum, char *err, size_t errlen)
{
	if (!zpar_can_submit(w->zc) && zc_write_out(w, 1, errnum, err, errlen) < 0)
		return -1;
	zpar_submit(w->zc, w->len, w->buf_frames);
	w->buf = zpar_stage(w->zc);
	w->len = 0;
	w->buf_frames = 0;
	return zc_write_out(w, 0, errnum, err, errlen);
}

/* A flush ends the current member early, so everything accepted is in whole members. */
static int zc_flush(struct writer *w, enum seal_mode mode, int *errnum, char *err, size_t errlen)
{
	(void)mode;
	if (w->len > 0 && zc_submit(w, errnum, err, errlen) < 0)
		return -1;
	return zc_write_out(w, ZC_ALL, errnum, err, errlen);
}

static int zc_room(struct writer *w, size_t need, int *errnum, char *err, size_t errlen)
{
	if (output_failing(w, errnum, err, errlen) < 0 || zc_write_out(w, 0, errnum, err, errlen) < 0)
		return -1;
	if (w->len + need <= w->cap)
		return 0;
	return zc_submit(w, errnum, err, errlen);
}

static uint64_t zc_held(const struct writer *w)
{
	return zpar_held_frames(w->zc) + w->buf_frames;
}

static void zc_fini(struct writer *w)
{
	zpar_close(w->zc);
	w->zc = NULL;
	w->buf = NULL;
}

static const struct sink_ops sink_compressed = {
	"compressed", zc_init, zc_room, zc_flush, zc_held, zc_fini,
};

static int make_room(struct writer *w, size_t need, int *errnum, char *err, size_t errlen)
{
	return w->ops->room(w, need, errnum, err, errlen);
}

static int seal_and_drain(struct writer *w, enum seal_mode mode, int *errnum, char *err, size_t errlen)
{
	return w->ops->flush(w, mode, errnum, err, errlen);
}

/* ---------------------------------------------------------------- open */

static uint32_t effective_snaplen(uint32_t snaplen)
{
	return snaplen == 0 || snaplen > FRAME_MAX_CAPLEN ? FRAME_MAX_CAPLEN : snaplen;
}

static bool str_ok(const char *s)
{
	return !s || strlen(s) <= WENC_MAX_STRING;
}

static int check_opts(const char *path, const struct writer_opts *o, char *err, size_t errlen)
{
	bool pcap = o->format == OUT_PCAP_US || o->format == OUT_PCAP_NS;

	if (o->format != OUT_PCAP_US && o->format != OUT_PCAP_NS && o->format != OUT_PCAPNG)
		return errf(err, errlen, "%s: unknown output format %d", path, (int)o->format);
	if (!o->ifaces || o->nifaces == 0)
		return errf(err, errlen, "%s: no interface given", path);
	if (pcap && o->nifaces != 1)
		return errf(err, errlen, "%s: %s holds one interface, %zu given (use pcapng)",
			    path, out_format_name(o->format), o->nifaces);
	if (o->gzip_level != -1 && (o->gzip_level < 1 || o->gzip_level > ZPAR_GZIP_LEVEL_MAX))
		return errf(err, errlen, "%s: gzip level %d not in 1..%d", path, o->gzip_level,
			    ZPAR_GZIP_LEVEL_MAX);
	if (o->zstd_level != 0 && (o->zstd_level < 1 || o->zstd_level > ZPAR_ZSTD_LEVEL_MAX))
		return errf(err, errlen, "%s: zstd level %d not in 1..%d", path, o->zstd_level,
			    ZPAR_ZSTD_LEVEL_MAX);
	if (o->zstd_level != 0 && o->gzip_level != -1)
		return errf(err, errlen, "%s: gzip and zstd both asked for", path);
	if (o->meta && (!str_ok(o->meta->hardware) || !str_ok(o->meta->os) || !str_ok(o->meta->userappl) ||
			!str_ok(o->meta->comment)))
		return errf(err, errlen, "%s: section option longer than %u bytes", path, WENC_MAX_STRING);
	for (size_t i = 0; i < o->nifaces; i++) {
		const struct writer_iface *f = &o->ifaces[i];

		if (!str_ok(f->name) || !str_ok(f->description) || !str_ok(f->filter))
			return errf(err, errlen, "%s: interface %zu: option longer than %u bytes",
				    path, i, WENC_MAX_STRING);
		if (!pcap && f->linktype > 0xffff)
			return errf(err, errlen, "%s: interface %zu: link type %u does not fit pcapng's 16 bits",
				    path, i, f->linktype);
	}
	return 0;
}

/* Bytes of the file header (pcap header, or SHB + every IDB). */
static size_t header_size(const struct writer_opts *o)
{
	const char *os = o->meta ? o->meta->os : NULL;
	size_t n;

	if (o->format != OUT_PCAPNG)
		return PCAP_FILE_HEADER_LEN;
	n = pcapng_shb_size(o->meta);
	for (size_t i = 0; i < o->nifaces; i++)
		n += pcapng_idb_size(&o->ifaces[i], os);
	return n;
}

static size_t max_record(const struct writer *w)
{
	uint32_t snap = 0;

	for (size_t i = 0; i < w->nifc; i++)
		if (w->ifc[i].snaplen > snap)
			snap = w->ifc[i].snaplen;
	if (w->format != OUT_PCAPNG)
		return PCAP_RECORD_HEADER_LEN + snap;
	snap = pcapng_epb_size(snap, FRAME_DIR_IN);
	return snap > PCAPNG_ISB_LEN ? snap : PCAPNG_ISB_LEN;
}

static void put_header(struct writer *w, const struct writer_opts *o)
{
	const char *os = o->meta ? o->meta->os : NULL;

	if (o->format != OUT_PCAPNG) {
		w->len = pcap_header_encode(w->buf, o->format == OUT_PCAP_NS, w->ifc[0].snaplen,
					    w->ifc[0].linktype);
	} else {
		w->len = pcapng_shb_encode(w->buf, o->meta);
		for (size_t i = 0; i < o->nifaces; i++)
			w->len += pcapng_idb_encode(w->buf + w->len, &o->ifaces[i], w->ifc[i].snaplen, os);
	}
	w->bytes = w->len;
}

static void where_am_i(struct writer *w)
{
	struct stat st;
	off_t off;

	w->regular = fstat(w->fd, &st) == 0 && S_ISREG(st.st_mode);
	off = w->regular ? lseek(w->fd, 0, SEEK_CUR) : -1;
	w->start_off = off > 0 ? (uint64_t)off : 0;
}

struct writer *writer_open(int fd, const char *path, const struct writer_opts *opts,
			   char *err, size_t errlen)
{
	struct writer *w;
	size_t hdr;

	if (!path)
		path = "(output)";
	if (check_opts(path, opts, err, errlen) < 0)
		return NULL;
	w = calloc(1, sizeof *w);
	if (!w)
		goto nomem;
	w->fd = fd;
	w->format = opts->format;
	w->ops = opts->gzip_level > 0 || opts->zstd_level > 0 ? &sink_compressed : &sink_plain;
	w->on_member = opts->on_member;
	w->member_ctx = opts->member_ctx;
	w->path = strdup(path);
	w->nifc = opts->nifaces;
	w->ifc = calloc(w->nifc, sizeof *w->ifc);
	if (!w->path || !w->ifc)
		goto nomem;
	for (size_t i = 0; i < w->nifc; i++) {
		w->ifc[i].linktype = opts->ifaces[i].linktype;
		w->ifc[i].snaplen = effective_snaplen(opts->ifaces[i].snaplen);
	}
	hdr = header_size(opts);
	w->cap = opts->buffer_size ? opts->buffer_size : WRITER_DEFAULT_BUFFER;
	if (w->cap > WRITER_MAX_BUFFER)
		w->cap = WRITER_MAX_BUFFER;
	if (w->cap < hdr + max_record(w))
		w->cap = hdr + max_record(w);
	if (w->ops->init(w, opts, err, errlen) < 0)
		goto fail;
	where_am_i(w);
	put_header(w, opts);
	return w;
nomem:
	errf(err, errlen, "%s: out of memory opening the writer", path);
fail:
	if (w) {
		w->ops->fini(w);
		free(w->ifc);
		free(w->path);
		free(w);
	}
	return NULL;
}

/* ---------------------------------------------------------------- records */

static uint32_t caplen_for(const struct writer *w, const struct frame *f)
{
	uint32_t snap = f->iface < w->nifc ? w->ifc[f->iface].snaplen : FRAME_MAX_CAPLEN;

	if (w->format != OUT_PCAPNG)
		snap = w->ifc[0].snaplen;
	return f->caplen < snap ? f->caplen : snap;
}

size_t writer_record_size(const struct writer *w, const struct frame *f)
{
	uint32_t caplen = caplen_for(w, f);

	if (w->format != OUT_PCAPNG)
		return PCAP_RECORD_HEADER_LEN + caplen;
	return pcapng_epb_size(caplen, f->dir);
}

static int check_frame(const struct writer *w, const struct frame *f, int *errnum, char *err, size_t errlen)
{
	const struct writer_ifc *ifc = &w->ifc[0];

	if (w->format == OUT_PCAPNG) {
		if (f->iface >= w->nifc) {
			set_errnum(errnum, EINVAL);
			return errf(err, errlen, "%s: frame for interface %u, file has %zu",
				    w->path, f->iface, w->nifc);
		}
		ifc = &w->ifc[f->iface];
	}
	if (f->linktype != ifc->linktype) {
		set_errnum(errnum, EINVAL);
		return errf(err, errlen, "%s: frame link type %u, interface has %u",
			    w->path, f->linktype, ifc->linktype);
	}
	if (f->caplen > 0 && !f->data) {
		set_errnum(errnum, EINVAL);
		return errf(err, errlen, "%s: frame without data", w->path);
	}
	return 0;
}

int writer_write(struct writer *w, const struct frame *f, int *errnum, char *err, size_t errlen)
{
	uint32_t caplen;
	size_t need;

	if (check_frame(w, f, errnum, err, errlen) < 0 || refs_out(w, errnum, err, errlen) < 0)
		return -1;
	caplen = caplen_for(w, f);
	need = writer_record_size(w, f);
	if (make_room(w, need, errnum, err, errlen) < 0)
		return -1;
	if (w->format == OUT_PCAPNG)
		pcapng_epb_encode(w->buf + w->len, f, caplen);
	else
		pcap_record_encode(w->buf + w->len, w->format == OUT_PCAP_NS, f, caplen);
	w->len += need;
	w->bytes += need;
	w->frames++;
	w->buf_frames++;
	return 0;
}

/* ---------------------------------------------------------------- references */

/* Append a piece to the iovec list, merging it into the last one when they touch. */
static void ref_piece(struct writer_ref *r, const uint8_t *p, size_t len)
{
	struct iovec *last = r->niov ? &r->iov[r->niov - 1] : NULL;

	if (last && (const uint8_t *)last->iov_base + last->iov_len == p) {
		last->iov_len += len;
		return;
	}
	r->iov[r->niov].iov_base = (void *)p;
	r->iov[r->niov].iov_len = len;
	r->niov++;
}

/* One record as pieces: small frames whole in the arena, others as head, the caller's data, tail. */
static void ref_add(struct writer *w, const struct frame *f, uint32_t caplen, size_t need)
{
	struct writer_ref *r = w->ref;
	uint8_t *a = r->arena + r->used;
	bool ng = w->format == OUT_PCAPNG, nano = w->format == OUT_PCAP_NS;
	size_t n;

	if (caplen <= WRITER_REF_COPY) {
		n = ng ? pcapng_epb_encode(a, f, caplen) : pcap_record_encode(a, nano, f, caplen);
		ref_piece(r, a, n);
	} else {
		n = ng ? pcapng_epb_head(a, f, caplen) : pcap_record_head(a, nano, f, caplen);
		ref_piece(r, a, n);
		ref_piece(r, f->data, caplen);
		if (ng) {
			size_t t = pcapng_epb_tail(a + n, f, caplen);

			ref_piece(r, a + n, t);
			n += t;
		}
	}
	r->used += n;
	r->bytes += need;
	r->frames++;
}

static void ref_reset(struct writer_ref *r)
{
	r->niov = 0;
	r->used = r->bytes = 0;
	r->frames = 0;
}

/*
 * writev() of the references failed after `done` bytes: copy every
 * referenced record into the (empty) staging buffer as the pending chunk,
 * so the frames are held for retry exactly as writer_write()'s are, and the
 * caller's bytes are free again. ref->bytes <= cap is kept by writer_write_ref.
 */
static int ref_hold(struct writer *w, size_t done, int e, int *errnum, char *err, size_t errlen)
{
	struct writer_ref *r = w->ref;
	size_t off = 0;

	for (int i = 0; i < r->niov; i++) {
		memcpy(w->buf + off, r->iov[i].iov_base, r->iov[i].iov_len);
		off += r->iov[i].iov_len;
	}
	w->len = off;
	w->out = w->buf;
	w->out_len = off;
	w->out_off = done;
	w->out_frames = r->frames;
	ref_reset(r);
	return write_failed(w, e, errnum, err, errlen);
}

int writer_commit(struct writer *w, int *errnum, char *err, size_t errlen)
{
	struct writer_ref *r = w->ref;
	size_t done = 0, skip = 0;
	int i = 0;

	if (!r || r->niov == 0)
		return 0;
	while (i < r->niov) {
		struct iovec save = r->iov[i];
		ssize_t n;
		size_t adv;

		r->iov[i].iov_base = (uint8_t *)save.iov_base + skip;
		r->iov[i].iov_len -= skip;
		n = writev(w->fd, r->iov + i, r->niov - i);
		r->iov[i] = save;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ref_hold(w, done, n < 0 ? errno : EIO, errnum, err, errlen);
		done += (size_t)n;
		for (adv = (size_t)n + skip; i < r->niov && adv >= r->iov[i].iov_len; i++)
			adv -= r->iov[i].iov_len;
		skip = adv;
	}
	w->fail_errno = 0;
	w->disk += r->bytes;
	ref_reset(r);
	return 0;
}

/* Every entry point but writer_write_ref() first hands referenced records out, keeping file order. */
static int refs_out(struct writer *w, int *errnum, char *err, size_t errlen)
{
	return w->ref && w->ref->niov ? writer_commit(w, errnum, err, errlen) : 0;
}

int writer_write_ref(struct writer *w, const struct frame *f, int *errnum, char *err, size_t errlen)
{
	struct writer_ref *r = w->ref;
	uint32_t caplen;
	size_t need;

	if (w->ops != &sink_plain)
		return writer_write(w, f, errnum, err, errlen);
	if (!r && !(r = w->ref = calloc(1, sizeof *r)))
		return writer_write(w, f, errnum, err, errlen);
	if (check_frame(w, f, errnum, err, errlen) < 0)
		return -1;
	caplen = caplen_for(w, f);
	need = writer_record_size(w, f);
	/* Staged bytes (file header, statistics, held chunk) go first; then staging stays empty. */
	if (r->niov == 0 && (w->len > 0 || w->out_len > 0) &&
	    make_room(w, w->cap, errnum, err, errlen) < 0)
		return -1;
	if ((r->bytes + need > w->cap || r->niov > WRITER_REF_IOV - 3 ||
	     r->used > WRITER_REF_ARENA - WRITER_REF_PIECE_MAX) &&
	    writer_commit(w, errnum, err, errlen) < 0)
		return -1;
	ref_add(w, f, caplen, need);
	w->bytes += need;
	w->frames++;
	return 0;
}

int writer_add_iface(struct writer *w, const struct writer_iface *ifc, const char *os,
		     int *errnum, char *err, size_t errlen)
{
	struct writer_ifc *n;
	uint32_t snap = effective_snaplen(ifc->snaplen);
	size_t need;

	if (w->format != OUT_PCAPNG || ifc->linktype > 0xffff || !str_ok(ifc->name) ||
	    !str_ok(ifc->description) || !str_ok(ifc->filter) || !str_ok(os) ||
	    w->nifc >= UINT32_MAX) {
		set_errnum(errnum, EINVAL);
		return errf(err, errlen, "%s: cannot add interface %zu (link type %u) to a %s file",
			    w->path, w->nifc, ifc->linktype, out_format_name(w->format));
	}
	need = pcapng_idb_size(ifc, os);
	if (w->cap < need + pcapng_epb_size(snap, FRAME_DIR_IN)) {
		set_errnum(errnum, EINVAL);
		return errf(err, errlen, "%s: interface %zu: snaplen %u does not fit the %zu-byte buffer",
			    w->path, w->nifc, snap, w->cap);
	}
	n = realloc(w->ifc, (w->nifc + 1) * sizeof *n);
	if (!n) {
		set_errnum(errnum, ENOMEM);
		return errf(err, errlen, "%s: out of memory adding an interface", w->path);
	}
	w->ifc = n;
	if (refs_out(w, errnum, err, errlen) < 0 || make_room(w, need, errnum, err, errlen) < 0)
		return -1;
	w->ifc[w->nifc].linktype = ifc->linktype;
	w->ifc[w->nifc].snaplen = snap;
	w->len += pcapng_idb_encode(w->buf + w->len, ifc, snap, os);
	w->bytes += need;
	w->nifc++;
	return 0;
}

int writer_write_stats(struct writer *w, uint32_t iface, const struct iface_stats *st,
		       int *errnum, char *err, size_t errlen)
{
	if (w->format != OUT_PCAPNG)
		return 0;
	if (iface >= w->nifc) {
		set_errnum(errnum, EINVAL);
		return errf(err, errlen, "%s: statistics for interface %u, file has %zu",
			    w->path, iface, w->nifc);
	}
	if (refs_out(w, errnum, err, errlen) < 0 || make_room(w, PCAPNG_ISB_LEN, errnum, err, errlen) < 0)
		return -1;
	w->len += pcapng_isb_encode(w->buf + w->len, iface, st);
	w->bytes += PCAPNG_ISB_LEN;
	return 0;
}

int writer_flush(struct writer *w, bool sync, int *errnum, char *err, size_t errlen)
{
	/* A failed commit holds the records in the pending chunk, which seal_and_drain retries at once. */
	(void)refs_out(w, errnum, err, errlen);
	if (seal_and_drain(w, SEAL_SYNC, errnum, err, errlen) < 0)
		return -1;
	if (sync && w->regular && fsync(w->fd) < 0) {
		set_errnum(errnum, errno);
		return errf(err, errlen, "%s: fsync failed: %s", w->path, strerror(errno));
	}
	return 0;
}

static void writer_free(struct writer *w)
{
	w->ops->fini(w);
	free(w->ref);
	free(w->ifc);
	free(w->path);
	free(w);
}

int writer_close_lost(struct writer *w, uint64_t *lost, int *errnum, char *err, size_t errlen)
{
	return writer_finish(w, true, lost, errnum, err, errlen);
}

int writer_finish(struct writer *w, bool sync, uint64_t *lost, int *errnum, char *err, size_t errlen)
{
	int rc = 0;

	if (lost)
		*lost = 0;
	if (!w)
		return 0;
	(void)refs_out(w, errnum, err, errlen);
	if (seal_and_drain(w, SEAL_FINISH, errnum, err, errlen) < 0) {
		uint64_t n = w->ops->held(w);
		size_t len = err ? strlen(err) : 0;

		if (lost)
			*lost = n;
		if (err && len + 1 < errlen)
			snprintf(err + len, errlen - len, "; %llu frames lost at close", (unsigned long long)n);
		rc = -1;
	} else if (sync && w->regular && fsync(w->fd) < 0) {
		set_errnum(errnum, errno);
		rc = errf(err, errlen, "%s: fsync failed: %s", w->path, strerror(errno));
	}
	writer_free(w);
	return rc;
}

int writer_close(struct writer *w, int *errnum, char *err, size_t errlen)
{
	return writer_close_lost(w, NULL, errnum, err, errlen);
}

bool writer_header(const struct writer *w, const uint8_t **p, size_t *len)
{
	if (w->frames != 0 || w->len != w->bytes || w->len == 0)
		return false;
	*p = w->buf;
	*len = w->len;
	return true;
}

uint64_t writer_member_start(const struct writer *w)
{
	return w->zc ? w->bytes - w->len : w->bytes;
}

uint64_t writer_bytes(const struct writer *w)
{
	return w->bytes;
}

uint64_t writer_frames(const struct writer *w)
{
	return w->frames;
}

uint64_t writer_disk_bytes(const struct writer *w)
{
	return w->disk;
}

bool writer_last_member(const struct writer *w, struct writer_member *m)
{
	if (w->members == 0)
		return false;
	*m = w->last;
	return true;
}

uint64_t writer_pending_frames(const struct writer *w)
{
	return w->ops->held(w) + (w->ref ? w->ref->frames : 0);
}

/* ---------------------------------------------------------------- names */

static const char *const format_names[] = {
	[OUT_PCAP_US] = "pcap",
	[OUT_PCAP_NS] = "pcap-ns",
	[OUT_PCAPNG] = "pcapng",
};

const char *out_format_name(enum out_format f)
{
	if ((unsigned)f < sizeof format_names / sizeof format_names[0])
		return format_names[f];
	return "unknown";
}

bool out_format_parse(const char *s, enum out_format *out)
{
	for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++) {
		if (s && strcmp(s, format_names[i]) == 0) {
			*out = (enum out_format)i;
			return true;
		}
	}
	return false;
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && strncasecmp(s + n - k, suffix, k) == 0;
}

bool out_name_is_gzip(const char *path)
{
	return path && ends_with(path, strlen(path), ".gz");
}

bool out_name_is_zstd(const char *path)
{
	return path && ends_with(path, strlen(path), ".zst");
}

bool out_format_from_name(const char *path, enum out_format *out)
{
	size_t n;

	if (!path)
		return false;
	n = strlen(path);
	if (ends_with(path, n, ".gz"))
		n -= 3;
	else if (ends_with(path, n, ".zst"))
		n -= 4;
	if (ends_with(path, n, ".pcapng")) {
		*out = OUT_PCAPNG;
		return true;
	}
	if (ends_with(path, n, ".pcap")) {
		*out = OUT_PCAP_US;
		return true;
	}
	return false;
}
