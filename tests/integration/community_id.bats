#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# Community ID v1 in summary --json conversations against tshark's communityid post-dissector.

HERE="$BATS_TEST_DIRNAME"

setup() {
	TMP=$(mktemp -d)
}

teardown() {
	rm -rf "$TMP"
}

cross() {
	local file=$1 seed=$2
	"$PCAPREC" summary --json --top 0 --community-id-seed "$seed" "$file" >"$TMP/s.json"
	tshark -n -r "$file" --enable-protocol communityid -o "communityid.seed:$seed" -T fields \
		-e ip.src -e ipv6.src -e tcp.srcport -e udp.srcport -e ip.dst -e ipv6.dst -e tcp.dstport \
		-e udp.dstport -e communityid >"$TMP/t.txt" 2>/dev/null
	/usr/bin/python3 "$HERE/community_id.py" "$TMP/s.json" "$TMP/t.txt"
}

@test "community id: every TCP and UDP conversation of summary --json equals tshark's, seeds 0 and 4711" {
	"$TOOLS/gencap" 300K "$TMP/g.pcap" 9
	local f seed
	for f in "$TESTDATA/flows.pcap" "$TESTDATA/corpus.pcapng" "$TMP/g.pcap"; do
		for seed in 0 4711; do
			run cross "$f" "$seed"
			[ "$status" -eq 0 ] || { echo "$f seed $seed: $output"; return 1; }
			[ "$output" -gt 0 ]
		done
	done
	run "$PCAPREC" summary --community-id-seed 65536 "$TESTDATA/flows.pcap"
	[ "$status" -eq 2 ]
}
