/* SPDX-License-Identifier: BSD-2-Clause */
/* Process chores of a long-running recorder: pidfile (--pidfile), finding the recorder (rotate), privilege drop (-Z). */
#ifndef PCAPREC_PROCESS_H
#define PCAPREC_PROCESS_H

#include <stddef.h>
#include <sys/types.h>

struct pidfile;

/*
 * Create `path` (O_EXCL, never through a symlink) or take over an existing
 * one that is stale and ours: a regular file of our uid with one link that
 * nobody holds locked. Another uid's file, a symlink, a FIFO or device, a
 * hard link, or one held by a running recorder make this fail. Writes
 * "PID\nexe DEV INO PATH\n" (our /proc/self/exe) and keeps the file open
 * with an exclusive flock(2) and an fcntl(2) write lock for the life of
 * the process, so F_GETLK names our pid. Returns NULL with a message in err.
 */
struct pidfile *pidfile_create(const char *path, char *err, size_t errlen);

/* Remove the file (if it is still ours and we may) and release the locks. NULL is a no-op. */
void pidfile_remove(struct pidfile *pf);

/*
 * Send `sig` (0: only check) to the recorder named by pidfile `path`, for
 * `pcaprec rotate`: the file is a regular file (not a symlink) of root,
 * of us or of the uid the recorder runs as, it parses, a live process
 * holds its locks, the holder of its
 * record lock is the pid it names, and that process runs the executable
 * it recorded (/proc/PID/exe's device and inode; a renamed copy such as
 * a setcap'd pcaprec-cap is fine; a caller other than root, from whom the
 * kernel hides the exe of a recorder holding capabilities, relies on the
 * lock and on kill(2) reaching only its own uid). The signal goes through a pidfd opened
 * before the checks, so a pid reused meanwhile is never signalled. *pidp
 * gets the pid the file names (-1 if none). Returns 0, or -1 with err.
 */
int pidfile_signal_recorder(const char *path, int sig, pid_t *pidp, char *err, size_t errlen);

/* uid and gid of a user name or number for -Z; -1 with err if unknown. */
int priv_lookup(const char *user, uid_t *uid, gid_t *gid, char *err, size_t errlen);

/*
 * Whether uid:gid (with the user's supplementary groups) may create,
 * rename and delete files in `dir`, checked while still root by switching
 * only the filesystem ids and groups for the test and back. -1 with a
 * message naming the directory and user when not.
 */
int priv_check_dir(const char *dir, const char *user, uid_t uid, gid_t gid,
		   char *err, size_t errlen);

/*
 * Become uid:gid for good: capability bounding set emptied, no_new_privs
 * set (so hooks and anything else run later cannot gain privileges through
 * setuid or file capabilities), supplementary groups of the user (or just
 * gid), setresgid, setresuid, all capability sets emptied, and check that
 * root cannot be regained. Returns 0 or -1 with err.
 */
int priv_drop(const char *user, uid_t uid, gid_t gid, char *err, size_t errlen);

#endif
