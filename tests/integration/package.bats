#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# The Debian package: dpkg-buildpackage -us -uc -b on a copy of the tree
# (its dh_auto_test runs the suite with the capture tests skipped), lintian
# with no error, and the .deb holds what debian/ promises. The slowest test
# here (several minutes: it builds and runs the offline tests again), so it
# runs only with PCAPREC_PACKAGE_TEST=1 (.ci/run sets it).

setup() {
	if [ "${PCAPREC_PACKAGE_TEST:-}" != 1 ]; then
		skip "package build: set PCAPREC_PACKAGE_TEST=1 (it takes minutes)"
	fi
	command -v dpkg-buildpackage
	command -v lintian
	command -v dh
}

@test "dpkg-buildpackage builds a .deb that lintian passes without errors, with the files, conffile, unit and maintainer scripts" {
	local src="$BATS_TEST_TMPDIR/src/pcaprec" deb
	mkdir -p "$src"
	# the tree as committed plus the work in progress, without build output
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$src"
	else
		tar -cf - --exclude=./build --exclude=./pcaprec --exclude=./debian/pcaprec \
			--exclude=./debian/.debhelper . | tar -xf - -C "$src"
	fi
	[ -f "$src/debian/control" ]
	[ -f "$src/Makefile" ]
	# a clean environment: bats' own variables, its libexec directory in PATH
	# (the inner run must start bats through /usr/bin/bats) and TESTS must not
	# reach the build's test run
	path=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v bats-core | paste -sd:)
	run env -i PATH="$path" HOME="$HOME" LANG=C.UTF-8 ${CI:+CI="$CI"} \
		sh -c "cd '$src' && dpkg-buildpackage -us -uc -b 2>&1"
	echo "$output" | tail -40
	[ "$status" -eq 0 ]
	# the package build's own test run: capture tests are listed as skipped
	echo "$output" | grep -E '^[0-9]+ passed, 0 failed, [0-9]+ skipped$' >"$BATS_TEST_TMPDIR/line"
	cat "$BATS_TEST_TMPDIR/line"
	[ "$(awk '{print $5}' "$BATS_TEST_TMPDIR/line")" -gt 0 ]
	echo "$output" | grep -q '^ok [0-9]* .*# skip capture test (PCAPREC_NO_CAPTURE_TESTS=1)'
	deb=$(ls "$BATS_TEST_TMPDIR"/src/pcaprec_*_*.deb | grep -v dbgsym)
	ls "$BATS_TEST_TMPDIR"/src/
	# unstripped build, debug symbols split off by dh_strip
	ls "$BATS_TEST_TMPDIR"/src/pcaprec-dbgsym_*.deb
	run lintian --fail-on error "$BATS_TEST_TMPDIR"/src/pcaprec_*.changes
	echo "$output"
	[ "$status" -eq 0 ]
	! echo "$output" | grep -q '^E:'
	dpkg-deb -c "$deb" | awk '{print $1, $NF}' >"$BATS_TEST_TMPDIR/contents"
	cat "$BATS_TEST_TMPDIR/contents"
	for f in ./usr/bin/pcaprec ./usr/share/man/man1/pcaprec.1.gz ./lib/systemd/system/pcaprec@.service \
		./etc/pcaprec/default.conf ./usr/share/pcaprec/cron-summary ./usr/share/doc/pcaprec/copyright \
		./usr/share/doc/pcaprec/README.md.gz ./usr/share/bash-completion/completions/pcaprec; do
		grep -q " $f$" "$BATS_TEST_TMPDIR/contents" || { echo "missing $f"; false; }
	done
	grep -q '^-rwxr-xr-x ./usr/bin/pcaprec$' "$BATS_TEST_TMPDIR/contents"
	mkdir "$BATS_TEST_TMPDIR/ctl"
	dpkg-deb -e "$deb" "$BATS_TEST_TMPDIR/ctl"
	grep -qx /etc/pcaprec/default.conf "$BATS_TEST_TMPDIR/ctl/conffiles"
	grep -q 'adduser --system' "$BATS_TEST_TMPDIR/ctl/postinst"
	grep -q 'setcap cap_net_raw+ep' "$BATS_TEST_TMPDIR/ctl/postinst"
	grep -q 'pcaprec/install-setcap' "$BATS_TEST_TMPDIR/ctl/templates"
	dpkg-deb -f "$deb" Depends | grep -q libpcap0.8
	dpkg-deb -f "$deb" Depends | grep -q adduser
	# the packaged binary runs and the packaged unit points at it
	mkdir "$BATS_TEST_TMPDIR/root"
	dpkg-deb -x "$deb" "$BATS_TEST_TMPDIR/root"
	"$BATS_TEST_TMPDIR/root/usr/bin/pcaprec" --version | grep -q '^pcaprec '
	grep -q '^ExecStart=/usr/bin/pcaprec record -i %i ' "$BATS_TEST_TMPDIR/root/lib/systemd/system/pcaprec@.service"
	! readelf -SW "$BATS_TEST_TMPDIR/root/usr/bin/pcaprec" | grep -q '\.debug_info'
}
