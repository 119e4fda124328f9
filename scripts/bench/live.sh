#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Live benchmark: trafgen in namespace A floods a veth into namespace B, where
# each recorder in turn writes to a tmpfs. Reports frames sent, frames seen on
# the receiving interface, frames in the file (counted with libpcap), loss,
# the recorder's CPU seconds per million frames sent (user + sys, and each
# alone) and peak RSS, as medians (min-max) over BENCH_REPS alternating
# repetitions. Prints a Markdown table on stdout.
# The sender starts only once the recorder's packet socket is bound to the
# interface (seen in the namespace's /proc/net/packet; at most
# BENCH_READY_TIMEOUT s, default 60) plus BENCH_START_WAIT s (default 1):
# netsniff-ng with its default ring spends 5-8 s of CPU building a 2.4 GiB
# ring before it binds, so a fixed pause missed all or part of the traffic.
# A start-up table comes first (BENCH_IDLE=0 leaves it out): each recorder
# started, bound, idle for 1 s and stopped, the fixed cost in every CPU figure.
# "write-floor" is no recorder: while the same traffic runs, it writes as many
# bytes as the pcap file of the scenario holds with 1 MiB write(2) calls
# (tests/tools/writefloor.c): the kernel's tmpfs write cost that every
# recorder pays, the floor under the CPU column.
# Traffic stays on the veth pair between the two namespaces this script makes
# (192.0.2.1 -> 192.0.2.2); both are removed on exit.
set -eu
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh

REPS=${BENCH_REPS:-3}
TMP=${BENCH_TMP:-bench/tmp}
PCAPREC=$(realpath "${PCAPREC:-./pcaprec}")
TOOLS=$(realpath "${TOOLS:-build/rel/tools}")
# frames:frame-size:sender-threads
SCENARIOS=${BENCH_LIVE_SCENARIOS:-"2000000:600:2 1000000:600:1 2000000:64:2"}
RECORDERS=${BENCH_RECORDERS:-"pcaprec-pcapng pcaprec-pcap pcaprec-gzip1 tcpdump tcpdump-B65536 dumpcap netsniff-ng netsniff-ng-S64MiB write-floor"}

. scripts/bench/net.sh
bench_net_up live 6g

# The destination MAC is not B's, so B's stack drops the frames at once and
# the recorders (promiscuous) are what is measured, not B's UDP stack.
# BENCH_TG_FLOWS=random: a random source port per frame (a new flow almost
# every frame: the index's worst case), else one flow.
tgcfg() {
	sp=40000
	[ "${BENCH_TG_FLOWS:-one}" = random ] && sp='drnd()'
	cat <<CFG
{
  eth(da=02:00:00:00:00:02, sa=02:00:00:00:00:01, type=0x0800),
  ipv4(saddr=192.0.2.1, daddr=192.0.2.2, ttl=64),
  udp(sp=$sp, dp=9),
  fill(0x41, $(($1 - 42)))
}
CFG
}

recorder_cmd() {
	case $1 in
	pcaprec-pcapng) echo "$PCAPREC record -q -i $IF_B -w $2.pcapng" ;;
	pcaprec-pcapng-noindex) echo "$PCAPREC record -q --no-index -i $IF_B -w $2.pcapng" ;;
	pcaprec-pcap) echo "$PCAPREC record -q -i $IF_B -w $2.pcap" ;;
	pcaprec-gzip1) echo "$PCAPREC record -q -i $IF_B -z gzip:1 -w $2.pcapng" ;;
	tcpdump) echo "tcpdump -q -i $IF_B -w $2.pcap" ;;
	tcpdump-B65536) echo "tcpdump -q -B 65536 -i $IF_B -w $2.pcap" ;;
	dumpcap) echo "dumpcap -q -i $IF_B -w $2.pcapng" ;;
	netsniff-ng) echo "netsniff-ng --in $IF_B --out $2.pcap --silent" ;;
	# The same ring size as pcaprec's and tcpdump -B 65536's.
	netsniff-ng-S64MiB) echo "netsniff-ng --in $IF_B --out $2.pcap --silent -S 64MiB" ;;
	esac
}

rx_packets() {
	ip -n "$NS_B" -s -j link show "$IF_B" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])'
}

# run_floor FRAMES SIZE THREADS PREFIX TIMEFILE OUTFILE: writefloor of the
# scenario's pcap size (24 + FRAMES * (16 + SIZE) bytes) while trafgen runs.
run_floor() {
	fbytes=$((24 + $1 * (16 + $2)))
	rx0=$(rx_packets)
	/usr/bin/time -o "$5" -f '%U %S %M' "$TOOLS/writefloor" "$4.floor" "$fbytes" &
	fpid=$!
	ip netns exec "$NS_A" timeout 120 trafgen -o "$IF_A" -i "$MNT/tg.cfg" -n "$1" \
		-P "$3" -q >/dev/null 2>&1 || true
	wait "$fpid" || true
	sleep 1.5
	rx1=$(rx_packets)
	read -r u s rss <"$5" || { u=0; s=0; rss=0; }
	echo "$1 $((rx1 - rx0)) $1 $u $s $rss" >>"$6"
	rm -f "$4".* "$5"
}

# run_one RECORDER FRAMES SIZE THREADS OUTFILE: appends "sent rx infile user sys rss"
run_one() {
	rec=$1 frames=$2 size=$3 threads=$4 out=$5
	prefix="$MNT/cap"
	tgcfg "$size" >"$MNT/tg.cfg"
	tfile="$MNT/time"
	if [ "$rec" = write-floor ]; then
		run_floor "$frames" "$size" "$threads" "$prefix" "$tfile" "$out"
		return
	fi
	# shellcheck disable=SC2046
	ip netns exec "$NS_B" /usr/bin/time -o "$tfile" -f '%U %S %M' \
		$(recorder_cmd "$rec" "$prefix") >/dev/null 2>"$MNT/rec.err" &
	tpid=$!
	if ! wait_bound "$tpid"; then
		echo "live: $rec did not bind to $IF_B within ${BENCH_READY_TIMEOUT:-60} s" >&2
	fi
	sleep "${BENCH_START_WAIT:-1}"
	rx0=$(rx_packets)
	ip netns exec "$NS_A" timeout 120 trafgen -o "$IF_A" -i "$MNT/tg.cfg" -n "$frames" \
		-P "$threads" -q >/dev/null 2>&1 || true
	sleep 1.5
	rx1=$(rx_packets)
	# GNU time waits for its child; signal the recorder itself (our grandchild).
	rpid=$(pgrep -P "$tpid" || true)
	[ -n "$rpid" ] && kill -INT "$rpid"
	wait "$tpid" || true
	infile=$(count_frames "$prefix")
	read -r u s rss <"$tfile" || { u=0; s=0; rss=0; }
	echo "$frames $((rx1 - rx0)) $infile $u $s $rss" >>"$out"
	rm -f "$prefix".* "$tfile"
}

# run_idle RECORDER OUTFILE: appends "user sys rss" of a recorder started,
# bound, left 1 s on the idle link and stopped: the fixed cost (mostly
# building its ring) inside every CPU figure of the table below.
run_idle() {
	prefix="$MNT/cap"
	tfile="$MNT/time"
	# shellcheck disable=SC2046
	ip netns exec "$NS_B" /usr/bin/time -o "$tfile" -f '%U %S %M' \
		$(recorder_cmd "$1" "$prefix") >/dev/null 2>"$MNT/rec.err" &
	tpid=$!
	wait_bound "$tpid" || echo "live: $1 did not bind to $IF_B" >&2
	sleep 1
	rpid=$(pgrep -P "$tpid" || true)
	[ -n "$rpid" ] && kill -INT "$rpid"
	wait "$tpid" || true
	read -r u s rss <"$tfile" || { u=0; s=0; rss=0; }
	echo "$u $s $rss" >>"$2"
	rm -f "$prefix".* "$tfile"
}

if [ "${BENCH_IDLE:-1}" = 1 ]; then
	echo "Start-up: each recorder started, bound, left 1 s on the idle link, stopped; $REPS repetitions, median (min-max). This fixed cost is inside the CPU column of the live table (per M frames: divide by the frame count in millions); most of it is the kernel zeroing the ring (perf: clear_page under packet_set_ring), which varies from run to run on this VM."
	echo
	echo "| recorder | CPU s | user s | sys s | peak RSS (MiB) |"
	echo "| --- | ---: | ---: | ---: | ---: |"
	for rec in $RECORDERS; do
		[ "$rec" = write-floor ] && continue
		rm -f "$MNT/idle.$rec"
		for rep in $(seq "$REPS"); do
			echo "live: idle $rec rep $rep/$REPS" >&2
			run_idle "$rec" "$MNT/idle.$rec"
		done
		r="$MNT/idle.$rec"
		# shellcheck disable=SC2046
		echo "| $rec | $(stats $(awk '{printf "%s ", $1 + $2}' "$r")) | $(stats $(awk '{printf "%s ", $1}' "$r")) | $(stats $(awk '{printf "%s ", $2}' "$r")) | $(stats $(awk '{printf "%s ", $3 / 1024}' "$r")) |"
	done
	echo
fi

echo "Live, veth between two namespaces, recorder writes to tmpfs; $REPS repetitions, median (min-max)."
echo
echo "CPU is the recorder's own (GNU time), start-up included; sys is mostly the kernel's tmpfs write path."
echo
echo "| frames x size, threads | recorder | frames sent | on interface | in file | loss % | CPU s / M frames | user s / M | sys s / M | peak RSS (MiB) |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for sc in $SCENARIOS; do
	frames=${sc%%:*}
	rest=${sc#*:}
	size=${rest%%:*}
	threads=${rest#*:}
	for rec in $RECORDERS; do rm -f "$MNT/res.$rec"; done
	for rep in $(seq "$REPS"); do
		for rec in $RECORDERS; do
			echo "live: $sc $rec rep $rep/$REPS" >&2
			run_one "$rec" "$frames" "$size" "$threads" "$MNT/res.$rec"
		done
	done
	for rec in $RECORDERS; do
		r="$MNT/res.$rec"
		rx=$(awk '{printf "%s ", $2}' "$r")
		inf=$(awk '{printf "%s ", $3}' "$r")
		loss=$(awk '{l = ($1 - $3) * 100 / $1; printf "%s ", (l < 0 ? 0 : l)}' "$r")
		cpu=$(awk '{printf "%s ", ($4 + $5) / ($1 / 1e6)}' "$r")
		usr=$(awk '{printf "%s ", $4 / ($1 / 1e6)}' "$r")
		sys=$(awk '{printf "%s ", $5 / ($1 / 1e6)}' "$r")
		rss=$(awk '{printf "%s ", $6 / 1024}' "$r")
		if [ "$rec" = write-floor ]; then
			inf="-" loss="-"
		else
			# shellcheck disable=SC2086
			inf=$(median $inf) loss=$(stats $loss)
		fi
		# shellcheck disable=SC2086
		echo "| $frames x ${size}B, $threads | $rec | $frames | $(median $rx) | $inf | $loss | $(stats $cpu) | $(stats $usr) | $(stats $sys) | $(stats $rss) |"
	done
done
