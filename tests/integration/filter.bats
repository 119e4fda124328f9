#!/usr/bin/env bats
# Filters end to end: pcaprec read --filter/-F/--bpf keeps what tcpdump -r
# keeps, -d prints what tcpdump -d prints, errors point at the column, and
# the kernel's checker accepts every program we generate.

load ../lib/netns

EXPRS=(
	"tcp port 80" "udp" "icmp or icmp6" "arp" "vlan" "vlan 100 and udp" "vlan and vlan and tcp"
	"host 192.0.2.1" "net 2001:db8::/32" "ip6 and tcp" "tcp[tcpflags] & (tcp-syn|tcp-ack) != 0"
	"ip[6:2] & 0x1fff != 0" "not ip and not ip6" "port 53 or 80 or 443" "less 60" "greater 100"
	"ether broadcast" "portrange 1-1024 and not src host 192.0.2.1" "ip6 proto 17" "ether proto 66"
)

# Timestamps of the packets each tool keeps.
ours() { "$PCAPREC" read -tt --nano "$@" | awk '/^[0-9]+\.[0-9]+ / { print $1 }'; }
theirs() { tcpdump -tt --nano -nn -r "$1" "$2" 2>/dev/null | awk '/^[0-9]+\.[0-9]+ / { print $1 }'; }

@test "read --filter keeps exactly the packets tcpdump -r keeps" {
	for f in corpus.pcap flows.pcap sll2.pcap raw.pcap null.pcap corpus.pcapng; do
		for e in "${EXPRS[@]}"; do
			if ! msg=$(tcpdump -r "$TESTDATA/$f" -d "$e" 2>&1 >/dev/null); then
				run "$PCAPREC" read --filter "$e" "$TESTDATA/$f"
				if [[ "$msg" == *"rejects all packets"* ]]; then
					# libpcap calls an always-false filter an error; we keep nothing.
					[ "$status" -eq 0 ] && [ -z "$output" ] || { echo "$f '$e': $output"; false; }
				else
					# libpcap refuses (vlan on SLL2...): so must we, with status 2.
					[ "$status" -eq 2 ] || { echo "$f '$e': $output"; false; }
				fi
				continue
			fi
			diff <(theirs "$TESTDATA/$f" "$e") <(ours --filter "$e" "$TESTDATA/$f") ||
				{ echo "differs: $f '$e'"; false; }
		done
	done
	# Not vacuous: the corpus has packets on both sides of most filters.
	[ "$(ours --filter 'tcp port 80' "$TESTDATA/corpus.pcap" | wc -l)" -eq 7 ]
}

@test "read -F FILE (with comments) and --bpf FILE from tcpdump -ddd" {
	printf '# web\ntcp port 80 # plain\n  or udp port 53\n' >"$BATS_TEST_TMPDIR/expr"
	diff <(theirs "$TESTDATA/corpus.pcap" "tcp port 80 or udp port 53") \
		<(ours -F "$BATS_TEST_TMPDIR/expr" "$TESTDATA/corpus.pcap")
	tcpdump -r "$TESTDATA/corpus.pcap" -ddd "vlan and (arp or udp)" >"$BATS_TEST_TMPDIR/prog" 2>/dev/null
	diff <(theirs "$TESTDATA/corpus.pcap" "vlan and (arp or udp)") \
		<(ours --bpf "$BATS_TEST_TMPDIR/prog" "$TESTDATA/corpus.pcap")
	[ "$(ours --bpf "$BATS_TEST_TMPDIR/prog" "$TESTDATA/corpus.pcap" | wc -l)" -gt 0 ]
	echo "3" >"$BATS_TEST_TMPDIR/bad"
	run "$PCAPREC" read --bpf "$BATS_TEST_TMPDIR/bad" "$TESTDATA/corpus.pcap"
	[ "$status" -eq 2 ]
	[[ "$output" == *"$BATS_TEST_TMPDIR/bad"*"line"* ]]
}

@test "a syntax error exits 2 with the column and a caret" {
	run "$PCAPREC" read --filter "tcp port http" "$TESTDATA/corpus.pcap"
	[ "$status" -eq 2 ]
	[[ "$output" == *"syntax error at column 10: port names are not supported"* ]]
	[[ "$output" == *"  tcp port http"* ]]
	[[ "$output" == *"           ^"* ]]
	run "$PCAPREC" read --filter "gateway 192.0.2.1" "$TESTDATA/corpus.pcap"
	[ "$status" -eq 2 ]
	[[ "$output" == *"'gateway' is not supported"*"--bpf"* ]]
	run "$PCAPREC" read --filter "vlan" "$TESTDATA/sll2.pcap"
	[ "$status" -eq 2 ]
	[[ "$output" == *"LINUX_SLL2"*"VLAN"* ]]
}

@test "-d output is tcpdump -d's, line for line, where the programs are the same" {
	for e in "tcp port 80" "udp dst port 53" "tcp[tcpflags] & (tcp-syn|tcp-ack) != 0" "icmp6" \
		"vlan 100 and udp" "host 192.0.2.1" "ip6 net 2001:db8::/36" "ether host 02:00:00:00:00:0a"; do
		diff <(tcpdump -r "$TESTDATA/corpus.pcap" -d "$e" 2>/dev/null) <("$TOOLS/filter_cc" 1 262144 "$e")
		diff <(tcpdump -r "$TESTDATA/corpus.pcap" -dd "$e" 2>/dev/null) <("$TOOLS/filter_cc" 1 262144 "$e" 2)
		diff <(tcpdump -r "$TESTDATA/corpus.pcap" -ddd "$e" 2>/dev/null) <("$TOOLS/filter_cc" 1 262144 "$e" 3)
	done
}

@test "read -d/-dd/-ddd print the program for the file's link type like tcpdump" {
	# (on raw.pcap ours is shorter: it does not reload the version byte)
	for f in corpus.pcap sll2.pcap null.pcap; do
		for l in d dd ddd; do
			diff <(tcpdump -r "$TESTDATA/$f" -$l "udp dst port 53" 2>/dev/null) \
				<("$PCAPREC" read -$l --filter "udp dst port 53" "$TESTDATA/$f")
		done
	done
	run "$PCAPREC" read -d "$TESTDATA/corpus.pcap"
	[ "$status" -eq 2 ]
}

@test "the kernel accepts every generated program (SO_ATTACH_FILTER, unbound socket, own netns)" {
	require_root
	list="$BATS_TEST_TMPDIR/exprs"
	"${BUILD_DIR:-$(dirname "$TOOLS")}/tests/test_filter_diff" --list >"$list"
	[ "$(wc -l <"$list")" -ge 400 ]
	for lt in 1 113 276 101 228 229 0 108; do
		run unshare --net "$TOOLS/bpf_attach" "$lt" <"$list"
		echo "$output"
		[ "$status" -eq 0 ]
		[[ "$output" == *"refused 0"* ]]
	done
}

@test "fuzz corpus replays cleanly" {
	run "$TOOLS/fuzz_filter_replay" "$BATS_TEST_DIRNAME"/../fuzz/corpus/filter/*
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"replayed"* ]]
}

@test "check --filter counts the packets tcpdump -r counts" {
	for e in "udp" "tcp port 80" "vlan and arp" "ip6 and not tcp" "ether broadcast"; do
		want=$(tcpdump -r "$TESTDATA/corpus.pcap" "$e" 2>/dev/null | grep -cE '^[0-9]+:')
		run "$PCAPREC" check --filter "$e" "$TESTDATA/corpus.pcap"
		[ "$status" -eq 0 ]
		[[ "$output" == *", $want match the filter"* ]] || { echo "'$e': want $want: $output"; false; }
		run "$PCAPREC" check --json --filter "$e" "$TESTDATA/corpus.pcap"
		[[ "$output" == *"\"matched\":$want"* ]]
	done
	run "$PCAPREC" check --filter "tcp port" "$TESTDATA/corpus.pcap"
	[ "$status" -eq 2 ]
	[[ "$output" == *"column 9"* ]]
}
