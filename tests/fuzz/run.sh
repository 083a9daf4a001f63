#!/bin/sh
# Short, CI-friendly fuzzing run of the intake path.
# usage: tests/fuzz/run.sh [SECONDS]   (default 60)
# Builds build-fuzz/ with clang, libFuzzer, ASan and UBSan, seeds a corpus
# with small archives of every kind (made now, none are committed), and
# fuzzes for SECONDS.  Exit status is libFuzzer's: non-zero on a crash.
set -eu
secs=${1:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD:-$root/build-fuzz}
if [ ! -d "$build" ]; then
	CC=clang meson setup "$build" "$root" -Dfuzzers=true \
	    -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
ninja -C "$build" tests/fuzz/fuzz_intake >/dev/null
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
python3 - "$corpus" "$root/tests/intake" <<'PY'
import os, sys, io, tarfile, gzip, subprocess
sys.path.insert(0, sys.argv[2])
import mkarchive as m
out = sys.argv[1]
def seed(kind, name, raw):
    open(os.path.join(out, name), "wb").write(bytes([kind]) + raw)
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
    for n, d in m.EXAMPLE_FILES.items():
        m.tar_add(t, n, d)
    m.tar_add(t, "lnk", b"", tarfile.SYMTYPE, "/etc")
tar = buf.getvalue()
seed(0, "tar", tar)
seed(1, "targz", gzip.compress(tar, mtime=0))
seed(2, "tarzst", subprocess.run(["zstd", "-q", "-c"], input=tar,
                                 capture_output=True, check=True).stdout)
p = os.path.join(out, "z.tmp")
m.make_zip(p, [("../x", b"y", None)])
seed(3, "zip", open(p, "rb").read())
m.make_overlap_zip(p, 4, 4096)
seed(3, "overlap", open(p, "rb").read())
os.unlink(p)
PY
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$build/tests/fuzz/fuzz_intake" -max_total_time="$secs" \
    -rss_limit_mb=2048 -timeout=10 "$corpus"
