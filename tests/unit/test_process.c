/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the pidfile: exclusive while held, stale takeover, refused kinds of file, the holder and executable checks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
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
	char dir[] = "/tmp/pcaprec-test-pid-XXXXXX", path[128], err[512], want[64];
	struct pidfile *pf, *pf2;
	pid_t pid = 0;
	FILE *fp;
	int got = 0;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/rec.pid", dir);

	/* a stale file of ours (nobody holds it) is taken over */
	write_file(path, "999999\n");
	err[0] = '\0';
	assert_int_equal(pidfile_signal_recorder(path, 0, &pid, err, sizeof err), -1);
	assert_non_null(strstr(err, "stale"));
	assert_int_equal(pid, 999999);
	pf = pidfile_create(path, err, sizeof err);
	assert_non_null(pf);
	fp = fopen(path, "r");
	assert_int_equal(fscanf(fp, "%d", &got), 1);
	fclose(fp);
	assert_int_equal(got, getpid());

	/* a held one is not */
	pf2 = pidfile_create(path, err, sizeof err);
	assert_null(pf2);
	snprintf(want, sizeof want, "pid %d", (int)getpid());
	assert_non_null(strstr(err, want));

	pidfile_remove(pf);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(pidfile_signal_recorder(path, 0, &pid, err, sizeof err), -1);

	write_file(path, "junk\n");
	assert_int_equal(pidfile_signal_recorder(path, 0, &pid, err, sizeof err), -1);
	assert_non_null(strstr(err, "does not hold a process id"));
	unlink(path);
	rmdir(dir);
}

/* Symlinks, FIFOs and hard links are never created through, taken over or trusted. */
static void test_pidfile_refused(void **state)
{
	char dir[] = "/tmp/pcaprec-test-pid-XXXXXX", path[128], other[128], err[512];
	pid_t pid;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/rec.pid", dir);
	snprintf(other, sizeof other, "%s/precious", dir);
	write_file(other, "keep me\n");

	assert_int_equal(symlink(other, path), 0);
	assert_null(pidfile_create(path, err, sizeof err));
	assert_non_null(strstr(err, "symbolic link"));
	assert_int_equal(pidfile_signal_recorder(path, 0, &pid, err, sizeof err), -1);
	assert_non_null(strstr(err, "symbolic link"));
	unlink(path);

	assert_int_equal(mkfifo(path, 0600), 0);
	assert_null(pidfile_create(path, err, sizeof err));
	assert_non_null(strstr(err, "not a regular file"));
	assert_int_equal(pidfile_signal_recorder(path, 0, &pid, err, sizeof err), -1);
	assert_non_null(strstr(err, "not a regular file"));
	unlink(path);

	assert_int_equal(link(other, path), 0);
	assert_null(pidfile_create(path, err, sizeof err));
	assert_non_null(strstr(err, "2 links"));
	unlink(path);
	{
		FILE *fp = fopen(other, "r");
		char line[32] = "";

		assert_non_null(fp);
		assert_non_null(fgets(line, sizeof line, fp));
		fclose(fp);
		assert_string_equal(line, "keep me\n");
	}
	unlink(other);
	rmdir(dir);
}

/*
 * A child holds the pidfile as the recorder does: it is found and may be
 * signalled (0: checks only). The same file naming another pid, or
 * another executable, is refused.
 */
static void test_pidfile_holder(void **state)
{
	char dir[] = "/tmp/pcaprec-test-pid-XXXXXX", path[128], err[512], buf[4096];
	int ready[2], go[2], status;
	pid_t child, pid;
	char c = 0;
	FILE *fp;
	size_t n;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/rec.pid", dir);
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct pidfile *pf = pidfile_create(path, err, sizeof err);

		c = pf ? 'y' : 'n';
		if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		pidfile_remove(pf);
		_exit(0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(c, 'y');
	assert_int_equal(pidfile_signal_recorder(path, 0, &pid, err, sizeof err), 0);
	assert_int_equal(pid, child);

	/* the exe line names this test binary; point it at another inode */
	fp = fopen(path, "r");
	n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	{
		char forged[4200];
		unsigned long long dev, ino;

		assert_int_equal(sscanf(strchr(buf, '\n') + 1, "exe %llu %llu", &dev, &ino), 2);
		snprintf(forged, sizeof forged, "%d\nexe %llu %llu /bin/true\n", (int)child, dev, ino + 1);
		write_file(path, forged);
		assert_int_equal(pidfile_signal_recorder(path, 0, &pid, err, sizeof err), -1);
		assert_non_null(strstr(err, "not the executable that wrote the pidfile"));
		/* the pid of a process that holds no lock on it (this one) */
		snprintf(forged, sizeof forged, "%d\nexe %llu %llu x\n", (int)getpid(), dev, ino);
		write_file(path, forged);
		assert_int_equal(pidfile_signal_recorder(path, 0, &pid, err, sizeof err), -1);
		snprintf(forged, sizeof forged, "its lock is held by pid %d", (int)child);
		assert_non_null(strstr(err, forged));
		/* a pidfile without the exe line is not trusted */
		snprintf(forged, sizeof forged, "%d\n", (int)child);
		write_file(path, forged);
		assert_int_equal(pidfile_signal_recorder(path, 0, &pid, err, sizeof err), -1);
		assert_non_null(strstr(err, "does not name the recorder's executable"));
	}
	assert_int_equal(write(go[1], &c, 1), 1);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
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
		cmocka_unit_test(test_pidfile_refused),
		cmocka_unit_test(test_pidfile_holder),
		cmocka_unit_test(test_priv_lookup),
		cmocka_unit_test(test_priv_check_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
