/* SPDX-License-Identifier: BSD-2-Clause */
/* One background thread that fsyncs, closes and publishes finished files in the order they were handed over. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

void out_sync_run(struct out_sync_job *j, int dirfd, const char *dirpath, output_log_fn *log,
		  void *log_ctx)
{
	char orig[NAME_MAX + 1];
	struct stat st;
	size_t at;

	if (fsync(j->fd) != 0)
		out_logp(log, log_ctx, SVC_ERR, "%s%s: fsync failed: %s", dirpath, j->part, strerror(errno));
	j->size = fstat(j->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	close(j->fd);
	j->fd = -1;
	memcpy(orig, j->name, sizeof orig);
	at = strlen(orig) > j->ext_len ? strlen(orig) - j->ext_len : 0;
	for (unsigned c = 1; c < 100000; c++) {
		if (out_rename_noreplace(dirfd, j->part, j->name) == 0) {
			fsync(dirfd);
			j->published = 0;
			return;
		}
		if (errno != EEXIST)
			break;
		if (snprintf(j->name, NAME_MAX - 5, "%.*s-%u%s", (int)at, orig, c, orig + at) >= NAME_MAX - 5)
			break;
	}
	out_logp(log, log_ctx, SVC_ERR, "cannot publish %s%s: %s; left as it is", dirpath, j->part, strerror(errno));
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
