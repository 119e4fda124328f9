#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# pcapng metadata of recorded files, read back with capinfos: shb_hardware
# (the CPU model, as /proc/cpuinfo has it), the SHB comment of
# --capture-comment, if_description from the interface alias, if_hardware
# (the driver) and if_speed where sysfs knows the speed, omitted where not.

load ../lib/netns
load ../lib/record

setup() { rec_test_setup; }
teardown() { rec_test_teardown; }

# capinfos' value of "KEY:" (section) or "KEY =" (interface #N when given as $3)
cap_field() {
	if [ -n "${3:-}" ]; then
		capinfos "$1" | sed -n "/^Interface #$3 info:/,/^Interface #/p" | sed -n "s/^ *$2 = //p" | head -1
	else
		capinfos "$1" | sed -n "s/^$2: *//p"
	fi
}

@test "pcapng metadata: CPU model, capture comment, interface alias, driver and speed, as capinfos shows them; speed and driver omitted where unknown" {
	local f=$OUT/m.pcapng cpu speed
	in_b ip link set "$IF_B" alias "pcaprec test uplink"
	rec_start "$NS_B" "$f" -i "$IF_B" -i lo --capture-comment "incident 42: ärger" -c 6
	send_udp 6 META
	wait "$REC_PID"
	REC_PID=
	capinfos "$f"
	cpu=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -1 | sed 's/[[:space:]]*$//')
	[ -n "$cpu" ]
	[ "$(cap_field "$f" 'Capture hardware')" = "$cpu" ]
	[ "$(cap_field "$f" 'Capture comment')" = "incident 42: ärger" ]
	[ "$(cap_field "$f" 'Capture application')" = "pcaprec $("$PCAPREC" --version | awk '{print $2}')" ]
	# interface 0: the veth, with its alias, driver and the speed sysfs reports
	[ "$(cap_field "$f" Name 0)" = "$IF_B" ]
	[ "$(cap_field "$f" Description 0)" = "pcaprec test uplink" ]
	[ "$(in_b ip -d -j link show "$IF_B" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["linkinfo"]["info_kind"])')" = veth ]
	[ "$(cap_field "$f" Hardware 0)" = veth ]
	speed=$(in_b cat "/sys/class/net/$IF_B/speed")
	[ "$speed" -gt 0 ]
	[ "$(cap_field "$f" Speed 0)" = "$((speed * 1000000))" ]
	# interface 1: lo has no alias, no driver and no speed (sysfs cannot read it): all omitted
	[ "$(cap_field "$f" Name 1)" = lo ]
	! in_b cat /sys/class/net/lo/speed 2>/dev/null
	[ -z "$(cap_field "$f" Speed 1)" ]
	[ -z "$(cap_field "$f" Description 1)" ]
	# tshark reads the file without a complaint
	[ "$(tshark -r "$f" 2>&1 >/dev/null | grep -vc "^Running as user")" -eq 0 ]
}

@test "--capture-comment is in every rotated file; more than 4096 bytes is a usage error" {
	local long
	rec_start "$NS_B" "$OUT/r.pcapng" -i "$IF_B" --capture-comment "rotated" --rotate-packets 3
	send_udp 9 ROT
	sleep 0.3
	rec_stop
	[ "$REC_STATUS" -eq 0 ]
	n=0
	for f in "$OUT"/r-*.pcapng; do
		[ "$(cap_field "$f" 'Capture comment')" = rotated ]
		n=$((n + 1))
	done
	[ "$n" -ge 3 ]
	long=$(head -c 4096 /dev/zero | tr '\0' c)
	run in_b "$PCAPREC" record -i "$IF_B" -w "$OUT/l.pcapng" --capture-comment "$long" -c 1 --duration 1s
	[ "$status" -eq 0 ]
	[ "$(cap_field "$OUT/l.pcapng" 'Capture comment')" = "$long" ]
	run in_b "$PCAPREC" record -i "$IF_B" -w "$OUT/x.pcapng" --capture-comment "${long}c"
	echo "$output"
	[ "$status" -eq 2 ]
	[ "$(echo "$output" | wc -l)" -eq 1 ]
	echo "$output" | grep -q -- '--capture-comment: 4097 bytes, want at most 4096'
	[ ! -e "$OUT/x.pcapng" ]
}
