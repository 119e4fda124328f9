#!/usr/bin/env bats
# pcaprec record on a veth pair between two namespaces: every frame sent from
# A is in B's capture exactly once, byte for byte, in every output format,
# as libpcap, tshark and capinfos read it.

load ../lib/netns
load ../lib/record

setup() { rec_test_setup; }
teardown() { rec_test_teardown; }

# Record on B in format $1 into $2 while A sends the known frames.
record_known_frames() {
	local fmt=$1 file=$2
	shift 2
	rec_start "$NS_B" "$file" -i "$IF_B" --format "$fmt" "$@"
	timeout 30 ip netns exec "$NS_A" /usr/bin/python3 "$BATS_TEST_DIRNAME/../lib/sendframes.py" \
		"$IF_A" "$MAC_A" "$MAC_B" "$OUT/sent.hex"
	sleep 0.3
	rec_stop
	cat "$REC_ERR"
	[ "$REC_STATUS" -eq 0 ]
}

# libpcap, tshark and capinfos all read $1 without complaint.
readers_agree_valid() {
	"$TOOLS/pktlist" "$1" >"$OUT/list.txt"
	# tshark's warning about running as root is the only stderr line allowed
	tshark -r "$1" 2>&1 >/dev/null | grep -v '^Running as user "root"' >"$OUT/tshark.err" || true
	cat "$OUT/tshark.err"
	[ ! -s "$OUT/tshark.err" ]
	capinfos "$1" >/dev/null 2>"$OUT/capinfos.err"
	cat "$OUT/capinfos.err"
	[ ! -s "$OUT/capinfos.err" ]
}

@test "pcapng: every sent frame exactly once, byte for byte, VLAN tags re-inserted" {
	record_known_frames pcapng "$OUT/c.pcapng"
	readers_agree_valid "$OUT/c.pcapng"
	expect_frames "$OUT/sent.hex" "$OUT/list.txt"
	capinfos -t "$OUT/c.pcapng" | grep -q 'File type: *Wireshark/... - pcapng$'
	# the 802.1Q and 802.1ad tags as tshark decodes them
	tshark -r "$OUT/c.pcapng" -Y 'vlan' -T fields -e vlan.id -e vlan.priority 2>/dev/null >"$OUT/v.txt"
	cat "$OUT/v.txt"
	[ "$(sort -n "$OUT/v.txt" | tr '\t\n' ' ')" = "1 3 100 0 4094 5 " ]
	[ "$(tshark -r "$OUT/c.pcapng" -Y 'ieee8021ad' -T fields -e ieee8021ad.id 2>/dev/null)" = "200" ]
}

@test "pcap (microseconds): every sent frame exactly once" {
	record_known_frames pcap "$OUT/c.pcap"
	readers_agree_valid "$OUT/c.pcap"
	expect_frames "$OUT/sent.hex" "$OUT/list.txt"
	capinfos -t "$OUT/c.pcap" | grep -q 'File type: *Wireshark/tcpdump/... - pcap$'
	capinfos "$OUT/c.pcap" | grep -q 'microseconds'
}

@test "pcap-ns: every sent frame exactly once, nanosecond timestamps" {
	record_known_frames pcap-ns "$OUT/c.pcap"
	readers_agree_valid "$OUT/c.pcap"
	expect_frames "$OUT/sent.hex" "$OUT/list.txt"
	capinfos -t "$OUT/c.pcap" | grep -q 'File type: *Wireshark/tcpdump/... - nanosecond pcap$'
	capinfos "$OUT/c.pcap" | grep -q 'nanoseconds'
}

@test "-s 100 cuts frames to 100 bytes and keeps the wire length (all formats)" {
	for fmt in pcapng pcap pcap-ns; do
		record_known_frames "$fmt" "$OUT/s-$fmt" -s 100
		readers_agree_valid "$OUT/s-$fmt"
		expect_frames "$OUT/sent.hex" "$OUT/list.txt" 100
		# the 1458-byte frame is really there, cut
		awk '$3 == 100 && $4 == 1458' "$OUT/list.txt" | grep -q .
	done
}

@test "timestamps: nanosecond, increasing, within a second of the wall clock" {
	t0=$(date +%s.%N)
	record_known_frames pcapng "$OUT/t.pcapng"
	t1=$(date +%s.%N)
	"$TOOLS/pktlist" "$OUT/t.pcapng" >"$OUT/list.txt"
	[ "$(wc -l <"$OUT/list.txt")" -ge 11 ]
	awk -v t0="$t0" -v t1="$t1" '
		{ if ($2 < prev) { print "not increasing at " NR; exit 1 }
		  if ($2 < t0 - 1 || $2 > t1 + 1) { print "off clock at " NR ": " $2; exit 1 }
		  prev = $2 }
		$2 ~ /\.[0-9]{3}000000$/ { round++ }
		END { if (round == NR) { print "no sub-ms digits"; exit 1 } }' "$OUT/list.txt"
}

@test "ICMP, ICMPv6, TCP handshake and ARP are captured with the right directions" {
	rec_start "$NS_B" "$OUT/p.pcapng" -i "$IF_B"
	in_a timeout 5 python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.1", 7777)); s.listen(1); s.settimeout(4)
open("'"$OUT/ready"'", "w").close()
c, _ = s.accept(); c.close()' &
	lpid=$!
	for i in $(seq 100); do [ -e "$OUT/ready" ] && break; sleep 0.05; done
	in_b timeout 5 bash -c 'exec 3<>/dev/tcp/192.0.2.1/7777; exec 3>&-'
	wait "$lpid"
	in_a timeout 5 ping -c 3 -i 0.2 -W 1 192.0.2.2 >/dev/null
	in_a timeout 5 ping -6 -c 3 -i 0.2 -W 1 2001:db8::2 >/dev/null
	sleep 0.2
	rec_stop
	[ "$REC_STATUS" -eq 0 ]
	readers_agree_valid "$OUT/p.pcapng"
	tshark -G fields | grep -q 'frame.packet_flags_direction'
	# 3 requests in (0x1), 3 replies out (0x2), each exactly once
	[ "$(tshark -r "$OUT/p.pcapng" -Y 'icmp.type == 8' -T fields -e icmp.seq -e frame.packet_flags_direction | sort | tr '\t\n' ' ')" = "1 0x00000001 2 0x00000001 3 0x00000001 " ]
	[ "$(tshark -r "$OUT/p.pcapng" -Y 'icmp.type == 0' -T fields -e icmp.seq -e frame.packet_flags_direction | sort | tr '\t\n' ' ')" = "1 0x00000002 2 0x00000002 3 0x00000002 " ]
	[ "$(tshark -r "$OUT/p.pcapng" -Y 'icmpv6.type == 128' -T fields -e icmpv6.echo.sequence_number -e frame.packet_flags_direction | sort | tr '\t\n' ' ')" = "1 0x00000001 2 0x00000001 3 0x00000001 " ]
	[ "$(tshark -r "$OUT/p.pcapng" -Y 'icmpv6.type == 129' -T fields -e icmpv6.echo.sequence_number -e frame.packet_flags_direction | sort | tr '\t\n' ' ')" = "1 0x00000002 2 0x00000002 3 0x00000002 " ]
	# B opened the connection: SYN out, SYN-ACK in, ACK out
	tshark -r "$OUT/p.pcapng" -Y 'tcp.port == 7777 && tcp.len == 0 && tcp.flags.fin == 0 && tcp.flags.reset == 0' \
		-T fields -E separator=, -e tcp.flags.syn -e tcp.flags.ack -e frame.packet_flags_direction \
		2>/dev/null | head -3 >"$OUT/hs.txt"
	cat "$OUT/hs.txt"
	[ "$(tr '\n' ' ' <"$OUT/hs.txt")" = "1,0,0x00000002 1,1,0x00000001 0,1,0x00000002 " ]
	# ARP (B resolved A first): whatever B sent is outbound, whatever A sent inbound
	[ "$(tshark -r "$OUT/p.pcapng" -Y 'arp.src.proto_ipv4 == 192.0.2.2' -T fields -e frame.packet_flags_direction | sort -u)" = "0x00000002" ]
	[ "$(tshark -r "$OUT/p.pcapng" -Y 'arp.src.proto_ipv4 == 192.0.2.1' -T fields -e frame.packet_flags_direction | sort -u)" = "0x00000001" ]
}
