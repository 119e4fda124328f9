#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# `make bench`: runs the live and the offline benchmark and writes both tables
# to bench/results/<date>.md and bench/results/latest.md. Needs root (network
# namespaces, tmpfs). BENCH_ONLY=live|offline|filter|summary-mem|archive|contention runs one part (summary-mem:
# scripts/bench/summary_mem.sh, summary's memory per conversation; filter:
# scripts/bench/filter.sh, compile times and a stalled ring with tagged traffic;
# archive: scripts/bench/archive.sh, extract on an indexed ring of ARCHIVE_SIZE,
# default 8G, against tcpdump + mergecap + editcap; optional, not in the default run;
# contention: scripts/bench/contention.sh, issue 15's scenario with the recorder
# pinned and unpinned, CONT_* variables set its size; in the default run).
set -eu
cd "$(dirname "$0")/../.."
mkdir -p bench/results
stamp=$(date -u +%Y-%m-%dT%H%MZ)
out="bench/results/$stamp.md"
{
	echo "# pcaprec benchmarks, $stamp"
	echo
	echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r)."
	echo "Command: \`make bench\` (BENCH_REPS=${BENCH_REPS:-3}, BENCH_SIZE=${BENCH_SIZE:-1G})."
	echo
	if [ "${BENCH_ONLY:-live}" = live ] || [ -z "${BENCH_ONLY:-}" ]; then
		sh scripts/bench/live.sh
		echo
	fi
	if [ "${BENCH_ONLY:-contention}" = contention ] || [ -z "${BENCH_ONLY:-}" ]; then
		sh scripts/bench/contention.sh
		echo
	fi
	if [ "${BENCH_ONLY:-offline}" = offline ] || [ -z "${BENCH_ONLY:-}" ]; then
		sh scripts/bench/offline.sh
	fi
	if [ "${BENCH_ONLY:-summary-mem}" = summary-mem ]; then
		echo
		sh scripts/bench/summary_mem.sh
	fi
	if [ "${BENCH_ONLY:-}" = archive ]; then
		bash scripts/bench/archive.sh
	fi
	if [ "${BENCH_ONLY:-filter}" = filter ]; then
		echo
		bash scripts/bench/filter.sh "${BENCH_REPS:-3}"
	fi
} >"$out"
cp "$out" bench/results/latest.md
echo "bench: wrote $out"
