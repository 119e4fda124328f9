#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Memory per conversation of `pcaprec summary`: peak RSS (GNU time) over the
# conversations tracked, for captures of N UDP conversations of 2 packets
# each (tests/integration/summary_manyflows.py: every client a distinct
# endpoint), N = BENCH_FLOWS (default "1000000 4000000"), BENCH_REPS runs
# each; also the RSS of a one-packet summary, the fixed part. Prints a
# markdown table. Run by `BENCH_ONLY=summary-mem make bench` or alone:
#   sh scripts/bench/summary_mem.sh [PCAPREC]
set -eu
. "$(dirname "$0")/lib.sh"
PCAPREC=${1:-build/rel/pcaprec}
reps=${BENCH_REPS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

/usr/bin/python3 tests/integration/summary_manyflows.py "$tmp/one.pcap" 1
base=$(/usr/bin/time -f %M "$PCAPREC" summary --no-progress "$tmp/one.pcap" 2>&1 >/dev/null | tail -1)
echo "| conversations | peak RSS (MiB) | bytes per conversation (peak RSS / conversations) | without the $((base / 1024)) MiB of a 1-packet summary |"
echo "| --- | --- | --- | --- |"
for n in ${BENCH_FLOWS:-1000000 4000000}; do
	/usr/bin/python3 tests/integration/summary_manyflows.py "$tmp/m.pcap" "$n"
	rss=""
	for _ in $(seq "$reps"); do
		r=$(/usr/bin/time -f %M "$PCAPREC" summary --no-progress --max-flows $((n + n / 2)) "$tmp/m.pcap" \
			2>&1 >"$tmp/out" | tail -1)
		rss="$rss $r"
	done
	conv=$(awk '/^Flow table:/ { print $3 }' "$tmp/out")
	m=$(median $rss)
	printf '| %s | %s | %s | %s |\n' "$conv" "$(awk -v k="$m" 'BEGIN { printf "%.0f", k / 1024 }')" \
		"$(awk -v k="$m" -v c="$conv" 'BEGIN { printf "%.0f", k * 1024 / c }')" \
		"$(awk -v k="$m" -v b="$base" -v c="$conv" 'BEGIN { printf "%.0f", (k - b) * 1024 / c }')"
	rm -f "$tmp/m.pcap"
done
