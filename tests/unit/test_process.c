/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the pidfile: exclusive while held, stale detection, recorder lookup checks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "pcaprec/process.h"

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void test_pidfile(void **state)
{
	char dir[] = "/tmp/pcaprec-test-pid-XXXXXX", path[128], err[256], want[64];
	struct pidfile *pf, *pf2;
	FILE *fp;
	int pid = 0;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/rec.pid", dir);

	/* a stale file (nobody holds it) is taken over */
	write_file(path, "999999\n");
	err[0] = '\0';
	assert_int_equal(pidfile_find_recorder(path, err, sizeof err), -1);
	assert_non_null(strstr(err, "stale"));
	pf = pidfile_create(path, err, sizeof err);
	assert_non_null(pf);
	fp = fopen(path, "r");
	assert_int_equal(fscanf(fp, "%d", &pid), 1);
	fclose(fp);
	assert_int_equal(pid, getpid());

	/* a held one is not */
	pf2 = pidfile_create(path, err, sizeof err);
	assert_null(pf2);
	snprintf(want, sizeof want, "pid %d", (int)getpid());
	assert_non_null(strstr(err, want));

	/* held, live, but this test binary is not pcaprec */
	assert_int_equal(pidfile_find_recorder(path, err, sizeof err), -1);
	assert_non_null(strstr(err, "not pcaprec"));

	pidfile_remove(pf);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(pidfile_find_recorder(path, err, sizeof err), -1);

	write_file(path, "junk\n");
	assert_int_equal(pidfile_find_recorder(path, err, sizeof err), -1);
	assert_non_null(strstr(err, "does not hold a process id"));
	unlink(path);
	rmdir(dir);
}

static void test_priv_lookup(void **state)
{
	uid_t uid;
	gid_t gid;
	char err[256];
	(void)state;

	assert_int_equal(priv_lookup("root", &uid, &gid, err, sizeof err), 0);
	assert_int_equal(uid, 0);
	assert_int_equal(priv_lookup("0", &uid, &gid, err, sizeof err), 0);
	assert_int_equal(uid, 0);
	assert_int_equal(priv_lookup("no-such-user-pcaprec", &uid, &gid, err, sizeof err), -1);
	assert_non_null(strstr(err, "no-such-user-pcaprec"));
	assert_int_equal(priv_drop("root", 0, 0, err, sizeof err), -1);
}

/* Needs root: the check switches fs ids; a 0755 root dir is not writable by nobody, a 0777 one is. */
static void test_priv_check_dir(void **state)
{
	char dir[] = "/tmp/pcaprec-test-priv-XXXXXX", err[512];
	uid_t uid;
	gid_t gid;
	(void)state;

	if (geteuid() != 0)
		fail_msg("this test needs root (it switches filesystem ids)");
	assert_int_equal(priv_lookup("nobody", &uid, &gid, err, sizeof err), 0);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(priv_check_dir(dir, "nobody", uid, gid, err, sizeof err), -1);
	assert_non_null(strstr(err, dir));
	assert_non_null(strstr(err, "not writable by nobody"));
	/* still root afterwards: creating a file in the 0755 dir works */
	assert_int_equal(access(dir, W_OK), 0);
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(priv_check_dir(dir, "nobody", uid, gid, err, sizeof err), 0);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(chown(dir, uid, gid), 0);
	assert_int_equal(priv_check_dir(dir, "nobody", uid, gid, err, sizeof err), 0);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pidfile),
		cmocka_unit_test(test_priv_lookup),
		cmocka_unit_test(test_priv_check_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
