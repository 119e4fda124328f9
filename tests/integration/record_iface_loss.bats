#!/usr/bin/env bats
# An interface that goes away does not end the recording of the others: the
# loss is logged once, the recorder goes on, and the interface is recorded
# again (in a new file) when one of that name is back; --exit-on-iface-loss
# keeps the old behaviour; a single -i waits --iface-wait for its return.

load ../lib/netns
load ../lib/record

setup() {
	rec_test_setup
	IF_C="vc${IF_A#va}"
	IF_D="vd${IF_A#va}"
}
teardown() { rec_test_teardown; }

# A second veth pair, C in A's namespace and D in B's, 2001:db8:1::/64.
pair_cd() {
	ip link add "$IF_C" netns "$NS_A" type veth peer name "$IF_D" netns "$NS_B"
	ip -n "$NS_A" addr add 2001:db8:1::1/64 dev "$IF_C" nodad
	ip -n "$NS_B" addr add 2001:db8:1::2/64 dev "$IF_D" nodad
	ip -n "$NS_A" link set "$IF_C" up
	ip -n "$NS_B" link set "$IF_D" up
}

# ICMP(v6) echo requests in FILE on interface ID (pcapng interface id).
echo_reqs() {
	tshark -r "$1" -Y "frame.interface_id == $2 && (icmp.type == 8 || icmpv6.type == 128)" \
		2>/dev/null | wc -l
}

wait_log() {
	for i in $(seq 100); do grep -q "$1" "$REC_ERR" && return 0; sleep 0.05; done
	cat "$REC_ERR"
	return 1
}

@test "-i B -i D: deleting D keeps B recording; D recorded again in a new file once it is back" {
	pair_cd
	rec_start "$NS_B" "$OUT/m.pcapng" -i "$IF_B" -i "$IF_D" -B 2M
	in_a timeout 10 ping -c 30 -i 0.1 -W 1 192.0.2.2 >/dev/null &
	ppid=$!
	sleep 0.5
	ip -n "$NS_B" link del "$IF_D"
	wait_log "capture on '$IF_D' ended: the interface went down; recording the other interfaces"
	kill -0 "$REC_PID"
	pair_cd
	wait_log "interface '$IF_D' is back"
	sleep 0.3
	in_a timeout 5 ping -6 -c 3 -i 0.1 -W 1 2001:db8:1::2 >/dev/null
	wait "$ppid"
	sleep 0.2
	rec_stop
	cat "$REC_ERR"
	[ "$REC_STATUS" -eq 0 ]
	[ "$(grep -c "capture on '$IF_D' ended" "$REC_ERR")" -eq 1 ]
	ls "$OUT"
	[ -e "$OUT/m.pcapng" ] && [ -e "$OUT/m-1.pcapng" ]
	# every ping on B is in one of the two files; D's pings after its return in the new file
	[ $(($(echo_reqs "$OUT/m.pcapng" 0) + $(echo_reqs "$OUT/m-1.pcapng" 0))) -eq 30 ]
	[ "$(echo_reqs "$OUT/m-1.pcapng" 1)" -eq 3 ]
	# both files end with a statistics block for each interface, the lost one included
	/usr/bin/python3 "$BATS_TEST_DIRNAME/../lib/isb_sum.py" "$OUT/m.pcapng" "$OUT/m-1.pcapng"
}

@test "--exit-on-iface-loss: deleting one of two interfaces ends the recording (exit 1)" {
	pair_cd
	rec_start "$NS_B" "$OUT/x.pcapng" -i "$IF_B" -i "$IF_D" -B 2M --exit-on-iface-loss
	ip -n "$NS_B" link del "$IF_D"
	timeout 5 tail --pid="$REC_PID" -f /dev/null
	REC_STATUS=0
	wait "$REC_PID" || REC_STATUS=$?
	cat "$REC_ERR"
	[ "$REC_STATUS" -eq 1 ]
	grep -q "capture on '$IF_D' ended: the interface went down" "$REC_ERR"
	"$TOOLS/pktlist" "$OUT/x.pcapng" >/dev/null
}

@test "one -i: ends at once by default; with --iface-wait it records the interface again when back" {
	pair_cd
	rec_start "$NS_B" "$OUT/one.pcapng" -i "$IF_D" -B 2M
	ip -n "$NS_B" link del "$IF_D"
	timeout 5 tail --pid="$REC_PID" -f /dev/null
	REC_STATUS=0
	wait "$REC_PID" || REC_STATUS=$?
	[ "$REC_STATUS" -eq 1 ]
	pair_cd
	rec_start "$NS_B" "$OUT/w.pcapng" -i "$IF_D" -B 2M --iface-wait 10s
	ip -n "$NS_B" link del "$IF_D"
	wait_log "waiting for it to come back"
	sleep 0.5
	kill -0 "$REC_PID"
	pair_cd
	wait_log "interface '$IF_D' is back"
	sleep 0.3
	in_a timeout 5 ping -6 -c 3 -i 0.1 -W 1 2001:db8:1::2 >/dev/null
	sleep 0.2
	rec_stop
	cat "$REC_ERR"
	[ "$REC_STATUS" -eq 0 ]
	[ "$(echo_reqs "$OUT/w-1.pcapng" 0)" -eq 3 ]
	# not back within --iface-wait: the recording ends with the error
	rec_start "$NS_B" "$OUT/t.pcapng" -i "$IF_D" -B 2M --iface-wait 1s
	ip -n "$NS_B" link del "$IF_D"
	timeout 5 tail --pid="$REC_PID" -f /dev/null
	REC_STATUS=0
	wait "$REC_PID" || REC_STATUS=$?
	[ "$REC_STATUS" -eq 1 ]
}
