# SPDX-License-Identifier: BSD-2-Clause
# Test network for capture tests (DESIGN.md "Test network"): two namespaces
# joined by a veth pair, 192.0.2.1/24 + 2001:db8::1/64 on side A and
# 192.0.2.2/24 + 2001:db8::2/64 on side B. Names are unique per test so
# tests may run side by side. Nothing here touches the host's interfaces.
#
#   netns_up          creates it; sets NS_A NS_B IF_A IF_B MAC_A MAC_B
#   netns_down        removes it (call from teardown; safe to call twice)
#   in_a CMD...       runs CMD inside namespace A (likewise in_b)

netns_up() {
	local id
	id="$(printf '%x%x' "$$" "$RANDOM" | tail -c 8)"
	NS_A="prA$id"
	NS_B="prB$id"
	IF_A="va$id"
	IF_B="vb$id"
	ip netns add "$NS_A" || return 1
	ip netns add "$NS_B" || { ip netns del "$NS_A"; return 1; }
	ip link add "$IF_A" netns "$NS_A" type veth peer name "$IF_B" netns "$NS_B" || { netns_down; return 1; }
	ip -n "$NS_A" link set lo up
	ip -n "$NS_B" link set lo up
	ip -n "$NS_A" addr add 192.0.2.1/24 dev "$IF_A"
	ip -n "$NS_B" addr add 192.0.2.2/24 dev "$IF_B"
	ip -n "$NS_A" addr add 2001:db8::1/64 dev "$IF_A" nodad
	ip -n "$NS_B" addr add 2001:db8::2/64 dev "$IF_B" nodad
	ip -n "$NS_A" link set "$IF_A" up
	ip -n "$NS_B" link set "$IF_B" up
	MAC_A=$(ip -n "$NS_A" -br link show "$IF_A" | awk '{print $3}')
	MAC_B=$(ip -n "$NS_B" -br link show "$IF_B" | awk '{print $3}')
	export NS_A NS_B IF_A IF_B MAC_A MAC_B
}

netns_down() {
	[ -n "${NS_A:-}" ] && ip netns del "$NS_A" 2>/dev/null
	[ -n "${NS_B:-}" ] && ip netns del "$NS_B" 2>/dev/null
	return 0
}

in_a() { ip netns exec "$NS_A" "$@"; }
in_b() { ip netns exec "$NS_B" "$@"; }

# Kill a process we started (by PID) with SIGINT and wait up to 10 s for it.
stop_pid() {
	local pid=$1 i
	kill -INT "$pid" 2>/dev/null || return 0
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# Fail the test unless running as root (capture tests never skip silently).
# PCAPREC_NO_CAPTURE_TESTS=1 (set by debian/rules only: a package build has
# no network privileges) skips it instead, counted as skipped, not passed.
require_root() {
	if [ "${PCAPREC_NO_CAPTURE_TESTS:-}" = 1 ]; then
		skip "capture test (PCAPREC_NO_CAPTURE_TESTS=1)"
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "capture tests need root (CAP_NET_RAW, CAP_NET_ADMIN)" >&2
		return 1
	fi
}
