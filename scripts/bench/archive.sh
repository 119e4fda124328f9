#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Archive benchmark (issue 11): a ring of ARCHIVE_SIZE (default 8G) from the generator, split into
# ARCHIVE_FILES (default 16) files, indexed; then four queries answered by pcaprec extract and
# by the peers' way (tcpdump's filter over every file, mergecap, editcap -A/-B), BENCH_REPS runs
# each (default 3), alternating, medians with min/max. Writes a Markdown section on stdout.
# The ring goes to ARCHIVE_DIR (default a directory under /var/tmp) and is deleted afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE=${ARCHIVE_SIZE:-8G}
NFILES=${ARCHIVE_FILES:-16}
REPS=${BENCH_REPS:-3}
GAP_US=${ARCHIVE_GAP_US:-4000}
P=${PCAPREC:-$PWD/build/rel/pcaprec}
TOOLS=${TOOLS:-$PWD/build/rel/tools}
BASE=$(mktemp -d "${ARCHIVE_DIR:-/var/tmp}/pcaprec-archive.XXXXXX")
trap 'rm -rf "$BASE"' EXIT INT TERM
RING="$BASE/ring"
mkdir "$RING" "$BASE/peer"

now() { date +%s.%N; }

# median MIN MAX of the numbers on stdin
stats() { sort -g | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f (%.3f-%.3f)", m, v[1], v[NR] }'; }

# the peers' way: tcpdump EXPR over every file, mergecap, then editcap -A/-B for the window
peer() {
	local since=$1 until=$2 expr=$3 f i=0
	rm -f "$BASE"/peer/*
	for f in "$RING"/*.pcap; do
		i=$((i + 1))
		tcpdump -nn -r "$f" -w "$BASE/peer/$i.pcap" $expr 2>/dev/null
	done
	mergecap -w "$BASE/peer/merged.pcap" "$BASE"/peer/[0-9]*.pcap
	if [ "$since" != - ]; then
		editcap -A "$since" -B "$until" "$BASE/peer/merged.pcap" "$BASE/peer/out.pcap"
	fi
}

ours() {
	local since=$1 until=$2 expr=$3 w=()
	[ "$since" = - ] || w=(--since "$since" --until "$until")
	# shellcheck disable=SC2086
	"$P" extract -q -r "$RING" "${w[@]}" -w "$BASE/ours.pcapng" $expr
}

"$TOOLS/gencap" "$SIZE" "$BASE/g.pcap" 1 "$GAP_US"
total=$(capinfos -c -M "$BASE/g.pcap" | awk '/Number of packets/ { print $NF }')
editcap -F pcap -c $(((total + NFILES - 1) / NFILES)) "$BASE/g.pcap" "$RING/r.pcap" >/dev/null
rm "$BASE/g.pcap"
cap_bytes=$(du -cb "$RING"/*.pcap | tail -1 | cut -f1)
nfiles=$(ls "$RING" | wc -l)
cat "$RING"/*.pcap >/dev/null # into the page cache, for both sides alike

t0=$(now)
"$P" index "$RING" >/dev/null
t1=$(now)
index_s=$(echo "$t1 - $t0" | bc)
idx_bytes=$(du -cb "$RING"/*.pidx | tail -1 | cut -f1)

first=$(capinfos -a -S "$RING/$(ls "$RING" | grep -v pidx | head -1)" | awk '/First packet/ { print $NF }')
last=$(capinfos -e -S "$RING/$(ls "$RING" | grep -v pidx | sort | tail -1)" | awk '/Last packet/ { print $NF }')
mid=$(echo "($first + $last) / 2" | bc)
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
loc() { date -u -d "@$1" "+%Y-%m-%d %H:%M:%S"; } # editcap -A/-B read local time: run with TZ=UTC
export TZ=UTC

# a 5-tuple that exists: the first TCP flow the index knows
read -r fsrc fsport fdst fdport < <("$P" flows -r "$RING" --json tcp 2>/dev/null | head -1 | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["source"]["ip"], d["source"]["port"], d["destination"]["ip"], d["destination"]["port"])')

queries=(
	"one host, 60 s window|$mid|$((mid + 60))|host 198.18.0.112"
	"one 5-tuple, whole ring|-|-|tcp and host $fsrc and host $fdst and port $fsport and port $fdport"
	"port 53, 10 minutes|$mid|$((mid + 600))|port 53"
	"not tcp, whole ring|-|-|not tcp"
)

echo "## Archive: extract on a ring ($SIZE in $nfiles files, $(date -u +%Y-%m-%dT%H%MZ))"
echo
echo "Ring: \`gencap $SIZE\` (mean gap $GAP_US us, $(iso "$first") to $(iso "$last")) split by \`editcap -c\` into $nfiles pcap files, $cap_bytes bytes."
echo "Index: \`pcaprec index\` $(printf '%.2f' "$index_s") s ($(echo "scale=0; $cap_bytes / $index_s / 1000000" | bc) MB/s),"
echo "$idx_bytes bytes of sidecars = $(echo "scale=2; 100 * $idx_bytes / $cap_bytes" | bc) % of the capture bytes."
echo "Times in seconds (elapsed), median (min-max) of $REPS alternating runs, page cache warm; load average at the start: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores."
echo
echo "| query | pcaprec extract | tcpdump per file + mergecap + editcap | speed-up | packets |"
echo "| --- | --- | --- | --- | --- |"
for q in "${queries[@]}"; do
	IFS='|' read -r name s u e <<<"$q"
	since=- until=-
	[ "$s" = - ] || { since=$(iso "$s"); until=$(iso "$u"); }
	psince=- puntil=-
	[ "$s" = - ] || { psince=$(loc "$s"); puntil=$(loc "$u"); }
	: >"$BASE/t.ours"
	: >"$BASE/t.peer"
	for r in $(seq "$REPS"); do
		a=$(now); ours "$since" "$until" "$e"; b=$(now)
		echo "$b - $a" | bc >>"$BASE/t.ours"
		a=$(now); peer "$psince" "$puntil" "$e"; b=$(now)
		echo "$b - $a" | bc >>"$BASE/t.peer"
	done
	n=$("$TOOLS/pktlist" "$BASE/ours.pcapng" | wc -l)
	o=$(stats <"$BASE/t.ours")
	pe=$(stats <"$BASE/t.peer")
	sp=$(echo "scale=1; $(echo "${pe%% *}") / $(echo "${o%% *}")" | bc)
	echo "| \`$e\` ($name) | $o | $pe | ${sp}x | $n |"
done
# the floor for a query nothing can prune: a plain summary scan of the ring
: >"$BASE/t.sum"
for r in $(seq "$REPS"); do
	a=$(now); "$P" summary -r "$RING" >/dev/null; b=$(now)
	echo "$b - $a" | bc >>"$BASE/t.sum"
done
echo
echo "Plain \`pcaprec summary -r RING\` (every packet decoded and counted): $(stats <"$BASE/t.sum") s."
