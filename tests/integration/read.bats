#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# pcaprec read against its oracles: tcpdump -nn (line by line, with only
# the differences README documents), tshark (JSON fields), mergecap (--merge).

HERE="$BATS_TEST_DIRNAME"
PY=/usr/bin/python3

setup() {
	TMP=$(mktemp -d)
	export TZ=UTC
}

teardown() {
	rm -rf "$TMP"
}

# scapy-built frames of every decoded kind, and the same frames cut short
frames() {
	"$PY" "$HERE/read_frames.py" "$TMP" 2>/dev/null
}

# compare FILE [FLAGS...]: pcaprec read -nn FLAGS FILE vs tcpdump -nn FLAGS -r FILE
compare() {
	local file=$1
	shift
	"$PCAPREC" read -nn "$@" "$file" >"$TMP/ours"
	tcpdump -nn "$@" -r "$file" >"$TMP/theirs" 2>/dev/null
	"$PY" "$HERE/read_compare.py" "$TMP/ours" "$TMP/theirs"
}

@test "read -nn agrees with tcpdump -nn on Ethernet/VLAN/ARP/IPv4/IPv6/TCP/UDP/ICMP/ICMPv6 frames" {
	frames
	run compare "$TMP/frames.pcap"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "read -nn agrees with tcpdump on frames truncated in every layer" {
	frames
	run compare "$TMP/cut.pcap"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q '\[|tcp\]' "$TMP/ours"
	grep -q '\[|udp\]' "$TMP/ours"
	grep -q '\[|arp\]' "$TMP/ours"
	grep -q '\[|vlan\]' "$TMP/ours"
}

@test "read -nn agrees with tcpdump on every testdata capture (pcap, pcap-ns, pcapng, SLL2, RAW, NULL)" {
	for f in corpus.pcap corpus-ns.pcap corpus.pcapng flows.pcap sll2.pcap raw.pcap null.pcap; do
		run compare "$TESTDATA/$f"
		echo "$f: $output"
		[ "$status" -eq 0 ]
	done
}

@test "read agrees with tcpdump on Linux cooked v1/v2, NULL (AF 2/24/28/30) and LOOP frames, with and without -e" {
	frames
	for f in sll sll2 null loop; do
		for fl in -n -e; do
			run compare "$TMP/$f.pcap" "$fl"
			echo "$f $fl: $output"
			[ "$status" -eq 0 ]
		done
	done
}

@test "read -e prints the link-level header as tcpdump -e does (MACs, ethertype, VLAN tags, SLL2, NULL)" {
	frames
	for f in "$TMP/frames.pcap" "$TMP/cut.pcap" "$TESTDATA/corpus.pcap" "$TESTDATA/sll2.pcap" "$TESTDATA/null.pcap" "$TESTDATA/raw.pcap"; do
		run compare "$f" -e
		echo "$f: $output"
		[ "$status" -eq 0 ]
	done
	"$PCAPREC" read -e "$TMP/frames.pcap" >"$TMP/ours"
	grep -q 'ethertype 802.1Q-QinQ (0x88a8), length 62: vlan 100, p 0, ethertype 802.1Q (0x8100), vlan 20, p 0, ethertype IPv4 (0x0800), 192.0.2.1.7002 > 192.0.2.2.7003: ' "$TMP/ours"
}

@test "read -v / -vv print the header fields and checksums tcpdump -v / -vv prints" {
	frames
	for f in "$TMP/frames.pcap" "$TMP/cut.pcap" "$TESTDATA/corpus.pcap" "$TESTDATA/flows.pcap" "$TESTDATA/sll2.pcap"; do
		for fl in -v -vv; do
			run compare "$f" "$fl"
			echo "$f $fl: $output"
			[ "$status" -eq 0 ]
		done
	done
	"$PCAPREC" read -v "$TESTDATA/corpus.pcap" >"$TMP/ours"
	grep -q 'cksum 0x[0-9a-f]* (correct)' "$TMP/ours"
	grep -q '\[icmp6 sum ok\]' "$TMP/ours"
	grep -q 'options (RR 192.0.2.254,EOL)' "$TMP/ours"
}

@test "read -v reports a wrong TCP checksum like tcpdump" {
	"$PY" - "$TMP/bad.pcap" <<'PYEOF' 2>/dev/null
import sys
from scapy.all import Ether, IP, TCP, UDP, IPv6, wrpcap
wrpcap(sys.argv[1], [
    Ether() / IP(src="192.0.2.1", dst="192.0.2.2", chksum=0x1234) / TCP(sport=1, dport=2, chksum=0xbeef),
    Ether() / IPv6(src="2001:db8::1", dst="2001:db8::2") / UDP(sport=3, dport=4, chksum=0x1111),
])
PYEOF
	run compare "$TMP/bad.pcap" -v
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q 'cksum 0xbeef (incorrect -> 0x' "$TMP/ours"
	grep -q 'bad cksum 1234 (->' "$TMP/ours"
	grep -q 'bad udp cksum 0x1111 -> 0x' "$TMP/ours"
}

@test "read timestamp formats -t -tt -ttt -tttt -ttttt and --nano agree with tcpdump" {
	frames
	for fl in -t -tt -ttt -tttt -ttttt; do
		run compare "$TMP/frames.pcap" "$fl"
		echo "$fl: $output"
		[ "$status" -eq 0 ]
	done
	"$PCAPREC" read --nano -tt "$TESTDATA/corpus-ns.pcap" | cut -d' ' -f1 >"$TMP/ours"
	tcpdump --nano -tt -nn -r "$TESTDATA/corpus-ns.pcap" 2>/dev/null | grep -v '^	' | cut -d' ' -f1 >"$TMP/theirs"
	[ "$(wc -l <"$TMP/ours")" -eq "$(wc -l <"$TMP/theirs")" ]
	# tcpdump prints no timestamp for the caplen-0 frame ("[Invalid header: ...")
	paste -d' ' "$TMP/ours" "$TMP/theirs" | awk '$2 !~ /^\[Invalid/ && $1 != $2 { print; bad = 1 } END { exit bad }'
	grep -qv '000$' "$TMP/ours" # the ns digits really come through
}

@test "read --filter / -F print the packets tcpdump prints for the same expression" {
	for e in 'tcp port 80' 'udp' 'vlan' 'icmp6' 'ip6 and tcp' 'arp' 'net 192.0.2.0/24 and not tcp'; do
		"$PCAPREC" read -nn --filter "$e" "$TESTDATA/corpus.pcap" >"$TMP/ours"
		tcpdump -nn -r "$TESTDATA/corpus.pcap" "$e" >"$TMP/theirs" 2>/dev/null
		[ -s "$TMP/theirs" ]
		run "$PY" "$HERE/read_compare.py" "$TMP/ours" "$TMP/theirs"
		echo "$e: $output"
		[ "$status" -eq 0 ]
	done
	printf 'icmp # echo and errors\n' >"$TMP/expr"
	"$PCAPREC" read -F "$TMP/expr" "$TESTDATA/corpus.pcap" >"$TMP/ours"
	[ "$(wc -l <"$TMP/ours")" -eq "$(tcpdump -nn -r "$TESTDATA/corpus.pcap" icmp 2>/dev/null | wc -l)" ]
	run "$PCAPREC" read --filter 'tcp port' "$TESTDATA/corpus.pcap"
	[ "$status" -eq 2 ]
	echo "$output" | grep -q "syntax error"
	[ -z "$(echo "$output" | grep -v -e 'pcaprec read:' -e 'tcp port' -e '\^')" ]
}

@test "read -c N stops after N packets; -n and -r are accepted" {
	"$PCAPREC" read -nn "$TESTDATA/corpus.pcap" | head -n 7 >"$TMP/all7"
	run "$PCAPREC" read -c 7 -n -r "$TESTDATA/corpus.pcap"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 7 ]
	diff <(printf '%s\n' "${lines[@]}") "$TMP/all7"
}

@test "read - reads standard input, plain and gzip-compressed" {
	"$PCAPREC" read "$TESTDATA/corpus.pcapng" >"$TMP/file"
	"$PCAPREC" read - <"$TESTDATA/corpus.pcapng" >"$TMP/stdin"
	diff "$TMP/file" "$TMP/stdin"
	gzip -c "$TESTDATA/corpus.pcapng" | "$PCAPREC" read - >"$TMP/gz"
	diff "$TMP/file" "$TMP/gz"
}

@test "read of several files prints them in turn; --merge interleaves like mergecap" {
	"$PCAPREC" read "$TESTDATA/raw.pcap" "$TESTDATA/null.pcap" >"$TMP/two"
	cat <("$PCAPREC" read "$TESTDATA/raw.pcap") <("$PCAPREC" read "$TESTDATA/null.pcap") >"$TMP/cat"
	diff "$TMP/two" "$TMP/cat"
	"$PCAPREC" read --merge "$TESTDATA/flows.pcap" "$TESTDATA/corpus.pcap" >"$TMP/merged"
	mergecap -F pcap -w "$TMP/m.pcap" "$TESTDATA/flows.pcap" "$TESTDATA/corpus.pcap"
	"$PCAPREC" read "$TMP/m.pcap" >"$TMP/mergecap"
	diff "$TMP/merged" "$TMP/mergecap"
	[ "$(wc -l <"$TMP/merged")" -eq $((2063 + 70)) ]
}

@test "read of a damaged file prints every good packet, names the file and exits 3" {
	# cut the last record of corpus.pcap in half
	size=$(stat -c %s "$TESTDATA/corpus.pcap")
	head -c $((size - 10)) "$TESTDATA/corpus.pcap" >"$TMP/cut.pcap"
	run "$PCAPREC" read -nn "$TMP/cut.pcap"
	[ "$status" -eq 3 ]
	echo "$output" | grep -q "cut.pcap"
	"$PCAPREC" read -nn "$TMP/cut.pcap" 2>/dev/null >"$TMP/ours" || true
	tcpdump -nn -r "$TMP/cut.pcap" 2>/dev/null >"$TMP/theirs" || true
	[ "$(wc -l <"$TMP/ours")" -eq 69 ]
	"$PY" "$HERE/read_compare.py" "$TMP/ours" "$TMP/theirs"
	# a good file after the damaged one is still read
	run "$PCAPREC" read "$TMP/cut.pcap" "$TESTDATA/raw.pcap"
	[ "$status" -eq 3 ]
	echo "$output" | grep -q "ICMP echo request, id 2, seq 3, length 8"
}

@test "read: bad flags exit 2, missing files exit 1, --help exits 0" {
	run "$PCAPREC" read --bogus "$TESTDATA/raw.pcap"
	[ "$status" -eq 2 ]
	echo "$output" | grep -q -- "--bogus"
	run "$PCAPREC" read -c 0 "$TESTDATA/raw.pcap"
	[ "$status" -eq 2 ]
	run "$PCAPREC" read -c
	[ "$status" -eq 2 ]
	run "$PCAPREC" read
	[ "$status" -eq 2 ]
	run "$PCAPREC" read -tttttt "$TESTDATA/raw.pcap"
	[ "$status" -eq 2 ]
	run "$PCAPREC" read "$TMP/does-not-exist.pcap"
	[ "$status" -eq 1 ]
	echo "$output" | grep -q "does-not-exist.pcap"
	run "$PCAPREC" read --help
	[ "$status" -eq 0 ]
	echo "$output" | grep -q "usage: pcaprec read"
}

@test "read --json: one valid JSON object per packet whose fields match tshark's" {
	frames
	for f in "$TESTDATA/corpus.pcap" "$TESTDATA/corpus.pcapng" "$TESTDATA/flows.pcap" "$TMP/frames.pcap"; do
		"$PCAPREC" read --json "$f" >"$TMP/o.json"
		run "$PY" "$HERE/read_json_check.py" "$TMP/o.json" "$f" frame.time_epoch ip.src ipv6.src \
			tcp.srcport tcp.seq_raw tcp.flags udp.srcport
		echo "$f: $output"
		[ "$status" -eq 0 ]
	done
	for f in "$TESTDATA/sll2.pcap" "$TESTDATA/raw.pcap" "$TESTDATA/null.pcap" "$TMP/sll.pcap" "$TMP/loop.pcap" "$TMP/cut.pcap"; do
		"$PCAPREC" read --json "$f" >"$TMP/o.json"
		run "$PY" "$HERE/read_json_check.py" "$TMP/o.json" "$f" frame.time_epoch
		echo "$f: $output"
		[ "$status" -eq 0 ]
	done
	"$PCAPREC" read --json "$TESTDATA/corpus.pcap" >"$TMP/o.json"
	run "$PY" "$HERE/read_json_check.py" "$TMP/o.json" "$TESTDATA/corpus.pcap" vlan.id arp.opcode \
		icmp.type icmpv6.type eth.src
	echo "$output"
	[ "$status" -eq 0 ]
	"$PCAPREC" read --json "$TESTDATA/corpus.pcap" | jq -e -s 'length == 70' >/dev/null
}

@test "fuzz corpus replays cleanly through the decoders and both printers" {
	run "$TOOLS/fuzz_decode" "$BATS_TEST_DIRNAME/../fuzz/corpus/decode"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "replayed "*" inputs" ]]
	[ "$(ls "$BATS_TEST_DIRNAME/../fuzz/corpus/decode" | wc -l)" -ge 80 ]
}

@test "libFuzzer: 10 s bounded run of fuzz_decode (clang)" {
	cd "$BATS_TEST_DIRNAME/../.."
	run make -s fuzz FUZZ_TARGETS=fuzz_decode FUZZ_TIME=10
	echo "$output" | tail -20
	[ "$status" -eq 0 ]
	[[ "$output" == *"Done "*" runs in "* ]]
}
