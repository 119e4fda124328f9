#!/usr/bin/env bats
# A writer that is behind the kernel (several retired ring blocks waiting)
# copies each such block's frames into its own buffer and gives the block
# back before writing (write_copy): the file still has every frame exactly
# once, in the order sent, -c stays exact, and the statistics say how many
# blocks were copied.

load ../lib/netns
load ../lib/record

setup() { rec_test_setup; }
teardown() { rec_test_teardown; }

# Stop the recorder, send 5 bursts of 200 datagrams 150 ms apart (the 50 ms
# block timeout retires each into its own block, or two when the timer
# fires within a burst: at most 10 of the 8 MiB ring's 16), let it go on.
stalled_bursts() {
	kill -STOP "$REC_PID"
	for b in 0 1 2 3 4; do
		timeout 20 ip netns exec "$NS_A" /usr/bin/python3 -c '
import socket, sys
b = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(200 * b, 200 * (b + 1)):
    s.sendto(b"PCAPREC-BACK-%04d" % i, ("192.0.2.2", 40009))
' "$b"
		sleep 0.15
	done
	kill -CONT "$REC_PID"
	sleep 0.3
}

# Sequence numbers of the BACK datagrams in pktlist output, in file order.
seq_in_order() {
	awk '{ print $5 }' "$1" | sed -n 's/.*504341505245432d4241434b2d\(3[0-9]3[0-9]3[0-9]3[0-9]\).*/\1/p' |
		sed 's/3\([0-9]\)/\1/g'
}

backlog_case() {
	local f=$1
	shift
	rec_start "$NS_B" "$OUT/$f" -B 8192 -i "$IF_B" "$@" udp port 40009
	stalled_bursts
	[ -z "${WANT_EXIT:-}" ] && rec_stop
	timeout 10 tail --pid="$REC_PID" -f /dev/null
	wait "$REC_PID" || true
	cat "$REC_ERR"
	"$TOOLS/pktlist" "$OUT/$f" >"$OUT/list.txt"
	grep -Eq '^[1-9][0-9]* ring blocks copied before writing' "$REC_ERR"
	grep -qx '0 packets dropped by kernel' "$REC_ERR"
}

@test "a backlog of retired blocks is copied: every frame once and in order, pcapng and pcap" {
	for f in b.pcapng b.pcap; do
		backlog_case "$f"
		expect_seq 1000 BACK "$OUT/list.txt"
		seq_in_order "$OUT/list.txt" >"$OUT/order.txt"
		seq -f '%04g' 0 999 | diff - "$OUT/order.txt"
		grep -qx '1000 packets captured' "$REC_ERR"
	done
}

@test "-c stays exact while blocks are copied: the first 700 frames, in order" {
	WANT_EXIT=1 backlog_case c.pcapng -c 700
	seq_in_order "$OUT/list.txt" >"$OUT/order.txt"
	seq -f '%04g' 0 699 | diff - "$OUT/order.txt"
	grep -qx '700 packets captured' "$REC_ERR"
}
