/* SPDX-License-Identifier: BSD-2-Clause */
/* Parallel gzip compressor: chunks deflated on worker threads, emitted in order as one gzip member. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "pcaprec/gzpar.h"
#include "pcaprec/util.h"

#define GZPAR_DEFAULT_MAX 8u
#define GZ_WINDOW 32768u           /* deflate's window: the preset dictionary size */
#define GZ_HEAD_LEN 10u            /* RFC 1952 section 2.3: member header, no optional fields */
#define GZ_TAIL_LEN 8u             /* CRC32 and ISIZE, little-endian */
#define GZ_MARGIN 64u              /* sync marker and block headers beyond deflateBound */

enum slot_state { SLOT_FREE, SLOT_QUEUED, SLOT_BUSY, SLOT_DONE };

struct gz_slot {
	enum slot_state state;     /* under the mutex once submitted */
	uint8_t *in;               /* input: chunk_cap bytes */
	size_t in_len;
	uint64_t frames;
	bool last, first;
	uint8_t *dict;             /* the GZ_WINDOW bytes of input before this chunk */
	size_t dict_len;
	uint8_t *out;              /* GZ_HEAD_LEN room, deflate output, GZ_TAIL_LEN room */
	size_t out_len;            /* deflate bytes at out + GZ_HEAD_LEN */
	uint32_t crc;              /* CRC-32 of this chunk's input */
	int zrc;                   /* zlib result when deflate failed, else Z_OK */
	bool framed;               /* header/trailer placed (gzpar_next ran once) */
};

struct gz_worker {
	struct gzpar *z;
	z_stream zs;
	bool zs_live;
	pthread_t thread;
	bool started;
};

struct gzpar {
	pthread_mutex_t mu;
	pthread_cond_t work;       /* a chunk was queued, or stop */
	pthread_cond_t done;       /* a chunk was compressed */
	bool stop;
	int level;
	size_t cap, out_cap;
	struct gz_slot *slot;
	unsigned nslot;
	unsigned head;             /* oldest submitted, unreleased chunk */
	unsigned n;                /* submitted, unreleased chunks; head + n is the staging slot */
	struct gz_worker *w;
	unsigned nw;
	/* caller-only state */
	bool ended, any;
	uint8_t win[GZ_WINDOW];    /* the last input bytes submitted */
	size_t win_len;
	uint32_t crc;              /* CRC-32 of all input released so far */
	uint64_t isize;
	uint64_t held;
};

static void chunk_deflate(struct gz_slot *s, z_stream *zs)
{
	int flush = s->last ? Z_FINISH : Z_SYNC_FLUSH;
	int want = s->last ? Z_STREAM_END : Z_OK;
	size_t room;
	int rc;

	s->crc = (uint32_t)crc32(0L, s->in, (uInt)s->in_len);
	rc = deflateReset(zs);
	if (rc == Z_OK && s->dict_len > 0)
		rc = deflateSetDictionary(zs, s->dict, (uInt)s->dict_len);
	if (rc != Z_OK) {
		s->zrc = rc;
		return;
	}
	room = s->out_len;  /* set by the submitter: the deflate area's size */
	zs->next_in = s->in;
	zs->avail_in = (uInt)s->in_len;
	zs->next_out = s->out + GZ_HEAD_LEN;
	zs->avail_out = (uInt)room;
	rc = deflate(zs, flush);
	s->zrc = rc == want && zs->avail_in == 0 && zs->avail_out > 0 ? Z_OK : (rc == Z_OK ? Z_BUF_ERROR : rc);
	s->out_len = room - zs->avail_out;
}

/* The oldest queued chunk, or NULL. Called with the mutex held. */
static struct gz_slot *queued_locked(struct gzpar *z)
{
	for (unsigned i = 0; i < z->n; i++) {
		struct gz_slot *s = &z->slot[(z->head + i) % z->nslot];

		if (s->state == SLOT_QUEUED)
			return s;
	}
	return NULL;
}

static void *worker_main(void *arg)
{
	struct gz_worker *me = arg;
	struct gzpar *z = me->z;

	pthread_mutex_lock(&z->mu);
	for (;;) {
		struct gz_slot *s;

		while (!z->stop && !(s = queued_locked(z)))
			pthread_cond_wait(&z->work, &z->mu);
		if (z->stop)
			break;
		s->state = SLOT_BUSY;
		pthread_mutex_unlock(&z->mu);
		chunk_deflate(s, &me->zs);
		pthread_mutex_lock(&z->mu);
		s->state = SLOT_DONE;
		pthread_cond_broadcast(&z->done);
	}
	pthread_mutex_unlock(&z->mu);
	return NULL;
}

static unsigned default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > (long)GZPAR_DEFAULT_MAX ? GZPAR_DEFAULT_MAX : (unsigned)n;
}

static int alloc_slots(struct gzpar *z)
{
	z->slot = calloc(z->nslot, sizeof *z->slot);
	if (!z->slot)
		return -1;
	for (unsigned i = 0; i < z->nslot; i++) {
		struct gz_slot *s = &z->slot[i];

		s->in = malloc(z->cap);
		s->dict = malloc(GZ_WINDOW);
		s->out = malloc(GZ_HEAD_LEN + z->out_cap + GZ_TAIL_LEN);
		if (!s->in || !s->dict || !s->out)
			return -1;
	}
	return 0;
}

/* Workers take no signals: those are for the thread that waits for them. */
static int start_workers(struct gzpar *z)
{
	for (unsigned i = 0; i < z->nw; i++) {
		if (thread_start_quiet(&z->w[i].thread, worker_main, &z->w[i]) != 0)
			return -1;
		z->w[i].started = true;
	}
	return 0;
}

static int init_workers(struct gzpar *z)
{
	z->w = calloc(z->nw, sizeof *z->w);
	if (!z->w)
		return -1;
	for (unsigned i = 0; i < z->nw; i++) {
		struct gz_worker *w = &z->w[i];

		w->z = z;
		/* windowBits -15: raw deflate; the gzip framing is ours (one member for all chunks) */
		if (deflateInit2(&w->zs, z->level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			return -1;
		w->zs_live = true;
	}
	z->out_cap = deflateBound(&z->w[0].zs, (uLong)z->cap) + GZ_MARGIN;
	return 0;
}

struct gzpar *gzpar_open(int level, unsigned threads, size_t chunk_cap, const char *what,
			 char *err, size_t errlen)
{
	struct gzpar *z;

	if (level < 1 || level > 9 || threads > GZPAR_MAX_THREADS || chunk_cap == 0) {
		errf(err, errlen, "%s: gzip level %d / %u threads out of range", what, level, threads);
		return NULL;
	}
	z = calloc(1, sizeof *z);
	if (!z) {
		errf(err, errlen, "%s: out of memory for the gzip compressor", what);
		return NULL;
	}
	pthread_mutex_init(&z->mu, NULL);
	pthread_cond_init(&z->work, NULL);
	pthread_cond_init(&z->done, NULL);
	z->level = level;
	z->cap = chunk_cap;
	z->nw = threads ? threads : default_threads();
	/* one staging, one per worker, one finished and waiting for the fd */
	z->nslot = z->nw + 2;
	z->crc = (uint32_t)crc32(0L, Z_NULL, 0);
	if (init_workers(z) < 0 || alloc_slots(z) < 0) {
		errf(err, errlen, "%s: out of memory for the gzip compressor", what);
		gzpar_close(z);
		return NULL;
	}
	if (start_workers(z) < 0) {
		errf(err, errlen, "%s: cannot start gzip compression threads", what);
		gzpar_close(z);
		return NULL;
	}
	return z;
}

void gzpar_close(struct gzpar *z)
{
	if (!z)
		return;
	pthread_mutex_lock(&z->mu);
	z->stop = true;
	pthread_cond_broadcast(&z->work);
	pthread_mutex_unlock(&z->mu);
	for (unsigned i = 0; z->w && i < z->nw; i++) {
		if (z->w[i].started)
			pthread_join(z->w[i].thread, NULL);
		if (z->w[i].zs_live)
			deflateEnd(&z->w[i].zs);
	}
	for (unsigned i = 0; z->slot && i < z->nslot; i++) {
		free(z->slot[i].in);
		free(z->slot[i].dict);
		free(z->slot[i].out);
	}
	free(z->slot);
	free(z->w);
	pthread_cond_destroy(&z->done);
	pthread_cond_destroy(&z->work);
	pthread_mutex_destroy(&z->mu);
	free(z);
}

uint8_t *gzpar_stage(const struct gzpar *z)
{
	return z->ended ? NULL : z->slot[(z->head + z->n) % z->nslot].in;
}

bool gzpar_can_submit(const struct gzpar *z, bool last)
{
	return !z->ended && (last ? z->n < z->nslot : z->n + 1 < z->nslot);
}

/* Keep the last GZ_WINDOW bytes of all input submitted: the next chunk's dictionary. */
static void window_add(struct gzpar *z, const uint8_t *p, size_t len)
{
	if (len >= GZ_WINDOW) {
		memcpy(z->win, p + len - GZ_WINDOW, GZ_WINDOW);
		z->win_len = GZ_WINDOW;
		return;
	}
	if (z->win_len + len > GZ_WINDOW) {
		size_t keep = GZ_WINDOW - len;

		memmove(z->win, z->win + z->win_len - keep, keep);
		z->win_len = keep;
	}
	memcpy(z->win + z->win_len, p, len);
	z->win_len += len;
}

void gzpar_submit(struct gzpar *z, size_t len, uint64_t frames, bool last)
{
	struct gz_slot *s = &z->slot[(z->head + z->n) % z->nslot];

	s->in_len = len;
	s->frames = frames;
	s->last = last;
	s->first = !z->any;
	s->framed = false;
	s->zrc = Z_OK;
	s->out_len = z->out_cap;
	memcpy(s->dict, z->win, z->win_len);
	s->dict_len = z->win_len;
	window_add(z, s->in, len);
	z->any = true;
	z->ended = last;
	z->held += frames;
	pthread_mutex_lock(&z->mu);
	s->state = SLOT_QUEUED;
	z->n++;
	pthread_cond_signal(&z->work);
	pthread_mutex_unlock(&z->mu);
}

/*
 * RFC 1952 section 2.3: ID1 ID2, CM 8 (deflate), no flags, MTIME 0 (a
 * stream has no file time), XFL 2 for the slowest level and 4 for the
 * fastest, OS 3 (Unix): what zlib writes for a stream.
 */
static void put_gzip_header(uint8_t *p, int level)
{
	static const uint8_t head[GZ_HEAD_LEN] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };

	memcpy(p, head, GZ_HEAD_LEN);
	p[8] = level == 9 ? 2 : level == 1 ? 4 : 0;
}

int gzpar_next(struct gzpar *z, bool wait, const uint8_t **out, size_t *len, uint64_t *frames,
	       char *err, size_t errlen)
{
	struct gz_slot *s;
	enum slot_state st;
	size_t start;

	if (z->n == 0)
		return 0;
	s = &z->slot[z->head];
	pthread_mutex_lock(&z->mu);
	while (wait && s->state != SLOT_DONE)
		pthread_cond_wait(&z->done, &z->mu);
	st = s->state;
	pthread_mutex_unlock(&z->mu);
	if (st != SLOT_DONE)
		return 0;
	if (s->zrc != Z_OK)
		return errf(err, errlen, "zlib deflate failed (%d)", s->zrc);
	if (!s->framed) {
		if (s->first)
			put_gzip_header(s->out, z->level);
		if (s->last) {
			uint8_t *t = s->out + GZ_HEAD_LEN + s->out_len;

			st_le32(t, (uint32_t)crc32_combine(z->crc, s->crc, (z_off_t)s->in_len));
			st_le32(t + 4, (uint32_t)(z->isize + s->in_len));
		}
		s->framed = true;
	}
	start = s->first ? 0 : GZ_HEAD_LEN;
	*out = s->out + start;
	*len = GZ_HEAD_LEN - start + s->out_len + (s->last ? GZ_TAIL_LEN : 0);
	*frames = s->frames;
	return 1;
}

void gzpar_done(struct gzpar *z)
{
	struct gz_slot *s = &z->slot[z->head];

	z->crc = (uint32_t)crc32_combine(z->crc, s->crc, (z_off_t)s->in_len);
	z->isize += s->in_len;
	z->held -= s->frames;
	pthread_mutex_lock(&z->mu);
	s->state = SLOT_FREE;
	z->head = (z->head + 1) % z->nslot;
	z->n--;
	pthread_mutex_unlock(&z->mu);
}

uint64_t gzpar_held_frames(const struct gzpar *z)
{
	return z->held;
}

unsigned gzpar_threads(const struct gzpar *z)
{
	return z->nw;
}
