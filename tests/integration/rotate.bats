#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# Rotation and the output-file lifecycle of pcaprec record, on a veth pair
# between two namespaces: numbered datagrams are all in the union of the
# rotated files, once and in order (libpcap via pktlist); files appear only
# under their final name when complete; gzip, hooks, pidfile/SIGHUP, budget,
# disk full, kill -9 recovery and -Z.

load ../lib/netns
load ../lib/record

setup() {
	require_root
	netns_up
	OUT="$BATS_TEST_TMPDIR/out"
	mkdir -p "$OUT"
	WATCH=
	ZD=
}

teardown() {
	[ -n "${REC_PID:-}" ] && kill -KILL "$REC_PID" 2>/dev/null
	[ -n "${WATCH:-}" ] && kill "$WATCH" 2>/dev/null
	[ -n "${ZD:-}" ] && rm -rf "$ZD"
	netns_down
}

# Send N datagrams "PCAPREC-TAG-%04d" from A to B, one every GAP seconds.
send_paced() {
	local n=$1 tag=$2 gap=$3 size=${4:-0}
	timeout 60 ip netns exec "$NS_A" /usr/bin/python3 -c '
import socket, sys, time
n, tag, gap, size = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(n):
    s.sendto(b"PCAPREC-%s-%04d" % (tag.encode(), i) + b"z" * size, ("192.0.2.2", 40009))
    if gap:
        time.sleep(gap)
' "$n" "$tag" "$gap" "$size"
}

# The sequence numbers of TAG's UDP datagrams in pktlist output, in file order.
seqs_of() {
	local tag=$1 marker
	marker=$(printf 'PCAPREC-%s-' "$tag" | od -An -tx1 | tr -d ' \n')
	awk -v m="$marker" '
		substr($5, 25, 4) != "0800" || substr($5, 47, 2) != "11" { next }
		{ i = index($5, m); if (!i) next
		  h = substr($5, i + length(m), 8)
		  print (substr(h, 2, 1) substr(h, 4, 1) substr(h, 6, 1) substr(h, 8, 1)) + 0 }'
}

# pktlist every file given (in that order) into one list; fails if libpcap
# reports any of them damaged.
list_all() {
	local f
	for f in "$@"; do
		"$TOOLS/pktlist" "$f" || { echo "libpcap cannot read $f" >&2; return 1; }
	done
}

# N numbers 0..N-1 exactly once and in order in stdin.
in_order() {
	seq 0 $(($1 - 1)) >"$OUT/../want.txt"
	diff "$OUT/../want.txt" -
}

# Poll the directory while recording: any name without .part must already be
# a complete file that libpcap reads to a clean end.
watch_finished() {
	local glob=$1
	(
		while sleep 0.05; do
			for f in $glob; do
				[ -e "$f" ] || continue
				"$TOOLS/pktlist" "$f" >/dev/null 2>&1 || echo "incomplete under final name: $f"
			done
		done
	) >"$OUT/../watch.txt" 2>&1 &
	WATCH=$!
}

stop_watch() {
	kill "$WATCH" 2>/dev/null
	wait "$WATCH" 2>/dev/null || true
	WATCH=
	cat "$OUT/../watch.txt"
	[ ! -s "$OUT/../watch.txt" ]
}

@test "--rotate-packets: every number once, in order, across many files; no .part seen as final" {
	rec_start "$NS_B" "$OUT/r.pcapng" -i "$IF_B" --rotate-packets 40
	watch_finished "$OUT/r-*.pcapng"
	send_paced 300 ROT 0.002
	sleep 0.3
	stop_watch
	rec_stop
	cat "$REC_ERR"
	[ "$REC_STATUS" -eq 0 ]
	ls "$OUT"
	[ -z "$(ls "$OUT" | grep '\.part$')" ]
	[ "$(ls "$OUT"/r-*.pcapng | wc -l)" -ge 8 ]
	list_all $(ls "$OUT"/r-*.pcapng | sort) >"$OUT/../list.txt"
	seqs_of ROT <"$OUT/../list.txt" | in_order 300
	# every file has at most 40 packets and tshark reads it without a word
	for f in "$OUT"/r-*.pcapng; do
		[ "$("$TOOLS/pktlist" "$f" | wc -l)" -le 40 ]
		[ -z "$(tshark -r "$f" 2>&1 >/dev/null | grep -v '^Running as user "root"')" ]
		# each file closes with its own Interface Statistics Block
		capinfos "$f" | grep -q 'Number of stat entries = 1$'
	done
}

@test "-G 300ms --no-align while sending: files on a timer, union complete and in order" {
	rec_start "$NS_B" "$OUT/t-%n.pcap" -i "$IF_B" -G 300ms --no-align
	watch_finished "$OUT/t-*.pcap"
	send_paced 200 TIM 0.01
	sleep 0.3
	stop_watch
	rec_stop
	cat "$REC_ERR"
	[ "$REC_STATUS" -eq 0 ]
	ls -l "$OUT"
	[ "$(ls "$OUT"/t-*.pcap | wc -l)" -ge 4 ]
	list_all $(ls "$OUT"/t-*.pcap | sort) >"$OUT/../list.txt"
	seqs_of TIM <"$OUT/../list.txt" | in_order 200
	capinfos -t "$OUT/t-000001.pcap" | grep -q 'pcap$'
}

@test "-C: no file exceeds the size, every number kept" {
	rec_start "$NS_B" "$OUT/c.pcapng" -i "$IF_B" -C 20K
	send_paced 150 SIZ 0 900
	sleep 0.3
	rec_stop
	[ "$REC_STATUS" -eq 0 ]
	[ "$(ls "$OUT"/c-*.pcapng | wc -l)" -ge 6 ]
	for f in "$OUT"/c-*.pcapng; do
		[ "$(stat -c %s "$f")" -le 20480 ]
	done
	list_all $(ls "$OUT"/c-*.pcapng | sort) >"$OUT/../list.txt"
	seqs_of SIZ <"$OUT/../list.txt" | in_order 150
}

@test "a slow disk at rotation loses no frame: files are fsynced and published off the writer thread" {
	# Every fsync of a regular file takes 1 s (LD_PRELOAD shim). The 1 MiB
	# ring holds well under a second of this traffic, so a writer that
	# fsynced each finished file itself would overflow it at every rotation.
	local shim="$TOOLS/../preload/slow_fsync.so" log="$OUT/../fsync.log" n
	[ -f "$shim" ]
	in_a sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	in_b sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	SLOW_FSYNC_MS=1000 SLOW_FSYNC_LOG="$log" LD_PRELOAD="$shim" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		rec_start "$NS_B" "$OUT/slow.pcap" -i "$IF_B" -B 1024 -s 2000 -C 1
	send_paced 8000 SLO 0.0002 560
	sleep 0.3
	rec_stop
	cat "$REC_ERR"
	[ "$REC_STATUS" -eq 0 ]
	grep -qx '0 packets dropped by kernel' "$REC_ERR"
	n=$(ls "$OUT"/slow-*.pcap | wc -l)
	[ "$n" -ge 3 ]
	# the shim was in effect: a slow fsync for every file
	[ "$(wc -l <"$log")" -ge "$n" ]
	list_all $(ls "$OUT"/slow-*.pcap | sort) >"$OUT/../list.txt"
	seqs_of SLO <"$OUT/../list.txt" | in_order 8000
}

@test "idle link, -G 1s --empty-files: a valid file for every second, named on the second" {
	rec_start "$NS_B" "$OUT/i-%Y%m%d-%H%M%S.pcapng" -i "$IF_B" -G 1s --empty-files --utc
	sleep 3.6
	rec_stop
	cat "$REC_ERR"
	[ "$REC_STATUS" -eq 0 ]
	ls "$OUT"
	n=$(ls "$OUT"/i-*.pcapng | wc -l)
	[ "$n" -ge 3 ]
	# consecutive seconds: period starts are whole seconds one apart
	ls "$OUT"/i-*.pcapng | sed 's/.*i-\(........\)-\(......\).pcapng/\1 \2/' |
		while read -r d t; do date -u -d "${d} ${t:0:2}:${t:2:2}:${t:4:2}" +%s; done >"$OUT/../secs.txt"
	awk 'NR > 1 && $1 != prev + 1 { bad = 1 } { prev = $1 } END { exit bad }' "$OUT/../secs.txt"
	for f in "$OUT"/i-*.pcapng; do
		list_all "$f" >/dev/null
		capinfos "$f" >/dev/null
	done
}

@test "SIGHUP and pcaprec rotate --pidfile publish the file now; stale pidfiles are refused" {
	rec_start "$NS_B" "$OUT/h-%n.pcapng" -i "$IF_B" --pidfile "$OUT/../rec.pid" --mode 0600 --group daemon
	[ "$(head -1 "$OUT/../rec.pid")" = "$REC_PID" ]
	send_udp 10 ONE
	sleep 0.3
	"$PCAPREC" rotate --pidfile "$OUT/../rec.pid"
	sleep 0.5
	[ -e "$OUT/h-000001.pcapng" ]
	send_udp 10 TWO
	sleep 0.3
	kill -HUP "$REC_PID"
	sleep 0.5
	[ -e "$OUT/h-000002.pcapng" ]
	send_udp 10 THREE
	sleep 0.3
	# SIGUSR1: counters and the file in progress on stderr, recording goes on
	kill -USR1 "$REC_PID"
	sleep 0.5
	grep -E 'packets .* written, 0 dropped by pcaprec, 2 files published; current .*h-000003.pcapng' "$REC_ERR"
	kill -0 "$REC_PID"
	rec_stop
	cat "$REC_ERR"
	[ "$REC_STATUS" -eq 0 ]
	[ ! -e "$OUT/../rec.pid" ]
	list_all "$OUT/h-000001.pcapng" | seqs_of ONE | in_order 10
	list_all "$OUT/h-000002.pcapng" | seqs_of TWO | in_order 10
	list_all "$OUT/h-000003.pcapng" | seqs_of THREE | in_order 10
	for f in "$OUT"/h-*.pcapng; do
		[ "$(stat -c '%a %G' "$f")" = "600 daemon" ]
	done
	# the recorder is gone: its pidfile would now be stale
	echo "$REC_PID" >"$OUT/../stale.pid"
	run "$PCAPREC" rotate --pidfile "$OUT/../stale.pid"
	[ "$status" -eq 1 ]
	[[ "$output" == *stale* ]]
	run "$PCAPREC" rotate --pidfile "$OUT/../none.pid"
	[ "$status" -eq 1 ]
	run "$PCAPREC" rotate
	[ "$status" -eq 2 ]
}

@test "gzip: .pcapng.gz files pass gzip -t, libpcap after zcat, and tshark directly" {
	rec_start "$NS_B" "$OUT/g.pcapng" -i "$IF_B" --rotate-packets 100 -z gzip:9
	send_paced 300 GZ 0.001
	sleep 0.3
	rec_stop
	[ "$REC_STATUS" -eq 0 ]
	ls "$OUT"
	[ "$(ls "$OUT"/g-*.pcapng.gz | wc -l)" -ge 3 ]
	: >"$OUT/../list.txt"
	for f in $(ls "$OUT"/g-*.pcapng.gz | sort); do
		gzip -t "$f"
		zcat "$f" | "$TOOLS/pktlist" - >>"$OUT/../list.txt"
		[ -z "$(tshark -r "$f" 2>&1 >/dev/null | grep -v '^Running as user "root"')" ]
	done
	seqs_of GZ <"$OUT/../list.txt" | in_order 300
}

@test "gzip on 3 threads: a file of many chunks holds every frame in order; gzip -t, tshark, capinfos agree" {
	rec_start "$NS_B" "$OUT/p.pcapng.gz" -i "$IF_B" -z gzip:1 --compress-threads 3
	# 6000 datagrams of 1400 bytes, half random: about 9 MB, nine 1 MiB chunks in flight
	timeout 30 ip netns exec "$NS_A" /usr/bin/python3 -c '
import os, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(6000):
    s.sendto(b"PCAPREC-PGZ-%04d" % i + os.urandom(692) + b"z" * 692, ("192.0.2.2", 40009))
'
	sleep 0.3
	rec_stop
	cat "$REC_ERR"
	[ "$REC_STATUS" -eq 0 ]
	grep -q '^0 packets dropped by kernel$' "$REC_ERR"
	f="$OUT/p.pcapng.gz"
	gzip -t "$f"
	[ "$(stat -c %s "$f")" -gt 4000000 ]
	zcat "$f" | "$TOOLS/pktlist" - >"$OUT/../list.txt"
	expect_seq 6000 PGZ "$OUT/../list.txt"
	[ -z "$(tshark -r "$f" 2>&1 >/dev/null | grep -v '^Running as user "root"')" ]
	n=$(grep -c . "$OUT/../list.txt")
	capinfos -c -M "$f" | grep -q "Number of packets: *$n\$"
}

@test "zstd: .pcapng.zst files pass zstd -t, tcpdump after zstdcat, tshark and capinfos directly, and pcaprec read, summary, check" {
	rec_start "$NS_B" "$OUT/z.pcapng" -i "$IF_B" --rotate-packets 100 -z zstd
	send_paced 300 ZS 0.001
	sleep 0.3
	rec_stop
	[ "$REC_STATUS" -eq 0 ]
	ls "$OUT"
	[ "$(ls "$OUT"/z-*.pcapng.zst | wc -l)" -ge 3 ]
	: >"$OUT/../list.txt"
	for f in $(ls "$OUT"/z-*.pcapng.zst | sort); do
		zstd -q -t "$f"
		[ "$(head -c 4 "$f" | od -An -tx1 | tr -d ' ')" = 28b52ffd ]
		zstdcat "$f" | "$TOOLS/pktlist" - >>"$OUT/../list.txt"
		n=$(zstdcat "$f" | tcpdump -nn -r - 2>/dev/null | wc -l)
		[ "$n" -eq "$(zstdcat "$f" | "$TOOLS/pktlist" - | wc -l)" ]
		[ -z "$(tshark -r "$f" 2>&1 >/dev/null | grep -v '^Running as user "root"')" ]
		capinfos -t "$f" | grep -q 'pcapng (zstd compressed)'
		capinfos -c -M "$f" | grep -q "Number of packets: *$n\$"
		"$PCAPREC" check "$f" | grep -q "OK (pcapng zstd, $n packets.*libpcap agrees"
		[ "$("$PCAPREC" read "$f" | wc -l)" -eq "$n" ]
		"$PCAPREC" summary "$f" | grep -q 'pcapng (zstd compressed)'
	done
	seqs_of ZS <"$OUT/../list.txt" | in_order 300
}

# Wireshark 4.0.17's reader (wiretap/file_wrappers.c) looks for the next zstd
# frame's magic at the start of its input buffer, not where the frame ends,
# so tshark and capinfos misread a .zst of several frames once it is larger
# than that buffer (128 KiB); through zstdcat they read it.
@test "zstd on 3 threads: a file of many frames holds every frame in order; zstd -t, check, and tshark through zstdcat agree" {
	rec_start "$NS_B" "$OUT/p.pcapng.zst" -i "$IF_B" -z zstd:1 --compress-threads 3
	timeout 30 ip netns exec "$NS_A" /usr/bin/python3 -c '
import os, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(6000):
    s.sendto(b"PCAPREC-PZS-%04d" % i + os.urandom(692) + b"z" * 692, ("192.0.2.2", 40009))
'
	sleep 0.3
	rec_stop
	cat "$REC_ERR"
	[ "$REC_STATUS" -eq 0 ]
	grep -q '^0 packets dropped by kernel$' "$REC_ERR"
	f="$OUT/p.pcapng.zst"
	zstd -q -t "$f"
	[ "$(stat -c %s "$f")" -gt 4000000 ]
	zstdcat "$f" | "$TOOLS/pktlist" - >"$OUT/../list.txt"
	expect_seq 6000 PZS "$OUT/../list.txt"
	n=$(grep -c . "$OUT/../list.txt")
	zstdcat "$f" | tshark -r - >"$OUT/../tshark.txt" 2>"$OUT/../tshark.err"
	[ -z "$(grep -v '^Running as user "root"' "$OUT/../tshark.err")" ]
	[ "$(wc -l <"$OUT/../tshark.txt")" -eq "$n" ]
	"$PCAPREC" check "$f" | grep -q "OK (pcapng zstd, $n packets.*libpcap agrees"
	[ "$("$PCAPREC" summary "$f" | awk '/^Number of packets:/ { print $NF }')" = "$n" ]
}

@test "--on-rotate runs for every file including the last, with PCAPREC_* set; --print-closed agrees" {
	cat >"$OUT/../hook.sh" <<-'EOF'
	#!/bin/sh
	echo "$1 $PCAPREC_FILE $PCAPREC_PACKETS $PCAPREC_BYTES $PCAPREC_DROPS" >>"${0%/*}/hooks.log"
	EOF
	chmod +x "$OUT/../hook.sh"
	REC_ERR="$BATS_TEST_TMPDIR/rec.err"
	ip netns exec "$NS_B" "$PCAPREC" record -w "$OUT/k-%n.pcapng" -i "$IF_B" --rotate-packets 50 \
		--on-rotate "$OUT/../hook.sh" --print-closed >"$OUT/../closed.txt" 2>"$REC_ERR" &
	REC_PID=$!
	for i in $(seq 100); do grep -q 'recording on' "$REC_ERR" && break; sleep 0.05; done
	send_paced 120 HOOK 0.001
	sleep 0.3
	rec_stop
	cat "$REC_ERR"
	[ "$REC_STATUS" -eq 0 ]
	cat "$OUT/../hooks.log" "$OUT/../closed.txt"
	nfiles=$(ls "$OUT"/k-*.pcapng | wc -l)
	[ "$nfiles" -ge 3 ]
	[ "$(wc -l <"$OUT/../hooks.log")" -eq "$nfiles" ]
	[ "$(wc -l <"$OUT/../closed.txt")" -eq "$nfiles" ]
	for f in "$OUT"/k-*.pcapng; do
		pk=$("$TOOLS/pktlist" "$f" | wc -l)
		sz=$(stat -c %s "$f")
		grep -qx "$f $f $pk $sz 0" "$OUT/../hooks.log"
		grep -qx "$f $pk $sz" "$OUT/../closed.txt"
	done
}

@test "-W 3 keeps the newest three finished files, also across a restart" {
	rec_start "$NS_B" "$OUT/w.pcap" -i "$IF_B" --rotate-packets 10 -W 3
	send_paced 60 W1 0.001
	sleep 0.3
	rec_stop
	[ "$REC_STATUS" -eq 0 ]
	ls "$OUT"
	[ "$(ls "$OUT" | grep -vc '\.pidx$')" -eq 3 ]
	last=$(ls "$OUT" | sort | tail -1)
	rec_start "$NS_B" "$OUT/w.pcap" -i "$IF_B" --rotate-packets 10 -W 3
	send_paced 30 W2 0.001
	sleep 0.3
	rec_stop
	[ "$REC_STATUS" -eq 0 ]
	ls "$OUT"
	[ "$(ls "$OUT" | grep -vc '\.pidx$')" -eq 3 ]
	# numbering went on after the files of the first run, none of which is left
	for f in $(ls "$OUT" | grep -v '\.pidx$'); do [[ "$f" > "$last" ]]; done
	grep -q 'deleted' "$REC_ERR"
}

@test "kill -9: the .part is readable up to the last flush; the next start publishes it" {
	rec_start "$NS_B" "$OUT/x.pcapng" -i "$IF_B" --flush-interval 100ms
	send_udp 50 KILL
	sleep 0.6
	kill -KILL "$REC_PID"
	wait "$REC_PID" || true
	REC_PID=
	[ -e "$OUT/x.pcapng.part" ]
	[ ! -e "$OUT/x.pcapng" ]
	list_all "$OUT/x.pcapng.part" | seqs_of KILL | in_order 50
	rec_start "$NS_B" "$OUT/x.pcapng" -i "$IF_B"
	grep -q 'published leftover x.pcapng.part as x.pcapng' "$REC_ERR"
	rec_stop
	[ "$REC_STATUS" -eq 0 ]
	ls "$OUT"
	list_all "$OUT/x.pcapng" | seqs_of KILL | in_order 50
	[ -e "$OUT/x-1.pcapng" ]
	[ -z "$(ls "$OUT" | grep '\.part$')" ]
}

# Kill a recorder writing TEMPLATE with -9 after 40 datagrams (flushed), then
# start one with --on-rotate and --print-closed on the same template, send 10
# more and stop it. Leaves hooks.log and closed.txt next to $OUT.
leftover_run() {
	local tmpl=$1 tag=$2
	shift 2
	cat >"$OUT/../hook.sh" <<-'EOF'
	#!/bin/sh
	echo "$1 $PCAPREC_FILE $PCAPREC_PACKETS $PCAPREC_BYTES $PCAPREC_FIRST_TS $PCAPREC_LAST_TS $PCAPREC_DROPS $PCAPREC_LEFTOVER" >>"${0%/*}/hooks.log"
	EOF
	chmod +x "$OUT/../hook.sh"
	rec_start "$NS_B" "$OUT/$tmpl" -i "$IF_B" --flush-interval 100ms "$@"
	send_udp 40 "$tag"
	sleep 0.6
	kill -KILL "$REC_PID"
	wait "$REC_PID" || true
	REC_PID=
	REC_ERR="$BATS_TEST_TMPDIR/rec.err"
	ip netns exec "$NS_B" "$PCAPREC" record -w "$OUT/$tmpl" -i "$IF_B" "$@" \
		--on-rotate "$OUT/../hook.sh" --print-closed >"$OUT/../closed.txt" 2>"$REC_ERR" &
	REC_PID=$!
	for i in $(seq 100); do grep -q 'recording on' "$REC_ERR" && break; sleep 0.05; done
	send_paced 10 "$tag" 0.001
	sleep 0.3
	rec_stop
	cat "$REC_ERR" "$OUT/../hooks.log" "$OUT/../closed.txt"
	[ "$REC_STATUS" -eq 0 ]
}

@test "a leftover .part published at start goes through --on-rotate and --print-closed (PCAPREC_LEFTOVER=1)" {
	leftover_run "l-%n.pcapng" LEFT
	grep -q 'published leftover l-000001.pcapng.part as l-000001.pcapng' "$REC_ERR"
	[ "$(wc -l <"$OUT/../hooks.log")" -eq 2 ]
	[ "$(wc -l <"$OUT/../closed.txt")" -eq 2 ]
	# the leftover first, with what libpcap finds in it
	f="$OUT/l-000001.pcapng"
	"$TOOLS/pktlist" "$f" >"$OUT/../l1.txt"
	seqs_of LEFT <"$OUT/../l1.txt" | in_order 40
	pk=$(wc -l <"$OUT/../l1.txt")
	first=$(head -1 "$OUT/../l1.txt" | cut -d' ' -f2)
	last=$(tail -1 "$OUT/../l1.txt" | cut -d' ' -f2)
	sz=$(stat -c %s "$f")
	[ "$(head -1 "$OUT/../hooks.log")" = "$f $f $pk $sz $first $last 0 1" ]
	[ "$(head -1 "$OUT/../closed.txt")" = "$f $pk $sz" ]
	# the new file as before, not marked
	f="$OUT/l-000002.pcapng"
	pk=$("$TOOLS/pktlist" "$f" | wc -l)
	[ "$pk" -ge 10 ]
	grep -qx "$f $f $pk $(stat -c %s "$f") [0-9.]* [0-9.]* 0 0" "$OUT/../hooks.log"
	grep -qx "$f $pk $(stat -c %s "$f")" "$OUT/../closed.txt"
}

@test "a gzip leftover cut by kill -9 is announced with the packets before the cut" {
	leftover_run "g-%n.pcap.gz" GZL
	f="$OUT/g-000001.pcap.gz"
	# every member the killed recorder flushed is whole: zcat reads them all
	zcat "$f" | "$TOOLS/pktlist" - >"$OUT/../g1.txt"
	seqs_of GZL <"$OUT/../g1.txt" | in_order 40
	pk=$(wc -l <"$OUT/../g1.txt")
	first=$(head -1 "$OUT/../g1.txt" | cut -d' ' -f2)
	last=$(tail -1 "$OUT/../g1.txt" | cut -d' ' -f2)
	[ "$(head -1 "$OUT/../hooks.log")" = "$f $f $pk $(stat -c %s "$f") $first $last 0 1" ]
	[ "$(head -1 "$OUT/../closed.txt")" = "$f $pk $(stat -c %s "$f")" ]
	[ "$(wc -l <"$OUT/../hooks.log")" -eq 2 ]
}

# crash_run NAME TAG CAT COMPRESS [record flags...]: record into NAME (flushing every
# second, the default) while 3000 datagrams go out over about 3 s; kill -9
# after 2 s, in the middle of the traffic; append the first half of a
# member (as a crash inside a write would leave it); start again so the
# leftover is published, stop. CAT decompresses stdin to stdout, COMPRESS
# is the matching compressor. Leaves CRASH_LIST
# (pktlist of the published file) and KILL_TS (when the kill was sent).
crash_run() {
	local name=$1 tag=$2 cat=$3 comp=$4 sender
	shift 4
	rec_start "$NS_B" "$OUT/$name" -i "$IF_B" "$@"
	send_paced 3000 "$tag" 0.001 200 &
	sender=$!
	sleep 2
	KILL_TS=$(date +%s.%N)
	kill -KILL "$REC_PID"
	wait "$REC_PID" || true
	REC_PID=
	wait "$sender"
	[ -e "$OUT/$name.part" ]
	# whole members up to the last flush before the cut one is added
	"$cat" <"$OUT/$name.part" >"$OUT/../before.raw"
	"$TOOLS/pktlist" "$OUT/../before.raw" >/dev/null
	head -c 20000 /dev/urandom | "$comp" -1 -c | head -c 5000 >>"$OUT/$name.part"
	rec_start "$NS_B" "$OUT/$name" -i "$IF_B" "$@"
	rec_stop
	cat "$REC_ERR"
	[ "$REC_STATUS" -eq 0 ]
	grep -q "leftover $name.part: cut from [0-9]* to [0-9]* bytes, after its last whole" "$REC_ERR"
	grep -q "published leftover $name.part as $name" "$REC_ERR"
	f="$OUT/$name"
	[ -z "$(tshark -r "$f" 2>&1 >/dev/null | grep -v '^Running as user "root"')" ]
	"$PCAPREC" check "$f"
	CRASH_LIST="$OUT/../crash.txt"
	"$cat" <"$f" >"$OUT/../after.raw"
	"$TOOLS/pktlist" "$OUT/../after.raw" >"$CRASH_LIST"
	capinfos -c -M "$f" | grep -q "Number of packets: *$(wc -l <"$CRASH_LIST")\$"
}

# The frames in CRASH_LIST are a prefix of TAG's, and the last one was
# captured at most a flush interval (1 s, plus 0.4 s of slack for timers and
# a busy machine) before the kill.
crash_check() {
	local tag=$1 got last
	seqs_of "$tag" <"$CRASH_LIST" >"$OUT/../seqs.txt"
	got=$(wc -l <"$OUT/../seqs.txt")
	echo "kept $got frames; killed at $KILL_TS"
	[ "$got" -gt 100 ]
	in_order "$got" <"$OUT/../seqs.txt"
	last=$(tail -1 "$CRASH_LIST" | cut -d' ' -f2)
	echo "last frame at $last"
	awk -v l="$last" -v k="$KILL_TS" 'BEGIN { exit !(l + 1.4 >= k) }'
}

@test "kill -9 with gzip: the leftover is cut after its last whole member and published as valid gzip within a flush interval of the crash" {
	crash_run c.pcapng.gz CGZ zcat gzip -z gzip:1
	gzip -t "$OUT/c.pcapng.gz"
	crash_check CGZ
}

@test "kill -9 with zstd: the leftover is cut after its last whole frame and published as valid zstd within a flush interval of the crash" {
	crash_run c.pcapng.zst CZS zstdcat zstd -z zstd:1
	zstd -q -t "$OUT/c.pcapng.zst"
	crash_check CZS
}

# disk_full NAME PAYLOAD [record flags...]: 600 datagrams of 1000-byte
# PAYLOAD ("same" or "random") recorded into -w NAME on a 256 KiB tmpfs;
# the recorder's exit status, stderr and the file are copied to $OUT.
disk_full() {
	local name=$1 payload=$2 D="$BATS_TEST_TMPDIR/full"
	shift 2
	mkdir -p "$D"
	# Everything that needs the tmpfs runs inside one private mount namespace.
	timeout 60 unshare -m --propagation private sh -c '
		set -u
		d=$1 ns_b=$2 pcaprec=$3 if_b=$4 out=$5 ns_a=$6 name=$7 payload=$8
		shift 8
		mount -t tmpfs -o size=256k pcaprec-test "$d" || exit 3
		ip netns exec "$ns_b" "$pcaprec" record -i "$if_b" -w "$d/$name" --flush-interval 100ms "$@" \
			2>"$out/rec.err" &
		pid=$!
		for i in $(seq 100); do grep -q "recording on" "$out/rec.err" && break; sleep 0.05; done
		ip netns exec "$ns_a" /usr/bin/python3 -c "
import os, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(600):
    body = os.urandom(1000) if sys.argv[1] == \"random\" else b\"f\" * 1000
    s.sendto(b\"PCAPREC-FULL-%04d\" % i + body, (\"192.0.2.2\", 40009))
    time.sleep(0.001)
" "$payload"
		sleep 1.5
		kill -0 "$pid" || { cat "$out/rec.err"; exit 4; }
		kill -INT "$pid"
		wait "$pid"
		echo $? >"$out/status"
		cp "$d"/* "$out/"
	' sh "$D" "$NS_B" "$PCAPREC" "$IF_B" "$OUT" "$NS_A" "$name" "$payload" "$@"
	cat "$OUT/rec.err"
	ls -l "$OUT"
}

# The frames in the list on stdin that made it are a prefix of the 600 sent
# (no holes, no reordering), more than 50 and fewer than all; the error was
# logged once, naming FILE, and the drops were counted.
disk_full_check() {
	seqs_of FULL >"$OUT/../seqs.txt"
	got=$(wc -l <"$OUT/../seqs.txt")
	[ "$got" -gt 50 ]
	[ "$got" -lt 600 ]
	in_order "$got" <"$OUT/../seqs.txt"
	[ "$(grep -c 'No space left on device.*not writing' "$OUT/rec.err")" -eq 1 ]
	grep -q "$1" "$OUT/rec.err"
	grep -Eq '^[1-9][0-9]* packets dropped by pcaprec' "$OUT/rec.err"
}

# The disk is still full at exit: "N packets captured" counts exactly the
# records in file $1 (not the frames held for a retry that never came).
disk_full_count() {
	[ "$("$TOOLS/pktlist" "$1" | wc -l)" -eq "$(sed -n 's/^\([0-9]*\) packets captured$/\1/p' "$OUT/rec.err")" ]
}

@test "disk full on a 256 KiB tmpfs: the recorder keeps running, file valid, error logged once, drops counted" {
	disk_full f.pcapng same
	[ "$(cat "$OUT/status")" -eq 0 ]
	[ -e "$OUT/f.pcapng" ]
	list_all "$OUT/f.pcapng" | disk_full_check f.pcapng.part
	disk_full_count "$OUT/f.pcapng"
}

@test "disk full with gzip on 2 threads: the file is whole gzip members holding whole records up to the last that fit" {
	disk_full g.pcapng random -z gzip:1 --compress-threads 2
	# cut at a member boundary: a complete gzip file, published like a plain one
	[ "$(cat "$OUT/status")" -eq 0 ]
	[ -e "$OUT/g.pcapng.gz" ]
	gzip -t "$OUT/g.pcapng.gz"
	zcat "$OUT/g.pcapng.gz" >"$OUT/../g.pcapng"
	list_all "$OUT/../g.pcapng" | disk_full_check g.pcapng.gz.part
	"$PCAPREC" check "$OUT/g.pcapng.gz"
	disk_full_count "$OUT/../g.pcapng"
}

@test "disk full with zstd on 2 threads: the file is whole zstd frames holding whole records up to the last that fit" {
	disk_full z.pcapng random -z zstd:1 --compress-threads 2
	[ "$(cat "$OUT/status")" -eq 0 ]
	[ -e "$OUT/z.pcapng.zst" ]
	zstd -q -t "$OUT/z.pcapng.zst"
	zstdcat "$OUT/z.pcapng.zst" >"$OUT/../z.pcapng"
	list_all "$OUT/../z.pcapng" | disk_full_check z.pcapng.zst.part
	"$PCAPREC" check "$OUT/z.pcapng.zst"
}

@test "-Z nobody: privileges dropped after the first file; every file owned by nobody, mode 0640" {
	ZD=$(mktemp -d /tmp/pcaprec-z.XXXXXX)
	chmod 0755 "$ZD"
	chown nobody "$ZD"
	rec_start "$NS_B" "$ZD/z-%n.pcapng" -i "$IF_B" -Z nobody --rotate-packets 20
	grep -q '^Uid:[[:space:]]*65534[[:space:]]*65534[[:space:]]*65534[[:space:]]*65534' /proc/"$REC_PID"/status
	grep -q '^CapEff:[[:space:]]*0000000000000000' /proc/"$REC_PID"/status
	grep -q '^CapPrm:[[:space:]]*0000000000000000' /proc/"$REC_PID"/status
	# nothing can come back through execve: empty bounding set, no_new_privs
	grep -q '^CapBnd:[[:space:]]*0000000000000000' /proc/"$REC_PID"/status
	grep -q '^NoNewPrivs:[[:space:]]*1' /proc/"$REC_PID"/status
	! grep -q 'warning' "$REC_ERR"
	send_paced 50 PRIV 0.001
	sleep 0.3
	rec_stop
	cat "$REC_ERR"
	[ "$REC_STATUS" -eq 0 ]
	ls -l "$ZD"
	[ "$(ls "$ZD"/z-*.pcapng | wc -l)" -ge 3 ]
	for f in "$ZD"/z-*.pcapng; do
		[ "$(stat -c '%U %a' "$f")" = "nobody 640" ]
	done
	list_all $(ls "$ZD"/z-*.pcapng | sort) | seqs_of PRIV | in_order 50
}

@test "--mode giving others read or write access is warned about; the files get that mode" {
	run ip netns exec "$NS_B" "$PCAPREC" record -i "$IF_B" -w "$OUT/m.pcapng" --mode 0644 -c 1 --duration 300ms
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"warning: --mode 0644 makes the captures readable by every user"* ]]
	[ "$(stat -c %a "$OUT/m.pcapng")" = 644 ]
	run ip netns exec "$NS_B" "$PCAPREC" record -i "$IF_B" -w "$OUT/n.pcapng" --mode 0666 -c 1 --duration 300ms
	[[ "$output" == *"warning: --mode 0666 makes the captures readable and writable by every user"* ]]
	run ip netns exec "$NS_B" "$PCAPREC" record -i "$IF_B" -w "$OUT/o.pcapng" --mode 0660 -c 1 --duration 300ms
	[ "$status" -eq 0 ]
	[[ "$output" != *warning* ]]
}

@test "-Z nobody into a root-owned directory fails at start with a clear message, creating nothing" {
	chmod 0755 "$OUT"
	run ip netns exec "$NS_B" "$PCAPREC" record -i "$IF_B" -w "$OUT/n.pcapng" -Z nobody
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"not writable by nobody"* ]]
	[ -z "$(ls "$OUT")" ]
}

@test "--min-free on a 1 MiB tmpfs: oldest files deleted to keep the space free, recording never stops" {
	D="$BATS_TEST_TMPDIR/small"
	mkdir -p "$D"
	timeout 60 unshare -m --propagation private sh -c '
		set -u
		mount -t tmpfs -o size=1m pcaprec-test "$1" || exit 3
		ip netns exec "$2" "$3" record -i "$4" -w "$1/m.pcapng" -C 64K --min-free 640K 2>"$5/rec.err" &
		pid=$!
		for i in $(seq 100); do grep -q "recording on" "$5/rec.err" && break; sleep 0.05; done
		ip netns exec "$6" /usr/bin/python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(1500):
    s.sendto(b\"PCAPREC-MINF-%04d\" % i + b\"m\" * 1000, (\"192.0.2.2\", 40009))
    time.sleep(0.001)
"
		sleep 1.5
		df -k "$1" | tail -1 >"$5/df.txt"
		kill -0 "$pid" || { cat "$5/rec.err"; exit 4; }
		kill -INT "$pid"
		wait "$pid"
		echo $? >"$5/status"
		cp "$1"/* "$5/"
	' sh "$D" "$NS_B" "$PCAPREC" "$IF_B" "$OUT" "$NS_A"
	cat "$OUT/rec.err" "$OUT/df.txt"
	[ "$(cat "$OUT/status")" -eq 0 ]
	# 1.5 MB went through a 1 MiB filesystem that kept 640K free
	grep -q 'deleted .*m-000001.pcapng (--min-free)' "$OUT/rec.err"
	[ -z "$(grep 'not writing' "$OUT/rec.err")" ]
	[ -z "$(grep 'dropped by pcaprec' "$OUT/rec.err")" ]
	[ "$(awk '{ print $4 }' "$OUT/df.txt")" -ge 500 ]
	# what is left is the newest files, complete and in order, ending with the last datagram
	list_all $(ls "$OUT"/m-*.pcapng | sort) >"$OUT/../list.txt"
	first=$(seqs_of MINF <"$OUT/../list.txt" | head -1)
	[ "$first" -gt 0 ]
	seqs_of MINF <"$OUT/../list.txt" | awk -v f="$first" '$1 != f + NR - 1 { exit 1 } END { exit !(NR > 0 && $1 == 1499) }'
}

# A sticky, world-writable directory like /tmp (ZD, removed by teardown).
sticky_dir() {
	ZD=$(mktemp -d /tmp/pcaprec-sticky.XXXXXX)
	chmod 1777 "$ZD"
}

# Run a command as nobody (a second uid, no groups).
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

@test "budget ownership: another user's files in a sticky directory are never counted, deleted or numbered after" {
	sticky_dir
	# names the template could make, a far sequence number, and neighbours sharing the prefix
	for f in w-000001.pcap w-000002.pcap w-000003.pcap w-900000.pcap w-000001-keep.pcap \
		"w-000007 (copy).pcap"; do
		as_nobody sh -c 'echo planted >"$1"' sh "$ZD/$f"
	done
	rec_start "$NS_B" "$ZD/w.pcap" -i "$IF_B" --rotate-packets 10 -W 3
	send_paced 60 OWN 0.001
	sleep 0.3
	rec_stop
	cat "$REC_ERR"
	ls -ln "$ZD"
	[ "$REC_STATUS" -eq 0 ]
	# all six planted files are there, untouched
	[ "$(find "$ZD" -user nobody -type f ! -name '*.pidx' | wc -l)" -eq 6 ]
	for f in "$ZD"/*; do
		[ "$(stat -c %U "$f")" = root ] || [ "$(cat "$f")" = planted ]
	done
	# -W 3 kept three of root's own files; their numbers did not jump past w-900000
	[ "$(find "$ZD" -user root -type f ! -name '*.pidx' | wc -l)" -eq 3 ]
	for f in $(find "$ZD" -user root -type f ! -name '*.pidx' -printf '%f\n'); do
		[[ "$f" =~ ^w-0000[0-9][0-9]\.pcap$ ]]
	done
	grep -q '4 files named like this recorder.s but not regular files of uid 0' "$REC_ERR"
	grep -q 'deleted' "$REC_ERR"
	! grep -E 'deleted .*/w-(00000[123]|900000|000001-keep|000007 \(copy\))\.pcap' "$REC_ERR"
}

@test "budget ownership after -Z: the -Z user's files are the recorder's, root's are not" {
	# the -Z user's own directory (not sticky): it could delete root's file there
	ZD=$(mktemp -d /tmp/pcaprec-z.XXXXXX)
	chmod 0755 "$ZD"
	chown nobody "$ZD"
	echo planted >"$ZD/z-000001.pcap"
	as_nobody sh -c 'echo old >"$1"' sh "$ZD/z-000002.pcap"
	rec_start "$NS_B" "$ZD/z.pcap" -i "$IF_B" -Z nobody --rotate-packets 10 -W 2
	send_paced 40 ZOWN 0.001
	sleep 0.3
	rec_stop
	cat "$REC_ERR"
	ls -ln "$ZD"
	[ "$REC_STATUS" -eq 0 ]
	[ "$(cat "$ZD/z-000001.pcap")" = planted ]
	[ ! -e "$ZD/z-000002.pcap" ]
	[ "$(find "$ZD" -user nobody -type f ! -name '*.pidx' | wc -l)" -eq 2 ]
}

@test "a leftover .part of another user is reported and left: not published, no hook, no forged --print-closed line" {
	sticky_dir
	as_nobody sh -c 'cat >"$1"' sh "$ZD/l-000001.pcapng.part" <"$TESTDATA/corpus.pcapng"
	as_nobody sh -c 'cat >"$1"' sh "$ZD/l-000002"$'\n'"forged 7 7"$'\n'".pcapng.part" \
		<"$TESTDATA/corpus.pcapng"
	sums=$(cat "$ZD"/*.part | md5sum)
	cat >"$BATS_TEST_TMPDIR/hook.sh" <<-'EOF'
	#!/bin/sh
	echo "hook $1" >>"${0%/*}/hooks.log"
	EOF
	chmod +x "$BATS_TEST_TMPDIR/hook.sh"
	REC_ERR="$BATS_TEST_TMPDIR/rec.err"
	ip netns exec "$NS_B" "$PCAPREC" record -w "$ZD/l-%n.pcapng" -i "$IF_B" -c 3 \
		--on-rotate "$BATS_TEST_TMPDIR/hook.sh" --print-closed >"$BATS_TEST_TMPDIR/closed.txt" 2>"$REC_ERR" &
	REC_PID=$!
	for i in $(seq 100); do grep -q 'recording on' "$REC_ERR" && break; sleep 0.05; done
	send_udp 3 PART
	timeout 10 tail --pid="$REC_PID" -f /dev/null
	wait "$REC_PID"
	REC_PID=
	cat "$REC_ERR" "$BATS_TEST_TMPDIR/closed.txt" "$BATS_TEST_TMPDIR/hooks.log"
	grep -q "leftover l-000001.pcapng.part is owned by uid 65534, not by this recorder's uid 0; left alone" "$REC_ERR"
	! grep -q published "$REC_ERR"
	# the planted files are as they were; only root's own file (l-000001 is taken) was announced, once
	[ "$(cat "$ZD"/*.part | md5sum)" = "$sums" ]
	[ "$(ls "$ZD" | grep -c '\.part$')" -eq 2 ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/closed.txt")" -eq 1 ]
	grep -qx "$ZD/l-000002.pcapng 3 [0-9]*" "$BATS_TEST_TMPDIR/closed.txt"
	[ "$(cat "$BATS_TEST_TMPDIR/hooks.log")" = "hook $ZD/l-000002.pcapng" ]
}

@test "-w with a control character in the path is a usage error" {
	run ip netns exec "$NS_B" "$PCAPREC" record -i "$IF_B" -w "$OUT/a"$'\n'"b.pcap" -c 1
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *"-w: the path has a control character"* ]]
	[ -z "$(ls "$OUT")" ]
}

@test "pcaprec rotate signals only the pidfile's lock holder running the recorded executable; a renamed setcap'd copy works" {
	# a process merely named pcaprec, its pid in a pidfile someone holds with flock(1)
	cp /bin/sleep "$BATS_TEST_TMPDIR/pcaprec"
	"$BATS_TEST_TMPDIR/pcaprec" 30 &
	SLEEPER=$!
	echo "$SLEEPER" >"$OUT/../fake.pid"
	flock "$OUT/../fake.pid" sleep 30 &
	LOCKER=$!
	sleep 0.3
	run "$PCAPREC" rotate --pidfile "$OUT/../fake.pid"
	echo "$output"
	alive=0
	kill -0 "$SLEEPER" && alive=1
	kill "$SLEEPER" "$LOCKER" 2>/dev/null || true
	wait "$SLEEPER" "$LOCKER" 2>/dev/null || true
	[ "$alive" -eq 1 ]
	[ "$status" -eq 1 ]
	[[ "$output" == *"no process holds its record lock"* ]]

	# the recorder as a renamed copy with file capabilities; a stale pidfile of ours is taken over
	cp "$PCAPREC" "$BATS_TEST_TMPDIR/pcaprec-cap"
	setcap cap_net_raw+ep "$BATS_TEST_TMPDIR/pcaprec-cap"
	echo 999999 >"$OUT/../rec.pid"
	PCAPREC="$BATS_TEST_TMPDIR/pcaprec-cap" rec_start "$NS_B" "$OUT/c-%n.pcapng" -i "$IF_B" \
		--pidfile "$OUT/../rec.pid"
	[ "$(head -1 "$OUT/../rec.pid")" = "$REC_PID" ]
	send_udp 5 CAP
	sleep 0.3
	"$PCAPREC" rotate --pidfile "$OUT/../rec.pid"
	sleep 0.5
	[ -e "$OUT/c-000001.pcapng" ]
	# the same pidfile given to a user the recorder does not run as is not trusted
	chown nobody "$OUT/../rec.pid"
	run "$PCAPREC" rotate --pidfile "$OUT/../rec.pid"
	chown root "$OUT/../rec.pid"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"belongs to uid 65534: neither root, nor us, nor the user process $REC_PID runs as"* ]]
	rec_stop
	[ "$REC_STATUS" -eq 0 ]
	list_all "$OUT/c-000001.pcapng" | seqs_of CAP | in_order 5
}

@test "pidfiles of another user or behind a symlink are refused by record and rotate, and left as they are" {
	sticky_dir
	as_nobody sh -c 'echo 1 >"$1"' sh "$ZD/rec.pid"
	run ip netns exec "$NS_B" "$PCAPREC" record -i "$IF_B" -w "$OUT/p.pcapng" --pidfile "$ZD/rec.pid" \
		-c 1 --duration 300ms
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"pidfile $ZD/rec.pid belongs to uid 65534, not to us (uid 0)"* ]]
	[ "$(cat "$ZD/rec.pid")" = 1 ]
	run "$PCAPREC" rotate --pidfile "$ZD/rec.pid"
	[ "$status" -eq 1 ]
	[[ "$output" == *"is stale"* ]]
	echo precious >"$BATS_TEST_TMPDIR/precious"
	as_nobody ln -s "$BATS_TEST_TMPDIR/precious" "$ZD/link.pid"
	run ip netns exec "$NS_B" "$PCAPREC" record -i "$IF_B" -w "$OUT/q.pcapng" --pidfile "$ZD/link.pid" \
		-c 1 --duration 300ms
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"is a symbolic link"* ]]
	run "$PCAPREC" rotate --pidfile "$ZD/link.pid"
	[ "$status" -eq 1 ]
	[[ "$output" == *"is a symbolic link"* ]]
	[ "$(cat "$BATS_TEST_TMPDIR/precious")" = precious ]
	[ -z "$(ls "$OUT")" ]
}

@test "an ordinary user's pcaprec rotate reaches its own recorder holding ambient CAP_NET_RAW (its exe hidden by the kernel); so does root's" {
	ZD=$(mktemp -d /tmp/pcaprec-z.XXXXXX)
	chmod 0755 "$ZD"
	chown nobody "$ZD"
	REC_ERR="$BATS_TEST_TMPDIR/rec.err"
	ip netns exec "$NS_B" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=-all,+net_raw --ambient-caps=-all,+net_raw \
		"$PCAPREC" record -i "$IF_B" -w "$ZD/u-%n.pcapng" --pidfile "$ZD/rec.pid" 2>"$REC_ERR" &
	REC_PID=$!
	for i in $(seq 100); do grep -q 'recording on' "$REC_ERR" && break; sleep 0.05; done
	cat "$REC_ERR"
	[ "$(stat -c %U "$ZD/rec.pid")" = nobody ]
	# the kernel hides the exe of a process with capabilities its caller lacks
	! as_nobody stat -L "/proc/$REC_PID/exe" >/dev/null 2>&1
	send_udp 5 USER
	sleep 0.3
	as_nobody "$PCAPREC" rotate --pidfile "$ZD/rec.pid"
	sleep 0.5
	[ -e "$ZD/u-000001.pcapng" ]
	# root's cron rotating a recorder run as User=nobody: nobody's pidfile, nobody's process
	send_udp 5 ROOT
	sleep 0.3
	"$PCAPREC" rotate --pidfile "$ZD/rec.pid"
	sleep 0.5
	[ -e "$ZD/u-000002.pcapng" ]
	rec_stop
	[ "$REC_STATUS" -eq 0 ]
	list_all "$ZD/u-000001.pcapng" | seqs_of USER | in_order 5
	list_all "$ZD/u-000002.pcapng" | seqs_of ROOT | in_order 5
}
