#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Compression side by side: CPU and ratio of -z gzip:1, gzip:6, zstd:1,
# zstd:3, alternating, RUNS times each (medians with min-max).
#   offline: a gencap capture of SIZE through pcaprec's writer (tests/tools/mkcap)
#            on one compression thread; CPU minus the uncompressed run's is the
#            compressor's
#   live:    FRAMES UDP datagrams of 1400 bytes (half random, half constant)
#            between two test namespaces, recorded with -c FRAMES into a tmpfs
# Usage (root, after make check-tests): scripts/bench/compress.sh [RUNS] [SIZE] [FRAMES]
set -u
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
. tests/lib/netns.bash
RUNS=${1:-3}
SIZE=${2:-100M}
FRAMES=${3:-20000}
B=build/rel
W=$(mktemp -d /tmp/pcaprec-zbench.XXXXXX)
trap 'netns_down; umount "$W/t" 2>/dev/null; rm -rf "$W"' EXIT INT TERM
mkdir -p "$W/t"
mount -t tmpfs -o size=256m tmpfs "$W/t" || exit 1
CFGS="none gzip:1 gzip:6 zstd:1 zstd:3"

"$B/tools/gencap" "$SIZE" "$W/in.pcap" 11 >/dev/null
nframes=$("$B/pcaprec" check "$W/in.pcap" | grep -o '[0-9]* packets' | cut -d' ' -f1)
for run in $(seq "$RUNS"); do
	for z in $CFGS; do
		case $z in
		none) a= ;;
		gzip:*) a="--gzip ${z#gzip:} --threads 1" ;;
		zstd:*) a="--zstd ${z#zstd:} --threads 1" ;;
		esac
		cat "$W/in.pcap" >/dev/null
		# shellcheck disable=SC2086
		timed "$W/off.$z" "$B/tools/mkcap" --format pcapng $a "$W/in.pcap" "$W/t/out"
		stat -c %s "$W/t/out" >>"$W/offsize.$z"
		rm -f "$W/t/out"
	done
done
echo "offline: $SIZE gencap capture, $nframes frames, pcapng, one compression thread, $RUNS runs"
echo "| -z | CPU s (user+sys) | compressor us/frame | bytes | ratio |"
echo "| --- | --- | --- | --- | --- |"
base=$(median $(awk '{ print $2 + $3 }' "$W/off.none"))
raw=$(median $(cat "$W/offsize.none"))
for z in $CFGS; do
	c=$(awk '{ print $2 + $3 }' "$W/off.$z")
	m=$(median $c)
	sz=$(median $(cat "$W/offsize.$z"))
	echo "| $z | $(stats $c) | $(awk -v m="$m" -v b="$base" -v n="$nframes" 'BEGIN { printf "%.2f", (m - b) / n * 1e6 }') | $sz | $(ratio "$raw" "$sz") |"
done

netns_up || exit 1
for run in $(seq "$RUNS"); do
	for z in $CFGS; do
		rm -f "$W/t"/*
		a=
		[ "$z" != none ] && a="-z $z --compress-threads 2"
		# shellcheck disable=SC2086
		/usr/bin/time -o "$W/one" -f '%U %S' ip netns exec "$NS_B" "$B/pcaprec" record -i "$IF_B" \
			-w "$W/t/r.pcapng" -c "$FRAMES" $a 2>"$W/err" &
		pid=$!
		for _ in $(seq 100); do grep -q 'recording on' "$W/err" && break; sleep 0.05; done
		# twice FRAMES, paced: -c stops the recorder once FRAMES are written
		timeout 60 ip netns exec "$NS_A" /usr/bin/python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
z = b"z" * 692
for i in range(2 * int(sys.argv[1])):
    s.sendto(b"PCAPREC-ZB-%06d" % i + os.urandom(692) + z, ("192.0.2.2", 40009))
    if i % 200 == 199:
        time.sleep(0.002)
' "$FRAMES"
		timeout 20 tail --pid="$pid" -f /dev/null
		wait "$pid" || { cat "$W/err"; exit 1; }
		cat "$W/one" >>"$W/live.$z"
		stat -c %s "$W"/t/r.pcapng* >>"$W/livesize.$z"
	done
done
echo
echo "live: $FRAMES frames of 1400 bytes (half random), -c $FRAMES, 2 compression threads, $RUNS runs"
echo "| -z | user CPU s | user us/frame | user+sys s | bytes | ratio |"
echo "| --- | --- | --- | --- | --- | --- |"
raw=$(median $(cat "$W/livesize.none"))
for z in $CFGS; do
	u=$(awk '{ print $1 }' "$W/live.$z")
	t=$(awk '{ print $1 + $2 }' "$W/live.$z")
	sz=$(median $(cat "$W/livesize.$z"))
	echo "| $z | $(stats $u) | $(awk -v m="$(median $u)" -v n="$FRAMES" 'BEGIN { printf "%.1f", m / n * 1e6 }') | $(stats $t) | $sz | $(ratio "$raw" "$sz") |"
done
