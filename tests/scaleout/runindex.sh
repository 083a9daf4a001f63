#!/bin/sh
# runindex.sh - proeftuin run-index and collect: results keyed by digest,
# re-runs that do nothing, the index from the engine's variable, and every
# kind of bad input (a missing line, a missing bundle, two tasks with the
# same bundle, a full disk, a task killed mid-run, a report of another
# task); fixtures are made here.
# usage: runindex.sh PROEFTUIN SRCDIR; TAP on stdout.
set -u
P=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
SRC=$2
T=$(mktemp -d)
MNT=""
cleanup() {
	[ -n "$MNT" ] && umount "$MNT" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
. "$SRC/tests/lib/tap.sh"
unset JOB_COMPLETION_INDEX SLURM_ARRAY_TASK_ID SOURCE_DATE_EPOCH

# Fixtures: two pilots, one as an archive, a bundle with a hostile name,
# and one whose script runs until it is killed.
mkdir -p "$T/w/bundles" "$T/w/profiles"
cp -r "$SRC/scripts/examples/default" "$T/w/bundles/default"
cp -r "$SRC/scripts/examples/crowd-safety" "$T/w/bundles/crowd"
cp "$SRC/profiles/default.ini" "$SRC/profiles/crowd-safety.ini" \
	"$T/w/profiles/"
"$P" pack "$T/w/bundles/default" -o "$T/w/bundles/default.tar.gz" \
	>/dev/null 2>&1
hostile='h|x<b>`*_[1]&amp;'
cp -r "$SRC/scripts/examples/default" "$T/w/bundles/$hostile"
printf 'ignored' >>"$T/w/bundles/$hostile/data/extra.txt"
mkdir -p "$T/w/bundles/slow/data"
cp "$SRC/scripts/examples/default/data/sample.csv" "$T/w/bundles/slow/data/"
sed 's/^name .*/name        = slow/' \
	"$SRC/scripts/examples/default/experiment.ini" \
	>"$T/w/bundles/slow/experiment.ini"
printf 'local x = 0\nwhile true do x = x + 1 end\n' \
	>"$T/w/bundles/slow/analysis.lua"
sed -e 's/^wall_seconds.*/wall_seconds = 3/' \
	-e 's/^cpu_seconds.*/cpu_seconds = 3/' \
	-e 's/^instructions.*/instructions = 100000000000/' \
	"$SRC/profiles/default.ini" >"$T/w/profiles/slow.ini"

L="$T/w/tasks.txt"
cat >"$L" <<EOF
# task list: BUNDLE PROFILE, relative to this folder
bundles/default profiles/default.ini

bundles/crowd	profiles/crowd-safety.ini
   bundles/default.tar.gz   profiles/default.ini
bundles/default profiles/default.ini
bundles/$hostile profiles/default.ini
bundles/missing profiles/default.ini
bundles/default
bundles/default profiles/missing.ini
EOF
R="$T/results"

# 1. Every good task: its exit is the verdict of a plain run, and its
# report is byte for byte the report of `proeftuin run`.
i=0
for b in default crowd default.tar.gz; do
	case $b in crowd) prof=crowd-safety.ini ;; *) prof=default.ini ;; esac
	(cd "$T/w" && "$P" run "bundles/$b" --profile "profiles/$prof" \
		--out "$T/plain-$i" >/dev/null 2>&1)
	want=$?
	expect "$want" "task $i exits with the verdict of a plain run ($want)" \
		-- "$P" run-index "$L" --index "$i" --results "$R"
	dir=$(sed -n 's|^report: \(.*\)/report.md$|\1|p' "$T/out")
	[ -n "$dir" ] && [ -f "$dir/report.json" ] &&
		diff "$dir/SHA256SUMS" "$T/plain-$i/SHA256SUMS" >/dev/null &&
		cmp -s "$dir/report.json" "$T/plain-$i/report.json"
	ok $? "task $i: the report is the plain run's report, byte for byte"
	i=$((i + 1))
done

# 2. The key is the bundle digest and the profile digest: the archive of
# the default bundle is the folder's key, and so its result.
d0=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["report"])' "$R/tasks/0.json")
d2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["report"])' "$R/tasks/2.json")
bd=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["reproduce"]["bundle_digest"])' "$T/plain-0/report.json")
ps=$(sha256sum "$T/w/profiles/default.ini" | cut -d' ' -f1)
[ "$d0" = "$bd-$ps/report" ] && [ "$d2" = "$d0" ]
ok $? "the result folder is BUNDLE_DIGEST-PROFILE_SHA256, the same for an archive of the same files"
has "$T/out" "finished earlier"
ok $? "the archive's task found the folder's finished result"

# 3. A re-run does nothing: same exit, same folder, not rewritten.
ino=$(stat -c %i "$R/$d0")
sum=$(cat "$R/$d0/SHA256SUMS")
expect 0 "a re-run of task 0 exits with its recorded verdict" \
	-- "$P" run-index "$L" --index 0 --results "$R"
has "$T/out" "finished earlier" && [ "$(stat -c %i "$R/$d0")" = "$ino" ] &&
	[ "$(cat "$R/$d0/SHA256SUMS")" = "$sum" ]
ok $? "the re-run left the report folder as it was"

# 4. The index from the engine: Kubernetes first, then Slurm; --index wins.
expect 0 "JOB_COMPLETION_INDEX picks the task" \
	-- env JOB_COMPLETION_INDEX=1 "$P" run-index "$L" --results "$R"
has "$T/out" "task 1:"
ok $? "JOB_COMPLETION_INDEX=1 ran task 1"
expect 0 "SLURM_ARRAY_TASK_ID picks the task" \
	-- env SLURM_ARRAY_TASK_ID=3 "$P" run-index "$L" --results "$R"
has "$T/out" "task 3:" && has "$R/tasks/3.json" '"index_from":"SLURM_ARRAY_TASK_ID"'
ok $? "SLURM_ARRAY_TASK_ID=3 ran task 3 and the record says where the index came from"
expect 0 "--index wins over the environment" \
	-- env SLURM_ARRAY_TASK_ID=7 "$P" run-index "$L" --index 1 --results "$R"
expect 64 "no index at all is a usage error" \
	-- "$P" run-index "$L" --results "$R"
expect 64 "an index that is not a number is a usage error" \
	-- env SLURM_ARRAY_TASK_ID=-1 "$P" run-index "$L" --results "$R"
has "$T/err" "SLURM_ARRAY_TASK_ID='-1' is not a task index"
ok $? "the message names the variable and its value"
expect 64 "an index past the list's end is refused (0-based)" \
	-- "$P" run-index "$L" --index 8 --results "$R"
has "$T/err" "has 8 tasks (indexes 0 to 7); there is no task 8" &&
	[ ! -e "$R/tasks/8.json" ]
ok $? "the message counts the tasks, and no record is made for a task that does not exist"

# 5. Bad lines: each a clear error of its own task, with a record.
expect 66 "a bundle that does not exist: 66" \
	-- "$P" run-index "$L" --index 5 --results "$R"
has "$T/err" "task 5 (" && has "$T/err" "bundles/missing: no such file"
ok $? "the message names the task, the list line and the bundle"
has "$R/tasks/5.json" '"state":"error"' && has "$R/tasks/5.json" '"exit":66'
ok $? "task 5's record says error 66"
expect 65 "a line without a profile: 65" \
	-- "$P" run-index "$L" --index 6 --results "$R"
has "$T/err" "tasks.txt line 9): expected BUNDLE PROFILE, found 1 field"
ok $? "the message names the line and what is wrong with it"
expect 66 "a profile that does not exist: 66" \
	-- "$P" run-index "$L" --index 7 --results "$R"
expect 66 "a list that does not exist: 66" \
	-- "$P" run-index "$T/nolist" --index 0 --results "$R"
expect 73 "a results root whose parent does not exist: 73" \
	-- "$P" run-index "$L" --index 0 --results "$T/no/such/root"

# 6. A hostile bundle name: the summary escapes it.
"$P" run-index "$L" --index 4 --results "$R" >/dev/null 2>&1
expect 66 "collect exits 66 while tasks failed" -- "$P" collect "$R" --list "$L"
has "$T/out" 'h\|x&lt;b&gt;\`\*\_\[1\]&amp;amp;' &&
	! grep -q '<b>' "$T/out"
ok $? "the Markdown table escapes | < > \` * _ [ ] & in a bundle name"
has "$T/out" "| 5 | bundles/missing | profiles/default.ini | error |"
ok $? "the table names the failed task and its state"
expect 66 "collect --json" -- "$P" collect "$R" --list "$L" --json
python3 - "$T/out" "$hostile" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
rows = s["tasks"]
assert [r["index"] for r in rows] == list(range(8)), rows
assert rows[4]["bundle"] == "bundles/" + sys.argv[2], rows[4]
assert [r["state"] for r in rows] == ["done"] * 5 + ["error"] * 3, rows
assert rows[5]["exit"] == 66 and rows[6]["exit"] == 65 and rows[7]["exit"] == 66
assert s["result"] == "incomplete" and s["counts"] == {"done": 5, "error": 3}
EOF
ok $? "the JSON summary has every task in index order with its state and exit"
"$P" collect "$R" --list "$L" --json >"$T/again" 2>/dev/null
cmp -s "$T/out" "$T/again"
ok $? "collect is deterministic"

# 7. Two tasks with the same bundle and profile at once: one report,
# both tasks done, nothing half-written.
R2="$T/results2"
"$P" run-index "$L" --index 0 --results "$R2" >"$T/a" 2>&1 &
p1=$!
"$P" run-index "$L" --index 3 --results "$R2" >"$T/b" 2>&1 &
p2=$!
"$P" run-index "$L" --index 2 --results "$R2" >"$T/c" 2>&1 &
p3=$!
wait $p1; s1=$?
wait $p2; s2=$?
wait $p3; s3=$?
[ "$s1" = 0 ] && [ "$s2" = 0 ] && [ "$s3" = 0 ]
ok $? "three concurrent tasks with one key all exit 0"
nrep=$(ls -d "$R2"/*/report | wc -l)
left=$(find "$R2" -name '.proeftuin-out-*' | wc -l)
[ "$nrep" = 1 ] && [ "$left" = 0 ] && cmp -s "$R2/$d0/report.json" "$T/plain-0/report.json"
ok $? "one report folder, no temporary folders left, the right report"
cat "$T/a" "$T/b" "$T/c" | grep -c "finished earlier" | grep -qx 2
ok $? "two of the three found the first one's result"

# 8. A report of another task in a task's place is never taken for it.
R3="$T/results3"
"$P" run-index "$L" --index 0 --results "$R3" >/dev/null 2>&1
"$P" run-index "$L" --index 1 --results "$R3" >/dev/null 2>&1
k1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["report"])' "$R3/tasks/1.json")
rm -rf "${R3:?}/$d0"
cp -r "$R3/$k1" "$R3/$d0"
expect 65 "run-index refuses a report of another bundle in its place" \
	-- "$P" run-index "$L" --index 0 --results "$R3"
has "$T/err" "the report is of another bundle or profile"
ok $? "and says so"
"$P" collect "$R3" >"$T/out" 2>/dev/null
st=$?
[ "$st" = 66 ] && has "$T/out" "| 0 |" && ! grep -q "| 0 | .* | done |" "$T/out"
ok $? "collect does not count it as done"

# 9. A task killed mid-run leaves no report and says so; a re-run then
# finishes it.  A stale temporary folder is ignored and cleaned.
R4="$T/results4"
printf 'bundles/slow profiles/slow.ini\n' >"$T/w/slow.txt"
"$P" run-index "$T/w/slow.txt" --index 0 --results "$R4" >/dev/null 2>&1 &
pk=$!
i=0
while [ $i -lt 100 ] && ! grep -qs '"state":"running"' "$R4/tasks/0.json"; do
	sleep 0.1
	i=$((i + 1))
done
sleep 0.3
kill -KILL $pk
wait $pk 2>/dev/null
keyd=$(ls -d "$R4"/*-*/ | head -n1)
[ -n "$keyd" ] && [ ! -e "$keyd/report" ]
ok $? "a task killed mid-run leaves no report folder"
"$P" collect "$R4" >"$T/out" 2>"$T/err"
[ $? = 66 ] && has "$T/out" "| running |"
ok $? "collect says the killed task is not finished (exit 66)"
mkdir -p "$keyd/.proeftuin-out-999999-zzzzzz"
printf '{"half":' >"$keyd/.proeftuin-out-999999-zzzzzz/report.json"
expect 2 "after a kill the re-run runs it to its end (the 3 s wall clock): FAIL" \
	-- "$P" run-index "$T/w/slow.txt" --index 0 --results "$R4"
[ ! -e "$keyd/.proeftuin-out-999999-zzzzzz" ] && [ -f "$keyd/report/SHA256SUMS" ]
ok $? "the stale temporary folder of the killed writer is gone, the report complete"
"$P" collect "$R4" --list "$T/w/slow.txt" >"$T/out" 2>/dev/null
[ $? = 2 ] && has "$T/out" "| FAIL |"
ok $? "collect exits with the worst verdict when every task is done (2)"

# 10. A full disk: a clear error, no half report, no temporary folder.
if [ "$(id -u)" = 0 ] && mkdir -p "$T/full" &&
	mount -t tmpfs -o size=256k,nr_inodes=64 tmpfs "$T/full" 2>/dev/null; then
	MNT="$T/full"
	mkdir -p "$T/full/r/tasks"
	dd if=/dev/zero of="$T/full/slack" bs=4k count=4 2>/dev/null
	dd if=/dev/zero of="$T/full/fill" bs=4k 2>/dev/null
	rm -f "$T/full/slack"
	expect 74 "a results root on a full disk: 74" \
		-- "$P" run-index "$L" --index 1 --results "$T/full/r"
	has "$T/err" "no space left on device"
	ok $? "the message says the disk is full"
	[ -z "$(find "$T/full/r" -name report -o -name '.proeftuin-out-*')" ]
	ok $? "no report folder and no temporary folder on the full disk"
	grep -qs '"state":"error"' "$T/full/r/tasks/1.json" ||
		! grep -qs '"state":"done"' "$T/full/r/tasks/1.json"
	ok $? "the task is not recorded as done"
	umount "$T/full"
	MNT=""
else
	ok 0 "a results root on a full disk # SKIP needs root to mount a small tmpfs"
fi

finish
