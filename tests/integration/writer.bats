#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# The writer against libpcap, tshark, capinfos and editcap: every format, plain and gzip, frames identical to the input.

setup() {
	: "${TOOLS:=$BATS_TEST_DIRNAME/../../build/rel/tools}"
	: "${TESTDATA:=$BATS_TEST_DIRNAME/../../testdata}"
	W="$BATS_TEST_TMPDIR"
}

# tshark and capinfos must exit 0 with nothing on stderr (tshark's note
# about running as root is not a complaint about the file).
quiet_readers() {
	local f=$1 err
	tshark -r "$f" >"$W/tshark.out" 2>"$W/tshark.err" || { cat "$W/tshark.err"; return 1; }
	err=$(grep -v '^Running as user "root"' "$W/tshark.err" || true)
	[ -z "$err" ] || { echo "tshark on $f: $err"; return 1; }
	capinfos "$f" >/dev/null 2>"$W/capinfos.err" || { cat "$W/capinfos.err"; return 1; }
	[ ! -s "$W/capinfos.err" ] || { echo "capinfos on $f:"; cat "$W/capinfos.err"; return 1; }
}

# Expected pcapdump lines for format $2 from input $1: microsecond pcap
# keeps only the microseconds of each timestamp.
expected() {
	if [ "$2" = pcap ]; then
		"$TOOLS/pcapdump" "$1" | awk '{ split($1, t, "."); printf "%s.%s000 %s %s %s\n", t[1], substr(t[2], 1, 6), $2, $3, $4 }'
	else
		"$TOOLS/pcapdump" "$1"
	fi
}

# roundtrip IN FORMAT [gzip level]: write, read back with libpcap, compare, check tshark/capinfos.
roundtrip() {
	local in=$1 fmt=$2 gz=${3:-} out
	out="$W/out.$fmt"
	if [ -n "$gz" ]; then
		out="$out.gz"
		"$TOOLS/mkcap" --format "$fmt" --gzip "$gz" --dir cycle "$in" "$out"
		gzip -t "$out"
		zcat "$out" | "$TOOLS/pcapdump" - >"$W/got"
	else
		"$TOOLS/mkcap" --format "$fmt" --dir cycle "$in" "$out"
		"$TOOLS/pcapdump" "$out" >"$W/got"
	fi
	expected "$in" "$fmt" >"$W/want"
	[ -s "$W/want" ]
	diff -u "$W/want" "$W/got"
	quiet_readers "$out"
}

@test "pcap (us): corpus and flows round-trip, plain and gzip" {
	for in in corpus.pcap corpus-ns.pcap flows.pcap; do
		roundtrip "$TESTDATA/$in" pcap
		roundtrip "$TESTDATA/$in" pcap 6
	done
}

@test "pcap-ns: corpus and flows round-trip with nanoseconds, plain and gzip" {
	for in in corpus-ns.pcap flows.pcap; do
		roundtrip "$TESTDATA/$in" pcap-ns
		roundtrip "$TESTDATA/$in" pcap-ns 1
	done
	run capinfos -t "$W/out.pcap-ns"
	[[ "$output" == *"nanosecond pcap"* ]]
}

@test "pcapng: corpus and flows round-trip, plain and gzip" {
	for in in corpus-ns.pcap flows.pcap; do
		roundtrip "$TESTDATA/$in" pcapng
		roundtrip "$TESTDATA/$in" pcapng 9
	done
}

@test "other link types (SLL2, RAW, NULL) round-trip in every format" {
	for in in sll2.pcap raw.pcap null.pcap; do
		for fmt in pcap pcap-ns pcapng; do
			roundtrip "$TESTDATA/$in" "$fmt"
		done
	done
}

@test "pcapng: tshark sees epb_flags direction none/in/out" {
	"$TOOLS/mkcap" --format pcapng --dir cycle "$TESTDATA/corpus-ns.pcap" "$W/d.pcapng"
	tshark -r "$W/d.pcapng" -T fields -e frame.packet_flags_direction >"$W/got" 2>/dev/null
	n=$(wc -l <"$W/got")
	[ "$n" -eq 70 ]
	awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) print (i % 3 == 0 ? "" : i % 3 == 1 ? "0x00000001" : "0x00000002") }' >"$W/want"
	diff -u "$W/want" "$W/got"
	# and the same frames as the generator's own pcapng
	tshark -r "$TESTDATA/corpus.pcapng" -T fields -e frame.packet_flags_direction -e frame.time_epoch -e frame.len -e frame.cap_len 2>/dev/null >"$W/a"
	tshark -r "$W/d.pcapng" -T fields -e frame.packet_flags_direction -e frame.time_epoch -e frame.len -e frame.cap_len 2>/dev/null >"$W/b"
	diff -u "$W/a" "$W/b"
	"$TOOLS/mkcap" --format pcapng --dir in "$TESTDATA/corpus.pcap" "$W/in.pcapng"
	run tshark -r "$W/in.pcapng" -Y 'frame.packet_flags_direction == 1' -T fields -e frame.number
	[ "$(echo "$output" | grep -c '^[0-9]')" -eq 70 ]
}

@test "pcapng: capinfos shows SHB, IDB and ISB contents" {
	"$TOOLS/mkcap" --format pcapng --filter "tcp port 80" "$TESTDATA/flows.pcap" "$W/m.pcapng"
	run capinfos -M "$W/m.pcapng"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Name = mkcap0"* ]]
	[[ "$output" == *"Description = $TESTDATA/flows.pcap"* ]]
	[[ "$output" == *"Filter string = tcp port 80"* ]]
	[[ "$output" == *"Operating system = Linux"* ]]
	[[ "$output" == *"Time precision = nanoseconds (9)"* ]]
	[[ "$output" == *"Capture length = 262144"* ]]
	[[ "$output" == *"Number of stat entries = 1"* ]]
	[[ "$output" == *"Capture application: mkcap"* ]]
	[[ "$output" == *"Capture hardware:    test"* ]]
	[[ "$output" == *"Number of packets:   2063"* ]]
}

@test "pcapng: several interfaces with different link types agree with mergecap" {
	ins=("$TESTDATA/corpus-ns.pcap" "$TESTDATA/sll2.pcap" "$TESTDATA/raw.pcap" "$TESTDATA/null.pcap")
	"$TOOLS/mkcap" --format pcapng --gzip 5 "${ins[@]}" "$W/multi.pcapng.gz"
	mergecap -F pcapng -w "$W/merged.pcapng" "${ins[@]}"
	quiet_readers "$W/multi.pcapng.gz"
	fields=(-T fields -e frame.interface_id -e frame.time_epoch -e frame.len -e frame.cap_len -e frame.protocols)
	tshark -r "$W/multi.pcapng.gz" "${fields[@]}" 2>/dev/null >"$W/ours"
	tshark -r "$W/merged.pcapng" "${fields[@]}" 2>/dev/null >"$W/theirs"
	[ "$(wc -l <"$W/ours")" -eq 86 ]
	# same frames on the same interfaces (mergecap breaks timestamp ties differently)
	diff -u <(sort "$W/theirs") <(sort "$W/ours")
	sort -s -k2,2 -c "$W/ours"
	run capinfos -M "$W/multi.pcapng.gz"
	[[ "$output" == *"Number of interfaces in file: 4"* ]]
	[[ "$output" == *"Linux cooked-mode capture v2"* ]]
	[[ "$output" == *"Name = mkcap3"* ]]
	# pcap holds one interface only
	run "$TOOLS/mkcap" --format pcap "${ins[@]}" "$W/x.pcap"
	[ "$status" -eq 1 ]
	[[ "$output" == *"holds one interface, 4 given"* ]]
}

@test "snaplen cut matches editcap -s, origlen kept" {
	for fmt in pcap-ns pcapng; do
		"$TOOLS/mkcap" --format "$fmt" --snaplen 60 "$TESTDATA/corpus-ns.pcap" "$W/s.$fmt"
		editcap -s 60 "$TESTDATA/corpus-ns.pcap" "$W/e.pcap"
		"$TOOLS/pcapdump" "$W/e.pcap" >"$W/want"
		"$TOOLS/pcapdump" "$W/s.$fmt" >"$W/got"
		diff -u "$W/want" "$W/got"
		awk '$2 > 60 { exit 1 }' "$W/got"
		quiet_readers "$W/s.$fmt"
	done
	run "$TOOLS/pcapdump" -H "$W/s.pcap-ns"
	[[ "${lines[0]}" == "linktype 1 snaplen 60" ]]
}

@test "stdout output and tiny buffers with frequent flushes give the same frames" {
	"$TOOLS/mkcap" --format pcapng "$TESTDATA/flows.pcap" - >"$W/stdout.pcapng"
	"$TOOLS/pcapdump" "$TESTDATA/flows.pcap" >"$W/want"
	"$TOOLS/pcapdump" "$W/stdout.pcapng" >"$W/got"
	diff -u "$W/want" "$W/got"
	"$TOOLS/mkcap" --format pcap-ns --gzip 3 --buffer 4K --flush-every 7 "$TESTDATA/flows.pcap" - | zcat >"$W/flushed.pcap"
	"$TOOLS/pcapdump" "$W/flushed.pcap" >"$W/got"
	diff -u "$W/want" "$W/got"
	quiet_readers "$W/flushed.pcap"
}

@test "mkcap reports bad input and bad output with a non-zero exit" {
	run "$TOOLS/mkcap" --format pcapng /nonexistent.pcap "$W/x.pcapng"
	[ "$status" -eq 1 ]
	[[ "$output" == *"/nonexistent.pcap"* ]]
	run "$TOOLS/mkcap" --format pcapng "$TESTDATA/corpus.pcap" /nonexistent-dir/x.pcapng
	[ "$status" -eq 1 ]
	run "$TOOLS/mkcap" --format nope "$TESTDATA/corpus.pcap" "$W/x"
	[ "$status" -eq 2 ]
	run "$TOOLS/mkcap" --format pcap --gzip 6 "$TESTDATA/corpus.pcap" /dev/full
	[ "$status" -eq 1 ]
	[[ "$output" == *"/dev/full: write failed: No space left on device"* ]]
}

# Runs mkcap into a 32 KiB tmpfs in a private mount namespace, so the disk
# really fills up (ENOSPC), and keeps what is left. The buffer can only be
# smaller than the largest record, so the snaplen is cut to 2000 (flows.pcap
# frames are all shorter).
enospc_run() {
	local fmt=$1 gz=$2
	# shellcheck disable=SC2016
	unshare -m sh -c '
		d=$1; shift
		mount -t tmpfs -o size=32k pcaprec-test "$d" || exit 3
		"$@" "$d/full"; echo "mkcap=$?" >"$d/../rc"
		cp "$d/full" "$d/../left"
		umount "$d"' sh "$W/mnt" "$TOOLS/mkcap" --format "$fmt" $gz --snaplen 2000 --buffer 8K "$TESTDATA/flows.pcap"
}

@test "ENOSPC on a full tmpfs: mkcap fails, the file keeps a readable prefix of whole records" {
	load ../lib/netns
	require_root
	"$TOOLS/pcapdump" "$TESTDATA/flows.pcap" >"$W/want"
	for fmt in pcap-ns pcapng; do
		for gz in "" "--gzip 6"; do
			mkdir -p "$W/mnt"
			rm -f "$W/left" "$W/rc"
			enospc_run "$fmt" "$gz"
			[ "$(cat "$W/rc")" = "mkcap=1" ]
			if [ -n "$gz" ]; then
				# no gzip trailer, but every byte up to the last sync flush inflates
				zcat "$W/left" >"$W/left.raw" 2>/dev/null || true
				mv "$W/left.raw" "$W/left"
			fi
			"$TOOLS/pcapdump" "$W/left" >"$W/got"
			n=$(wc -l <"$W/got")
			echo "$fmt $gz: $n packets kept"
			[ "$n" -gt 100 ]
			[ "$n" -lt 2063 ]
			head -n "$n" "$W/want" | diff -u - "$W/got"
		done
	done
}
