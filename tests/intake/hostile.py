#!/usr/bin/env python3
"""Hostile bundles against `proeftuin run`: one archive per rejection class,
in tar and zip where the class exists, plus bombs and hostile folders.

Every case runs in its own folder next to a canary file, with that folder
as the working directory; it asserts the exact reason and entry name in
report.json, verdict FAIL, exit status 2, and that nothing was written or
changed anywhere but the report folder.  Prints TAP.

usage: hostile.py PROEFTUIN SOURCE_ROOT
"""
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkarchive as m  # noqa: E402

PT = os.path.abspath(sys.argv[1])
PROFILE = os.path.join(os.path.abspath(sys.argv[2]), "profiles",
                       "crowd-safety.ini")
# The duplicate-entry archives are meant to have duplicates.
warnings.filterwarnings("ignore", "Duplicate name")
WORK = tempfile.mkdtemp(prefix="proeftuin-intake-")
OUTSIDE_CANARY = os.path.join(WORK, "canary-outside.txt")
with open(OUTSIDE_CANARY, "w") as f:
    f.write("outside\n")
ABS_DIR = os.path.join(WORK, "abs-target")
tests = []


def profile(name, **bundle):
    """A copy of the crowd-safety profile with other [bundle] limits."""
    text = open(PROFILE).read()
    extra = "".join("%s = %d\n" % kv for kv in bundle.items())
    text = text.replace("[bundle]\n", "[bundle]\n" + extra)
    for k in bundle:  # the base profile's own value for k goes
        lines = text.split("\n")
        seen = False
        out = []
        for ln in lines:
            if ln.replace(" ", "").startswith(k + "="):
                if seen:
                    continue
                seen = True
            out.append(ln)
        text = "\n".join(out)
    path = os.path.join(WORK, name + ".ini")
    with open(path, "w") as f:
        f.write(text)
    return path


def snapshot(root, skip="out"):
    snap = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        if rel.split(os.sep)[0] == skip:
            continue
        for n in dirnames + filenames:
            if rel == "." and n == skip:
                continue
            p = os.path.join(dirpath, n)
            st = os.lstat(p)
            # A folder's mtime changes when the report folder appears in
            # it; its listing is compared through its entries instead.
            snap[os.path.normpath(os.path.join(rel, n))] = (
                st.st_mode, st.st_size,
                0 if os.path.isdir(p) else st.st_mtime_ns)
    return snap


def tap(ok, desc, diag=()):
    tests.append(ok)
    print("%s %d - %s" % ("ok" if ok else "not ok", len(tests), desc))
    if not ok:
        for d in diag:
            for line in str(d).splitlines():
                print("# " + line)
    sys.stdout.flush()


def run_pt(args, cwd):
    return subprocess.run([PT] + args, cwd=cwd, capture_output=True,
                          timeout=300)


def case(desc, build, entry, reason, prof=None, code="ENTRY_REFUSED",
         prefix=False, contains=False, prefix_entry=False):
    """build(dir) writes the bundle and returns its path."""
    d = tempfile.mkdtemp(dir=WORK)
    with open(os.path.join(d, "canary.txt"), "w") as f:
        f.write("canary\n")
    bundle = build(d)
    before_case, before_work = snapshot(d), snapshot(WORK, skip="\0")
    r = run_pt(["run", bundle, "--profile", prof or PROFILE, "--out",
                os.path.join(d, "out")], d)
    after_case = snapshot(d)
    out_rel = os.path.relpath(d, WORK) + "/out"
    after_work = {k: v for k, v in snapshot(WORK, skip="\0").items()
                  if k != out_rel and not k.startswith(out_rel + "/")}
    diag = [r.stderr.decode(errors="replace")]
    found = False
    verdict = None
    try:
        rep = json.load(open(os.path.join(d, "out", "report.json")))
        verdict = rep.get("verdict")
        fs = [f for f in rep.get("findings", []) if f.get("stage") in
              ("intake", None)]
        for f in fs:
            msg = f.get("message", "")
            ok_reason = (reason in msg if contains else
                         msg.startswith(reason) if prefix else msg == reason)
            ok_entry = (f.get("subject", "").startswith(entry)
                        if prefix or prefix_entry
                        else f.get("subject") == entry)
            if f.get("code") == code and ok_reason and ok_entry:
                found = True
        diag.append(json.dumps(fs, ensure_ascii=False, indent=1))
    except (OSError, ValueError) as e:
        diag.append("no report: %s" % e)
    untouched = (before_case == after_case and
                 {k: v for k, v in before_work.items()} == after_work and
                 open(os.path.join(d, "canary.txt")).read() == "canary\n" and
                 not os.path.exists(ABS_DIR) and
                 not os.path.exists(os.path.join(WORK, "escape.txt")) and
                 not os.path.exists(os.path.join(d, "..", "escape.txt")))
    tap(r.returncode == 2 and verdict == "FAIL" and found and untouched,
        "%s: %r %s" % (desc, entry, reason),
        diag + ["exit %d, verdict %s, found %s, untouched %s" %
                (r.returncode, verdict, found, untouched)])


def T(entries, fmt=tarfile.PAX_FORMAT, name="b.tar", mode="w"):
    return lambda d: m.make_tar(os.path.join(d, name), entries, fmt, mode)


def Z(entries, name="b.zip", **kw):
    return lambda d: m.make_zip(os.path.join(d, name), entries, **kw)


REG, SYM, LNK = tarfile.REGTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE
GNU = tarfile.GNU_FORMAT
abs_name = ABS_DIR + "/abs.txt"
deep = "/".join(["d"] * 20) + "/f.txt"
long_name = "data/" + "x" * 300 + ".csv"
nfc = unicodedata.normalize("NFC", "café.txt")
nfd = unicodedata.normalize("NFD", "café.txt")

# -- one class per case, tar and zip --------------------------------------
for fmt_name, mk in (("tar", T), ("zip", Z)):
    if fmt_name == "tar":
        def e(n, data=b"x"):
            return (n, data, REG)
    else:
        def e(n, data=b"x"):
            return (n, data, None)
    case(fmt_name + " dot-dot", mk([e("../escape.txt")]), "../escape.txt",
         "path contains a '..' component")
    case(fmt_name + " zip slip", mk([e("data/../../escape.txt")]),
         "data/../../escape.txt", "path contains a '..' component")
    case(fmt_name + " absolute path", mk([e(abs_name)]), abs_name,
         "absolute path")
    if fmt_name == "tar":
        case("tar backslash", mk([e("..\\..\\escape.txt")]),
             "..\\..\\escape.txt", "name contains a backslash")
    else:
        # libarchive 3.6 turns a zip name's backslashes into '/' before we
        # see it, so the zip-slip form is caught as '..'.
        case("zip backslash slip", mk([e("..\\..\\escape.txt")]),
             "../../escape.txt", "path contains a '..' component")
    case(fmt_name + " drive prefix", mk([e("C:escape.txt")]),
         "C:escape.txt", "name starts with a drive prefix")
    case(fmt_name + " newline in name", mk([e("evil\nname.txt")]),
         "evil\\x0aname.txt", "name contains control characters")
    case(fmt_name + " terminal escape in name", mk([e("\x1b[2Jx.txt")]),
         "\\x1b[2Jx.txt", "name contains control characters")
    # The report shows the override's bytes escaped, as every other
    # control character of a name (textsafe.h), never raw.
    case(fmt_name + " bidi override in name", mk([e("a\u202etxt.exe")]),
         "a\\xe2\\x80\\xaetxt.exe", "name contains control characters")
    case(fmt_name + " bidi mark in name", mk([e("a\u200ftxt.exe")]),
         "a\\xe2\\x80\\x8ftxt.exe", "name contains control characters")
    case(fmt_name + " C1 control in name", mk([e("a\u009btxt.exe")]),
         "a\\xc2\\x9btxt.exe", "name contains control characters")
    case(fmt_name + " too deep", mk([e(deep)]), deep,
         "deeper than 16 levels")
    # The report caps a subject at 200 bytes and says how much was cut.
    case(fmt_name + " too long", mk([e(long_name)]), long_name[:150],
         "path longer than 255 bytes", prefix_entry=True)
    case(fmt_name + " duplicate", mk([e("data/counts.csv", b"other")]),
         "data/counts.csv", "duplicate path")
    case(fmt_name + " case-folded duplicate",
         mk([e("data/Notes.txt"), e("data/NOTES.TXT")]), "data/NOTES.TXT",
         "duplicate path: same as 'data/Notes.txt' after case folding")
    case(fmt_name + " Latin-1 case-folded duplicate",
         mk([e("ÉTÉ.txt"), e("été.txt")]), "été.txt",
         "duplicate path: same as 'ÉTÉ.txt' after case folding")
    case(fmt_name + " NFC/NFD duplicate (libarchive composes)",
         mk([e(nfc), e(nfd)]), nfc, "duplicate path")
    case(fmt_name + " file used as a folder",
         mk([e("data/counts.csv/x.txt")]), "data/counts.csv/x.txt",
         "path is below 'data/counts.csv', which is a file")

# tar-only classes
case("tar symlink", T([("lnk", b"", SYM, "/etc")]), "lnk",
     "symbolic links are not allowed")
case("tar symlink then write through it",
     T([("lnk", b"", SYM, ABS_DIR), ("lnk/pwned.txt", b"x", REG)]), "lnk",
     "symbolic links are not allowed")
case("tar dir then symlink with the same name",
     T([("d/", b"", tarfile.DIRTYPE), ("d", b"", SYM, ABS_DIR)]), "d",
     "symbolic links are not allowed")
case("tar hardlink out", T([("hl", b"", LNK, "/etc/hostname")]), "hl",
     "hard links are not allowed")
case("tar hardlink inside", T([("hl", b"", LNK, "analysis.lua")]), "hl",
     "hard links are not allowed")
case("tar char device", T([("null2", b"", tarfile.CHRTYPE)]), "null2",
     "device nodes are not allowed")
case("tar block device", T([("sda", b"", tarfile.BLKTYPE)]), "sda",
     "device nodes are not allowed")
case("tar FIFO", T([("pipe", b"", tarfile.FIFOTYPE)]), "pipe",
     "FIFOs are not allowed")
case("tar invalid UTF-8 (raw GNU name)",
     T([("bad\udcff.txt", b"x", REG)], fmt=GNU), "bad\\xff.txt",
     "name is not valid UTF-8")
case("tar NFD name (raw GNU name)", T([(nfd, b"x", REG)], fmt=GNU), nfd,
     "name contains combining characters; use precomposed (NFC) characters")
case("tar.gz symlink", T([("lnk", b"", SYM, "/etc/shadow")],
                         name="b.tar.gz", mode="w:gz"), "lnk",
     "symbolic links are not allowed")

# zip-only encodings of the same classes
case("zip symlink", Z([("lnk", b"/etc", 0o120777)]), "lnk",
     "symbolic links are not allowed")
case("zip socket", Z([("sock", b"", 0o140644)]), "sock",
     "sockets are not allowed")
case("zip invalid UTF-8", Z([(b"bad\xff.txt", b"x", None)]), "bad\\xff.txt",
     "name is not valid UTF-8")


def sparse_tar(fmt):
    def build(d):
        src = os.path.join(d, "src")
        os.makedirs(os.path.join(src, "data"))
        for n, data in m.EXAMPLE_FILES.items():
            with open(os.path.join(src, n), "wb") as f:
                f.write(data)
        with open(os.path.join(src, "data", "sparse.bin"), "wb") as f:
            f.truncate(64 << 20)
            f.seek(64 << 20)
            f.write(b"end")
        out = os.path.join(d, "sparse.tar")
        subprocess.run(["tar", "--sparse", "--format=" + fmt, "-cf", out,
                        "-C", src, "experiment.ini", "analysis.lua",
                        "data/counts.csv", "data/sparse.bin"], check=True)
        shutil.rmtree(src)
        return out
    return build


case("tar GNU sparse entry", sparse_tar("gnu"), "data/sparse.bin",
     "sparse entries are not allowed")
case("tar pax sparse entry", sparse_tar("pax"), "data/sparse.bin",
     "sparse entries are not allowed")

# -- bombs ------------------------------------------------------------------
zeros = 50 << 20
case("tar.gz ratio bomb (50 MiB of zeros)",
     T([("data/zeros.bin", b"\0" * zeros, REG)], name="b.tar.gz",
       mode="w:gz"), "data/zeros.bin",
     "archive expands to more than 200 times its size (compression bomb)")
case("zip ratio bomb (50 MiB of zeros)",
     Z([("data/zeros.bin", b"\0" * zeros, None)]), "data/zeros.bin",
     "archive expands to more than 200 times its size (compression bomb)")
bomb = profile("bomb", max_ratio=100000, max_bytes=32 << 20,
               max_file_bytes=2 << 20, max_entries=100)
case("overlapping-entry zip bomb (50 x 1 MiB from one kernel)",
     lambda d: m.make_overlap_zip(os.path.join(d, "ov.zip"), 50, 1 << 20),
     "bomb/", "bundle larger than 33554432 bytes", prof=bomb, prefix=True)
case("overlapping-entry zip bomb under the default ratio",
     lambda d: m.make_overlap_zip(os.path.join(d, "ov.zip"), 50, 1 << 20),
     "bomb/", "archive expands to more than 200 times", prefix=True)
case("zip with lying sizes (says 10 bytes, inflates to 20 MiB)",
     lambda d: m.make_lying_zip(os.path.join(d, "lie.zip"), 20 << 20, 10),
     "data/big.csv", "file larger than 2097152 bytes", prof=bomb)
many = [("e/%04d" % i, b"", REG) for i in range(500)]
case("tar entry-count bomb", T(many), "e/0097", "more than 100 entries",
     prof=bomb)
case("zip entry-count bomb", Z([(n, b"", None) for n, _, _ in many]),
     "e/0097", "more than 100 entries", prof=bomb)

# -- format by name and by content -----------------------------------------


def renamed(build, new):
    def b(d):
        p = build(d)
        q = os.path.join(d, new)
        os.rename(p, q)
        return q
    return b


case("zip named .tar.gz", renamed(Z([]), "b.tar.gz"), "",
     "b.tar.gz: the name says tar.gz but the content is a zip archive",
     code="BUNDLE_REFUSED", contains=True)
case("tar named .zip", renamed(T([]), "b.zip"), "",
     "b.zip: the name says zip but the content is a tar archive",
     code="BUNDLE_REFUSED", contains=True)
case("tar named .tar.gz", renamed(T([]), "b.tar.gz"), "",
     "b.tar.gz: the name says tar.gz but the content is a tar archive",
     code="BUNDLE_REFUSED", contains=True)


def bz2_named_tgz(d):
    import bz2
    p = m.make_tar(os.path.join(d, "x.tar"), [])
    out = os.path.join(d, "b.tgz")
    open(out, "wb").write(bz2.compress(open(p, "rb").read()))
    os.unlink(p)
    return out


case("bzip2 named .tgz (no external decompressor)", bz2_named_tgz, "",
     "b.tgz: the name says tar.gz but the content is a bzip2 stream",
     code="BUNDLE_REFUSED", contains=True)
case("RAR by name", renamed(T([]), "b.rar"), "",
     "b.rar: not a folder or a .tar, .tar.gz, .tgz, .tar.zst or .zip "
     "bundle", code="BUNDLE_REFUSED", contains=True)
case("lrzip by name", renamed(T([]), "b.tar.lrz"), "",
     "not a folder or a .tar", code="BUNDLE_REFUSED", contains=True)


def gz_of_zip(d):
    import gzip
    z = m.make_zip(os.path.join(d, "x.zip"), [])
    out = os.path.join(d, "b.tar.gz")
    with gzip.open(out, "wb") as g:
        g.write(open(z, "rb").read())
    os.unlink(z)
    return out


case("tar.gz holding a zip", gz_of_zip, "", "archive cannot be read: ",
     prefix=True)

# -- hostile folders ----------------------------------------------------------


def folder(extra):
    def build(d):
        b = os.path.join(d, "bundle")
        os.makedirs(os.path.join(b, "data"))
        for n, data in m.EXAMPLE_FILES.items():
            with open(os.path.join(b, n), "wb") as f:
                f.write(data)
        extra(b)
        return b
    return build


def folder_case(desc, extra, entry, reason):
    holder = {}

    def build(d):
        b = folder(extra)(d)
        holder["before"] = snapshot(b)
        holder["b"] = b
        return b
    case(desc, build, entry, reason)
    tap(snapshot(holder["b"]) == holder["before"],
        desc + ": folder unchanged")


def mksock(b):
    s = socket.socket(socket.AF_UNIX)
    s.bind(os.path.join(b, "sock"))
    s.close()


folder_case("folder symlink", lambda b: os.symlink("/etc/shadow",
                                                   os.path.join(b, "lnk")),
            "lnk", "symbolic links are not allowed")
folder_case("folder FIFO", lambda b: os.mkfifo(os.path.join(b, "pipe")),
            "pipe", "FIFOs are not allowed")
folder_case("folder socket", mksock, "sock", "sockets are not allowed")
folder_case("folder case-folded duplicate",
            lambda b: [open(os.path.join(b, n), "w").close()
                       for n in ("Data.txt", "data.txt")],
            "data.txt", "duplicate path: same as 'Data.txt' after case "
            "folding")
folder_case("folder invalid UTF-8",
            lambda b: open(os.path.join(os.fsencode(b), b"bad\xff.txt"),
                           "w").close(),
            "bad\\xff.txt", "name is not valid UTF-8")
folder_case("folder control character",
            lambda b: open(os.path.join(b, "a\tb.txt"), "w").close(),
            "a\\x09b.txt", "name contains control characters")
folder_case("folder NFD name",
            lambda b: open(os.path.join(b, nfd), "w").close(), nfd,
            "name contains combining characters; use precomposed (NFC) "
            "characters")

# -- a nested archive is opaque data ---------------------------------------


def nested(d):
    inner = m.make_zip(os.path.join(d, "inner.zip"),
                       [("../evil.txt", b"x", None)], base=False)
    data = open(inner, "rb").read()
    os.unlink(inner)
    return m.make_zip(os.path.join(d, "b.zip"), [("data/inner.zip", data,
                                                  None)])


d = tempfile.mkdtemp(dir=WORK)
r = run_pt(["run", nested(d), "--profile", PROFILE, "--out",
            os.path.join(d, "out")], d)
rep = json.load(open(os.path.join(d, "out", "report.json")))
files = [f["path"] for f in rep["data"]["bundle"]["files"]]
tap("data/inner.zip" in files and not any(
    f.get("stage") == "intake" for f in rep.get("findings", [])),
    "zip inside a zip is kept as opaque data", [files, rep.get("findings")])

shutil.rmtree(WORK)
print("1..%d" % len(tests))
sys.exit(0 if all(tests) else 1)
