#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# SPDX-License-Identifier: BSD-2-Clause
# pcaprec summary counts tunnelled packets inside and outside, as tshark 4.0
# does: GRE (IPv4/IPv6/Ethernet/MPLS inside), VXLAN, Geneve, IP-in-IP, 6in4,
# IPv4 in IPv6, MPLS (one and two labels) and VXLAN inside GRE, compared with
# tshark -z conv,*/endpoints,*/io,phs on a generated capture.

ORACLE="$BATS_TEST_DIRNAME/../lib/summary_oracle.py"

setup() {
	T=$(mktemp -d)
	/usr/bin/python3 "$BATS_TEST_DIRNAME/summary_tunnels.py" "$T/tun.pcap" 2>/dev/null
	"$PCAPREC" summary --json --top 0 "$T/tun.pcap" >"$T/ours.json"
}

teardown() {
	rm -rf "$T"
}

oracle() {
	run /usr/bin/python3 "$ORACLE" "$@"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "tunnels: conversations and endpoints of every kind, inner and outer, agree with tshark" {
	for k in eth ip ipv6 tcp udp; do
		oracle conv "$k" "$T/ours.json" "$T/tun.pcap"
		oracle endpoints "$k" "$T/ours.json" "$T/tun.pcap"
	done
	# the inner conversations are there, not only the outer tunnel endpoints
	grep -q '"a":"198.51.100.1"' "$T/ours.json"
	grep -q '"a":"2001:db8:1::1"\|"b":"2001:db8:1::1"' "$T/ours.json"
}

@test "tunnels: the protocol hierarchy nests gre, vxlan, geneve, mpls and the inner layers as tshark's io,phs" {
	oracle phs "$T/ours.json" "$T/tun.pcap" eth,ip,ipv6,gre,vxlan,geneve,mpls,tcp,udp,icmp
	"$PCAPREC" summary "$T/tun.pcap" | grep -q 'gre'
}
