#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Filters: compile time of long or-chains, and what kernel filtering of
# tagged and cooked traffic does for a stalled ring.
#   compile: or-chains of N `host`, `port` and `net` terms, pcaprec (read -ddd)
#            and tcpdump -d (libpcap) at 200 terms, pcaprec alone at 1000
#            (libpcap takes minutes there); seconds and instructions
#   stalled: a recorder with a 1 MiB ring (-B 1024: two 512 KiB blocks) is
#            stopped (SIGSTOP), NOISE tagged UDP frames the filter rejects go
#            by in three bursts the block timeout retires apart, then 50 it
#            keeps; then it runs on and is stopped. Rows: kept of 50, rejected
#            frames that reached the file, "received by filter"; tcpdump -B
#            1024 (libpcap's own kernel filter with the VLAN extensions) beside.
#            Each recorder gets 2 s after SIGCONT before SIGINT: libpcap only
#            reads a block once tcpdump's 1 s timeout retired it
# Usage (root, after make check-tests): scripts/bench/filter.sh [RUNS] [NOISE]
# The files of numbers are split into arguments on purpose (stats V1 V2 ...).
# shellcheck disable=SC2046
set -u
cd "$(dirname "$0")/../.." || exit 1
. scripts/bench/lib.sh
. tests/lib/netns.bash
RUNS=${1:-3}
NOISE=${2:-3000}
B=build/rel
W=$(mktemp -d /tmp/pcaprec-fbench.XXXXXX)
trap 'netns_down; rm -rf "$W"' EXIT INT TERM

chain() {
	python3 - "$1" "$2" <<'EOF'
import sys
n, k = int(sys.argv[1]), sys.argv[2]
t = {"host": lambda i: "host 10.%d.%d.%d" % (i >> 16, (i >> 8) & 255, i & 255),
     "port": lambda i: "port %d" % (i + 1),
     "net": lambda i: "net 10.%d.%d.0/24" % (i >> 8, i & 255)}[k]
print(" or ".join(t(i) for i in range(n)))
EOF
}

echo "compile: or-chains on Ethernet, $RUNS runs, medians (min-max) of wall seconds; instructions"
echo "| chain | pcaprec s | pcaprec insns | tcpdump -d s | tcpdump insns |"
echo "| --- | --- | ---: | --- | ---: |"
for n in 200 1000; do
	for k in host port net; do
		e=$(chain "$n" "$k")
		: >"$W/p" ; : >"$W/t"
		for _ in $(seq "$RUNS"); do
			s=$(date +%s.%N)
			pi=$("$B/pcaprec" read -ddd --filter "$e" testdata/corpus.pcap 2>&1 | head -1)
			echo "$(date +%s.%N) - $s" | bc >>"$W/p"
			if [ "$n" -le 200 ]; then
				s=$(date +%s.%N)
				ti=$(tcpdump -r testdata/corpus.pcap -ddd "$e" 2>/dev/null | head -1)
				echo "$(date +%s.%N) - $s" | bc >>"$W/t"
			fi
		done
		if [ "$n" -le 200 ]; then
			echo "| $n $k | $(stats $(cat "$W/p")) | $pi | $(stats $(cat "$W/t")) | $ti |"
		else
			echo "| $n $k | $(stats $(cat "$W/p")) | $pi | (minutes) | |"
		fi
	done
done
echo

netns_up || exit 1
send_tagged() {
	timeout 60 ip netns exec "$NS_A" /usr/bin/python3 tests/lib/sendtagged.py \
		"$IF_A" "$MAC_A" "$MAC_B" 100 "$1" "$2"
}
marked() {
	tcpdump -r "$1" -nn -A 2>/dev/null | grep -c "PCAPREC-TAG-0*$2-" || true
}

# stalled TOOL IFACE FILTER: one stalled run; prints "kept noise received"
stalled() {
	local tool=$1 ifc=$2 flt=$3 pid
	rm -f "$W/s.pcap" "$W/err"
	if [ "$tool" = pcaprec ]; then
		ip netns exec "$NS_B" "$B/pcaprec" record -i "$ifc" -B 1024 -w "$W/s.pcap" --filter "$flt" 2>"$W/err" &
		pid=$!
		for _ in $(seq 100); do grep -qs 'recording on' "$W/err" && break; sleep 0.05; done
	else
		ip netns exec "$NS_B" tcpdump -i "$ifc" -B 1024 -w "$W/s.pcap" "$flt" 2>"$W/err" &
		pid=$!
		for _ in $(seq 100); do grep -qs 'listening on' "$W/err" && break; sleep 0.05; done
	fi
	sleep 0.2
	kill -STOP "$pid"
	for _ in 1 2 3; do send_tagged 8888 $((NOISE / 3)); sleep 0.2; done
	send_tagged 9999 50
	sleep 0.2
	kill -CONT "$pid"
	# libpcap retires a block after tcpdump's 1 s timeout and does not drain at SIGINT
	sleep 2
	kill -INT "$pid"
	wait "$pid"
	echo "$(marked "$W/s.pcap" 9999) $(marked "$W/s.pcap" 8888) $(grep -o '^[0-9]* packets received by filter' "$W/err" | cut -d' ' -f1)"
}

echo "stalled 1 MiB ring: $NOISE tagged frames the filter rejects, then 50 it keeps; $RUNS runs, median (min-max)"
echo "| recorder | interface | filter | kept of 50 | rejected frames in the file | received by filter |"
echo "| --- | --- | --- | --- | --- | --- |"
for row in "pcaprec|$IF_B|vlan 100 and udp dst port 9999" "pcaprec|any|udp dst port 9999" \
	   "tcpdump|$IF_B|vlan 100 and udp dst port 9999" "tcpdump|any|udp dst port 9999"; do
	IFS='|' read -r tool ifc flt <<<"$row"
	: >"$W/k"; : >"$W/n"; : >"$W/r"
	for _ in $(seq "$RUNS"); do
		read -r k n r < <(stalled "$tool" "$ifc" "$flt")
		echo "$k" >>"$W/k"; echo "$n" >>"$W/n"; echo "${r:-0}" >>"$W/r"
	done
	label=$ifc; [ "$ifc" = "$IF_B" ] && label="veth (tagged)"
	echo "| $tool | $label | \`$flt\` | $(stats $(cat "$W/k")) | $(stats $(cat "$W/n")) | $(stats $(cat "$W/r")) |"
done
