#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# pcaprec flows: from the indexes the same rows as from the packets, ECS documents whose
# Community IDs are tshark's, packet counts that add up to tcpdump's; extract --community-id.

HERE="$BATS_TEST_DIRNAME"

setup() {
	TMP=$(mktemp -d)
	RING="$TMP/ring"
	mkdir "$RING"
	"$TOOLS/gencap" 2M "$TMP/g.pcap" 11
	editcap -c 800 "$TMP/g.pcap" "$RING/r.pcapng" >/dev/null
}

teardown() {
	rm -rf "$TMP"
}

@test "flows: the indexes give the rows a packet-by-packet read gives (with and without an expression), which said so" {
	local e
	for e in "" "host 198.18.0.112" "udp port 53" "vlan 101" "ip6"; do
		# shellcheck disable=SC2086
		"$PCAPREC" flows -r "$RING" $e >"$TMP/scan-$e" 2>"$TMP/err"
		grep -q "files read packet by packet (no usable index)" "$TMP/err"
	done
	"$PCAPREC" index "$RING" >/dev/null
	for e in "" "host 198.18.0.112" "udp port 53" "vlan 101" "ip6"; do
		# shellcheck disable=SC2086
		"$PCAPREC" flows -r "$RING" $e >"$TMP/idx" 2>"$TMP/err"
		[ ! -s "$TMP/err" ]
		[ -s "$TMP/idx" ]
		cmp "$TMP/scan-$e" "$TMP/idx" || { echo "'$e' differs"; diff "$TMP/scan-$e" "$TMP/idx" | head; return 1; }
	done
	# every IP packet is in one flow: the counts add up to tcpdump's
	local n
	n=$(tcpdump -nn -r "$TMP/g.pcap" 'ip or ip6 or (vlan and (ip or ip6))' 2>/dev/null | wc -l)
	[ "$(awk '{ s += $(NF - 5) } END { print s }' "$TMP/scan-")" -eq "$n" ]
}

@test "flows: a window cutting a flow, or an expression past the 5-tuple or of one direction: the rows a packet-by-packet read gives" {
	cp "$TESTDATA/flows.pcap" "$TMP/f.pcap"
	"$PCAPREC" index "$TMP/f.pcap" >/dev/null
	# 22:14:17.030 falls inside a 21-packet TCP flow (17.027487..17.035354); the index row counted
	# all 21 and the direction of its first packet, which lies before the window
	local w
	for w in "--since 2023-11-14T22:14:17.030Z" "--until 2023-11-14T22:14:17.030Z" \
		 "--since 2023-11-14T22:13:40Z --until 2023-11-14T22:13:50Z"; do
		# shellcheck disable=SC2086
		"$PCAPREC" flows --no-index -r "$TMP/f.pcap" $w >"$TMP/scan" 2>/dev/null
		# shellcheck disable=SC2086
		"$PCAPREC" flows -r "$TMP/f.pcap" $w >"$TMP/idx" 2>/dev/null
		[ -s "$TMP/scan" ]
		diff "$TMP/scan" "$TMP/idx"
	done
	"$PCAPREC" flows -r "$TMP/f.pcap" --since 2023-11-14T22:14:17.030Z | grep -F "203.0.113.9:80 > 203.0.113.7:33405 vlan - 14 pkts"
	# expressions a row's headers cannot answer whole: flags, lengths, one direction (the old
	# binary: 0 rows for the SYN and len expressions, whole flows for src/dst)
	local e
	for e in "tcp[13] & 2 != 0" "port 80 and len > 100" "src host 192.0.2.3" "dst port 80" \
		 "tcp[13] & 2 != 0 and host 192.0.2.3" "host 192.0.2.3" "udp and port 7777" "not tcp"; do
		"$PCAPREC" flows --no-index -r "$TMP/f.pcap" "$e" >"$TMP/scan" 2>/dev/null
		"$PCAPREC" flows -r "$TMP/f.pcap" "$e" >"$TMP/idx" 2>"$TMP/err"
		[ -s "$TMP/scan" ] || { echo "no rows for $e"; return 1; }
		diff "$TMP/scan" "$TMP/idx"
	done
	# ... while those it can answer still come from the index
	! grep -q "packet by packet" "$TMP/err"
}

@test "flows --json: a file name with a quote and a byte that is not UTF-8 stays strict JSON" {
	local name
	name="$TMP/$(printf 'q"\377x.pcap')"
	cp "$TESTDATA/flows.pcap" "$name"
	"$PCAPREC" index "$name" >/dev/null
	for ni in "" --no-index; do
		# shellcheck disable=SC2086
		"$PCAPREC" flows --json $ni -r "$name" udp >"$TMP/j"
		[ -s "$TMP/j" ]
		python3 -c 'import json, sys
import os
want = os.fsencode(sys.argv[2]).decode("latin-1")   # the \377 byte as \u00ff, the rest ASCII
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8", errors="strict")]
assert all(r["pcaprec"]["files"] == [want] for r in rows), rows[0]["pcaprec"]' "$TMP/j" "$name"
	done
}

@test "flows --json: ECS documents, one per line, Community IDs equal tshark's (seed 0 and 7)" {
	"$PCAPREC" index "$RING" >/dev/null
	local seed
	for seed in 0 7; do
		"$PCAPREC" flows -r "$RING" --json --community-id-seed "$seed" >"$TMP/f.json"
		/usr/bin/python3 -c '
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    for k in ("source", "destination", "network", "event", "pcaprec"):
        assert k in d, k
    assert d["event"]["start"] <= d["event"]["end"]
    assert d["network"]["packets"] > 0 and d["network"]["bytes"] > 0
    assert d["pcaprec"]["files"]
' "$TMP/f.json"
		tshark -n -r "$TMP/g.pcap" --enable-protocol communityid -o "communityid.seed:$seed" -T fields \
			-e ip.src -e ipv6.src -e tcp.srcport -e udp.srcport -e ip.dst -e ipv6.dst -e tcp.dstport \
			-e udp.dstport -e communityid >"$TMP/t.txt" 2>/dev/null
		run /usr/bin/python3 "$HERE/community_id.py" "$TMP/f.json" "$TMP/t.txt"
		[ "$status" -eq 0 ] || { echo "$output"; return 1; }
		[ "$output" -gt 100 ]
	done
}

@test "extract --community-id: the packets of that flow, as tcpdump selects its 5-tuple" {
	"$PCAPREC" index "$RING" >/dev/null
	local line cid src sport dst dport proto
	line=$("$PCAPREC" flows -r "$RING" --json 'tcp and host 198.18.0.112' | head -1)
	cid=$(echo "$line" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["network"]["community_id"])')
	read -r src sport dst dport proto < <(echo "$line" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["source"]["ip"], d["source"]["port"], d["destination"]["ip"], d["destination"]["port"], d["network"]["transport"])')
	"$PCAPREC" extract -q -r "$RING" --community-id "$cid" -w "$TMP/c.pcapng"
	tcpdump -nn -r "$TMP/g.pcap" -w "$TMP/ref.pcap" "$proto and host $src and host $dst and port $sport and port $dport" 2>/dev/null
	"$TOOLS/pktlist" "$TMP/ref.pcap" | cut -d' ' -f2- >"$TMP/want"
	"$TOOLS/pktlist" "$TMP/c.pcapng" | cut -d' ' -f2- >"$TMP/got"
	[ -s "$TMP/want" ]
	# microsecond source: compare the times at that precision
	sed -E 's/^([0-9]+\.[0-9]{6})000 /\1 /' "$TMP/got" | cmp - <(sed -E 's/^([0-9]+\.[0-9]{6})000 /\1 /' "$TMP/want")
	# a ring without ICMP (whose IDs the index cannot know): the flow tables rule files out
	mkdir "$TMP/noicmp"
	tcpdump -nn -r "$TMP/g.pcap" -w "$TMP/tu.pcap" 'tcp or udp' 2>/dev/null
	editcap -c 800 "$TMP/tu.pcap" "$TMP/noicmp/r.pcapng" >/dev/null
	"$PCAPREC" extract -q -r "$TMP/noicmp" --community-id "$cid" -w "$TMP/c1.pcapng"
	"$PCAPREC" index "$TMP/noicmp" >/dev/null
	run "$PCAPREC" extract -r "$TMP/noicmp" --community-id "$cid" -w "$TMP/c2.pcapng"
	[[ "$output" =~ files:\ ([1-9][0-9]*)\ skipped\ thanks\ to\ the\ index ]] || { echo "$output"; return 1; }
	cmp "$TMP/c1.pcapng" "$TMP/c2.pcapng"
	"$TOOLS/pktlist" "$TMP/c2.pcapng" | cut -d' ' -f2- | sed -E 's/^([0-9]+\.[0-9]{6})000 /\1 /' |
		cmp - <(sed -E 's/^([0-9]+\.[0-9]{6})000 /\1 /' "$TMP/want")
	run "$PCAPREC" extract -r "$RING" --community-id "1:nope" -w /dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"--community-id: '1:nope' is not a Community ID v1"* ]]
}
