/* SPDX-License-Identifier: BSD-2-Clause */
/* Test shim for LD_PRELOAD: fsync(2) of a regular file first sleeps SLOW_FSYNC_MS, like a slow disk, and logs it. */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/*
 * SLOW_FSYNC_MS: the delay in milliseconds (default 1000).
 * SLOW_FSYNC_LOG: if set, one line per delayed fsync is appended to this
 * file, so a test can prove the shim was in effect.
 */
int fsync(int fd)
{
	static int (*real_fsync)(int);
	const char *ms = getenv("SLOW_FSYNC_MS"), *log = getenv("SLOW_FSYNC_LOG");
	struct stat st;

	if (!real_fsync)
		*(void **)&real_fsync = dlsym(RTLD_NEXT, "fsync");
	if (!real_fsync)
		return -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		long v = ms ? strtol(ms, NULL, 10) : 1000;
		struct timespec ts = { v / 1000, (v % 1000) * 1000000L };

		nanosleep(&ts, NULL);
		if (log) {
			int lfd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

			if (lfd >= 0) {
				(void)write(lfd, "fsync\n", 6);
				close(lfd);
			}
		}
	}
	return real_fsync(fd);
}
