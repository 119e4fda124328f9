#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# bash completion (scripts/pcaprec.bash-completion): sourced, and its
# function called the way bash calls it (COMP_WORDS, COMP_CWORD); answers
# compared with the binary's own --help and the kernel's interface list.

setup() {
	COMPLETION="$PWD/scripts/pcaprec.bash-completion"
	cd "$BATS_TEST_TMPDIR"
}

# complete WORD... : COMPREPLY for the last word, one a line, sorted. In a
# bash of its own, as bash runs completion (no errexit, no bats ERR trap).
complete_words() {
	bash -c 'source "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _pcaprec
		printf "%s\n" "${COMPREPLY[@]}"' "$COMPLETION" "$PCAPREC" "$@" | grep . | sort
}

@test "completion: commands are those of pcaprec --help, with a prefix and without" {
	"$PCAPREC" --help | awk '/^commands:/ { f = 1; next } f && /^  [a-z]/ { print $1 }' | sort >want
	[ "$(wc -l <want)" -ge 6 ]
	complete_words "" | grep -v '^--' >got
	diff want got
	[ "$(complete_words su)" = summary ]
	[ "$(complete_words re | tr '\n' ' ')" = "read record " ]
	bash -c 'source "$0"; complete -p pcaprec' "$COMPLETION" | grep -q -- '-F _pcaprec'
}

@test "completion: each command's options are the flags its --help lists" {
	for cmd in $(complete_words "" | grep -v '^--'); do
		complete_words "$cmd" - >got
		# every offered flag is accepted far enough to be in the help, and the help's flags are offered
		"$PCAPREC" "$cmd" --help >help 2>&1 || true
		while read -r f; do grep -qE -- "(^|[ ,])$f([ ,=]|$)" help || { echo "$cmd: $f not in help"; false; }; done <got
		if grep -q -- '--help' help; then grep -qx -- --help got; fi
	done
	complete_words record --ro >got
	grep -qx -- --rotate-time got
	grep -qx -- --rotate-size got
	! grep -qv -- '^--ro' got
}

@test "completion: -i offers the interfaces the kernel has, and 'any'" {
	ls /sys/class/net | sort >want
	echo any >>want
	sort -o want want
	complete_words record -i "" >got
	diff want got
	[ "$(complete_words record -w x.pcapng -i l)" = lo ]
}

@test "completion: read, summary, check offer capture files and directories, not other files" {
	mkdir -p d/sub
	touch d/a.pcap d/b.pcapng d/c.pcapng.gz d/notes.txt d/x.part
	for cmd in read summary check; do
		complete_words "$cmd" d/ >got
		printf '%s\n' d/a.pcap d/b.pcapng d/c.pcapng.gz d/sub d/x.part | sort >want
		diff want got
	done
	# a flag's value is not a capture file: -w takes any name
	complete_words record -w d/n >got
	grep -qx d/notes.txt got
	# record does not complete positional files (its trailing words are a filter)
	[ -z "$(complete_words record d/ || true)" ]
}
