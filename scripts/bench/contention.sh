#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Contention benchmark (issue 15): two trafgen threads flood a veth pair
# between two test namespaces while the recorder, pinned to CPU 1 with
# taskset (as the issue's tcpdump runs were) or left unpinned, writes to a
# tmpfs. Both CPUs are busy with the senders' softirqs, so a recorder that
# falls behind loses frames. Recorders run in alternation, CONT_REPS times
# (default 5) per pinning mode; per run: loss (frames sent minus frames in
# the file, counted with libpcap; plus the drops the recorder itself
# reports), CPU per written frame (GNU time = getrusage of the recorder,
# user + sys, start-up included), peak RSS. Reported as medians (min-max),
# and per pair against tcpdump -B 65536 of the same repetition: the ratio of
# CPU per written frame and how often the recorder lost no more. The machine
# may be shared, so only ratios within one run mean much.
#   CONT_FRAMES   frames per run (default 2000000)
#   CONT_SIZE     frame size in bytes (default 600)
#   CONT_THREADS  trafgen threads (default 2)
#   CONT_REPS     repetitions per pinning mode (default 5)
#   CONT_PIN      "pinned unpinned" (default), or one of them
#   CONT_RECORDERS  recorder names (see recorder_cmd); missing tools skipped
#   CONT_CMD_<NAME>  a command line for recorder NAME (e.g. another build,
#                 before/after): @IF@ is the interface, @OUT@ the file name
#                 without suffix (add one: @OUT@.pcapng)
#   CONT_REF      the recorder the others are compared with (tcpdump-B65536)
#   CONT_PERF=DIR   once, on the first pinned pcaprec run: perf record -g of
#                 the recorder and perf sched record of both CPUs into DIR
# Prints a Markdown table on stdout. Traffic stays on the veth pair
# (192.0.2.1 -> 192.0.2.2) of the namespaces this script makes; both and the
# tmpfs are removed on exit.
set -eu
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh

FRAMES=${CONT_FRAMES:-2000000}
SIZE=${CONT_SIZE:-600}
THREADS=${CONT_THREADS:-2}
REPS=${CONT_REPS:-5}
PINS=${CONT_PIN:-"pinned unpinned"}
TMP=${BENCH_TMP:-bench/tmp}
PCAPREC=$(realpath "${PCAPREC:-./pcaprec}")
TOOLS=$(realpath "${TOOLS:-build/rel/tools}")
RECORDERS=${CONT_RECORDERS:-"pcaprec pcaprec-B8192-zstd1 tcpdump-B65536 tcpdump dumpcap netsniff-ng-S64MiB"}
REF=${CONT_REF:-tcpdump-B65536}
for v in "$FRAMES" "$SIZE" "$THREADS" "$REPS"; do
	case $v in '' | *[!0-9]*) echo "contention: counts must be numbers: '$v'" >&2; exit 2 ;; esac
done
if [ "$SIZE" -lt 60 ] || [ "$SIZE" -gt 1514 ]; then echo "contention: CONT_SIZE 60-1514" >&2; exit 2; fi

. scripts/bench/net.sh
# the largest run's pcapng plus slack
bench_net_up cont "$(((FRAMES * (SIZE + 40)) / 1048576 + 256))m"

# Not B's MAC: B's stack drops the frames at once, the recorder is what is measured.
cat >"$MNT/tg.cfg" <<CFG
{
  eth(da=02:00:00:00:00:02, sa=02:00:00:00:00:01, type=0x0800),
  ipv4(saddr=192.0.2.1, daddr=192.0.2.2, ttl=64),
  udp(sp=40000, dp=9),
  fill(0x41, $((SIZE - 42)))
}
CFG

# recorder_cmd NAME PREFIX: the command line, or nothing if the tool is missing.
recorder_cmd() {
	case $1 in
	pcaprec) echo "$PCAPREC record -i $IF_B -w $2.pcapng" ;;
	pcaprec-B8192) echo "$PCAPREC record -B 8192 -i $IF_B -w $2.pcapng" ;;
	pcaprec-zstd1) echo "$PCAPREC record -z zstd:1 -i $IF_B -w $2.pcapng" ;;
	pcaprec-B8192-zstd1) echo "$PCAPREC record -B 8192 -z zstd:1 -i $IF_B -w $2.pcapng" ;;
	pcaprec-gzip1) echo "$PCAPREC record -z gzip:1 -i $IF_B -w $2.pcapng" ;;
	tcpdump) command -v tcpdump >/dev/null && echo "tcpdump -q -i $IF_B -w $2.pcap" ;;
	tcpdump-B65536) command -v tcpdump >/dev/null && echo "tcpdump -q -B 65536 -i $IF_B -w $2.pcap" ;;
	dumpcap) command -v dumpcap >/dev/null && echo "dumpcap -q -i $IF_B -w $2.pcapng" ;;
	netsniff-ng-S64MiB) command -v netsniff-ng >/dev/null &&
		echo "netsniff-ng --in $IF_B --out $2.pcap --silent -S 64MiB" ;;
	*) eval "c=\${CONT_CMD_$(echo "$1" | tr -c 'A-Za-z0-9_\n' _):-}"
		# shellcheck disable=SC2154
		[ -n "$c" ] && echo "$c" | sed "s|@IF@|$IF_B|g; s|@OUT@|$2|g" ;;
	esac
	return 0
}

# Kernel drops as the recorder reports them on stderr, or "-".
reported_drops() {
	case $1 in
	pcaprec*) sed -n 's/.* \([0-9][0-9]*\) packets dropped by kernel.*/\1/p; s/^\([0-9][0-9]*\) packets dropped by kernel.*/\1/p' "$2" | tail -1 ;;
	tcpdump*) sed -n 's/^\([0-9][0-9]*\) packets dropped by kernel.*/\1/p' "$2" | tail -1 ;;
	dumpcap) sed -n 's/.*(pcap:\([0-9][0-9]*\)\/.*/\1/p' "$2" | tail -1 ;;
	*) echo - ;;
	esac
}

PERF_DONE=0
# run_one RECORDER PIN OUTFILE: appends "sent infile user sys rss kdrops"
run_one() {
	rec=$1 pin=$2 out=$3
	prefix="$MNT/cap"
	tfile="$MNT/time"
	cmd=$(recorder_cmd "$rec" "$prefix")
	tset=
	[ "$pin" = pinned ] && tset="taskset -c 1"
	# shellcheck disable=SC2086
	ip netns exec "$NS_B" /usr/bin/time -o "$tfile" -f '%U %S %M' \
		$tset $cmd >/dev/null 2>"$MNT/rec.err" &
	tpid=$!
	wait_bound "$tpid" || echo "contention: $rec did not bind to $IF_B" >&2
	sleep 1
	rpid=$(pgrep -P "$tpid" || true)
	perfpid="" schedpid=""
	if [ -n "${CONT_PERF:-}" ] && [ "$PERF_DONE" = 0 ] && [ "$pin" = pinned ] && [ "$rec" = pcaprec ] && [ -n "$rpid" ]; then
		PERF_DONE=1
		mkdir -p "$CONT_PERF"
		perf record -q -g -p "$rpid" -o "$CONT_PERF/record.data" >/dev/null 2>&1 &
		perfpid=$!
		perf sched record -q -a -o "$CONT_PERF/sched.data" >/dev/null 2>&1 &
		schedpid=$!
		sleep 0.5
	fi
	ip netns exec "$NS_A" timeout 120 trafgen -o "$IF_A" -i "$MNT/tg.cfg" -n "$FRAMES" \
		-P "$THREADS" -q >/dev/null 2>&1 || true
	sleep 1.5
	[ -n "$schedpid" ] && { kill -INT "$schedpid"; wait "$schedpid" || true; }
	[ -n "$rpid" ] && kill -INT "$rpid"
	wait "$tpid" || true
	[ -n "$perfpid" ] && { wait "$perfpid" || true; }
	infile=$(count_frames "$prefix")
	read -r u s rss <"$tfile" || { u=0; s=0; rss=0; }
	kd=$(reported_drops "$rec" "$MNT/rec.err")
	echo "$FRAMES $infile $u $s $rss ${kd:--}" >>"$out"
	rm -f "$prefix".* "$tfile"
}

active=
for rec in $RECORDERS; do
	if [ -n "$(recorder_cmd "$rec" x)" ]; then
		active="$active $rec"
	else
		echo "contention: $rec not installed, left out" >&2
	fi
done

echo "Contention: $FRAMES x ${SIZE}-byte frames from $THREADS trafgen threads over a veth pair, recorder writing to tmpfs, pinned to CPU 1 (taskset -c 1) or unpinned; $REPS alternating repetitions per mode, median (min-max). Machine: $(nproc) CPUs, load average before the run $(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "Loss = frames sent but not in the file; kernel drops as the recorder reports them. CPU = the recorder's user + sys (getrusage via GNU time, start-up included) per frame written. vs $REF: per repetition, this recorder's CPU per written frame divided by $REF's of the same repetition (median (min-max)), and in how many repetitions it lost no more frames than $REF."
echo
echo "| pinning | recorder | loss % | kernel drops | CPU us / written frame | vs $REF CPU | lost <= $REF | user us | sys us | peak RSS MiB |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for pin in $PINS; do
	for rec in $active; do rm -f "$MNT/res.$pin.$rec"; done
	for rep in $(seq "$REPS"); do
		for rec in $active; do
			echo "contention: $pin $rec rep $rep/$REPS" >&2
			run_one "$rec" "$pin" "$MNT/res.$pin.$rec"
		done
	done
	ref="$MNT/res.$pin.$REF"
	for rec in $active; do
		r="$MNT/res.$pin.$rec"
		loss=$(awk '{l = ($1 - $2) * 100 / $1; printf "%s ", (l < 0 ? 0 : l)}' "$r")
		kd=$(awk '$6 != "-" {printf "%s ", $6}' "$r")
		cpu=$(awk '{w = ($2 > 0 ? $2 : 1); printf "%s ", ($3 + $4) / w * 1e6}' "$r")
		usr=$(awk '{w = ($2 > 0 ? $2 : 1); printf "%s ", $3 / w * 1e6}' "$r")
		sys=$(awk '{w = ($2 > 0 ? $2 : 1); printf "%s ", $4 / w * 1e6}' "$r")
		rss=$(awk '{printf "%s ", $5 / 1024}' "$r")
		vs="-" le="-"
		if [ -f "$ref" ] && [ "$rec" != "$REF" ]; then
			vs=$(paste -d' ' "$r" "$ref" | awk '{a = ($2 > 0 ? ($3 + $4) / $2 : 0); b = ($8 > 0 ? ($9 + $10) / $8 : 0); if (b > 0) printf "%s ", a / b}')
			# shellcheck disable=SC2086
			vs=$(stats $vs)
			le="$(paste -d' ' "$r" "$ref" | awk '$2 >= $8 { n++ } END { print n + 0 }') of $(wc -l <"$r")"
		fi
		# shellcheck disable=SC2086
		echo "| $pin | $rec | $(stats $loss) | $(stats $kd) | $(stats $cpu) | $vs | $le | $(stats $usr) | $(stats $sys) | $(stats $rss) |"
	done
done
