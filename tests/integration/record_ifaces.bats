#!/usr/bin/env bats
# pcaprec record on lo (each packet once), on several interfaces into one
# pcapng, on 'any' (LINUX_SLL2), and to standard output piped into tshark.

load ../lib/netns
load ../lib/record

setup() { rec_test_setup; }
teardown() {
	rec_test_teardown
	# a reader still blocked opening the FIFO gets its end of file
	[ -p "$OUT/cap.fifo" ] && timeout 1 sh -c ': >"$0"' "$OUT/cap.fifo"
	# what a recorder that treated /dev/null as a template would leave (regular files only)
	for f in /dev/null-1 /dev/null-1.part /dev/null-000001 /dev/null-000001.part "/dev/prtest-$$.pcapng" "/dev/prtest-$$.pcapng.part"; do
		[ -f "$f" ] && rm -f "$f"
	done
	return 0
}

# "SEQ DIR" lines of ICMP echo type $2 in file $1, sorted.
icmp_seqs() {
	tshark -r "$1" -Y "icmp.type == $2 && ${3:-frame}" -T fields -e icmp.seq \
		-e frame.packet_flags_direction 2>/dev/null | sort | tr '\t\n' ' '
}

# A pings B three times; stop the recorder (REC_PID) and the tshark reading
# its stream (tpid); tshark saw echo requests 1 2 3.
ping3_stop_tshark_seqs() {
	in_a timeout 5 ping -c 3 -i 0.2 -W 1 192.0.2.2 >/dev/null
	sleep 0.2
	rec_stop
	[ "$REC_STATUS" -eq 0 ]
	timeout 20 tail --pid="$tpid" -f /dev/null
	wait "$tpid"
	cat "$OUT/ts.err"
	[ "$(tr '\n' ' ' <"$OUT/ts.txt")" = "1 2 3 " ]
}

@test "lo: each ping packet recorded once, not twice" {
	rec_start "$NS_B" "$OUT/lo.pcapng" -i lo
	in_b timeout 5 ping -c 3 -i 0.2 -W 1 127.0.0.1 >/dev/null
	sleep 0.2
	rec_stop
	[ "$REC_STATUS" -eq 0 ]
	"$TOOLS/pktlist" "$OUT/lo.pcapng" >/dev/null
	[ "$(icmp_seqs "$OUT/lo.pcapng" 8)" = "1 0x00000001 2 0x00000001 3 0x00000001 " ]
	[ "$(icmp_seqs "$OUT/lo.pcapng" 0)" = "1 0x00000001 2 0x00000001 3 0x00000001 " ]
}

@test "two -i (lo and the veth) into one pcapng with two interface blocks" {
	rec_start "$NS_B" "$OUT/two.pcapng" -i lo -i "$IF_B"
	in_b timeout 5 ping -c 2 -i 0.2 -W 1 127.0.0.1 >/dev/null
	in_a timeout 5 ping -c 3 -i 0.2 -W 1 192.0.2.2 >/dev/null
	sleep 0.2
	rec_stop
	[ "$REC_STATUS" -eq 0 ]
	capinfos "$OUT/two.pcapng" | tee "$OUT/ci.txt"
	grep -q 'Number of interfaces in file: 2' "$OUT/ci.txt"
	[ "$(tshark -r "$OUT/two.pcapng" -Y 'frame.interface_id == 0' -T fields -e frame.interface_name 2>/dev/null | sort -u)" = "lo" ]
	[ "$(tshark -r "$OUT/two.pcapng" -Y 'frame.interface_id == 1' -T fields -e frame.interface_name 2>/dev/null | sort -u)" = "$IF_B" ]
	[ "$(icmp_seqs "$OUT/two.pcapng" 8 'ip.dst == 127.0.0.1 && frame.interface_id == 0')" = "1 0x00000001 2 0x00000001 " ]
	[ "$(icmp_seqs "$OUT/two.pcapng" 8 'ip.dst == 192.0.2.2 && frame.interface_id == 1')" = "1 0x00000001 2 0x00000001 3 0x00000001 " ]
	[ "$(icmp_seqs "$OUT/two.pcapng" 0 'ip.src == 192.0.2.2 && frame.interface_id == 1')" = "1 0x00000002 2 0x00000002 3 0x00000002 " ]
	# one interface statistics block per interface at the end
	[ "$(grep -c 'Number of stat entries = 1' "$OUT/ci.txt")" -eq 2 ]
}

@test "-i any: LINUX_SLL2 frames tshark decodes, loopback echoes once" {
	rec_start "$NS_B" "$OUT/any.pcapng" -i any
	in_a timeout 5 ping -c 3 -i 0.2 -W 1 192.0.2.2 >/dev/null
	in_b timeout 5 ping -c 2 -i 0.2 -W 1 127.0.0.1 >/dev/null
	sleep 0.2
	rec_stop
	[ "$REC_STATUS" -eq 0 ]
	capinfos "$OUT/any.pcapng" | grep -q 'Encapsulation = Linux cooked-mode capture v2'
	ifb=$(ip -n "$NS_B" -o link show "$IF_B" | cut -d: -f1)
	[ "$(icmp_seqs "$OUT/any.pcapng" 8 "ip.dst == 192.0.2.2 && sll.ifindex == $ifb && sll.pkttype == 0")" = "1 0x00000001 2 0x00000001 3 0x00000001 " ]
	[ "$(icmp_seqs "$OUT/any.pcapng" 0 "ip.src == 192.0.2.2 && sll.ifindex == $ifb && sll.pkttype == 4")" = "1 0x00000002 2 0x00000002 3 0x00000002 " ]
	[ "$(icmp_seqs "$OUT/any.pcapng" 8 'ip.dst == 127.0.0.1')" = "1 0x00000001 2 0x00000001 " ]
	# the SLL2 source address is A's MAC on A's incoming requests
	[ "$(tshark -r "$OUT/any.pcapng" -Y 'icmp.type == 8 && ip.src == 192.0.2.1' -T fields -e sll.src.eth 2>/dev/null | sort -u)" = "$MAC_A" ]
}

@test "-w - streams pcapng to a pipe that tshark -r - reads" {
	mkfifo "$OUT/fifo"
	tshark -r - -T fields -e icmp.seq -Y 'icmp.type == 8' <"$OUT/fifo" >"$OUT/ts.txt" 2>"$OUT/ts.err" &
	tpid=$!
	REC_ERR="$OUT/rec.err"
	: >"$REC_ERR"
	ip netns exec "$NS_B" "$PCAPREC" record -i "$IF_B" -w - >"$OUT/fifo" 2>"$REC_ERR" &
	REC_PID=$!
	for i in $(seq 100); do grep -q 'recording on' "$REC_ERR" && break; sleep 0.05; done
	ping3_stop_tshark_seqs
}

@test "-w FIFO and -w /dev/null are written as streams: no FIFO-1, no /dev/null-1" {
	mkfifo "$OUT/cap.fifo"
	timeout 20 tshark -r - -T fields -e icmp.seq -Y 'icmp.type == 8' <"$OUT/cap.fifo" \
		>"$OUT/ts.txt" 2>"$OUT/ts.err" &
	tpid=$!
	rec_start "$NS_B" "$OUT/cap.fifo" -i "$IF_B"
	grep -q "to $OUT/cap.fifo (pcapng)" "$REC_ERR"
	ping3_stop_tshark_seqs
	[ -p "$OUT/cap.fifo" ]
	[ "$(ls "$OUT")" = "$(printf 'cap.fifo\nrec.err\nts.err\nts.txt')" ]
	rec_start "$NS_B" /dev/null -i "$IF_B" -c 2
	in_a timeout 5 ping -c 3 -i 0.2 -W 1 192.0.2.2 >/dev/null
	timeout 10 tail --pid="$REC_PID" -f /dev/null
	wait "$REC_PID"
	cat "$REC_ERR"
	grep -q '^2 packets captured' "$REC_ERR"
	[ -c /dev/null ]
	[ ! -e /dev/null-1 ] && [ ! -e /dev/null-1.part ]
}

@test "streams refuse rotation, budget and hooks (exit 2); no new file is ever created in /dev" {
	mkfifo "$OUT/cap.fifo"
	for args in "-w /dev/null -C 1M" "-w $OUT/cap.fifo -G 1s" "-w /dev/null --on-rotate true" \
		"-w - -W 3" "-w /dev/null --print-closed"; do
		# shellcheck disable=SC2086
		run in_b timeout 5 "$PCAPREC" record -i "$IF_B" $args
		echo "$args -> $status: $output"
		[ "$status" -eq 2 ]
		[[ "$output" == *"need files, not"* ]]
	done
	run in_b timeout 5 "$PCAPREC" record -i "$IF_B" -w "/dev/prtest-$$.pcapng" -c 1
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *"does not create files in /dev"* ]]
	[ ! -e "/dev/prtest-$$.pcapng" ] && [ ! -e "/dev/prtest-$$.pcapng.part" ]
	[ "$(ls "$OUT")" = cap.fifo ]
}

@test "tun device: LINKTYPE_RAW, every packet byte for byte" {
	in_b timeout 60 /usr/bin/python3 "$BATS_TEST_DIRNAME/../lib/tunsend.py" prtun0 \
		"$OUT/sent.hex" "$OUT" &
	tpid=$!
	for i in $(seq 200); do [ -e "$OUT/ready" ] && break; sleep 0.05; done
	[ -e "$OUT/ready" ]
	ip -n "$NS_B" link set prtun0 up
	rec_start "$NS_B" "$OUT/tun.pcapng" -i prtun0
	grep -q 'recording on prtun0 (RAW' "$REC_ERR"
	touch "$OUT/go"
	for i in $(seq 200); do [ -e "$OUT/written" ] && break; sleep 0.05; done
	sleep 0.2
	rec_stop
	touch "$OUT/done"
	wait "$tpid"
	[ "$REC_STATUS" -eq 0 ]
	"$TOOLS/pktlist" "$OUT/tun.pcapng" >"$OUT/list.txt"
	cat "$OUT/list.txt"
	# libpcap reports LINKTYPE_RAW (101) as its DLT_RAW, which is 12 on Linux
	[ "$(cut -d' ' -f1 "$OUT/list.txt" | sort -u)" = "12" ]
	capinfos "$OUT/tun.pcapng" | grep -q 'Encapsulation = Raw IP (7 - rawip)'
	expect_frames "$OUT/sent.hex" "$OUT/list.txt"
	[ "$(tshark -r "$OUT/tun.pcapng" -Y 'udp.dstport == 9' 2>/dev/null | wc -l)" -eq 5 ]
}

@test "a device of another link type (tun set to ARPHRD_PPP) is captured cooked as LINUX_SLL2" {
	in_b timeout 60 /usr/bin/python3 "$BATS_TEST_DIRNAME/../lib/tunsend.py" prppp0 \
		"$OUT/sent.hex" "$OUT" 512 &
	tpid=$!
	for i in $(seq 200); do [ -e "$OUT/ready" ] && break; sleep 0.05; done
	[ -e "$OUT/ready" ]
	ip -n "$NS_B" link set prppp0 up
	ifx=$(ip -n "$NS_B" -o link show prppp0 | cut -d: -f1)
	rec_start "$NS_B" "$OUT/ppp.pcapng" -i prppp0
	grep -q 'recording on prppp0 (LINUX_SLL2' "$REC_ERR"
	touch "$OUT/go"
	for i in $(seq 200); do [ -e "$OUT/written" ] && break; sleep 0.05; done
	sleep 0.2
	rec_stop
	touch "$OUT/done"
	wait "$tpid"
	[ "$REC_STATUS" -eq 0 ]
	"$TOOLS/pktlist" "$OUT/ppp.pcapng" >"$OUT/list.txt"
	cat "$OUT/list.txt"
	[ "$(cut -d' ' -f1 "$OUT/list.txt" | sort -u)" = "276" ]
	# each packet behind a 20-byte SLL2 header: protocol, 0, ifindex, ARPHRD_PPP, PACKET_HOST, no address
	hdr4=$(printf '08000000%08x020000000000000000000000' "$ifx")
	hdr6=$(printf '86dd0000%08x020000000000000000000000' "$ifx")
	awk -v h4="$hdr4" -v h6="$hdr6" '{ print (substr($0, 1, 1) == "4" ? h4 : h6) $0 }' \
		"$OUT/sent.hex" >"$OUT/want.hex"
	expect_frames "$OUT/want.hex" "$OUT/list.txt"
	[ "$(tshark -r "$OUT/ppp.pcapng" -Y 'sll.hatype == 512 && udp.dstport == 9' 2>/dev/null | wc -l)" -eq 5 ]
}
