#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# What a tcpdump user types, against tcpdump 4.99 on the test captures:
# -r FILE EXPR, relative sequence numbers and -S, the -x/-X/-A dumps, -q,
# -#, -l/-U on a live pipe, -n everywhere, hints for the flags tcpdump and
# dumpcap spell differently, and no abbreviated long options.

HERE="$BATS_TEST_DIRNAME"
PY=/usr/bin/python3

setup() {
	TMP=$(mktemp -d)
	export TZ=UTC
}

teardown() {
	rm -rf "$TMP"
}

# every capture of testdata/ and the scapy-built frames of read.bats
captures() {
	"$PY" "$HERE/read_frames.py" "$TMP" 2>/dev/null
	CAPS="$TESTDATA/corpus.pcap $TESTDATA/corpus-ns.pcap $TESTDATA/corpus.pcapng $TESTDATA/flows.pcap"
	CAPS="$CAPS $TESTDATA/sll2.pcap $TESTDATA/raw.pcap $TESTDATA/null.pcap"
	CAPS="$CAPS $TMP/frames.pcap $TMP/cut.pcap $TMP/sll.pcap $TMP/sll2.pcap $TMP/null.pcap $TMP/loop.pcap"
}

# compare FILE [FLAGS...]: pcaprec read FLAGS FILE vs tcpdump -nn FLAGS -r FILE, line by line
compare() {
	local file=$1
	shift
	"$PCAPREC" read "$@" "$file" >"$TMP/ours"
	tcpdump -nn "$@" -r "$file" >"$TMP/theirs" 2>/dev/null
	"$PY" "$HERE/read_compare.py" "$TMP/ours" "$TMP/theirs"
}

@test "read -r FILE EXPR filters like tcpdump -r FILE EXPR; without -r the words are files; -- starts the expression" {
	f="$TESTDATA/corpus.pcap"
	for e in 'udp' 'tcp port 80' 'ip6 and tcp' 'not arp and not ip'; do
		# shellcheck disable=SC2086
		"$PCAPREC" read -r "$f" $e >"$TMP/ours"
		# shellcheck disable=SC2086
		tcpdump -nn -r "$f" $e >"$TMP/theirs" 2>/dev/null
		[ -s "$TMP/theirs" ]
		run "$PY" "$HERE/read_compare.py" "$TMP/ours" "$TMP/theirs"
		echo "$e: $output"
		[ "$status" -eq 0 ]
		# the same after "--", with the file as an argument
		# shellcheck disable=SC2086
		"$PCAPREC" read "$f" -- $e >"$TMP/dd"
		diff "$TMP/ours" "$TMP/dd"
	done
	# options after the file and the expression are still options
	"$PCAPREC" read -r "$f" udp -c 2 >"$TMP/two"
	[ "$(wc -l <"$TMP/two")" -eq 2 ]
	# two files and an expression
	"$PCAPREC" read "$f" "$TESTDATA/raw.pcap" -- icmp >"$TMP/both"
	[ "$(wc -l <"$TMP/both")" -eq $(($(tcpdump -r "$f" icmp 2>/dev/null | wc -l) + 1)) ]
	# without -r the words stay files, as before
	run "$PCAPREC" read "$f" tcp
	[ "$status" -eq 1 ]
	[[ "$output" == *"pcaprec read: tcp: No such file or directory"* ]]
	# an expression and --filter together, and a bad expression: exit 2
	run "$PCAPREC" read -r "$f" --filter udp tcp
	[ "$status" -eq 2 ]
	run "$PCAPREC" read -r "$f" tcp port
	[ "$status" -eq 2 ]
	[[ "$output" == *"syntax error"* ]]
}

@test "summary and check take -r FILE EXPR and FILE -- EXPR as read does" {
	f="$TESTDATA/corpus.pcap"
	want=$(tcpdump -r "$f" udp 2>/dev/null | wc -l)
	for args in "-r $f udp" "$f -- udp" "-n -r $f udp" "-nn -r $f udp"; do
		# shellcheck disable=SC2086
		"$PCAPREC" summary --json $args >"$TMP/s.json"
		got=$("$PY" -c 'import json,sys; r=json.load(open(sys.argv[1]))["reports"][0]; print(r["totals"]["packets"], r["filter"])' "$TMP/s.json")
		[ "$got" = "$want udp" ]
		# shellcheck disable=SC2086
		run "$PCAPREC" check $args
		[ "$status" -eq 0 ]
		[[ "$output" == *"70 packets, $want match the filter, libpcap agrees"* ]]
	done
	# summary's -n N is still --top; -n before a file or an option is tcpdump's
	"$PCAPREC" summary --json -n 3 "$TESTDATA/flows.pcap" >"$TMP/t.json"
	"$PY" -c 'import json,sys; r=json.load(open(sys.argv[1]))["reports"][0]; assert len(r["conversations"]["ip"]["rows"]) == 3' "$TMP/t.json"
	run "$PCAPREC" summary -n "$f"
	[ "$status" -eq 0 ]
	run "$PCAPREC" summary "$f" tcp
	[ "$status" -eq 1 ]
	run "$PCAPREC" check "$f" tcp
	[ "$status" -eq 1 ]
}

@test "read prints relative TCP sequence numbers as tcpdump -nn does, and absolute ones with -S as tcpdump -S" {
	captures
	for f in $CAPS; do
		for fl in "" -S; do
			# shellcheck disable=SC2086
			run compare "$f" $fl
			echo "$f $fl: $output"
			[ "$status" -eq 0 ]
		done
	done
	for f in "$TESTDATA/corpus.pcap" "$TESTDATA/flows.pcap" "$TMP/frames.pcap" "$TMP/cut.pcap"; do
		run compare "$f" -vv
		echo "$f -vv: $output"
		[ "$status" -eq 0 ]
	done
	# relative numbers are really there
	"$PCAPREC" read "$TESTDATA/corpus.pcap" | grep -q 'Flags \[P.\], seq 1:39, ack 1, win 8192, length 38'
	"$PCAPREC" read "$TESTDATA/corpus.pcap" | grep -q 'sack 2 {1000:2000}{3000:4000}'
	"$PCAPREC" read -S "$TESTDATA/corpus.pcap" | grep -q 'seq 1001:1039, ack 5001'
}

@test "read: past 65536 conversations new ones print absolute numbers marked [abs], the rest agree with tcpdump" {
	# 65540 flows, each a SYN-ACK (which records it) then an ACK (relative)
	"$PY" - "$TMP/many.pcap" <<-'EOF'
		import struct, sys
		out = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)]
		def frame(i, sec, flags, seq, ack):
		    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 1, 0, 64, 6, 0,
		                     bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2]))
		    tcp = struct.pack("!HHIIBBHHH", 1024 + i % 60000, 1 + i // 60000, seq, ack,
		                      0x50, flags, 8192, 0, 0)
		    f = bytes([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0]) + ip + tcp
		    return struct.pack("<IIII", sec, i % 1000000, len(f), len(f)) + f
		for i in range(65540):
		    out.append(frame(i, 1700000000, 0x12, 100000 + i, 200000 + i))
		for i in range(65540):
		    out.append(frame(i, 1700000001, 0x10, 100001 + i, 200001 + i))
		open(sys.argv[1], "wb").write(b"".join(out))
	EOF
	"$PCAPREC" read -t "$TMP/many.pcap" >"$TMP/ours"
	tcpdump -nn -t -r "$TMP/many.pcap" >"$TMP/theirs" 2>/dev/null
	tcpdump -nn -S -t -r "$TMP/many.pcap" >"$TMP/abs" 2>/dev/null
	[ "$(grep -c '\[abs\]' "$TMP/ours")" -eq 8 ]
	# lines without the mark are tcpdump's (relative); marked ones are tcpdump -S's
	paste -d '\n' "$TMP/ours" "$TMP/theirs" "$TMP/abs" | awk '
		NR % 3 == 1 { o = $0 } NR % 3 == 2 { t = $0 }
		NR % 3 == 0 { if (o ~ /\[abs\]/) { sub(/ \[abs\]/, "", o); if (o != $0) bad++ } else if (o != t) bad++; n++ }
		END { print n " lines, " bad + 0 " differ"; exit bad > 0 }'
	grep -q '\[abs\], ack 200001' "$TMP/ours" && exit 1 || true
	grep -q 'Flags \[.\] \[abs\], ack 265540' "$TMP/ours"
}

@test "read -x -xx -X -XX -A -AA dump the same bytes in the same layout as tcpdump, on every capture" {
	captures
	for f in $CAPS; do
		"$PCAPREC" read "$f" >"$TMP/ol"
		tcpdump -nn -r "$f" >"$TMP/tl" 2>/dev/null
		for fl in -x -xx -X -XX -A -AA; do
			"$PCAPREC" read "$fl" "$f" >"$TMP/od"
			tcpdump -nn "$fl" -r "$f" >"$TMP/td" 2>/dev/null
			run "$PY" "$HERE/read_dump_compare.py" "$TMP/od" "$TMP/ol" "$TMP/td" "$TMP/tl"
			echo "$f $fl: $output"
			[ "$status" -eq 0 ]
		done
	done
	# with -e and -q the dumps still agree
	for fl in "-e" "-q"; do
		"$PCAPREC" read $fl "$TMP/frames.pcap" >"$TMP/ol"
		tcpdump -nn $fl -r "$TMP/frames.pcap" >"$TMP/tl" 2>/dev/null
		"$PCAPREC" read $fl -XX "$TMP/frames.pcap" >"$TMP/od"
		tcpdump -nn $fl -XX -r "$TMP/frames.pcap" >"$TMP/td" 2>/dev/null
		run "$PY" "$HERE/read_dump_compare.py" "$TMP/od" "$TMP/ol" "$TMP/td" "$TMP/tl"
		echo "$fl -XX: $output"
		[ "$status" -eq 0 ]
	done
	# a byte-exact spot check: the ARP request of corpus.pcap with -X
	"$PCAPREC" read -X -c 1 "$TESTDATA/corpus.pcap" | sed -n 2p >"$TMP/one"
	printf '\t0x0000:  0001 0800 0604 0001 0200 0000 000a c000  ................\n' | diff - "$TMP/one"
}

@test "read -q, -# and -e -q print what tcpdump -q, -# and -e -q print, on every capture" {
	captures
	for f in $CAPS; do
		for fl in -q "-q -e" "-q -v"; do
			# shellcheck disable=SC2086
			run compare "$f" $fl
			echo "$f $fl: $output"
			[ "$status" -eq 0 ]
		done
		# -#: tcpdump's "%5u  " before each packet; the rest of the line as without it
		"$PCAPREC" read -# -e "$f" >"$TMP/num"
		tcpdump -nn -# -e -r "$f" 2>/dev/null | grep -E '^ *[0-9]+  ' | cut -c1-7 >"$TMP/tnum"
		cut -c1-7 "$TMP/num" | diff - "$TMP/tnum"
		sed -E 's/^ *[0-9]+  //' "$TMP/num" | diff - <("$PCAPREC" read -e "$f")
	done
	"$PCAPREC" read -q "$TESTDATA/corpus.pcap" | grep -q '192.0.2.1.40000 > 198.51.100.7.80: tcp 38$'
	"$PCAPREC" read -# "$TESTDATA/corpus.pcap" | sed -n 70p | grep -q '^   70  '
}

# live FLAG: the first packet of raw.pcap, then 3 s later the rest, through a pipe into
# read FLAG - | grep; prints what arrived within 2 s
live() {
	{ head -c 100 "$TESTDATA/raw.pcap"; sleep 3; tail -c +101 "$TESTDATA/raw.pcap"; } |
		"$PCAPREC" read "$@" - | grep --line-buffered IP |
		{ IFS= read -r -t 2 line && echo "$line"; cat >/dev/null; }
}

@test "read -l and -U: a line reaches a pipe while the input is still open; without them it waits for the end" {
	first=$("$PCAPREC" read -c 1 "$TESTDATA/raw.pcap")
	[ "$(live -l)" = "$first" ]
	[ "$(live -U)" = "$first" ]
	# the same from a FIFO path
	mkfifo "$TMP/fifo"
	{ head -c 100 "$TESTDATA/raw.pcap"; sleep 3; tail -c +101 "$TESTDATA/raw.pcap"; } >"$TMP/fifo" &
	got=$("$PCAPREC" read -l "$TMP/fifo" | { IFS= read -r -t 2 line && echo "$line"; cat >/dev/null; })
	wait
	[ "$got" = "$first" ]
	# the test can fail: a fully buffered pipe holds the line until the input ends
	[ -z "$(live)" ]
}

@test "-n and -nn are accepted by every command" {
	run "$PCAPREC" read -nn -c 1 "$TESTDATA/raw.pcap"
	[ "$status" -eq 0 ]
	run "$PCAPREC" summary -nn "$TESTDATA/raw.pcap"
	[ "$status" -eq 0 ]
	run "$PCAPREC" check -nn "$TESTDATA/raw.pcap"
	[ "$status" -eq 0 ]
	run "$PCAPREC" interfaces -n
	[ "$status" -eq 0 ]
	run "$PCAPREC" extract -nn -r "$TESTDATA/raw.pcap" -w "$TMP/e.pcapng" icmp
	[ "$status" -eq 0 ]
	[ "$(tcpdump -r "$TMP/e.pcapng" 2>/dev/null | wc -l)" -eq 1 ]
	run "$PCAPREC" index -n "$TMP/e.pcapng"
	[ "$status" -eq 0 ]
	run "$PCAPREC" rotate -nn --pidfile "$TMP/none"
	[ "$status" -eq 1 ]
	# record takes -nn and goes on to the interface (exit 1), not the usage error (2)
	run "$PCAPREC" record -nn -i pcaprec-none0 -w "$TMP/x.pcap"
	[ "$status" -eq 1 ]
	[[ "$output" == *"no interface named 'pcaprec-none0'"* ]]
}

# hint CMD ARGS... -- TEXT: exit 2 with one line on stderr holding TEXT
hint() {
	local args=() want
	while [ "$1" != -- ]; do
		args+=("$1")
		shift
	done
	want=$2
	run --separate-stderr "$PCAPREC" "${args[@]}"
	echo "${args[*]} -> $status: $stderr"
	[ "$status" -eq 2 ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[[ "$stderr" == *"$want"* ]]
}

@test "flags of tcpdump and dumpcap that pcaprec spells differently get a one-line hint and exit 2" {
	bats_require_minimum_version 1.5.0
	for cmd in record read summary check; do
		hint "$cmd" -D -- "unknown option '-D': to list interfaces use 'pcaprec interfaces'"
		hint "$cmd" -f tcp -- "unknown option '-f': the filter is --filter EXPR"
	done
	hint record -b filesize:1000 -i x -w y -- "unknown option '-b': ring buffers and autostop are -G DURATION, -C SIZE, -W COUNT and --duration DUR"
	hint record -a duration:10 -i x -w y -- "unknown option '-a': ring buffers and autostop are -G DURATION, -C SIZE, -W COUNT and --duration DUR"
	hint record --time-stamp-precision=nano -i x -w y -- "unknown option '--time-stamp-precision': nanosecond files are --format pcap-ns"
	hint read --time-stamp-precision nano "$TESTDATA/raw.pcap" -- "unknown option '--time-stamp-precision': nanosecond times are --nano"
	# dumpcap's -B counts MiB; a bare number under 1024 is refused before any socket
	hint record -B 2 -i x -w y -- "-B 2 is 2 KiB, as in tcpdump (dumpcap counts MiB): write -B 2M for MiB, or -B 2K if KiB is meant"
	run "$PCAPREC" record -B 2K -i pcaprec-none0 -w "$TMP/x.pcap"
	[ "$status" -eq 1 ]
	run "$PCAPREC" record -B 1024 -i pcaprec-none0 -w "$TMP/x.pcap"
	[ "$status" -eq 1 ]
}

@test "long options are never abbreviated, in every command (--print was taken as --print-closed)" {
	bats_require_minimum_version 1.5.0
	hint record --print -i x -w y -- "unknown option '--print' (long options are not abbreviated: --print-closed?)"
	hint record --dur 5s -i x -w y -- "unknown option '--dur'"
	hint record --rotate-s=1M -i x -w y -- "unknown option '--rotate-s'"
	hint read --jso "$TESTDATA/raw.pcap" -- "unknown option '--jso' (long options are not abbreviated: --json?)"
	hint read --filt udp "$TESTDATA/raw.pcap" -- "unknown option '--filt'"
	hint summary --to 3 "$TESTDATA/raw.pcap" -- "unknown option '--to' (long options are not abbreviated: --top?)"
	hint summary --max-flow=5 "$TESTDATA/raw.pcap" -- "unknown option '--max-flow'"
	hint check --qui "$TESTDATA/raw.pcap" -- "unknown option '--qui' (long options are not abbreviated: --quiet?)"
	hint rotate --pid x -- "unknown option '--pid' (long options are not abbreviated: --pidfile?)"
	hint interfaces --hel -- "unknown option '--hel'"
	hint extract --no-ind -r "$TESTDATA/raw.pcap" -- "unknown option '--no-ind' (long options are not abbreviated: --no-index?)"
	hint index --forc "$TMP" -- "unknown option '--forc'"
	# every long option of every command: its name minus the last letter is refused
	for cmd in record read summary check rotate extract index; do
		for o in $("$PCAPREC" "$cmd" --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
			[ "$o" = --help ] && continue
			run --separate-stderr "$PCAPREC" "$cmd" "${o%?}" x
			echo "$cmd ${o%?} -> $status: $stderr"
			[ "$status" -eq 2 ]
		done
	done
	# whole names still work, with = or a separate value
	run "$PCAPREC" summary --top=2 "$TESTDATA/raw.pcap"
	[ "$status" -eq 0 ]
	run "$PCAPREC" read --filter icmp --json "$TESTDATA/raw.pcap"
	[ "$status" -eq 0 ]
}
