#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# pcaprec summary against capinfos and tshark (-z conv/endpoints/io,phs) on the
# project's captures, their pcapng conversions, gzip, stdin, merged files,
# a damaged file, and a capture with more flows than the flow table may hold.

ORACLE="$BATS_TEST_DIRNAME/../lib/summary_oracle.py"
# Wireshark reassembles IP fragments and counts the datagram at its last
# fragment; pcaprec counts every frame where it is. Compare without reassembly.
NODEFRAG=(-o ip.defragment:FALSE -o ipv6.defragment:FALSE)

setup() {
	T=$(mktemp -d)
}

teardown() {
	rm -rf "$T"
}

# summary_json FILE...: our JSON with every row into $T/ours.json
summary_json() {
	run "$PCAPREC" summary --json --top 0 "$@"
	echo "$output" | head -c 2000
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/ours.json"
}

# oracle ARGS...: run the comparison, show what it compared or where it differs
oracle() {
	run /usr/bin/python3 "$ORACLE" "$@"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "totals agree with capinfos on every testdata capture and a pcapng conversion" {
	editcap -F pcapng "$TESTDATA/flows.pcap" "$T/flows.pcapng"
	for f in flows.pcap corpus.pcap corpus-ns.pcap corpus.pcapng sll2.pcap raw.pcap null.pcap; do
		summary_json "$TESTDATA/$f"
		oracle totals "$T/ours.json" "$TESTDATA/$f"
	done
	summary_json "$T/flows.pcapng"
	oracle totals "$T/ours.json" "$T/flows.pcapng"
}

@test "flows.pcap: every conversation and endpoint agrees with tshark -z conv/endpoints" {
	summary_json "$TESTDATA/flows.pcap"
	for k in eth ip ipv6 tcp udp; do
		oracle conv "$k" "$T/ours.json" "$TESTDATA/flows.pcap"
	done
	for k in eth ip ipv6 tcp udp; do
		oracle endpoints "$k" "$T/ours.json" "$TESTDATA/flows.pcap"
	done
}

@test "pcapng conversion of flows.pcap: conversations agree with tshark" {
	editcap -F pcapng "$TESTDATA/flows.pcap" "$T/flows.pcapng"
	summary_json "$T/flows.pcapng"
	for k in ip ipv6 tcp udp; do
		oracle conv "$k" "$T/ours.json" "$T/flows.pcapng"
	done
	oracle endpoints ip "$T/ours.json" "$T/flows.pcapng"
}

@test "corpus: conversations and endpoints agree with tshark (IPv6 routing headers and later fragments aside)" {
	# tshark gives UDP after a routing header the routing header's final
	# address, and leaves non-first IPv6 fragments out of conv,ipv6; pcaprec
	# uses the addresses in the IPv6 header for both. Those 4 frames aside:
	tshark -r "$TESTDATA/corpus.pcap" "${NODEFRAG[@]}" -Y '!(ipv6.routing || ipv6.fraghdr.offset > 0)' \
		-w "$T/corpus.pcap" -F pcap 2>/dev/null
	[ "$(capinfos -c -M "$T/corpus.pcap" | awk '/packets/ {print $NF}')" -eq 66 ]
	summary_json "$T/corpus.pcap"
	for k in eth ip ipv6 tcp udp; do
		oracle conv "$k" "$T/ours.json" "$T/corpus.pcap" "${NODEFRAG[@]}"
	done
	for k in eth ip ipv6 tcp udp; do
		oracle endpoints "$k" "$T/ours.json" "$T/corpus.pcap" "${NODEFRAG[@]}"
	done
}

@test "Linux cooked v2, raw IP and BSD loopback captures: conversations, endpoints and hierarchy agree with tshark" {
	for f in sll2.pcap raw.pcap null.pcap; do
		summary_json "$TESTDATA/$f"
		for k in ip ipv6 tcp udp; do
			oracle conv "$k" "$T/ours.json" "$TESTDATA/$f"
		done
		oracle endpoints ip "$T/ours.json" "$TESTDATA/$f"
		oracle phs "$T/ours.json" "$TESTDATA/$f" ip,ipv6,tcp,udp,icmp,icmpv6,arp
	done
}

@test "protocol hierarchy agrees with tshark -z io,phs (flows; corpus frames captured whole)" {
	summary_json "$TESTDATA/flows.pcap"
	oracle phs "$T/ours.json" "$TESTDATA/flows.pcap" eth,ip,ipv6,tcp,udp,icmp,icmpv6,arp,vlan,ieee8021ad,llc
	# Where a cut frame's _ws.short lands depends on how deep tshark's
	# dissectors read the payload; compare on frames captured whole.
	tshark -r "$TESTDATA/corpus.pcap" -Y 'frame.cap_len == frame.len' -w "$T/whole.pcap" -F pcap 2>/dev/null
	summary_json "$T/whole.pcap"
	oracle phs "$T/ours.json" "$T/whole.pcap" eth,ip,ipv6,tcp,udp,icmp,icmpv6,arp,vlan,ieee8021ad,llc "${NODEFRAG[@]}"
}

@test "tcp flag counts agree with tshark display filters" {
	summary_json "$TESTDATA/flows.pcap"
	count() { tshark -r "$TESTDATA/flows.pcap" -Y "$1" 2>/dev/null | wc -l; }
	syn=$(count 'tcp.flags.syn == 1 && tcp.flags.ack == 0')
	synack=$(count 'tcp.flags.syn == 1 && tcp.flags.ack == 1')
	rst=$(count 'tcp.flags.reset == 1')
	fin=$(count 'tcp.flags.fin == 1')
	run /usr/bin/python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["reports"][0]["tcp_flags"]; print(f["syn"], f["synack"], f["rst"], f["fin"])' "$T/ours.json"
	echo "ours: $output; tshark: $syn $synack $rst $fin"
	[ "$output" = "$syn $synack $rst $fin" ]
	[ "$syn" -gt 0 ] && [ "$fin" -gt 0 ]
}

@test "gzip on stdin gives the same summary as the plain file" {
	summary_json "$TESTDATA/flows.pcap"
	cp "$T/ours.json" "$T/plain.json"
	gzip -c "$TESTDATA/flows.pcap" >"$T/flows.pcap.gz"
	run sh -c "\"$PCAPREC\" summary --json --top 0 - <\"$T/flows.pcap.gz\""
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/gz.json"
	run /usr/bin/python3 - "$T/plain.json" "$T/gz.json" <<'EOF'
import json, sys
a, b = (json.load(open(p))["reports"][0] for p in sys.argv[1:3])
assert b["files"][0]["compressed"] is True, b["files"][0]
for k in ("totals", "protocols", "conversations", "endpoints", "ports", "time_series", "tcp_flags"):
    assert a[k] == b[k], k
print("same")
EOF
	echo "$output"
	[ "$output" = "same" ]
}

@test "--merge of a capture split in two equals the capture (tshark oracle); without it, one report per file" {
	editcap -c 1000 "$TESTDATA/flows.pcap" "$T/part.pcap"
	parts=("$T"/part*.pcap)
	[ "${#parts[@]}" -eq 3 ]
	# give them in reverse order: merging is by time, not by argument order
	summary_json --merge "${parts[2]}" "${parts[1]}" "${parts[0]}"
	for k in ip ipv6 tcp udp; do
		oracle conv "$k" "$T/ours.json" "$TESTDATA/flows.pcap"
	done
	run /usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["reports"]; print(len(r), len(r[0]["files"]), r[0]["totals"]["packets"])' "$T/ours.json"
	[ "$output" = "1 3 2063" ]
	run "$PCAPREC" summary --json "${parts[@]}"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/sep.json"
	run /usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["reports"]; print(len(r), [x["totals"]["packets"] for x in r])' "$T/sep.json"
	echo "$output"
	[ "$output" = "3 [1000, 1000, 63]" ]
}

@test "--max-flows 100 on 5000 UDP conversations: folds the rest, reports it, totals stay exact" {
	/usr/bin/python3 "$BATS_TEST_DIRNAME/summary_manyflows.py" "$T/many.pcap" 5000
	[ "$(tshark -r "$T/many.pcap" -q -z conv,udp 2>/dev/null | grep -c '<->')" -eq 5000 ]
	summary_json --max-flows 100 "$T/many.pcap"
	oracle totals "$T/ours.json" "$T/many.pcap"
	run /usr/bin/python3 - "$T/ours.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["reports"][0]
assert r["limits"]["flows_tracked"] == 100, r["limits"]
assert r["limits"]["flow_table_bytes"] < 100 * 1024, r["limits"]
for kind in ("eth", "ip", "udp"):
    c = r["conversations"][kind]
    tracked = sum(x["frames"] for x in c["rows"])
    assert tracked + c["folded_packets"] == r["totals"]["packets"], (kind, tracked, c["folded_packets"])
    assert sum(x["bytes"] for x in c["rows"]) + c["folded_bytes"] == r["totals"]["data_bytes"], kind
assert r["conversations"]["udp"]["folded_packets"] > 9000
print("folded ok")
EOF
	echo "$output"
	[ "$output" = "folded ok" ]
	run "$PCAPREC" summary --max-flows 100 "$T/many.pcap"
	[ "$status" -eq 0 ]
	echo "$output" | grep -E 'FULL, further flows folded into "other": .*ip 9900 packets.*udp 9902 packets'
}

@test "--threads 1 and the default two threads give byte-identical reports (text, JSON, folding, filter, merge, pcapng, gzip)" {
	# 8 MiB: about 13000 packets, a dozen batches handed between the threads
	"$TOOLS/gencap" 8M "$T/g.pcap"
	editcap -F pcapng "$T/g.pcap" "$T/g.pcapng"
	gzip -c "$T/g.pcap" >"$T/g.pcap.gz"
	n=0
	for f in "$T/g.pcap" "$T/g.pcapng" "$T/g.pcap.gz" "$TESTDATA/corpus.pcap" "$TESTDATA/flows.pcap"; do
		for o in "" "--json -n 0" "--max-flows 500 -n 0" "--json --max-flows 40 -n 0" "--filter udp -I 1ms"; do
			# shellcheck disable=SC2086
			"$PCAPREC" summary --no-progress --threads 1 $o "$f" >"$T/one.out"
			# shellcheck disable=SC2086
			"$PCAPREC" summary --no-progress $o "$f" >"$T/two.out"
			cmp "$T/one.out" "$T/two.out"
			n=$((n + 1))
		done
	done
	"$PCAPREC" summary --no-progress --threads 1 --json -n 0 --merge "$T/g.pcapng" "$TESTDATA/flows.pcap" >"$T/one.out"
	"$PCAPREC" summary --no-progress --threads 2 --json -n 0 --merge "$T/g.pcapng" "$TESTDATA/flows.pcap" >"$T/two.out"
	cmp "$T/one.out" "$T/two.out"
	grep -q '"folded_packets":[1-9]' <("$PCAPREC" summary --no-progress --json --max-flows 40 "$T/g.pcap")
	[ "$n" -eq 25 ]
	run "$PCAPREC" summary --threads 3 "$T/g.pcap"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--threads: '3' is not 1 or 2"* ]]
}

@test "damaged file: summarizes every good packet, reports the offset, exits 3" {
	size=$(stat -c %s "$TESTDATA/flows.pcap")
	head -c $((size - 30)) "$TESTDATA/flows.pcap" >"$T/cut.pcap"
	good=$(tshark -r "$T/cut.pcap" -T fields -e frame.number 2>/dev/null | wc -l)
	[ "$good" -eq 2062 ]
	run --separate-stderr "$PCAPREC" summary --json "$T/cut.pcap"
	[ "$status" -eq 3 ]
	[[ "$stderr" == *cut.pcap*byte* ]]
	printf '%s\n' "$output" >"$T/ours.json"
	run /usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["reports"][0]; print(r["totals"]["packets"]); print(r["damage"]["error"])' "$T/ours.json"
	echo "$output"
	[ "${lines[0]}" -eq "$good" ]
	[[ "${lines[1]}" == *cut.pcap*byte* ]]
	run "$PCAPREC" summary "$T/cut.pcap"
	[ "$status" -eq 3 ]
	[[ "$output" == *"Number of packets:   $good"* ]]
	[[ "$output" == *"READ ERROR:"* ]]
}

@test "text report: capinfos layout, tables, and a unicode chart only on a terminal" {
	run "$PCAPREC" summary "$TESTDATA/flows.pcap"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Number of packets:   2063"* ]]
	[[ "$output" == *"TCP Conversations (10 of 100, by bytes)"* ]]
	[[ "$output" == *"Protocol Hierarchy Statistics"* ]]
	[[ "$output" != *"█"* ]]
	run script -qec "\"$PCAPREC\" summary --top 3 \"$TESTDATA/flows.pcap\"" /dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *"█"* ]]
	[[ "$output" == *"TCP Conversations (3 of 100, by bytes)"* ]]
}

@test "time series: buckets add up, automatic interval is round and gives at most 60 rows, --interval honoured" {
	summary_json "$TESTDATA/flows.pcap"
	run /usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["reports"][0]; t = r["time_series"]
assert sum(t["packets"]) == r["totals"]["packets"] and sum(t["bytes"]) == r["totals"]["data_bytes"]
assert 20 <= len(t["packets"]) <= 60, len(t["packets"])
print(t["interval_ns"])' "$T/ours.json"
	echo "$output"
	[ "$output" = "1000000000" ]
	summary_json --interval 10s "$TESTDATA/flows.pcap"
	run /usr/bin/python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))["reports"][0]["time_series"]
print(t["interval_ns"], len(t["packets"]), sum(t["packets"]))' "$T/ours.json"
	[ "$output" = "10000000000 6 2063" ]
	# packets per 10 s as tshark counts them
	run sh -c "tshark -r \"$TESTDATA/flows.pcap\" -q -z io,stat,10 2>/dev/null | grep -E '^\\| *[0-9]+ <> ' | awk -F'|' '{gsub(/ /,\"\",\$3); print \$3}' | tr '\n' ' '"
	want=$output
	run /usr/bin/python3 -c 'import json,sys; print(" ".join(str(x) for x in json.load(open(sys.argv[1]))["reports"][0]["time_series"]["packets"]) + " ")' "$T/ours.json"
	echo "ours: $output tshark: $want"
	[ "$output" = "$want" ]
}

@test "--filter counts exactly the packets libpcap's filter passes (tcpdump oracle)" {
	for expr in 'tcp port 80' 'udp or icmp6' 'ip6 and tcp' 'tcp[tcpflags] & tcp-syn != 0' 'host 192.0.2.20'; do
		tcpdump -r "$TESTDATA/flows.pcap" -w "$T/f.pcap" "$expr" 2>/dev/null
		summary_json --filter "$expr" "$TESTDATA/flows.pcap"
		oracle totals "$T/ours.json" "$T/f.pcap"
		for k in ip ipv6 tcp udp; do
			ORACLE_ALLOW_EMPTY=1 oracle conv "$k" "$T/ours.json" "$T/f.pcap"
		done
	done
	run "$PCAPREC" summary --filter 'tcp port' "$TESTDATA/flows.pcap"
	[ "$status" -eq 2 ]
	[[ "$output" == *"column"* ]]
}

@test "pcapng interface statistics: drop counts as the Interface Statistics Block holds them" {
	summary_json "$TESTDATA/corpus.pcapng"
	/usr/bin/python3 "$BATS_TEST_DIRNAME/../lib/isb_sum.py" --opts "$TESTDATA/corpus.pcapng" >"$T/isb.json"
	run /usr/bin/python3 - "$T/isb.json" "$T/ours.json" <<'EOF'
import json, sys
# the last ISB per interface, as an independent walk over the blocks found it
isb = {int(k): {int(c): v for c, v in o.items()} for k, o in json.load(open(sys.argv[1])).items()}
assert isb, "no ISB in the file"
r = json.load(open(sys.argv[2]))["reports"][0]
for i, opts in isb.items():
    st = r["files"][0]["interfaces"][i]["stats"]
    want = {"ifrecv": opts.get(4), "ifdrop": opts.get(5), "osdrop": opts.get(7),
            "filteraccept": opts.get(6), "usrdeliv": opts.get(8),
            "lost": opts.get(5, 0) + opts.get(7, 0) if 5 in opts or 7 in opts else None}
    assert st == want, (st, want)
    print("interface", i, want)
EOF
	echo "$output"
	[ "$status" -eq 0 ]
	run "$PCAPREC" summary "$TESTDATA/corpus.pcapng"
	[[ "$output" == *"statistics block: 73 received, 2 dropped by interface, 1 dropped by OS/recorder; lost 3 (4.11% of 73)"* ]]
}

@test "bad usage and unreadable input give clear errors and exit codes" {
	run "$PCAPREC" summary --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--max-flows"* ]]
	run "$PCAPREC" summary
	[ "$status" -eq 2 ]
	run "$PCAPREC" summary --top x "$TESTDATA/flows.pcap"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--top"* ]]
	run "$PCAPREC" summary --interval 0s "$TESTDATA/flows.pcap"
	[ "$status" -eq 2 ]
	run "$PCAPREC" summary --max-flows 0 "$TESTDATA/flows.pcap"
	[ "$status" -eq 2 ]
	run "$PCAPREC" summary "$T/missing.pcap"
	[ "$status" -eq 1 ]
	[[ "$output" == *missing.pcap* ]]
	printf 'not a capture file at all' >"$T/junk"
	run "$PCAPREC" summary "$T/junk"
	[ "$status" -eq 3 ]
	[[ "$output" == *"junk: byte 0: file header: not a capture file"* ]]
}
