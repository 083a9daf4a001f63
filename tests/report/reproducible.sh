#!/bin/sh
# reproducible.sh PROEFTUIN SRCDIR: the same bundle and profile give
# byte-identical report files whatever the path, time zone, locale, umask
# or working folder; only run.log differs.  Prints TAP.
set -u
exe=$(realpath "$1") src=$(realpath "$2")
work=$(mktemp -d) || exit 99
trap 'rm -rf "$work"' EXIT
. "$src/tests/report/lib.sh"
make_text_bundle "$work/one/b"
mkdir -p "$work/two/deeper"
cp -r "$work/one/b" "$work/two/deeper/other-name"
cp "$src/profiles/crowd-safety.ini" "$work/two/p.ini"
(cd "$work/one" && SOURCE_DATE_EPOCH=1700000000 TZ=UTC LC_ALL=C \
	"$exe" run b --profile "$src/profiles/crowd-safety.ini" --out out \
	>/dev/null 2>&1)
(cd / && umask 077 && SOURCE_DATE_EPOCH=1700000000 TZ=Pacific/Chatham \
	LC_ALL=nl_NL.UTF-8 LANG=nl_NL.UTF-8 HOME=/nonexistent \
	"$exe" run "$work/two/deeper/other-name" --profile "$work/two/p.ini" \
	--out "$work/two/out" >/dev/null 2>&1)
echo "1..3"
if cmp -s "$work/one/out/SHA256SUMS" "$work/two/out/SHA256SUMS"; then
	echo "ok 1 - identical SHA256SUMS"
else
	echo "not ok 1 - SHA256SUMS differ"
	diff "$work/one/out/SHA256SUMS" "$work/two/out/SHA256SUMS" | sed 's/^/# /'
fi
if (cd "$work/two/out" && sha256sum -c --quiet SHA256SUMS); then
	echo "ok 2 - every file matches SHA256SUMS"
else
	echo "not ok 2 - a file does not match SHA256SUMS"
fi
if [ "$(stat -c %a "$work/two/out/report.json")" = 644 ]; then
	echo "ok 3 - file modes do not follow the umask"
else
	echo "not ok 3 - report.json mode $(stat -c %a "$work/two/out/report.json")"
fi
