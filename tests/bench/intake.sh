#!/bin/sh
# Benchmark (not a test): intake of a ~150 MB tar.gz bundle with one CSV by
# `proeftuin check` (unpack in the sandboxed child, check, hash, seal in
# memfds, then admission), against `bsdtar -xf` plus `sha256sum` of the
# same files.  Prints the median of each and their ratio (target <= 1.0x).
#
# usage: tests/bench/intake.sh [BUILD_DIR]   (default: build)
# needs: hyperfine, bsdtar (apt-get install hyperfine libarchive-tools)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
pt=$build/runner/proeftuin
runs=${RUNS:-7}
for tool in hyperfine bsdtar python3; do
	command -v $tool >/dev/null || {
		echo "intake.sh: $tool is missing; apt-get install hyperfine libarchive-tools" >&2
		exit 1
	}
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A bundle with one ~150 MB CSV of plausible, not too compressible rows.
mkdir -p "$work/src/data"
cp "$root/scripts/examples/crowd-safety/experiment.ini" \
    "$root/scripts/examples/crowd-safety/analysis.lua" "$work/src/"
python3 - "$work/src/data/counts.csv" <<'PY'
import random, sys
r = random.Random(42)
with open(sys.argv[1], "w") as f:
    f.write("sensor_id,mac_hash,zone,window_start,visitors\n")
    size = 0
    rows = []
    while size < 150 * 1000 * 1000:
        line = "S%02d,%08x,%s,%02d:%02d,%d\n" % (
            r.randrange(100), r.getrandbits(32), "ABCDEFGH"[r.randrange(8)],
            r.randrange(24), 15 * r.randrange(4), r.randrange(200))
        rows.append(line)
        size += len(line)
        if len(rows) == 10000:
            f.write("".join(rows))
            rows = []
    f.write("".join(rows))
PY
"$pt" pack "$work/src" -o "$work/bundle.tar.gz" >/dev/null
ls -l "$work/bundle.tar.gz" "$work/src/data/counts.csv" |
    awk '{ printf "# %s: %d bytes\n", $NF, $5 }'

hyperfine --runs "$runs" --warmup 1 --export-json "$work/h.json" \
    --prepare "rm -rf $work/x && mkdir $work/x" \
    -n proeftuin "$pt check $work/bundle.tar.gz --profile $root/profiles/crowd-safety.ini >/dev/null" \
    -n bsdtar+sha256sum "bsdtar -xf $work/bundle.tar.gz -C $work/x && find $work/x -type f -exec sha256sum {} + >/dev/null" \
    >/dev/null
python3 - "$work/h.json" <<'PY'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
a, b = r["proeftuin"], r["bsdtar+sha256sum"]
print("proeftuin check (intake + admission): median %.3f s" % a)
print("bsdtar -xf + sha256sum:              median %.3f s" % b)
print("ratio: %.2fx (target <= 1.0x)" % (a / b))
PY
