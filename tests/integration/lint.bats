#!/usr/bin/env bats
# Source hygiene: cppcheck clean, banned calls absent, SPDX lines present.

@test "cppcheck and the source checker find nothing" {
	cd "$BATS_TEST_DIRNAME/../.."
	run make -s lint
	echo "$output"
	[ "$status" -eq 0 ]
}
