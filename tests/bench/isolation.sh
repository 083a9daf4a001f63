#!/bin/sh
# isolation.sh [BUILD_DIR] - benchmark: a trivial Lua script through the full
# sandbox (namespaces, empty root, caps, rlimits, Landlock, seccomp, the
# supervising parent, the real Lua box) against bubblewrap running lua5.4 on
# the same script.  Prints medians of >= 15 runs and their ratio (target
# <= 0.5).  Not a test: timings depend on the machine.
#
# Two sandbox sides are timed: `proeftuin run` end to end on a one-script
# bundle (intake, admission, the sandboxed run, the report written
# atomically), and the isolation probe's "lua" payload, which calls the
# same sbx_run() + luabox_main() the runner uses without the rest.
set -eu
build=${1:-build}
probe=$build/tests/isolation/isolation-probe
runs=${RUNS:-30}
script='local x = 1'

[ -x "$probe" ] || { echo "build first: ninja -C $build" >&2; exit 1; }
command -v bwrap >/dev/null || { echo "bubblewrap is not installed" >&2; exit 1; }
command -v lua5.4 >/dev/null || { echo "lua5.4 is not installed" >&2; exit 1; }

SANDBOX_CMD="$probe --script '$script' lua"
pt=$build/runner/proeftuin
src=$(cd "$(dirname "$0")/../.." && pwd)
BWRAP_CMD="bwrap --unshare-all --die-with-parent --new-session \
--ro-bind /usr /usr --symlink usr/lib /lib --symlink usr/lib64 /lib64 \
--symlink usr/bin /bin --proc /proc --dev /dev lua5.4 -e '$script'"

# Both must actually work before we time them.
sh -c "$SANDBOX_CMD" | grep -qx end=OK || { echo "sandbox run failed" >&2; exit 1; }
sh -c "$BWRAP_CMD" || { echo "bwrap run failed" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A one-script bundle for `proeftuin run` (no datasets).
mkdir -p "$tmp/b"
sed '/^\[dataset/,$d' "$src/scripts/examples/default/experiment.ini" >"$tmp/b/experiment.ini"
echo "$script" >"$tmp/b/$(sed -n 's/^entry *= *//p' "$tmp/b/experiment.ini")"
RUN_CMD="$pt run $tmp/b --profile $src/profiles/default.ini --out $tmp/out --force"
sh -c "$RUN_CMD" >/dev/null || { echo "proeftuin run failed" >&2; exit 1; }
if command -v hyperfine >/dev/null; then
	hyperfine -N --warmup 3 --runs "$runs" --export-json "$tmp/r.json" \
	    -n run "$RUN_CMD" -n sandbox "$SANDBOX_CMD" -n bwrap "$BWRAP_CMD" \
	    >/dev/null
	python3 - "$tmp/r.json" <<'PY'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
print("proeftuin run median:     %.2f ms (intake, admission, sandbox, report)" % (r["run"] * 1e3))
print("sandbox probe median:     %.2f ms" % (r["sandbox"] * 1e3))
print("bwrap + lua5.4 median:    %.2f ms" % (r["bwrap"] * 1e3))
print("ratio run/bwrap:          %.2f (target <= 0.5)" % (r["run"] / r["bwrap"]))
print("ratio sandbox/bwrap:      %.2f (target <= 0.5)" % (r["sandbox"] / r["bwrap"]))
open(sys.argv[1] + ".bwrap", "w").write(str(r["bwrap"]))
PY
	# The same sbx_run() + Lua box repeated inside one process: the
	# sandbox's own cost without this machine's exec/ld.so start-up,
	# which a runner running several scripts pays once.
	med=$("$probe" --repeat "$runs" --script "$script" lua | sed -n 's/^median_us=//p')
	python3 - "$med" "$(cat "$tmp/r.json.bwrap")" <<'PY'
import sys
us, bw = float(sys.argv[1]), float(sys.argv[2])
print("sbx_run in-process median: %.2f ms, ratio to bwrap %.2f" % (us / 1e3, us / 1e6 / bw))
PY
else
	# Fallback without hyperfine: wall time of each run, medians.
	for name in sandbox bwrap; do
		eval cmd=\$$(echo "$name" | tr a-z A-Z)_CMD
		i=0
		while [ $i -lt "$runs" ]; do
			s=$(date +%s%N)
			sh -c "$cmd" >/dev/null
			e=$(date +%s%N)
			echo $(((e - s) / 1000)) >>"$tmp/$name"
			i=$((i + 1))
		done
	done
	python3 - "$tmp" <<'PY'
import statistics, sys
m = {n: statistics.median(int(l) for l in open(sys.argv[1] + "/" + n)) for n in ("sandbox", "bwrap")}
print("proeftuin sandbox median: %.2f ms" % (m["sandbox"] / 1e3))
print("bwrap + lua5.4 median:    %.2f ms" % (m["bwrap"] / 1e3))
print("ratio sandbox/bwrap:      %.2f (target <= 0.5; includes sh -c)" % (m["sandbox"] / m["bwrap"]))
PY
fi
