/* SPDX-License-Identifier: BSD-2-Clause */
/* sd_notify(3) datagrams and journal priority prefixes, without libsystemd. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "pcaprec/service.h"

/*
 * The protocol (sd_notify(3), "NOTIFY_SOCKET"; systemd's docs/NOTIFY.md):
 * the state text is sent as one datagram over AF_UNIX/SOCK_DGRAM to the
 * address in $NOTIFY_SOCKET; a leading '@' names an abstract socket (the
 * '@' becomes a NUL byte and the address length counts only the name).
 * systemd identifies the sender from the socket's credentials, so no
 * other framing is needed.
 */
int svc_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	size_t n;
	socklen_t alen;
	ssize_t sent;
	int fd, saved;

	if (!path || !*path)
		return 0;
	n = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || n < 2 || n >= sizeof sa.sun_path)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, n);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	/* a path counts its NUL; an abstract name is exactly its bytes */
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (path[0] == '/'));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	do
		sent = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (const struct sockaddr *)&sa, alen);
	while (sent < 0 && errno == EINTR);
	saved = errno;
	close(fd);
	errno = saved;
	return sent == (ssize_t)strlen(state) ? 1 : -1;
}

bool svc_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char tail;

	return js && sscanf(js, "%llu:%llu%c", &dev, &ino, &tail) == 2 &&
		fstat(STDERR_FILENO, &st) == 0 && (unsigned long long)st.st_dev == dev &&
		(unsigned long long)st.st_ino == ino;
}

const char *svc_line_prefix(FILE *fp, int prio)
{
	static const char *const pfx[8] = { "<0>", "<1>", "<2>", "<3>", "<4>", "<5>", "<6>", "<7>" };

	if (fp != stderr)
		return "";
	if (svc_stderr_is_journal())
		return pfx[prio & 7];
	/* erase a live counter (record on a terminal) before the line */
	return isatty(STDERR_FILENO) ? "\r\033[K" : "";
}

void svc_log(int prio, const char *fmt, ...)
{
	char msg[8192];   /* paths up to PATH_MAX and their message */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s%s\n", svc_line_prefix(stderr, prio), msg);
}
