#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Offline benchmark: one deterministic mixed capture (BENCH_SIZE, default 1G)
# in pcap, pcapng and gzip; pcaprec summary/read/check side by side with a
# bare libpcap loop, capinfos, tcpdump -nn -r, tshark conv/io,phs and zcat.
# Prints a Markdown table on stdout. Scratch files live in $BENCH_TMP.
set -eu
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh

SIZE=${BENCH_SIZE:-1G}
REPS=${BENCH_REPS:-3}
TMP=${BENCH_TMP:-bench/tmp}
PCAPREC=${PCAPREC:-./pcaprec}
TOOLS=${TOOLS:-build/rel/tools}
mkdir -p "$TMP"

base="$TMP/mix-$SIZE"
if [ ! -f "$base.pcap" ]; then
	echo "offline: generating $base.pcap ($SIZE)" >&2
	"$TOOLS/gencap" "$SIZE" "$base.pcap"
fi
[ -f "$base.pcapng" ] || editcap -F pcapng "$base.pcap" "$base.pcapng"
[ -f "$base.pcap.gz" ] || gzip -1 -c "$base.pcap" >"$base.pcap.gz"

bytes=$(stat -c %s "$base.pcap")
packets=$("$TOOLS/pcaploop" "$base.pcap" | cut -d' ' -f1)

# name|file|command (FILE is replaced by the file path)
jobs="libpcap loop|pcap|$TOOLS/pcaploop FILE
pcaprec summary|pcap|$PCAPREC summary FILE
pcaprec summary (pcapng)|pcapng|$PCAPREC summary FILE
pcaprec read|pcap|$PCAPREC read FILE
pcaprec check|pcap|$PCAPREC check FILE
capinfos|pcap|capinfos FILE
tcpdump -nn -r|pcap|tcpdump -nn -r FILE
tshark -q -z conv,tcp|pcap|tshark -q -z conv,tcp -r FILE
tshark -q -z io,phs|pcap|tshark -q -z io,phs -r FILE
zcat|pcap.gz|zcat FILE
pcaprec summary (gzip)|pcap.gz|$PCAPREC summary FILE"

res="$TMP/offline.times"
rm -f "$res".*
# Alternate the tools within each repetition so machine noise spreads evenly.
for rep in $(seq "$REPS"); do
	echo "offline: repetition $rep/$REPS" >&2
	i=0
	echo "$jobs" | while IFS='|' read -r name ext cmd; do
		i=$((i + 1))
		file="$base.$ext"
		# shellcheck disable=SC2086
		set -- $(echo "$cmd" | sed "s|FILE|$file|")
		# The same start for every tool: the input in the page cache (this
		# VM's cache does not keep all three 1 GiB inputs at once).
		cat "$file" >/dev/null
		timed "$res.$i" "$@" || echo "offline: '$name' failed, see $res.$i.err" >&2
	done
done

echo "Offline, $(basename "$base.pcap"): $bytes bytes, $packets packets; $REPS repetitions, median (min-max)."
echo
echo "| tool | input | MB/s | packets/s (M) | peak RSS (MiB) | speed vs libpcap loop |"
echo "| --- | --- | ---: | ---: | ---: | ---: |"
floor=""
i=0
echo "$jobs" | while IFS='|' read -r name ext cmd; do
	i=$((i + 1))
	[ -s "$res.$i" ] || { echo "| $name | $ext | failed | | | |"; continue; }
	mbs=$(awk -v b="$bytes" '$1 > 0 { printf "%s ", b / $1 / 1e6 }' "$res.$i")
	pps=$(awk -v p="$packets" '$1 > 0 { printf "%s ", p / $1 / 1e6 }' "$res.$i")
	rss=$(awk '{ printf "%s ", $4 / 1024 }' "$res.$i")
	# shellcheck disable=SC2086
	med=$(median $mbs)
	[ -z "$floor" ] && floor=$med
	# shellcheck disable=SC2086
	echo "| $name | $ext | $(stats $mbs) | $(stats $pps) | $(stats $rss) | $(ratio "$med" "$floor") |"
done
