#!/usr/bin/env bats
# pcaprec record with a filter keeps exactly the frames libpcap's compiler
# (tcpdump -r FILE EXPR) keeps from an unfiltered capture of the same
# traffic, VLAN-tagged frames and cooked (-i any) captures included.

load ../lib/netns
load ../lib/record

setup() {
	require_root
	netns_up
	OUT="$BATS_TEST_TMPDIR"
	PIDS=()
}

teardown() {
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	netns_down
}

# Start a recorder in B; extra args after the file.
start_bg() {
	local file=$1
	shift
	: >"$file.err"
	ip netns exec "$NS_B" "$PCAPREC" record -w "$file" "$@" 2>"$file.err" &
	PIDS+=($!)
	for i in $(seq 100); do grep -q 'recording on' "$file.err" && return 0; sleep 0.05; done
	cat "$file.err"
	return 1
}

# Background frames (IPv6 DAD, router solicitations) can come while the
# recorders start one by one or stop; compare only frames between T0 and T1.
traffic() {
	T0=$(date +%s.%N)
	timeout 30 ip netns exec "$NS_A" /usr/bin/python3 "$BATS_TEST_DIRNAME/../lib/sendframes.py" \
		"$IF_A" "$MAC_A" "$MAC_B" "$OUT/sent.hex"
	send_udp 20 FLT
	in_a timeout 5 ping -c 2 -i 0.2 -W 1 192.0.2.2 >/dev/null
	in_a timeout 5 ping -6 -c 2 -i 0.2 -W 1 2001:db8::2 >/dev/null
	sleep 0.3
	T1=$(date +%s.%N)
	for p in "${PIDS[@]}"; do kill -INT "$p"; done
	for p in "${PIDS[@]}"; do wait "$p"; done
	PIDS=()
}

# Frames (caplen, len, bytes) of filtered capture $1 equal tcpdump's pick by
# expression $3 from the unfiltered capture $2.
same_as_libpcap() {
	tcpdump -r "$2" -w "$OUT/ref.pcap" "$3" 2>/dev/null
	window() { awk -v t0="$T0" -v t1="$T1" '$2 >= t0 && $2 <= t1 { print $3, $4, $5 }'; }
	"$TOOLS/pktlist" "$OUT/ref.pcap" | window >"$OUT/ref.txt"
	"$TOOLS/pktlist" "$1" | window >"$OUT/got.txt"
	echo "filter '$3': libpcap $(wc -l <"$OUT/ref.txt"), pcaprec $(wc -l <"$OUT/got.txt")"
	[ -s "$OUT/ref.txt" ]
	diff "$OUT/ref.txt" "$OUT/got.txt"
}

@test "filters on Ethernet (in the kernel, tagged frames too) match libpcap" {
	start_bg "$OUT/all.pcapng" -i "$IF_B"
	start_bg "$OUT/udp.pcapng" -i "$IF_B" --filter 'udp port 40009'
	start_bg "$OUT/vlan.pcapng" -i "$IF_B" vlan
	start_bg "$OUT/notvlan.pcapng" -i "$IF_B" --filter 'udp and not vlan'
	start_bg "$OUT/icmp.pcapng" -i "$IF_B" -s 60 --filter 'icmp or icmp6 or arp'
	traffic
	same_as_libpcap "$OUT/udp.pcapng" "$OUT/all.pcapng" 'udp port 40009'
	same_as_libpcap "$OUT/vlan.pcapng" "$OUT/all.pcapng" 'vlan'
	same_as_libpcap "$OUT/notvlan.pcapng" "$OUT/all.pcapng" 'udp and not vlan'
	editcap -s 60 "$OUT/all.pcapng" "$OUT/all60.pcapng"
	same_as_libpcap "$OUT/icmp.pcapng" "$OUT/all60.pcapng" 'icmp or icmp6 or arp'
	# the expression is recorded as the interface's if_filter
	capinfos "$OUT/udp.pcapng" | grep -q 'udp port 40009'
}

@test "a filter on -i any (cooked, in the kernel) matches libpcap" {
	start_bg "$OUT/all.pcapng" -i any
	start_bg "$OUT/icmp.pcapng" -i any --filter 'icmp or udp port 40009'
	traffic
	same_as_libpcap "$OUT/icmp.pcapng" "$OUT/all.pcapng" 'icmp or udp port 40009'
}

# COUNT tagged UDP frames (VLAN 100) to port $1 from A to B, bounded in count and time.
send_tagged() {
	timeout 30 ip netns exec "$NS_A" /usr/bin/python3 "$BATS_TEST_DIRNAME/../lib/sendtagged.py" \
		"$IF_A" "$MAC_A" "$MAC_B" 100 "$1" "$2"
}

# Frames of capture $1 carrying the marker of port $2.
marked() {
	tcpdump -r "$1" -nn -A 2>/dev/null | grep -c "PCAPREC-TAG-0*$2-" || true
}

# A stalled writer and a 1 MiB ring (two 512 KiB blocks): 3000 tagged frames
# the filter rejects, in three bursts the block timeout retires apart, then
# 50 it keeps. Filtered in the kernel, the rejected ones never take ring
# space and all 50 are kept (judged in user space, they filled the ring and
# 0 of 50 were kept).
stalled_burst() {
	start_bg "$OUT/s.pcapng" -B 1024 "$@"
	kill -STOP "${PIDS[0]}"
	for i in 1 2 3; do send_tagged 8888 1000; sleep 0.2; done
	send_tagged 9999 50
	sleep 0.2
	kill -CONT "${PIDS[0]}"
	kill -INT "${PIDS[0]}"
	wait "${PIDS[0]}"
	PIDS=()
	cat "$OUT/s.pcapng.err"
	[ "$(marked "$OUT/s.pcapng" 9999)" -eq 50 ]
	[ "$(marked "$OUT/s.pcapng" 8888)" -eq 0 ]
}

@test "tagged frames are filtered in the kernel: a stalled 1 MiB ring keeps all 50 matching after 3000 others" {
	stalled_burst -i "$IF_B" --filter 'vlan 100 and udp dst port 9999'
}

@test "-i any is filtered in the kernel: a stalled 1 MiB ring keeps all 50 matching after 3000 others" {
	stalled_burst -i any --filter 'udp dst port 9999'
}

# 80 tagged frames the filter rejects and 10 it keeps: the kernel counts
# only the 10 as received by the filter (it counted all 90 when tagged and
# cooked frames were judged in user space).
received_by_filter() {
	start_bg "$OUT/r.pcapng" "$@"
	send_tagged 8888 80
	send_tagged 9999 10
	sleep 0.2
	kill -INT "${PIDS[0]}"
	wait "${PIDS[0]}"
	PIDS=()
	cat "$OUT/r.pcapng.err"
	[ "$(marked "$OUT/r.pcapng" 9999)" -eq 10 ]
	grep -qx '10 packets captured' "$OUT/r.pcapng.err"
	grep -qx '10 packets received by filter' "$OUT/r.pcapng.err"
}

@test "'received by filter' counts only what the filter accepted: tagged frames" {
	received_by_filter -i "$IF_B" --filter 'vlan 100 and udp dst port 9999'
	! grep -q 're-checked' "$OUT/r.pcapng.err"
}

@test "'received by filter' counts only what the filter accepted: -i any" {
	received_by_filter -i any --filter 'udp dst port 9999'
	! grep -q 're-checked' "$OUT/r.pcapng.err"
}

@test "what a socket filter cannot see (the SLL2 address) is re-checked in pcaprec and counted" {
	# link[11] is the SLL2 address length: not available to the kernel, so
	# the 10 frames the kernel part keeps are judged in user space
	received_by_filter -i any --filter 'udp dst port 9999 and link[11] = 6'
	grep -qx '10 packets re-checked in pcaprec (the kernel filter could not decide them)' "$OUT/r.pcapng.err"
}

@test "a 1000-term or-chain records at once, kept whole in if_filter; one past the kernel's limit is one line, exit 2" {
	local e
	e=$(python3 -c "print('vlan and (' + ' or '.join('udp port %d' % (9000 + i) for i in range(1000)) + ')')")
	start_bg "$OUT/long.pcapng" -i "$IF_B" --filter "$e"
	send_tagged 9999 10
	send_udp 5 LONG
	sleep 0.2
	kill -INT "${PIDS[0]}"
	wait "${PIDS[0]}"
	PIDS=()
	cat "$OUT/long.pcapng.err"
	# 9999 is in the chain (tagged frames are re-checked: two copies of 4000
	# instructions do not fit the kernel); untagged frames to port 40009 are not
	[ "$(marked "$OUT/long.pcapng" 9999)" -eq 10 ]
	grep -qx '10 packets re-checked in pcaprec (the kernel filter could not decide them)' "$OUT/long.pcapng.err"
	[ "$(tcpdump -r "$OUT/long.pcapng" -nn -A 2>/dev/null | grep -c PCAPREC-LONG)" -eq 0 ]
	capinfos "$OUT/long.pcapng" | grep -q 'vlan and (udp port 9000 or udp port 9001'
	tshark -r "$OUT/long.pcapng" -c 1 >/dev/null
	e=$(python3 -c "print(' or '.join('host 2001:db8::%x' % (i + 1) for i in range(1000)))")
	run in_b "$PCAPREC" record -i "$IF_B" -w "$OUT/big.pcapng" --filter "$e"
	echo "$output"
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *'filter "host 2001:db8::1 or host 2001:db8::2 or'*"too large"*"4096"* ]]
	[ ! -e "$OUT/big.pcapng" ]
}

@test "a bad filter expression: exit 2 with the compiler's message, no file" {
	run in_b "$PCAPREC" record -i "$IF_B" -w "$OUT/bad.pcapng" --filter 'udp port'
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *"filter:"* ]]
	[ ! -e "$OUT/bad.pcapng" ]
	run in_b "$PCAPREC" record -i "$IF_B" -w "$OUT/bad.pcapng" --filter udp tcp
	[ "$status" -eq 2 ]
	[[ "$output" == *"both --filter and a trailing expression"* ]]
}
