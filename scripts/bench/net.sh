# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=sh
# The live benchmarks' test network (live.sh, contention.sh): two namespaces
# joined by a veth pair (192.0.2.1 in A, 192.0.2.2 in B, no IPv6: its router
# solicitations would be counted as frames) and a tmpfs the recorders write
# to. Source after setting TMP and TOOLS; sets NS_A NS_B IF_A IF_B MNT.
#   bench_net_up TAG TMPFS_SIZE   make them (removed on exit and on a signal)
#   wait_bound PID                a packet socket in B is bound to IF_B
#   count_frames PREFIX           frames in the files PREFIX.* (libpcap)

bench_net_cleanup() {
	ip netns del "$NS_A" 2>/dev/null || true
	ip netns del "$NS_B" 2>/dev/null || true
	umount "$MNT" 2>/dev/null || true
	rmdir "$MNT" 2>/dev/null || true
}

bench_net_up() {
	id=$$
	NS_A="b${1}A$id"
	NS_B="b${1}B$id"
	IF_A="b${1}a$id"
	IF_B="b${1}b$id"
	MNT="$(realpath -m "$TMP")/$1-$id"
	# A signal (^C, a closed pipe such as `| head`) ends the run too, namespaces removed.
	trap bench_net_cleanup EXIT
	trap "bench_net_cleanup; trap - EXIT; exit 1" INT TERM HUP PIPE
	ip netns add "$NS_A"
	ip netns add "$NS_B"
	ip link add "$IF_A" netns "$NS_A" type veth peer name "$IF_B" netns "$NS_B"
	ip netns exec "$NS_A" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "$NS_B" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip -n "$NS_A" addr add 192.0.2.1/24 dev "$IF_A"
	ip -n "$NS_B" addr add 192.0.2.2/24 dev "$IF_B"
	ip -n "$NS_A" link set "$IF_A" up
	ip -n "$NS_B" link set "$IF_B" up
	mkdir -p "$MNT"
	mount -t tmpfs -o "size=$2" tmpfs "$MNT"
}

# wait_bound PID: waits until a packet socket in B is bound to IF_B with a
# protocol (what makes the kernel deliver frames to it), while PID lives.
# Returns 1 on timeout (BENCH_READY_TIMEOUT s, default 60) or when PID exits first.
wait_bound() {
	idx=$(ip netns exec "$NS_B" cat "/sys/class/net/$IF_B/ifindex")
	left=$((${BENCH_READY_TIMEOUT:-60} * 10))
	while [ "$left" -gt 0 ]; do
		kill -0 "$1" 2>/dev/null || return 1
		# /proc/net/packet: sk RefCnt Type Proto Iface ...
		ip netns exec "$NS_B" awk -v i="$idx" 'NR > 1 && $4 != "0000" && $5 == i { f = 1 } END { exit !f }' \
			/proc/net/packet && return 0
		sleep 0.1
		left=$((left - 1))
	done
	return 1
}

# Frames in every file the recorder left under prefix $1 (gzip and zstd decompressed).
count_frames() {
	n=0
	for f in "$1".*; do
		[ -f "$f" ] || continue
		case $f in
		*.pidx) continue ;;
		*.gz) c=$(zcat "$f" | "$TOOLS/pcaploop" - | cut -d' ' -f1) ;;
		*.zst) c=$(zstdcat "$f" | "$TOOLS/pcaploop" - | cut -d' ' -f1) ;;
		*) c=$("$TOOLS/pcaploop" "$f" | cut -d' ' -f1) ;;
		esac
		n=$((n + ${c:-0}))
	done
	echo "$n"
}
