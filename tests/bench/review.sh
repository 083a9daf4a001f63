#!/bin/sh
# review.sh - what signing, reviewing and releasing cost.  Not a test:
# prints medians and a ratio.  Not run by `meson test`.
#
#   tests/bench/review.sh [BUILD_DIR]
#
# On the shipped jeugdzorg-preventie pilot: `run --sign` against plain
# `run` (the baseline: the same run without a signature), then the
# signature check of the signed report folder with two advisors' decisions
# and of its release package, and `review --list`.  Runs are interleaved
# (tests/bench/interleave.py), RUNS rounds after one warm-up.
# Environment: RUNS (default 15).
set -eu

BUILD=${1:-build}
RUNS=${RUNS:-15}
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
PT=$(cd "$BUILD" && pwd)/runner/proeftuin
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export PROEFTUIN_KEYRING="$T/keys" SOURCE_DATE_EPOCH=1767225600
P="$SRC/scripts/examples/jeugdzorg-preventie"
PR="$SRC/profiles/jeugdzorg-preventie.ini"

for k in custodian alice bob; do
	"$PT" key new "$k" --email "$k@bench.example" >/dev/null
done
"$PT" run "$P" --profile "$PR" --out "$T/rep" --sign custodian >/dev/null
for k in alice bob; do
	"$PT" review "$T/rep" --as "$k" --approve children_by_wijk \
		--comment "ok" >/dev/null
	"$PT" review "$T/rep" --as "$k" --decide approve --comment "ok" \
		>/dev/null
done
"$PT" release "$T/rep" --to "$T/pkg" --as custodian >/dev/null

python3 "$HERE/interleave.py" "$RUNS" 1 \
	"run=$PT run $P --profile $PR --out $T/a --force" \
	"run_sign=$PT run $P --profile $PR --out $T/b --force --sign custodian" \
	"verify_report=$PT verify $T/rep" \
	"verify_package=$PT verify $T/pkg" \
	"review_list=$PT review $T/rep --as alice --list" >"$T/times"
cat "$T/times"
awk '$1 == "run" { a = $2 } $1 == "run_sign" { b = $2 }
	END { printf "run --sign / run: %.3f (median %.1f ms / %.1f ms)\n",
	      b / a, b, a }' "$T/times"
echo "package: $(du -sk "$T/pkg" | cut -f1) KiB folder," \
	"$(du -k "$T/pkg.tar.zst" | cut -f1) KiB .tar.zst," \
	"$(find "$T/pkg" -type f | wc -l) files"
