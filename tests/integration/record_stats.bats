#!/usr/bin/env bats
# The statistics add up exactly: the per-file Interface Statistics Blocks
# (read by an independent walker, tests/lib/isb_sum.py) sum to the totals
# record prints on stderr, with no frame counted between two files, for
# plain and gzip files rotated by SIGHUP during traffic; -c leaves nothing
# unnamed; summary reports each file's loss from its blocks.

load ../lib/netns
load ../lib/record

setup() { rec_test_setup; }
teardown() { rec_test_teardown; }

# The number before "$1" in the recorder's stderr (0 when the line is absent).
err_count() {
	local v
	v=$(sed -n "s/^\([0-9]*\) packets $1.*/\1/p" "$REC_ERR")
	echo "${v:-0}"
}

# Paced UDP from A to B (N datagrams, GAP seconds apart), in the background: sets SEND_PID.
send_bg() {
	timeout 30 ip netns exec "$NS_A" /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[1])):
    s.sendto(b"PCAPREC-STAT-%05d" % i + b"s" * 200, ("192.0.2.2", 40009))
    if i % 50 == 0:
        time.sleep(float(sys.argv[2]))
' "$1" "$2" &
	SEND_PID=$!
}

# Record with FLAGS while 6000 datagrams flow and 25 SIGHUPs publish files,
# then check: stderr totals = sums of the files' ISBs, usrdeliv = EPBs per
# file, captured = received - dropped - dropped by pcaprec.
hup_storm() {
	rec_start "$NS_B" "$OUT/s.pcapng" -i "$IF_B" -B 4M "$@"
	send_bg 6000 0.01
	for i in $(seq 25); do
		sleep 0.04
		kill -HUP "$REC_PID"
	done
	wait "$SEND_PID"
	sleep 0.2
	rec_stop
	cat "$REC_ERR"
	[ "$REC_STATUS" -eq 0 ]
	ls "$OUT"
	# the captures only (not the .pidx index sidecars)
	run /usr/bin/python3 "$BATS_TEST_DIRNAME/../lib/isb_sum.py" $(ls "$OUT"/s*.pcapng "$OUT"/s*.pcapng.gz 2>/dev/null)
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -vc '^total')" -ge 10 ]
	read -r _ epbs recv drop osdrop deliv <<<"$(echo "$output" | tail -1)"
	[ "$epbs" -eq "$(err_count captured)" ]
	[ "$deliv" -eq "$epbs" ]
	[ "$recv" -eq "$(err_count 'received by filter')" ]
	[ "$drop" -eq "$(err_count 'dropped by kernel')" ]
	[ "$osdrop" -eq "$(err_count 'dropped by pcaprec')" ]
	[ "$recv" -eq $((epbs + drop + osdrop)) ]
	[ "$epbs" -ge 6000 ]
}

@test "SIGHUP 25 times during traffic (pcapng): per-file ISBs sum to the stderr totals exactly" {
	hup_storm
}

@test "SIGHUP 25 times during traffic (gzip): per-file ISBs sum to the stderr totals exactly" {
	hup_storm -z gzip
}

@test "-c: frames after the limit are named, not counted as received and lost; ISB matches" {
	rec_start "$NS_B" "$OUT/c.pcapng" -i "$IF_B" -B 4M -c 100
	send_bg 3000 0.002
	timeout 10 tail --pid="$REC_PID" -f /dev/null
	wait "$REC_PID"
	wait "$SEND_PID"
	cat "$REC_ERR"
	[ "$(err_count captured)" -eq 100 ]
	[ "$(err_count 'arrived after -c')" -gt 0 ]
	[ "$(err_count 'received by filter')" -eq $((100 + $(err_count 'dropped by kernel'))) ]
	run /usr/bin/python3 "$BATS_TEST_DIRNAME/../lib/isb_sum.py" "$OUT/c.pcapng"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | tail -1)" = "total 100 $(err_count 'received by filter') $(err_count 'dropped by kernel') 0 100" ]
}

@test "lo: the outgoing echo of each packet is not counted as received" {
	rec_start "$NS_B" "$OUT/lo.pcapng" -i lo
	in_b timeout 5 ping -c 4 -i 0.1 -W 1 127.0.0.1 >/dev/null
	sleep 0.2
	rec_stop
	cat "$REC_ERR"
	[ "$(err_count captured)" -eq 8 ]
	[ "$(err_count 'received by filter')" -eq 8 ]
	run /usr/bin/python3 "$BATS_TEST_DIRNAME/../lib/isb_sum.py" "$OUT/lo.pcapng"
	echo "$output"
	[ "$(echo "$output" | tail -1)" = "total 8 8 0 0 8" ]
}

@test "summary reports each file's loss from its statistics blocks, text and JSON" {
	rec_start "$NS_B" "$OUT/l.pcapng" -i "$IF_B" -c 20
	send_bg 200 0.01
	timeout 10 tail --pid="$REC_PID" -f /dev/null
	wait "$SEND_PID"
	run "$PCAPREC" summary "$OUT/l.pcapng"
	echo "$output"
	[[ "$output" == *"statistics block: 20 received, 0 dropped by interface, 0 dropped by OS/recorder, 20 delivered; lost 0 (0.00% of 20)"* ]]
	run "$PCAPREC" summary --json "$OUT/l.pcapng"
	echo "$output" | /usr/bin/python3 -c '
import json, sys
st = json.load(sys.stdin)["reports"][0]["files"][0]["interfaces"][0]["stats"]
assert st == {"ifrecv": 20, "ifdrop": 0, "osdrop": 0, "filteraccept": None, "usrdeliv": 20, "lost": 0}, st'
}
