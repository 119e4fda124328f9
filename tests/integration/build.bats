#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# The build as a distribution runs it: Debian's dpkg-buildflags passed on
# make's command line (they replace, not extend, CFLAGS/CPPFLAGS/LDFLAGS),
# into a separate BUILD directory; and `make install DESTDIR=` laid out as
# the package ships it. Needs no privileges.

setup() {
	command -v dpkg-buildflags
	B="$BATS_TEST_TMPDIR/build"
}

@test "make with dpkg-buildflags' CFLAGS/CPPFLAGS/LDFLAGS keeps the project's flags, builds with -Werror, and hardens the binary" {
	local cflags cppflags ldflags
	cflags=$(dpkg-buildflags --get CFLAGS)
	cppflags=$(dpkg-buildflags --get CPPFLAGS)
	ldflags=$(dpkg-buildflags --get LDFLAGS)
	echo "$cppflags" | grep -q -- -D_FORTIFY_SOURCE=2
	run make -j2 BUILD="$B" CFLAGS="$cflags" CPPFLAGS="$cppflags" LDFLAGS="$ldflags" "$B/pcaprec"
	echo "$output" | tail -20
	[ "$status" -eq 0 ]
	# every compile line has the project's own flags and Debian's
	grep '^cc .* -c ' <<<"$output" >"$BATS_TEST_TMPDIR/cc.txt"
	[ -s "$BATS_TEST_TMPDIR/cc.txt" ]
	for f in -Iinclude -D_GNU_SOURCE -std=c11 -pthread -Wall -Wextra -Werror -D_FORTIFY_SOURCE=2 -fstack-protector-strong; do
		[ "$(grep -cv -- " $f " "$BATS_TEST_TMPDIR/cc.txt")" -eq 0 ] || { echo "missing $f"; false; }
	done
	grep -- '-Wl,-z,relro' <<<"$output" | grep -q -- '-o [^ ]*/pcaprec '
	# the output went to BUILD, not build/rel
	[ -x "$B/pcaprec" ]
	[ -f "$B/src/cli/main.o" ]
	"$B/pcaprec" --version | grep -q '^pcaprec '
	# relro from LDFLAGS, fortified calls from _FORTIFY_SOURCE
	readelf -lW "$B/pcaprec" | grep -q GNU_RELRO
	nm -D "$B/pcaprec" | grep -q '__[a-z]*_chk'
}

@test "WERROR=0 drops -Werror and nothing else; SAN=1 keeps the caller's flags" {
	run make -n -B BUILD="$B" WERROR=0 CFLAGS="-O2 -g" "$B/src/util/misc.o"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q -- ' -Wall -Wextra '
	! echo "$output" | grep -q -- '-Werror'
	run make -n -B BUILD="$B" "$B/src/util/misc.o"
	echo "$output" | grep -q -- '-Werror'
	run make -n -B SAN=1 CPPFLAGS=-DX_CALLER=1 "build/san/src/util/misc.o"
	echo "$output" | grep -q -- '-Iinclude .*-DX_CALLER=1 .*-fsanitize=address,undefined'
}

@test "make install DESTDIR= installs the package's files, unstripped, with the unit pointing at BINDIR" {
	local d="$BATS_TEST_TMPDIR/root"
	run make BUILD="$B" PREFIX=/usr SYSTEMDUNITDIR=/lib/systemd/system DESTDIR="$d" install
	echo "$output" | tail -5
	[ "$status" -eq 0 ]
	(cd "$d" && find . \( -type f -o -type l \) -printf '%m %p\n' | sort) >"$BATS_TEST_TMPDIR/files.txt"
	cat "$BATS_TEST_TMPDIR/files.txt"
	grep -qx '755 ./usr/bin/pcaprec' "$BATS_TEST_TMPDIR/files.txt"
	grep -qx '644 ./usr/share/man/man1/pcaprec.1' "$BATS_TEST_TMPDIR/files.txt"
	grep -qx '644 ./lib/systemd/system/pcaprec@.service' "$BATS_TEST_TMPDIR/files.txt"
	grep -qx '755 ./usr/share/pcaprec/cron-summary' "$BATS_TEST_TMPDIR/files.txt"
	grep -qx '644 ./usr/share/doc/pcaprec/README.md' "$BATS_TEST_TMPDIR/files.txt"
	grep -qx '644 ./etc/pcaprec/default.conf' "$BATS_TEST_TMPDIR/files.txt"
	grep -qx '644 ./usr/share/bash-completion/completions/pcaprec' "$BATS_TEST_TMPDIR/files.txt"
	# nothing outside the listed places
	[ "$(grep -cvE ' \./(usr/bin|usr/share/(man|pcaprec|doc|bash-completion)|lib/systemd/system|etc/pcaprec)/' "$BATS_TEST_TMPDIR/files.txt")" -eq 0 ]
	# not stripped: dh_strip does that, into the -dbgsym package
	readelf -SW "$d/usr/bin/pcaprec" | grep -q '\.debug_info'
	"$d/usr/bin/pcaprec" --version | grep -q '^pcaprec '
	grep -q '^ExecStart=/usr/bin/pcaprec ' "$d/lib/systemd/system/pcaprec@.service"
	! grep -q /usr/local "$d/lib/systemd/system/pcaprec@.service"
	# a second install keeps the admin's edits to the defaults
	echo 'PCAPREC_OPTS="-G 1h"' >"$d/etc/pcaprec/default.conf"
	make BUILD="$B" PREFIX=/usr SYSTEMDUNITDIR=/lib/systemd/system DESTDIR="$d" install
	grep -qx 'PCAPREC_OPTS="-G 1h"' "$d/etc/pcaprec/default.conf"
	cp scripts/pcaprec.conf "$d/etc/pcaprec/default.conf"
	# uninstall takes back what install put there
	make BUILD="$B" PREFIX=/usr SYSTEMDUNITDIR=/lib/systemd/system DESTDIR="$d" uninstall
	[ -z "$(find "$d" -type f)" ]
}

# The Debian package that holds command $1 (with merged /usr, dpkg knows a
# file by one of its names only; PATH may hold shims such as pyenv's).
pkg_of() {
	local d
	for d in /usr/bin /bin /usr/sbin /sbin; do
		dpkg -S "$d/$1" 2>/dev/null && return 0
	done
	return 1
}

@test "deps.sh: the demo profile is what the demo runs, no test tools; the sanitizer runtime matches the installed clang" {
	run sh scripts/deps.sh -n demo
	[ "$status" -eq 0 ]
	demo=$output
	for c in ip ping capinfos python3 make; do
		p=$(pkg_of "$c" | head -1 | cut -d: -f1)
		echo "$c: $p"
		grep -qx "$p" <<<"$demo" || grep -qx "${p%%-minimal}" <<<"$demo"
	done
	for p in bats tshark libcmocka-dev clang cppcheck; do ! grep -qx "$p" <<<"$demo"; done
	run sh scripts/deps.sh -n test
	grep -qx bats <<<"$output"
	grep -qx libcmocka-dev <<<"$output"
	v=$(clang -dumpversion | cut -d. -f1)
	grep -qx "libclang-rt-$v-dev" <<<"$output" || grep -qx "libclang-common-$v-dev" <<<"$output"
	# and that package holds the ASan runtime clang links against
	rt=$(grep -E "^libclang-(rt|common)-$v-dev$" <<<"$output")
	dpkg -L "$rt" | grep -q 'libclang_rt\.asan'
	run sh scripts/deps.sh -n package
	for p in debhelper lintian fakeroot dpkg-dev; do grep -qx "$p" <<<"$output"; done
	run sh scripts/deps.sh nosuchprofile
	[ "$status" -eq 2 ]
}

@test "debian/control's Build-Depends hold deps.sh's build and test profiles (but build-essential and the clang runtime's version)" {
	# Build-Depends as package names, one a line
	sed -n '/^Build-Depends:/,/^[A-Z]/p' debian/control | sed '$d' | sed 's/^Build-Depends://' |
		tr ',' '\n' | sed 's/[<(].*//; s/^[[:space:]]*//; s/[[:space:]]*$//' | grep . | sort -u \
		>"$BATS_TEST_TMPDIR/bd"
	cat "$BATS_TEST_TMPDIR/bd"
	grep -qx 'debhelper-compat' "$BATS_TEST_TMPDIR/bd"
	missing=
	for p in $(sh scripts/deps.sh -n build test); do
		case $p in
		gcc | make | libc6-dev | dpkg-dev | util-linux) continue ;;   # build-essential, Essential: yes
		libclang-rt-*-dev | libclang-common-*-dev) p=libclang-rt-dev ;;   # the versionless name
		esac
		grep -qx "$p" "$BATS_TEST_TMPDIR/bd" || missing="$missing $p"
	done
	[ -z "$missing" ] || { echo "not in Build-Depends:$missing"; false; }
}
