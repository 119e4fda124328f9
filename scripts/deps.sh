#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Install the Debian packages one use of pcaprec needs, only those that are
# missing, so repeated runs are quick and offline.
#
#   scripts/deps.sh [PROFILE...]     PROFILE: build demo test bench package (default: test)
#
#   build    compile pcaprec (compiler, make, zlib, libzstd, libpcap, nettle)
#   demo     build + what scripts/demo.sh runs (iproute2, ping, capinfos, python3)
#   test     build + everything `make test` and `make test SAN=1` use (oracles,
#            bats, cmocka, clang with its sanitizer runtime for the libFuzzer runs)
#   bench    test + the recorders and traffic generator the benchmarks compare
#   package  test + the Debian packaging tools (dpkg-buildpackage, debhelper, lintian)
#
# `-n` prints the packages a profile needs (installed or not) and exits.
set -eu

build="gcc make libc6-dev zlib1g-dev libzstd-dev libpcap-dev nettle-dev"
# capinfos is in wireshark-common on Debian 12 (tshark depends on it)
demo="$build iproute2 iputils-ping wireshark-common python3"
test_="$build libcmocka-dev bats tshark tcpdump zstd iproute2 iputils-ping cppcheck python3
python3-scapy procps libcap2-bin strace util-linux systemd man-db dpkg-dev clang"
bench="$test_ netsniff-ng"
# the versionless runtime too: debian/control names it so (no clang version there)
package="$test_ debhelper lintian fakeroot dpkg-dev libclang-rt-dev"

# The sanitizer runtime that matches the clang we will have: the installed
# clang's major version if there is one, else Debian's default (the
# libclang-rt-dev metapackage follows the default clang, as clang does).
# Before LLVM 15 the runtime lived in libclang-common-N-dev.
clang_rt() {
	v=$(clang -dumpversion 2>/dev/null | cut -d. -f1) || v=
	if [ -n "$v" ]; then
		for p in "libclang-rt-$v-dev" "libclang-common-$v-dev"; do
			if apt-cache show "$p" >/dev/null 2>&1; then
				echo "$p"
				return
			fi
		done
	fi
	echo libclang-rt-dev
}

list_only=0
[ "${1:-}" = -n ] && { list_only=1; shift; }
[ $# -gt 0 ] || set -- test
pkgs=
for prof in "$@"; do
	case $prof in
	build) pkgs="$pkgs $build" ;;
	demo) pkgs="$pkgs $demo" ;;
	test) pkgs="$pkgs $test_ $(clang_rt)" ;;
	bench) pkgs="$pkgs $bench $(clang_rt)" ;;
	package) pkgs="$pkgs $package $(clang_rt)" ;;
	*)
		echo "deps.sh: unknown profile '$prof' (build, demo, test, bench, package)" >&2
		exit 2
		;;
	esac
done
pkgs=$(printf '%s\n' $pkgs | sort -u)
if [ "$list_only" = 1 ]; then
	echo "$pkgs"
	exit 0
fi

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
