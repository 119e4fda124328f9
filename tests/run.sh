#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Runs every unit test binary (cmocka, TAP output) and every integration test
# file (bats, TAP output), echoes their TAP, and ends with one line:
# "N passed, N failed, N skipped". Exits non-zero if anything failed or if no
# test ran at all. TESTS=pattern limits the run to matching files.
set -u

BUILD=${BUILD:-build/rel}
export PCAPREC="${PCAPREC:-$PWD/$BUILD/pcaprec}"
export TOOLS="${TOOLS:-$PWD/$BUILD/tools}"
export TESTDATA="$PWD/testdata"
export CMOCKA_MESSAGE_OUTPUT=TAP
pattern=${TESTS:-}

log=$(mktemp)
trap 'rm -f "$log"' EXIT INT TERM

# CI runs capture tests, so it must be root; a package build says it cannot
# (PCAPREC_NO_CAPTURE_TESTS=1, debian/rules) and they show as skipped.
if [ "${CI:-}" = "true" ] && [ "$(id -u)" -ne 0 ] && [ "${PCAPREC_NO_CAPTURE_TESTS:-}" != 1 ]; then
	echo "tests/run.sh: CI must run as root: capture tests need CAP_NET_RAW and CAP_NET_ADMIN" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

run_one() {
	name=$1
	shift
	echo "# == $name"
	# A binary that dies without finishing its plan still counts as a failure.
	if ! "$@" >"$log.out" 2>&1; then
		echo "not ok - $name exited with status $?" >>"$log.out"
	fi
	cat "$log.out"
	cat "$log.out" >>"$log"
	rm -f "$log.out"
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	case "$t" in *"$pattern"*) ;; *) continue ;; esac
	run_one "$(basename "$t")" "$t"
done

for t in tests/integration/*.bats; do
	[ -f "$t" ] || continue
	case "$t" in *"$pattern"*) ;; *) continue ;; esac
	run_one "$(basename "$t")" bats --tap "$t"
done

passed=$(grep -E '^ok ' "$log" | grep -vc '# *[Ss][Kk][Ii][Pp]')
skipped=$(grep -E '^ok ' "$log" | grep -c '# *[Ss][Kk][Ii][Pp]')
failed=$(grep -cE '^not ok' "$log")
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
