#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Hourly cron job for a running `pcaprec record`: optionally ask it to
# publish its current file now, then summarize every finished file it has
# not summarized before. Installed as /usr/share/pcaprec/cron-summary.
#
#   # /etc/cron.d/pcaprec (one line per pcaprec@IFACE instance)
#   5 * * * * pcaprec PCAPREC_IFACE=eth0 /usr/share/pcaprec/cron-summary
#
# Which files were handled is remembered by name (PCAPREC_STATE/done), not
# by time: a file is published when its fsync ends, with the mtime of its
# last write, so a stamp compared with mtimes misses files whose fsync was
# slow. Every finished file in the directory is summarized exactly once,
# leftovers of a crash (published by the recorder's next start) included;
# names of files since deleted (-W, --max-total) leave the state file, so it
# stays as long as the directory's listing. Only finished files are looked
# at: a file being written is NAME.part and never matches the patterns.
#
# Environment (defaults suit pcaprec@$PCAPREC_IFACE.service):
#   PCAPREC          the pcaprec binary                  (pcaprec)
#   PCAPREC_IFACE    the instance, for the defaults below (eth0)
#   PCAPREC_DIR      directory the recorder writes to   (/var/lib/pcaprec/$PCAPREC_IFACE)
#   PCAPREC_PIDFILE  its --pidfile                       (/run/pcaprec/$PCAPREC_IFACE/pcaprec.pid)
#   PCAPREC_ROTATE   1: rotate first, 0: only summarize  (1)
#   PCAPREC_STATE    where this job keeps its state      ($PCAPREC_DIR/.cron)
#   PCAPREC_REPORT   where summaries are appended        ($PCAPREC_STATE/report.txt)
#   PCAPREC_REPORT_MAX  bytes; a longer report is moved to REPORT.1 (one
#                       old report kept) before appending (10000000)
set -eu

iface=${PCAPREC_IFACE:-eth0}
dir=${PCAPREC_DIR:-/var/lib/pcaprec/$iface}
pidfile=${PCAPREC_PIDFILE:-/run/pcaprec/$iface/pcaprec.pid}
state=${PCAPREC_STATE:-$dir/.cron}
report=${PCAPREC_REPORT:-$state/report.txt}
report_max=${PCAPREC_REPORT_MAX:-10000000}
pcaprec=${PCAPREC:-pcaprec}

case $report_max in
'' | *[!0-9]*)
	echo "cron-summary: PCAPREC_REPORT_MAX must be a number of bytes, not '$report_max'" >&2
	exit 2
	;;
esac
mkdir -p "$state"
done_list=$state/done
touch "$done_list"

# One run at a time: a slow summary must not meet the next hour's run.
exec 9>"$state/lock"
if ! flock -n 9; then
	echo "cron-summary: another run holds $state/lock; skipped" >&2
	exit 0
fi

if [ "${PCAPREC_ROTATE:-1}" = 1 ]; then
	if "$pcaprec" rotate --pidfile "$pidfile"; then
		# The recorder publishes on its next tick (well under a second).
		sleep 2
	else
		echo "cron-summary: recorder not rotated (see above); summarizing what is there" >&2
	fi
fi

# Finished files now, by name; those not in the done list are new.
find "$dir" -maxdepth 1 -type f \
	\( -name '*.pcapng' -o -name '*.pcapng.gz' -o -name '*.pcap' -o -name '*.pcap.gz' \) \
	-printf '%f\n' | LC_ALL=C sort >"$state/present"
LC_ALL=C sort -u "$done_list" >"$state/done.sorted"
LC_ALL=C comm -23 "$state/present" "$state/done.sorted" >"$state/new"

if [ -s "$state/new" ]; then
	n=$(wc -l <"$state/new")
	if [ -f "$report" ] && [ "$(wc -c <"$report")" -gt "$report_max" ]; then
		mv -f "$report" "$report.1"
	fi
	# Names hold no spaces when made from a template without spaces.
	# shellcheck disable=SC2046
	if ! "$pcaprec" summary $(sed "s#^#$dir/#" "$state/new") >"$state/summary.txt"; then
		echo "cron-summary: summary failed for some files (see above); they are marked done" >&2
	fi
	{
		echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ): $n finished files"
		cat "$state/summary.txt"
	} >>"$report"
fi

# The new done list: handled files still present (deleted ones drop out).
LC_ALL=C sort -u "$state/done.sorted" "$state/new" | LC_ALL=C comm -12 - "$state/present" >"$state/done.tmp"
mv -f "$state/done.tmp" "$done_list"
rm -f "$state/present" "$state/done.sorted" "$state/new" "$state/summary.txt"
