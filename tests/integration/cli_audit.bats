#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# What the command line promises against what it does: every option each
# parser accepts is in --help and in the man page (and the reverse), bad
# flag values and unknown options give one line naming the flag and exit 2,
# and inputs that are not capture files give the same exit status in read,
# summary and check (1 cannot be opened, 3 damaged), FIFOs included.

load ../lib/netns

setup() {
	ROOT="$BATS_TEST_DIRNAME/../.."
	T=$(mktemp -d)
	groff -man -Tascii -P-c -P-b -P-u "$ROOT/man/pcaprec.1" 2>/dev/null | col -b >"$T/man.txt"
}

teardown() {
	netns_down
	rm -rf "$T"
}

# sources CMD: the files holding CMD's option table
sources() {
	case $1 in
	record) echo "$ROOT/src/cli/cmd_record.c $ROOT/src/record/output_cli.c" ;;
	*) echo "$ROOT/src/cli/cmd_$1.c" ;;
	esac
}

# long_opts CMD: the long options of CMD's getopt tables, one per line
long_opts() {
	grep -hoE '\{ "[a-z0-9-]+", (no|required|optional)_argument' $(sources "$1") |
		sed -E 's/^\{ "([^"]+)".*/\1/' | sort -u
}

# short_opts CMD: the option letters of CMD's getopt_long optstring
short_opts() {
	local s
	s=$(grep -hoE '(getopt_long\(argc, argv, |cli_getopt\("[a-z]+", [a-z]+, argv, |#define [A-Z_]*SHORTOPTS )"[^"]*"' \
		$(sources "$1") | sed -E 's/.*"([^"]*)"/\1/')
	[ "$1" = record ] && s="$s$(sed -n 's/^#define OUTPUT_CLI_SHORTOPTS "\(.*\)"/\1/p' "$ROOT/include/pcaprec/output.h")"
	printf '%s' "$s" | tr -d ':' | fold -w1 | sort -u
}

# man_section CMD: the rendered man page from "PCAPREC CMD" to the next command's section
man_section() {
	local up
	up=$(echo "$1" | tr a-z A-Z)
	awk -v h="PCAPREC $up" '$0 == h { on = 1; next } on && /^PCAPREC [A-Z]+$/ { exit } on' "$T/man.txt"
}

@test "every option a parser accepts is in its --help and its man page section, and every --help flag is accepted" {
	bad=
	for cmd in read summary check extract flows rotate record; do
		"$PCAPREC" "$cmd" --help >"$T/help" 2>&1
		man_section "$cmd" >"$T/sec"
		[ "$(wc -l <"$T/sec")" -gt 5 ] || bad="$bad $cmd:no-man-section"
		n=$(long_opts "$cmd" | wc -l)
		[ "$n" -ge 2 ] || bad="$bad $cmd:no-long-options-found"
		for o in $(long_opts "$cmd"); do
			grep -qE -- "--$o\b" "$T/help" || bad="$bad $cmd:--$o:help"
			grep -qE -- "--$o\b" "$T/sec" || bad="$bad $cmd:--$o:man"
		done
		for o in $(short_opts "$cmd"); do
			grep -qE -- "(^|[ ,])-$o([^a-zA-Z0-9]|\$)" "$T/help" || bad="$bad $cmd:-$o:help"
			grep -qE -- "(^|[ ,])-$o([^a-zA-Z0-9]|\$)" "$T/sec" || bad="$bad $cmd:-$o:man"
		done
		# the reverse: each long flag --help lists is one the parser knows
		for o in $(grep -E '^ +(-[a-zA-Z], )?--[a-z]' "$T/help" |
				grep -oE -- '--[a-z][a-z0-9-]*' | sed 's/^--//' | sort -u); do
			long_opts "$cmd" | grep -qx -- "$o" || bad="$bad $cmd:--$o:not-parsed"
		done
	done
	echo "mismatches:$bad"
	[ -z "$bad" ]
}

@test "documented defaults hold: summary --top 10 and --max-flows 1000000, record -s 262144" {
	"$PCAPREC" summary --help | grep -q -- '--top N .*(default 10)'
	"$PCAPREC" summary --help | grep -q -- '--max-flows N .*(default 1000000'
	run "$PCAPREC" summary --json "$TESTDATA/flows.pcap"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/s.json"
	/usr/bin/python3 - "$T/s.json" <<-'EOF'
		import json, sys
		r = json.load(open(sys.argv[1]))["reports"][0]
		assert r["limits"]["max_flows"] == 1000000, r["limits"]
		ip = r["conversations"]["ip"]
		assert ip["count"] > 10 and len(ip["rows"]) == 10, (ip["count"], len(ip["rows"]))
	EOF
	"$PCAPREC" record --help | grep -q -- '--snaplen N .*(default 262144'
	grep -q 'CAPTURE_DEFAULT_SNAPLEN 262144u' "$ROOT/include/pcaprec/capture.h"
	grep -q -- '--snaplen N' "$T/man.txt"
	grep -qE 'default 262144' "$T/man.txt"
}

# bad_value CMD FLAG NAME VALUE [ARGS...]: exit 2, one line on stderr naming NAME, nothing on
# stdout; run through $WRAP (record: inside the test namespace) when set
bad_value() {
	local cmd=$1 flag=$2 name=$3 val=$4
	shift 4
	run --separate-stderr ${WRAP:-} "$PCAPREC" "$cmd" "$flag" "$val" "$@"
	echo "$cmd $flag '$val' -> $status: $stderr"
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[[ "$stderr" == "pcaprec $cmd: "*"$name"* ]]
}

@test "read, summary: bad numeric and duration values exit 2 with one line naming the flag" {
	bats_require_minimum_version 1.5.0
	f="$TESTDATA/raw.pcap"
	for v in -1 0 '' 1x ' 5' +5 0x10 99999999999999999999999; do
		bad_value read -c "-c" "$v" "$f"
		bad_value summary --max-flows "--max-flows" "$v" "$f"
		bad_value summary --threads "--threads" "$v" "$f"
		bad_value summary -I "--interval" "$v" "$f"
	done
	for v in -1 '' 1x ' 5' 1.5 99999999999999999999999 4294967296; do
		bad_value summary --top "--top" "$v" "$f"
		bad_value summary -n "--top" "$v" "$f"
	done
	# a fraction is a duration (1.5s); a malformed one is not
	bad_value summary -I "--interval" 1.5.5s "$f"
	bad_value summary -I "--interval" .5s "$f"
	run "$PCAPREC" summary -I 1.5s "$f"
	[ "$status" -eq 0 ]
	bad_value summary -I "--interval" 10000000000d "$f"
	bad_value summary --threads "--threads" 3 "$f"
	# the flow table indexes entries with 32 bits: the largest accepted value works
	bad_value summary --max-flows "--max-flows" 4294967295 "$f"
	run "$PCAPREC" summary --max-flows 4294967294 "$f"
	[ "$status" -eq 0 ]
}

@test "record: bad flag values exit 2 with one line naming the flag, before any socket" {
	bats_require_minimum_version 1.5.0
	require_root
	netns_up
	WRAP="ip netns exec $NS_B"
	rec() { bad_value record "$@" -i "$IF_B" -w "$T/out.pcapng"; }
	for v in -1 '' 1x ' 5' 99999999999999999999999; do
		rec -s "-s/--snaplen" "$v"
		rec -B "-B/--buffer" "$v"
		rec -c "-c/--count" "$v"
		rec --duration "--duration" "$v"
		rec -C "-C/--rotate-size" "$v"
		rec -G "-G/--rotate-time" "$v"
		rec --rotate-packets "--rotate-packets" "$v"
		rec -W "-W/--keep" "$v"
		rec --max-total "--max-total" "$v"
		rec --min-free "--min-free" "$v"
		rec --max-hooks "--max-hooks" "$v"
		rec --flush-interval "--flush-interval" "$v"
		rec --mode "--mode" "$v"
	done
	rec -s "-s/--snaplen" 262145
	rec -B "-B/--buffer" 2T
	rec -C "-C/--rotate-size" 20000000000000T
	rec --duration "--duration" 300000000000000000d
	rec --duration "--duration" 0.5ns
	rec --iface-wait "--iface-wait" 1.5.5s
	rec --max-hooks "--max-hooks" 65
	rec -z "-z/--compress" gzip:0
	rec -z "-z/--compress" gzip:10
	rec -z "-z/--compress" 'gzip: 5'
	rec --format "--format" pcapx
	# octal digits only (strtoul alone took blanks and a sign)
	rec --mode "--mode" ' 0640'
	rec --mode "--mode" +0640
	rec --mode "--mode" 0400
	rec --mode "--mode" 01640
	many=()
	for i in $(seq 16); do many+=(-i "$IF_B"); done
	rec -i "at most 16 -i" "$IF_B" "${many[@]}"
	[ -z "$(ls -A "$T" | grep -v man.txt)" ]
}

@test "unknown options and missing values: one line naming the option, exit 2, for every command" {
	bats_require_minimum_version 1.5.0
	one_line() {
		local want=$1
		shift
		run --separate-stderr "$PCAPREC" "$@"
		echo "$* -> $status: $stderr"
		[ "$status" -eq 2 ]
		[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
		[[ "$stderr" == *"$want"* ]]
	}
	f="$TESTDATA/raw.pcap"
	for cmd in read summary check rotate record; do
		one_line "pcaprec $cmd: unknown option '--bogus'" "$cmd" --bogus "$f"
		one_line "pcaprec $cmd: unknown option '-Q'" "$cmd" -Q "$f"
	done
	one_line "pcaprec read: unknown option '-Q'" read -eQ "$f"
	one_line "pcaprec check: unknown option '-Q'" check -qQ "$f"
	one_line "pcaprec read: option '-c' needs a value" read "$f" -c
	one_line "pcaprec summary: option '--top' needs a value" summary "$f" --top
	one_line "pcaprec summary: option '-I' needs a value" summary "$f" -I
	one_line "pcaprec check: option '--filter' needs a value" check "$f" --filter
	one_line "pcaprec rotate: option '-p' needs a value" rotate -p
	one_line "pcaprec rotate: option '--pidfile' needs a value" rotate --pidfile
	one_line "pcaprec rotate: --pidfile FILE is required" rotate
	one_line "pcaprec rotate: unexpected argument 'extra'" rotate -p "$T/pid" extra
	one_line "pcaprec record: option '-w' needs a value" record -i x0 -w
	one_line "pcaprec record: option '--duration' needs a value" record --duration
	one_line "pcaprec record: -i IFACE is required" record -w "$T/x.pcap"
	one_line "pcaprec interfaces: unknown option '-x'" interfaces -x
	one_line "pcaprec interfaces: unexpected argument 'extra'" interfaces extra
}

@test "--version prints the version the man page carries; the top-level --help mentions it" {
	run "$PCAPREC" --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^pcaprec\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	grep -q "^\.TH PCAPREC 1 .*\"$output\"" "$ROOT/man/pcaprec.1"
	"$PCAPREC" --help | grep -q -- "--version"
	grep -q -- '--version' "$T/man.txt"
}

@test "not a capture file: read, summary and check exit 3 naming file and offset; cannot open: exit 1" {
	: >"$T/empty.pcap"
	printf 'not a capture file at all' >"$T/junk"
	head -c 20 "$TESTDATA/flows.pcap" >"$T/hdrcut.pcap"
	head -c 60 "$TESTDATA/corpus.pcapng" >"$T/shbcut.pcapng"
	gzip -c "$TESTDATA/flows.pcap" | head -c 10 >"$T/gzhdr.pcap.gz"
	mkdir "$T/adir"
	for f in empty.pcap junk hdrcut.pcap shbcut.pcapng gzhdr.pcap.gz; do
		for cmd in read summary; do
			run "$PCAPREC" "$cmd" "$T/$f"
			echo "$cmd $f -> $status: $output"
			[ "$status" -eq 3 ]
			[[ "$output" == "pcaprec $cmd: $T/$f: byte "[0-9]*": "* ]]
		done
		run "$PCAPREC" summary --merge "$TESTDATA/raw.pcap" "$T/$f"
		[ "$status" -eq 3 ]
		run "$PCAPREC" read --merge "$TESTDATA/raw.pcap" "$T/$f"
		[ "$status" -eq 3 ]
		run "$PCAPREC" check "$T/$f"
		echo "check $f -> $status: $output"
		[ "$status" -eq 3 ]
		[[ "$output" == "$T/$f: DAMAGED: byte "[0-9]*": "* ]]
	done
	for f in adir missing.pcap; do
		for cmd in read summary check; do
			run "$PCAPREC" "$cmd" "$T/$f"
			echo "$cmd $f -> $status: $output"
			[ "$status" -eq 1 ]
			[[ "$output" == *"$T/$f"* ]]
		done
		run "$PCAPREC" summary --merge "$TESTDATA/raw.pcap" "$T/$f"
		[ "$status" -eq 1 ]
		run "$PCAPREC" read --merge "$TESTDATA/raw.pcap" "$T/$f"
		[ "$status" -eq 1 ]
	done
	run "$PCAPREC" check "$T/adir"
	[[ "$output" == "$T/adir: UNREADABLE: is a directory" ]]
	run "$PCAPREC" read -d --filter tcp "$T/junk"
	[ "$status" -eq 3 ]
}

@test "a FIFO is read once: read, summary and check agree with the regular file, no hang" {
	mkfifo "$T/fifo"
	f="$TESTDATA/flows.pcap"
	run "$PCAPREC" check "$f"
	[ "$status" -eq 0 ]
	n=$(echo "$output" | sed -n 's/.*OK (pcap, \([0-9]*\) packets, libpcap agrees)$/\1/p')
	[ "$n" -gt 1000 ]
	cat "$f" >"$T/fifo" &
	run timeout 20 "$PCAPREC" check "$T/fifo"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$T/fifo: OK (pcap, $n packets; checked with pcaprec's reader only)" ]
	gzip -c "$f" >"$T/fifo" &
	run timeout 20 "$PCAPREC" check "$T/fifo"
	[ "$status" -eq 0 ]
	[[ "$output" == *"OK (pcap gzip, $n packets"* ]]
	"$PCAPREC" read "$f" >"$T/plain.txt"
	cat "$f" >"$T/fifo" &
	timeout 20 "$PCAPREC" read "$T/fifo" >"$T/fifo.txt"
	cmp "$T/plain.txt" "$T/fifo.txt"
	cat "$f" >"$T/fifo" &
	timeout 20 "$PCAPREC" summary --json "$T/fifo" >"$T/fifo.json"
	grep -q "\"totals\":{\"packets\":$n," "$T/fifo.json"
	head -c 5000 /dev/urandom >"$T/junk"
	cat "$T/junk" >"$T/fifo" &
	run timeout 20 "$PCAPREC" check "$T/fifo"
	[ "$status" -eq 3 ]
	[[ "$output" == "$T/fifo: DAMAGED: byte 0: file header: not a capture file"* ]]
}

@test "check --filter that cannot be compiled for a file's link type: the message, then exit 2" {
	run "$PCAPREC" check --filter 'ether host 02:00:00:00:00:01' "$TESTDATA/raw.pcap"
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *"filter for link type 101"*"Ethernet addresses"* ]]
	# damage still wins over a filter problem
	head -c 90 "$TESTDATA/raw.pcap" >"$T/cut.pcap"
	run "$PCAPREC" check "$T/cut.pcap"
	[ "$status" -eq 3 ]
	run "$PCAPREC" check --filter 'ether host 02:00:00:00:00:01' "$TESTDATA/raw.pcap" "$T/cut.pcap"
	[ "$status" -eq 3 ]
	run "$PCAPREC" check --filter 'ether host 02:00:00:00:00:01' "$TESTDATA/flows.pcap"
	[ "$status" -eq 0 ]
}

@test "output that cannot be written (/dev/full) exits 1 naming the problem, in read, summary and check" {
	for cmd in read summary check; do
		run bash -c '"$0" "$1" "$2" >/dev/full' "$PCAPREC" "$cmd" "$TESTDATA/flows.pcap"
		echo "$cmd -> $status: $output"
		[ "$status" -eq 1 ]
		[[ "$output" == "pcaprec $cmd: "*"writing"* ]] || [[ "$output" == "pcaprec $cmd: error writing"* ]]
	done
}

@test "stdin closed or a directory: exit 1; empty stdin is a damaged capture: exit 3" {
	for cmd in read summary; do
		run bash -c '"$0" "$1" - <&-' "$PCAPREC" "$cmd"
		echo "$cmd closed -> $status: $output"
		[ "$status" -eq 1 ]
		[[ "$output" == "pcaprec $cmd: stdin: "*"Bad file descriptor"* ]]
		run bash -c '"$0" "$1" - <"$2"' "$PCAPREC" "$cmd" "$T"
		[ "$status" -eq 1 ]
		run bash -c '"$0" "$1" - </dev/null' "$PCAPREC" "$cmd"
		[ "$status" -eq 3 ]
		[[ "$output" == "pcaprec $cmd: stdin: byte 0: file header: "* ]]
	done
}
