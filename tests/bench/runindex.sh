#!/bin/sh
# Benchmark (not a test): throughput of `proeftuin run-index` over 100
# small bundles (the default pilot, each with its own seed, so 100
# distinct digests) on this machine's cores, against the same 100 bundles
# run with `proeftuin run` in a plain shell loop.
#
#   parallel  run-index, one process per task, nproc at a time (xargs -P:
#             what an engine's parallelism does on one node)
#   serial    run-index in a plain shell loop (its overhead: intake twice,
#             lock, task record)
#   loop      proeftuin run in a plain shell loop (the baseline)
#
# Prints the median over RUNS rounds (default 5), tasks per second and the
# ratios to the loop.  usage: tests/bench/runindex.sh [BUILD_DIR]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
pt=$build/runner/proeftuin
runs=${RUNS:-5}
ntask=${TASKS:-100}
jobs=$(nproc)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset JOB_COMPLETION_INDEX SLURM_ARRAY_TASK_ID

i=0
: >"$work/tasks.txt"
while [ $i -lt "$ntask" ]; do
	b="$work/bundles/b$i"
	mkdir -p "$b"
	cp -r "$root/scripts/examples/default/data" "$root/scripts/examples/default/analysis.lua" "$b/"
	sed "s/^entry .*/&\nseed        = $i/" "$root/scripts/examples/default/experiment.ini" >"$b/experiment.ini"
	echo "bundles/b$i $root/profiles/default.ini" >>"$work/tasks.txt"
	i=$((i + 1))
done

now() { date +%s.%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

r=0
while [ $r -lt "$runs" ]; do
	rm -rf "$work/res" "$work/out"
	t0=$(now)
	seq 0 $((ntask - 1)) | xargs -P "$jobs" -I{} \
		"$pt" run-index "$work/tasks.txt" --index {} --results "$work/res" \
		>/dev/null 2>&1 || true
	t1=$(now)
	echo "$t1 - $t0" | bc >>"$work/parallel"
	[ "$(ls -d "$work"/res/*/report | wc -l)" = "$ntask" ] || {
		echo "runindex.sh: not every task made a report" >&2
		exit 1
	}
	rm -rf "$work/res"
	t0=$(now)
	i=0
	while [ $i -lt "$ntask" ]; do
		"$pt" run-index "$work/tasks.txt" --index $i --results "$work/res" \
			>/dev/null 2>&1 || true
		i=$((i + 1))
	done
	t1=$(now)
	echo "$t1 - $t0" | bc >>"$work/serial"
	mkdir -p "$work/out"
	t0=$(now)
	i=0
	while [ $i -lt "$ntask" ]; do
		"$pt" run "$work/bundles/b$i" --profile "$root/profiles/default.ini" \
			--out "$work/out/$i" >/dev/null 2>&1 || true
		i=$((i + 1))
	done
	t1=$(now)
	echo "$t1 - $t0" | bc >>"$work/loop"
	r=$((r + 1))
done

p=$(median <"$work/parallel")
s=$(median <"$work/serial")
l=$(median <"$work/loop")
echo "run-index over $ntask small bundles, $jobs cores, median of $runs rounds:"
printf '  parallel run-index (xargs -P %s): %6.2f s  %7.1f tasks/s\n' "$jobs" "$p" "$(echo "$ntask / $p" | bc -l)"
printf '  serial run-index (shell loop)   : %6.2f s  %7.1f tasks/s\n' "$s" "$(echo "$ntask / $s" | bc -l)"
printf '  plain proeftuin run (shell loop): %6.2f s  %7.1f tasks/s\n' "$l" "$(echo "$ntask / $l" | bc -l)"
printf '  ratio parallel/loop wall time: %.2fx  serial/loop: %.2fx\n' "$(echo "$p / $l" | bc -l)" "$(echo "$s / $l" | bc -l)"
