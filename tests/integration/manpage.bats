#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# man/pcaprec.1: renders without groff warnings, documents every flag each
# command's --help lists, every signal and exit code, and `make install` puts it in place.

setup() {
	ROOT="$BATS_TEST_DIRNAME/../.."
	MAN="$ROOT/man/pcaprec.1"
	TXT="$BATS_TEST_TMPDIR/man.txt"
	groff -man -Tascii -P-c -P-b -P-u "$MAN" 2>/dev/null | col -b >"$TXT"
}

@test "the man page renders without groff warnings" {
	run groff -man -Tutf8 -ww -z "$MAN"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(wc -l <"$TXT")" -gt 300 ]
}

@test "every flag of every command's --help is in the man page" {
	missing=
	for cmd in record read summary check extract flows rotate interfaces index; do
		"$PCAPREC" "$cmd" --help >"$BATS_TEST_TMPDIR/help.txt" 2>&1 || true
		[ -s "$BATS_TEST_TMPDIR/help.txt" ]
		for flag in $(grep -oE '(^|[ ,(])--[a-z][a-z0-9-]*|(^|[ ,])-[a-zA-Z]\b' "$BATS_TEST_TMPDIR/help.txt" |
				sed 's/^[ ,(]//' | sort -u); do
			grep -qF -- "$flag" "$TXT" || missing="$missing $cmd:$flag"
		done
	done
	echo "missing:$missing"
	[ -z "$missing" ]
}

@test "signals, exit codes and the PCAPREC_* hook variables are documented" {
	for w in SIGINT SIGTERM SIGHUP SIGUSR1 PCAPREC_FILE PCAPREC_PACKETS PCAPREC_BYTES \
		PCAPREC_FIRST_TS PCAPREC_LAST_TS PCAPREC_DROPS PCAPREC_LEFTOVER NAME.part; do
		grep -qF "$w" "$TXT" || { echo "missing $w"; return 1; }
	done
	# the exit codes of include/pcaprec/cli.h
	for code in $(sed -n 's/^[[:space:]]*EXIT_[A-Z]* = \([0-9]\).*/\1/p' "$ROOT/include/pcaprec/cli.h"); do
		sed -n '/^EXIT STATUS/,/^EXAMPLES/p' "$TXT" | grep -qE "^ +$code +[A-Z]" ||
			{ echo "exit code $code not documented"; return 1; }
	done
}

@test "make install puts the binary and the man page under DESTDIR" {
	cd "$ROOT"
	# the build under test (tests/run.sh's BUILD): nothing to rebuild
	make BUILD="${BUILD:-build/rel}" install DESTDIR="$BATS_TEST_TMPDIR/inst" PREFIX=/usr
	[ -x "$BATS_TEST_TMPDIR/inst/usr/bin/pcaprec" ]
	cmp "$PCAPREC" "$BATS_TEST_TMPDIR/inst/usr/bin/pcaprec"
	cmp "$MAN" "$BATS_TEST_TMPDIR/inst/usr/share/man/man1/pcaprec.1"
}
