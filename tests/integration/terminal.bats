#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# record's live counter: on a terminal (a pty from script(1)) one line
# redrawn in place, a few times a second, erased before the final
# statistics; never when stderr is a file, and not with -q.

load ../lib/netns
load ../lib/record

setup() { rec_test_setup; }
teardown() { rec_test_teardown; }

# rec_pty OUT ARGS...: record ARGS in namespace B with a pty as stdin/stdout/stderr, everything it writes to OUT.
rec_pty() {
	local out=$1
	shift
	# script passes one command string to the shell: quote each word
	script -qfec "$(printf '%q ' ip netns exec "$NS_B" "$PCAPREC" record "$@")" /dev/null >"$out" &
	REC_PID=$!
}

@test "stderr on a terminal: a live counter of packets, drops and the file, at most 4 redraws a second, erased at exit" {
	local f=$OUT/t.pcapng
	rec_pty "$OUT/tty.txt" -i "$IF_B" -w "$f" --duration 2s
	for i in $(seq 100); do grep -q 'recording on' "$OUT/tty.txt" && break; sleep 0.05; done
	send_udp 10 TTY1
	# the second burst after the first redraw, so the counter is seen counting up
	for i in $(seq 100); do grep -aq "$(printf '\r')pcaprec: [0-9]* packets" "$OUT/tty.txt" && break; sleep 0.05; done
	send_udp 10 TTY2
	wait "$REC_PID"
	REC_PID=
	cat -v "$OUT/tty.txt"
	# redraws: carriage return, the counter, erase to the end of the line
	tr '\r' '\n' <"$OUT/tty.txt" | grep -a "^pcaprec: [0-9]* packets, [0-9]* dropped by kernel, [0-9]* by pcaprec; t.pcapng$(printf '\033')\[K$" >"$OUT/draws"
	n=$(wc -l <"$OUT/draws")
	[ "$n" -ge 3 ]
	# 2 s at 4 a second at most (and one at start)
	[ "$n" -le 10 ]
	# it counted what the file holds
	c=$("$TOOLS/pktlist" "$f" | wc -l)
	[ "$c" -ge 20 ]
	# the last redraw saw both bursts; frames of its last 250 ms may come after it
	last=$(tail -1 "$OUT/draws" | awk '{print $2}')
	[ "$last" -ge 20 ] && [ "$last" -le "$c" ]
	# and it did count up while running (the second burst came after the first draws)
	[ "$(head -1 "$OUT/draws" | awk '{print $2}')" -lt "$c" ]
	# erased before the statistics, which start on a clean line
	grep -a -q "$(printf '\r\033')\[K$c packets captured" "$OUT/tty.txt"
}

@test "stderr not a terminal, or -q: no counter, no carriage returns" {
	local i
	rec_start "$NS_B" "$OUT/f.pcapng" -i "$IF_B" --duration 1500ms
	send_udp 10 NTY1
	wait "$REC_PID"
	REC_PID=
	cat -v "$REC_ERR"
	grep -q 'packets captured' "$REC_ERR"
	! grep -q "$(printf '\r')" "$REC_ERR"
	! grep -q "$(printf '\033')" "$REC_ERR"
	# -q on a terminal: nothing at all
	rec_pty "$OUT/q.txt" -q -i "$IF_B" -w "$OUT/q.pcapng" --duration 1500ms
	sleep 0.5
	send_udp 10 NTY2
	wait "$REC_PID"
	REC_PID=
	cat -v "$OUT/q.txt"
	! grep -q packets "$OUT/q.txt"
	[ "$("$TOOLS/pktlist" "$OUT/q.pcapng" | wc -l)" -ge 10 ]
}
