/* SPDX-License-Identifier: BSD-2-Clause */
/* Parallel chunk compressor: chunks made into independent gzip members or zstd frames on worker threads, emitted in order. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "pcaprec/util.h"
#include "pcaprec/zpar.h"

#define ZPAR_DEFAULT_MAX 8u

enum slot_state { SLOT_FREE, SLOT_QUEUED, SLOT_BUSY, SLOT_DONE };

struct zp_slot {
	enum slot_state state;     /* under the mutex once submitted */
	uint8_t *in;               /* input: chunk_cap bytes */
	size_t in_len;
	uint64_t frames;
	uint8_t *out;              /* out_cap bytes: the whole member or frame */
	size_t out_len;
	char fail[80];             /* the compressor's complaint, "" when it worked */
};

/* One worker's compressor state: a zlib stream or a zstd context. */
struct zp_worker {
	struct zpar *z;
	z_stream zs;
	bool zs_live;
	ZSTD_CCtx *cc;
	pthread_t thread;
	bool started;
};

struct zpar {
	pthread_mutex_t mu;
	pthread_cond_t work;       /* a chunk was queued, or stop */
	pthread_cond_t done;       /* a chunk was compressed */
	bool stop;
	enum zpar_codec codec;
	int level;
	size_t cap, out_cap;
	struct zp_slot *slot;
	unsigned nslot;
	unsigned head;             /* oldest submitted, unreleased chunk */
	unsigned n;                /* submitted, unreleased chunks; head + n is the staging slot */
	struct zp_worker *w;
	unsigned nw;
	uint64_t held;             /* caller-only */
};

/*
 * One gzip member (RFC 1952) for the chunk: zlib writes the header (no
 * name, MTIME 0, OS 3), the deflate data ending in a final block, and the
 * CRC-32/ISIZE trailer.
 */
static void gzip_member(struct zp_slot *s, z_stream *zs)
{
	int rc = deflateReset(zs);

	if (rc == Z_OK) {
		zs->next_in = s->in;
		zs->avail_in = (uInt)s->in_len;
		zs->next_out = s->out;
		zs->avail_out = (uInt)s->out_len;
		rc = deflate(zs, Z_FINISH);
	}
	if (rc != Z_STREAM_END)
		snprintf(s->fail, sizeof s->fail, "zlib deflate failed (%d)", rc);
	s->out_len -= zs->avail_out;
}

/* One zstd frame (RFC 8878) for the chunk, with its content size and checksum. */
static void zstd_frame(struct zp_slot *s, ZSTD_CCtx *cc)
{
	size_t n = ZSTD_compress2(cc, s->out, s->out_len, s->in, s->in_len);

	if (ZSTD_isError(n)) {
		snprintf(s->fail, sizeof s->fail, "zstd compression failed: %s", ZSTD_getErrorName(n));
		n = 0;
	}
	s->out_len = n;
}

/* The oldest queued chunk, or NULL. Called with the mutex held. */
static struct zp_slot *queued_locked(struct zpar *z)
{
	for (unsigned i = 0; i < z->n; i++) {
		struct zp_slot *s = &z->slot[(z->head + i) % z->nslot];

		if (s->state == SLOT_QUEUED)
			return s;
	}
	return NULL;
}

static void *worker_main(void *arg)
{
	struct zp_worker *me = arg;
	struct zpar *z = me->z;

	pthread_mutex_lock(&z->mu);
	for (;;) {
		struct zp_slot *s;

		while (!z->stop && !(s = queued_locked(z)))
			pthread_cond_wait(&z->work, &z->mu);
		if (z->stop)
			break;
		s->state = SLOT_BUSY;
		pthread_mutex_unlock(&z->mu);
		if (z->codec == ZPAR_ZSTD)
			zstd_frame(s, me->cc);
		else
			gzip_member(s, &me->zs);
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
	return n > (long)ZPAR_DEFAULT_MAX ? ZPAR_DEFAULT_MAX : (unsigned)n;
}

static int alloc_slots(struct zpar *z)
{
	z->slot = calloc(z->nslot, sizeof *z->slot);
	if (!z->slot)
		return -1;
	for (unsigned i = 0; i < z->nslot; i++) {
		struct zp_slot *s = &z->slot[i];

		s->in = malloc(z->cap);
		s->out = malloc(z->out_cap);
		if (!s->in || !s->out)
			return -1;
	}
	return 0;
}

/* Workers take no signals: those are for the thread that waits for them. */
static int start_workers(struct zpar *z)
{
	for (unsigned i = 0; i < z->nw; i++) {
		if (thread_start_quiet(&z->w[i].thread, worker_main, &z->w[i]) != 0)
			return -1;
		z->w[i].started = true;
	}
	return 0;
}

static int init_zstd(struct zpar *z, struct zp_worker *w)
{
	w->cc = ZSTD_createCCtx();
	if (!w->cc ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(w->cc, ZSTD_c_compressionLevel, z->level)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(w->cc, ZSTD_c_checksumFlag, 1)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(w->cc, ZSTD_c_contentSizeFlag, 1)))
		return -1;
	z->out_cap = ZSTD_compressBound(z->cap);
	return 0;
}

static int init_workers(struct zpar *z)
{
	z->w = calloc(z->nw, sizeof *z->w);
	if (!z->w)
		return -1;
	for (unsigned i = 0; i < z->nw; i++) {
		struct zp_worker *w = &z->w[i];

		w->z = z;
		if (z->codec == ZPAR_ZSTD) {
			if (init_zstd(z, w) < 0)
				return -1;
			continue;
		}
		/* windowBits 15 + 16: zlib writes the gzip wrapper of each member */
		if (deflateInit2(&w->zs, z->level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			return -1;
		w->zs_live = true;
		z->out_cap = deflateBound(&w->zs, (uLong)z->cap);
	}
	return 0;
}

struct zpar *zpar_open(enum zpar_codec codec, int level, unsigned threads, size_t chunk_cap,
		       const char *what, char *err, size_t errlen)
{
	int max = codec == ZPAR_ZSTD ? ZPAR_ZSTD_LEVEL_MAX : ZPAR_GZIP_LEVEL_MAX;
	struct zpar *z;

	if (level < 1 || level > max || threads > ZPAR_MAX_THREADS || chunk_cap == 0 ||
	    chunk_cap > UINT32_MAX / 2) {
		errf(err, errlen, "%s: %s level %d / %u threads out of range", what,
		     zpar_codec_name(codec), level, threads);
		return NULL;
	}
	z = calloc(1, sizeof *z);
	if (!z) {
		errf(err, errlen, "%s: out of memory for the %s compressor", what, zpar_codec_name(codec));
		return NULL;
	}
	pthread_mutex_init(&z->mu, NULL);
	pthread_cond_init(&z->work, NULL);
	pthread_cond_init(&z->done, NULL);
	z->codec = codec;
	z->level = level;
	z->cap = chunk_cap;
	z->nw = threads ? threads : default_threads();
	/* one staging, one per worker, one finished and waiting for the fd */
	z->nslot = z->nw + 2;
	if (init_workers(z) < 0 || alloc_slots(z) < 0) {
		errf(err, errlen, "%s: out of memory for the %s compressor", what, zpar_codec_name(codec));
		zpar_close(z);
		return NULL;
	}
	if (start_workers(z) < 0) {
		errf(err, errlen, "%s: cannot start %s compression threads", what, zpar_codec_name(codec));
		zpar_close(z);
		return NULL;
	}
	return z;
}

void zpar_close(struct zpar *z)
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
		ZSTD_freeCCtx(z->w[i].cc);
	}
	for (unsigned i = 0; z->slot && i < z->nslot; i++) {
		free(z->slot[i].in);
		free(z->slot[i].out);
	}
	free(z->slot);
	free(z->w);
	pthread_cond_destroy(&z->done);
	pthread_cond_destroy(&z->work);
	pthread_mutex_destroy(&z->mu);
	free(z);
}

uint8_t *zpar_stage(const struct zpar *z)
{
	return z->slot[(z->head + z->n) % z->nslot].in;
}

bool zpar_can_submit(const struct zpar *z)
{
	return z->n + 1 < z->nslot;
}

void zpar_submit(struct zpar *z, size_t len, uint64_t frames)
{
	struct zp_slot *s = &z->slot[(z->head + z->n) % z->nslot];

	s->in_len = len;
	s->frames = frames;
	s->fail[0] = '\0';
	s->out_len = z->out_cap;
	z->held += frames;
	pthread_mutex_lock(&z->mu);
	s->state = SLOT_QUEUED;
	z->n++;
	pthread_cond_signal(&z->work);
	pthread_mutex_unlock(&z->mu);
}

int zpar_next(struct zpar *z, bool wait, struct zpar_chunk *c, char *err, size_t errlen)
{
	struct zp_slot *s;
	enum slot_state st;

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
	if (s->fail[0])
		return errf(err, errlen, "%s", s->fail);
	c->out = s->out;
	c->out_len = s->out_len;
	c->in_len = s->in_len;
	c->frames = s->frames;
	return 1;
}

void zpar_done(struct zpar *z)
{
	struct zp_slot *s = &z->slot[z->head];

	z->held -= s->frames;
	pthread_mutex_lock(&z->mu);
	s->state = SLOT_FREE;
	z->head = (z->head + 1) % z->nslot;
	z->n--;
	pthread_mutex_unlock(&z->mu);
}

uint64_t zpar_held_frames(const struct zpar *z)
{
	return z->held;
}

unsigned zpar_threads(const struct zpar *z)
{
	return z->nw;
}

const char *zpar_codec_name(enum zpar_codec codec)
{
	return codec == ZPAR_ZSTD ? "zstd" : "gzip";
}
