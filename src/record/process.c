/* SPDX-License-Identifier: BSD-2-Clause */
/* Pidfile (O_EXCL, our own regular file, flock + record lock, the executable recorded), signalling the recorder for `pcaprec rotate`, and the -Z privilege drop. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/fsuid.h>
#include <sys/pidfd.h>
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

/* Longest pidfile we read: the pid line and the exe line with a path. */
#define PIDFILE_MAX 4400

/* What a pidfile says: "PID\nexe DEV INO PATH\n" (the exe line since the lock check). */
struct pid_info {
	pid_t pid;
	bool has_exe;
	uint64_t dev, ino;
};

/* Parse fd's contents; pid -1 when the first line is not a process id. */
static void read_info(int fd, struct pid_info *pi)
{
	char buf[PIDFILE_MAX], *nl, *exe;
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	unsigned long long dev, ino;
	uint64_t v;

	memset(pi, 0, sizeof *pi);
	pi->pid = -1;
	if (n <= 0)
		return;
	buf[n] = '\0';
	nl = strchr(buf, '\n');
	exe = nl ? nl + 1 : NULL;
	if (nl)
		*nl = '\0';
	if (!parse_uint(buf, 1, 0x3fffffff, &v))
		return;
	pi->pid = (pid_t)v;
	if (exe && sscanf(exe, "exe %llu %llu ", &dev, &ino) == 2) {
		pi->has_exe = true;
		pi->dev = dev;
		pi->ino = ino;
	}
}

/*
 * May we take over the existing pidfile behind fd? Only a regular file of
 * our own uid with one link: never another user's file, a FIFO, a device,
 * or a hard link to some other file of ours.
 */
static int check_own(int fd, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return errf(err, errlen, "pidfile %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return errf(err, errlen, "pidfile %s is not a regular file; refusing it", path);
	if (st.st_uid != geteuid())
		return errf(err, errlen, "pidfile %s belongs to uid %u, not to us (uid %u); refusing to take it "
			    "over", path, (unsigned)st.st_uid, (unsigned)geteuid());
	if (st.st_nlink != 1)
		return errf(err, errlen, "pidfile %s has %lu links; refusing it", path,
			    (unsigned long)st.st_nlink);
	return 0;
}

/* Whole-file fcntl record lock; F_SETLK or, with `test`, F_GETLK. */
static int record_lock(int fd, bool test, struct flock *fl)
{
	memset(fl, 0, sizeof *fl);
	fl->l_type = F_WRLCK;
	fl->l_whence = SEEK_SET;
	return fcntl(fd, test ? F_GETLK : F_SETLK, fl);
}

/*
 * Open path as a new file (O_EXCL) or an existing one of ours, never
 * through a symlink; lock it. 1 when locked, 0 when a running recorder
 * holds it (fd left open for its pid), -1 on error or refusal.
 */
static int lock_path(const char *path, int *fdp, char *err, size_t errlen)
{
	struct stat a, b;
	int fd;

	for (int tries = 0; tries < 10; tries++) {
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0 && errno == EEXIST)
			fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0 && errno == ENOENT)
			continue;   /* removed between the two opens */
		if (fd < 0 && errno == ELOOP)
			return errf(err, errlen, "pidfile %s is a symbolic link; refusing it", path);
		if (fd < 0)
			return errf(err, errlen, "pidfile %s: %s", path, strerror(errno));
		if (check_own(fd, path, err, errlen) != 0) {
			close(fd);
			return -1;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
			*fdp = fd;
			return 0;
		}
		/* The old owner may have unlinked it between our open and our lock. */
		if (fstat(fd, &a) == 0 && lstat(path, &b) == 0 && a.st_ino == b.st_ino &&
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
	struct pid_info pi;
	struct flock fl;
	struct stat exe;
	char buf[PIDFILE_MAX], self[PATH_MAX];
	ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
	int fd = -1, n, r = lock_path(path, &fd, err, errlen);

	if (r < 0)
		return NULL;
	if (r == 0) {
		read_info(fd, &pi);
		errf(err, errlen, "pidfile %s is held by a running pcaprec (pid %d)", path, (int)pi.pid);
		close(fd);
		return NULL;
	}
	/* The record lock names our pid to F_GETLK: pcaprec rotate checks who holds the file. */
	if (record_lock(fd, false, &fl) != 0 || stat("/proc/self/exe", &exe) != 0 || sl <= 0) {
		errf(err, errlen, "pidfile %s: cannot lock it or find our executable: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	self[sl] = '\0';
	n = snprintf(buf, sizeof buf, "%d\nexe %llu %llu %s\n", (int)getpid(),
		     (unsigned long long)exe.st_dev, (unsigned long long)exe.st_ino, self);
	if (n < 0 || (size_t)n >= sizeof buf || ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
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
	struct stat a, b;

	if (!pf)
		return;
	/*
	 * Only if the name is still our file. After -Z we may no longer be
	 * allowed to unlink; an unlocked pidfile is stale anyway.
	 */
	if (fstat(pf->fd, &a) != 0 || lstat(pf->path, &b) != 0 || a.st_ino != b.st_ino ||
	    a.st_dev != b.st_dev || unlink(pf->path) != 0) {
		/* checked, not cast to void: _FORTIFY_SOURCE marks it warn_unused_result */
		if (ftruncate(pf->fd, 0) != 0) {
			/* nothing left to try: the lock goes with the close */
		}
	}
	close(pf->fd);
	free(pf->path);
	free(pf);
}

/* The pid holding fd's record lock, 0 when none, -1 on error. */
static pid_t lock_holder(int fd)
{
	struct flock fl;

	if (record_lock(fd, true, &fl) != 0)
		return -1;
	return fl.l_type == F_UNLCK ? 0 : fl.l_pid;
}

/* Does process pid run the executable the pidfile recorded? */
static int check_exe(const char *path, const struct pid_info *pi, char *err, size_t errlen)
{
	char proc[64], exe[PATH_MAX];
	struct stat st;
	ssize_t n;

	snprintf(proc, sizeof proc, "/proc/%d/exe", (int)pi->pid);
	if (stat(proc, &st) != 0) {
		/*
		 * Not root, and the recorder holds capabilities we lack (ambient
		 * CAP_NET_RAW, a setcap'd copy): the kernel hides its exe from us.
		 * kill(2) then only reaches processes of our own uid, and the lock
		 * holder was checked, so the signal cannot reach anyone else's.
		 */
		if ((errno == EACCES || errno == EPERM) && geteuid() != 0)
			return 0;
		return errf(err, errlen, "pidfile %s: cannot check the executable of process %d (%s): %s",
			    path, (int)pi->pid, proc, strerror(errno));
	}
	if ((uint64_t)st.st_dev == pi->dev && (uint64_t)st.st_ino == pi->ino)
		return 0;
	n = readlink(proc, exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = '\0';
	return errf(err, errlen, "pidfile %s: process %d runs %s, not the executable that wrote the pidfile",
		    path, (int)pi->pid, n > 0 ? exe : "another program");
}

/* Open the pidfile for reading: a regular file, not a symlink; its owner goes to *owner. */
static int open_pidfile(const char *path, uid_t *owner, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0 && errno == ELOOP)
		return errf(err, errlen, "pidfile %s is a symbolic link; refusing it", path);
	if (fd < 0)
		return errf(err, errlen, "pidfile %s: %s (is the recorder running with --pidfile?)",
			    path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return errf(err, errlen, "pidfile %s is not a regular file; refusing it", path);
	}
	*owner = st.st_uid;
	return fd;
}

/* Real and effective uid of process pid (/proc/PID/status, readable by everyone). */
static int proc_uids(pid_t pid, uid_t *ruid, uid_t *euid)
{
	char proc[64], line[256];
	unsigned long r, e;
	FILE *fp;
	int rc = -1;

	snprintf(proc, sizeof proc, "/proc/%d/status", (int)pid);
	fp = fopen(proc, "re");
	if (!fp)
		return -1;
	while (fgets(line, sizeof line, fp))
		if (sscanf(line, "Uid: %lu %lu", &r, &e) == 2) {
			*ruid = (uid_t)r;
			*euid = (uid_t)e;
			rc = 0;
			break;
		}
	fclose(fp);
	return rc;
}

/*
 * Whose pidfile may we trust: root's, our own, or that of the user the
 * recorder runs as (User= of a systemd unit, with root's cron rotating it).
 * Another user's file naming someone else's process is refused.
 */
static int check_owner(const char *path, uid_t owner, pid_t pid, char *err, size_t errlen)
{
	uid_t ruid, euid;

	if (owner == 0 || owner == geteuid())
		return 0;
	if (proc_uids(pid, &ruid, &euid) == 0 && (owner == ruid || owner == euid))
		return 0;
	return errf(err, errlen, "pidfile %s belongs to uid %u: neither root, nor us, nor the user process "
		    "%d runs as; refusing it", path, (unsigned)owner, (int)pid);
}

int pidfile_signal_recorder(const char *path, int sig, pid_t *pidp, char *err, size_t errlen)
{
	struct pid_info pi;
	pid_t holder;
	uid_t owner = 0;
	int fd = open_pidfile(path, &owner, err, errlen), pfd, rc;

	if (fd < 0)
		return -1;
	read_info(fd, &pi);
	*pidp = pi.pid;
	if (pi.pid < 0) {
		close(fd);
		return errf(err, errlen, "pidfile %s does not hold a process id", path);
	}
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		close(fd);
		return errf(err, errlen, "pidfile %s is stale: no recorder holds it (pid %d)", path, (int)pi.pid);
	}
	/* a handle on the process first, so the checks below are about the one we signal */
	pfd = pidfd_open(pi.pid, 0);
	if (pfd < 0 && errno == ESRCH) {
		close(fd);
		return errf(err, errlen, "pidfile %s: process %d does not exist", path, (int)pi.pid);
	}
	holder = lock_holder(fd);
	close(fd);
	if (holder != pi.pid) {
		if (pfd >= 0)
			close(pfd);
		if (holder <= 0)
			return errf(err, errlen, "pidfile %s names pid %d, but no process holds its record lock "
				    "(not a pcaprec recorder, or one older than this pcaprec)", path, (int)pi.pid);
		return errf(err, errlen, "pidfile %s names pid %d, but its lock is held by pid %d; refusing",
			    path, (int)pi.pid, (int)holder);
	}
	if (check_owner(path, owner, pi.pid, err, errlen) != 0) {
		if (pfd >= 0)
			close(pfd);
		return -1;
	}
	if (!pi.has_exe || check_exe(path, &pi, err, errlen) != 0) {
		if (!pi.has_exe)
			errf(err, errlen, "pidfile %s does not name the recorder's executable (written by an older "
			     "pcaprec?)", path);
		if (pfd >= 0)
			close(pfd);
		return -1;
	}
	rc = pfd >= 0 ? pidfd_send_signal(pfd, sig, NULL, 0) : kill(pi.pid, sig);
	if (pfd >= 0)
		close(pfd);
	if (rc != 0)
		return errf(err, errlen, "cannot signal pid %d: %s", (int)pi.pid, strerror(errno));
	return 0;
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
		return errf(err, errlen, "-Z %s: cannot clear the capability bounding set (needs "
			    "CAP_SETPCAP): %s", user, strerror(errno));
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
