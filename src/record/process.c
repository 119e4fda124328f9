/* SPDX-License-Identifier: BSD-2-Clause */
/* Pidfile with flock-based stale detection, recorder lookup for `pcaprec rotate`, and the -Z privilege drop. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pcaprec/process.h"
#include "pcaprec/util.h"

struct pidfile {
	int fd;
	char *path;
};

/* Parse "PID\n" from fd. */
static pid_t read_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	uint64_t v;

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	if (!parse_uint(buf, 1, 0x3fffffff, &v))
		return -1;
	return (pid_t)v;
}

/* Open and lock path; 1 when locked, 0 when another process holds it, -1 on error. */
static int lock_path(const char *path, int *fdp, char *err, size_t errlen)
{
	struct stat a, b;
	int fd;

	for (int tries = 0; tries < 10; tries++) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0)
			return errf(err, errlen, "pidfile %s: %s", path, strerror(errno));
		if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
			*fdp = fd;
			return 0;
		}
		/* The old owner may have unlinked it between our open and our lock. */
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev) {
			*fdp = fd;
			return 1;
		}
		close(fd);
	}
	return errf(err, errlen, "pidfile %s keeps changing under us", path);
}

struct pidfile *pidfile_create(const char *path, char *err, size_t errlen)
{
	struct pidfile *pf;
	char buf[32];
	int fd = -1, n, r = lock_path(path, &fd, err, errlen);

	if (r < 0)
		return NULL;
	if (r == 0) {
		errf(err, errlen, "pidfile %s is held by a running pcaprec (pid %d)", path, (int)read_pid(fd));
		close(fd);
		return NULL;
	}
	n = snprintf(buf, sizeof buf, "%d\n", (int)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		errf(err, errlen, "pidfile %s: cannot write: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	pf = calloc(1, sizeof *pf);
	if (!pf || !(pf->path = strdup(path))) {
		free(pf);
		close(fd);
		errf(err, errlen, "out of memory");
		return NULL;
	}
	pf->fd = fd;
	return pf;
}

void pidfile_remove(struct pidfile *pf)
{
	if (!pf)
		return;
	/* After -Z we may no longer be allowed to unlink; an unlocked pidfile is stale anyway. */
	if (unlink(pf->path) != 0 && ftruncate(pf->fd, 0) != 0) {
		/* Nothing left to try: the lock goes with the close, so readers see it stale. */
	}
	close(pf->fd);
	free(pf->path);
	free(pf);
}

pid_t pidfile_find_recorder(const char *path, char *err, size_t errlen)
{
	char proc[64], comm[64];
	pid_t pid;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), cfd;

	if (fd < 0)
		return errf(err, errlen, "pidfile %s: %s (is the recorder running with --pidfile?)",
			    path, strerror(errno));
	pid = read_pid(fd);
	if (pid < 0) {
		close(fd);
		return errf(err, errlen, "pidfile %s does not hold a process id", path);
	}
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		close(fd);
		return errf(err, errlen, "pidfile %s is stale: no recorder holds it (pid %d)", path, (int)pid);
	}
	close(fd);
	snprintf(proc, sizeof proc, "/proc/%d/comm", (int)pid);
	cfd = open(proc, O_RDONLY | O_CLOEXEC);
	if (cfd < 0)
		return errf(err, errlen, "pidfile %s: process %d does not exist", path, (int)pid);
	n = read(cfd, comm, sizeof comm - 1);
	close(cfd);
	comm[n > 0 ? n : 0] = '\0';
	if (n > 0 && comm[n - 1] == '\n')
		comm[n - 1] = '\0';
	if (strcmp(comm, "pcaprec") != 0)
		return errf(err, errlen, "pidfile %s: process %d is '%s', not pcaprec", path, (int)pid, comm);
	return pid;
}

int priv_lookup(const char *user, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
	struct passwd *pw = getpwnam(user);
	uint64_t v;

	if (!pw && parse_uint(user, 0, 0x7fffffff, &v))
		pw = getpwuid((uid_t)v);
	if (!pw)
		return errf(err, errlen, "-Z: no such user '%s'", user);
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

/* The user's groups (primary included) into a malloc'd array; NULL on failure. */
static gid_t *user_groups(uid_t uid, gid_t gid, int *n)
{
	struct passwd *pw = getpwuid(uid);
	gid_t *g;
	int cnt = 32;

	for (int tries = 0; tries < 3; tries++) {
		g = malloc((size_t)cnt * sizeof *g);
		if (!g)
			return NULL;
		if (!pw) {
			g[0] = gid;
			*n = 1;
			return g;
		}
		if (getgrouplist(pw->pw_name, gid, g, &cnt) >= 0) {
			*n = cnt;
			return g;
		}
		free(g);
	}
	return NULL;
}

int priv_check_dir(const char *dir, const char *user, uid_t uid, gid_t gid,
		   char *err, size_t errlen)
{
	int nold = getgroups(0, NULL), nnew = 0, rc = 0, e = 0;
	gid_t *old = nold > 0 ? malloc((size_t)nold * sizeof *old) : NULL;
	gid_t *grs = user_groups(uid, gid, &nnew);
	uid_t euid = geteuid();
	gid_t egid = getegid();

	if ((nold > 0 && (!old || getgroups(nold, old) != nold)) || !grs) {
		free(old);
		free(grs);
		return errf(err, errlen, "-Z %s: cannot read group lists", user);
	}
	if (setgroups((size_t)nnew, grs) != 0) {
		e = errno;
		rc = errf(err, errlen, "-Z %s: setgroups: %s", user, strerror(e));
	} else {
		/* fsuid != 0 also drops CAP_DAC_OVERRIDE for the check, as after the real drop */
		setfsgid(gid);
		setfsuid(uid);
		if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) != 0) {
			e = errno;
			rc = errf(err, errlen, "-Z %s: output directory %s is not writable by %s (uid %u): %s; "
				  "files after the first could not be created or published; make it "
				  "writable by that user (chown/chmod) or choose another directory",
				  user, dir, user, (unsigned)uid, strerror(e));
		}
		setfsuid(euid);
		setfsgid(egid);
	}
	if (setgroups(nold > 0 ? (size_t)nold : 0, old) != 0 && rc == 0)
		rc = errf(err, errlen, "-Z %s: cannot restore groups: %s", user, strerror(errno));
	free(old);
	free(grs);
	return rc;
}

/* Empty effective, permitted and inheritable capability sets, and the ambient set. */
static int drop_caps(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof data);
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	return (int)syscall(SYS_capset, &hdr, data);
}

/*
 * Empty the capability bounding set (needs CAP_SETPCAP, so before the uid
 * changes): no later execve, of a file with capabilities or a setuid-root
 * one, can give any back. The kernel's highest capability is found by
 * trying: PR_CAPBSET_READ says EINVAL past it.
 */
static int drop_bounding_set(void)
{
	for (int cap = 0; cap < 64 && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0)
			return -1;
	return 0;
}

int priv_drop(const char *user, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	if (uid == 0)
		return errf(err, errlen, "-Z %s: refusing to 'drop' to root", user);
	struct passwd *pw = getpwuid(uid);

	(void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	if (drop_bounding_set() != 0)
		return errf(err, errlen, "-Z %s: cannot clear the capability bounding set: %s", user,
			    strerror(errno));
	/* Hooks run after the drop inherit it: setuid and file capabilities no longer lift them. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return errf(err, errlen, "-Z %s: cannot set no_new_privs: %s", user, strerror(errno));
	if ((!pw || initgroups(pw->pw_name, gid) != 0) && setgroups(1, &gid) != 0)
		return errf(err, errlen, "-Z %s: setgroups: %s", user, strerror(errno));
	if (setresgid(gid, gid, gid) != 0)
		return errf(err, errlen, "-Z %s: setresgid(%u): %s", user, (unsigned)gid, strerror(errno));
	if (setresuid(uid, uid, uid) != 0)
		return errf(err, errlen, "-Z %s: setresuid(%u): %s", user, (unsigned)uid, strerror(errno));
	if (drop_caps() != 0)
		return errf(err, errlen, "-Z %s: cannot clear capabilities: %s", user, strerror(errno));
	if (setuid(0) == 0 || seteuid(0) == 0)
		return errf(err, errlen, "-Z %s: root could be regained; refusing to go on", user);
	return 0;
}
