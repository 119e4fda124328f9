#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# Decoding against tcpdump 4.99 -nn, line by line: long IPv6 extension
# header chains with several fragment headers, jumbograms and Big TCP,
# TCP options (MPTCP, AccECN, TCP-AO, MD5, fast open).

HERE="$BATS_TEST_DIRNAME"
PY=/usr/bin/python3

setup() {
	TMP=$(mktemp -d)
	export TZ=UTC
	"$PY" "$HERE/decode_frames.py" "$TMP" 2>/dev/null
}

teardown() {
	rm -rf "$TMP"
}

# compare FILE [FLAGS...]: pcaprec read -nn FLAGS FILE vs tcpdump -nn FLAGS -r FILE
compare() {
	local file=$1
	shift
	"$PCAPREC" read -nn "$@" "$file" >"$TMP/ours"
	tcpdump -nn "$@" -r "$file" >"$TMP/theirs" 2>/dev/null
	"$PY" "$HERE/read_compare.py" "$TMP/ours" "$TMP/theirs"
}

@test "IPv6 chains of 1, 8, 9, 20 and 64 extension headers: each fragment header with its own id, offset and length, as tcpdump" {
	for fl in -n -v -vv; do
		run compare "$TMP/ext.pcap" "$fl"
		echo "$fl: $output"
		[ "$status" -eq 0 ]
	done
	"$PCAPREC" read -v "$TMP/ext.pcap" >"$TMP/ours"
	grep -q 'frag (0x01010101:0|170) DSTOPT' "$TMP/ours"
	grep -q 'frag (0x00000007:0|28) frag (0x00000008:72|20)$' "$TMP/ours"
	[ "$(sed -n 7p "$TMP/ours" | grep -o 'DSTOPT' | wc -l)" -eq 61 ]
}

@test "JSON ext lists every extension header (20, 64), not the first 8" {
	"$PCAPREC" read --json "$TMP/ext.pcap" >"$TMP/j"
	run "$PY" -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(" ".join(str(len(r["ipv6"]["ext"])) for r in rows))
assert rows[5]["ipv6"]["ext"] == [44 if i in (0, 5, 6, 10, 19) else 60 for i in range(20)]
assert all("ext_more" not in r["ipv6"] for r in rows)
# each fragment header with its own id and offset (the generator: ids 0x01010101 * n)
assert [f["id"] for f in rows[5]["ipv6"]["frags"]] == [0x01010101 * k for k in range(1, 6)]
assert rows[8]["ipv6"]["frags"] == [{"id": 7, "off": 0, "mf": True}, {"id": 8, "off": 72, "mf": False}]
' "$TMP/j"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "1 1 8 8 9 20 64 20 3 5" ]
}

@test "past 64 extension headers: the 64 print as tcpdump prints them, the rest is reported not decoded" {
	"$PCAPREC" read -nn -v "$TMP/ext_many.pcap" >"$TMP/ours"
	tcpdump -nn -v -r "$TMP/ext_many.pcap" >"$TMP/theirs" 2>/dev/null
	[ "$(wc -l <"$TMP/ours")" -eq 2 ]
	for i in 1 2; do
		o=$(sed -n "${i}p" "$TMP/ours")
		t=$(sed -n "${i}p" "$TMP/theirs")
		case "$o" in *' [more than 64 extension headers, not decoded] ') ;; *) echo "no marker: $o"; false ;; esac
		prefix=${o% \[more than 64*}
		[ "${t#"$prefix"}" != "$t" ] || { echo "ours: $prefix"; echo "theirs: $t"; false; }
		[ "$(printf '%s' "$prefix" | grep -o 'DSTOPT\|frag (' | wc -l)" -eq 64 ]
	done
	"$PCAPREC" read --json "$TMP/ext_many.pcap" | grep -c '"ext_more":true' | grep -qx 2
}

@test "UDP length 0 over an IPv6 jumbogram decodes (length from the Jumbo Payload option), as tcpdump" {
	for fl in -n -v; do
		run compare "$TMP/jumbo.pcap" "$fl"
		echo "$fl: $output"
		[ "$status" -eq 0 ]
	done
	"$PCAPREC" read -nn -v "$TMP/jumbo.pcap" >"$TMP/ours"
	grep -q 'payload length: 0) 2001:db8::1 > 2001:db8::2: HBH (jumbo: 70016)  1111 > 2222: \[udp sum ok\] UDP, length 70000$' "$TMP/ours"
	"$PCAPREC" read --json "$TMP/jumbo.pcap" | head -1 | grep -q '"jumbo":70016,.*"udp":{.*"len":0,"length":70008,'
}

@test "Big TCP (payload length 0, no jumbo option): UDP and TCP lengths from the frame; UDP length 0 over IPv4 stays invalid" {
	# tcpdump 4.99.3 stops at [|udp]/[|tcp] here; current tcpdump takes the frame length
	"$PCAPREC" read -nn "$TMP/bigtcp.pcap" >"$TMP/ours"
	cat "$TMP/ours"
	sed -n 1p "$TMP/ours" | grep -q '2001:db8::1.1111 > 2001:db8::2.2222: UDP, length 70000$'
	sed -n 2p "$TMP/ours" | grep -q 'Flags \[.\], seq 0:70000, ack [0-9]*, win 8192, length 70000$'
	sed -n 3p "$TMP/ours" | grep -q '192.0.2.1.1111 > 192.0.2.2.2222: UDP, (invalid)$'
	# the same lengths tshark gives the frames: frame length - 14 - 40 - header
	[ "$(tshark -r "$TMP/bigtcp.pcap" -T fields -e frame.len 2>/dev/null | head -1)" -eq $((70000 + 8 + 40 + 14)) ]
}

@test "TCP options MPTCP (every subtype form), MD5, TCP-AO, fast open, experimental fast open/AccECN print as tcpdump" {
	for fl in -n -S -v -vv; do
		run compare "$TMP/tcpopts.pcap" "$fl"
		echo "$fl: $output"
		[ "$status" -eq 0 ]
	done
	"$PCAPREC" read -nn "$TMP/tcpopts.pcap" >"$TMP/ours"
	! grep -q 'unknown-30 \|unknown-19 \|unknown-29 \|unknown-34 \|unknown-254 ' "$TMP/ours"
	grep -q 'options \[mptcp 24 dss ack 7 seq 81985529216486895 subseq 1 len 1500 csum 0xbeef\]' "$TMP/ours"
	grep -q 'options \[mptcp 8 dss\[bad opt\]$' "$TMP/ours"
	grep -q 'options \[exp-tfo cookie 0123456789abcdef\]' "$TMP/ours"
}
