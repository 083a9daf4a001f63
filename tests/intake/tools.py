#!/usr/bin/env python3
"""The same bundle as a folder, tar, tar.gz, tar.zst, zip and a packed
tar.gz has one bundle digest; `pack` is reproducible and refuses unsafe
folders and overwrites; `init` makes a bundle that passes `check`.
Prints TAP.

usage: tools.py PROEFTUIN SOURCE_ROOT
"""
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkarchive as m  # noqa: E402

PT = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
PROFILE = os.path.join(SRC, "profiles", "crowd-safety.ini")
WORK = tempfile.mkdtemp(prefix="proeftuin-tools-")
tests = []
ENV = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}


def tap(ok, desc, diag=()):
    tests.append(ok)
    print("%s %d - %s" % ("ok" if ok else "not ok", len(tests), desc))
    if not ok:
        for d in diag:
            for line in str(d).splitlines():
                print("# " + line)
    sys.stdout.flush()


def pt(args, env=None, cwd=WORK):
    return subprocess.run([PT] + args, cwd=cwd, capture_output=True,
                          env=env or ENV, timeout=300)


def write_folder(path, files, mode=0o644, mtime=None, reverse=False):
    items = sorted(files.items(), reverse=reverse)
    for n, data in items:
        p = os.path.join(path, n)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
        os.chmod(p, mode)
        if mtime is not None:
            os.utime(p, (mtime, mtime))
    return path


def digest_of(bundle):
    out = os.path.join(WORK, "out-" + hashlib.sha1(bundle.encode()).hexdigest())
    r = pt(["run", bundle, "--profile", PROFILE, "--out", out, "--force"])
    try:
        rep = json.load(open(os.path.join(out, "report.json")))
    except (OSError, ValueError):
        return None, r.stderr.decode(errors="replace")
    intake = [f for f in rep.get("findings", []) if f.get("stage") == "intake"]
    return rep["data"]["bundle"]["digest"], intake


# -- digest equality ---------------------------------------------------------
files = dict(m.EXAMPLE_FILES)
files["data/notes/readme.txt"] = "Opmerking: één café\n".encode()
files["data/één café.txt"] = b"utf-8 name\n"
expected = hashlib.sha256("".join(
    "%s  %s\n" % (hashlib.sha256(files[p]).hexdigest(), p)
    for p in sorted(files)).encode()).hexdigest()

folder = write_folder(os.path.join(WORK, "folder"), files)
forms = {"folder": folder}
with tarfile.open(os.path.join(WORK, "b.tar"), "w") as t:
    t.add(folder, arcname=".")  # "./x" names and directory entries
forms["tar"] = os.path.join(WORK, "b.tar")
with tarfile.open(os.path.join(WORK, "b.tar.gz"), "w:gz") as t:
    for n in sorted(files, reverse=True):  # another order, no folders
        m.tar_add(t, n, files[n])
forms["tar.gz"] = os.path.join(WORK, "b.tar.gz")
forms["tgz"] = shutil.copy(forms["tar.gz"], os.path.join(WORK, "b.tgz"))
subprocess.run(["zstd", "-q", "-f", forms["tar"], "-o",
                os.path.join(WORK, "b.tar.zst")], check=True)
forms["tar.zst"] = os.path.join(WORK, "b.tar.zst")
with zipfile.ZipFile(os.path.join(WORK, "b.zip"), "w",
                     zipfile.ZIP_DEFLATED) as z:
    z.writestr("data/", b"")
    for n in files:
        z.writestr(n, files[n])
forms["zip"] = os.path.join(WORK, "b.zip")
r = pt(["pack", folder, "-o", os.path.join(WORK, "packed.tar.gz")])
forms["packed"] = os.path.join(WORK, "packed.tar.gz")
for name, path in forms.items():
    dg, intake = digest_of(path)
    tap(dg == expected and intake == [],
        "bundle digest of the %s form equals the folder's" % name,
        [dg, expected, intake])

# -- pack ----------------------------------------------------------------
a = write_folder(os.path.join(WORK, "pa"), files, 0o644, 1000000000)
old = os.umask(0o077)
b = write_folder(os.path.join(WORK, "pb"), files, 0o600, 1600000000,
                 reverse=True)
os.umask(old)
for p, n in ((a, "a1"), (a, "a2"), (b, "b1")):
    r = pt(["pack", p, "-o", os.path.join(WORK, n + ".tar.gz")])
    tap(r.returncode == 0, "pack %s" % n, [r.stderr])
same = lambda x, y: open(os.path.join(WORK, x), "rb").read() == \
    open(os.path.join(WORK, y), "rb").read()
tap(same("a1.tar.gz", "a2.tar.gz"), "packing a folder twice: same bytes")
tap(same("a1.tar.gz", "b1.tar.gz"),
    "other mtimes, modes, umask and creation order: same bytes")
raw = open(os.path.join(WORK, "a1.tar.gz"), "rb").read()
tap(raw[4:8] == b"\0\0\0\0" and raw[3] & 0x08 == 0,
    "gzip header has no timestamp and no name")
with tarfile.open(os.path.join(WORK, "a1.tar.gz")) as t:
    ms = t.getmembers()
names = [x.name for x in ms]
tap(all(x.mtime == 0 and x.uid == 0 and x.gid == 0 and x.uname == "" and
        x.gname == "" and x.mode == (0o755 if x.isdir() else 0o644)
        for x in ms) and
    [n for n in names if not n.endswith("/") and
     not any(y.name == n and y.isdir() for y in ms)] == sorted(files),
    "entries sorted, mtime 0, uid/gid 0 without names, modes 0644/0755",
    [(x.name, x.mtime, x.uid, x.uname, oct(x.mode)) for x in ms])
env = dict(ENV, SOURCE_DATE_EPOCH="1700000000")
r = pt(["pack", a, "-o", os.path.join(WORK, "sde.tar.gz")], env=env)
with tarfile.open(os.path.join(WORK, "sde.tar.gz")) as t:
    tap(r.returncode == 0 and all(x.mtime == 1700000000 for x in t),
        "SOURCE_DATE_EPOCH sets the entries' mtime")
before = raw
r = pt(["pack", a, "-o", os.path.join(WORK, "a1.tar.gz")])
tap(r.returncode == 73 and
    open(os.path.join(WORK, "a1.tar.gz"), "rb").read() == before,
    "pack never overwrites without --force", [r.returncode, r.stderr])
with open(os.path.join(WORK, "victim.tar.gz"), "wb") as f:
    f.write(b"old")
r = pt(["pack", a, "-o", os.path.join(WORK, "victim.tar.gz"), "--force"])
tap(r.returncode == 0 and same("victim.tar.gz", "a1.tar.gz"),
    "pack --force replaces the file")
unsafe = write_folder(os.path.join(WORK, "unsafe"), files)
os.symlink("/etc/shadow", os.path.join(unsafe, "data", "leak.csv"))
r = pt(["pack", unsafe, "-o", os.path.join(WORK, "unsafe.tar.gz")])
tap(r.returncode == 65 and b"data/leak.csv: symbolic links are not allowed"
    in r.stderr and not os.path.exists(os.path.join(WORK, "unsafe.tar.gz")),
    "pack refuses an unsafe folder and writes nothing", [r.stderr])
leftovers = [n for n in os.listdir(WORK) if ".tar.gz." in n]
tap(leftovers == [], "pack leaves no temporary files", leftovers)

# -- init --------------------------------------------------------------------
st = os.path.join(WORK, "starter")
r = pt(["init", st, "--profile", PROFILE])
c = pt(["check", st, "--profile", PROFILE])
tap(r.returncode == 0 and c.returncode == 0 and
    c.stdout.decode().rstrip().endswith("admitted"),
    "init --profile crowd-safety: check passes", [r.stderr, c.stdout,
                                                  c.stderr])
hdr = open(os.path.join(st, "data", "counts.csv")).readline().strip()
tap(hdr == "zone,window_start,visitors",
    "starter CSV has the granted columns", [hdr])
r = pt(["pack", st, "-o", os.path.join(WORK, "starter.tar.gz")])
c = pt(["check", os.path.join(WORK, "starter.tar.gz"), "--profile", PROFILE])
tap(r.returncode == 0 and c.returncode == 0, "packed starter passes check",
    [r.stderr, c.stdout, c.stderr])
r = pt(["init", st, "--profile", PROFILE])
tap(r.returncode == 73, "init refuses a folder that is not empty",
    [r.returncode, r.stderr])

# A default profile of another shape, found through PROEFTUIN_PROFILE_DIR.
pdir = os.path.join(WORK, "profiles")
os.makedirs(pdir)
with open(os.path.join(pdir, "default.ini"), "w") as f:
    f.write("""[profile]
name            = default
version         = 1
owner           = Test custodian
purposes        = exploration, testing
legal_basis     = GDPR art. 6(1)(e), public task
public_interest = public-safety

[dataset.sample]
access      = rows
columns     = district, category, amount
identifiers = person_id
personal    = no
special_category = no
""")
st2 = os.path.join(WORK, "starter2")
r = pt(["init", st2], env=dict(ENV, PROEFTUIN_PROFILE_DIR=pdir))
c = pt(["check", st2, "--profile", os.path.join(pdir, "default.ini")])
tap(r.returncode == 0 and c.returncode == 0 and
    os.path.exists(os.path.join(st2, "data", "sample.csv")),
    "init without --profile follows the default profile's shape",
    [r.stderr, c.stdout, c.stderr])

shutil.rmtree(WORK)
print("1..%d" % len(tests))
sys.exit(0 if all(tests) else 1)
