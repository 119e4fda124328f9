/* SPDX-License-Identifier: BSD-2-Clause */
/* The single-file record sink: one writer on one file (or stdout), flushed every tick. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcaprec/record.h"
#include "pcaprec/util.h"

struct file_sink {
	struct writer *w;
	int fd;
	bool is_stdout;
	char path[4096];
};

struct file_sink *file_sink_open(const char *path, const struct writer_opts *wo, int *errnum,
				 char *err, size_t errlen)
{
	struct file_sink *fs;

	*errnum = 0;
	if (strlen(path) >= sizeof fs->path) {
		*errnum = ENAMETOOLONG;
		errf(err, errlen, "output path is too long");
		return NULL;
	}
	fs = calloc(1, sizeof *fs);
	if (!fs) {
		*errnum = ENOMEM;
		errf(err, errlen, "out of memory");
		return NULL;
	}
	memcpy(fs->path, path, strlen(path) + 1);
	fs->is_stdout = strcmp(path, "-") == 0;
	if (fs->is_stdout) {
		fs->fd = STDOUT_FILENO;
	} else {
		fs->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fs->fd < 0) {
			*errnum = errno;
			if (errno == EEXIST)
				errf(err, errlen, "%s: file exists; pcaprec never overwrites a capture "
				     "(remove it or choose another name)", path);
			else
				errf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
			free(fs);
			return NULL;
		}
	}
	fs->w = writer_open(fs->fd, fs->is_stdout ? "<stdout>" : path, wo, err, errlen);
	if (!fs->w) {
		*errnum = EINVAL;
		file_sink_abort(fs);
		return NULL;
	}
	return fs;
}

void file_sink_abort(struct file_sink *fs)
{
	int e;
	char msg[8];

	if (!fs)
		return;
	writer_close(fs->w, &e, msg, sizeof msg);
	if (!fs->is_stdout)
		close(fs->fd);
	free(fs);
}

static int file_sink_write(void *ctx, const struct frame *f, char *err, size_t errlen)
{
	struct file_sink *fs = ctx;
	int e = 0;

	if (writer_write(fs->w, f, &e, err, errlen) == 0)
		return 0;
	/* Out of space: the writer truncated back to the last whole record; keep going. */
	if (e == ENOSPC || e == EDQUOT || e == EFBIG)
		return 1;
	return -1;
}

static int file_sink_tick(void *ctx, uint64_t now, char *err, size_t errlen)
{
	struct file_sink *fs = ctx;
	int e = 0;

	(void)now;
	if (writer_flush(fs->w, false, &e, err, errlen) == 0)
		return 0;
	return (e == ENOSPC || e == EDQUOT || e == EFBIG) ? 0 : -1;
}

static int file_sink_close(void *ctx, const struct iface_stats *st, size_t nst, char *err,
			   size_t errlen)
{
	struct file_sink *fs = ctx;
	int e = 0, rc = 0;

	for (size_t i = 0; i < nst && rc == 0; i++)
		rc = writer_write_stats(fs->w, (uint32_t)i, &st[i], &e, err, errlen);
	if (writer_close(fs->w, &e, rc ? NULL : err, rc ? 0 : errlen) < 0)
		rc = -1;
	fs->w = NULL;
	if (!fs->is_stdout && close(fs->fd) < 0 && rc == 0)
		rc = errf(err, errlen, "%s: close: %s", fs->path, strerror(errno));
	free(fs);
	return rc;
}

static const struct record_sink_ops file_sink_ops = {
	.write = file_sink_write,
	.tick = file_sink_tick,
	.close = file_sink_close,
};

struct record_sink file_sink_get(struct file_sink *fs)
{
	struct record_sink s = { &file_sink_ops, fs };

	return s;
}
