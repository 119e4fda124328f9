#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# pcaprec's reader and `pcaprec check` against libpcap (tests/tools/pcapdump) and tshark: every testdata file, editcap conversions, gzip, damage.

setup() {
	: "${TOOLS:=$BATS_TEST_DIRNAME/../../build/rel/tools}"
	: "${TESTDATA:=$BATS_TEST_DIRNAME/../../testdata}"
	: "${PCAPREC:=$BATS_TEST_DIRNAME/../../build/rel/pcaprec}"
	W="$BATS_TEST_TMPDIR"
}

# same FILE [ORACLE_INPUT]: our reader on FILE prints exactly what libpcap prints on ORACLE_INPUT (default FILE).
same() {
	local f=$1 o=${2:-$1}
	"$TOOLS/pcapdump" "$o" >"$W/want"
	"$TOOLS/rddump" "$f" >"$W/got"
	[ -s "$W/want" ]
	diff -u "$W/want" "$W/got"
}

@test "every testdata capture: our reader prints what libpcap prints, check says OK" {
	n=0
	for f in "$TESTDATA"/*.pcap "$TESTDATA"/*.pcapng; do
		[ -f "$f" ] || continue
		same "$f"
		run "$PCAPREC" check "$f"
		echo "$output"
		[ "$status" -eq 0 ]
		[[ "$output" == *": OK ("*"libpcap agrees)" ]]
		n=$((n + 1))
	done
	[ "$n" -ge 5 ]
}

@test "editcap conversions to pcap, nsecpcap and pcapng read like libpcap reads them" {
	for in in corpus-ns.pcap flows.pcap sll2.pcap; do
		for fmt in pcap nsecpcap pcapng; do
			editcap -F "$fmt" "$TESTDATA/$in" "$W/conv.$fmt"
			same "$W/conv.$fmt"
			"$PCAPREC" check -q "$W/conv.$fmt"
		done
	done
}

@test "gzip: whole file, stdin, and concatenated members split mid-record" {
	for in in corpus.pcapng flows.pcap corpus-ns.pcap; do
		gzip -c "$TESTDATA/$in" >"$W/f.gz"
		same "$W/f.gz" "$TESTDATA/$in"
		"$TOOLS/rddump" - <"$W/f.gz" >"$W/got"
		diff -u "$W/want" "$W/got"
		size=$(stat -c %s "$TESTDATA/$in")
		for cut in 7 24 $((size / 3)) $((size / 2 + 1)) $((size - 5)); do
			head -c "$cut" "$TESTDATA/$in" | gzip -c >"$W/a.gz"
			tail -c +"$((cut + 1))" "$TESTDATA/$in" | gzip -c >"$W/b.gz"
			cat "$W/a.gz" "$W/b.gz" >"$W/two.gz"
			"$TOOLS/rddump" "$W/two.gz" >"$W/got"
			diff -u "$W/want" "$W/got"
		done
		run "$PCAPREC" check "$W/f.gz"
		echo "$output"
		[ "$status" -eq 0 ]
		[[ "$output" == *"gzip, "*"libpcap agrees)" ]]
	done
}

@test "cut-off gzip: every whole packet before the cut, then an error with the compressed offset" {
	gzip -c "$TESTDATA/flows.pcap" >"$W/f.gz"
	"$TOOLS/pcapdump" "$TESTDATA/flows.pcap" >"$W/all"
	size=$(stat -c %s "$W/f.gz")
	for cut in 100 $((size / 2)) $((size - 8)); do
		head -c "$cut" "$W/f.gz" >"$W/cut.gz"
		rc=0
		"$TOOLS/rddump" "$W/cut.gz" >"$W/got" 2>"$W/err" || rc=$?
		[ "$rc" -eq 1 ]
		grep -q "truncated gzip stream: input ends at compressed offset $cut " "$W/err"
		n=$(wc -l <"$W/got")
		head -n "$n" "$W/all" | diff -u - "$W/got"
		# zlib's own gunzip gets the same number of whole packets out of the cut stream
		zcat "$W/cut.gz" 2>/dev/null | "$TOOLS/pcapdump" - >"$W/zl" 2>/dev/null || true
		[ "$(wc -l <"$W/zl")" -eq "$n" ]
		run "$PCAPREC" check "$W/cut.gz"
		echo "$output"
		[ "$status" -eq 3 ]
		[[ "$output" == *"DAMAGED: byte "*"truncated gzip stream"* ]]
	done
	[ "$(wc -l <"$W/all")" -gt 2000 ]
}

@test "truncated plain files: same packets as libpcap, error names the byte offset of the cut record" {
	for in in corpus.pcap corpus.pcapng; do
		size=$(stat -c %s "$TESTDATA/$in")
		for cut in $((size / 3)) $((size / 2)) $((size - 1)); do
			head -c "$cut" "$TESTDATA/$in" >"$W/cut"
			"$TOOLS/pcapdump" "$W/cut" >"$W/want" 2>/dev/null && false
			rc=0
			"$TOOLS/rddump" "$W/cut" >"$W/got" 2>"$W/err" || rc=$?
			[ "$rc" -eq 1 ]
			diff -u "$W/want" "$W/got"
			# the offset in the message is where the last whole record ends
			n=$(wc -l <"$W/want")
			off=$(grep -o 'byte [0-9]*' "$W/err" | head -1 | cut -d' ' -f2)
			[ "$off" -lt "$cut" ]
			head -c "$off" "$TESTDATA/$in" >"$W/whole"
			"$TOOLS/pcapdump" "$W/whole" | diff -u "$W/want" -
			run "$PCAPREC" check "$W/cut"
			echo "$output"
			[ "$status" -eq 3 ]
			[[ "$output" == *"DAMAGED: byte $off: record $((n + 1)): truncated"* ]]
			[[ "$output" == *"libpcap also fails there"* ]]
		done
	done
}

@test "pcapng with Ethernet and RAW interfaces: libpcap refuses, we match tshark, check says OK" {
	mergecap -F pcapng -w "$W/mixed.pcapng" "$TESTDATA/corpus.pcap" "$TESTDATA/raw.pcap"
	run "$TOOLS/pcapdump" "$W/mixed.pcapng"
	[ "$status" -eq 1 ]
	[[ "$output" == *"different from the type of the first interface"* ]]
	"$TOOLS/rddump" -v "$W/mixed.pcapng" | awk '{ print $1, $4, $5, $6 }' >"$W/got"
	tshark -r "$W/mixed.pcapng" -T fields -e frame.interface_id -e frame.time_epoch \
		-e frame.cap_len -e frame.len 2>/dev/null | tr '\t' ' ' >"$W/want"
	[ "$(wc -l <"$W/want")" -eq 75 ]
	diff -u "$W/want" "$W/got"
	[ "$("$TOOLS/rddump" -v "$W/mixed.pcapng" | awk '{ print $2 }' | sort -u | tr '\n' ' ')" = "1 101 " ]
	run "$PCAPREC" check "$W/mixed.pcapng"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"OK (pcapng, 75 packets; libpcap refuses this file"*"checked with pcaprec's reader only)" ]]
}

@test "check: damaged headers and lengths exit 3 with the offset, missing files 1, usage 2" {
	printf 'not a capture file at all' >"$W/junk"
	run "$PCAPREC" check "$W/junk"
	[ "$status" -eq 3 ]
	[[ "$output" == *"DAMAGED: byte 0: file header: not a capture file"* ]]
	# pcapng: the first EPB's length field (after SHB and IDB) made odd
	cp "$TESTDATA/corpus.pcapng" "$W/bad.pcapng"
	shb=$(od -An -tu4 -j4 -N4 "$W/bad.pcapng" | tr -d ' ')
	idb=$(od -An -tu4 -j$((shb + 4)) -N4 "$W/bad.pcapng" | tr -d ' ')
	epb=$((shb + idb))
	printf '\x0d' | dd of="$W/bad.pcapng" bs=1 seek=$((epb + 4)) conv=notrunc status=none
	run "$PCAPREC" check "$W/bad.pcapng"
	echo "$output"
	[ "$status" -eq 3 ]
	[[ "$output" == *"DAMAGED: byte $((epb + 4)): record 1: block type 0x00000006: expected a total length that is a multiple of 4"* ]]
	run "$PCAPREC" check "$TESTDATA/corpus.pcap" "$W/missing.pcap"
	[ "$status" -eq 1 ]
	[[ "$output" == *"missing.pcap: UNREADABLE: "*"No such file"* ]]
	run "$PCAPREC" check "$TESTDATA/corpus.pcap" "$W/junk" "$W/missing.pcap"
	[ "$status" -eq 3 ]
	run "$PCAPREC" check
	[ "$status" -eq 2 ]
	run "$PCAPREC" check --filter 'tcp and' "$TESTDATA/corpus.pcap"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--filter: syntax error"* ]]
	run "$PCAPREC" check --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"usage: pcaprec check"* ]]
}

@test "check: --json is one valid object per file, -q hides OK files, stdin uses our reader only" {
	"$PCAPREC" check --json "$TESTDATA/corpus.pcapng" "$TESTDATA/flows.pcap" >"$W/out.json"
	/usr/bin/python3 - "$W/out.json" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 2, rows
assert rows[0]["status"] == "ok" and rows[0]["format"] == "pcapng" and rows[0]["packets"] == 70, rows[0]
assert rows[0]["libpcap"] == "agrees" and rows[0]["interfaces"] == 1
assert rows[1]["packets"] == 2063 and rows[1]["format"] == "pcap"
EOF
	run "$PCAPREC" check -q "$TESTDATA/corpus.pcap" "$TESTDATA/flows.pcap"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run "$PCAPREC" check - <"$TESTDATA/corpus.pcapng"
	[ "$status" -eq 0 ]
	[[ "$output" == "-: OK (pcapng, 70 packets; checked with pcaprec's reader only)" ]]
}

@test "malformed records that libpcap passes (usec >= 1e6) are reported as damage" {
	/usr/bin/python3 - "$W/usec.pcap" <<'EOF'
import struct, sys
b = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
b += struct.pack("<IIII", 1700000000, 5, 4, 4) + b"abcd"
b += struct.pack("<IIII", 1700000000, 1500000, 4, 4) + b"efgh"
open(sys.argv[1], "wb").write(b)
EOF
	"$TOOLS/pcapdump" "$W/usec.pcap"
	run "$PCAPREC" check "$W/usec.pcap"
	echo "$output"
	[ "$status" -eq 3 ]
	[[ "$output" == *"DAMAGED: byte 44: record 2: ts_usec is 1500000, not below 1000000 (a fraction of a second out of range)"* ]]
}

@test "check names an SHB option that overruns its block and a pcapng time beyond 64-bit ns (libpcap reads both)" {
	C="$BATS_TEST_DIRNAME/../fuzz/corpus/reader"
	run "$PCAPREC" check "$C/pcapng-shb-opt-overrun"
	echo "$output"
	[ "$status" -eq 3 ]
	[[ "$output" == *"DAMAGED: byte 24: file header: Section Header Block: option 3 of length 64 overruns the block"* ]]
	run "$PCAPREC" check "$C/pcapng-ts-overflow"
	echo "$output"
	[ "$status" -eq 3 ]
	[[ "$output" == *"DAMAGED: byte 56: record 1: timestamp 18446744073709552 (if_tsresol ticks, with if_tsoffset) is outside 64-bit nanoseconds since 1970"* ]]
	# libpcap itself reads the second one and wraps the time: our reader is the one that notices
	tshark -r "$C/pcapng-ts-overflow" >/dev/null 2>&1
}

@test "fuzz corpus replays cleanly through the reader" {
	run "$TOOLS/fuzz_reader" "$BATS_TEST_DIRNAME/../fuzz/corpus/reader"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "replayed "*" inputs" ]]
	[ "$(ls "$BATS_TEST_DIRNAME/../fuzz/corpus/reader" | wc -l)" -ge 5 ]
}

@test "libFuzzer: 10 s bounded run of fuzz_reader (clang)" {
	command -v clang >/dev/null || skip "clang not installed"
	cd "$BATS_TEST_DIRNAME/../.."
	run make -s fuzz FUZZ_TARGETS=fuzz_reader FUZZ_TIME=10
	echo "$output" | tail -20
	[ "$status" -eq 0 ]
	[[ "$output" == *"Done "*" runs in "* ]]
}

@test "a 150 MB file (mapped pages released behind the reader) reads like libpcap, plain and via stdin" {
	"$TOOLS/gencap" 150M "$W/big.pcap"
	want=$("$TOOLS/pcaploop" "$W/big.pcap")
	[ "$("$TOOLS/rdloop" "$W/big.pcap")" = "$want" ]
	[ "$("$TOOLS/rdloop" - <"$W/big.pcap")" = "$want" ]
	"$TOOLS/pcapdump" "$W/big.pcap" | tail -n 1000 >"$W/want"
	"$TOOLS/rddump" "$W/big.pcap" | tail -n 1000 | diff -u "$W/want" -
	rm -f "$W/big.pcap"
}

@test "old pcap variants libpcap reads (magic a1b2cd34, versions 2.2/2.3, big-endian) read the same" {
	/usr/bin/python3 - "$W" <<'EOF2'
import struct, sys
d = sys.argv[1]
def mk(name, e, magic, minor, swap, extra):
    b = struct.pack(e + "IHHiIII", magic, 2, minor, 0, 0, 65535, 1)
    for i in range(5):
        cap, orig = 20 + i, 60 + i
        l1, l2 = (orig, cap) if swap else (cap, orig)
        b += struct.pack(e + "IIII", 1700000000 + i, 1000 * i, l1, l2) + extra + bytes(range(cap))
    open(d + "/" + name, "wb").write(b)
mk("kuz.pcap", "<", 0xa1b2cd34, 4, False, struct.pack("<IHBB", 2, 0x0800, 0, 0))
mk("v22.pcap", "<", 0xa1b2c3d4, 2, True, b"")
mk("v23.pcap", ">", 0xa1b2c3d4, 3, True, b"")
mk("be-ns.pcap", ">", 0xa1b23c4d, 4, False, b"")
EOF2
	for f in kuz v22 v23 be-ns; do
		same "$W/$f.pcap"
		grep -q ' 20 60 ' "$W/got"
		run "$PCAPREC" check "$W/$f.pcap"
		echo "$output"
		[ "$status" -eq 0 ]
		[[ "$output" == *"5 packets, libpcap agrees)" ]]
	done
}

@test "check --filter counts the packets tcpdump's filter keeps" {
	for expr in tcp 'udp port 53' 'ip6' 'tcp[tcpflags] & tcp-syn != 0' arp; do
		for f in corpus.pcap flows.pcap corpus.pcapng; do
			want=$(tcpdump -r "$TESTDATA/$f" -nn "$expr" 2>/dev/null | wc -l)
			run "$PCAPREC" check --filter "$expr" "$TESTDATA/$f"
			echo "$expr $f: $output (tcpdump $want)"
			[ "$status" -eq 0 ]
			[[ "$output" == *", $want match the filter, libpcap agrees)" ]]
		done
	done
}
