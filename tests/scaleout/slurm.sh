#!/bin/sh
# slurm.sh - scripts/slurm/proeftuin-array.sbatch on a real single-node
# Slurm (Debian 12's slurm-wlm: slurmctld and slurmd started here, with a
# munge daemon and a key made here, slurm.conf written here): a 10-task
# array over the shipped pilots, every report compared with a plain
# `proeftuin run` of the same bundle, then collect, then the array again
# (a requeue) which must find every result.  Skips (exit 77, or
# $TAP_SKIP_EXIT under meson) only where the daemons cannot start.
# usage: slurm.sh PROEFTUIN SRCDIR; TAP on stdout.
set -u
P=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
SRC=$(cd "$2" && pwd)
T=$(mktemp -d /tmp/pt-slurm.XXXXXX)
chmod 755 "$T"
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
	done
	rm -rf "$T"
}
trap cleanup EXIT
. "$SRC/tests/lib/tap.sh"
unset SLURM_ARRAY_TASK_ID JOB_COMPLETION_INDEX SOURCE_DATE_EPOCH

skip_all() {
	echo "1..0 # SKIP $1"
	echo "# SKIP $1" >&2
	exit "${TAP_SKIP_EXIT:-77}"
}

for c in munged slurmctld slurmd sbatch sinfo squeue; do
	command -v "$c" >/dev/null 2>&1 ||
		skip_all "$c not installed (Debian packages slurm-wlm, munge)"
done
[ "$(id -u)" = 0 ] || skip_all "slurmd needs root to start jobs as their user"

# munge with a key of our own, on a socket of our own.
mkdir -p "$T/munge"
chmod 700 "$T/munge"
dd if=/dev/urandom of="$T/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 400 "$T/munge/munge.key"
munged --force --key-file="$T/munge/munge.key" \
	--socket="$T/munge/munge.sock" --pid-file="$T/munge/munged.pid" \
	--log-file="$T/munge/munged.log" --seed-file="$T/munge/seed" \
	2>"$T/munge/start.err" ||
	skip_all "munged cannot start: $(tr '\n' ' ' <"$T/munge/start.err")"
i=0
while [ ! -s "$T/munge/munged.pid" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
pids="$(cat "$T/munge/munged.pid" 2>/dev/null)"

# Free ports for the controller and the node.
ports=$(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))')
cport=${ports% *}
dport=${ports#* }
host=$(hostname -s)
mem=$(awk '/MemTotal/ {print int($2 / 1024 / 2)}' /proc/meminfo)
mkdir -p "$T/state" "$T/spool" "$T/log" "$T/work"
cat >"$T/slurm.conf" <<EOF
ClusterName=proeftuin-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$cport
SlurmdPort=$dport
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/munge.sock
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/builtin
# Start array tasks as soon as CPUs free up, not at the next minute.
SchedulerParameters=sched_interval=1,sched_min_interval=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
# What scripts/slurm/proeftuin-array.sbatch documents for the exit codes.
RequeueExit=70,74
RequeueExitHold=71,73
Prolog=$T/prolog.sh
NodeName=pt1 NodeHostname=$host NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=pt1 Default=YES MaxTime=INFINITE State=UP
EOF
# The shipped prolog, told where this build's proeftuin is (a prolog
# gets no job environment).
printf '#!/bin/sh\nPROEFTUIN=%s exec %s\n' "$P" \
	"$SRC/scripts/slurm/proeftuin-prolog.sh" >"$T/prolog.sh"
chmod 755 "$T/prolog.sh"
export SLURM_CONF="$T/slurm.conf"
slurmctld -D -f "$T/slurm.conf" >"$T/log/slurmctld.out" 2>&1 &
pids="$pids $!"
slurmd -D -f "$T/slurm.conf" -N pt1 >"$T/log/slurmd.out" 2>&1 &
pids="$pids $!"
i=0
state=""
while [ $i -lt 60 ]; do
	state=$(sinfo -h -n pt1 -o %T 2>/dev/null)
	case $state in idle*) break ;; esac
	sleep 0.5
	i=$((i + 1))
done
case $state in
idle*) ;;
*) skip_all "slurmd did not come up (state '$state'): $(tail -n 3 "$T/log/slurmd.log" "$T/log/slurmd.out" 2>/dev/null | tr '\n' ' ')" ;;
esac
ok 0 "a single-node Slurm runs here (slurmctld, slurmd, munge; node pt1 $state)"

# The task list: the six shipped pilots with their profiles, and four of
# them again (a programme re-runs bundles; same key, one report each).
L="$T/work/tasks.txt"
echo "# the shipped pilots, BUNDLE PROFILE" >"$L"
for b in "$SRC"/scripts/examples/*/experiment.ini; do
	d=$(dirname "$b")
	name=$(basename "$d")
	[ -f "$SRC/profiles/$name.ini" ] &&
		echo "$d $SRC/profiles/$name.ini" >>"$L"
done
grep -v '^#' "$L" | head -n 4 >>"$L"
ntask=$(grep -cv '^#' "$L")
[ "$ntask" = 10 ]
ok $? "the list has 10 tasks over the shipped pilots ($ntask)"

# Plain runs, for the verdicts and reports the array must reproduce.
i=0
worst=0
grep -v '^#' "$L" | while read -r b prof; do
	(cd "$T/work" && "$P" run "$b" --profile "$prof" \
		--out "$T/plain/$i" >/dev/null 2>&1)
	echo "$i $?" >>"$T/plain.status"
	i=$((i + 1))
done
worst=$(awk '$2 > w { w = $2 } END { print w + 0 }' "$T/plain.status")

export PROEFTUIN="$P"
R="$T/work/results"
out=$(cd "$T/work" && sbatch --parsable --wait --array=0-9%4 \
	"$SRC/scripts/slurm/proeftuin-array.sbatch" "$L" "$R" 2>&1)
st=$?
job=${out%%;*}
job=$(echo "$job" | tail -n 1)
echo "# sbatch: $out (exit $st)"
[ -n "$job" ] && [ -d "$R/tasks" ]
ok $? "sbatch ran the 10-task array (job $job)"
n_out=$(ls "$T/work"/proeftuin-"$job"_*.out 2>/dev/null | wc -l)
[ "$n_out" = 10 ]
ok $? "every array task ran and wrote its Slurm output ($n_out)"

# Every task: the verdict of the plain run, and its report byte for byte.
bad=0
while read -r i want; do
	rec="$R/tasks/$i.json"
	got=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["state"], r.get("exit"), r.get("report",""))' "$rec" 2>/dev/null)
	set -- $got
	if [ "${1:-}" != done ] || [ "${2:-}" != "$want" ] ||
		! cmp -s "$R/$3/report.json" "$T/plain/$i/report.json" ||
		! cmp -s "$R/$3/SHA256SUMS" "$T/plain/$i/SHA256SUMS"; then
		echo "# task $i: record '$got', plain exit $want" >&2
		bad=$((bad + 1))
	fi
done <"$T/plain.status"
[ "$bad" = 0 ]
ok $? "all 10 reports are the plain runs' reports with their verdicts"
nrep=$(ls -d "$R"/*/report | wc -l)
[ "$nrep" = 6 ]
ok $? "six report folders for six distinct bundles ($nrep)"
grep -l "finished earlier" "$T/work"/proeftuin-"$job"_*.out 2>/dev/null |
	wc -l | grep -qx 4
ok $? "the four repeated tasks found the earlier result"

(cd "$T/work" && "$P" collect "$R" --list "$L") >"$T/summary.md" 2>&1
st=$?
[ "$st" = "$worst" ] && has "$T/summary.md" "Result: **complete**" &&
	[ "$(grep -c '| done |' "$T/summary.md")" = 10 ]
ok $? "collect: complete, 10 done rows, exit the worst verdict ($st, plain runs $worst)"

# A requeue of the whole array: idempotent, nothing rewritten.
before=$(cat "$R"/*/report/SHA256SUMS | sha256sum)
out=$(cd "$T/work" && sbatch --parsable --wait --array=0-9 \
	"$SRC/scripts/slurm/proeftuin-array.sbatch" "$L" "$R" 2>&1)
job2=$(echo "${out%%;*}" | tail -n 1)
[ "$(grep -l 'finished earlier' "$T/work"/proeftuin-"$job2"_*.out 2>/dev/null | wc -l)" = 10 ] &&
	[ "$(cat "$R"/*/report/SHA256SUMS | sha256sum)" = "$before" ]
ok $? "the array run again finds all 10 results and changes nothing"

# A task past the list's end: a usage error of that array task alone.
out=$(cd "$T/work" && sbatch --parsable --wait --array=10 \
	"$SRC/scripts/slurm/proeftuin-array.sbatch" "$L" "$R" 2>&1)
job3=$(echo "${out%%;*}" | tail -n 1)
has "$T/work/proeftuin-${job3}_10.out" "there is no task 10"
ok $? "array task 10 of a 10-task list says there is no such task"

finish
