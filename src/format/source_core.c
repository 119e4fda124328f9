/* SPDX-License-Identifier: BSD-2-Clause */
/* The byte source window: in-place for mapped files and memory, buffered for pipes and gzip. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcaprec/source.h"
#include "pcaprec/util.h"

#define SOURCE_CHUNK (1u << 20)
/*
 * Mapped pages far behind the reader are dropped from our mapping (not from
 * the page cache) every RELEASE_STEP bytes, so reading a big file does not
 * grow the process's resident set to the file's size. RELEASE_KEEP is more
 * than the largest record, so a frame just returned stays mapped.
 */
#define SOURCE_RELEASE_STEP (64u << 20)
#define SOURCE_RELEASE_KEEP (32u << 20)
#define SOURCE_PREFETCH_AHEAD 8192u
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22  /* Linux uapi value; C libraries older than the flag lack it */
#endif
#define SOURCE_POPULATE_STEP (2u << 20)
#define SOURCE_POPULATE_AHEAD (1u << 20)

/*
 * Window [pos, len) of `base`. In direct mode base is the whole input and
 * `ops` is NULL; in buffered mode base == buf and ops refills it.
 */
struct source {
	const uint8_t *base;
	size_t pos;
	size_t len;
	uint8_t *buf;
	size_t cap;
	uint64_t off;          /* stream offset of base[0] */
	const struct source_ops *ops;
	void *ctx;
	bool eof;
	bool failed;
	void *map;             /* munmap at close */
	size_t map_len;
	size_t released;       /* mapped bytes [0, released) already dropped */
	size_t populated;      /* mapped bytes [0, populated) asked into our page tables */
	uint64_t input_size;   /* known size of the input, 0 if unknown */
	char err[512];
};

struct fd_ctx {
	int fd;
	bool own;
	uint64_t in;
};

static long fd_read(void *vctx, uint8_t *buf, size_t cap, char *err, size_t errlen)
{
	struct fd_ctx *c = vctx;
	ssize_t r;

	do
		r = read(c->fd, buf, cap);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errf(err, errlen, "read error at input byte %llu: %s",
			    (unsigned long long)c->in, strerror(errno));
	c->in += (uint64_t)r;
	return (long)r;
}

static void fd_close(void *vctx)
{
	struct fd_ctx *c = vctx;

	if (c && c->own)
		close(c->fd);
	free(c);
}

static uint64_t fd_in_bytes(const void *vctx)
{
	const struct fd_ctx *c = vctx;

	return c->in;
}

static const struct source_ops fd_ops = { fd_read, fd_close, fd_in_bytes, NULL };

static struct source *source_alloc(char *err, size_t errlen)
{
	struct source *s = calloc(1, sizeof *s);

	if (!s)
		errf(err, errlen, "out of memory");
	return s;
}

struct source *source_open_ops(const struct source_ops *ops, void *ctx, char *err, size_t errlen)
{
	struct source *s = source_alloc(err, errlen);

	if (!s) {
		ops->close(ctx);
		return NULL;
	}
	s->ops = ops;
	s->ctx = ctx;
	s->buf = malloc(SOURCE_CHUNK);
	if (!s->buf) {
		source_close(s);
		errf(err, errlen, "out of memory");
		return NULL;
	}
	s->cap = SOURCE_CHUNK;
	s->base = s->buf;
	return s;
}

/* The decoder for data starting at `p`: gzip (1f 8b) or zstd (28 b5 2f fd); NULL for plain data. */
static const struct source_ops *compressed_ops(const uint8_t *p, size_t len)
{
	if (len >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return &source_gzip_ops;
	if (len >= 4 && ld_le32(p) == 0xfd2fb528u)
		return &source_zstd_ops;
	return NULL;
}

/* A decoder context for `ops` (source_gzip_ctx's arguments). */
static void *compressed_ctx(const struct source_ops *ops, const uint8_t *mem, size_t memlen, int fd,
			    bool own_fd, const uint8_t *pre, size_t prelen, char *err, size_t errlen)
{
	if (ops == &source_zstd_ops)
		return source_zstd_ctx(mem, memlen, fd, own_fd, pre, prelen, err, errlen);
	return source_gzip_ctx(mem, memlen, fd, own_fd, pre, prelen, err, errlen);
}

/* A direct source over `data`; decompressed through a buffered source if it starts with a gzip or zstd magic. */
static struct source *direct_or_compressed(const uint8_t *data, size_t len, void *map, char *err, size_t errlen)
{
	const struct source_ops *ops = compressed_ops(data, len);
	struct source *s;

	if (ops) {
		void *ctx = compressed_ctx(ops, data, len, -1, false, NULL, 0, err, errlen);

		if (!ctx) {
			if (map)
				munmap(map, len);
			return NULL;
		}
		s = source_open_ops(ops, ctx, err, errlen);
	} else {
		s = source_alloc(err, errlen);
		if (s) {
			s->base = data;
			s->len = len;
			s->eof = true;
		}
	}
	if (!s) {
		if (map)
			munmap(map, len);
		return NULL;
	}
	s->map = map;
	s->map_len = map ? len : 0;
	s->input_size = len;
	return s;
}

struct source *source_open_mem(const void *data, size_t len, char *err, size_t errlen)
{
	static const uint8_t empty[1];

	return direct_or_compressed(data ? data : empty, data ? len : 0, NULL, err, errlen);
}

/* A pipe or other unmappable fd: read the first bytes to tell gzip from plain. */
static struct source *stream_source(int fd, bool own, char *err, size_t errlen)
{
	struct fd_ctx *fc = calloc(1, sizeof *fc);
	struct source *s;

	if (!fc) {
		if (own)
			close(fd);
		errf(err, errlen, "out of memory");
		return NULL;
	}
	fc->fd = fd;
	fc->own = own;
	s = source_open_ops(&fd_ops, fc, err, errlen);
	if (!s)
		return NULL;
	/* four bytes tell plain, gzip and zstd apart */
	while (s->len < 4) {
		long r = fd_read(fc, s->buf + s->len, s->cap - s->len, s->err, sizeof s->err);

		if (r <= 0) {
			s->failed = r < 0;
			s->eof = r == 0;
			break;
		}
		s->len += (size_t)r;
	}
	const struct source_ops *ops = compressed_ops(s->buf, s->len);

	if (!ops)
		return s;
	void *ctx = compressed_ctx(ops, NULL, 0, fd, own, s->buf, s->len, err, errlen);
	fc->own = false;
	source_close(s);
	if (!ctx)
		return NULL;
	return source_open_ops(ops, ctx, err, errlen);
}

struct source *source_open_path(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	if (strcmp(path, "-") == 0)
		return stream_source(STDIN_FILENO, false, err, errlen);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		errf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		errf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		errf(err, errlen, "%s: is a directory", path);
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode))
		return stream_source(fd, true, err, errlen);
	if (st.st_size == 0) {
		close(fd);
		return source_open_mem(NULL, 0, err, errlen);
	}
	/* Map instead of read: frames then point into the page cache, no copies. */
	void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		errf(err, errlen, "%s: mmap: %s", path, strerror(errno));
		return NULL;
	}
	madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
	return direct_or_compressed(map, (size_t)st.st_size, map, err, errlen);
}

struct source *source_open_path_at(const char *path, uint64_t file_off, uint64_t raw_off,
				   char *err, size_t errlen)
{
	struct source *s = source_open_path(path, err, errlen);
	const uint8_t *data;
	size_t len, page = (size_t)sysconf(_SC_PAGESIZE);

	if (!s)
		return NULL;
	if (!s->map || file_off > s->map_len) {
		errf(err, errlen, "%s: cannot start reading at byte %llu: not a mapped file of that size",
		     path, (unsigned long long)file_off);
		source_close(s);
		return NULL;
	}
	if (file_off == 0 && raw_off == 0)
		return s;
	data = s->map;
	len = s->map_len;
	if (!s->ops) {
		if (raw_off != file_off) {
			errf(err, errlen, "%s: plain file: raw offset %llu differs from file offset %llu",
			     path, (unsigned long long)raw_off, (unsigned long long)file_off);
			source_close(s);
			return NULL;
		}
		s->pos = (size_t)file_off;
		s->released = s->populated = (size_t)file_off & ~(page - 1);
		return s;
	}
	/* compressed: a new decoder from the member at file_off; offsets count from raw_off */
	if (compressed_ops(data + file_off, len - (size_t)file_off) != s->ops) {
		errf(err, errlen, "%s: byte %llu: expected the start of a %s member", path,
		     (unsigned long long)file_off, s->ops->compression);
		source_close(s);
		return NULL;
	}
	s->ops->close(s->ctx);
	s->ctx = compressed_ctx(s->ops, data + file_off, len - (size_t)file_off, -1, false, NULL, 0,
				err, errlen);
	if (!s->ctx) {
		s->ops = NULL;
		source_close(s);
		return NULL;
	}
	if (s->ops == &source_zstd_ops)
		source_zstd_set_base(s->ctx, file_off, raw_off);
	else
		source_gzip_set_base(s->ctx, file_off, raw_off);
	s->pos = s->len = 0;
	s->off = raw_off;
	return s;
}

/* Grow the buffer to hold `n` bytes from pos, moving the unread tail to the front. */
static int source_make_room(struct source *s, size_t n)
{
	size_t keep = s->len - s->pos;

	if (s->pos > 0) {
		memmove(s->buf, s->buf + s->pos, keep);
		s->off += s->pos;
		s->pos = 0;
		s->len = keep;
	}
	if (n > s->cap) {
		size_t ncap = s->cap * 2 > n ? s->cap * 2 : n;
		uint8_t *nb;

		if (ncap > SOURCE_MAX_NEED)
			ncap = SOURCE_MAX_NEED;
		nb = realloc(s->buf, ncap);
		if (!nb)
			return errf(s->err, sizeof s->err, "out of memory for a %zu byte buffer", ncap);
		s->buf = nb;
		s->base = nb;
		s->cap = ncap;
	}
	return 0;
}

int source_need(struct source *s, size_t n, const uint8_t **p, size_t *avail)
{
	while (s->len - s->pos < n && !s->eof) {
		long r;

		if (s->failed)
			return -1;
		if (n > SOURCE_MAX_NEED) {
			s->failed = true;
			return errf(s->err, sizeof s->err, "internal: %zu byte request exceeds %u",
				    n, SOURCE_MAX_NEED);
		}
		if (s->len == s->cap || s->pos + n > s->cap) {
			if (source_make_room(s, n) < 0) {
				s->failed = true;
				return -1;
			}
		}
		r = s->ops->read(s->ctx, s->buf + s->len, s->cap - s->len, s->err, sizeof s->err);
		if (r < 0) {
			s->failed = true;
			return -1;
		}
		if (r == 0)
			s->eof = true;
		s->len += (size_t)r;
	}
	*p = s->base + s->pos;
	*avail = s->len - s->pos;
	if (*avail < n && s->failed)
		return -1;
	return *avail >= n ? 0 : 1;
}

bool source_direct(const struct source *s, const uint8_t **p, size_t *avail)
{
	if (s->ops)
		return false;
	*p = s->base + s->pos;
	*avail = s->len - s->pos;
	return true;
}

static void source_release(struct source *s)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t upto = (s->pos - SOURCE_RELEASE_KEEP) & ~(page - 1);

	if (upto > s->released) {
		madvise((uint8_t *)s->map + s->released, upto - s->released, MADV_DONTNEED);
		s->released = upto;
	}
}

/*
 * Maps the next SOURCE_POPULATE_STEP bytes into the page tables in one call
 * (MADV_POPULATE_READ, Linux 5.14), so the reader does not take a minor
 * fault every few pages; on older kernels the call fails and faults remain.
 */
static void source_populate(struct source *s)
{
	size_t end = s->populated + SOURCE_POPULATE_STEP;

	if (end > s->map_len)
		end = s->map_len;
	if (end > s->populated)
		madvise((uint8_t *)s->map + s->populated, end - s->populated, MADV_POPULATE_READ);
	s->populated = end;
}

/*
 * Records are read at their start only, ~600 bytes apart: too sparse for
 * the hardware stream prefetcher, so each advance asks for the lines it
 * moved over, SOURCE_PREFETCH_AHEAD bytes further on.
 */
static void source_prefetch(const struct source *s, size_t from, size_t n)
{
	size_t lo = from + SOURCE_PREFETCH_AHEAD, hi = lo + n;

	if (hi > s->len)
		hi = s->len;
	for (size_t i = lo & ~(size_t)63; i < hi; i += 64)
		__builtin_prefetch(s->base + i);
}

void source_advance(struct source *s, size_t n)
{
	if (s->map && !s->ops)
		source_prefetch(s, s->pos, n);
	s->pos += n;
	if (s->map && !s->ops && s->pos + SOURCE_POPULATE_AHEAD > s->populated &&
	    s->populated < s->map_len)
		source_populate(s);
	if (s->map && !s->ops && s->pos - s->released >= SOURCE_RELEASE_STEP + SOURCE_RELEASE_KEEP)
		source_release(s);
}

void source_members_push(struct source_members *q, uint64_t file_off, uint64_t raw_off)
{
	size_t i;

	if (q->n == SOURCE_MEMBERS) {
		q->head = (q->head + 1) % SOURCE_MEMBERS;
		q->n--;
	}
	i = (q->head + q->n++) % SOURCE_MEMBERS;
	q->file[i] = file_off;
	q->raw[i] = raw_off;
}

size_t source_members_take(struct source_members *q, uint64_t *file_off, uint64_t *raw_off, size_t max)
{
	size_t n = 0;

	while (n < max && q->n > 0) {
		file_off[n] = q->file[q->head];
		raw_off[n++] = q->raw[q->head];
		q->head = (q->head + 1) % SOURCE_MEMBERS;
		q->n--;
	}
	return n;
}

size_t source_take_members(struct source *s, uint64_t *file_off, uint64_t *raw_off, size_t max)
{
	if (s->ops == &source_zstd_ops)
		return source_zstd_take_members(s->ctx, file_off, raw_off, max);
	if (s->ops != &source_gzip_ops)
		return 0;
	return source_gzip_take_members(s->ctx, file_off, raw_off, max);
}

uint64_t source_offset(const struct source *s)
{
	return s->off + s->pos;
}

bool source_compressed(const struct source *s)
{
	return s->ops && s->ops->compression;
}

const char *source_compression(const struct source *s)
{
	return s->ops ? s->ops->compression : NULL;
}

uint64_t source_input_size(const struct source *s)
{
	if (s->input_size || !s->ops || !s->ops->in_bytes)
		return s->input_size;
	return s->ops->in_bytes(s->ctx);
}

const char *source_error(const struct source *s)
{
	return s->err;
}

void source_close(struct source *s)
{
	if (!s)
		return;
	if (s->ops)
		s->ops->close(s->ctx);
	if (s->map)
		munmap(s->map, s->map_len);
	free(s->buf);
	free(s);
}
