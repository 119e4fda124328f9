#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Install the Debian packages pcaprec's build, tests, demo and benchmarks need,
# but only those that are missing, so repeated runs are quick and offline.
set -eu

pkgs="gcc make libc6-dev zlib1g-dev libpcap-dev libcmocka-dev bats tshark tcpdump
iproute2 netsniff-ng cppcheck valgrind clang libclang-rt-14-dev python3 python3-scapy
procps libcap2-bin psmisc strace e2fsprogs util-linux iputils-ping systemd man-db"

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		echo "deps.sh: missing packages:$missing; run as root to install them" >&2
		exit 1
	fi
else
	SUDO=
fi
echo "deps.sh: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
