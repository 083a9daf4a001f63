#!/bin/sh
# tests/review/review.sh - review and release end to end on shipped pilots
# (run --sign, two advisors, release, verify), golden statements, and every
# refusal: the team's contact, a vote or decision cast twice, missing
# comments, blinding, too few approvals, forged, reordered, replayed and
# foreign records, an edited audit log, an unknown signer, a concurrent
# writer, an edited package, a FAIL report, run --force over decisions.
# TAP output.  Usage: review.sh PROEFTUIN SRCDIR MKKEY
set -u

. "$2/tests/lib/tap.sh"
tap_start "$@"
MKKEY=$3

GOLD="$SRC/tests/review/golden"
export PROEFTUIN_KEYRING="$T/keys"
export SOURCE_DATE_EPOCH=1767225600
unset XDG_CONFIG_HOME

# Keys from fixed seeds: every signature below is the same on every run
# of the same build on the same host (the report, and so what is signed,
# holds what the sandbox read back about the host: statements.py names
# such digests for the golden file).
"$MKKEY" "$T/keys" custodian data@zwolle.example seed-custodian
"$MKKEY" "$T/keys" alice alice@zwolle.example seed-alice
"$MKKEY" "$T/keys" bob bob@zwolle.example seed-bob
"$MKKEY" "$T/keys" carol carol@zwolle.example seed-carol
# A second key of alice's.
"$MKKEY" "$T/keys" alice2 Alice@zwolle.example seed-alice2
# The pilot's own contact, with a key in the keyring all the same.
"$MKKEY" "$T/keys" team preventie@example.org seed-team
# A stranger whose key is in no one's keyring.
"$MKKEY" "$T/other" mallory mallory@example.org seed-mallory

PROFILE="$SRC/profiles/jeugdzorg-preventie.ini"
PILOT="$SRC/scripts/examples/jeugdzorg-preventie"

# golden NAME FILE: FILE equals golden/NAME (UPDATE_GOLDEN=1 rewrites it).
golden() {
	if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
		mkdir -p "$GOLD"
		cp "$2" "$GOLD/$1"
	fi
	cmp -s "$2" "$GOLD/$1"
	ok $? "$1 is byte-identical to its golden file"
}

# payload FILE [LINE]: the decoded statement of a DSSE envelope.
payload() {
	sed -n "${2:-1}p" "$1" | sed 's/.*"payload":"\([^"]*\)".*/\1/' |
	    base64 -d
}

# --- 1. The shipped pilot as it is: PASS, two advisors, release --------
expect 0 "the pilot runs and is signed by the custodian" -- \
	"$PT" run "$PILOT" --profile "$PROFILE" --out "$T/pass" \
	--sign custodian
[ -f "$T/pass/provenance.dsse.json" ]
ok $? "run --sign writes provenance.dsse.json"
payload "$T/pass/provenance.dsse.json" >"$T/prov.json"
has "$T/prov.json" '"predicateType":"https://slsa.dev/provenance/v1"' &&
	has "$T/prov.json" '"_type":"https://in-toto.io/Statement/v1"' &&
	has "$T/prov.json" "\"name\":\"SHA256SUMS\"" &&
	has "$T/prov.json" '"proeftuin_version":"proeftuin 0.1.0"'
ok $? "the provenance is an in-toto statement naming every report file"
! grep -rq "private = " "$T/pass"
ok $? "no private key is in the report folder"
"$PT" run "$PILOT" --profile "$PROFILE" --out "$T/pass2" --sign custodian \
	>/dev/null
cmp -s "$T/pass/provenance.dsse.json" "$T/pass2/provenance.dsse.json"
ok $? "a re-run gives a byte-identical signed provenance"
expect 0 "verify checks the signatures" -- "$PT" verify "$T/pass"
has "$T/out" "signatures: valid (run by custodian; 0 decision records"
ok $? "verify names the custodian"
expect 0 "verify re-runs the report and checks its signatures" -- \
	"$PT" verify "$T/pass" --bundle "$PILOT" --profile "$PROFILE"
has "$T/out" identical && has "$T/out" "signatures: valid"
ok $? "re-run: identical, signatures valid"

for who in alice bob; do
	expect 0 "$who approves an output of the PASS report" -- \
		"$PT" review "$T/pass" --as "$who" --approve children_by_wijk \
		--comment "cells of at least 15 children"
	expect 0 "$who gives the overall decision" -- \
		"$PT" review "$T/pass" --as "$who" --decide approve \
		--comment "within the purpose" --conditions "review yearly" \
		--public
done
payload "$T/pass/decisions/alice.jsonl" 2 >"$T/vsa.json"
has "$T/vsa.json" '"predicateType":"https://slsa.dev/verification_summary/v1"' &&
	has "$T/vsa.json" '"verificationResult":"PASSED"' &&
	has "$T/vsa.json" '"policy":{"digest":{"sha256":"'
ok $? "the overall decision is a VSA with the profile as its policy"

expect 0 "the custodian releases the PASS report" -- \
	"$PT" release "$T/pass" --to "$T/pkg" --as custodian
has "$T/out" "released: 6 outputs, withheld: 0"
ok $? "release says what left"
[ -d "$T/pkg" ] && [ -f "$T/pkg.tar.zst" ]
ok $? "release writes the package folder and its .tar.zst"
python3 "$SRC/tests/review/statements.py" "$T/pass" "$T/pkg" \
	>"$T/statements.txt"
golden statements.txt "$T/statements.txt"
cmp -s "$T/statements.txt" "$GOLD/statements.txt" ||
	diff -u "$GOLD/statements.txt" "$T/statements.txt" | head -30 |
	sed 's/^/# /'
expect 0 "verify checks the released package" -- "$PT" verify "$T/pkg"
has "$T/out" "release: valid"
ok $? "verify: release valid"
mkdir "$T/untar"
tar --zstd -xf "$T/pkg.tar.zst" -C "$T/untar" && diff -r "$T/pkg" "$T/untar"
ok $? "the archive holds exactly the package folder"
expect 0 "the unpacked archive verifies too" -- "$PT" verify "$T/untar"
expect 65 "the team's contact cannot release" -- \
	"$PT" release "$T/pass" --to "$T/pkg3" --as team
has "$T/err" "team's contact and cannot release"
ok $? "message names the contact"
expect 64 "a package inside the report folder is refused" -- \
	"$PT" release "$T/pass" --to "$T/pass/outputs/pkg" --as custodian
[ ! -e "$T/pass/outputs/pkg" ]
ok $? "nothing was written into the report folder"
echo "1,2" >"$T/pass/outputs/leak.csv"
expect 2 "a file slipped into outputs/ is found" -- "$PT" verify "$T/pass"
has "$T/out" "outputs/leak.csv is not in SHA256SUMS"
ok $? "verify names the slipped-in file"
rm "$T/pass/outputs/leak.csv"
expect 73 "a package is never replaced" -- \
	"$PT" release "$T/pass" --to "$T/pkg" --as custodian
expect 73 "run --force does not delete the advisors' decisions" -- \
	"$PT" run "$PILOT" --profile "$PROFILE" --out "$T/pass" --force
has "$T/err" "holds advisors' decisions"
ok $? "message says why"

# --- 2. A held output: the rules ---------------------------------------
cp -r "$PILOT" "$T/b"
echo 'output.text("notes", "Method: counts per wijk, rounded to 5.")' \
	>>"$T/b/analysis.lua"
expect 1 "a pilot with free text runs as REVIEW" -- \
	"$PT" run "$T/b" --profile "$PROFILE" --out "$T/rep" --sign custodian
R="$T/rep"
expect 65 "the team's contact cannot review its own bundle" -- \
	"$PT" review "$R" --as team --approve notes
has "$T/err" "team (preventie@example.org) is the team's contact"
ok $? "message names the contact"
expect 64 "a rejection needs a comment" -- \
	"$PT" review "$R" --as alice --reject notes
has "$T/err" "a vote to reject needs a comment"
ok $? "message says to add --comment"
expect 64 "an unknown output is refused" -- \
	"$PT" review "$R" --as alice --approve nosuch
expect 65 "no overall decision before a vote on every held output" -- \
	"$PT" review "$R" --as alice --decide approve --comment fine
has "$T/err" "has not voted on notes"
ok $? "message names the output"
expect 64 "the overall decision needs a comment" -- \
	"$PT" review "$R" --as alice --decide approve
expect 0 "alice approves the notes" -- \
	"$PT" review "$R" --as alice --approve notes --comment "method only"
expect 65 "alice cannot vote on the notes twice" -- \
	"$PT" review "$R" --as alice --reject notes --comment "changed mind"
has "$T/err" "alice has already voted on notes; a vote is final"
ok $? "message says the vote is final"
expect 0 "alice asks for changes on a released table, privately" -- \
	"$PT" review "$R" --as alice --request-changes children_by_wijk \
	--comment "secret-comment-of-alice"
expect 0 "alice decides" -- \
	"$PT" review "$R" --as alice --decide approve --comment "ok"
expect 65 "alice cannot decide twice" -- \
	"$PT" review "$R" --as alice --decide reject --comment "no"
expect 65 "alice cannot vote after her decision" -- \
	"$PT" review "$R" --as alice --approve youth_care_by_age

expect 65 "a second key of one person does not make a second reviewer" -- \
	"$PT" review "$R" --as alice2 --approve notes --comment "me again"
has "$T/err" "alice2 has the e-mail address of alice"
ok $? "message says one person counts once"
expect 0 "bob lists the report before deciding" -- \
	"$PT" review "$R" --as bob --list
! has "$T/out" alice && ! has "$T/out" "secret-comment"
ok $? "bob does not see alice's votes before his own decision"
expect 0 "the team lists the report" -- "$PT" review "$R" --list
! has "$T/out" "secret-comment"
ok $? "the team does not see private comments"
expect 65 "release refuses too few approvals" -- \
	"$PT" release "$R" --to "$T/early" --as custodian \
	--leave-out children_by_wijk
has "$T/err" "review/notes.txt has 1 of the 2 approvals it needs"
ok $? "message says how many approvals and how to get them"
[ ! -e "$T/early" ] && [ ! -e "$T/early.tar.zst" ]
ok $? "a refused release writes nothing"

# A concurrent writer holds the lock: the second is refused, untouched.
sum_before=$(cat "$R"/decisions/* | sha256sum)
flock "$R" sleep 3 &
lockpid=$!
sleep 0.5
expect 75 "a second reviewer writing at the same time is refused" -- \
	"$PT" review "$R" --as bob --approve notes --comment "fine"
has "$T/err" "another reviewer is writing"
ok $? "message says another reviewer is writing"
wait "$lockpid"
[ "$(cat "$R"/decisions/* | sha256sum)" = "$sum_before" ]
ok $? "the refused writer left the decisions as they were"

# A writer killed half-way leaves a stage; the next writer clears it.
mkdir "$R/.decisions.999999"
echo junk >"$R/.decisions.999999/alice.jsonl"
expect 0 "bob approves the notes" -- \
	"$PT" review "$R" --as bob --approve notes --comment "fine"
[ ! -e "$R/.decisions.999999" ]
ok $? "a stale stage of a killed writer is cleared"
expect 65 "release refuses while an output has changes requested" -- \
	"$PT" release "$R" --to "$T/early" --as custodian
has "$T/err" "alice asked for changes; hint: leave it out with --leave-out children_by_wijk"
ok $? "message names who and the way out"
expect 65 "release refuses without enough overall approvals" -- \
	"$PT" release "$R" --to "$T/early" --as custodian \
	--leave-out children_by_wijk
has "$T/err" "1 of the 2 overall approvals"
ok $? "message counts the overall approvals"
expect 0 "bob decides" -- \
	"$PT" review "$R" --as bob --decide approve --comment "agreed"
expect 0 "bob lists the report after deciding" -- \
	"$PT" review "$R" --as bob --list
has "$T/out" "secret-comment-of-alice" && has "$T/out" "approved: 2 approve"
ok $? "after his decision bob sees alice's votes and comments"

# --- 3. Tampering with the records ---------------------------------------
D="$R/decisions"
cp -a "$D" "$T/saved"
restore() {
	rm -rf "$D"
	cp -a "$T/saved" "$D"
}
# verify_invalid DESC TEXT: verify refuses, naming TEXT.
verify_invalid() {
	expect 2 "$1 is found" -- "$PT" verify "$R"
	has "$T/out" "$2"
	ok $? "$1: verify says '$2'" || true
	has "$T/out" "$2" || sed 's/^/# got: /' "$T/out"
	restore
}
python3 - "$D/alice.jsonl" <<'PY'
import sys, json, base64
p = sys.argv[1]
lines = open(p).read().splitlines()
env = json.loads(lines[0])
st = base64.b64decode(env["payload"]).replace(b'"approve"', b'"reject"')
env["payload"] = base64.b64encode(st).decode()
lines[0] = json.dumps(env, separators=(",", ":"), sort_keys=True)
open(p, "w").write("\n".join(lines) + "\n")
PY
verify_invalid "a forged vote" "not the record audit event 1 names"
python3 - "$D/alice.jsonl" "$D/audit.jsonl" <<'PY'
import sys, json, base64, hashlib
# A forger who also rewrites the audit log still meets the signature.
p, a = sys.argv[1], sys.argv[2]
lines = open(p).read().splitlines()
env = json.loads(lines[0])
st = base64.b64decode(env["payload"]).replace(b'"approve"', b'"reject"')
env["payload"] = base64.b64encode(st).decode()
lines[0] = json.dumps(env, separators=(",", ":"), sort_keys=True)
open(p, "w").write("\n".join(lines) + "\n")
log = open(a).read().splitlines()
ev = json.loads(log[0])
ev["record_sha256"] = hashlib.sha256(lines[0].encode()).hexdigest()
log[0] = json.dumps(ev, separators=(",", ":"), sort_keys=True)
open(a, "w").write("\n".join(log) + "\n")
PY
verify_invalid "a forged vote with a rewritten log" "does not verify: the record was changed after it was signed"
awk 'NR == 1 { first = $0; next } NR == 2 { print; print first; next }
	{ print }' "$T/saved/alice.jsonl" >"$D/alice.jsonl"
verify_invalid "reordered records" "records were changed, reordered or replayed"
sed -n '1p' "$T/saved/alice.jsonl" >>"$D/alice.jsonl"
verify_invalid "a replayed record" "holds a record that the audit log does not name"
sed 's/secret-comment-of-alice/secret-comment-of-bob/' \
	"$T/saved/alice.notes" >"$D/alice.notes"
verify_invalid "an edited private comment" "is not the one it signed"
rm "$D/alice.notes"
verify_invalid "a removed private comment" "private comment is missing"
sed 's/"summary":"approve"/"summary":"reject"/' "$T/saved/audit.jsonl" \
	>"$D/audit.jsonl"
verify_invalid "an edited audit log" "does not say what audit event 1 says"
sed '2s/"seq":2/"seq":3/' "$T/saved/audit.jsonl" >"$D/audit.jsonl"
verify_invalid "a renumbered audit log" "the log was edited"
head -n 2 "$T/saved/audit.jsonl" >"$D/audit.jsonl"
verify_invalid "a truncated audit log" "holds a record that the audit log does not name"
echo hi >"$D/notes.txt"
verify_invalid "a stray file in decisions/" "does not belong there"
cp "$T/saved/alice.jsonl" "$D/bob.jsonl"
verify_invalid "alice's records under bob's name" "records were changed, reordered or replayed"

# Records of another report: the PASS report's decisions in this one.
rm -rf "$D"
cp -a "$T/pass/decisions" "$D"
verify_invalid "decisions on another report" "belongs to another report"

# A stranger signs a vote with a key no one trusts.
mkdir "$T/mring"
cp "$T/keys/"*.pub "$T/other/mallory.key" "$T/other/mallory.pub" "$T/mring/"
"$PT" review "$R" --as mallory --keyring "$T/mring" --approve youth_care_by_age \
	>/dev/null 2>&1
ok $? "(setup) mallory records a vote with her own keyring"
expect 2 "a record by a key outside the keyring is found" -- \
	"$PT" verify "$R"
has "$T/out" "which is not in the keyring"
ok $? "verify says the signer is not in the keyring"
restore

# A changed report file invalidates every decision.
cp "$R/report.md" "$T/report.md"
echo "edited" >>"$R/report.md"
expect 2 "a changed report is found" -- "$PT" verify "$R"
has "$T/out" "report.md differs from SHA256SUMS"
ok $? "verify names the changed file"
cp "$T/report.md" "$R/report.md"

# --- 4. Release of the held output, and a package changed afterwards ------
cp -a "$R" "$T/rep-copy"
expect 0 "the custodian releases, leaving out the table with changes" -- \
	"$PT" release "$R" --to "$T/rel" --as custodian \
	--leave-out children_by_wijk
has "$T/out" "released: 6 outputs, withheld: 1"
ok $? "six released, one withheld"
[ -f "$T/rel/review/notes.txt" ] && [ ! -e "$T/rel/outputs/children_by_wijk.csv" ]
ok $? "the approved note is in the package, the left-out table is not"
payload "$T/rel/release.dsse.json" >"$T/rel.json"
has "$T/rel.json" '"reason":"approved by alice, bob"' &&
	has "$T/rel.json" '"reason":"left out by the releaser"'
ok $? "the release statement says who approved and what was left out"
has "$T/rel/release.md" "## Audit log" &&
	has "$T/rel/release.md" "bob decision: approve" &&
	has "$T/rel/release.html" "<h2>Audit log</h2>" &&
	! grep -q "<script" "$T/rel/release.html"
ok $? "release.md and release.html show the decisions and the audit log"
expect 0 "the package verifies" -- "$PT" verify "$T/rel"
! grep -rq "secret-comment-of-alice" "$T/rel" "$T/rel.tar.zst" &&
	grep -q "secret-comment-of-alice" "$R/decisions/alice.notes"
ok $? "a comment for the reviewers stays in the report folder, out of the package"
"$PT" release "$T/rep-copy" --to "$T/rel-again" --as custodian \
	--leave-out children_by_wijk >/dev/null
cmp -s "$T/rel.tar.zst" "$T/rel-again.tar.zst" &&
	diff -r "$T/rel" "$T/rel-again" >/dev/null
ok $? "the same decisions give a byte-identical package and archive"
expect 0 "the report folder still verifies, with the release logged" -- \
	"$PT" verify "$R"
has "$R/decisions/audit.jsonl" '"event":"release"'
ok $? "the report folder's audit log has the release event"

cp -a "$T/rel" "$T/rel-saved"
restore_pkg() {
	rm -rf "$T/rel"
	cp -a "$T/rel-saved" "$T/rel"
}
pkg_invalid() {
	expect 2 "$1 is found" -- "$PT" verify "$T/rel"
	has "$T/out" "$2"
	ok $? "$1: verify says '$2'"
	has "$T/out" "$2" || sed 's/^/# got: /' "$T/out"
	restore_pkg
}
echo "1,2" >>"$T/rel/review/notes.txt"
pkg_invalid "an edited package file" "changed after release"
cp "$R/outputs/children_by_wijk.csv" "$T/rel/outputs/"
pkg_invalid "a file added to the package" "added after the release was signed"
rm "$T/rel/outputs/youth_care_by_age.csv"
pkg_invalid "a file removed from the package" "lacks a file"
sed -i '$d' "$T/rel/decisions/audit.jsonl"
pkg_invalid "a package log without its release" "does not end with this release"
cp "$T/pkg/release.dsse.json" "$T/rel/release.dsse.json"
pkg_invalid "another release's statement" "differs from the release statement"

# --- 5. A writer killed at any moment leaves the old state or the new --
bad=0
for delay in 0 0.001 0.002 0.003 0.004 0.005 0.006 0.008 0.010 0.015 \
	0.020 0.030; do
	rm -rf "$T/k"
	cp -a "$T/rep-copy" "$T/k"
	before=$(wc -l <"$T/k/decisions/audit.jsonl")
	"$PT" review "$T/k" --as carol --approve notes --comment "fine" \
		>/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	after=$(wc -l <"$T/k/decisions/audit.jsonl")
	if ! "$PT" verify "$T/k" >/dev/null 2>&1 ||
	    [ $((after - before)) -gt 1 ]; then
		echo "# killed after ${delay}s: $("$PT" verify "$T/k" 2>&1)" >&2
		bad=$((bad + 1))
	fi
done
[ "$bad" -eq 0 ]
ok $? "a reviewer killed mid-write leaves decisions that verify (12 moments)"

# --- 6. A FAIL report releases nothing -----------------------------------
cp -r "$PILOT" "$T/f"
echo 'error("stop")' >>"$T/f/analysis.lua"
expect 2 "a failing pilot runs as FAIL" -- \
	"$PT" run "$T/f" --profile "$PROFILE" --out "$T/frep" --sign custodian
expect 65 "no one reviews a FAIL report" -- \
	"$PT" review "$T/frep" --as alice --decide approve --comment x
has "$T/err" "the verdict is FAIL"
ok $? "message says a FAIL report has nothing to decide"
"$PT" run "$PILOT" --profile "$PROFILE" --out "$T/unsigned" >/dev/null
expect 65 "an unsigned report cannot be reviewed" -- \
	"$PT" review "$T/unsigned" --as alice --list
has "$T/err" "is not signed"
ok $? "message says how to sign it"
expect 66 "a missing key is named with a hint" -- \
	"$PT" run "$PILOT" --profile "$PROFILE" --out "$T/x" --sign nobody
has "$T/err" "proeftuin key new nobody"
ok $? "the hint says how to make the key"
[ ! -e "$T/x" ]
ok $? "nothing ran without the key"

finish
