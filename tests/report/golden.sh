#!/bin/sh
# golden.sh PROEFTUIN BUNDLE PROFILE GOLDEN_DIR
#
# Run BUNDLE (a folder or archive) against PROFILE with a fixed
# SOURCE_DATE_EPOCH and compare report.json, report.md and report.html with
# the files in GOLDEN_DIR.  With UPDATE_GOLDEN=1 the golden files are
# (re)written instead.  Generic: use it for every shipped example, e.g. in
# tests/report/meson.build:
#   test('golden-crowd-safety', files('golden.sh'), args: [proeftuin_exe,
#	src_root / 'scripts/examples/crowd-safety',
#	src_root / 'profiles/crowd-safety.ini',
#	src_root / 'tests/report/golden/crowd-safety'],
#	suite: 'report', protocol: 'tap')
# Prints TAP.
set -u
exe=$1 bundle=$2 profile=$3 golden=$4
work=$(mktemp -d) || exit 99
trap 'rm -rf "$work"' EXIT

SOURCE_DATE_EPOCH=1700000000 TZ=UTC LC_ALL=C "$exe" run "$bundle" \
	--profile "$profile" --out "$work/out" >"$work/stdout" 2>"$work/stderr"
rc=$?
echo "1..4"
if [ "$rc" -le 2 ] && [ -f "$work/out/report.json" ]; then
	echo "ok 1 - report written (exit $rc)"
else
	echo "not ok 1 - run failed with exit $rc"
	sed 's/^/# /' "$work/stderr"
	exit 1
fi
# What the sandbox read back about the host and the build (the kernel's
# Landlock ABI; the address-space limit, which sanitizer builds lift; and
# the syscall allowlist and its filter digest, which a sanitizer build
# widens) differs between machines by design; everything else must match.
host_neutral() {
	sed -E \
	    -e 's/("(allowlist|filter_sha256|landlock_abi|rlimit_as)":")[^"]*"/\1(host)"/g' \
	    -e 's/^(\| (allowlist|filter\\_sha256|landlock\\_abi|rlimit\\_as) \| ).*( \|)$/\1(host)\3/' \
	    -e 's#^(<tr><th scope="row">(allowlist|filter_sha256|landlock_abi|rlimit_as)</th><td>).*(</td></tr>)$#\1(host)\3#' \
	    "$1"
}
n=2
for f in report.json report.md report.html; do
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
		mkdir -p "$golden"
		cp "$work/out/$f" "$golden/$f"
		echo "ok $n - $f updated in $golden"
	elif [ ! -f "$golden/$f" ]; then
		echo "not ok $n - $golden/$f missing (run with UPDATE_GOLDEN=1)"
	else
		host_neutral "$golden/$f" >"$work/golden.$f"
		host_neutral "$work/out/$f" >"$work/new.$f"
		if cmp -s "$work/golden.$f" "$work/new.$f"; then
			echo "ok $n - $f matches the golden file"
		else
			echo "not ok $n - $f differs from $golden/$f"
			diff -u "$work/golden.$f" "$work/new.$f" | head -40 |
			    sed 's/^/# /'
		fi
	fi
	n=$((n + 1))
done
