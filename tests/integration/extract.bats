#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# pcaprec extract against a reference built from other tools: tcpdump's filter (libpcap) over
# each file, then the time window, merged by time (extract_ref.py; pktlist lists the packets).
# Rings: generated traces split by editcap (pcap and pcapng, gzip from the gzip tool, a .part),
# pcapng with two interfaces, and a ring recorded by `record` in the test namespace.

HERE="$BATS_TEST_DIRNAME"
PY=/usr/bin/python3

setup() {
	TMP=$(mktemp -d)
	RING="$TMP/ring"
	mkdir "$RING"
}

teardown() {
	[ -n "${REC_PID:-}" ] && kill -KILL "$REC_PID" 2>/dev/null
	[ -n "${NETNS_UP:-}" ] && netns_down
	rm -rf "$TMP"
}

# A ring of the generator's traffic: 12 files of 500 packets, pcap and pcapng, some gzip'd, the last a .part.
gen_ring() {
	"$TOOLS/gencap" 3M "$TMP/g.pcap" 7
	editcap -F pcap -c 500 "$TMP/g.pcap" "$RING/a.pcap" >/dev/null
	local i=0 f
	for f in "$RING"/a_*.pcap; do
		i=$((i + 1))
		case $((i % 4)) in
		1) editcap -F pcapng "$f" "${f%.pcap}.pcapng" && rm "$f" ;;
		2) gzip "$f" ;;
		3) editcap -F pcapng "$f" "${f%.pcap}.pcapng" && gzip "${f%.pcap}.pcapng" && rm "$f" ;;
		esac
	done
	f=$(ls "$RING" | sort | tail -1)
	mv "$RING/$f" "$RING/$f.part"
	echo "not a capture" >"$RING/README"
	: >"$RING/empty.pcap.part"
}

ring_files() {
	local f
	for f in $(ls "$RING" | sort); do
		case "$f" in README | empty.pcap.part | *.pidx) ;; *) echo "$RING/$f" ;; esac
	done
}

# check SINCE UNTIL EXPR: extract (times as epoch ns, - for none) equals the reference
check() {
	local since=$1 until=$2 expr=$3 args=()
	[ "$since" = - ] || args+=(--since "$(fmt_ns "$since")")
	[ "$until" = - ] || args+=(--until "$(fmt_ns "$until")")
	# shellcheck disable=SC2086
	"$PCAPREC" extract -q -r "$RING" "${args[@]}" -w "$TMP/out.pcapng" $expr
	# shellcheck disable=SC2046
	"$PY" "$HERE/extract_ref.py" "$TMP/out.pcapng" "$since" "$until" "$expr" $(ring_files)
}

fmt_ns() {
	printf '%d.%09d' $(($1 / 1000000000)) $(($1 % 1000000000))
}

@test "extract: generated ring (pcap, pcapng, gzip, .part): many expressions and windows equal tcpdump + window + merge" {
	gen_ring
	local t0=1767225600000000000 # 2026-01-01T00:00:00Z, the generator's start
	local e w
	for e in "" "tcp" "udp port 53" "host 198.18.0.112" "vlan" "not tcp" "ip6 and udp" "arp or icmp" \
		"tcp[tcpflags] & tcp-syn != 0" "net 198.19.0.0/24 and not port 443" "vlan and udp" "greater 1000"; do
		for w in "- -" "$((t0 + 30000000)) -" "- $((t0 + 70000000))" "$((t0 + 20000000)) $((t0 + 20500000))"; do
			# shellcheck disable=SC2086
			run check $w "$e"
			[ "$status" -eq 0 ] || { echo "expr '$e' window $w: $output"; return 1; }
		done
	done
	[ "$("$PCAPREC" extract -q -r "$RING" | "$TOOLS/pktlist" - | wc -l)" -eq 5038 ]
}

@test "extract: with an index, without, and with a stale or damaged one: byte-identical answers, equal to the reference" {
	gen_ring
	local e w args
	for e in "" "host 198.18.0.112" "udp port 53" "vlan 101" "not tcp" "tcp port 80 and host 198.19.0.3" "ip6 and udp"; do
		for w in "" "--since 1767225600.03" "--since 1767225600.02 --until 1767225600.0205"; do
			# shellcheck disable=SC2086
			"$PCAPREC" extract -q -r "$RING" $w -w "$TMP/n-$w-$e.pcapng" $e
		done
	done
	"$PCAPREC" index "$RING" >/dev/null
	ls "$RING"/*.pidx >/dev/null
	for e in "" "host 198.18.0.112" "udp port 53" "vlan 101" "not tcp" "tcp port 80 and host 198.19.0.3" "ip6 and udp"; do
		for w in "" "--since 1767225600.03" "--since 1767225600.02 --until 1767225600.0205"; do
			# shellcheck disable=SC2086
			"$PCAPREC" extract -q -r "$RING" $w -w "$TMP/i.pcapng" $e 2>"$TMP/err"
			cmp "$TMP/n-$w-$e.pcapng" "$TMP/i.pcapng" || { echo "'$e' '$w' differs with the index"; return 1; }
		done
	done
	run check - - "host 198.18.0.112"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	# the index is used: a late window skips whole files, a selective expression skips chunks
	run "$PCAPREC" extract -r "$RING" --since 1767225600.09 -w /dev/null
	[[ "$output" =~ files:\ ([1-9][0-9]*)\ skipped\ thanks\ to\ the\ index ]] || { echo "$output"; return 1; }
	# a capture rewritten after indexing: its index is stale, said in one line, and the answer is the scan's
	local f
	f=$(ring_files | grep '\.pcap$' | head -1)
	editcap -F pcap -r "$f" "$TMP/half.pcap" 1-200 >/dev/null
	cp "$TMP/half.pcap" "$f"
	run "$PCAPREC" extract -q -r "$RING" -w "$TMP/stale.pcapng" udp
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -c "$f: index not used, scanning the file")" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	mkdir "$TMP/hide"
	mv "$RING"/*.pidx "$TMP/hide/"
	"$PCAPREC" extract -q -r "$RING" -w "$TMP/scan.pcapng" udp 2>/dev/null
	cmp "$TMP/stale.pcapng" "$TMP/scan.pcapng"
	mv "$TMP/hide"/*.pidx "$RING/"
	# a damaged sidecar: the same
	f=$(ls "$RING"/*.pidx | sed -n 2p)
	printf 'XXXXXXXX' | dd of="$f" bs=1 seek=100 conv=notrunc 2>/dev/null
	run "$PCAPREC" extract -q -r "$RING" -w "$TMP/bad.pcapng" udp
	[ "$status" -eq 0 ]
	[[ "$output" == *"${f%.pidx}: index not used, scanning the file"* ]]
	cmp "$TMP/bad.pcapng" "$TMP/scan.pcapng"
	"$PY" "$HERE/extract_ref.py" "$TMP/bad.pcapng" - - udp $(ring_files)
}

@test "extract: pcapng with two interfaces keeps both IDBs (identical ones merged across files), the query in the SHB comment" {
	# two IDBs that differ in snaplen: libpcap refuses such files, so tshark is the oracle here
	editcap -F pcap -s 100 "$TESTDATA/flows.pcap" "$TMP/f100.pcap"
	mergecap -F pcapng -w "$TMP/m.pcapng" "$TMP/f100.pcap" "$TESTDATA/corpus.pcap"
	editcap -c 700 "$TMP/m.pcapng" "$RING/m.pcapng" >/dev/null
	"$PCAPREC" extract -q -r "$RING" -w "$TMP/out.pcapng" --since 1700000000.5
	run capinfos "$TMP/out.pcapng"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q "Number of interfaces in file: 2"
	echo "$output" | grep -q "Capture comment: *pcaprec extract -r $RING --since 1700000000.5$"
	echo "$output" | grep -q "Strict time order: *True"
	# interfaces are numbered in the order their first packet is written
	tshark -n -r "$TMP/m.pcapng" -Y "frame.time_epoch >= 1700000000.5" -T fields -e frame.time_epoch -e frame.len -e frame.cap_len -e frame.interface_id >"$TMP/want"
	tshark -n -r "$TMP/out.pcapng" -T fields -e frame.time_epoch -e frame.len -e frame.cap_len -e frame.interface_id >"$TMP/got" 2>"$TMP/warn"
	awk '{ $4 = ($4 == 1 ? 0 : 1); print }' OFS='\t' "$TMP/want" | cmp - "$TMP/got"
	cut -f1-3 "$TMP/want" >"$TMP/want3"
	cut -f1-3 "$TMP/got" | cmp - "$TMP/want3"
	[ -s "$TMP/want" ]
	! grep -v "Running as user" "$TMP/warn" | grep -q .
	# an IDB after packets (two files concatenated): written when its first packet comes
	rm "$RING"/*
	mergecap -a -F pcapng -w "$RING/cat.pcapng" "$TMP/f100.pcap" "$TESTDATA/corpus.pcap"
	"$PCAPREC" extract -q -r "$RING" -w "$TMP/out2.pcapng"
	tshark -n -r "$RING/cat.pcapng" -T fields -e frame.time_epoch -e frame.interface_id -e frame.len -e frame.cap_len >"$TMP/want"
	tshark -n -r "$TMP/out2.pcapng" -T fields -e frame.time_epoch -e frame.interface_id -e frame.len -e frame.cap_len >"$TMP/got"
	cmp "$TMP/want" "$TMP/got" # one file: its own order, not re-sorted
	capinfos "$TMP/out2.pcapng" | grep -q "Number of interfaces in file: 2"
}

@test "extract: --format pcap and pcap-ns, gzip output, -w - and a pipe stream the same packets" {
	gen_ring
	"$PCAPREC" extract -q -r "$RING" --format pcap -w "$TMP/o.pcap" udp
	run capinfos -t "$TMP/o.pcap"
	echo "$output" | grep -q "pcap$"
	"$PCAPREC" extract -q -r "$RING" --format pcap-ns -w "$TMP/ons.pcap" udp
	"$PY" "$HERE/extract_ref.py" "$TMP/ons.pcap" - - udp $(ring_files)
	"$PCAPREC" extract -q -r "$RING" -w "$TMP/o.pcapng.gz" udp
	gzip -t "$TMP/o.pcapng.gz"
	"$PY" "$HERE/extract_ref.py" "$TMP/o.pcapng.gz" - - udp $(ring_files)
	"$PCAPREC" extract -q -r "$RING" -w "$TMP/o.pcapng.zst" udp
	zstd -q -t "$TMP/o.pcapng.zst"
	[ "$(head -c 4 "$TMP/o.pcapng.zst" | od -An -tx1 | tr -d ' ')" = 28b52ffd ]
	zcat "$TMP/o.pcapng.gz" | cmp - <(zstdcat "$TMP/o.pcapng.zst")
	"$PCAPREC" extract -q -r "$RING" -w - udp >"$TMP/s1"
	"$PCAPREC" extract -q -r "$RING" udp | cat >"$TMP/s2"
	"$PCAPREC" extract -q -r "$RING" -w "$TMP/s3" udp
	cmp "$TMP/s1" "$TMP/s2"
	cmp "$TMP/s1" "$TMP/s3"
	[ "$(tcpdump -nn -r "$TMP/o.pcap" 2>/dev/null | wc -l)" -eq "$("$TOOLS/pktlist" "$TMP/s1" | wc -l)" ]
}

@test "extract: the merge of two extract streams through FIFOs equals the single-ring answer" {
	gen_ring
	mkdir "$TMP/h1" "$TMP/h2"
	local i=0 f
	for f in $(ring_files); do
		i=$((i + 1))
		cp "$f" "$TMP/h$((i % 2 + 1))/"
	done
	mkfifo "$TMP/p1" "$TMP/p2"
	"$PCAPREC" extract -q -r "$TMP/h1" -w - "tcp port 80" >"$TMP/p1" &
	"$PCAPREC" extract -q -r "$TMP/h2" -w - "tcp port 80" >"$TMP/p2" &
	"$PCAPREC" extract -q -r "$TMP/p1" -r "$TMP/p2" -w "$TMP/merged.pcapng"
	wait
	"$PCAPREC" extract -q -r "$RING" -w "$TMP/single.pcapng" "tcp port 80"
	"$TOOLS/pktlist" "$TMP/merged.pcapng" >"$TMP/l1"
	"$TOOLS/pktlist" "$TMP/single.pcapng" >"$TMP/l2"
	[ -s "$TMP/l1" ]
	cmp "$TMP/l1" "$TMP/l2"
	# standard input as one of the inputs
	"$PCAPREC" extract -q -r "$TMP/h1" -w - "tcp port 80" | "$PCAPREC" extract -q -r - -r "$TMP/h2" "tcp port 80" >"$TMP/m2"
	"$TOOLS/pktlist" "$TMP/m2" | cmp - "$TMP/l2"
}

@test "extract: local times (no zone) read as date(1) reads them, in the zone TZ says" {
	"$TOOLS/gencap" 200K "$RING/g.pcap" 3
	local tz t want
	for tz in UTC Europe/Berlin America/New_York Asia/Kolkata; do
		for t in "2026-01-01 01:00:00" "2026-07-01T12:34:56" "2025-12-31"; do
			want=$(TZ=$tz date -d "$t" +%s)
			run env TZ=$tz "$PCAPREC" extract -r "$RING" --since "$t" -w /dev/null
			[ "$status" -eq 0 ]
			echo "$output" | grep -q "window $(date -u -d "@$want" +%Y-%m-%dT%H:%M:%S).000000Z to " ||
				{ echo "TZ=$tz '$t': want $want: $output"; return 1; }
		done
	done
	# relative times: -1h is an hour before now (date's clock), within the run time
	run "$PCAPREC" extract -r "$RING" --since -1h --until now -w /dev/null
	[ "$status" -eq 0 ]
	echo "$output" | grep -q "window $(date -u -d '-1 hour' +%Y-%m-%dT%H:%M)"
}

@test "extract: coverage reports the gap between files and the window beyond them" {
	"$TOOLS/gencap" 200K "$TMP/g.pcap" 3
	editcap -A "2026-01-01 00:00:00" -B "2026-01-01 00:00:00.004" "$TMP/g.pcap" "$RING/1.pcap"
	editcap -A "2026-01-01 00:00:00.004" -t 5 "$TMP/g.pcap" "$RING/2.pcap"
	run "$PCAPREC" extract -r "$RING" --since 2026-01-01T00:00:00Z --until 2026-01-01T00:00:10Z -w /dev/null
	[ "$status" -eq 0 ]
	echo "$output" | grep -q "gap: 2026-01-01T00:00:00.003979Z to 2026-01-01T00:00:05.004019Z (5.000 s without any file)"
	echo "$output" | grep -q "gap: 2026-01-01T00:00:05.006627Z to 2026-01-01T00:00:10.000000Z"
	echo "$output" | grep -qE "covered by 2 files, 2 gaps"
}

@test "extract: bad input is one line naming the thing, with its exit status" {
	"$TOOLS/gencap" 200K "$RING/g.pcap" 3
	run "$PCAPREC" extract -r "$RING" --since 2026-13-01 -w /dev/null
	[ "$status" -eq 2 ]
	[ "$output" = "pcaprec extract: --since: '2026-13-01': no such date" ]
	run "$PCAPREC" extract -r "$RING" --until yesterday -w /dev/null
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 1 ] && [[ "$output" == *"--until: 'yesterday'"* ]]
	run "$PCAPREC" extract -r "$TMP/nothere" -w /dev/null
	[ "$status" -eq 1 ]
	[ "$output" = "pcaprec extract: $TMP/nothere: No such file or directory" ]
	run "$PCAPREC" extract -r "$RING" -r "$TESTDATA/raw.pcap" -w /dev/null ether host 02:00:00:00:00:01
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 1 ] && [[ "$output" == "pcaprec extract: $TESTDATA/raw.pcap: filter for link type 101"* ]]
	run "$PCAPREC" extract -r "$RING" -w /dev/null "tcp and ("
	[ "$status" -eq 2 ]
	run "$PCAPREC" extract -r "$RING" -r "$TESTDATA/raw.pcap" --format pcap -w /dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"g.pcap: link type 1 (EN10MB) differs from 101 (RAW) of the packets before; --format pcap holds one link type (use pcapng)"* ]]
	run "$PCAPREC" extract -w /dev/null
	[ "$status" -eq 2 ]
	run "$PCAPREC" extract -r "$RING" --format pcapx -w /dev/null
	[ "$status" -eq 2 ]
	# a terminal as output is refused (script(1) gives the command a pty)
	if command -v script >/dev/null; then
		run script -qec "$PCAPREC extract -r $RING" /dev/null
		[[ "$output" == *"refusing to write a capture to a terminal"* ]]
	fi
}

@test "extract: a damaged file yields every good packet before the damage, reported as read reports it (exit 3)" {
	"$TOOLS/gencap" 200K "$TMP/g.pcap" 3
	editcap -c 150 "$TMP/g.pcap" "$RING/r.pcapng" >/dev/null
	local first
	first=$(ls "$RING" | sort | head -1)
	head -c 9000 "$RING/$first" >"$TMP/cut" && mv "$TMP/cut" "$RING/$first"
	run "$PCAPREC" extract -q -r "$RING" -w "$TMP/out.pcapng"
	[ "$status" -eq 3 ]
	local readmsg
	readmsg=$("$PCAPREC" read "$RING/$first" 2>&1 >/dev/null | sed 's/^pcaprec read: //')
	[ "$output" = "pcaprec extract: $readmsg" ]
	"$TOOLS/pktlist" "$RING/$first" >"$TMP/good" || true
	local f
	for f in $(ls "$RING" | sort | tail -n +2); do "$TOOLS/pktlist" "$RING/$f"; done >>"$TMP/good"
	"$TOOLS/pktlist" "$TMP/out.pcapng" | sort >"$TMP/got"
	sort "$TMP/good" | cmp - "$TMP/got"
}

@test "extract: rings written by record in the test namespace (two interfaces, the .part in progress; gzip)" {
	load ../lib/netns
	load ../lib/record
	rec_test_setup
	NETNS_UP=1
	rec_start "$NS_B" "$RING/cap.pcapng" -i "$IF_B" -i lo --rotate-packets 40 --flush-interval 100ms
	send_udp 150 RING
	in_b ping -c 3 -i 0.2 -W 1 127.0.0.1 >/dev/null
	sleep 0.3
	# the recorder is still running: its current file is a .part; a copy taken now is what a query sees
	cp -a "$RING" "$TMP/snap"
	rec_stop
	ls "$TMP/snap" | grep -q '\.part$'
	RING="$TMP/snap"
	run check - - "udp port 40009 or icmp"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[ "$output" -ge 150 ]
	run capinfos "$TMP/out.pcapng"
	echo "$output" | grep -q "Number of interfaces in file: 2"
	RING="$TMP/gz"
	mkdir "$RING"
	rec_start "$NS_B" "$RING/cap.pcapng.gz" -i "$IF_B" --rotate-packets 40 -z gzip
	send_udp 100 GZ
	sleep 0.2
	rec_stop
	run check - - "udp port 40009"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[ "$output" -eq 100 ]
}

@test "read and summary take the selection: a ring directory, --since/--until, the index skipping files; the same packets as extract" {
	gen_ring
	local w=(--since 1767225600.03 --until 1767225600.07)
	"$PCAPREC" extract -q -r "$RING" "${w[@]}" -w "$TMP/x.pcapng" udp
	"$PCAPREC" read -tt --nano "$TMP/x.pcapng" >"$TMP/want"
	[ -s "$TMP/want" ]
	"$PCAPREC" read -tt --nano -r "$RING" "${w[@]}" udp >"$TMP/got"
	cmp "$TMP/want" "$TMP/got"
	"$PCAPREC" read -tt --nano "$RING" "${w[@]}" -- udp | cmp - "$TMP/want"
	local n
	n=$("$TOOLS/pktlist" "$TMP/x.pcapng" | wc -l)
	run "$PCAPREC" summary -r "$RING" "${w[@]}" udp
	[ "$status" -eq 0 ]
	echo "$output" | grep -qE "^Number of packets: +$n\$"
	"$PCAPREC" index "$RING" >/dev/null
	"$PCAPREC" read -tt --nano -r "$RING" "${w[@]}" udp | cmp - "$TMP/want"
	run "$PCAPREC" summary -r "$RING" "${w[@]}" udp
	echo "$output" | grep -qE "^Number of packets: +$n\$"
	# the index let summary skip the files before the window: they are not in its report
	local first
	first=$(ring_files | head -1)
	"$PCAPREC" summary -r "$RING" | grep -q "File name: *$first\$"
	! "$PCAPREC" summary -r "$RING" --since 1767225600.09 | grep -q "File name: *$first\$"
	mv "$RING"/*.pidx "$TMP/"
	"$PCAPREC" summary -r "$RING" --since 1767225600.09 | grep -q "File name: *$first\$"
	run "$PCAPREC" read -r "$RING" --since tomorrow
	[ "$status" -eq 2 ]
	[ "$output" = "pcaprec read: --since: 'tomorrow': expected YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|+HH:MM], epoch seconds or -DURATION" ]
}

@test "extract: an output that is one of its inputs is refused before it is touched (-w, >>, a ring directory)" {
	local d="$BATS_TEST_TMPDIR/same"
	mkdir -p "$d"
	cp "$TESTDATA/flows.pcap" "$d/x.pcap"
	# the old binary emptied x.pcap (-w opened it O_TRUNC) or read back what it appended
	run "$PCAPREC" extract -r "$d/x.pcap" -w "$d/x.pcap" udp
	[ "$status" -eq 2 ]
	[ "$output" = "pcaprec extract: -w: $d/x.pcap is the input $d/x.pcap (writing would empty it)" ]
	cmp "$d/x.pcap" "$TESTDATA/flows.pcap"
	run sh -c '"$1" extract -r "$2" >>"$2"' sh "$PCAPREC" "$d/x.pcap"
	[ "$status" -eq 2 ]
	[ "$output" = "pcaprec extract: standard output is the input $d/x.pcap" ]
	cmp "$d/x.pcap" "$TESTDATA/flows.pcap"
	# the answer of a first run written into the ring directory is an input of the second
	"$PCAPREC" extract -r "$d" -w "$d/answer.pcapng" udp 2>/dev/null
	run "$PCAPREC" extract -r "$d" -w "$d/answer.pcapng" udp
	[ "$status" -eq 2 ]
	[ "$(capinfos -Mc "$d/answer.pcapng" | awk '/Number of packets/ {print $NF}')" = \
	  "$(tcpdump -nr "$TESTDATA/flows.pcap" udp 2>/dev/null | wc -l)" ]
	# a symlink to an input is the input too
	ln -s x.pcap "$d/link.pcap"
	run "$PCAPREC" extract -r "$d/x.pcap" -w "$d/link.pcap"
	[ "$status" -eq 2 ]
	cmp "$d/x.pcap" "$TESTDATA/flows.pcap"
}
