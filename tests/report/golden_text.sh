#!/bin/sh
# golden_text.sh PROEFTUIN SRCDIR: the golden test on a text-output bundle
# generated at test time.
set -u
exe=$1 src=$2
work=$(mktemp -d) || exit 99
trap 'rm -rf "$work"' EXIT
. "$src/tests/report/lib.sh"
make_text_bundle "$work/bundle"
sh "$src/tests/report/golden.sh" "$exe" "$work/bundle" \
	"$src/profiles/crowd-safety.ini" "$src/tests/report/golden/text-notes"
