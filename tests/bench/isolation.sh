#!/bin/sh
# isolation.sh [BUILD_DIR] - benchmark, not a test: a trivial Lua script
# through the full sandbox against bubblewrap running lua5.4 on the same
# script (the issue's baseline: `bwrap --unshare-all --die-with-parent
# --new-session`, with /usr, /proc and /dev as a bwrap sandbox usually
# has them; also with /usr alone, the least lua5.4 needs).  Prints medians
# and ratios; the target is sandbox/bwrap <= 0.5.
#
# The sandbox side is the isolation probe's "lua" payload as a fresh
# process: sbx_run() with every setup step (seven namespaces, empty root,
# capabilities, rlimits, Landlock, seccomp, the tracer, the parent's
# checks) and the Lua box exactly as `proeftuin run` starts it.  Also
# shown, for context: bare lua5.4, a bare clone(2) into the same seven
# namespaces and a wait (bare-clone: what the kernel charges for the
# namespaces alone), `proeftuin run` end to end on a
# one-script folder bundle (intake, admission, the same sandboxed run,
# output checks, the report written and fsync'ed), and sbx_run() repeated
# inside one process (no exec, no loader).
#
# Runs are interleaved round by round, in a shuffled order (interleave.py),
# so that drift on a busy or virtual machine, and the kernel's background
# work after each command (tearing down a network namespace), hit every
# command alike.  The sandbox's child is reaped after its result is in
# (sandbox.h), so the probe may exit while the kernel still tears down the
# child's namespaces, as `proeftuin run` may.  RUNS (default 41).
set -eu
build=${1:-build}
runs=${RUNS:-41}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
probe=$build/tests/isolation/isolation-probe
bare=$build/tests/isolation/bare-clone
pt=$build/runner/proeftuin
script='local x = 1'

[ -x "$probe" ] && [ -x "$bare" ] || { echo "build first: ninja -C $build" >&2; exit 1; }
for tool in bwrap lua5.4 python3; do
	command -v $tool >/dev/null || {
		echo "isolation.sh: $tool is missing; apt-get install bubblewrap lua5.4 python3" >&2
		exit 1
	}
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A one-script bundle for `proeftuin run` (no datasets).
mkdir -p "$tmp/b"
sed '/^\[dataset/,$d' "$src/scripts/examples/default/experiment.ini" >"$tmp/b/experiment.ini"
echo "$script" >"$tmp/b/$(sed -n 's/^entry *= *//p' "$tmp/b/experiment.ini")"

SANDBOX="$probe --script '$script' lua"
BWRAP_MIN="bwrap --unshare-all --die-with-parent --new-session \
--ro-bind /usr /usr --symlink usr/lib /lib --symlink usr/lib64 /lib64 \
--symlink usr/bin /bin"
BWRAP_MIN="$BWRAP_MIN lua5.4 -e '$script'"
BWRAP="bwrap --unshare-all --die-with-parent --new-session \
--ro-bind /usr /usr --symlink usr/lib /lib --symlink usr/lib64 /lib64 \
--symlink usr/bin /bin --proc /proc --dev /dev lua5.4 -e '$script'"
LUA="lua5.4 -e '$script'"
RUN="$pt run $tmp/b --profile $src/profiles/default.ini --out $tmp/out --force"

# Every side must work before it is timed.
sh -c "$SANDBOX" | grep -qx end=OK || { echo "sandbox run failed" >&2; exit 1; }
sh -c "$BWRAP" && sh -c "$BWRAP_MIN" || { echo "bwrap run failed" >&2; exit 1; }
"$bare" || { echo "bare clone failed" >&2; exit 1; }
sh -c "$RUN" >/dev/null || { echo "proeftuin run failed" >&2; exit 1; }

python3 "$here/interleave.py" "$runs" 3 "sandbox=$SANDBOX" "bwrap=$BWRAP" \
    "bwrapmin=$BWRAP_MIN" "lua=$LUA" "bare=$bare" "run=$RUN" >"$tmp/t"
inproc=$("$probe" --repeat "$runs" --script "$script" lua | sed -n 's/^median_us=//p')
nproc=$(nproc)
python3 - "$tmp/t" "$inproc" "$runs" "$nproc" <<'PY'
import sys
t = {}
for line in open(sys.argv[1]):
    name, med, q1, q3 = line.split()
    t[name] = (float(med), float(q1), float(q3))
bw = t["bwrap"][0]
print("medians of %s interleaved runs, %s CPUs (quartiles in brackets)" %
      (sys.argv[3], sys.argv[4]))
for name, label in (("bwrap", "bwrap + lua5.4"),
                    ("bwrapmin", "bwrap + lua5.4, /usr only"),
                    ("lua", "bare lua5.4"),
                    ("bare", "bare clone, 7 namespaces"),
                    ("sandbox", "proeftuin sandbox"),
                    ("run", "proeftuin run, end to end")):
    med, q1, q3 = t[name]
    print("  %-27s %6.2f ms [%5.2f, %5.2f]  %.2fx bwrap" %
          (label, med, q1, q3, med / bw))
us = float(sys.argv[2])
print("  %-27s %6.2f ms                 %.2fx bwrap" %
      ("sbx_run in one process", us / 1e3, us / 1e3 / bw))
print("ratio sandbox/bwrap: %.2f (target <= 0.5); /usr-only bwrap: %.2f; "
      "sandbox/bare clone: %.2f" % (t["sandbox"][0] / bw,
                                    t["sandbox"][0] / t["bwrapmin"][0],
                                    t["sandbox"][0] / t["bare"][0]))
PY
