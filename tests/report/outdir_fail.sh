#!/bin/sh
# outdir_fail.sh PROEFTUIN SRCDIR: a report written to a full or read-only
# filesystem fails cleanly (exit 74 / 73, a clear message, nothing left
# behind, an older report untouched); a non-empty --out is refused without
# --force.  Uses a small tmpfs in a private mount namespace (needs root and
# unshare -m; skips otherwise).  Prints TAP.
set -u
exe=$(realpath "$1") src=$(realpath "$2")
if [ "${IN_PRIVATE_NS:-}" != 1 ]; then
	if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
		echo "1..0 # SKIP needs root and unshare -m for a private tmpfs"
		exit 0
	fi
	IN_PRIVATE_NS=1 exec unshare -m --propagation private sh "$0" "$@"
fi
work=$(mktemp -d) || exit 99
trap 'umount "$work/mnt" 2>/dev/null; rm -rf "$work"' EXIT
. "$src/tests/report/lib.sh"
profile=$src/profiles/crowd-safety.ini
make_text_bundle "$work/small"
make_text_bundle "$work/big"
# 400 KB of released text: more than the 256 KB filesystem holds.
cat >"$work/big/analysis.lua" <<'LUA'
output.text("big", string.rep("0123456789abcdef", 25600))
LUA
mkdir "$work/mnt"
n=0
t() {
	d=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $d"; else echo "not ok $n - $d"; fi
}
leftovers() { # nothing in the mount but what the test put there
	[ "$(ls -A "$work/mnt" | grep -v '^old$' | wc -l)" = 0 ]
}
echo "1..12"

mount -t tmpfs -o size=256k,mode=0755 tmpfs "$work/mnt" || exit 99
"$exe" run "$work/big" --profile "$profile" --out "$work/mnt/out" \
	>"$work/stdout" 2>"$work/stderr"
rc=$?
t "full filesystem: exit 74 (got $rc)" [ "$rc" = 74 ]
t "full filesystem: a clear message" \
	grep -q 'proeftuin: .*no space left on device' "$work/stderr"
t "full filesystem: no report folder and no temporary folder left" leftovers
t "full filesystem: no verdict printed" [ ! -s "$work/stdout" ]

# An older, complete report survives a failed replacement.
"$exe" run "$work/small" --profile "$profile" --out "$work/mnt/old" \
	>/dev/null 2>&1
before=$(cd "$work/mnt/old" && cat SHA256SUMS)
"$exe" run "$work/big" --profile "$profile" --out "$work/mnt/old" --force \
	>/dev/null 2>"$work/stderr"
rc=$?
t "full filesystem with --force: exit 74 (got $rc)" [ "$rc" = 74 ]
t "full filesystem with --force: the old report is intact" sh -c \
	"cd '$work/mnt/old' && sha256sum -c --quiet SHA256SUMS && [ \"\$(cat SHA256SUMS)\" = '$before' ]"
t "full filesystem with --force: no temporary folder left" leftovers

# A non-empty --out is refused before anything runs.
"$exe" run "$work/small" --profile "$profile" --out "$work/mnt/old" \
	>/dev/null 2>"$work/stderr"
rc=$?
t "non-empty --out without --force: exit 73 (got $rc)" [ "$rc" = 73 ]
t "non-empty --out without --force: the hint names --force" \
	grep -q -- '--force' "$work/stderr"

rm -rf "$work/mnt/old"
mount -o remount,ro "$work/mnt" || exit 99
"$exe" run "$work/small" --profile "$profile" --out "$work/mnt/out" \
	>"$work/stdout" 2>"$work/stderr"
rc=$?
t "read-only filesystem: exit 73 (got $rc)" [ "$rc" = 73 ]
t "read-only filesystem: a clear message" \
	grep -q 'proeftuin: .*read-only file system' "$work/stderr"
t "read-only filesystem: nothing written" leftovers
