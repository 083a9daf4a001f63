#!/bin/sh
# custodian_run.sh - custodian mode end to end: `run` with a profile whose
# dataset has `path` reads the custodian's file instead of the bundle's
# sample, and the report names the source and the digest of what was read.
# Usage: custodian_run.sh PROEFTUIN SOURCE_ROOT   (prints TAP; exit 77 when
# the host cannot isolate, since `run` needs the sandbox)
set -u
pt=$1
src=$2
tmp=$(mktemp -d /tmp/pt-cust-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
T=$tmp
. "$src/tests/lib/tap.sh"

# The custodian's "real" data: different bytes (more columns, other rows)
# from the sample the bundle ships.
{
	echo "zone,window_start,visitors,sensor_id,mac_hash,operator"
	awk -f "$src/scripts/examples/generate/crowd-safety.awk" |
	    awk -F, 'NR > 1 { print $3 "," $4 "," ($5 + 1) "," $1 "," $2 ",acme" }'
} >"$tmp/real.csv"
sed "s|^special_category = no|special_category = no\npath = $tmp/real.csv|" \
    "$src/profiles/crowd-safety.ini" >"$tmp/custodian.ini"

SOURCE_DATE_EPOCH=0 "$pt" run "$src/scripts/examples/crowd-safety" \
    --profile "$tmp/custodian.ini" --out "$tmp/out" >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
if [ $rc = 71 ]; then
	echo "# isolation unavailable on this host: $(cat "$tmp/stderr")"
	exit 77
fi
real_sha=$(sha256sum "$tmp/real.csv" | cut -d' ' -f1)
sample_sha=$(sha256sum "$src/scripts/examples/crowd-safety/data/counts.csv" | cut -d' ' -f1)

[ -f "$tmp/out/report.json" ]
ok $? "run with custodian data writes a report (exit $rc)"
grep -q '"source":"custodian"' "$tmp/out/report.json" &&
    ! grep -q '"source":"sample"' "$tmp/out/report.json"
ok $? "the report says the custodian's data was used"
grep -q "\"sha256\":\"$real_sha\",\"source\":\"custodian\"" "$tmp/out/report.json"
ok $? "the report carries the digest of the custodian file"
grep -q '"check":"custodian_data_readable"' "$tmp/out/report.json"
ok $? "admission recorded the custodian data check"
! grep -q "$tmp" "$tmp/out/report.json"
ok $? "the custodian's path stays out of the report"

SOURCE_DATE_EPOCH=0 "$pt" run "$src/scripts/examples/crowd-safety" \
    --profile "$src/profiles/crowd-safety.ini" --out "$tmp/out2" >/dev/null 2>&1
grep -q "\"sha256\":\"$sample_sha\",\"source\":\"sample\"" "$tmp/out2/report.json"
ok $? "without a path the report names the sample and its digest"

# The custodian file lacks a requested column: refused at admission, with
# a report and verdict FAIL.
printf 'zone,visitors\nA,1\n' >"$tmp/real.csv"
SOURCE_DATE_EPOCH=0 "$pt" run "$src/scripts/examples/crowd-safety" \
    --profile "$tmp/custodian.ini" --out "$tmp/out3" >/dev/null 2>&1
rc=$?
[ $rc = 2 ] && grep -q '"verdict":"FAIL"' "$tmp/out3/report.json" &&
    grep -q "column 'window_start' is not in the header of the custodian data" "$tmp/out3/report.json"
ok $? "a custodian file without a requested column is refused (exit $rc)"

finish
