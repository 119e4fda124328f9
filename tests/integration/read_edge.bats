#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# Edge cases of the reader and its reports against capinfos, tcpdump and
# libpcap on crafted files (edge_captures.py): Simple Packet Blocks without
# time, fractions of a second out of range, files libpcap refuses though
# the pcapng format allows them, a summary of a file damaged in its header,
# exact JSON times and names that are not UTF-8.

HERE="$BATS_TEST_DIRNAME"
PY=/usr/bin/python3

setup() {
	bats_require_minimum_version 1.5.0
	TMP=$(mktemp -d)
	export TZ=UTC
	"$PY" "$HERE/edge_captures.py" "$TMP"
}

teardown() {
	rm -rf "$TMP"
}

# jpath FILE EXPR: a Python expression over the JSON document `d` in FILE, parsed strictly
jpath() {
	"$PY" -c 'import json, sys; d = json.loads(open(sys.argv[1], "rb").read().decode("utf-8")); print(eval(sys.argv[2]))' "$1" "$2"
}

@test "Simple Packet Blocks have no time: read prints (no time), summary n/a as capinfos leaves the times out" {
	run "$PCAPREC" read "$TMP/spb.pcapng"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[0]}" == "(no time) IP 192.0.2.1 > 192.0.2.2: ICMP echo request, id 0, seq 0, length 8" ]]
	# tcpdump prints the epoch (libpcap gives SPBs time 0); the rest of the line agrees
	[ "$(tcpdump -nn -r "$TMP/spb.pcapng" 2>/dev/null | head -1 | cut -d' ' -f2-)" = "${lines[0]#(no time) }" ]
	"$PCAPREC" read --json "$TMP/spb.pcapng" >"$TMP/r.json"
	[ "$(jq -s 'map(select(.no_time == true and .ts_sec == null and .time == null)) | length' "$TMP/r.json")" -eq 3 ]
	# capinfos: no first/last time or duration lines, strict order unknown
	capinfos "$TMP/spb.pcapng" >"$TMP/cap"
	! grep -qE 'First packet time|Last packet time|Capture duration' "$TMP/cap"
	grep -q 'Strict time order: *Unknown' "$TMP/cap"
	"$PCAPREC" summary "$TMP/spb.pcapng" >"$TMP/sum"
	grep -q '^First packet time: *n/a$' "$TMP/sum"
	grep -q '^Capture duration: *n/a$' "$TMP/sum"
	grep -q '^Strict time order: *Unknown$' "$TMP/sum"
	grep -q '^Untimed packets: *3 ' "$TMP/sum"
	! grep -q 1970 "$TMP/sum"
	"$PCAPREC" summary --json "$TMP/spb.pcapng" >"$TMP/s.json"
	[ "$(jpath "$TMP/s.json" 'd["reports"][0]["totals"]["untimed_packets"]')" = 3 ]
	[ "$(jpath "$TMP/s.json" '[d["reports"][0]["totals"][k] for k in ("first_ns", "last_ns", "duration", "first_time")]')" = "[None, None, None, None]" ]
	[ "$(jpath "$TMP/s.json" 'd["reports"][0]["conversations"]["ip"]["rows"][0]["rel_start"]')" = 0.0 ]
}

@test "a file mixing EPBs and SPBs takes its times from the EPBs only" {
	"$PCAPREC" summary --json "$TMP/mixed.pcapng" >"$TMP/s.json"
	t=$(jpath "$TMP/s.json" 'd["reports"][0]["totals"]')
	[[ "$t" == *"'packets': 3"* ]]
	[[ "$t" == *"'untimed_packets': 1"* ]]
	[[ "$t" == *"'first_ns_str': '1700000000000000000'"* ]]
	[[ "$t" == *"'last_ns_str': '1700000002500000000'"* ]]
	[[ "$t" == *"'duration': 2.5"* ]]
	# the EPBs' times as tcpdump prints them (capinfos gives no times at all once an SPB is in)
	[ "$(tcpdump --nano -tt -nn -r "$TMP/mixed.pcapng" 2>/dev/null | sed -n '1p;3p' | cut -d' ' -f1 | tr -d . | tr '\n' ' ')" = "1700000000000000000 1700000002500000000 " ]
	run "$PCAPREC" read -ttttt "$TMP/mixed.pcapng"
	# the SPB leaves the reference alone (tcpdump prints -22:13:20.000000 for it)
	[[ "${lines[1]}" == "(no time) IP "* ]]
	[[ "${lines[2]}" == " 00:00:02.500000 IP "* ]]
	run "$PCAPREC" check "$TMP/mixed.pcapng"
	[ "$status" -eq 0 ]
	[[ "$output" == *"libpcap agrees"* ]]
}

@test "fractions of a second out of range: damaged in summary, the field and value named in read, summary and check" {
	for f in frac fracns; do
		if [ $f = frac ]; then what="ts_usec is 4000000000, not below 1000000"; else what="ts_nsec is 1000000000, not below 1000000000"; fi
		run --separate-stderr "$PCAPREC" read "$TMP/$f.pcap"
		[ "$status" -eq 3 ]
		[ "${#lines[@]}" -eq 3 ]
		[[ "$stderr" == *"$f.pcap: byte 82: record 2: $what"* ]]
		run --separate-stderr "$PCAPREC" summary --json "$TMP/$f.pcap"
		[ "$status" -eq 3 ]
		printf '%s\n' "$output" >"$TMP/s.json"
		[[ "$stderr" == *"1 malformed record, the first: $TMP/$f.pcap: byte 82: record 2: $what"* ]]
		[ "$(jpath "$TMP/s.json" 'd["reports"][0]["damage"]["malformed_records"]')" = 1 ]
		[[ "$(jpath "$TMP/s.json" 'd["reports"][0]["damage"]["malformed_first"]')" == *"$what"* ]]
		# the bad time stays out: 1 s between the good records, not 4000 s
		[ "$(jpath "$TMP/s.json" 'd["reports"][0]["totals"]["duration"]')" = 1.0 ]
		[ "$(jpath "$TMP/s.json" 'd["reports"][0]["totals"]["packets"]')" = 3 ]
		"$PCAPREC" summary "$TMP/$f.pcap" 2>/dev/null | grep -q "^Malformed records: *1 (first: .*$what"
		run "$PCAPREC" check "$TMP/$f.pcap"
		[ "$status" -eq 3 ]
		[[ "$output" == *"DAMAGED: byte 82: record 2: $what"* ]]
	done
}

@test "check: files libpcap refuses but the pcapng format allows are OK, checked with pcaprec's reader only" {
	for f in snaps snaps2 noif byteorder; do
		# libpcap (tcpdump) really refuses them
		run tcpdump -nn -r "$TMP/$f.pcapng"
		[ "$status" -ne 0 ]
		run "$PCAPREC" check "$TMP/$f.pcapng"
		echo "$f: $output"
		[ "$status" -eq 0 ]
		[[ "$output" == *": OK (pcapng, "*"libpcap refuses this file ("*"); checked with pcaprec's reader only)" ]]
		"$PCAPREC" check --json "$TMP/$f.pcapng" >"$TMP/c.json"
		[ "$(jpath "$TMP/c.json" 'd["status"] + " " + d["libpcap"]')" = "ok refused" ]
	done
	[[ "$("$PCAPREC" check "$TMP/snaps.pcapng")" == *"2 packets; libpcap refuses this file (an interface has a snapshot length 128 different from the snapshot length of the first interface)"* ]]
	# pcaprec's reader reads them all, as the packets are there
	[ "$("$PCAPREC" read "$TMP/snaps2.pcapng" | wc -l)" -eq 2 ]
	[ "$("$PCAPREC" read "$TMP/byteorder.pcapng" | wc -l)" -eq 2 ]
	[[ "$("$PCAPREC" check "$TMP/byteorder.pcapng")" == *"libpcap refuses this file (the file has sections with different byte orders; libpcap says: pcapng block size 469762048 > maximum 16777216)"* ]]
	# a block length that is damage stays damage, with libpcap's word beside ours
	"$PY" - "$TESTDATA/corpus.pcapng" "$TMP/badlen.pcapng" <<-'EOF'
		import struct, sys
		d = bytearray(open(sys.argv[1], "rb").read())
		off = 0
		for _ in range(3):
		    off += struct.unpack("<I", d[off + 4:off + 8])[0]
		d[off + 4:off + 8] = struct.pack("<I", 0x1c000000)
		open(sys.argv[2], "wb").write(d)
	EOF
	run "$PCAPREC" check "$TMP/badlen.pcapng"
	[ "$status" -eq 3 ]
	[[ "$output" == *"DAMAGED: byte 228: record 2: block type 0x00000006: total length 469762048 exceeds the maximum"*"libpcap also fails there"* ]]
	# real damage is still damage: a packet block before any interface
	head -c 28 "$TMP/noif.pcapng" >"$TMP/pb.pcapng"
	tail -c 72 "$TMP/snaps.pcapng" >>"$TMP/pb.pcapng"
	run "$PCAPREC" check "$TMP/pb.pcapng"
	[ "$status" -eq 3 ]
}

@test "summary --json prints a report for a file damaged in its header, with the reader's message in it" {
	printf 'not a capture at all' >"$TMP/junk.pcap"
	head -c 10 "$TESTDATA/corpus.pcap" >"$TMP/cut.pcap"
	run --separate-stderr "$PCAPREC" summary --json "$TMP/junk.pcap" "$TMP/cut.pcap" "$TESTDATA/raw.pcap"
	[ "$status" -eq 3 ]
	printf '%s\n' "$output" >"$TMP/s.json"
	[ "$(jpath "$TMP/s.json" 'len(d["reports"])')" = 3 ]
	[[ "$(jpath "$TMP/s.json" 'd["reports"][0]["damage"]["error"]')" == *"junk.pcap: byte 0: file header: not a capture file"* ]]
	[[ "$(jpath "$TMP/s.json" 'd["reports"][1]["damage"]["error"]')" == *"cut.pcap: byte 0: file header: truncated pcap file header"* ]]
	[ "$(jpath "$TMP/s.json" 'd["reports"][1]["files"][0]["type"]')" = unknown ]
	[ "$(jpath "$TMP/s.json" 'd["reports"][2]["totals"]["packets"]')" = 5 ]
	# one alone: still a JSON document
	run --separate-stderr "$PCAPREC" summary --json "$TMP/cut.pcap"
	[ "$status" -eq 3 ]
	printf '%s\n' "$output" | jq -e '.reports[0].damage.error | test("truncated pcap file header")'
	# a missing file is not a capture: no report, exit 1
	run --separate-stderr "$PCAPREC" summary --json "$TMP/missing.pcap"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
}

@test "JSON times are exact: rel_start and durations from integer nanoseconds, _str twins that jq 1.6 keeps whole" {
	"$PCAPREC" summary --json "$TMP/exact.pcap" >"$TMP/s.json"
	# tcpdump's nanosecond times are the oracle; Python integers do the arithmetic
	tcpdump --nano -tt -nn -r "$TMP/exact.pcap" 2>/dev/null | cut -d' ' -f1 | tr -d . >"$TMP/ts"
	"$PY" - "$TMP/s.json" "$TMP/ts" <<-'EOF'
		import decimal, json, sys
		d = json.loads(open(sys.argv[1]).read(), parse_float=decimal.Decimal)["reports"][0]
		ts = [int(x) for x in open(sys.argv[2]).read().split()]
		t = d["totals"]
		assert t["first_ns_str"] == str(ts[0]) and t["last_ns_str"] == str(ts[-1]), t
		assert t["duration"] == decimal.Decimal(ts[-1] - ts[0]) / 10**9, t["duration"]
		rows = {r["port_a"]: r for r in d["conversations"]["udp"]["rows"]}
		want = decimal.Decimal(ts[1] - ts[0]) / 10**9
		# 0.864197532 exactly; the doubles of the old code gave 0.864197632
		assert rows[3000]["rel_start"] == want, (rows[3000]["rel_start"], want)
		assert rows[1000]["duration"] == decimal.Decimal(ts[2] - ts[0]) / 10**9
		assert d["time_series"]["start_ns_str"].isdigit()
	EOF
	# jq 1.6 rounds the numbers past 2^53, not the strings
	[ "$(jq -r '.reports[0].totals.first_ns_str' "$TMP/s.json")" = 1700000000123456789 ]
	[ "$(jq -r '.reports[0].totals.first_ns' "$TMP/s.json")" != 1700000000123456789 ]
	"$PCAPREC" check --json "$TMP/exact.pcap" >"$TMP/c.json"
	[ "$(jq -r '.first_ns_str + " " + .last_ns_str' "$TMP/c.json")" = "1700000000123456789 1700000001000000001" ]
}

@test "names that are not UTF-8 are escaped: every JSON line parses in strict Python json and in jq" {
	bad="$TMP/cap-$(printf '\377\376')-x.pcapng"
	cp "$TMP/nonutf8.pcapng" "$bad"
	"$PCAPREC" summary --json "$bad" >"$TMP/s.json"
	"$PCAPREC" check --json "$bad" >"$TMP/c.json"
	"$PCAPREC" read --json "$bad" >"$TMP/r.json"
	for f in s c r; do
		"$PY" -c 'import json, sys
for line in open(sys.argv[1], "rb"):
    json.loads(line.decode("utf-8", errors="strict"))' "$TMP/$f.json"
		jq -e . "$TMP/$f.json" >/dev/null
	done
	[ "$(jq -r '.reports[0].files[0].interfaces[0].name' "$TMP/s.json")" = "eth$(printf '\303\277\303\276')0" ]
	[ "$(jq -r '.file' "$TMP/c.json")" = "$TMP/cap-$(printf '\303\277\303\276')-x.pcapng" ]
	# well-formed UTF-8 passes as it is
	good="$TMP/caf$(printf '\303\251').pcap"
	cp "$TESTDATA/raw.pcap" "$good"
	[ "$("$PCAPREC" check --json "$good" | jq -r .file)" = "$good" ]
}
