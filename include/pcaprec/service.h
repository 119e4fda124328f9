/* SPDX-License-Identifier: BSD-2-Clause */
/* Running under a service manager: sd_notify datagrams and log lines the journal can rank. */
#ifndef PCAPREC_SERVICE_H
#define PCAPREC_SERVICE_H

#include <stdbool.h>
#include <stdio.h>

/*
 * Send one sd_notify(3) state ("READY=1", "STATUS=...", newline-separated
 * assignments) to $NOTIFY_SOCKET: one AF_UNIX datagram, the path either a
 * file system path ("/run/systemd/notify") or an abstract name ("@name").
 * Returns 1 when sent, 0 when NOTIFY_SOCKET is unset (not a notify service),
 * -1 when it is set but unusable or the send failed (the caller goes on:
 * systemd reports a service that never says READY=1).
 */
int svc_notify(const char *state);

/* Syslog priorities used in log lines (syslog(3) numbers). */
enum {
	SVC_ERR = 3,
	SVC_WARNING = 4,
	SVC_INFO = 6,
};

/*
 * True when stderr is the journal's stream (systemd sets JOURNAL_STREAM to
 * "DEV:INODE" of the socket it gave us; a later redirection of stderr makes
 * the numbers differ). Looked at on every call (log lines are rare; no state).
 */
bool svc_stderr_is_journal(void);

/*
 * Every log line of the recorder goes through here: "LINE\n" to stderr,
 * LINE as formatted (the caller starts it with "pcaprec: " or "pcaprec
 * record: "), preceded by svc_line_prefix: "<PRIO>" when stderr is the
 * journal, so `journalctl -p warning` selects by priority. LINE is one line.
 */
void svc_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * What a line about to go to `fp` starts with: "<PRIO>" when fp is stderr
 * on the journal; on a terminal, the escape that erases record's live
 * counter ("\r\033[K"); else "".
 */
const char *svc_line_prefix(FILE *fp, int prio);

#endif
