/* SPDX-License-Identifier: BSD-2-Clause */
/* Process chores of a long-running recorder: pidfile (--pidfile), finding the recorder (rotate), privilege drop (-Z). */
#ifndef PCAPREC_PROCESS_H
#define PCAPREC_PROCESS_H

#include <stddef.h>
#include <sys/types.h>

struct pidfile;

/*
 * Create or take over `path` and write our pid. The file stays open with an
 * exclusive flock(2) for the life of the process, so a pidfile nobody holds
 * locked is stale by definition and is taken over; one that is locked
 * belongs to a live recorder and makes this fail ("already running").
 * Returns NULL with a message in err.
 */
struct pidfile *pidfile_create(const char *path, char *err, size_t errlen);

/* Remove the file (if we still may) and release the lock. NULL is a no-op. */
void pidfile_remove(struct pidfile *pf);

/*
 * Find the recorder named by pidfile `path` for `pcaprec rotate`: the file
 * parses as a pid, is locked by its writer (not stale), the process exists
 * and its /proc/PID/comm is "pcaprec". Returns the pid, or -1 with err.
 */
pid_t pidfile_find_recorder(const char *path, char *err, size_t errlen);

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
