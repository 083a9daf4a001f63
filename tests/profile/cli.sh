#!/bin/sh
# cli.sh - `proeftuin profile lint|show` and `proeftuin check` from the
# command line: every shipped profile lints, every shipped example bundle
# passes `check` against its profile, a deliberately wrong copy of each fails
# with the right reasons, and bad profiles exit 78 with "PATH:LINE: message".
# Usage: cli.sh PROEFTUIN SOURCE_ROOT   (prints TAP)
set -u
pt=$1
src=$2
tmp=$(mktemp -d /tmp/pt-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
T=$tmp
. "$src/tests/lib/tap.sh"

# run CMD...: stdout to $tmp/out, stderr to $tmp/err, status to $rc
run() {
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

pilots="crowd-safety greenflow klimaatstraat talking-traffic jeugdzorg-preventie default"

for p in $pilots; do
	run "$pt" profile lint "$src/profiles/$p.ini"
	[ $rc = 0 ] && [ "$(cat "$tmp/out")" = ok ] && [ ! -s "$tmp/err" ]
	ok $? "profile lint $p"
	run "$pt" profile show "$src/profiles/$p.ini"
	[ $rc = 0 ] && grep -q "^Profile '$p', version " "$tmp/out" &&
	    grep -q "^Disclosure rules for every output" "$tmp/out" &&
	    ! grep -q "(null)" "$tmp/out" && [ ! -s "$tmp/err" ]
	ok $? "profile show $p"
	run "$pt" check "$src/scripts/examples/$p" --profile "$src/profiles/$p.ini"
	[ $rc = 0 ] && [ "$(tail -n 1 "$tmp/out")" = admitted ] &&
	    ! grep -q '^FAIL' "$tmp/out"
	ok $? "check example $p against its profile"
	run "$pt" check "$src/scripts/examples/$p" --profile "$src/profiles/$p.ini" --json
	[ $rc = 0 ] && grep -q '"result":"admitted"' "$tmp/out"
	ok $? "check --json example $p"
done

# A wrong copy of an example: wrong_bundle PILOT SED-SCRIPT, then expect
# status 2 and each given "check subject" to be reported as FAIL.
wrong_bundle() {
	rm -rf "$tmp/b"
	cp -r "$src/scripts/examples/$1" "$tmp/b"
	sed "$2" "$src/scripts/examples/$1/experiment.ini" >"$tmp/b/experiment.ini"
	run "$pt" check "$tmp/b" --profile "$src/profiles/$1.ini"
}

expect_fail() {
	grep -q "^FAIL  $1 *$2: " "$tmp/out"
}

wrong_bundle crowd-safety 's/^columns = .*/columns = zone, mac_hash, visitors/'
[ $rc = 2 ] && expect_fail identifier_not_requested mac_hash &&
    [ "$(tail -n 1 "$tmp/out")" = refused ]
ok $? "crowd-safety: asking for mac_hash is refused"

wrong_bundle greenflow 's/^columns = .*/columns = licence_plate, intersection, delay_s/; s/^purpose .*/purpose = enforcement/'
[ $rc = 2 ] && expect_fail identifier_not_requested licence_plate &&
    expect_fail purpose_permitted enforcement
ok $? "greenflow: licence plates and an unlisted purpose are refused"

wrong_bundle klimaatstraat 's/^columns = .*/columns = station, battery_mv, wind_speed/'
[ $rc = 2 ] && expect_fail column_granted battery_mv &&
    expect_fail column_granted wind_speed && expect_fail column_in_header wind_speed &&
    grep -q '^pass  column_in_header *battery_mv' "$tmp/out"
ok $? "klimaatstraat: ungranted and absent columns are refused"

wrong_bundle talking-traffic 's/^columns = .*/columns = vehicle_pseudonym, intersection/; s/^file .*/file = data\/missing.csv/'
[ $rc = 2 ] && expect_fail identifier_not_requested vehicle_pseudonym &&
    expect_fail dataset_file_present data/missing.csv
ok $? "talking-traffic: pseudonyms and a missing file are refused"

wrong_bundle jeugdzorg-preventie 's/^\[dataset.children\]/[dataset.persons]/; s/^entry .*/entry = main.lua/'
[ $rc = 2 ] && expect_fail dataset_granted persons && expect_fail entry_present main.lua
ok $? "jeugdzorg-preventie: an ungranted dataset and a missing entry are refused"

wrong_bundle default 's/^columns = .*/columns = record_id, value/'
[ $rc = 2 ] && expect_fail identifier_not_requested record_id
ok $? "default: the record id is refused"

# Bundle problems are findings, exit 2: an unsafe entry, a bad manifest.
rm -rf "$tmp/b"
cp -r "$src/scripts/examples/default" "$tmp/b"
ln -s /etc/passwd "$tmp/b/data/link.csv"
run "$pt" check "$tmp/b" --profile "$src/profiles/default.ini"
[ $rc = 2 ] && grep -q "data/link.csv: symbolic links are not allowed" "$tmp/err"
ok $? "check: a bundle refused at intake exits 2"
rm "$tmp/b/data/link.csv"
printf '[experiment]\nname = x\ncolour = red\n' >"$tmp/b/experiment.ini"
run "$pt" check "$tmp/b" --profile "$src/profiles/default.ini"
[ $rc = 2 ] && [ "$(cat "$tmp/err")" = "proeftuin: $tmp/b/experiment.ini:3: unknown key 'colour' in [experiment]" ]
ok $? "check: a bad manifest exits 2 with BUNDLE/experiment.ini:LINE"

# Bad profiles: exit 78 with "proeftuin: PATH:LINE: message" for lint and
# check alike.
bad_profile() {
	printf '%s\n' "$@" >"$tmp/bad.ini"
}
head_lines='[profile]
name = t
version = 1
owner = o
purposes = p
legal_basis = b
public_interest = public-safety'

bad_profile "$head_lines" '[limits]' 'wall_seconds = 0'
run "$pt" profile lint "$tmp/bad.ini"
[ $rc = 78 ] && [ "$(cat "$tmp/err")" = "proeftuin: $tmp/bad.ini:9: wall_seconds must be between 1 and 86400" ] && [ ! -s "$tmp/out" ]
ok $? "lint: out-of-range limit exits 78 with file:line"

bad_profile "$head_lines" '[disclosure]' 'min_cel = 10'
run "$pt" profile lint "$tmp/bad.ini"
[ $rc = 78 ] && [ "$(cat "$tmp/err")" = "proeftuin: $tmp/bad.ini:9: unknown key 'min_cel' in [disclosure]; did you mean 'min_cell'?" ]
ok $? "lint: misspelt key exits 78 with file:line"

run "$pt" check "$src/scripts/examples/default" --profile "$tmp/bad.ini"
[ $rc = 78 ] && [ "$(cat "$tmp/err")" = "proeftuin: $tmp/bad.ini:9: unknown key 'min_cel' in [disclosure]; did you mean 'min_cell'?" ]
ok $? "check: a bad profile exits 78 before the bundle is looked at"

bad_profile "$head_lines" '[dataset.kids]' 'access = rows' 'columns = a' \
    'personal = yes' 'special_category = yes'
run "$pt" profile lint "$tmp/bad.ini"
[ $rc = 78 ] && grep -q "bad.ini:12: \[dataset.kids\] holds special-category data and must be aggregate-only" "$tmp/err"
ok $? "lint: special-category rows without the override exit 78"

bad_profile "$head_lines" '[dataset.d]' 'access = aggregate' 'columns = a' \
    'personal = yes' 'special_category = no'
run "$pt" profile lint "$tmp/bad.ini"
[ $rc = 0 ] && [ "$(cat "$tmp/out")" = ok ] &&
    grep -q "bad.ini:9: warning: \[dataset.d\] is personal but \[profile\] states no necessity" "$tmp/err"
ok $? "lint: personal data without a necessity statement is ok with a warning"

run "$pt" profile lint "$tmp/nonexistent.ini"
[ $rc = 66 ]
ok $? "lint: a missing profile exits 66"

run "$pt" profile lint
[ $rc = 64 ]
ok $? "profile without arguments exits 64"

run "$pt" profile explain "$src/profiles/default.ini"
[ $rc = 64 ]
ok $? "profile with an unknown verb exits 64"

# show: sentences, not a dump.
run "$pt" profile show "$src/profiles/jeugdzorg-preventie.ini"
[ $rc = 0 ] &&
    grep -q "^Profile 'jeugdzorg-preventie', version 1, kept by" "$tmp/out" &&
    grep -q "scripts may only compute aggregates" "$tmp/out" &&
    tr '\n' ' ' <"$tmp/out" | grep -q "special-category personal data (GDPR art. 9), pseudonymised" &&
    tr '\n' ' ' <"$tmp/out" | grep -q "at least 15 contributors" &&
    tr '\n' ' ' <"$tmp/out" | grep -q "Cells that are zero make the output fail" &&
    tr '\n' ' ' <"$tmp/out" | grep -q "AI Act art. 59(1)(b)" &&
    ! grep -q "=" "$tmp/out"
ok $? "show explains the youth-care profile in sentences"

run "$pt" profile show "$src/profiles/klimaatstraat.ini"
[ $rc = 0 ] && tr '\n' ' ' <"$tmp/out" | grep -q "may read individual rows" &&
    tr '\n' ' ' <"$tmp/out" | grep -q "holds no personal data" &&
    awk 'length > 76 { bad = 1 } END { exit bad }' "$tmp/out"
ok $? "show: row access, no personal data, lines within 76 columns"

# The committed example data is exactly what the generators print.
for g in crowd-safety:counts greenflow:events klimaatstraat:readings \
    talking-traffic:passages jeugdzorg-preventie:children default:sample; do
	name=${g%%:*}
	file=${g#*:}
	awk -f "$src/scripts/examples/generate/$name.awk" >"$tmp/gen.csv" &&
	    cmp -s "$tmp/gen.csv" "$src/scripts/examples/$name/data/$file.csv"
	ok $? "regenerating $name/data/$file.csv gives identical bytes"
done

finish
