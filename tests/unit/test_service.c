/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for sd_notify datagrams and the journal check (src/util/service.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "pcaprec/service.h"

/* A datagram socket bound to `name` ('@' = abstract); returns the fd. */
static int listen_at(const char *name)
{
	struct sockaddr_un sa;
	size_t n = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, name, n);
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	assert_int_equal(bind(fd, (struct sockaddr *)&sa,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (name[0] == '/'))), 0);
	return fd;
}

static void expect_datagram(int fd, const char *want)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);

	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

static void test_notify_path_and_abstract(void **state)
{
	char path[] = "/tmp/pcaprec-notify-XXXXXX";
	char sock[64], abs_name[64];
	int fd;

	(void)state;
	assert_non_null(mkdtemp(path));
	snprintf(sock, sizeof sock, "%s/s", path);
	fd = listen_at(sock);
	setenv("NOTIFY_SOCKET", sock, 1);
	assert_int_equal(svc_notify("READY=1"), 1);
	expect_datagram(fd, "READY=1");
	assert_int_equal(svc_notify("STATUS=a b\nX=1"), 1);
	expect_datagram(fd, "STATUS=a b\nX=1");
	close(fd);
	unlink(sock);
	rmdir(path);
	/* abstract: the address is the name without a NUL, so a different length is a different socket */
	snprintf(abs_name, sizeof abs_name, "@pcaprec-test-%ld", (long)getpid());
	fd = listen_at(abs_name);
	setenv("NOTIFY_SOCKET", abs_name, 1);
	assert_int_equal(svc_notify("READY=1"), 1);
	expect_datagram(fd, "READY=1");
	close(fd);
	/* nobody listening: an error, not a hang or a crash */
	assert_int_equal(svc_notify("READY=1"), -1);
	unsetenv("NOTIFY_SOCKET");
}

static void test_notify_unset_and_bad(void **state)
{
	static const char *const bad[] = { "relative/path", "@", "x",
		"/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };

	(void)state;
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(svc_notify("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "", 1);
	assert_int_equal(svc_notify("READY=1"), 0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		setenv("NOTIFY_SOCKET", bad[i], 1);
		assert_int_equal(svc_notify("READY=1"), -1);
	}
	unsetenv("NOTIFY_SOCKET");
}

static void test_journal_stream(void **state)
{
	struct stat st;
	char v[64];

	(void)state;
	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	unsetenv("JOURNAL_STREAM");
	assert_false(svc_stderr_is_journal());
	assert_string_equal(svc_line_prefix(stderr, SVC_ERR), "");
	snprintf(v, sizeof v, "%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
	assert_true(svc_stderr_is_journal());
	assert_string_equal(svc_line_prefix(stderr, SVC_ERR), "<3>");
	assert_string_equal(svc_line_prefix(stderr, SVC_WARNING), "<4>");
	assert_string_equal(svc_line_prefix(stderr, SVC_INFO), "<6>");
	assert_string_equal(svc_line_prefix(stdout, SVC_INFO), "");
	/* stderr redirected elsewhere by a child of the service: plain lines again */
	snprintf(v, sizeof v, "%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino + 1);
	setenv("JOURNAL_STREAM", v, 1);
	assert_false(svc_stderr_is_journal());
	setenv("JOURNAL_STREAM", "12:34x", 1);
	assert_false(svc_stderr_is_journal());
	unsetenv("JOURNAL_STREAM");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notify_path_and_abstract),
		cmocka_unit_test(test_notify_unset_and_bad),
		cmocka_unit_test(test_journal_stream),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
