#!/usr/bin/env python3
"""statements.py DIR [PKG] - every signed statement of a report folder (and
of its release package) decoded, for golden comparison: the provenance,
each advisor's records, the audit log and the release statement.

The report's own bytes hold what the sandbox read back about the host (the
Landlock ABI, a sanitizer build's wider allowlist), so every digest of a
report file, and every digest chained from one, is written as the name of
what it digests, e.g. sha256(report.json) or sha256(decisions/alice.jsonl:2).
Digests of the bundle, profile, outputs and keys stay as they are.
"""
import base64
import hashlib
import json
import os
import sys


def sha(b):
    return hashlib.sha256(b).hexdigest()


def lines(path):
    with open(path, "rb") as f:
        return [l for l in f.read().split(b"\n") if l]


def main():
    dirs = sys.argv[1:]
    names = {}
    for d in dirs:
        for f in ("report.json", "report.md", "report.html", "SHA256SUMS",
                  "provenance.dsse.json", "release.dsse.json",
                  "release.md", "release.html"):
            p = os.path.join(d, f)
            if os.path.exists(p):
                with open(p, "rb") as fh:
                    names[sha(fh.read())] = f
        dd = os.path.join(d, "decisions")
        for f in sorted(os.listdir(dd)) if os.path.isdir(dd) else []:
            with open(os.path.join(dd, f), "rb") as fh:
                names[sha(fh.read())] = "decisions/" + f
            for i, l in enumerate(lines(os.path.join(dd, f)), 1):
                names[sha(l)] = "decisions/%s:%d" % (f, i)

    def clean(v):
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()
                    if not (k == "sig")}
        if isinstance(v, list):
            return [clean(x) for x in v]
        if isinstance(v, str):
            for h, n in names.items():
                v = v.replace(h, "sha256(%s)" % n)
        return v

    def show(title, env_line):
        env = json.loads(env_line)
        st = json.loads(base64.b64decode(env["payload"]))
        print("== " + title)
        print(json.dumps(clean(st), indent=1, sort_keys=True))

    for d in dirs:
        tag = os.path.basename(d.rstrip("/"))
        for f in ("provenance.dsse.json", "release.dsse.json",
                  "release.md", "release.html"):
            p = os.path.join(d, f)
            if os.path.exists(p) and not (d != dirs[0] and
                                          f == "provenance.dsse.json"):
                show("%s/%s" % (tag, f), lines(p)[0])
        dd = os.path.join(d, "decisions")
        for f in sorted(os.listdir(dd)) if os.path.isdir(dd) else []:
            for i, l in enumerate(lines(os.path.join(dd, f)), 1):
                if f == "audit.jsonl":
                    print("== %s/decisions/%s:%d" % (tag, f, i))
                    print(json.dumps(clean(json.loads(l)), indent=1,
                                     sort_keys=True))
                else:
                    show("%s/decisions/%s:%d" % (tag, f, i), l)


main()
