# SPDX-License-Identifier: BSD-2-Clause
# Helpers for `pcaprec record` integration tests (load after netns).
#
#   rec_test_setup / rec_test_teardown
#                                  per-test network (root required, fails
#                                  otherwise), OUT = the test's temp dir;
#                                  teardown kills REC_PID and removes the network
#   rec_start NS OUTFILE ARGS...   start the recorder in NS, wait until it listens;
#                                  sets REC_PID, REC_ERR (its stderr file)
#   rec_stop                       SIGINT it and wait; sets REC_STATUS
#   expect_frames SENTFILE CAPFILE [SNAPLEN]
#                                  every hex line of SENTFILE appears exactly once
#                                  in CAPFILE (pktlist output), cut to SNAPLEN

rec_test_setup() {
	require_root
	netns_up
	OUT="$BATS_TEST_TMPDIR"
}

rec_test_teardown() {
	[ -n "${REC_PID:-}" ] && kill -KILL "$REC_PID" 2>/dev/null
	netns_down
}

rec_start() {
	local ns=$1 out=$2 i
	shift 2
	REC_ERR="$BATS_TEST_TMPDIR/rec.err"
	: >"$REC_ERR"
	ip netns exec "$ns" "$PCAPREC" record -w "$out" "$@" 2>"$REC_ERR" &
	REC_PID=$!
	for i in $(seq 100); do
		grep -q 'recording on' "$REC_ERR" && return 0
		kill -0 "$REC_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "recorder did not start:" >&2
	cat "$REC_ERR" >&2
	return 1
}

rec_stop() {
	local sig=${1:-INT}
	kill "-$sig" "$REC_PID"
	REC_STATUS=0
	timeout 10 tail --pid="$REC_PID" -f /dev/null || { kill -KILL "$REC_PID"; return 1; }
	wait "$REC_PID" || REC_STATUS=$?
}

expect_frames() {
	local sent=$1 cap=$2 snap=${3:-262144}
	awk -v snap="$snap" '
		NR == FNR { want[$1] = 1; order[++n] = $1; next }
		{ got[$5]++; len[$5] = $4; cl[$5] = $3 }
		END {
			bad = 0
			for (i = 1; i <= n; i++) {
				w = order[i]; wl = length(w) / 2
				c = wl < snap ? wl : snap
				k = substr(w, 1, 2 * c)
				if (got[k] != 1) { print "frame " i " seen " got[k] + 0 " times: " w; bad = 1 }
				else if (len[k] != wl || cl[k] != c) {
					print "frame " i " caplen/len " cl[k] "/" len[k] " want " c "/" wl; bad = 1
				}
			}
			exit bad
		}' "$sent" "$cap"
}

# Send N UDP datagrams from A to 192.0.2.2 port 40009, payload
# "PCAPREC-TAG-%04d"; with PID and SIG, signal PID right after the last one
# (microseconds later, well inside the ring's 50 ms block timeout).
send_udp() {
	local n=$1 tag=$2 pid=${3:-0} sig=${4:-INT}
	timeout 20 ip netns exec "$NS_A" /usr/bin/python3 -c '
import os, signal, socket, sys
n, tag, pid, sig = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(n):
    s.sendto(b"PCAPREC-%s-%04d" % (tag.encode(), i), ("192.0.2.2", 40009))
if pid:
    os.kill(pid, getattr(signal, "SIG" + sig))
' "$n" "$tag" "$pid" "$sig"
}

# Sequence numbers 0..N-1 of payload TAG each found exactly once in CAPFILE
# (pktlist output of an Ethernet capture; only UDP frames count, so B's ICMP
# port-unreachable quoting a datagram is not a second copy); prints what is
# missing or doubled.
expect_seq() {
	local n=$1 tag=$2 cap=$3 marker
	marker=$(printf 'PCAPREC-%s-' "$tag" | od -An -tx1 | tr -d ' \n')
	awk -v n="$n" -v m="$marker" '
		substr($5, 25, 4) != "0800" || substr($5, 47, 2) != "11" { next }
		{ i = index($5, m); if (i) seen[substr($5, i + length(m), 8)]++ }
		END {
			bad = 0
			for (k = 0; k < n; k++) {
				d = sprintf("%04d", k); h = ""
				for (j = 1; j <= 4; j++) h = h sprintf("%02x", 48 + substr(d, j, 1))
				if (seen[h] != 1) { print "seq " k " seen " seen[h] + 0 " times"; bad = 1 }
			}
			exit bad
		}' "$cap"
}
