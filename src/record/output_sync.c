/* SPDX-License-Identifier: BSD-2-Clause */
/* One background thread that fsyncs, closes and publishes finished files in the order they were handed over. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcaprec/index.h"
#include "pcaprec/out_sync.h"
#include "pcaprec/service.h"
#include "pcaprec/util.h"

/*
 * Files handed over and not finished yet, at most. Each holds an open fd;
 * a disk that stays slower than the rotation rate makes the writer wait
 * here rather than pile up descriptors without bound.
 */
#define OUT_SYNC_MAX_PENDING 32u

struct sync_node {
	struct out_sync_job job;
	bool done;
	struct sync_node *next;
};

struct out_sync {
	int dirfd;
	const char *dirpath;
	output_log_fn *log;
	void *log_ctx;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work;         /* the thread waits: a job was queued, or stop */
	pthread_cond_t finished;     /* out_sync_wait waits: a job is done */
	struct sync_node *head, *tail;   /* FIFO, oldest first; done jobs form a prefix */
	struct sync_node *next_run;      /* first job not yet started, or NULL */
	unsigned pending;                /* submitted and not done */
	bool stop;
};

void out_index_file(const char *path, output_log_fn *log, void *log_ctx)
{
	char err[900];
	bool damaged = false;

	if (pidx_build_file(path, NULL, &damaged, err, sizeof err) != 0)
		out_log(log, log_ctx, "index of %s not written: %s", path, err);
	else if (damaged)
		out_log(log, log_ctx, "index of %s covers the records before the damage: %s", path, err);
}

/* The job's sidecar bytes into a new temporary file `tmp` in the directory; false (logged) on failure. */
static bool index_tmp(struct out_sync_job *j, int dirfd, const char *dirpath, char *tmp,
		      output_log_fn *log, void *log_ctx)
{
	static unsigned seq;
	size_t done = 0;
	int fd, n = snprintf(tmp, NAME_MAX + 1, ".%s" PIDX_SUFFIX ".tmp-%ld-%u", j->name, (long)getpid(), ++seq);

	if (n < 0 || n > NAME_MAX)
		snprintf(tmp, NAME_MAX + 1, PIDX_SUFFIX ".tmp-%ld-%u", (long)getpid(), seq);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, j->mode);
	if (fd < 0)
		goto fail;
	if (fchmod(fd, j->mode) != 0 || (j->gid != (gid_t)-1 && fchown(fd, (uid_t)-1, j->gid) != 0))
		goto fail_fd;
	while (done < j->pidx_len) {
		ssize_t w = write(fd, j->pidx + done, j->pidx_len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail_fd;
		done += (size_t)w;
	}
	/*
	 * No fsync: a sidecar cut short by a crash fails its checksum and is
	 * ignored (and rebuilt by pcaprec index); the capture's own fsync is
	 * what must not wait twice.
	 */
	if (close(fd) != 0) {
		fd = -1;
		goto fail_unlink;
	}
	return true;
fail_fd:
	close(fd);
fail_unlink:
	unlinkat(dirfd, tmp, 0);
fail:
	out_log(log, log_ctx, "index of %s%s not written: %s", dirpath, j->name, strerror(errno));
	tmp[0] = '\0';
	return false;
}

/* Put the sidecar in place as NAME.pidx, unless NAME is taken (the rename of the file would fail). */
static bool index_place(int dirfd, const char *tmp, const char *name)
{
	char side[NAME_MAX + 1];
	struct stat st;

	if (!tmp[0] || fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ||
	    snprintf(side, sizeof side, "%s" PIDX_SUFFIX, name) >= (int)sizeof side)
		return false;
	return renameat(dirfd, tmp, dirfd, side) == 0;
}

static void index_unplace(int dirfd, const char *tmp, const char *name)
{
	char side[NAME_MAX + 1];

	if (snprintf(side, sizeof side, "%s" PIDX_SUFFIX, name) < (int)sizeof side)
		renameat(dirfd, side, dirfd, tmp);
}

void out_sync_run(struct out_sync_job *j, int dirfd, const char *dirpath, output_log_fn *log,
		  void *log_ctx)
{
	char orig[NAME_MAX + 1], tmp[NAME_MAX + 1] = "";
	struct stat st;
	size_t at;

	if (fsync(j->fd) != 0)
		out_logp(log, log_ctx, SVC_ERR, "%s%s: fsync failed: %s", dirpath, j->part, strerror(errno));
	j->size = fstat(j->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	close(j->fd);
	j->fd = -1;
	if (j->index && j->pidx) {
		pidx_deflate_flows(&j->pidx, &j->pidx_len);
		index_tmp(j, dirfd, dirpath, tmp, log, log_ctx);
	}
	free(j->pidx);
	j->pidx = NULL;
	memcpy(orig, j->name, sizeof orig);
	at = strlen(orig) > j->ext_len ? strlen(orig) - j->ext_len : 0;
	for (unsigned c = 1; c < 100000; c++) {
		bool placed = index_place(dirfd, tmp, j->name);

		if (out_rename_noreplace(dirfd, j->part, j->name) == 0) {
			fsync(dirfd);
			j->published = 0;
			if (j->index && !placed) {
				char path[PATH_MAX];

				if (tmp[0])
					unlinkat(dirfd, tmp, 0);
				snprintf(path, sizeof path, "%s%s", dirpath, j->name);
				out_index_file(path, log, log_ctx);
			}
			return;
		}
		int e = errno;

		if (placed)
			index_unplace(dirfd, tmp, j->name);
		errno = e;
		if (errno != EEXIST)
			break;
		if (snprintf(j->name, NAME_MAX - 5, "%.*s-%u%s", (int)at, orig, c, orig + at) >= NAME_MAX - 5)
			break;
	}
	out_logp(log, log_ctx, SVC_ERR, "cannot publish %s%s: %s; left as it is", dirpath, j->part, strerror(errno));
	if (tmp[0])
		unlinkat(dirfd, tmp, 0);
	j->published = -1;
}

static void *sync_main(void *arg)
{
	struct out_sync *s = arg;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		struct sync_node *n;

		while (!s->next_run && !s->stop)
			pthread_cond_wait(&s->work, &s->mu);
		if (!s->next_run)
			break;
		n = s->next_run;
		s->next_run = n->next;
		pthread_mutex_unlock(&s->mu);
		out_sync_run(&n->job, s->dirfd, s->dirpath, s->log, s->log_ctx);
		pthread_mutex_lock(&s->mu);
		n->done = true;
		s->pending--;
		pthread_cond_broadcast(&s->finished);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

struct out_sync *out_sync_open(int dirfd, const char *dirpath, output_log_fn *log, void *log_ctx)
{
	struct out_sync *s = calloc(1, sizeof *s);
	int e;

	if (!s)
		return NULL;
	s->dirfd = dirfd;
	s->dirpath = dirpath;
	s->log = log;
	s->log_ctx = log_ctx;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->work, NULL);
	pthread_cond_init(&s->finished, NULL);
	e = thread_start_quiet(&s->thread, sync_main, s);
	if (e != 0) {
		pthread_cond_destroy(&s->finished);
		pthread_cond_destroy(&s->work);
		pthread_mutex_destroy(&s->mu);
		free(s);
		return NULL;
	}
	return s;
}

bool out_sync_submit(struct out_sync *s, const struct out_sync_job *j, int dirfd,
		     const char *dirpath, output_log_fn *log, void *log_ctx,
		     struct out_sync_job *inline_done)
{
	struct sync_node *n = s ? calloc(1, sizeof *n) : NULL;

	if (!n) {
		/* Without the thread the order still holds: everything before is done too. */
		if (s)
			out_sync_wait(s);
		*inline_done = *j;
		out_sync_run(inline_done, dirfd, dirpath, log, log_ctx);
		return true;
	}
	n->job = *j;
	pthread_mutex_lock(&s->mu);
	while (s->pending >= OUT_SYNC_MAX_PENDING)
		pthread_cond_wait(&s->finished, &s->mu);
	s->pending++;
	if (s->tail)
		s->tail->next = n;
	else
		s->head = n;
	s->tail = n;
	if (!s->next_run)
		s->next_run = n;
	pthread_cond_signal(&s->work);
	pthread_mutex_unlock(&s->mu);
	return false;
}

bool out_sync_reap(struct out_sync *s, struct out_sync_job *out)
{
	struct sync_node *n = NULL;

	if (!s)
		return false;
	pthread_mutex_lock(&s->mu);
	if (s->head && s->head->done) {
		n = s->head;
		s->head = n->next;
		if (!s->head)
			s->tail = NULL;
	}
	pthread_mutex_unlock(&s->mu);
	if (!n)
		return false;
	*out = n->job;
	free(n);
	return true;
}

void out_sync_wait(struct out_sync *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	while (s->next_run || (s->tail && !s->tail->done))
		pthread_cond_wait(&s->finished, &s->mu);
	pthread_mutex_unlock(&s->mu);
}

void out_sync_close(struct out_sync *s)
{
	struct out_sync_job j;

	if (!s)
		return;
	out_sync_wait(s);
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_signal(&s->work);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	while (out_sync_reap(s, &j))
		;
	pthread_cond_destroy(&s->finished);
	pthread_cond_destroy(&s->work);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
