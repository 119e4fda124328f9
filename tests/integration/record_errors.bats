#!/usr/bin/env bats
# pcaprec record refuses bad input clearly: unknown or down interface,
# existing or unwritable output, bad flag values, missing privilege.

load ../lib/netns
load ../lib/record

setup() {
	require_root
	netns_up
	OUT="$BATS_TEST_TMPDIR"
}

teardown() {
	[ -n "${CAPDIR:-}" ] && rm -rf "$CAPDIR"
	netns_down
}

@test "unknown interface: exit 1, names the interface, creates no file" {
	run in_b "$PCAPREC" record -i nosuch0 -w "$OUT/x.pcapng"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"no interface named 'nosuch0'"* ]]
	[ ! -e "$OUT/x.pcapng" ]
}

@test "interface down: exit 1, says it is down" {
	ip -n "$NS_B" link set "$IF_B" down
	run in_b "$PCAPREC" record -i "$IF_B" -w "$OUT/x.pcapng"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"'$IF_B' is down"* ]]
}

@test "an existing output file is never overwritten" {
	echo precious >"$OUT/old.pcapng"
	# the new capture takes the next free name (old-1.pcapng), see README "Rotation"
	run in_b "$PCAPREC" record -i "$IF_B" -w "$OUT/old.pcapng" -c 1 --duration 1s
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(cat "$OUT/old.pcapng")" = precious ]
	"$TOOLS/pktlist" "$OUT/old-1.pcapng" >/dev/null
}

@test "unwritable output path: exit 1 naming the path" {
	run in_b "$PCAPREC" record -i "$IF_B" -w "$OUT/no/such/dir/x.pcapng" -c 1
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"no/such/dir: No such file or directory"* ]]
}

@test "bad flag values: exit 2 naming the flag" {
	check() {
		local want=$1
		shift
		run in_b "$PCAPREC" record "$@"
		echo "$* -> $status: $output"
		[ "$status" -eq 2 ]
		[[ "$output" == *"$want"* ]]
	}
	check "-s/--snaplen" -i "$IF_B" -w "$OUT/x" -s abc
	check "-s/--snaplen" -i "$IF_B" -w "$OUT/x" -s 300000
	check "-c/--count" -i "$IF_B" -w "$OUT/x" -c 0
	check "-c/--count" -i "$IF_B" -w "$OUT/x" -c -5
	check "--duration" -i "$IF_B" -w "$OUT/x" --duration soon
	check "-B/--buffer" -i "$IF_B" -w "$OUT/x" -B lots
	check "--format" -i "$IF_B" -w "$OUT/x" --format pcapx
	check "-i IFACE is required" -w "$OUT/x"
	check "-w FILE is required" -i "$IF_B"
	check "filter:" -i "$IF_B" -w "$OUT/x" extra words
	check "unknown option '--bogus'" -i "$IF_B" -w "$OUT/x" --bogus
	[ ! -e "$OUT/x" ]
}

@test "two interfaces into pcap are refused: pcapng needed" {
	run in_b "$PCAPREC" record -i lo -i "$IF_B" -w "$OUT/two.pcap"
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *"need --format pcapng"* ]]
	run in_b "$PCAPREC" record -i lo -i "$IF_B" --format pcap-ns -w "$OUT/two.pcapng"
	[ "$status" -eq 2 ]
	[ ! -e "$OUT/two.pcap" ] && [ ! -e "$OUT/two.pcapng" ]
}

@test "without CAP_NET_RAW: exit 4 and the message names CAP_NET_RAW" {
	chmod 0777 "$OUT"
	run in_b setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
		"$PCAPREC" record -i "$IF_B" -w "$OUT/np.pcapng" -c 1
	echo "$output"
	[ "$status" -eq 4 ]
	[[ "$output" == *"needs CAP_NET_RAW"* ]]
	[[ "$output" == *"setcap cap_net_raw+ep pcaprec"* ]]
	[[ "$output" != *"cap_net_admin"* ]]
	[ ! -e "$OUT/np.pcapng" ]
	# root with every capability but CAP_NET_RAW (CAP_NET_ADMIN kept) cannot capture either
	run in_b capsh --drop=cap_net_raw -- -c "exec \"$PCAPREC\" record -i $IF_B -w $OUT/nr.pcapng -c 1"
	echo "$output"
	[ "$status" -eq 4 ]
	[[ "$output" == *"needs CAP_NET_RAW"*"setcap cap_net_raw+ep"* ]]
	[ ! -e "$OUT/nr.pcapng" ]
}

@test "the start line names the file created (taken name, .gz) and every interface's link type" {
	touch "$OUT/x.pcap"
	run in_b timeout 5 "$PCAPREC" record -i "$IF_B" -w "$OUT/x.pcap" --duration 0.2s
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"recording on $IF_B (EN10MB), snaplen 262144, to $OUT/x-1.pcap (pcap)"* ]]
	run in_b timeout 5 "$PCAPREC" record -i "$IF_B" -i lo -w "$OUT/g.pcapng" -z gzip --duration 0.2s
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"recording on $IF_B (EN10MB), lo (EN10MB), snaplen 262144, to $OUT/g.pcapng.gz (pcapng)"* ]]
	[ -e "$OUT/g.pcapng.gz" ] && [ -e "$OUT/x-1.pcap" ]
}

@test "durations take fractions: --duration 0.5s and 1.5 stop on time; bad ones are exit 2" {
	t0=$(date +%s%N)
	run in_b timeout 5 "$PCAPREC" record -i "$IF_B" -w "$OUT/d.pcapng" --duration 0.5s
	t1=$(date +%s%N)
	echo "$output $(( (t1 - t0) / 1000000 )) ms"
	[ "$status" -eq 0 ]
	[ $((t1 - t0)) -ge 500000000 ] && [ $((t1 - t0)) -lt 2000000000 ]
	t0=$(date +%s%N)
	run in_b timeout 5 "$PCAPREC" record -i "$IF_B" -w "$OUT/e.pcapng" --duration 1.5
	t1=$(date +%s%N)
	[ "$status" -eq 0 ]
	[ $((t1 - t0)) -ge 1500000000 ] && [ $((t1 - t0)) -lt 3000000000 ]
	for d in 0.5ns .5s 1.5.5s 0.1234567891s 213504d; do
		run in_b "$PCAPREC" record -i "$IF_B" -w "$OUT/f.pcapng" --duration "$d"
		[ "$status" -eq 2 ]
		[[ "$output" == *"--duration"* ]]
	done
}

@test "pcaprec interfaces lists the namespace's interfaces with link type and state" {
	run in_b "$PCAPREC" interfaces
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -E "^[0-9]+ +lo +EN10MB +up,running +127.0.0.1 ::1$"
	echo "$output" | grep -E "^[0-9]+ +$IF_B +EN10MB +up,running +192.0.2.2 2001:db8::2"
	echo "$output" | grep -E "^- +any +LINUX_SLL2"
	ip -n "$NS_B" link set "$IF_B" down
	run in_b "$PCAPREC" interfaces
	echo "$output" | grep -E "^[0-9]+ +$IF_B +EN10MB +down"
	run in_b "$PCAPREC" interfaces extra
	[ "$status" -eq 2 ]
}

@test "pcaprec interfaces lists devices without a hardware address (tun) with their link type" {
	ip -n "$NS_B" tuntap add dev prtun1 mode tun
	ip -n "$NS_B" link set prtun1 up
	idx=$(ip -n "$NS_B" -o link show prtun1 | cut -d: -f1)
	run in_b "$PCAPREC" interfaces
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -E "^$idx +prtun1 +RAW +up"
	ip -n "$NS_B" link set prtun1 down
	run in_b "$PCAPREC" interfaces
	echo "$output" | grep -E "^$idx +prtun1 +RAW +down"
}

@test "CAP_NET_RAW alone is enough; promiscuous while recording, undone after, never with -p" {
	# bats' own temporary directories are closed to other users
	CAPDIR=$(mktemp -d /tmp/pcaprec-caps.XXXXXX)
	chmod 0777 "$CAPDIR"
	promisc() { ip -n "$NS_B" -d link show "$IF_B" | grep -o 'promiscuity [0-9]*'; }
	[ "$(promisc)" = "promiscuity 0" ]
	ip netns exec "$NS_B" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=-all,+net_raw --ambient-caps=-all,+net_raw \
		"$PCAPREC" record -i "$IF_B" -w "$CAPDIR/raw.pcapng" --duration 3s 2>"$OUT/err" &
	pid=$!
	for i in $(seq 100); do grep -q 'recording on' "$OUT/err" && break; sleep 0.05; done
	[ "$(promisc)" = "promiscuity 1" ]
	in_a timeout 5 ping -c 2 -i 0.2 -W 1 192.0.2.2 >/dev/null
	wait "$pid"
	cat "$OUT/err"
	[ "$(promisc)" = "promiscuity 0" ]
	[ "$(tshark -r "$CAPDIR/raw.pcapng" -Y 'icmp.type == 8' 2>/dev/null | wc -l)" -eq 2 ]
	ip netns exec "$NS_B" "$PCAPREC" record -p -i "$IF_B" -w "$OUT/nop.pcapng" --duration 2s 2>"$OUT/err2" &
	pid=$!
	for i in $(seq 100); do grep -q 'recording on' "$OUT/err2" && break; sleep 0.05; done
	[ "$(promisc)" = "promiscuity 0" ]
	wait "$pid"
}

# Runs the recorder under strace with every socket() failing (so a ring can
# never be set up, whatever the binary does) and records the calls it tried.
rec_no_socket() {
	# LeakSanitizer cannot run under ptrace (SAN=1 builds)
	run in_b env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -o "$OUT/trace" -e trace=socket,setsockopt \
		-e inject=socket:error=EACCES "$PCAPREC" record "$@"
	echo "$* -> $status: $output"
}

@test "-B beyond half of MemAvailable (all -i together): exit 2 naming -B before any socket" {
	avail_kib=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
	for args in "-B 1T" "-B $((avail_kib / 10 * 6))" "-B $((avail_kib / 10 * 3)) -i lo"; do
		# shellcheck disable=SC2086
		rec_no_socket -i "$IF_B" $args -w "$OUT/big.pcapng"
		[ "$status" -eq 2 ]
		[[ "$output" == *"-B/--buffer"*"more than half of the"*"memory available"* ]]
		[ "$(echo "$output" | wc -l)" -eq 1 ]
		! grep -E 'socket\(|PACKET_RX_RING' "$OUT/trace"
	done
	[ ! -e "$OUT/big.pcapng" ]
	# a ring of a few MiB passes the check and reaches the sockets
	rec_no_socket -i "$IF_B" -B 4M -w "$OUT/small.pcapng" -c 1
	[ "$status" -ne 2 ]
	grep -q 'socket(' "$OUT/trace"
}

@test "a usage error is exit 2 whatever the interface: missing one, bad filter, -B, -Z" {
	rec_no_socket -i nosuch0 -w "$OUT/x.pcapng" -B 1T
	[ "$status" -eq 2 ]
	rec_no_socket -i nosuch0 -w "$OUT/x.pcapng" --filter 'port'
	[ "$status" -eq 2 ]
	[[ "$output" == *"filter:"* ]]
	rec_no_socket -i nosuch0 -w "$OUT/x.pcapng" -Z no-such-user-here
	[ "$status" -eq 2 ]
	[[ "$output" == *"no such user"* ]]
	# only a valid command line meets the interface
	run in_b "$PCAPREC" record -i nosuch0 -w "$OUT/x.pcapng" --filter 'udp port 53'
	[ "$status" -eq 1 ]
	[[ "$output" == *"no interface named 'nosuch0'"* ]]
	[ ! -e "$OUT/x.pcapng" ]
}
