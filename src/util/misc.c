/* SPDX-License-Identifier: BSD-2-Clause */
/* Error-buffer formatting, clocks, threads and the machine's available memory. */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pcaprec/util.h"

int errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t now_realtime_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

uint64_t now_monotonic_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

int thread_start_quiet(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int e;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	e = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return e;
}

bool meminfo_available(const char *text, uint64_t *bytes)
{
	const char *p = strstr(text, "MemAvailable:");
	uint64_t kib = 0;
	bool digits = false;

	if (!p)
		return false;
	for (p += strlen("MemAvailable:"); *p == ' ' || *p == '\t'; p++)
		;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (kib > (UINT64_MAX / 1024 - 9) / 10)
			return false;
		kib = kib * 10 + (uint64_t)(*p - '0');
		digits = true;
	}
	if (!digits || strncmp(p, " kB", 3) != 0)
		return false;
	*bytes = kib * 1024;
	return true;
}

bool mem_available(uint64_t *bytes)
{
	char buf[8192];
	ssize_t n;
	int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
	long pages = sysconf(_SC_AVPHYS_PAGES), psz = sysconf(_SC_PAGESIZE);

	if (fd >= 0) {
		n = read(fd, buf, sizeof buf - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		if (n > 0 && meminfo_available(buf, bytes))
			return true;
	}
	/* Kernels before 3.14 lack MemAvailable: free pages are a lower bound. */
	if (pages <= 0 || psz <= 0)
		return false;
	*bytes = (uint64_t)pages * (uint64_t)psz;
	return true;
}
