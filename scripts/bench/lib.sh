# SPDX-License-Identifier: BSD-2-Clause
# Helpers shared by the benchmark scripts: statistics over repetitions and
# resource measurement with GNU time.

# stats V1 V2 ... -> "median (min-max)" with up to 2 decimals; "-" if empty.
stats() {
	[ $# -eq 0 ] && { echo "-"; return; }
	printf '%s\n' "$@" | sort -g | awk '
		{ v[NR] = $1 }
		END {
			if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2
			if (NR == 1) printf "%.2f", m
			else printf "%.2f (%.2f-%.2f)", m, v[1], v[NR]
		}'
}

# median V1 V2 ... -> the median alone, for ratios.
median() {
	printf '%s\n' "$@" | sort -g | awk '
		{ v[NR] = $1 }
		END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ratio A B -> A/B with 2 decimals, "-" when B is 0.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "-"; else printf "%.2f", a / b }'
}

# timed OUTFILE CMD... : runs CMD under GNU time, appending "elapsed user sys maxrss_kb"
# to OUTFILE only when CMD succeeds; CMD's stdout goes to /dev/null, its stderr to OUTFILE.err.
timed() {
	out=$1
	shift
	if /usr/bin/time -o "$out.one" -f '%e %U %S %M' "$@" >/dev/null 2>>"$out.err"; then
		cat "$out.one" >>"$out"
		rm -f "$out.one"
		return 0
	fi
	rm -f "$out.one"
	return 1
}
