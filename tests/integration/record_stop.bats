#!/usr/bin/env bats
# pcaprec record stops cleanly: SIGINT, SIGTERM, -c and --duration leave a
# complete, valid file holding every frame that arrived before the stop;
# kill -9 leaves a file libpcap reads up to the last flush.

load ../lib/netns
load ../lib/record

setup() { rec_test_setup; }
teardown() { rec_test_teardown; }

# Send 300 datagrams, signal at once (no pause), check all of them are there.
stop_with() {
	local sig=$1 fmt=$2
	rec_start "$NS_B" "$OUT/s.cap" -i "$IF_B" --format "$fmt"
	send_udp 300 STOP "$REC_PID" "$sig"
	rec_stop "$sig"
	cat "$REC_ERR"
	[ "$REC_STATUS" -eq 0 ]
	"$TOOLS/pktlist" "$OUT/s.cap" >"$OUT/list.txt"
	expect_seq 300 STOP "$OUT/list.txt"
	capinfos "$OUT/s.cap" >/dev/null
	grep -q '^[0-9]* packets captured$' "$REC_ERR"
	grep -q '^0 packets dropped by kernel$' "$REC_ERR"
}

@test "SIGINT right after the last frame: all frames written, file valid (pcapng)" {
	stop_with INT pcapng
}

@test "SIGTERM right after the last frame: all frames written, file valid (pcap)" {
	stop_with TERM pcap
}

@test "-c 50 writes exactly the first 50 frames and exits 0" {
	rec_start "$NS_B" "$OUT/c.pcapng" -i "$IF_B" -c 50
	send_udp 120 CNT
	timeout 10 tail --pid="$REC_PID" -f /dev/null
	wait "$REC_PID"
	REC_PID=
	"$TOOLS/pktlist" "$OUT/c.pcapng" >"$OUT/list.txt"
	[ "$(wc -l <"$OUT/list.txt")" -eq 50 ]
	grep -q '^50 packets captured$' "$REC_ERR"
	capinfos "$OUT/c.pcapng" >/dev/null
}

@test "--duration 2s stops after about 2 s with every frame sent before" {
	start=$(date +%s%N)
	rec_start "$NS_B" "$OUT/d.pcapng" -i "$IF_B" --duration 2s
	send_udp 200 DUR
	timeout 10 tail --pid="$REC_PID" -f /dev/null
	wait "$REC_PID"
	REC_PID=
	end=$(date +%s%N)
	ms=$(( (end - start) / 1000000 ))
	echo "ran $ms ms"
	[ "$ms" -ge 1900 ] && [ "$ms" -lt 6000 ]
	"$TOOLS/pktlist" "$OUT/d.pcapng" >"$OUT/list.txt"
	expect_seq 200 DUR "$OUT/list.txt"
}

@test "kill -9 leaves a file libpcap reads up to the last flushed frame" {
	rec_start "$NS_B" "$OUT/k.pcapng" -i "$IF_B"
	send_udp 100 KILL
	sleep 1.6   # the recorder flushes at least once a second
	kill -KILL "$REC_PID"
	wait "$REC_PID" || true
	REC_PID=
	# still being written: only the .part exists (published by the next start)
	[ ! -e "$OUT/k.pcapng" ]
	"$TOOLS/pktlist" "$OUT/k.pcapng.part" >"$OUT/list.txt"
	expect_seq 100 KILL "$OUT/list.txt"
}

@test "interface removed while recording: exit 1 with a message, file valid with the frames before" {
	rec_start "$NS_B" "$OUT/gone.pcapng" -i "$IF_B"
	send_udp 50 GONE
	sleep 0.3
	ip -n "$NS_A" link del "$IF_A"
	timeout 10 tail --pid="$REC_PID" -f /dev/null
	status=0
	wait "$REC_PID" || status=$?
	REC_PID=
	cat "$REC_ERR"
	[ "$status" -eq 1 ]
	grep -q "capture on '$IF_B' ended: the interface" "$REC_ERR"
	"$TOOLS/pktlist" "$OUT/gone.pcapng" >"$OUT/list.txt"
	expect_seq 50 GONE "$OUT/list.txt"
}

@test "writer stuck behind a blocked pipe: the kernel drops, the counts add up, the file holds what was counted" {
	# no IPv6 chatter: every frame on the link is one we sent
	in_a sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	in_b sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	mkfifo "$OUT/fifo"
	# the reader starts draining the pipe only after 3 s
	(sleep 3; cat) <"$OUT/fifo" >"$OUT/slow.pcapng" &
	cpid=$!
	REC_ERR="$OUT/rec.err"
	: >"$REC_ERR"
	ip netns exec "$NS_B" "$PCAPREC" record -i "$IF_B" -B 1M -w - >"$OUT/fifo" 2>"$REC_ERR" &
	REC_PID=$!
	for i in $(seq 100); do grep -q 'recording on' "$REC_ERR" && break; sleep 0.05; done
	timeout 20 ip netns exec "$NS_A" /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(8000):
    s.sendto(b"PCAPREC-SLOW-%05d" % i + b"z" * 560, ("192.0.2.2", 40009))
'
	sleep 4
	rec_stop
	wait "$cpid"
	cat "$REC_ERR"
	[ "$REC_STATUS" -eq 0 ]
	c=$(awk '/packets captured/ {print $1}' "$REC_ERR")
	r=$(awk '/packets received by filter/ {print $1}' "$REC_ERR")
	d=$(awk '/packets dropped by kernel/ {print $1}' "$REC_ERR")
	[ "$d" -gt 0 ]
	[ $((c + d)) -eq "$r" ]
	[ "$("$TOOLS/pktlist" "$OUT/slow.pcapng" | wc -l)" -eq "$c" ]
	# tshark agrees on the count
	tshark -r "$OUT/slow.pcapng" -T fields -e frame.number 2>/dev/null | tail -1 | grep -qx "$c"
}

@test "SIGINT while the writer cannot keep up (gzip -9, ring always full): stops at once, file valid" {
	in_a sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	in_b sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	rec_start "$NS_B" "$OUT/o.pcapng.gz" -i "$IF_B" -B 1024 -z gzip:9
	# random payloads deflate slowly: far more bytes arrive than gzip -9 takes
	timeout 12 ip netns exec "$NS_A" /usr/bin/python3 -c '
import os, socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
junk = os.urandom(1 << 24)
end = time.monotonic() + 10
i = 0
while time.monotonic() < end:
    s.sendto(junk[i:i + 1400], ("192.0.2.2", 40009))
    i = (i + 1400 * 7919) % ((1 << 24) - 1400)
' &
	spid=$!
	sleep 3
	kill -INT "$REC_PID"
	t0=$(date +%s%N)
	timeout 20 tail --pid="$REC_PID" -f /dev/null
	t1=$(date +%s%N)
	REC_STATUS=0
	wait "$REC_PID" || REC_STATUS=$?
	kill "$spid" 2>/dev/null || true
	wait "$spid" 2>/dev/null || true
	cat "$REC_ERR"
	echo "stopped after $(((t1 - t0) / 1000000)) ms"
	[ "$REC_STATUS" -eq 0 ]
	# well before the sender's 10 s are over
	[ $(((t1 - t0) / 1000000)) -lt 3000 ]
	grep -q 'packets dropped by kernel' "$REC_ERR"
	! grep -qx '0 packets dropped by kernel' "$REC_ERR"
	zcat "$OUT/o.pcapng.gz" >"$OUT/o.pcapng"
	c=$(awk '/packets captured/ {print $1}' "$REC_ERR")
	[ "$("$TOOLS/pktlist" "$OUT/o.pcapng" | wc -l)" -eq "$c" ]
}

@test "-w - into a pipe whose reader has gone: exit 1 at the next write, saying why (not drops for ever)" {
	( ip netns exec "$NS_B" timeout 20 "$PCAPREC" record -i "$IF_B" -w - 2>"$OUT/err" |
		head -c 2000 >/dev/null
	  echo "${PIPESTATUS[0]}" >"$OUT/status" ) &
	pp=$!
	for i in $(seq 100); do grep -q 'recording on' "$OUT/err" && break; sleep 0.05; done
	# the first flush (1 s) feeds head, which takes 2000 bytes and exits
	send_udp 500 PIPE1
	sleep 1.5
	# the next flush meets the closed pipe
	send_udp 500 PIPE2
	timeout 15 tail --pid="$pp" -f /dev/null
	wait "$pp"
	cat "$OUT/err"
	[ "$(cat "$OUT/status")" -eq 1 ]
	grep -q 'Broken pipe; the reader of standard output is gone, stopping' "$OUT/err"
	grep -q '^[0-9]* packets captured$' "$OUT/err"
}
