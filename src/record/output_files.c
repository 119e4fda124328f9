/* SPDX-License-Identifier: BSD-2-Clause */
/* The ring of finished files: rebuild from the directory, leftover .part recovery, budget deletion, no-replace rename. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcaprec/index.h"
#include "pcaprec/output.h"
#include "pcaprec/service.h"
#include "pcaprec/reader.h"
#include "pcaprec/util.h"
#include "pcaprec/zcut.h"

int out_ring_push(struct out_ring *r, const char *name, uint64_t size, int64_t mtime_ns)
{
	struct out_ring_entry *e;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct out_ring_entry *v = realloc(r->v, cap * sizeof *v);

		if (!v)
			return -1;
		r->v = v;
		r->cap = cap;
	}
	e = &r->v[r->n];
	e->name = strdup(name);
	if (!e->name)
		return -1;
	e->size = size;
	e->mtime_ns = mtime_ns;
	r->n++;
	r->total += size;
	return 0;
}

void out_ring_free(struct out_ring *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].name);
	free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
	r->total = 0;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct out_ring_entry *x = a, *y = b;

	if (x->mtime_ns != y->mtime_ns)
		return x->mtime_ns < y->mtime_ns ? -1 : 1;
	return strcmp(x->name, y->name);
}

int out_rename_noreplace(int dirfd, const char *from, const char *to)
{
	if (renameat2(dirfd, from, dirfd, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* Filesystems without RENAME_NOREPLACE: link fails with EEXIST just the same. */
	if (linkat(dirfd, from, dirfd, to, 0) != 0)
		return -1;
	if (unlinkat(dirfd, from, 0) != 0)
		return -1;
	return 0;
}

static int64_t st_mtime_ns(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

static uint32_t get32(const uint8_t *p, bool be)
{
	return be ? ld_be32(p) : ld_le32(p);
}

/* End of the last whole pcap record (Section "Record header" of the pcap format). */
static uint64_t pcap_good_end(int fd, uint64_t size, bool be)
{
	uint64_t off = 24;
	uint8_t h[16];

	while (off + 16 <= size && pread(fd, h, 16, (off_t)off) == 16) {
		uint32_t incl = get32(h + 8, be);

		if (incl > 16u * 1024 * 1024 || off + 16 + incl > size)
			break;
		off += 16 + incl;
	}
	return off > size ? size : off;
}

/* End of the last whole pcapng block: length sane and repeated in the trailer (pcapng 3.1). */
static uint64_t pcapng_good_end(int fd, uint64_t size, bool be)
{
	uint64_t off = 0;
	uint8_t h[8], t[4];

	while (off + 12 <= size && pread(fd, h, 8, (off_t)off) == 8) {
		uint32_t len = get32(h + 4, be);

		if (len < 12 || len % 4 || len > 16u * 1024 * 1024 || off + len > size ||
		    pread(fd, t, 4, (off_t)(off + len - 4)) != 4 || get32(t, be) != len)
			break;
		off += len;
	}
	return off;
}

/*
 * A compressed leftover is whole members (gzip or zstd) up to the last
 * flush, then maybe one the crash cut short: keep the members that
 * decompress whole with a good checksum, cut the rest, so the file is a
 * complete gzip or zstd file of whole records. One with no whole member
 * (a single cut-off member, as from an older recorder) is left as it is:
 * cutting it would leave nothing. True when the file was compressed.
 */
static bool trim_compressed(int fd, const char *part, uint64_t size, output_log_fn *log, void *log_ctx)
{
	uint64_t good, members, raw;
	char err[256];
	int kind = zcut_good_end(fd, size, &good, &members, &raw, err, sizeof err);

	if (kind == ZCUT_PLAIN)
		return false;
	if (kind < 0)
		out_log(log, log_ctx, "leftover %s: %s; not cut", part, err);
	else if (good == 0)
		out_log(log, log_ctx, "leftover %s: no whole %s member; left as it is", part,
			kind == ZCUT_GZIP ? "gzip" : "zstd");
	else if (good < size && ftruncate(fd, (off_t)good) == 0)
		out_log(log, log_ctx, "leftover %s: cut from %llu to %llu bytes, after its last whole "
			"%s member (%llu members, %llu bytes uncompressed)", part, (unsigned long long)size,
			(unsigned long long)good, kind == ZCUT_GZIP ? "gzip" : "zstd",
			(unsigned long long)members, (unsigned long long)raw);
	return true;
}

/*
 * A recorder killed mid-write (or a power loss) can leave a partial record
 * at the end of a plain file: cut it so libpcap reads the file without
 * complaint. Compressed files are cut after their last whole member.
 */
static void trim_partial(int fd, const char *part, uint64_t size, output_log_fn *log, void *log_ctx)
{
	uint8_t m[12];
	uint64_t good;

	if (trim_compressed(fd, part, size, log, log_ctx))
		return;
	if (size < 24 || pread(fd, m, 12, 0) != 12)
		return;
	if (ld_le32(m) == 0xa1b2c3d4 || ld_le32(m) == 0xa1b23c4d)
		good = pcap_good_end(fd, size, false);
	else if (ld_be32(m) == 0xa1b2c3d4 || ld_be32(m) == 0xa1b23c4d)
		good = pcap_good_end(fd, size, true);
	else if (ld_le32(m) == 0x0a0d0d0a && ld_le32(m + 8) == 0x1a2b3c4d)
		good = pcapng_good_end(fd, size, false);
	else if (ld_le32(m) == 0x0a0d0d0a && ld_be32(m + 8) == 0x1a2b3c4d)
		good = pcapng_good_end(fd, size, true);
	else
		return;
	if (good < size && ftruncate(fd, (off_t)good) == 0)
		out_log(log, log_ctx, "leftover %s: cut from %llu to %llu bytes (partial record at the end)",
			part, (unsigned long long)size, (unsigned long long)good);
}

/*
 * Whether a directory entry may be ours: a regular file (not a symlink,
 * FIFO or device) owned by `owner`. Writes why not into why.
 */
static bool owned_file(const struct stat *st, uid_t owner, char *why, size_t whylen)
{
	if (!S_ISREG(st->st_mode))
		snprintf(why, whylen, "is not a regular file");
	else if (st->st_uid != owner)
		snprintf(why, whylen, "is owned by uid %u, not by this recorder's uid %u",
			 (unsigned)st->st_uid, (unsigned)owner);
	else
		return true;
	return false;
}

/*
 * Publish one leftover NAME.part, if it is a regular file of `owner`: one
 * planted by another user is never opened for writing, cut, published or
 * handed to a hook. A recorder holds an exclusive flock on the .part it
 * writes, so a lock we cannot take means it is alive.
 */
static void recover_part(struct out_ring *r, struct out_ring *published, int dirfd, uid_t owner,
			 const char *part, output_log_fn *log, void *log_ctx)
{
	char name[NAME_MAX + 1], why[96];
	size_t n = strlen(part) - 5;
	struct stat st, pre;
	int fd;

	memcpy(name, part, n);
	name[n] = '\0';
	if (fstatat(dirfd, part, &pre, AT_SYMLINK_NOFOLLOW) != 0)
		return;
	if (!owned_file(&pre, owner, why, sizeof why)) {
		out_log(log, log_ctx, "leftover %s %s; left alone", part, why);
		return;
	}
	/* a second name for some other file of ours (without protected_hardlinks) is no leftover */
	if (pre.st_nlink != 1) {
		out_log(log, log_ctx, "leftover %s has %lu links; left alone", part, (unsigned long)pre.st_nlink);
		return;
	}
	fd = openat(dirfd, part, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		out_log(log, log_ctx, "leftover %s: %s; left alone", part, strerror(errno));
		return;
	}
	/* the name may have been given to another file since the look above */
	if (fstat(fd, &st) != 0 || st.st_ino != pre.st_ino || st.st_dev != pre.st_dev ||
	    !owned_file(&st, owner, why, sizeof why)) {
		out_log(log, log_ctx, "leftover %s changed while being looked at; left alone", part);
		close(fd);
		return;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		out_log(log, log_ctx, "leftover %s is in use by a running recorder; left alone", part);
		close(fd);
		return;
	}
	trim_partial(fd, part, (uint64_t)st.st_size, log, log_ctx);
	if (fstat(fd, &st) != 0) {
		close(fd);
		return;
	}
	if (out_rename_noreplace(dirfd, part, name) != 0) {
		out_log(log, log_ctx, "leftover %s not published: %s%s", part, strerror(errno),
			errno == EEXIST ? " (the final name is taken); left in place" : "");
		close(fd);
		return;
	}
	fsync(dirfd);
	close(fd);
	out_logp(log, log_ctx, SVC_INFO, "published leftover %s as %s (%llu bytes)", part, name,
		(unsigned long long)st.st_size);
	if (out_ring_push(r, name, (uint64_t)st.st_size, st_mtime_ns(&st)) != 0 ||
	    (published && out_ring_push(published, name, (uint64_t)st.st_size, st_mtime_ns(&st)) != 0))
		out_log(log, log_ctx, "out of memory tracking %s", name);
}

/* True when name is "X.part" and X is one of the template's names. */
static bool is_leftover(const char *name, struct rot_matcher *m)
{
	size_t n = strlen(name);
	char base[NAME_MAX + 1];

	if (n <= 5 || n > NAME_MAX || strcmp(name + n - 5, ".part") != 0)
		return false;
	memcpy(base, name, n - 5);
	base[n - 5] = '\0';
	return rot_matcher_match(m, base, NULL);
}

int out_ring_scan(struct out_ring *r, int dirfd, struct rot_matcher *m, uid_t owner,
		  struct out_ring *published, output_log_fn *log, void *log_ctx,
		  char *err, size_t errlen)
{
	struct out_ring parts = { 0 };
	struct dirent *de;
	struct stat st;
	char why[96];
	unsigned foreign = 0;
	int fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return errf(err, errlen, "cannot read the output directory: %s", strerror(errno));
	}
	/* the dup shares dirfd's offset, which an earlier scan left at the end */
	rewinddir(d);
	r->owned = true;
	r->owner = owner;
	while ((de = readdir(d)) != NULL) {
		if (is_leftover(de->d_name, m)) {
			if (out_ring_push(&parts, de->d_name, 0, 0) != 0)
				goto oom;
			continue;
		}
		if (!rot_matcher_match(m, de->d_name, NULL))
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (!owned_file(&st, owner, why, sizeof why)) {
			foreign++;
			continue;
		}
		if (out_ring_push(r, de->d_name, (uint64_t)st.st_size, st_mtime_ns(&st)) != 0)
			goto oom;
	}
	closedir(d);
	d = NULL;
	if (foreign)
		out_log(log, log_ctx, "%u file%s named like this recorder's but not regular files of uid %u: "
			"never counted toward -W/--max-total/--min-free nor deleted", foreign,
			foreign == 1 ? "" : "s", (unsigned)owner);
	for (size_t i = 0; i < parts.n; i++)
		recover_part(r, published, dirfd, owner, parts.v[i].name, log, log_ctx);
	out_ring_free(&parts);
	if (r->n > 1)
		qsort(r->v, r->n, sizeof r->v[0], entry_cmp);
	return 0;
oom:
	closedir(d);
	out_ring_free(&parts);
	return errf(err, errlen, "out of memory listing the output directory");
}

int out_file_count(const char *path, struct hook_file *hf, char *err, size_t errlen)
{
	struct reader *rd = reader_open(path, err, errlen);
	struct frame f;
	int rc;

	hf->packets = 0;
	hf->first_ts_ns = hf->last_ts_ns = 0;
	if (!rd)
		return -1;
	while ((rc = reader_next(rd, &f)) == 1) {
		/* file order, as output sets them while writing */
		if (hf->packets++ == 0)
			hf->first_ts_ns = f.ts_ns;
		hf->last_ts_ns = f.ts_ns;
	}
	if (rc < 0)
		errf(err, errlen, "%s", reader_error(rd));
	reader_close(rd);
	return rc < 0 ? -1 : 0;
}

/* Remove the oldest entry from the ring, deleting its file. */
/* The index beside a deleted capture goes with it (NAME.pidx, see index.h). */
static void out_unlink_sidecar(int dirfd, const char *name)
{
	char side[NAME_MAX + 1];

	if (snprintf(side, sizeof side, "%s" PIDX_SUFFIX, name) < (int)sizeof side)
		unlinkat(dirfd, side, 0);
}

static void drop_first(struct out_ring *r, int dirfd, const char *dirpath,
		       const char *why, output_log_fn *log, void *log_ctx)
{
	struct out_ring_entry *e = &r->v[0];
	struct stat st;
	char whynot[96];

	/* another user may have put a file under this name since the scan (not in a sticky directory) */
	if (r->owned && fstatat(dirfd, e->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !owned_file(&st, r->owner, whynot, sizeof whynot))
		out_log(log, log_ctx, "not deleting %s%s (%s): it %s now", dirpath, e->name, why, whynot);
	else if (unlinkat(dirfd, e->name, 0) == 0) {
		out_logp(log, log_ctx, SVC_INFO, "deleted %s%s (%s)", dirpath, e->name, why);
		out_unlink_sidecar(dirfd, e->name);
	}
	else if (errno != ENOENT)
		out_log(log, log_ctx, "cannot delete %s%s: %s", dirpath, e->name, strerror(errno));
	r->total -= e->size;
	free(e->name);
	memmove(r->v, r->v + 1, (r->n - 1) * sizeof r->v[0]);
	r->n--;
}

unsigned out_ring_enforce(struct out_ring *r, int dirfd, const char *dirpath, unsigned keep,
			  uint64_t max_total, output_log_fn *log, void *log_ctx)
{
	unsigned deleted = 0;

	while (r->n > 1) {
		if (keep && r->n > keep)
			drop_first(r, dirfd, dirpath, "-W/--keep", log, log_ctx);
		else if (max_total && r->total > max_total)
			drop_first(r, dirfd, dirpath, "--max-total", log, log_ctx);
		else
			break;
		deleted++;
	}
	return deleted;
}

bool out_ring_drop_oldest(struct out_ring *r, int dirfd, const char *dirpath,
			  output_log_fn *log, void *log_ctx)
{
	if (r->n == 0)
		return false;
	drop_first(r, dirfd, dirpath, "--min-free", log, log_ctx);
	return true;
}
