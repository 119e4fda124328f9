#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Hourly cron job for a running `pcaprec record`: optionally ask it to
# publish its current file now, then summarize every file finished since the
# previous run. Only finished files are looked at: a file being written is
# NAME.part and never matches the patterns below.
#
#   # /etc/cron.d/pcaprec
#   5 * * * * pcaprec /usr/local/share/pcaprec/cron-example.sh
#
# Environment (defaults suit scripts/pcaprec.service):
#   PCAPREC_DIR      directory the recorder writes to   (/var/lib/pcaprec)
#   PCAPREC_PIDFILE  its --pidfile                       (/run/pcaprec/pcaprec.pid)
#   PCAPREC_ROTATE   1: rotate first, 0: only summarize  (1)
#   PCAPREC_STATE    where this job keeps its timestamp  ($PCAPREC_DIR/.cron)
#   PCAPREC_REPORT   where summaries are appended        ($PCAPREC_STATE/report.txt)
set -eu

dir=${PCAPREC_DIR:-/var/lib/pcaprec}
pidfile=${PCAPREC_PIDFILE:-/run/pcaprec/pcaprec.pid}
state=${PCAPREC_STATE:-$dir/.cron}
report=${PCAPREC_REPORT:-$state/report.txt}
pcaprec=${PCAPREC:-pcaprec}

mkdir -p "$state"

if [ "${PCAPREC_ROTATE:-1}" = 1 ]; then
	if "$pcaprec" rotate --pidfile "$pidfile"; then
		# The recorder publishes on its next tick (well under a second).
		sleep 2
	else
		echo "cron-example: recorder not rotated (see above); summarizing what is there" >&2
	fi
fi

# Files finished after the previous run's stamp. The new stamp is made
# before looking, so a file published meanwhile is seen next hour.
touch "$state/stamp.new"
newer=
[ -f "$state/stamp" ] && newer="-newer $state/stamp"
files=$(find "$dir" -maxdepth 1 -type f $newer \
	\( -name '*.pcapng' -o -name '*.pcapng.gz' -o -name '*.pcap' -o -name '*.pcap.gz' \) \
	! -newer "$state/stamp.new" | sort)
mv "$state/stamp.new" "$state/stamp"

[ -n "$files" ] || exit 0
{
	echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ): $(echo "$files" | wc -l) finished files"
	# Names hold no spaces when made from a template without spaces.
	# shellcheck disable=SC2086
	"$pcaprec" summary $files
} >>"$report"
