#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# pcaprec index: sidecars for files and directories, idempotence, stale and
# damaged sidecars found by check and rebuilt by index, bad input.

load ../lib/netns
load ../lib/record

setup() {
	bats_require_minimum_version 1.5.0
	TMP=$(mktemp -d)
	cp "$TESTDATA"/*.pcap "$TESTDATA"/*.pcapng "$TMP/"
}

teardown() {
	rm -rf "$TMP"
	if [ -n "${NS_A:-}" ]; then
		rec_test_teardown || true
	fi
}

@test "index a directory: every capture gets a sidecar, a second run leaves them alone" {
	gzip -c "$TMP/flows.pcap" >"$TMP/flows-tool.pcap.gz"
	cat "$TMP/corpus.pcapng" "$TMP/corpus.pcapng" >"$TMP/two-sections.pcapng"
	echo "not a capture" >"$TMP/notes.txt"
	cp "$TMP/corpus.pcap" "$TMP/cap-000009.pcap.part"
	run "$PCAPREC" index -j 2 "$TMP"
	echo "$output"
	[ "$status" -eq 0 ]
	n=0
	for f in "$TMP"/*.pcap "$TMP"/*.pcapng "$TMP"/*.gz; do
		[ -s "$f.pidx" ] || { echo "no index for $f"; return 1; }
		grep -qF "$f: indexed (" <<<"$output"
		n=$((n + 1))
	done
	[ "$n" -eq 9 ]
	[ ! -e "$TMP/notes.txt.pidx" ]
	[ ! -e "$TMP/cap-000009.pcap.part.pidx" ]
	[ "$(grep -c ': indexed (' <<<"$output")" -eq 9 ]
	# the packet counts are libpcap's
	for f in "$TMP"/*.pcap "$TMP"/two-sections.pcapng; do
		want=$(capinfos -c -M -T -r "$f" | cut -f2)
		grep -qF "$f: indexed ($want packets," <<<"$output"
	done
	before=$(stat -c %Y.%s "$TMP/flows.pcap.pidx")
	sleep 0.01
	run "$PCAPREC" index "$TMP"
	[ "$status" -eq 0 ]
	[ "$(grep -c ': up to date$' <<<"$output")" -eq 9 ]
	[ "$(stat -c %Y.%s "$TMP/flows.pcap.pidx")" = "$before" ]
	# and check finds every index sound and agreeing with the reader
	run "$PCAPREC" check --json "$TMP"/*.pcap "$TMP"/*.pcapng "$TMP"/*.gz
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c '"index":"ok"' <<<"$output")" -eq 9 ]
	# no temporary sidecar left behind
	[ -z "$(find "$TMP" -name '*.tmp-*')" ]
}

@test "index a zstd capture of many frames (record -z zstd's layout): one chunk per frame run, extract answers the same with and without it" {
	mkdir "$TMP/z"
	"$TOOLS/gencap" 6M "$TMP/g.pcap" 5 >/dev/null
	"$TOOLS/mkcap" --format pcapng --zstd 3 --buffer 256K "$TMP/g.pcap" "$TMP/z/g.pcapng.zst"
	"$PCAPREC" extract -q -r "$TMP/z" -w "$TMP/noidx.pcapng" "udp or host 10.0.0.7"
	run "$PCAPREC" index "$TMP/z"
	echo "$output"
	[ "$status" -eq 0 ]
	chunks=$(sed -n 's/.*g.pcapng.zst: indexed ([0-9]* packets, \([0-9]*\) chunks.*/\1/p' <<<"$output")
	[ "$chunks" -gt 3 ]
	"$PCAPREC" extract -q -r "$TMP/z" -w "$TMP/idx.pcapng" "udp or host 10.0.0.7"
	cmp "$TMP/noidx.pcapng" "$TMP/idx.pcapng"
	run "$PCAPREC" check --json "$TMP/z/g.pcapng.zst"
	[ "$status" -eq 0 ]
	grep -q '"index":"ok"' <<<"$output"
}

@test "progress goes to stderr on a terminal only" {
	for i in 1 2 3 4 5 6; do cp "$TMP/flows.pcap" "$TMP/f$i.pcap"; done
	run "$PCAPREC" index -j 1 "$TMP"
	[ "$status" -eq 0 ]
	! grep -q 'indexing:' <<<"$output"
	rm -f "$TMP"/*.pidx
	# script(1) gives the command a terminal; stdout is the terminal too there
	script -qefc "'$PCAPREC' index -j 1 '$TMP' >'$BATS_TEST_TMPDIR/out.txt'" /dev/null >"$BATS_TEST_TMPDIR/tty.txt"
	cat -v "$BATS_TEST_TMPDIR/tty.txt"
	grep -q 'indexing: 12 of 13 files done' "$BATS_TEST_TMPDIR/tty.txt"
	[ "$(grep -c ': indexed (' "$BATS_TEST_TMPDIR/out.txt")" -eq 13 ]
	! grep -q 'indexing:' "$BATS_TEST_TMPDIR/out.txt"
}

@test "a capture rewritten after indexing: check says INDEX STALE (exit 0), index rebuilds it" {
	"$PCAPREC" index -q "$TMP/corpus.pcap"
	cp "$TMP/flows.pcap" "$TMP/corpus.pcap"
	run "$PCAPREC" check "$TMP/corpus.pcap"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qF "$TMP/corpus.pcap: INDEX STALE: index stale: capture is 183670 bytes" <<<"$output"
	run "$PCAPREC" index "$TMP/corpus.pcap"
	[ "$status" -eq 0 ]
	[ "$output" = "$TMP/corpus.pcap: indexed (2063 packets, 1 chunks, $(stat -c %s "$TMP/corpus.pcap.pidx") bytes of index)" ]
	run "$PCAPREC" check -q "$TMP/corpus.pcap"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "a damaged sidecar: check says INDEX DAMAGED (exit 1), index rebuilds it" {
	"$PCAPREC" index -q "$TMP/flows.pcap"
	printf '\xff\xff' | dd of="$TMP/flows.pcap.pidx" bs=1 seek=200 conv=notrunc 2>/dev/null
	run "$PCAPREC" check "$TMP/flows.pcap"
	echo "$output"
	[ "$status" -eq 1 ]
	grep -qF "$TMP/flows.pcap: INDEX DAMAGED: $TMP/flows.pcap.pidx: index damaged: checksum" <<<"$output"
	# truncated, and a wrong version
	head -c 100 "$TMP/flows.pcap.pidx" >"$TMP/x" && mv "$TMP/x" "$TMP/flows.pcap.pidx"
	run "$PCAPREC" check -q "$TMP/flows.pcap"
	[ "$status" -eq 1 ]
	grep -qF "INDEX DAMAGED" <<<"$output"
	run "$PCAPREC" index "$TMP/flows.pcap"
	[ "$status" -eq 0 ]
	grep -qF ": indexed (2063 packets" <<<"$output"
	printf '\x09' | dd of="$TMP/flows.pcap.pidx" bs=1 seek=8 conv=notrunc 2>/dev/null
	run "$PCAPREC" check -q "$TMP/flows.pcap"
	[ "$status" -eq 1 ]
	grep -qF "index version 9, this pcaprec reads version 2" <<<"$output"
}

# offset and length of the flow section (type 4) of sidecar $1, from its section table
flow_section() {
	python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
for k in range(struct.unpack_from("<I", d, 64)[0]):
    t, _, o, l = struct.unpack_from("<IIQQ", d, 72 + 24 * k)
    if t == 4:
        print(o, l)
PY
}

@test "a damaged flow table: extract still skips by the chunks, flows scans that file, check says DAMAGED, index rebuilds it" {
	"$PCAPREC" index -q "$TMP/flows.pcap"
	want=$("$PCAPREC" flows --no-index -r "$TMP/flows.pcap" 2>/dev/null)
	[ "$(wc -l <<<"$want")" -gt 100 ]
	read -r off len < <(flow_section "$TMP/flows.pcap.pidx")
	[ "$len" -gt 1000 ]
	printf '\xff' | dd of="$TMP/flows.pcap.pidx" bs=1 seek=$((off + len / 2)) conv=notrunc 2>/dev/null
	# extract needs only the chunks and Bloom filters: still skipped thanks to the index
	run "$PCAPREC" extract -r "$TMP/flows.pcap" -w "$TMP/x.pcapng" "host 10.0.0.1"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qF "1 files: 1 skipped thanks to the index" <<<"$output"
	! grep -qF "index not used" <<<"$output"
	# flows needs the flow table: one line, then the packets' rows
	run --separate-stderr "$PCAPREC" flows -r "$TMP/flows.pcap"
	[ "$status" -eq 0 ]
	[ "$output" = "$want" ]
	[ "$stderr" = "pcaprec flows: $TMP/flows.pcap: index not used, scanning the file: $TMP/flows.pcap.pidx: index damaged: flow table checksum ${stderr##*checksum }" ]
	# --community-id reads the file instead of trusting the table
	run "$PCAPREC" extract -q -r "$TMP/flows.pcap" -w "$TMP/c.pcapng" --community-id "1:zYQHrmEm6/ka2No8XL1xYH+s3xM="
	[ "$status" -eq 0 ]
	grep -qF "flow table of the index not used, reading the file" <<<"$output"
	[ "$("$TOOLS/pktlist" "$TMP/c.pcapng" | wc -l)" -eq 21 ]
	run "$PCAPREC" check "$TMP/flows.pcap"
	[ "$status" -eq 1 ]
	grep -qF "INDEX DAMAGED: $TMP/flows.pcap.pidx: index damaged: flow table checksum" <<<"$output"
	run "$PCAPREC" index "$TMP/flows.pcap"
	[ "$status" -eq 0 ]
	grep -qF ": indexed (2063 packets" <<<"$output"
	run "$PCAPREC" check -q "$TMP/flows.pcap"
	[ "$status" -eq 0 ]
}

@test "a FIFO or symlink planted as the sidecar: nothing blocks on it or writes through it" {
	# a FIFO named NAME.pidx: the loader's open waited for a writer forever (check, extract, index)
	mkfifo "$TMP/flows.pcap.pidx"
	run timeout 20 "$PCAPREC" check "$TMP/flows.pcap"
	echo "$output"
	[ "$status" -eq 1 ]
	grep -qF "$TMP/flows.pcap.pidx: index damaged: not a regular file" <<<"$output"
	run timeout 20 "$PCAPREC" extract -r "$TMP/flows.pcap" -w "$TMP/o.pcapng" udp
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(capinfos -Mc "$TMP/o.pcapng" | awk '/Number of packets/ {print $NF}')" = \
	  "$(tcpdump -nr "$TMP/flows.pcap" udp 2>/dev/null | wc -l)" ]
	run timeout 20 "$PCAPREC" index "$TMP/flows.pcap"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -f "$TMP/flows.pcap.pidx" ] && [ ! -p "$TMP/flows.pcap.pidx" ]
	# a symlink NAME.pidx -> someone's file: replaced by the new sidecar, its target untouched
	echo "precious" >"$TMP/victim"
	chmod 0644 "$TMP/victim"
	rm "$TMP/corpus.pcap.pidx" 2>/dev/null || true
	ln -s "$TMP/victim" "$TMP/corpus.pcap.pidx"
	run "$PCAPREC" index "$TMP/corpus.pcap"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(cat "$TMP/victim")" = "precious" ]
	[ "$(stat -c %a "$TMP/victim")" = 644 ]
	[ ! -L "$TMP/corpus.pcap.pidx" ]
	"$PCAPREC" check --json "$TMP/corpus.pcap" | grep -qF '"index":"ok"'
	# a directory in the sidecar's place: the index cannot be written, exit 1 (was 3, "damaged")
	mkdir "$TMP/sll2.pcap.pidx"
	run "$PCAPREC" index "$TMP/sll2.pcap"
	[ "$status" -eq 1 ]
	[ "$output" = "pcaprec index: $TMP/sll2.pcap: $TMP/sll2.pcap.pidx: Is a directory" ]
	[ -d "$TMP/sll2.pcap.pidx" ]
}

@test "a capture cut short is indexed up to the damage (exit 3); check agrees with that index" {
	head -c 100000 "$TMP/flows.pcap" >"$TMP/cut.pcap"
	run "$PCAPREC" index "$TMP/cut.pcap"
	echo "$output"
	[ "$status" -eq 3 ]
	grep -qF "$TMP/cut.pcap: indexed up to damage: byte " <<<"$output"
	[ -s "$TMP/cut.pcap.pidx" ]
	run "$PCAPREC" check --json "$TMP/cut.pcap"
	[ "$status" -eq 3 ]
	grep -qF '"index":"ok"' <<<"$output"
}

@test "index: bad input is one line naming it" {
	run "$PCAPREC" index "$TMP/missing.pcap"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	grep -qF "pcaprec index: $TMP/missing.pcap: " <<<"$output"
	echo "text" >"$TMP/t.txt"
	run "$PCAPREC" index "$TMP/t.txt"
	[ "$status" -eq 3 ]
	[ "${#lines[@]}" -eq 1 ]
	grep -qF "pcaprec index: $TMP/t.txt: byte 0: file header: not a capture file" <<<"$output"
	[ ! -e "$TMP/t.txt.pidx" ]
	run "$PCAPREC" index --threads 0 "$TMP"
	[ "$status" -eq 2 ]
	grep -qF -- "--threads: expected 1 to 64, found '0'" <<<"$output"
	run "$PCAPREC" index --threads 65 "$TMP"
	[ "$status" -eq 2 ]
	run "$PCAPREC" index
	[ "$status" -eq 2 ]
	chmod 0555 "$TMP"
	if [ "$(id -u)" -ne 0 ]; then
		run "$PCAPREC" index "$TMP/corpus.pcap"
		[ "$status" -eq 1 ]
		grep -qF "cannot create its index" <<<"$output"
	fi
	chmod 0755 "$TMP"
}

@test "--chunk-size 4K: many chunks, still agreeing with the reader; the fuzz corpus of the loader replays clean" {
	run "$PCAPREC" index --chunk-size 4K "$TMP/flows.pcap"
	echo "$output"
	[ "$status" -eq 0 ]
	chunks=$(sed -n 's/.* packets, \([0-9]*\) chunks,.*/\1/p' <<<"$output")
	[ "$chunks" -ge 40 ]
	run "$PCAPREC" check --json "$TMP/flows.pcap"
	grep -qF '"index":"ok"' <<<"$output"
	run "$PCAPREC" index --chunk-size 1K "$TMP/flows.pcap"
	[ "$status" -eq 2 ]
	grep -qF -- "--chunk-size: expected a size from 4K to 64M, found '1K'" <<<"$output"
	run "$TOOLS/fuzz_index" "$BATS_TEST_DIRNAME/../fuzz/corpus/index"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qE '^replayed ([1-9][0-9]+) inputs' <<<"$output"
}

# ---- record indexes what it publishes (test network: two namespaces, veth) ----

rec_env() {
	rec_test_setup
	OUT="$BATS_TEST_TMPDIR/out"
	mkdir -p "$OUT"
}

# Every capture in $OUT has a sidecar that check finds sound and agreeing
# with the reader; no sidecar without its capture, no temporary left.
all_indexed() {
	local f n=0
	for f in "$OUT"/*; do
		case "$f" in
		*.pidx)
			[ -e "${f%.pidx}" ] || { echo "orphan sidecar $f"; return 1; } ;;
		*.part) ;;
		*)
			n=$((n + 1))
			run "$PCAPREC" check --json "$f"
			echo "$output"
			[ "$status" -eq 0 ]
			grep -qF '"index":"ok"' <<<"$output" || { echo "no sound index for $f"; return 1; } ;;
		esac
	done
	[ -z "$(find "$OUT" -name '.*pidx.tmp-*')" ]
	[ "$n" -ge "$1" ]
}

@test "record -C and -G: every published file has a valid index beside it; --no-index writes none" {
	rec_env
	rec_start "$NS_B" "$OUT/c-%n.pcapng" -i "$IF_B" -C 20K --flush-interval 100ms
	send_udp 600 IDXC
	sleep 0.4
	rec_stop
	[ "$REC_STATUS" -eq 0 ]
	ls -l "$OUT"
	all_indexed 3
	rm -f "$OUT"/*
	rec_start "$NS_B" "$OUT/g-%n.pcap" -i "$IF_B" -G 300ms --no-align
	for i in 1 2 3; do send_udp 50 "IDG$i"; sleep 0.35; done
	rec_stop
	[ "$REC_STATUS" -eq 0 ]
	all_indexed 3
	rm -f "$OUT"/*
	rec_start "$NS_B" "$OUT/n.pcap" -i "$IF_B" --no-index
	send_udp 20 NOIX
	sleep 0.3
	rec_stop
	[ "$REC_STATUS" -eq 0 ]
	[ -e "$OUT/n.pcap" ]
	[ -z "$(ls "$OUT" | grep pidx)" ]
}

@test "record -z gzip: every published file has a valid index; -W deletes a capture's index with it" {
	rec_env
	rec_start "$NS_B" "$OUT/z-%n.pcapng.gz" -i "$IF_B" --rotate-packets 400 -W 2 --flush-interval 50ms
	for i in 1 2 3 4; do send_udp 400 "IDZ$i"; sleep 0.1; done
	sleep 0.3
	rec_stop
	[ "$REC_STATUS" -eq 0 ]
	ls -l "$OUT"
	[ "$(ls "$OUT" | grep -c '\.gz$')" -eq 2 ]
	[ "$(ls "$OUT" | grep -c '\.gz\.pidx$')" -eq 2 ]
	grep -q 'deleted' "$REC_ERR"
	all_indexed 2
}

@test "record killed with -9: the leftover .part published at restart gets its index" {
	rec_env
	rec_start "$NS_B" "$OUT/k.pcapng" -i "$IF_B" --flush-interval 100ms
	send_udp 50 KIDX
	sleep 0.5
	kill -KILL "$REC_PID"
	wait "$REC_PID" || true
	REC_PID=
	[ -e "$OUT/k.pcapng.part" ]
	[ ! -e "$OUT/k.pcapng.pidx" ]
	rec_start "$NS_B" "$OUT/k.pcapng" -i "$IF_B"
	grep -q 'published leftover k.pcapng.part as k.pcapng' "$REC_ERR"
	rec_stop
	[ "$REC_STATUS" -eq 0 ]
	ls -l "$OUT"
	[ -s "$OUT/k.pcapng.pidx" ]
	all_indexed 2
}

@test "record -z gzip and -z zstd: one chunk per 1 MiB member, the same chunks the reader finds in the published file" {
	rec_env
	for z in gz zst; do
	rm -f "$OUT"/*
	rec_start "$NS_B" "$OUT/big.pcapng.$z" -i "$IF_B"
	timeout 60 ip netns exec "$NS_A" /usr/bin/python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3000):
    s.sendto(b"PCAPREC-BIG-%04d" % i + b"z" * 900, ("192.0.2.2", 40009 + i % 7))
    if i % 100 == 0:
        time.sleep(0.002)
'
	sleep 0.3
	rec_stop
	[ "$REC_STATUS" -eq 0 ]
	all_indexed 1
	/usr/bin/python3 "$BATS_TEST_DIRNAME/pidx_chunks.py" "$OUT/big.pcapng.$z.pidx" >"$OUT/../rec.txt"
	cat "$OUT/../rec.txt"
	[ "$(wc -l <"$OUT/../rec.txt")" -ge 2 ]
	cp "$OUT/big.pcapng.$z" "$OUT/../copy.pcapng.$z"
	"$PCAPREC" index -q -f "$OUT/../copy.pcapng.$z"
	/usr/bin/python3 "$BATS_TEST_DIRNAME/pidx_chunks.py" "$OUT/../copy.pcapng.$z.pidx" | diff "$OUT/../rec.txt" -
	done
}
