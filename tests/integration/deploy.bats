#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# The deployment examples as shipped: scripts/pcaprec.service is checked by
# systemd-analyze verify and its ExecStart/ExecReload/KillSignal are run as
# systemd would run them (as an ordinary user with only the unit's ambient
# capability, its UMask, on a veth in a namespace; this machine has no
# systemd as PID 1, so systemd itself cannot start the unit); and
# scripts/cron-example.sh is run twice against a live recorder. Files are
# checked with libpcap (pktlist) and capinfos.

load ../lib/netns
load ../lib/record

UNIT=scripts/pcaprec.service
CRON=scripts/cron-example.sh

setup() {
	rec_test_setup
	MNT=
	DIRS=
}

teardown() {
	rec_test_teardown
	[ -n "${MNT:-}" ] && umount "$MNT" 2>/dev/null
	[ -n "${DIRS:-}" ] && rm -rf "$DIRS"
	return 0
}

# Every word starting with "-" in ARGS appears as a flag in HELPTEXT (a file).
flags_documented() {
	local help=$1 w bad=0
	shift
	for w in "$@"; do
		case $w in
		--*) grep -qE -- "(^|[ ,])$w( |,|$)" "$help" || { echo "flag $w not in --help"; bad=1; } ;;
		-*) grep -qE -- "(^|[ ,])$w( |,|$)" "$help" || { echo "flag $w not in --help"; bad=1; } ;;
		esac
	done
	return $bad
}

@test "pcaprec.service passes systemd-analyze verify (no warning) and its flags are in record --help" {
	command -v systemd-analyze
	mkdir -p "$OUT/unit/man/man1"
	# The unit names /usr/local/bin/pcaprec and man:pcaprec(1); point both at this tree.
	sed "s#/usr/local/bin/pcaprec#$PCAPREC#" "$UNIT" >"$OUT/unit/pcaprec.service"
	cp man/pcaprec.1 "$OUT/unit/man/man1/"
	run env MANPATH="$OUT/unit/man" systemd-analyze verify "$OUT/unit/pcaprec.service"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# the check itself is not blind: a misspelt key is reported
	sed 's/^ProtectSystem=/ProtectSytem=/' "$OUT/unit/pcaprec.service" >"$OUT/unit/bad.service"
	run systemd-analyze verify --man=no "$OUT/unit/bad.service"
	echo "$output" | grep -q "Unknown key 'ProtectSytem'"
	mapfile -t argv < <(/usr/bin/python3 tests/integration/unit_field.py "$UNIT" ExecStart)
	[ "${argv[1]}" = record ]
	"$PCAPREC" record --help >"$OUT/help.txt"
	flags_documented "$OUT/help.txt" "${argv[@]:2}"
	[ "$(/usr/bin/python3 tests/integration/unit_field.py "$UNIT" KillSignal)" = SIGINT ]
}

@test "pcaprec.service's command runs as an ordinary user with the unit's capabilities: reload publishes, stop publishes the last file" {
	local caps st run pid pidfile
	# StateDirectory and RuntimeDirectory as systemd makes them (owned by the
	# user, StateDirectoryMode); the state directory on its own 8 GiB tmpfs so
	# --min-free 5G is met whatever the machine's disks hold.
	DIRS=$(mktemp -d /tmp/pcaprec-unit.XXXXXX)
	st="$DIRS/state"
	run="$DIRS/run"
	mkdir -p "$st" "$run"
	MNT=$st
	mount -t tmpfs -o size=8g,mode=0750 tmpfs "$st"
	chown nobody:nogroup "$st" "$run"
	chmod 0755 "$DIRS"
	caps=$(/usr/bin/python3 tests/integration/unit_field.py "$UNIT" AmbientCapabilities |
		tr 'A-Z ' 'a-z,' | sed 's/cap_//g')
	[ "$caps" = net_raw ]
	[ "$(/usr/bin/python3 tests/integration/unit_field.py "$UNIT" CapabilityBoundingSet)" = CAP_NET_RAW ]
	[ "$(/usr/bin/python3 tests/integration/unit_field.py "$UNIT" User)" = pcaprec ]
	umask=$(/usr/bin/python3 tests/integration/unit_field.py "$UNIT" UMask)
	mapfile -t argv < <(/usr/bin/python3 tests/integration/unit_field.py "$UNIT" ExecStart \
		PCAPREC_IFACE="$IF_B" --map /usr/local/bin/pcaprec="$PCAPREC" \
		--map /var/lib/pcaprec/="$st/" --map /run/pcaprec/="$run/")
	printf '%s\n' "${argv[@]}"
	pidfile="${argv[-1]}"
	REC_ERR="$OUT/rec.err"
	# User=pcaprec is played by nobody
	ip netns exec "$NS_B" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=-all,+"$caps" --ambient-caps=-all,+"$caps" --bounding-set=-all,+"$caps" \
		sh -c 'umask "$0"; exec "$@"' "$umask" "${argv[@]}" 2>"$REC_ERR" &
	REC_PID=$!
	for i in $(seq 100); do grep -q 'recording on' "$REC_ERR" && break; sleep 0.05; done
	cat "$REC_ERR"
	grep -q 'recording on' "$REC_ERR"
	pid=$(cat "$pidfile")
	[ "$(stat -c %U "$pidfile")" = nobody ]
	send_udp 20 UNIT1
	sleep 0.3
	# ExecReload as systemd runs it, $MAINPID the recorder
	mapfile -t reload < <(/usr/bin/python3 tests/integration/unit_field.py "$UNIT" ExecReload MAINPID="$pid")
	[ "${reload[2]}" = "$REC_PID" ]
	"${reload[@]}"
	for i in $(seq 40); do [ "$(ls "$st" | grep -vc '\.part$')" -ge 1 ] && break; sleep 0.05; done
	send_udp 20 UNIT2
	sleep 0.3
	rec_stop "$(/usr/bin/python3 tests/integration/unit_field.py "$UNIT" KillSignal | sed 's/^SIG//')"
	cat "$REC_ERR"
	[ "$REC_STATUS" -eq 0 ]
	ls -l "$st"
	[ "$(ls "$st" | wc -l)" -eq 2 ]
	[ -z "$(ls "$st" | grep -v "^$IF_B-[0-9]\{8\}-[0-9]\{4\}\(-1\)\?\.pcapng\.gz$")" ]
	: >"$OUT/all.txt"
	for f in $(ls -tr "$st"); do
		[ "$(stat -c '%U %a' "$st/$f")" = "nobody 640" ]
		# tshark and libpcap on the compressed file
		[ "$(capinfos -c -M "$st/$f" | awk '/Number of packets/ {print $NF}')" -eq \
			"$(zcat "$st/$f" | "$TOOLS/pktlist" - | tee -a "$OUT/all.txt" | wc -l)" ]
	done
	expect_seq 20 UNIT1 "$OUT/all.txt"
	expect_seq 20 UNIT2 "$OUT/all.txt"
	# the file published by the reload holds UNIT1 only
	first=$(ls -tr "$st" | head -1)
	zcat "$st/$first" | "$TOOLS/pktlist" - >"$OUT/first.txt"
	expect_seq 20 UNIT1 "$OUT/first.txt"
	! grep -q "$(printf 'PCAPREC-UNIT2' | od -An -tx1 | tr -d ' \n')" "$OUT/first.txt"
}

@test "cron-example.sh rotates a running recorder and summarizes each finished file once" {
	local dir=$OUT/rec pid_f=$OUT/rec.pid
	mkdir -p "$dir"
	# the recorder the cron job expects: --pidfile, files that end in .pcapng
	rec_start "$NS_B" "$dir/c-%Y%m%d-%H%M%S.pcapng" -i "$IF_B" --pidfile "$pid_f"
	"$PCAPREC" rotate --help 2>&1 | grep -q -- --pidfile
	send_udp 15 CRON1
	sleep 0.3
	export PCAPREC_DIR=$dir PCAPREC_PIDFILE=$pid_f PCAPREC
	run sh "$CRON"
	echo "$output"
	[ "$status" -eq 0 ]
	report=$dir/.cron/report.txt
	cat "$report"
	[ "$(grep -c '^== .*: 1 finished files$' "$report")" -eq 1 ]
	f1=$(ls "$dir"/c-*.pcapng | head -1)
	grep -qx "File name: *$f1" "$report"
	[ "$(grep '^Number of packets:' "$report" | awk '{print $NF}')" -eq "$(capinfos -c -M "$f1" | awk '/Number of packets/ {print $NF}')" ]
	"$TOOLS/pktlist" "$f1" >"$OUT/f1.txt"
	expect_seq 15 CRON1 "$OUT/f1.txt"
	# a second hour: only the new file
	send_udp 10 CRON2
	sleep 0.3
	run sh "$CRON"
	[ "$status" -eq 0 ]
	cat "$report"
	[ "$(grep -c '^== .*: 1 finished files$' "$report")" -eq 2 ]
	[ "$(ls "$dir"/c-*.pcapng | wc -l)" -eq 2 ]
	# (a file opened in the second its predecessor did is named c-...-SS-1.pcapng)
	f2=$(ls "$dir"/c-*.pcapng | grep -vxF "$f1")
	[ "$f2" != "$f1" ]
	[ "$(grep -c "^File name: *$f1\$" "$report")" -eq 1 ]
	[ "$(grep -c "^File name: *$f2\$" "$report")" -eq 1 ]
	[ "$(grep '^Number of packets:' "$report" | tail -1 | awk '{print $NF}')" -eq "$(capinfos -c -M "$f2" | awk '/Number of packets/ {print $NF}')" ]
	# without rotation and nothing new, the report stays as it is
	cp "$report" "$OUT/report.before"
	PCAPREC_ROTATE=0 run sh "$CRON"
	[ "$status" -eq 0 ]
	cmp "$report" "$OUT/report.before"
	send_udp 5 CRON3
	sleep 0.3
	rec_stop
	[ "$REC_STATUS" -eq 0 ]
	# a stale pidfile: the job says so and still summarizes (here: the last
	# file, published at stop; a file is opened with its first frame)
	run sh "$CRON"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q 'recorder not rotated'
	[ "$(grep -c '^== .*: 1 finished files$' "$report")" -eq 3 ]
	f3=$(ls "$dir"/c-*.pcapng | grep -vxF -e "$f1" -e "$f2")
	[ "$(grep -c "^File name: *$f3\$" "$report")" -eq 1 ]
	"$TOOLS/pktlist" "$f3" >"$OUT/f3.txt"
	expect_seq 5 CRON3 "$OUT/f3.txt"
}
