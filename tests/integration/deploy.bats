#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# The deployment examples as shipped: scripts/pcaprec@.service is checked by
# systemd-analyze verify and its ExecStart/ExecReload/KillSignal are run as
# systemd would run them (as an ordinary user with only the unit's ambient
# capability, its UMask, on a veth in a namespace; this machine has no
# systemd as PID 1, so systemd itself cannot start the unit); and
# scripts/cron-example.sh is run twice against a live recorder. Files are
# checked with libpcap (pktlist) and capinfos.

load ../lib/netns
load ../lib/record

UNIT=scripts/pcaprec@.service
CONF=scripts/pcaprec.conf
CRON=scripts/cron-example.sh

setup() {
	rec_test_setup
	MNT=
	DIRS=
	LISTEN_PID=
}

teardown() {
	rec_test_teardown
	[ -n "${LISTEN_PID:-}" ] && kill "$LISTEN_PID" 2>/dev/null
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

@test "pcaprec@.service passes systemd-analyze verify (no warning), exposure at most 2.1, its flags are in record --help" {
	command -v systemd-analyze
	mkdir -p "$OUT/unit/man/man1"
	# The unit names /usr/local/bin/pcaprec and man:pcaprec(1); point both at this tree.
	sed "s#/usr/local/bin/pcaprec#$PCAPREC#" "$UNIT" >"$OUT/unit/pcaprec@.service"
	cp "$OUT/unit/pcaprec@.service" "$OUT/unit/pcaprec@eth0.service"
	cp man/pcaprec.1 "$OUT/unit/man/man1/"
	run env MANPATH="$OUT/unit/man" systemd-analyze verify "$OUT/unit/pcaprec@eth0.service"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# the check itself is not blind: a misspelt key is reported
	sed 's/^ProtectSystem=/ProtectSytem=/' "$OUT/unit/pcaprec@.service" >"$OUT/unit/bad@eth0.service"
	run systemd-analyze verify --man=no "$OUT/unit/bad@eth0.service"
	echo "$output" | grep -q "Unknown key 'ProtectSytem'"
	# the hardening of the old single-instance unit (2.1) is kept
	run systemd-analyze security --offline=yes "$OUT/unit/pcaprec@eth0.service"
	exposure=$(echo "$output" | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
	echo "exposure $exposure"
	awk -v e="$exposure" 'BEGIN { exit !(e != "" && e <= 2.1) }'
	mapfile -t argv < <(/usr/bin/python3 tests/integration/unit_field.py "$UNIT" ExecStart \
		--instance eth0 --env-file "$CONF")
	printf '%s\n' "${argv[@]}"
	[ "${argv[1]}" = record ]
	[ "${argv[3]}" = eth0 ]
	[ "${argv[5]}" = /var/lib/pcaprec/eth0/eth0-%Y%m%d-%H%M.pcapng.gz ]
	"$PCAPREC" record --help >"$OUT/help.txt"
	flags_documented "$OUT/help.txt" "${argv[@]:2}"
	# the defaults file's flags reached the command
	grep -qx -- --max-total < <(printf '%s\n' "${argv[@]}")
	[ "$(/usr/bin/python3 tests/integration/unit_field.py "$UNIT" KillSignal)" = SIGINT ]
	[ "$(/usr/bin/python3 tests/integration/unit_field.py "$UNIT" Type)" = notify ]
	[ "$(/usr/bin/python3 tests/integration/unit_field.py "$UNIT" RestartPreventExitStatus)" = 2 ]
	# a usage error really exits 2, so it is not restarted
	run "$PCAPREC" record -i eth0 -w "$OUT/x.pcapng" --no-such-flag
	[ "$status" -eq 2 ]
}

@test "pcaprec@.service's command runs as an ordinary user with the unit's capabilities: READY=1 and STATUS= reach NOTIFY_SOCKET, reload publishes, stop publishes the last file" {
	local caps st run pid pidfile
	# StateDirectory and RuntimeDirectory as systemd makes them (owned by the
	# user, StateDirectoryMode); the state directory on its own 8 GiB tmpfs so
	# --min-free 5G is met whatever the machine's disks hold.
	DIRS=$(mktemp -d /tmp/pcaprec-unit.XXXXXX)
	st="$DIRS/state"
	run="$DIRS/run"
	mkdir -p "$st" "$run"
	MNT=$st
	mount -t tmpfs -o size=8g,mode=0755 tmpfs "$st"
	mkdir -p "$st/$IF_B" "$run/$IF_B"
	chmod 0750 "$st/$IF_B"
	chown nobody:nogroup "$st/$IF_B" "$run/$IF_B"
	chmod 0755 "$DIRS"
	caps=$(/usr/bin/python3 tests/integration/unit_field.py "$UNIT" AmbientCapabilities |
		tr 'A-Z ' 'a-z,' | sed 's/cap_//g')
	[ "$caps" = net_raw ]
	[ "$(/usr/bin/python3 tests/integration/unit_field.py "$UNIT" CapabilityBoundingSet)" = CAP_NET_RAW ]
	[ "$(/usr/bin/python3 tests/integration/unit_field.py "$UNIT" User)" = pcaprec ]
	[ "$(/usr/bin/python3 tests/integration/unit_field.py "$UNIT" StateDirectory)" = 'pcaprec/%i' ]
	[ "$(/usr/bin/python3 tests/integration/unit_field.py "$UNIT" RuntimeDirectory)" = 'pcaprec/%i' ]
	umask=$(/usr/bin/python3 tests/integration/unit_field.py "$UNIT" UMask)
	mapfile -t argv < <(/usr/bin/python3 tests/integration/unit_field.py "$UNIT" ExecStart \
		--instance "$IF_B" --env-file "$CONF" --map /usr/local/bin/pcaprec="$PCAPREC" \
		--map /var/lib/pcaprec/="$st/" --map /run/pcaprec/="$run/")
	printf '%s\n' "${argv[@]}"
	for i in "${!argv[@]}"; do [ "${argv[$i]}" = --pidfile ] && pidfile=${argv[$((i + 1))]}; done
	[ "$pidfile" = "$run/$IF_B/pcaprec.pid" ]
	REC_ERR="$OUT/rec.err"
	# systemd's notify socket: a path socket, as /run/systemd/notify is
	NOTIFY="$DIRS/notify.sock"
	: >"$OUT/notify.txt"
	/usr/bin/python3 tests/lib/notify_listen.py "$NOTIFY" "$OUT/notify.txt" 20 &
	LISTEN_PID=$!
	for i in $(seq 100); do grep -q LISTENING "$OUT/notify.txt" && break; sleep 0.05; done
	# User=pcaprec is played by nobody
	ip netns exec "$NS_B" env NOTIFY_SOCKET="$NOTIFY" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=-all,+"$caps" --ambient-caps=-all,+"$caps" --bounding-set=-all,+"$caps" \
		sh -c 'umask "$0"; exec "$@"' "$umask" "${argv[@]}" 2>"$REC_ERR" &
	REC_PID=$!
	for i in $(seq 100); do grep -q '^READY=1$' "$OUT/notify.txt" && break; sleep 0.05; done
	cat "$REC_ERR" "$OUT/notify.txt"
	grep -qx 'READY=1' "$OUT/notify.txt"
	grep -q 'recording on' "$REC_ERR"
	pid=$(head -1 "$pidfile")
	[ "$(stat -c %U "$pidfile")" = nobody ]
	send_udp 20 UNIT1
	sleep 1.3
	# STATUS= names the file being written and counts what arrived
	cat "$OUT/notify.txt"
	grep -q "^STATUS=$st/$IF_B/$IF_B-[0-9]\{8\}-[0-9]\{4\}\.pcapng\.gz: [0-9]* packets; 0 packets in 0 files published, 0 dropped by kernel, 0 dropped by pcaprec$" "$OUT/notify.txt"
	grep "^STATUS=" "$OUT/notify.txt" | tail -1 | grep -q ': \(2[0-9]\|[3-9][0-9]\) packets;'
	# ExecReload as systemd runs it, $MAINPID the recorder
	mapfile -t reload < <(/usr/bin/python3 tests/integration/unit_field.py "$UNIT" ExecReload MAINPID="$pid")
	[ "${reload[2]}" = "$REC_PID" ]
	"${reload[@]}"
	for i in $(seq 40); do [ "$(ls "$st/$IF_B" | grep -Evc '\.(part|pidx)$')" -ge 1 ] && break; sleep 0.05; done
	send_udp 20 UNIT2
	sleep 1.2
	grep "^STATUS=" "$OUT/notify.txt" | tail -1 | grep -q 'packets in 1 files published'
	rec_stop "$(/usr/bin/python3 tests/integration/unit_field.py "$UNIT" KillSignal | sed 's/^SIG//')"
	kill "$LISTEN_PID" 2>/dev/null
	wait "$LISTEN_PID" 2>/dev/null || true
	cat "$REC_ERR"
	[ "$REC_STATUS" -eq 0 ]
	# READY=1 once, before any STATUS=; STATUS= at most once a second
	[ "$(grep -cx 'READY=1' "$OUT/notify.txt")" -eq 1 ]
	[ "$(grep -n . "$OUT/notify.txt" | grep -m1 -v LISTENING | cut -d: -f2)" = READY=1 ]
	[ "$(grep -c '^STATUS=' "$OUT/notify.txt")" -le 4 ]
	ls -l "$st/$IF_B"
	# two captures, each with its index (NAME.pidx)
	[ "$(ls "$st/$IF_B" | grep -vc '\.pidx$')" -eq 2 ]
	[ -z "$(ls "$st/$IF_B" | grep -v "^$IF_B-[0-9]\{8\}-[0-9]\{4\}\(-1\)\?\.pcapng\.gz\(\.pidx\)\?$")" ]
	: >"$OUT/all.txt"
	for f in $(ls -tr "$st/$IF_B" | grep -v '\.pidx$'); do
		[ -s "$st/$IF_B/$f.pidx" ]
		[ "$(stat -c '%U %a' "$st/$IF_B/$f")" = "nobody 640" ]
		# tshark and libpcap on the compressed file
		[ "$(capinfos -c -M "$st/$IF_B/$f" | awk '/Number of packets/ {print $NF}')" -eq \
			"$(zcat "$st/$IF_B/$f" | "$TOOLS/pktlist" - | tee -a "$OUT/all.txt" | wc -l)" ]
	done
	expect_seq 20 UNIT1 "$OUT/all.txt"
	expect_seq 20 UNIT2 "$OUT/all.txt"
	# the file published by the reload holds UNIT1 only
	first=$(ls -tr "$st/$IF_B" | grep -v '\.pidx$' | head -1)
	zcat "$st/$IF_B/$first" | "$TOOLS/pktlist" - >"$OUT/first.txt"
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

@test "cron-example.sh against a slow disk (fsync 2 s) and rotation every second: every published file summarized exactly once, leftovers too; the report is bounded" {
	local dir=$OUT/rec pid_f=$OUT/rec.pid shim="$TOOLS/../preload/slow_fsync.so" i n f
	[ -f "$shim" ]
	mkdir -p "$dir"
	export PCAPREC_DIR=$dir PCAPREC_PIDFILE=$pid_f PCAPREC PCAPREC_ROTATE=0
	# a leftover of a crashed run: the recorder publishes it at start
	cp "$TESTDATA/corpus.pcapng" "$dir/c-20200101-000000.pcapng.part"
	SLOW_FSYNC_MS=2000 SLOW_FSYNC_LOG="$OUT/fsync.log" LD_PRELOAD="$shim" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		rec_start "$NS_B" "$dir/c-%Y%m%d-%H%M%S.pcapng" -i "$IF_B" -G 1s --pidfile "$pid_f"
	# the job runs about every second while files are published 2 s after they end
	for i in $(seq 5); do
		send_udp 5 "CR$i"
		sh "$CRON"
		sleep 0.7
	done
	# the files still waiting for fsync are published before exit (one at a time: allow 30 s)
	kill -INT "$REC_PID"
	for i in $(seq 300); do kill -0 "$REC_PID" 2>/dev/null || break; sleep 0.1; done
	wait "$REC_PID"
	REC_PID=
	cat "$REC_ERR"
	# a stamp-based job missed most of these: a file published after the
	# previous run has an mtime from before it
	cat "$OUT/fsync.log"; ls -l --time-style=+%T.%N "$dir"
	[ "$(wc -l <"$OUT/fsync.log")" -ge 4 ]
	run sh "$CRON"
	[ "$status" -eq 0 ]
	report=$dir/.cron/report.txt
	ls "$dir"
	n=0
	for f in "$dir"/c-*.pcapng; do
		n=$((n + 1))
		[ "$(grep -c "^File name: *$f\$" "$report")" -eq 1 ] || { echo "$f: $(grep -c "^File name: *$f\$" "$report") times"; false; }
	done
	[ "$n" -ge 5 ]
	grep -q "^File name: *$dir/c-20200101-000000.pcapng$" "$report"
	[ "$(grep -c '^File name:' "$report")" -eq "$n" ]
	# the sum of the files' packets is what the report counted
	[ "$(grep '^Number of packets:' "$report" | awk '{s += $NF} END {print s}')" -eq \
		"$(for f in "$dir"/c-*.pcapng; do capinfos -c -M "$f" | awk '/Number of packets/ {print $NF}'; done | awk '{s += $1} END {print s}')" ]
	# deleted files leave the state; the report is moved aside past its cap
	rm "$dir/c-20200101-000000.pcapng"
	cp "$TESTDATA/corpus.pcapng" "$dir/c-20200101-000001.pcapng"
	cp "$report" "$OUT/report.full"
	PCAPREC_REPORT_MAX=10 run sh "$CRON"
	[ "$status" -eq 0 ]
	! grep -q c-20200101-000000 "$dir/.cron/done"
	[ "$(wc -l <"$dir/.cron/done")" -eq "$n" ]
	cmp "$report.1" "$OUT/report.full"
	grep -q '^== .*: 1 finished files$' "$report"
	[ "$(grep -c '^File name:' "$report")" -eq 1 ]
	PCAPREC_REPORT_MAX=x run sh "$CRON"
	[ "$status" -eq 2 ]
}

# journal_run JOURNAL_STREAM ERRFILE TEMPLATE TAG1 TAG2 [USR1]: a recorder
# with -G 1s and stderr appended to ERRFILE; 10 frames TAG1, a file later 10
# frames TAG2, optionally SIGUSR1, then SIGINT; waits for its exit.
journal_run() {
	local i
	ip netns exec "$NS_B" env JOURNAL_STREAM="$1" "$PCAPREC" record -i "$IF_B" \
		-w "$3" -G 1s 2>>"$2" &
	REC_PID=$!
	for i in $(seq 100); do grep -q 'recording on' "$2" && break; sleep 0.05; done
	send_udp 10 "$4"
	sleep 1.2
	send_udp 10 "$5"
	if [ "${6:-}" = USR1 ]; then
		kill -USR1 "$REC_PID"
		sleep 0.5
	fi
	kill -INT "$REC_PID"
	wait "$REC_PID"
	REC_PID=
}

@test "stderr on the journal (JOURNAL_STREAM = its dev:inode): every line has a <N> priority, one info line per published file, SIGUSR1 adds kernel drops; otherwise plain lines" {
	local dir=$OUT/j js pid
	mkdir -p "$dir"
	: >"$OUT/j.err"
	js=$(stat -c '%d:%i' "$OUT/j.err")
	journal_run "$js" "$OUT/j.err" "$dir/j-%Y%m%d-%H%M%S.pcapng" JRN1 JRN2 USR1
	cat "$OUT/j.err"
	# every line is ranked, the way journald reads a stream
	[ "$(grep -cv '^<[0-7]>' "$OUT/j.err")" -eq 0 ]
	grep -q '^<6>pcaprec: recording on ' "$OUT/j.err"
	grep -qx '<6>pcaprec: [0-9]* packets received by filter, 0 packets dropped by kernel' "$OUT/j.err"
	grep -qx '<6>0 packets dropped by kernel' "$OUT/j.err"
	# one line per published file, with its counts as capinfos has them
	n=0
	for f in "$dir"/j-*.pcapng; do
		n=$((n + 1))
		c=$(capinfos -c -M "$f" | awk '/Number of packets/ {print $NF}')
		s=$(stat -c %s "$f")
		grep -qx "<6>pcaprec: published $f: $c packets, $s bytes, 0 dropped" "$OUT/j.err"
	done
	[ "$n" -ge 2 ]
	[ "$(grep -c '^<6>pcaprec: published ' "$OUT/j.err")" -eq "$n" ]
	# an error is <3>, so journalctl -p warning shows it
	: >"$OUT/e.err"
	js=$(stat -c '%d:%i' "$OUT/e.err")
	st=0
	ip netns exec "$NS_B" env JOURNAL_STREAM="$js" "$PCAPREC" record -i "$IF_B" \
		-w "$OUT/no/such/dir/x.pcapng" 2>>"$OUT/e.err" || st=$?
	cat "$OUT/e.err"
	[ "$st" -eq 1 ]
	grep -q '^<3>pcaprec record: ' "$OUT/e.err"
	# stderr is not the stream JOURNAL_STREAM names (a redirection): plain lines, no per-file line
	: >"$OUT/p.err"
	journal_run "$js" "$OUT/p.err" "$dir/p-%Y%m%d-%H%M%S.pcapng" JRN3 JRN4
	cat "$OUT/p.err"
	! grep -q '^<' "$OUT/p.err"
	! grep -q 'published' "$OUT/p.err"
	grep -q '^pcaprec: recording on ' "$OUT/p.err"
}
