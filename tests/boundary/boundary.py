#!/usr/bin/env python3
"""boundary.py - red-team regression suite for the protection engine.

Usage: boundary.py PROEFTUIN SOURCE_ROOT      (prints TAP; exit 0 when every
test is ok, 1 otherwise, 77 when the host cannot isolate: proeftuin exit 71)

Every attack is a custodian run: the profile points `path =` at generated
"real" data with secrets planted about one person or a small group, the
bundle ships a harmless synthetic sample with the same header, and a hostile
analysis.lua tries to get the secret out.  After each run EVERY file of the
report folder (report.json, report.md, report.html, SHA256SUMS, run.log,
outputs/*, review/*) plus stdout and stderr is collected, and the test checks
that the secret cannot be recomputed: not only that the literal value is
absent, but that the arithmetic the attack intends (a difference of two
published numbers, a total minus published cells, a sum divided by a mean,
bits encoded in names, descriptions, the number of outputs, print, error
text, the end class) does not give it.  Channel attacks are also run as
non-interference pairs: two custodian files that differ only in the secret
must give the same report folder (the data digest aside).

Everything is generated at test time; python3 standard library only.

The planted world (custodian file `people`, columns pid, zone, age, sex,
score, flag, income, benefit; pid is an identifier and never granted):
  A  150 rows  flag = 1 for exactly 4 of them; benefit > 0 for 30 of them
  B  150 rows  benefit > 0 for exactly one person (SECRET_BENEFIT)
  C   60 rows  sex is coded 1/2; exactly 3 women (sex = 2)
  G   30 rows  incomes around 100 000
  H   12 rows  one dominant income (SECRET_RICH) among 11 small ones
  Q    3 rows  a zone of three people (the small group count SECRET_Q)
  Z   40 rows  P, the only person in Z aged 34, has score SECRET_SCORE;
               flag = 0 for exactly 2 people in Z (P among them)
Age 34 occurs 23 times in the whole file (22 outside Z).

Tests named leak-* and a few c2-/c4- tests fail on the engine of commit
9fb7889 on purpose: they are attacks that got a secret out when this suite
was written, kept as regressions until the engine closes them:
  c2-coded-1-2-column, c2-two-valued-where, c2-01-column-one-slip
      the auditor models a sum as a count only for a column whose non-zero
      values are all equal over the whole file, so sum - a * count over a
      two-valued column (coded 1/2, or any column narrowed by a where to
      two values, or a 0/1 column with a single 2 anywhere) is a small count
  c2-dominance-differencing
      the auditor checks derived populations against min_cell only; a sum
      that the dominance rule withholds is released as a difference
  leak-report-rows
      report.json data.datasets[].rows is the exact row count of the
      custodian file: minus a released count it gives a small group
  leak-refusal-existence, leak-refusal-bits, leak-withhold-missing,
  leak-withhold-dominance
      which cells are withheld depends on the data (the auditor refuses a
      cell only when the derivable group is non-empty and small; missing,
      negatives, dominance withhold for one person's value), the script sees
      the absence, and puts the bits in the names of outputs that go to
      outputs/ without a person
  leak-ledger-oracle
      the ledger's withheld counts (report.json) tell for which where value
      a non-empty small group exists
  c4-timing-rows, leak-rows-end-class, invariant run.log
      run.log keeps execute_and_check_ns and runner_max_rss_kib on custodian
      runs; a run that read rows and made nothing is PASS
"""

import csv
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

if len(sys.argv) != 3:
    sys.stderr.write("usage: boundary.py PROEFTUIN SOURCE_ROOT\n")
    sys.exit(64)

PT = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
TMP = tempfile.mkdtemp(prefix="pt-boundary-")
T0 = time.time()

MIN_CELL = 10
SECRET_SCORE = 73
SECRET_Q = 3
SECRET_RICH = 1234567
SECRET_BENEFIT = 4321
SECRET_WOMEN_C = 3
SECRET_FLAG0_Z = 2
SECRET_FLAG1_A = 4
N_AGE34 = 23

COLUMNS = ["pid", "zone", "age", "sex", "score", "flag", "income", "benefit"]
GRANTED = ["zone", "age", "sex", "score", "flag", "income", "benefit"]

results = []  # (ok, description)
runs = []  # every custodian Result, for the invariants at the end


def tap(ok, desc, todo=None):
    results.append((bool(ok), desc, todo))


# A residual the engine does not close (yet): reported, not failed.
REFUSAL_RESIDUAL = ("known residual: which cells the auditor withholds "
                    "depends on the data (a derived group of 1..min_cell-1 "
                    "is refused, an empty one is not); only simulatable "
                    "auditing would hide that.  Whatever the script makes "
                    "after a withheld answer goes to review/ and the run "
                    "is REVIEW, so a person sees it before it leaves")


def finish():
    n = 0
    failed = 0
    for ok, desc, todo in results:
        n += 1
        # a '#' in the text would start a TAP directive
        line = ("ok %d - %s" if ok else "not ok %d - %s") % (
            n, desc.replace("#", "%23"))
        if todo is not None:
            line += " # TODO " + todo
        print(line)
        failed += 0 if ok or todo is not None else 1
    print("# runtime %.1f s, %d runs" % (time.time() - T0, len(runs)))
    print("1..%d" % n)
    shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(1 if failed else 0)


# ---------------------------------------------------------------- the world

def make_world(seed=7, p_score=SECRET_SCORE, p_age=34, p_income=None,
               shuffle=False, p_zone_cell=None, extra_field=False,
               odd_flag=False):
    """The custodian's rows (list of lists of strings, header first)."""
    rng = random.Random(seed)
    rows = []
    pid = [1000]

    def add(zone, age, sex, score, flag, income, benefit):
        pid[0] += 1
        rows.append(["P%06d" % pid[0], zone, str(age), str(sex), str(score),
                     str(flag), str(income), str(benefit)])

    def age_not34():
        while True:
            a = rng.randint(18, 80)
            if a != 34:
                return a

    ages34 = 22  # outside Z
    # A: 150, flag = 1 for exactly 4; benefit for 30
    for i in range(150):
        add("A", age_not34(), rng.choice([1, 2]), rng.randint(0, 100),
            1 if i < 4 else 0, rng.randint(20000, 60000),
            rng.randint(1000, 3000) if i >= 100 and i < 130 else 0)
    # B: 150, benefit for exactly one person
    for i in range(150):
        add("B", age_not34(), rng.choice([1, 2]), rng.randint(0, 100),
            rng.choice([0, 1]), rng.randint(20000, 60000),
            SECRET_BENEFIT if i == 77 else 0)
    # C: 60, exactly 3 women
    for i in range(60):
        add("C", age_not34(), 2 if i in (5, 17, 40) else 1,
            rng.randint(0, 100), rng.choice([0, 1]),
            rng.randint(20000, 60000), 0)
    # G: 30 high incomes
    for i in range(30):
        add("G", age_not34(), rng.choice([1, 2]), rng.randint(0, 100),
            rng.choice([0, 1]), rng.randint(90000, 110000), 0)
    # H: 12, one dominant income
    for i in range(12):
        add("H", age_not34(), rng.choice([1, 2]), rng.randint(0, 100),
            rng.choice([0, 1]),
            SECRET_RICH if i == 3 else rng.randint(4000, 6000), 0)
    # Q: a zone of three
    for i in range(SECRET_Q):
        add("Q", age_not34(), rng.choice([1, 2]), rng.randint(0, 100),
            rng.choice([0, 1]), rng.randint(20000, 60000), 0)
    # 22 people aged 34 in A and B
    k = 0
    for r in rows:
        if r[1] in ("A", "B") and k < ages34 and int(r[0][1:]) % 13 == 0:
            r[2] = "34"
            k += 1
    assert k == ages34, k
    # Z: 40; P is the only one aged 34; scores spread so that every bit
    # of 0..127 is set for at least 12 people of Z and clear for 12.
    while True:
        zs = rng.sample([s for s in range(128) if s != p_score], 39)
        ok = True
        for b in range(7):
            ones = sum(1 for s in zs if s >> b & 1)
            ok = ok and 12 <= ones <= 27
        if ok:
            break
    zrows = []
    for i in range(39):
        zrows.append(["Z", age_not34(), rng.choice([1, 2]), zs[i],
                      0 if i == 20 else 1, rng.randint(20000, 60000), 0])
    zrows.insert(11, ["Z", p_age, 1, p_score, 0,
                      p_income if p_income is not None
                      else rng.randint(20000, 60000), 0])
    for z in zrows:
        add(*z)
    if odd_flag:  # one data-entry slip: a 2 in the 0/1 column, in zone A
        for r in rows:
            if r[1] == "A" and r[5] == "0":
                r[5] = "2"
                break
    if p_zone_cell is not None or extra_field:
        for r in rows:
            if r[1] == "Z" and r[2] == str(p_age) and r[4] == str(p_score):
                if p_zone_cell is not None:
                    r[1] = p_zone_cell
                if extra_field:
                    r.append("extra")
    if shuffle:
        random.Random(seed + 1).shuffle(rows)
    return [COLUMNS] + rows


def sample_rows():
    rng = random.Random(99)
    out = [COLUMNS]
    for i in range(60):
        out.append(["S%04d" % i, rng.choice(["A", "B"]),
                    str(rng.randint(18, 80)), str(rng.choice([1, 2])),
                    str(rng.randint(0, 100)), str(rng.choice([0, 1])),
                    str(rng.randint(1000, 9000)), "0"])
    return out


def write_csv(path, rows, raw_lines=None):
    with open(path, "wb") as f:
        for r in rows:
            f.write((",".join(r) + "\n").encode())
        if raw_lines:
            f.write(raw_lines)


def world_text(rows):
    return "".join(",".join(r) + "\n" for r in rows).encode()


# ------------------------------------------------------------ the bundles

MANIFEST = """[experiment]
name        = boundary-{name}
version     = 1.0.0
team        = Red team
contact     = red@example.org
purpose     = research
description = Boundary attack {name}.
entry       = analysis.lua

[dataset.people]
file    = data/people.csv
columns = {columns}
"""

PROFILE = """[profile]
name            = boundary
version         = 1
owner           = Test custodian
purposes        = research
legal_basis     = GDPR art. 6(1)(e), public task
public_interest = public-health
necessity       = The red-team suite needs personal data with planted secrets.

[limits]
wall_seconds = 20
cpu_seconds  = 10
memory_mb    = 128
instructions = {instructions}

[dataset.people]
access      = {access}
columns     = {columns}
identifiers = pid
personal    = yes
special_category = no
path        = {path}

[disclosure]
min_cell    = {min_cell}
round_to    = {round_to}
dominance_n = 2
dominance_k = 85
p_percent   = 10
max_rows    = 500
zeros       = review
negatives   = {negatives}
missing     = {missing}
"""

PRELUDE = r"""
local d = data.open("people")
local function one(agg, stat)
  for r in agg:rows() do return r[stat] end
  return nil
end
local function emit(k, v) print("EXFIL " .. k .. "=" .. tostring(v)) end
local function except(lo, hi, skip)
  local t = {}
  for v = lo, hi do if v ~= skip then t[#t + 1] = v end end
  return t
end
local function diff(a, b)
  if a == nil or b == nil then return nil end
  return a - b
end
local function cell(agg, stat, want)
  for r in agg:rows() do
    local hit = true
    for k, v in pairs(want) do
      if tostring(r[k]) ~= tostring(v) then hit = false end
    end
    if hit then return r[stat] end
  end
  return nil
end
local function cells(agg, stat)
  local t, n = {}, 0
  for r in agg:rows() do n = n + 1; t[n] = r end
  return t
end
"""

ZONES = ["A", "B", "C", "G", "H", "Q", "Z"]
PATH_REAL = os.path.join(TMP, "custodian", "people.csv")
os.makedirs(os.path.dirname(PATH_REAL), exist_ok=True)
SAMPLE = sample_rows()


class Result:
    def __init__(self, name, rc, out, stdout, stderr, secret_rows):
        self.name = name
        self.rc = rc
        self.out = out
        self.stdout = stdout
        self.stderr = stderr
        self.files = {}
        self.report = {}
        if os.path.isdir(out):
            for root, _, fs in os.walk(out):
                for f in fs:
                    p = os.path.join(root, f)
                    with open(p, "rb") as fh:
                        self.files[os.path.relpath(p, out)] = fh.read()
        if "report.json" in self.files:
            try:
                self.report = json.loads(self.files["report.json"])
            except ValueError:
                self.report = {}
        self.verdict = self.report.get("verdict")
        self.ledger = self.report.get("ledger", [])

    # every byte a reader of the folder (and of the terminal) gets
    def blob(self):
        parts = [self.stdout, self.stderr]
        parts += [self.files[k] for k in sorted(self.files)]
        return b"\n".join(parts).decode("utf-8", "replace")

    def runlog(self):
        return self.files.get("run.log", b"").decode("utf-8", "replace")

    def script_log(self):
        log = self.runlog()
        i = log.find("--- script log (print) ---\n")
        text = log[i:] if i >= 0 else ""
        sl = self.report.get("setting", {}).get("script_log")
        if isinstance(sl, list):
            text += "\n" + "\n".join(sl)
        elif isinstance(sl, str):
            text += "\n" + sl
        return text

    def exfil(self, key):
        """What the script printed as EXFIL key=value (last one), or None."""
        val = None
        for m in re.finditer(r"EXFIL ([A-Za-z0-9_]+)=([^\n\t]*)",
                             self.script_log()):
            if m.group(1) == key:
                val = m.group(2).strip()
        if val is None or val == "nil":
            return None
        try:
            return float(val)
        except ValueError:
            return val

    def outputs(self):
        return self.report.get("outputs", [])

    def output_names(self, where=None):
        return sorted(o["name"] for o in self.outputs()
                      if where is None or o.get("released") == where)

    def table(self, name):
        """Rows (dicts) of output NAME from outputs/ or review/, or None."""
        for folder in ("outputs", "review"):
            k = "%s/%s.csv" % (folder, name)
            if k in self.files:
                rd = csv.DictReader(io.StringIO(self.files[k].decode()))
                return list(rd)
        return None

    def value(self, name, stat, **keys):
        rows = self.table(name)
        if rows is None:
            return None
        for r in rows:
            if all(r.get(k) == str(v) for k, v in keys.items()):
                return num(r.get(stat))
        return None

    def withheld_total(self):
        n = 0
        for q in self.ledger:
            n += sum(q.get("withheld", {}).values())
        return n

    def end(self):
        return self.report.get("setting", {}).get("end")

    def finding_codes(self):
        return [f.get("code") for f in self.report.get("findings", [])]

    def findings(self):
        return self.report.get("findings", [])


def num(s):
    if s is None or s == "":
        return None
    try:
        return float(s)
    except ValueError:
        return None


RUN_SEQ = [0]


def run(name, lua, world=None, raw_tail=None, round_to=1, min_cell=MIN_CELL,
        access="aggregate", instructions=2000000000, columns=None,
        prelude=True, raw_world=None, bname=None, missing="review",
        negatives="review", expect_end="OK"):
    """Write bundle, custodian data and profile; run; collect.  The run is
    expected to end with class `expect_end` (None: any), so that no check
    passes only because the attack script broke early."""
    RUN_SEQ[0] += 1
    base = os.path.join(TMP, "%03d-%s" % (RUN_SEQ[0], name))
    bundle = os.path.join(base, "bundle")
    os.makedirs(os.path.join(bundle, "data"))
    cols = ", ".join(columns or GRANTED)
    with open(os.path.join(bundle, "experiment.ini"), "w") as f:
        f.write(MANIFEST.format(name=bname or name, columns=cols))
    with open(os.path.join(bundle, "analysis.lua"), "w") as f:
        f.write((PRELUDE if prelude else "") + lua)
    write_csv(os.path.join(bundle, "data", "people.csv"), SAMPLE)
    if world is None:
        world = make_world()
    # The custodian file is always at the same path, so that profiles of a
    # non-interference pair are byte-identical.
    if raw_world is not None:
        with open(PATH_REAL, "wb") as f:
            f.write(raw_world)
    else:
        write_csv(PATH_REAL, world, raw_tail)
    prof = os.path.join(base, "profile.ini")
    with open(prof, "w") as f:
        f.write(PROFILE.format(access=access, columns=cols, path=PATH_REAL,
                               min_cell=min_cell, round_to=round_to,
                               instructions=instructions, missing=missing,
                               negatives=negatives))
    out = os.path.join(base, "out")
    env = dict(os.environ)
    env["SOURCE_DATE_EPOCH"] = "0"
    env.pop("NO_COLOR", None)
    p = subprocess.run([PT, "run", bundle, "--profile", prof, "--out", out],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=env, cwd=base, timeout=120)
    if p.returncode == 71:
        print("# isolation unavailable on this host: %s"
              % p.stderr.decode("utf-8", "replace").strip())
        print("1..0 # SKIP isolation unavailable")
        shutil.rmtree(TMP, ignore_errors=True)
        sys.exit(77)
    r = Result(name, p.returncode, out, p.stdout, p.stderr, world)
    r.custodian_sha = None
    for ds in r.report.get("data", {}).get("datasets", []):
        r.custodian_sha = ds.get("sha256")
    r.expect_end = expect_end
    runs.append(r)
    return r


# ------------------------------------------------------------ comparisons

TIMING_LINE = re.compile(r"^[A-Za-z_]*(_ns|rss[a-z_]*|wall[a-z_]*|cpu[a-z_]*)"
                         r"\s*:\s*[0-9]", re.M)


def normalized(r):
    """The folder and the terminal output as a reader sees them, with the
    custodian digest (which differs by construction) masked and the run.log
    resource lines dropped (checked on their own)."""
    out = {}
    sha = r.custodian_sha or "@@"
    for k, v in r.files.items():
        if k == "SHA256SUMS":
            continue
        t = v.decode("utf-8", "replace").replace(sha, "<custodian-sha>")
        if k == "run.log":
            t = "\n".join(l for l in t.split("\n")
                          if not TIMING_LINE.match(l))
        out[k] = t
    out["<stdout>"] = r.stdout.decode("utf-8", "replace").replace(r.out, "OUT")
    out["<stderr>"] = r.stderr.decode("utf-8", "replace").replace(r.out, "OUT")
    return out


def first_difference(a, b):
    na, nb = normalized(a), normalized(b)
    for k in sorted(set(na) | set(nb)):
        if na.get(k) != nb.get(k):
            x, y = na.get(k) or "", nb.get(k) or ""
            i = 0
            while i < min(len(x), len(y)) and x[i] == y[i]:
                i += 1
            return "%s differs near: %r vs %r" % (k, x[max(0, i - 30):i + 50],
                                                  y[max(0, i - 30):i + 50])
    return None


def pair(name, lua, world_a, world_b, what, todo=None, **kw):
    """Non-interference: the same bundle on two custodian files that differ
    only in the secret must give the same folder."""
    a = run(name + "-a", lua, world=world_a, bname=name, **kw)
    b = run(name + "-b", lua, world=world_b, bname=name, **kw)
    d = first_difference(a, b)
    tap(d is None, "%s: nothing in the report folder depends on %s%s"
        % (name, what, "" if d is None else " (LEAK: %s)" % d), todo)
    return a, b


def small(v):
    """A derived count that is a small group: 1 .. min_cell - 1."""
    return v is not None and 0.5 <= v <= MIN_CELL - 0.5


def close(v, secret, tol=0.5):
    return v is not None and abs(v - secret) <= tol


def literal_absent(r, value):
    pat = re.compile(r"(?<![0-9A-Fa-f.])%s(?![0-9A-Fa-f])" % re.escape(str(value)))
    return pat.search(r.blob()) is None


def verdict_desc(r):
    return "verdict %s, exit %d, end %s" % (r.verdict, r.rc, r.end())


# =================================================================== attacks
#
# Class 1: values inside Lua, and the channels a script controls.  Every
# script here reads aggregates whose cells about P are small; the two worlds
# differ only in P's score (73 or 12), so whatever the script can carry out
# (names, descriptions, number of outputs, print, error, end class, limits,
# os.clock, memory) must be the same in both.

W73 = make_world()
W12 = make_world(p_score=12)


def class1():
    # 1.1 microdata: count and mean by every column
    lua = r'''
local by = {"zone", "age", "sex", "flag"}
local m = d:mean("score", {by = by})
local n = d:count{by = by}
for r in m:rows() do
  if r.zone == "Z" and r.age == "34" then emit("p_score", r.mean) end
end
for r in n:rows() do
  if r.count < 10 then emit("small_cell", r.zone .. "," .. r.age .. "=" .. r.count) end
end
emit("mean_cells", #m)
output.table("micro_mean", m, {description = "means"})
output.table("micro_count", n, {description = "counts"})
'''
    a, b = pair("c1-microdata", lua, W73, W12, "P's score")
    tap(a.exfil("p_score") is None and a.exfil("small_cell") is None,
        "c1-microdata: no small cell is readable inside Lua (P's mean, "
        "cells under %d)" % MIN_CELL)
    tap(a.verdict != "PASS",
        "c1-microdata: cells were withheld, so the verdict is not PASS (%s)"
        % verdict_desc(a))

    # 1.2 reading small cells directly: the zone of three, P's cell
    lua = r'''
local z = d:count{by = "zone"}
emit("q_count", cell(z, "count", {zone = "Q"}))
local s = d:sum("score", {by = {"zone", "age"}, where = {zone = {"Z"}}})
emit("p_sum", cell(s, "sum", {zone = "Z", age = 34}))
local m = d:mean("score", {by = {"age"}, where = {zone = {"Z"}, age = {34}}})
emit("p_mean", one(m, "mean"))
emit("p_rows", #m)
output.table("zones", z)
output.table("z_ages", s)
'''
    a, b = pair("c1-small-cells", lua, W73, W12, "P's score")
    q = a.value("zones", "count", zone="Q")
    tap(a.exfil("q_count") is None and q is None,
        "c1-small-cells: the zone of %d is absent inside Lua and in the "
        "output" % SECRET_Q)
    tap(a.exfil("p_sum") is None and a.exfil("p_mean") is None
        and a.exfil("p_rows") == 0,
        "c1-small-cells: P's cell (zone Z, age 34) is absent, as if empty")

    # 1.3 output names, descriptions, number of outputs
    lua = r'''
local m = d:mean("score", {by = {"zone", "age"}, where = {zone = {"Z"}}})
local clean = d:count{by = "zone", where = {zone = {"A", "B"}}}
local desc = {}
for r in m:rows() do
  desc[#desc + 1] = r.age .. "=" .. string.format("%.6f", r.mean)
  local name = string.format("z_%s_%d", r.age, math.floor(r.mean))
  output.table(name, clean, {description = "age " .. r.age})
end
output.table("described", clean, {description = table.concat(desc, ";")})
local v = cell(m, "mean", {age = 34}) or 0
for i = 1, math.floor(v) do output.table("bit" .. i, clean) end
'''
    a, b = pair("c1-names", lua, W73, W12, "P's score")
    names = a.output_names()
    tap(not any(n.startswith("z_34_") for n in names)
        and not any(n.startswith("bit") for n in names),
        "c1-names: no output name or count of outputs carries P's cell "
        "(%d outputs)" % len(names))

    # 1.4 print, error(), pcall
    lua = r'''
local m = d:mean("score", {by = {"zone", "age"}})
local ok, e = pcall(function()
  for r in m:rows() do
    if r.zone == "Z" and r.age == "34" then error("P=" .. r.mean) end
  end
  error("P=none")
end)
print("caught " .. tostring(e))
for r in m:rows() do print(r.zone, r.age, r.mean) end
local v = cell(m, "mean", {zone = "Z", age = 34})
error("secret:" .. tostring(v))
'''
    a, b = pair("c1-print-error", lua, W73, W12, "P's score",
                expect_end="LUA_ERROR")
    blob = a.blob()
    tap("P=none" in blob and "secret:nil" in blob
        and not re.search(r"\bZ\t34\t", blob),
        "c1-print-error: print, pcall and error() see no P cell "
        "(%s)" % verdict_desc(a))

    # 1.5 a limit hit only when a value is high (instruction limit), or a
    # memory blow-up when it is low
    lua = r'''
local m = d:mean("score", {by = {"zone", "age"}})
local v = cell(m, "mean", {zone = "Z", age = 34})
output.table("clean", d:count{by = "zone", where = {zone = {"A", "B"}}})
if v ~= nil and v >= 50 then while true do end end
if v ~= nil and v < 50 then
  local t = {}
  for i = 1, 1e9 do t[i] = string.rep("x", 100) .. i end
end
'''
    a, b = pair("c1-limits", lua, W73, W12, "P's score",
                instructions=200000000)
    tap(a.end() == "OK" and b.end() == "OK",
        "c1-limits: neither the instruction nor the memory limit fires "
        "(ends %s / %s)" % (a.end(), b.end()))

    # 1.6 ds:rows under access = aggregate: a stop pcall cannot catch
    lua = r'''
local ok, e = pcall(function()
  local v
  for r in d:rows{"zone", "age", "score"} do
    if r.zone == "Z" and r.age == "34" then v = r.score end
  end
  return v
end)
print("caught " .. tostring(ok) .. " " .. tostring(e))
output.table("clean", d:count{by = "zone", where = {zone = {"A", "B"}}})
'''
    r = run("c1-rows-not-granted", lua, expect_end=None)
    tap("ROWS_NOT_GRANTED" in r.finding_codes() and "caught" not in r.blob()
        and not [k for k in r.files if k.startswith(("outputs/", "review/"))],
        "c1-rows-not-granted: ds:rows under access = aggregate stops the "
        "run (pcall cannot catch it) and nothing is released (%s)"
        % verdict_desc(r))

    # 1.7 os.clock and collectgarbage around a heavy answer
    lua = r'''
local t0 = os.clock()
local c0 = collectgarbage("count")
local m = d:mean("score", {by = {"zone", "age", "sex", "flag", "income"}})
local n = #m
local t1 = os.clock()
local c1 = collectgarbage("count")
print(string.format("clock %.9f mem %.3f cells %d", t1 - t0, c1 - c0, n))
output.text("timing", string.format("%.9f %.3f", t1 - t0, c1 - c0))
'''
    pair("c1-clock", lua, W73, W12, "P's score")

    # 1.8 identifier order: the same rows in another order
    lua = r'''
local m = d:mean("score", {by = {"zone", "sex"}})
output.table("m", m)
local c = d:count{by = {"zone", "flag"}}
output.table("c", c)
for r in c:rows() do print(r.zone, r.flag, r.count) end
'''
    pair("c1-row-order", lua, W73, make_world(shuffle=True),
         "the order of the rows (pid order)")


# Class 2: differencing.  Profile without rounding (round_to = 1), so every
# difference of published numbers is exact: only the auditor stands between
# the script and the secret.

def class2():
    age_list = "except(0, 120, 34)"
    # 2.1 with and without a where value that excludes P
    lua = r'''
local c1 = d:count{where = {zone = {"Z"}}}
local c2 = d:count{where = {zone = {"Z"}, age = %s}}
local s1 = d:sum("score", {where = {zone = {"Z"}}})
local s2 = d:sum("score", {where = {zone = {"Z"}, age = %s}})
local m1 = d:mean("score", {where = {zone = {"Z"}}})
local m2 = d:mean("score", {where = {zone = {"Z"}, age = %s}})
emit("p_count", diff(one(c1, "count"), one(c2, "count")))
emit("p_score", diff(one(s1, "sum"), one(s2, "sum")))
if one(m1, "mean") and one(m2, "mean") then
  emit("p_score_mean", one(m1, "mean") * 40 - one(m2, "mean") * 39)
end
output.table("c1", c1) output.table("c2", c2)
output.table("s1", s1) output.table("s2", s2)
''' % (age_list, age_list, age_list)
    r = run("c2-where-exclusion", lua)
    tap(not small(r.exfil("p_count")),
        "c2-where-exclusion: count(Z) - count(Z without age 34) is not "
        "derivable (got %s)" % r.exfil("p_count"))
    tap(not close(r.exfil("p_score"), SECRET_SCORE)
        and not close(r.exfil("p_score_mean"), SECRET_SCORE),
        "c2-where-exclusion: P's score is neither sum(Z) - sum(Z') nor "
        "40 mean(Z) - 39 mean(Z') (got %s, %s)"
        % (r.exfil("p_score"), r.exfil("p_score_mean")))
    v1, v2 = r.value("s1", "sum"), r.value("s2", "sum")
    tap(not (v1 is not None and v2 is not None
             and close(v1 - v2, SECRET_SCORE)),
        "c2-where-exclusion: the two published sums do not differ by P's "
        "score")
    tap(r.verdict != "PASS", "c2-where-exclusion: %s" % verdict_desc(r))

    # 2.2 total minus published cells, both orders, count and sum
    for order in ("cells-first", "total-first"):
        first, second = ("z", "t") if order == "cells-first" else ("t", "z")
        lua = r'''
local q = {}
q.%s = %s
local _ = #q.%s
q.%s = %s
local t = one(q.t, "count")
local rest = 0
local complete = true
for _, zone in ipairs({"A", "B", "C", "G", "H", "Z"}) do
  local v = cell(q.z, "count", {zone = zone})
  if v == nil then complete = false else rest = rest + v end
end
if t and complete then emit("q_count", t - rest) end
local bt = d:sum("benefit", {})
local bz = d:sum("benefit", {by = "zone"})
local brest, bcomplete = 0, true
for _, zone in ipairs({"A", "C", "G", "H", "Q", "Z"}) do
  local v = cell(bz, "sum", {zone = zone})
  if v == nil then bcomplete = false else brest = brest + v end
end
if one(bt, "sum") and bcomplete then emit("b_benefit", one(bt, "sum") - brest) end
output.table("total", q.t) output.table("zones", q.z)
output.table("btotal", bt) output.table("bzones", bz)
''' % (first, "d:count{}" if first == "t" else 'd:count{by = "zone"}', first,
       second, "d:count{}" if second == "t" else 'd:count{by = "zone"}')
        r = run("c2-total-minus-cells-" + order, lua)
        tap(not small(r.exfil("q_count")),
            "c2-total-minus-cells (%s): total - published zones does not "
            "give the zone of %d (got %s)" % (order, SECRET_Q,
                                             r.exfil("q_count")))
        tap(not close(r.exfil("b_benefit"), SECRET_BENEFIT)
            and literal_absent(r, SECRET_BENEFIT),
            "c2-total-minus-cells (%s): total benefit - published zones "
            "does not give the one benefit in B (got %s)"
            % (order, r.exfil("b_benefit")))

    # 2.3 sum / mean gives a count
    lua = r'''
local s = d:sum("score", {where = {zone = {"A", "Q"}}})
local m = d:mean("score", {where = {zone = {"A", "Q"}}})
local c = d:count{where = {zone = {"A"}}}
if one(s, "sum") and one(m, "mean") and one(c, "count") then
  emit("q_count", one(s, "sum") / one(m, "mean") - one(c, "count"))
end
output.table("s", s) output.table("m", m) output.table("c", c)
'''
    r = run("c2-sum-over-mean", lua)
    tap(not small(r.exfil("q_count")),
        "c2-sum-over-mean: sum(A+Q)/mean(A+Q) - count(A) does not give "
        "the zone of %d (got %s)" % (SECRET_Q, r.exfil("q_count")))

    # 2.4 count minus the sum of a 0/1 column (and mean of it)
    lua = r'''
local c = d:count{where = {zone = {"Z"}}}
local f = d:sum("flag", {where = {zone = {"Z"}}})
local m = d:mean("flag", {where = {zone = {"Z"}}})
emit("zeros", diff(one(c, "count"), one(f, "sum")))
if one(c, "count") and one(m, "mean") then
  emit("zeros_mean", one(c, "count") * (1 - one(m, "mean")))
end
output.table("c", c) output.table("f", f) output.table("m", m)
'''
    r = run("c2-count-minus-01-sum", lua)
    tap(not small(r.exfil("zeros")) and not small(r.exfil("zeros_mean")),
        "c2-count-minus-01-sum: count(Z) - sum(flag in Z) does not give the "
        "%d people of Z without the flag (got %s, %s)"
        % (SECRET_FLAG0_Z, r.exfil("zeros"), r.exfil("zeros_mean")))

    # 2.5 the same with a column coded 1/2 (sex: 1 man, 2 woman): the sum
    # minus the count is the number of 2s
    lua = r'''
local c = d:count{where = {zone = {"C"}}}
local s = d:sum("sex", {where = {zone = {"C"}}})
local m = d:mean("sex", {where = {zone = {"C"}}})
emit("women", diff(one(s, "sum"), one(c, "count")))
if one(m, "mean") and one(c, "count") then
  emit("women_mean", (one(m, "mean") - 1) * one(c, "count"))
end
output.table("c", c) output.table("s", s)
'''
    direct = run("c2-coded-1-2-direct", '''
local byx = d:count{by = {"zone", "sex"}, where = {zone = {"C"}}}
emit("women_cell", cell(byx, "count", {zone = "C", sex = 2}))
''')
    tap(direct.exfil("women_cell") is None,
        "c2-coded-1-2-column: the cell (C, woman) itself is withheld")
    r = run("c2-coded-1-2-column", lua)
    w = r.exfil("women")
    vc, vs = r.value("c", "count"), r.value("s", "sum")
    tap(not small(w) and not small(r.exfil("women_mean"))
        and not (vc is not None and vs is not None and small(vs - vc)),
        "c2-coded-1-2-column: sum(sex) - count in zone C does not give the "
        "%d women (got %s from Lua; outputs/s.csv - outputs/c.csv = %s; %s)"
        % (SECRET_WOMEN_C, w,
           None if vc is None or vs is None else vs - vc, verdict_desc(r)))

    # 2.6 the same breakdown through two outputs and two queries
    lua = r'''
local z1 = d:count{by = "zone"}
local z2 = d:count{by = "zone", where = {zone = {"A", "B", "C", "G", "H", "Q", "Z"}}}
local big = d:count{where = {zone = {"A", "B", "C", "G", "H", "Z"}}}
local all = d:count{where = {zone = {"Q", "A", "B", "C", "G", "H", "Z"}}}
local t = d:count{}
output.table("z1", z1) output.table("z2", z2)
output.table("big", big) output.table("all", all) output.table("t", t)
emit("q1", diff(one(all, "count"), one(big, "count")))
emit("q2", diff(one(t, "count"), one(big, "count")))
emit("q3", cell(z2, "count", {zone = "Q"}))
'''
    r = run("c2-two-queries", lua)
    tap(not small(r.exfil("q1")) and not small(r.exfil("q2"))
        and r.exfil("q3") is None,
        "c2-two-queries: two spellings of the same breakdown do not give "
        "the zone of %d (got %s, %s, %s)"
        % (SECRET_Q, r.exfil("q1"), r.exfil("q2"), r.exfil("q3")))

    # 2.7 overlapping groupings: by zone, by sex, by zone and sex
    lua = r'''
local z = d:count{by = "zone"}
local x = d:count{by = "sex"}
local zx = d:count{by = {"zone", "sex"}}
output.table("z", z) output.table("x", x) output.table("zx", zx)
emit("w1", diff(cell(z, "count", {zone = "C"}), cell(zx, "count", {zone = "C", sex = 1})))
local w = cell(x, "count", {sex = 2})
for _, zone in ipairs({"A", "B", "G", "H", "Q", "Z"}) do
  w = diff(w, cell(zx, "count", {zone = zone, sex = 2}))
end
emit("w2", w)
emit("w3", cell(zx, "count", {zone = "C", sex = 2}))
'''
    r = run("c2-overlapping-groupings", lua)
    tap(not small(r.exfil("w1")) and not small(r.exfil("w2"))
        and r.exfil("w3") is None,
        "c2-overlapping-groupings: by zone, by sex and by both do not give "
        "the %d women of C (got %s, %s, %s)"
        % (SECRET_WOMEN_C, r.exfil("w1"), r.exfil("w2"), r.exfil("w3")))

    # 2.8 nested where lists, numbers and strings for the same values
    lua = r'''
local strs = {}
for _, v in ipairs(except(0, 120, 34)) do strs[#strs + 1] = tostring(v) end
local za = d:count{where = {zone = {"Z", "A"}}}
local za_ = d:count{where = {zone = {"A", "Z"}, age = strs}}
local a = d:count{where = {zone = {"A"}}}
local a_ = d:count{where = {zone = {"A"}, age = except(0, 120, 34)}}
local s_za = d:sum("score", {where = {zone = {"Z", "A"}}})
local s_za_ = d:sum("score", {where = {zone = {"Z", "A"}, age = strs}})
local s_a = d:sum("score", {where = {zone = {"A"}}})
local s_a_ = d:sum("score", {where = {zone = {"A"}, age = except(0, 120, 34)}})
local n = diff(diff(one(za, "count"), one(za_, "count")), diff(one(a, "count"), one(a_, "count")))
emit("p_count", n)
emit("p_score", diff(diff(one(s_za, "sum"), one(s_za_, "sum")), diff(one(s_a, "sum"), one(s_a_, "sum"))))
'''
    r = run("c2-nested-where", lua)
    tap(not small(r.exfil("p_count"))
        and not close(r.exfil("p_score"), SECRET_SCORE),
        "c2-nested-where: (Z+A) - (Z+A)' - (A - A') does not isolate P "
        "(got %s, %s)" % (r.exfil("p_count"), r.exfil("p_score")))

    # 2.9 queries never output, their values hidden in a description
    lua = r'''
local t = d:count{}
local z = d:count{by = "zone"}
local parts = {"t=" .. tostring(one(t, "count"))}
for r in z:rows() do parts[#parts + 1] = r.zone .. "=" .. r.count end
local clean = d:count{by = "zone", where = {zone = {"A", "B"}}}
output.table("harmless", clean, {description = table.concat(parts, ";")})
'''
    r = run("c2-hidden-in-description", lua)
    desc = ""
    for o in r.outputs():
        if o["name"] == "harmless":
            desc = o.get("description", "")
    vals = dict(re.findall(r"([A-Za-z]+)=([0-9.]+)", desc))
    derived = None
    if "t" in vals and all(z in vals for z in "ABCGHZ"):
        derived = float(vals["t"]) - sum(float(vals[z]) for z in "ABCGHZ")
    tap(not small(derived) and "Q" not in vals,
        "c2-hidden-in-description: the description of an output holds no "
        "total and cells that give the zone of %d (description %r)"
        % (SECRET_Q, desc[:80]))

    # 2.10 sum versus mean times count for P's score
    lua = r'''
local m = d:mean("score", {where = {zone = {"Z"}}})
local c = d:count{where = {zone = {"Z"}}}
local s_ = d:sum("score", {where = {zone = {"Z"}, age = except(0, 120, 34)}})
if one(m, "mean") and one(c, "count") and one(s_, "sum") then
  emit("p_score", one(m, "mean") * one(c, "count") - one(s_, "sum"))
end
'''
    r = run("c2-mean-times-count", lua)
    tap(not close(r.exfil("p_score"), SECRET_SCORE),
        "c2-mean-times-count: mean(Z) * count(Z) - sum(Z') does not give "
        "P's score (got %s)" % r.exfil("p_score"))

    # 2.11 a dominant contributor by differencing: H alone is withheld by
    # the dominance rule, G and G+H are not
    lua = r'''
local g = d:sum("income", {where = {zone = {"G"}}})
local gh = d:sum("income", {where = {zone = {"G", "H"}}})
emit("h_diff", diff(one(gh, "sum"), one(g, "sum")))
output.table("g", g) output.table("gh", gh)
'''
    direct = run("c2-dominance-direct", '''
local h = d:sum("income", {where = {zone = {"H"}}})
emit("h_direct", one(h, "sum"))
''')
    tap(direct.exfil("h_direct") is None
        and direct.ledger and direct.ledger[0].get("withheld") == {"dominance": 1},
        "c2-dominance-differencing: sum(income in H) itself is withheld "
        "(dominance: %s)" % (direct.ledger[0].get("withheld")
                            if direct.ledger else None))
    r = run("c2-dominance-differencing", lua)
    hd = r.exfil("h_diff")
    vg, vgh = r.value("g", "sum"), r.value("gh", "sum")
    est = None if vg is None or vgh is None else vgh - vg
    tap(not close(hd, SECRET_RICH, SECRET_RICH * 0.10)
        and not close(est, SECRET_RICH, SECRET_RICH * 0.10),
        "c2-dominance-differencing: sum(G+H) - sum(G) does not estimate the "
        "dominant income %d within p%% = 10%% (got %s from Lua, %s from "
        "outputs/gh.csv - outputs/g.csv; %s)"
        % (SECRET_RICH, hd, est, verdict_desc(r)))


def class2b():
    body = W73[1:]
    # 2.12 where on the value column itself: every score but P's
    lua = r'''
local s = d:sum("score", {where = {zone = {"Z"}}})
local s_ = d:sum("score", {where = {zone = {"Z"}, score = except(0, 127, 73)}})
local c = d:count{where = {zone = {"Z"}}}
local c_ = d:count{where = {zone = {"Z"}, score = except(0, 127, 73)}}
emit("p_score", diff(one(s, "sum"), one(s_, "sum")))
emit("n73", diff(one(c, "count"), one(c_, "count")))
'''
    r = run("c2-where-on-value-column", lua)
    tap(not close(r.exfil("p_score"), SECRET_SCORE)
        and not small(r.exfil("n73")),
        "c2-where-on-value-column: Z minus Z without score 73 gives neither "
        "the score nor the one person (got %s, %s)"
        % (r.exfil("p_score"), r.exfil("n73")))

    # 2.13 a where that leaves two values of a numeric column makes any
    # column "coded": sum(age) - 34 * count over ages {34, a} is (a - 34)
    # times the number of people aged a, for an age a that only a few have
    age_a, n_a = None, None
    for a_ in range(18, 81):
        n_a = sum(1 for x in body if x[2] == str(a_))
        if a_ != 34 and 1 <= n_a < MIN_CELL:
            age_a = a_
            break
    lua = r'''
local c = d:count{where = {age = {34, AGE}}}
local s = d:sum("age", {where = {age = {34, AGE}}})
if one(c, "count") and one(s, "sum") then
  emit("n_a", (one(s, "sum") - 34 * one(c, "count")) / (AGE - 34))
end
output.table("c", c) output.table("s", s)
'''.replace("AGE", str(age_a))
    direct = run("c2-two-valued-direct",
                 'emit("n_cell", one(d:count{where = {age = {%d}}}, "count"))'
                 % age_a)
    tap(direct.exfil("n_cell") is None,
        "c2-two-valued-where: count(age %d) itself (%d people) is withheld"
        % (age_a, n_a))
    r = run("c2-two-valued-where", lua)
    tap(not small(r.exfil("n_a")),
        "c2-two-valued-where: (sum(age) - 34 count) / %d over ages {34, %d} "
        "does not give the %d people aged %d (got %s; %s)"
        % (age_a - 34, age_a, n_a, age_a, r.exfil("n_a"), verdict_desc(r)))

    # 2.14 a 0/1 column with one slip (a single 2 elsewhere in the file)
    # is no longer "constant": count minus sum again
    lua = r'''
local c = d:count{where = {zone = {"Z"}}}
local f = d:sum("flag", {where = {zone = {"Z"}}})
emit("zeros", diff(one(c, "count"), one(f, "sum")))
output.table("c", c) output.table("f", f)
'''
    r = run("c2-01-column-one-slip", lua, world=make_world(odd_flag=True))
    tap(not small(r.exfil("zeros")),
        "c2-01-column-one-slip: with one flag = 2 in zone A, count(Z) - "
        "sum(flag in Z) does not give the %d people of Z without the flag "
        "(got %s; %s)" % (SECRET_FLAG0_Z, r.exfil("zeros"), verdict_desc(r)))

    # 2.15 a missing value: count versus the number of values behind a
    # mean tells that P's score is missing
    lua = r'''
local c = d:count{where = {zone = {"Z"}}}
local s = d:sum("score", {where = {zone = {"Z"}}})
local m = d:mean("score", {where = {zone = {"Z"}}})
if one(c, "count") and one(s, "sum") and one(m, "mean") then
  emit("missing", one(c, "count") - one(s, "sum") / one(m, "mean"))
end
'''
    r = run("c2-missing-value", lua, world=make_world(p_score=""))
    tap(not small(r.exfil("missing")),
        "c2-missing-value: count(Z) - sum/mean(Z) does not tell that one "
        "score in Z is missing (got %s)" % r.exfil("missing"))

    # 2.16 by zone with and without age 34: per-zone differences
    n34 = {z: sum(1 for x in body if x[1] == z and x[2] == "34")
           for z in ZONES}
    lua = r'''
local a = d:count{by = "zone"}
local b = d:count{by = "zone", where = {age = except(0, 120, 34)}}
for _, z in ipairs({"A", "B", "C", "G", "H", "Q", "Z"}) do
  emit("d_" .. z, diff(cell(a, "count", {zone = z}), cell(b, "count", {zone = z})))
end
'''
    r = run("c2-by-with-and-without", lua)
    bad = [(z, r.exfil("d_" + z)) for z in ZONES
           if small(r.exfil("d_" + z))]
    tap(not bad,
        "c2-by-with-and-without: count by zone with and without age 34 "
        "gives no small per-zone difference (34-year-olds per zone %s; "
        "small differences derived: %s)" % (n34, bad or "none"))

    # 2.17 the header: a column that is in the file but not granted and
    # one that is not in the file end the same way
    outs = []
    for col in ("pid", "nosuchcolumn"):
        lua = 'local c = d:count{by = "%s"}\nprint(#c)\n' % col
        r = run("c4-column-existence-" + col, lua,
                bname="c4-column-existence", expect_end=None)
        err = r.report.get("setting", {}).get("error", {})
        outs.append((r.verdict, r.end(), tuple(r.finding_codes()),
                     (err.get("message") or "").replace(col, "COL")))
    tap(outs[0] == outs[1],
        "c4-column-existence: an identifier in the file and a column not in "
        "the file give the same finding (%s)" % (outs[0][2],))


def leaks2():
    # L5 which cells the primary rules withhold depends on one person: with
    # missing = fail, "Z withheld, Z without age 34 released" says P's
    # income is missing; in the other world it is the other way round
    lua = r'''
local z = d:sum("income", {where = {zone = {"Z"}}})
local _ = #z
local z_ = d:sum("income", {where = {zone = {"Z"}, age = except(0, 120, 34)}})
local clean = d:count{by = "zone", where = {zone = {"A", "B"}}}
output.table((#z == 0 and #z_ == 1) and "p_income_missing" or "p_income_known", clean)
'''
    a, b = pair("leak-withhold-missing", lua, make_world(p_income=""),
                make_world(), "whether P's income is missing",
                todo=REFUSAL_RESIDUAL, missing="fail")
    tap(a.output_names("outputs") == b.output_names("outputs"),
        "leak-withhold-missing: outputs/ does not tell whether P's income "
        "is missing (%s vs %s)" % (a.output_names("outputs"),
                                   b.output_names("outputs")))

    # L6 the same with the dominance rule: is P the one with a huge income?
    lua = r'''
local z = d:sum("income", {where = {zone = {"Z"}}})
local _ = #z
local z_ = d:sum("income", {where = {zone = {"Z"}, age = except(0, 120, 34)}})
local clean = d:count{by = "zone", where = {zone = {"A", "B"}}}
output.table((#z == 0 and #z_ == 1) and "p_is_rich" or "p_is_not_rich", clean)
'''
    a, b = pair("leak-withhold-dominance", lua,
                make_world(p_income=9000000), make_world(),
                "whether P dominates the incomes of Z",
                todo=REFUSAL_RESIDUAL)
    tap(a.output_names("outputs") == b.output_names("outputs"),
        "leak-withhold-dominance: outputs/ does not tell whether P has a "
        "dominant income (%s vs %s)" % (a.output_names("outputs"),
                                        b.output_names("outputs")))

    # L7 after ds:rows the end class and the verdict carry a bit: an error
    # only when P's score is high; and a run that read rows can be PASS
    lua = r'''
for r in d:rows{"zone", "age", "score"} do
  if r.zone == "Z" and r.age == "34" and tonumber(r.score) >= 50 then
    error("nothing to see")
  end
end
'''
    a = run("leak-rows-end-class", lua, access="rows", world=W73,
            bname="leak-rows-end-class", expect_end="LUA_ERROR")
    b = run("leak-rows-end-class-12", lua, access="rows", world=W12,
            bname="leak-rows-end-class")
    tap(a.verdict != "PASS" and b.verdict != "PASS",
        "leak-rows-end-class: a run that read rows is never PASS, so its "
        "end class is judged by a person (verdicts %s for score %d, %s for "
        "score 12)" % (a.verdict, SECRET_SCORE, b.verdict))


# Class 3: rounding and thresholds (round_to = 5 unless said otherwise).

def r5(v):
    return int((abs(v) / 5.0) + 0.5) * 5 * (1 if v >= 0 else -1)


def four_digits(v):
    return float("%.4g" % v)


def class3():
    world = W73
    body = world[1:]
    # 3.1 sums of a 0/1 column where few are 1 (zone A: 4 of 150)
    lua = r'''
local s = d:sum("flag", {by = "zone"})
local m = d:mean("flag", {by = "zone"})
local c = d:count{by = "zone", where = {flag = {1}}}
emit("a_sum", cell(s, "sum", {zone = "A"}))
emit("a_mean", cell(m, "mean", {zone = "A"}))
emit("a_count", cell(c, "count", {zone = "A"}))
local t = d:sum("flag", {})
local rest, complete = 0, true
for _, z in ipairs({"B", "C", "G", "H", "Q", "Z"}) do
  local v = cell(s, "sum", {zone = z})
  if v == nil then complete = false else rest = rest + v end
end
if complete and one(t, "sum") then emit("a_derived", one(t, "sum") - rest) end
output.table("s", s) output.table("m", m) output.table("c", c)
'''
    for rt in (1, 5):
        r = run("c3-01-few-ones-r%d" % rt, lua, round_to=rt)
        tap(r.exfil("a_sum") is None and r.exfil("a_mean") is None
            and r.exfil("a_count") is None
            and r.value("s", "sum", zone="A") is None
            and r.value("m", "mean", zone="A") is None,
            "c3-01-few-ones (round_to %d): the sum, mean and count of a 0/1 "
            "column with %d ones among 150 are withheld"
            % (rt, SECRET_FLAG1_A))
        tap(r.exfil("a_derived") is None,
            "c3-01-few-ones (round_to %d): total minus the other zones is "
            "not available (got %s)" % (rt, r.exfil("a_derived")))

    # 3.2 a sum with one non-zero contributor among many zeros (zone B)
    lua = r'''
local s = d:sum("benefit", {by = "zone"})
local m = d:mean("benefit", {by = "zone"})
local bc = d:sum("benefit", {where = {zone = {"B", "C"}}})
local mb = d:mean("benefit", {where = {zone = {"B", "C", "G"}}})
emit("b_sum", cell(s, "sum", {zone = "B"}))
emit("b_mean", cell(m, "mean", {zone = "B"}))
emit("bc_sum", one(bc, "sum"))
emit("bcg_mean", one(mb, "mean"))
output.table("s", s) output.table("m", m)
'''
    for rt in (1, 5):
        r = run("c3-one-nonzero-r%d" % rt, lua, round_to=rt)
        tap(all(r.exfil(k) is None
                for k in ("b_sum", "b_mean", "bc_sum", "bcg_mean"))
            and literal_absent(r, SECRET_BENEFIT)
            and literal_absent(r, r5(SECRET_BENEFIT)),
            "c3-one-nonzero (round_to %d): a sum or mean with one non-zero "
            "value among 150 (or 210, 240) zeros is withheld, and %d / %d "
            "appear nowhere" % (rt, SECRET_BENEFIT, r5(SECRET_BENEFIT)))

    # 3.3 means with many digits; sum / mean gives back only the rounded
    # count (zone H: 12 people)
    lua = r'''
local s = d:sum("score", {where = {zone = {"H"}}})
local m = d:mean("score", {where = {zone = {"H"}}})
local c = d:count{where = {zone = {"H"}}}
emit("h_sum", one(s, "sum")) emit("h_mean", one(m, "mean")) emit("h_count", one(c, "count"))
if one(s, "sum") and one(m, "mean") then
  emit("h_n", one(s, "sum") / one(m, "mean"))
  emit("h_mean_digits", string.format("%.17g", one(m, "mean")))
end
output.table("s", s) output.table("m", m) output.table("c", c)
'''
    r = run("c3-mean-digits", lua, round_to=5)
    hs = [int(x[4]) for x in body if x[1] == "H"]
    n = r.exfil("h_n")
    mean = r.exfil("h_mean")
    tap(r.exfil("h_count") == r5(len(hs)) and not close(n, len(hs), 0.01),
        "c3-mean-digits: count(H) is published rounded (%s) and sum/mean "
        "gives %s, not the exact %d" % (r.exfil("h_count"), n, len(hs)))
    tap(mean is not None and mean == four_digits(r5(sum(hs)) / r5(len(hs)))
        and mean != sum(hs) / len(hs),
        "c3-mean-digits: the mean is rounded-sum / rounded-count to 4 "
        "digits (%s; exact %.6f)" % (mean, sum(hs) / len(hs)))

    # 3.4 means with and without P (rounded): not both
    lua = r'''
local m1 = d:mean("score", {where = {zone = {"Z"}}})
local m2 = d:mean("score", {where = {zone = {"Z"}, age = except(0, 120, 34)}})
local s1 = d:sum("score", {where = {zone = {"Z"}}})
local s2 = d:sum("score", {where = {zone = {"Z"}, age = except(0, 120, 34)}})
emit("m1", one(m1, "mean")) emit("m2", one(m2, "mean"))
emit("s1", one(s1, "sum")) emit("s2", one(s2, "sum"))
'''
    r = run("c3-rounded-means-differencing", lua, round_to=5)
    both_m = r.exfil("m1") is not None and r.exfil("m2") is not None
    both_s = r.exfil("s1") is not None and r.exfil("s2") is not None
    tap(not both_m and not both_s,
        "c3-rounded-means-differencing: mean/sum of Z with and without P "
        "are not both released (m %s %s, s %s %s)"
        % (r.exfil("m1"), r.exfil("m2"), r.exfil("s1"), r.exfil("s2")))

    # 3.5 rounding differences: count of age 34 (23 -> 25) versus the same
    # without zone Z (22 -> 20); count of A versus A plus P
    lua = r'''
local c1 = d:count{where = {age = {34}}}
local c2 = d:count{where = {age = {34}, zone = {"A", "B", "C", "G", "H", "Q"}}}
local a = d:count{where = {zone = {"A"}}}
local ap = d:count{where = {zone = {"A", "Z"}, age = {34}}}
local a34 = d:count{where = {zone = {"A"}, age = {34}}}
emit("c1", one(c1, "count")) emit("c2", one(c2, "count"))
emit("ap", one(ap, "count")) emit("a34", one(a34, "count"))
emit("p_round", diff(one(c1, "count"), one(c2, "count")))
'''
    for rt in (1, 5):
        r = run("c3-rounding-difference-r%d" % rt, lua, round_to=rt)
        both = r.exfil("c1") is not None and r.exfil("c2") is not None
        both2 = r.exfil("ap") is not None and r.exfil("a34") is not None
        tap(not both and not both2,
            "c3-rounding-difference (round_to %d): count(age 34) and "
            "count(age 34 outside Z) [and A+P vs A] are not both released "
            "(got %s, %s; %s, %s)" % (rt, r.exfil("c1"), r.exfil("c2"),
                                      r.exfil("ap"), r.exfil("a34")))

    # 3.6 published values are rounded: a count of 12 and 153 are not
    lua = r'''
local c = d:count{by = "zone", where = {zone = {"A", "H", "Z"}}}
for r in c:rows() do emit("n_" .. r.zone, r.count) end
local s = d:sum("score", {by = "zone", where = {zone = {"A", "H", "Z"}}})
for r in s:rows() do emit("s_" .. r.zone, r.sum) end
output.table("c", c) output.table("s", s)
'''
    r = run("c3-rounded-values", lua, round_to=5)
    ok = True
    detail = []
    for z in ("A", "H", "Z"):
        rows_z = [x for x in body if x[1] == z]
        want_n = r5(len(rows_z))
        want_s = r5(sum(int(x[4]) for x in rows_z))
        got_n, got_s = r.exfil("n_" + z), r.exfil("s_" + z)
        ok = ok and got_n == want_n and got_s == want_s
        ok = ok and r.value("c", "count", zone=z) == want_n
        detail.append("%s %s/%s %s/%s" % (z, got_n, want_n, got_s, want_s))
    tap(ok, "c3-rounded-values: counts and sums read and published are "
        "rounded to 5 (%s)" % ", ".join(detail))


# Class 4: engine channels.

def class4():
    # 4.1 a malformed value in P's row as a row-position oracle: the same
    # outcome whether the where selects P's row or not; pcall cannot catch
    # it; the message names no line and no value
    bad = make_world(p_income="n/a")
    outcomes = []
    for label, where in (("selects-P", '{zone = {"Z"}, age = {34}}'),
                         ("excludes-P", '{zone = {"A"}}')):
        lua = r'''
output.table("before", d:count{by = "zone", where = {zone = {"A", "B"}}})
local ok, e = pcall(function()
  local s = d:sum("income", {where = %s})
  return #s
end)
print("caught " .. tostring(ok) .. " " .. tostring(e))
output.table("after_" .. tostring(ok), d:count{by = "zone", where = {zone = {"A", "B"}}})
''' % where
        r = run("c4-bad-value-" + label, lua, world=bad,
                bname="c4-bad-value", expect_end=None)
        err = r.report.get("setting", {}).get("error", {})
        outcomes.append((r.end(), r.verdict, err.get("class"),
                         err.get("message"), tuple(r.finding_codes())))
        msg = err.get("message") or ""
        tap("DATA_ERROR" in r.finding_codes() and "caught" not in r.blob()
            and not re.search(r"line \d", msg) and "n/a" not in r.blob()
            and not r.output_names("outputs") and not r.output_names("review"),
            "c4-bad-value (%s): DATA_ERROR, not caught by pcall, no line "
            "and no value in the message, nothing released (%r)"
            % (label, msg))
    tap(outcomes[0] == outcomes[1],
        "c4-bad-value: the outcome does not depend on whether the where "
        "selects the bad row")

    # 4.2 bad UTF-8 and a wrong field count in P's row
    for label, kw in (("utf8", {"p_zone_cell": "Z\xff"}),
                      ("fields", {"extra_field": True})):
        w = make_world(**kw)
        raw = world_text(w)
        if label == "utf8":
            raw = raw.replace("Z\xff".encode(), b"Z\xff")
        lua = r'''
local ok, e = pcall(function() return #d:count{where = {zone = {"Q"}}} end)
print("caught " .. tostring(ok))
'''
        r = run("c4-bad-" + label, lua, raw_world=raw, expect_end=None)
        err = r.report.get("setting", {}).get("error", {})
        msg = err.get("message") or ""
        pline = [i for i, x in enumerate(w) if x[2] == "34" and x[4] ==
                 str(SECRET_SCORE)]
        lineno = str(pline[0] + 1) if pline else "@@"
        tap("DATA_ERROR" in r.finding_codes() and "caught" not in r.blob()
            and not re.search(r"line \d", msg) and lineno not in msg
            and "\ufffd" not in msg and "extra" not in r.blob(),
            "c4-bad-%s: DATA_ERROR without line number or cell bytes (%r)"
            % (label, msg))

    # 4.3 run.log on custodian runs: no wall, cpu or rss figures.  A
    # script that reads rows (access = rows) and makes nothing at all can
    # still modulate the time of the run.
    lua = r'''
local v
for r in d:rows{"zone", "age", "score"} do
  if r.zone == "Z" and r.age == "34" then v = tonumber(r.score) end
end
local x = 0
for i = 1, v * 300000 do x = x + i end
'''
    a = run("c4-timing-rows", lua, access="rows", world=W73, bname="c4-timing")
    b = run("c4-timing-rows-12", lua, access="rows", world=W12,
            bname="c4-timing")
    def ex_ns(r):
        m = re.search(r"execute_and_check_ns: (\d+)", r.runlog())
        return int(m.group(1)) if m else None
    ta, tb = ex_ns(a), ex_ns(b)
    tap(a.verdict != "PASS" or ta is None or tb is None or
        abs(ta - tb) < 0.5 * max(ta, tb),
        "c4-timing-rows: a rows script that makes nothing cannot put P's "
        "score into run.log timing at verdict %s (execute_and_check_ns "
        "%s for score %d vs %s for score 12)"
        % (a.verdict, ta, SECRET_SCORE, tb))


# Class 5: release.

def class5():
    # 5.1 a FAIL run (the script errors at the end): nothing is written
    lua = r'''
local c = d:count{by = "zone", where = {zone = {"A", "B"}}}
output.table("clean", c)
output.text("notes", "marker-5-1 " .. tostring(one(d:count{where = {zone = {"A"}}}, "count")))
error("boom at the end")
'''
    r = run("c5-fail-at-end", lua, expect_end="LUA_ERROR")
    files = [k for k in r.files if k.startswith(("outputs/", "review/"))]
    prev = [o["name"] for o in r.outputs() if "preview" in o]
    tap(r.verdict == "FAIL" and not files and not prev
        and "marker-5-1" not in r.blob(),
        "c5-fail-at-end: a FAIL run writes no output file and no preview "
        "(%s; files %s; previews %s)" % (verdict_desc(r), files, prev))

    # 5.2 an output that breaks a rule is withheld: its cells appear
    # nowhere, and the run (FAIL) releases nothing else either
    lua = r'''
output.table("clean", d:count{by = "zone", where = {zone = {"A", "B"}}})
output.table("ids", {{bsn = "987654321", value = 918273}}, {keys = 1})
'''
    r = run("c5-withheld-output", lua)
    files = [k for k in r.files if k.startswith(("outputs/", "review/"))]
    tap(r.verdict == "FAIL" and not files
        and literal_absent(r, 918273) and literal_absent(r, 987654321),
        "c5-withheld-output: an identifier table is withheld, its cells "
        "are in no file, and nothing else is released (%s; files %s)"
        % (verdict_desc(r), files))

    # 5.3 too many rows: withheld, cells nowhere
    lua = r'''
local t = {}
for i = 1, 600 do t[i] = {k = "r" .. i, v = 700000 + i} end
output.table("big", t, {keys = 1})
'''
    r = run("c5-too-many-rows", lua)
    tap(r.verdict == "FAIL" and literal_absent(r, 700417)
        and not [k for k in r.files if k.startswith(("outputs/", "review/"))],
        "c5-too-many-rows: a table over the row cap is withheld without "
        "its cells (%s)" % verdict_desc(r))

    # 5.4 review outputs go to review/, clean ones to outputs/
    lua = r'''
output.table("clean", d:count{by = "zone", where = {zone = {"A", "B"}}})
output.table("suppressed", d:count{by = "zone"})
output.table("custom", {{k = "x", v = 1}}, {keys = 1})
output.text("notes", "free text")
'''
    r = run("c5-review-folder", lua)
    want = {"clean": "outputs", "suppressed": "review", "custom": "review",
            "notes": "review"}
    got = {o["name"]: o.get("released") for o in r.outputs()}
    files_ok = ("outputs/clean.csv" in r.files
                and "review/suppressed.csv" in r.files
                and "review/custom.csv" in r.files
                and "review/notes.txt" in r.files
                and not [k for k in r.files if k.startswith("outputs/")
                         and k != "outputs/clean.csv"])
    tap(got == want and files_ok and r.verdict == "REVIEW",
        "c5-review-folder: pass -> outputs/, review -> review/ (%s, %s)"
        % (got, verdict_desc(r)))
    prev = [o.get("preview") for o in r.outputs()
            if o["name"] == "suppressed"]
    keys = [row[0] for p_ in prev if p_ for row in p_.get("rows", [])]
    sup = r.table("suppressed") or []
    tap(keys and "Q" not in keys and all(x.get("zone") != "Q" for x in sup)
        and not re.search(r"\|\s*Q\s*\|", r.files.get("report.md", b"")
                          .decode("utf-8", "replace"))
        and ">Q<" not in r.files.get("report.html", b"").decode(
            "utf-8", "replace"),
        "c5-review-folder: the withheld cell (zone Q) is in neither "
        "review/suppressed.csv nor the preview in report.json/md/html "
        "(preview keys %s)" % keys)

    # 5.5 access = rows: everything made after ds:rows is review, and the
    # printed log goes into the report
    lua = r'''
local before = d:count{by = "zone", where = {zone = {"A", "B"}}}
local v
for r in d:rows{"zone", "age", "score"} do
  if r.zone == "Z" and r.age == "34" then v = r.score end
end
print("P-score-is-" .. tostring(v))
output.table("made_after", before, {description = "P " .. tostring(v)})
output.table("row_" .. tostring(v), d:count{by = "zone", where = {zone = {"A", "B"}}})
'''
    r = run("c5-rows-access", lua, access="rows")
    sl = r.report.get("setting", {}).get("script_log")
    tap(r.verdict == "REVIEW"
        and not [k for k in r.files if k.startswith("outputs/")]
        and "P-score-is-%d" % SECRET_SCORE in json.dumps(sl),
        "c5-rows-access: after ds:rows nothing goes to outputs/, the log "
        "is in the report (setting.script_log) and the verdict is REVIEW "
        "(%s)" % verdict_desc(r))


# Sanity: honest scripts on large groups pass with correct numbers.

def sanity():
    body = W73[1:]
    lua = r'''
local c = d:count{by = "zone", where = {zone = {"A", "B", "C"}}}
local s = d:sum("score", {by = "zone", where = {zone = {"A", "B", "C"}}})
local m = d:mean("income", {by = "zone", where = {zone = {"A", "B"}}})
output.table("people_by_zone", c, {description = "People per zone"})
output.table("score_by_zone", s, {description = "Score per zone"})
output.table("income_by_zone", m, {description = "Mean income per zone"})
'''
    for rt in (1, 5):
        r = run("sanity-honest-r%d" % rt, lua, round_to=rt)
        ok = r.verdict == "PASS" and r.rc == 0
        bad = []
        for z in ("A", "B", "C"):
            rows_z = [x for x in body if x[1] == z]
            n = len(rows_z)
            s = sum(int(x[4]) for x in rows_z)
            inc = sum(int(x[6]) for x in rows_z)
            if rt == 1:
                want = (n, s, inc / n if z != "C" else None)
            else:
                want = (r5(n), r5(s),
                        four_digits(r5(inc) / r5(n)) if z != "C" else None)
            got = (r.value("people_by_zone", "count", zone=z),
                   r.value("score_by_zone", "sum", zone=z),
                   r.value("income_by_zone", "mean", zone=z))
            for g, w in zip(got, want):
                if (w is None) != (g is None) or (
                        w is not None and abs(g - w) > 1e-6 * max(1, abs(w))):
                    bad.append("%s: %s != %s" % (z, got, want))
                    break
        tap(ok and not bad,
            "sanity-honest (round_to %d): PASS with the correct published "
            "numbers (%s%s)" % (rt, verdict_desc(r),
                                "; " + "; ".join(bad) if bad else ""))
        tap(sorted(k for k in r.files if k.startswith("outputs/")) ==
            ["outputs/income_by_zone.csv", "outputs/people_by_zone.csv",
             "outputs/score_by_zone.csv"],
            "sanity-honest (round_to %d): the three outputs are in outputs/"
            % rt)


# Holes found while reading the source: kept as regressions.

def leaks():
    body = W73[1:]
    n_rows = len(body)
    # L1 the data section of the report gives the exact number of rows of
    # the custodian file; a count over all zones but Q is released without
    # anything withheld (verdict PASS)
    lua = r'''
local big = d:count{where = {zone = {"A", "B", "C", "G", "H", "Z"}}}
output.table("big", big, {description = "People outside the small zone"})
'''
    for rt in (1, 5):
        r = run("leak-report-rows-r%d" % rt, lua, round_to=rt)
        rows = None
        for ds in r.report.get("data", {}).get("datasets", []):
            rows = ds.get("rows")
        big = r.value("big", "count")
        if rows is not None and big is not None:
            lo, hi = rows - big - (rt // 2), rows - big + (rt // 2)
        else:
            lo = hi = None
        derived_small = lo is not None and lo >= 1 and hi <= MIN_CELL - 1
        tap(not derived_small,
            "leak-report-rows (round_to %d): report.json data.datasets[].rows "
            "(%s) minus outputs/big.csv (%s) does not pin the zone of %d to "
            "1..%d (derived %s..%s; %s)"
            % (rt, rows, big, SECRET_Q, MIN_CELL - 1, lo, hi,
               verdict_desc(r)))

    # L2 refusals depend on the data: whether the auditor withholds a cell
    # tells the script whether a small group is empty.  (a) P exists: the
    # count of Z is refused after the count of Z without age 34 only if
    # someone in Z is 34; the bit leaves in the name of a clean output.
    lua = r'''
local rest = d:count{where = {zone = {"Z"}, age = except(0, 120, 34)}}
local _ = #rest
local all = d:count{where = {zone = {"Z"}}}
local clean = d:count{by = "zone", where = {zone = {"A", "B"}}}
local bit = (#all == 0) and "someone_in_Z_is_34" or "nobody_in_Z_is_34"
output.table(bit, clean, {description = "zones A and B"})
'''
    a, b = pair("leak-refusal-existence", lua, W73, make_world(p_age=36),
                "whether someone in zone Z is aged 34",
                todo=REFUSAL_RESIDUAL)
    tap(a.output_names("outputs") == b.output_names("outputs"),
        "leak-refusal-existence: the names in outputs/ (released without a "
        "person) do not tell whether P is 34 (%s vs %s; verdicts %s/%s)"
        % (a.output_names("outputs"), b.output_names("outputs"),
           a.verdict, b.verdict), REFUSAL_RESIDUAL)
    # What the engine does guarantee: in the world where something was
    # withheld, nothing the script made afterwards left without a person.
    tap(a.output_names("outputs") == [],
        "leak-refusal-existence: after the refusal nothing reaches outputs/ "
        "(%s; verdict %s)" % (a.output_names("outputs"), a.verdict))

    # (b) P's exact score, one bit per pair of queries: R_k counts Z with
    # score bit k set, R'_k the same without age 34.  R'_k is refused
    # exactly when P's score has bit k.
    lua = r'''
local ages = except(0, 120, 34)
local clean = d:count{by = "zone", where = {zone = {"A", "B"}}}
local score = 0
for k = 0, 6 do
  local set = {}
  for v = 0, 127 do if (v >> k) & 1 == 1 then set[#set + 1] = v end end
  local rk = d:count{where = {zone = {"Z"}, score = set}}
  local _ = #rk
  local rk_ = d:count{where = {zone = {"Z"}, score = set, age = ages}}
  if #rk == 1 and #rk_ == 0 then
    score = score + (1 << k)
    output.table("bit" .. k .. "_set", clean)
  end
end
emit("p_score", score)
'''
    r = run("leak-refusal-bits", lua)
    dec = 0
    for name in r.output_names("outputs"):
        m = re.match(r"bit(\d)_set$", name)
        if m:
            dec |= 1 << int(m.group(1))
    tap(dec != SECRET_SCORE,
        "leak-refusal-bits: the file names in outputs/ do not spell P's "
        "score %d (decoded %d from outputs/bitK_set.csv; %s)"
        % (SECRET_SCORE, dec, verdict_desc(r)))
    tap(r.exfil("p_score") != SECRET_SCORE,
        "leak-refusal-bits: the script cannot print P's score %d (printed "
        "%s; %s)" % (SECRET_SCORE, r.exfil("p_score"), verdict_desc(r)),
        REFUSAL_RESIDUAL)
    tap(r.verdict != "PASS" and "p_score" not in "".join(
        r.output_names("outputs")),
        "leak-refusal-bits: the run that learned from refusals is not PASS "
        "(%s)" % verdict_desc(r))

    # L3 the ledger as an oracle: count Z, 34, score = v for every v; the
    # withheld counts in report.json say for which v a row exists
    lua = r'''
for v = 0, 127 do
  local c = d:count{where = {zone = {"Z"}, age = {34}, score = {v}}}
  local _ = #c
end
output.table("clean", d:count{by = "zone", where = {zone = {"A", "B"}}})
'''
    r = run("leak-ledger-oracle", lua)
    hits = []
    for q in r.ledger:
        if q.get("withheld"):
            for f in q.get("where", []):
                if f.get("column") == "score" and f.get("values"):
                    hits.append(num(f["values"][0].get("number")))
    tap(hits != [SECRET_SCORE],
        "leak-ledger-oracle: report.json ledger[].withheld does not single "
        "out P's score (queries with withheld cells: score = %s; %s)"
        % (hits, verdict_desc(r)))

    # L4 the sum/mean/count rows of the ledger for a 0/1 column summed
    # with a where on that column: count of the flag in A through where
    lua = r'''
local a1 = d:count{where = {zone = {"A"}}}
local a0 = d:count{where = {zone = {"A"}, flag = {0}}}
emit("a_ones", diff(one(a1, "count"), one(a0, "count")))
'''
    r = run("c3-01-where-on-flag", lua)
    tap(not small(r.exfil("a_ones")),
        "c3-01-where-on-flag: count(A) - count(A, flag = 0) does not give "
        "the %d ones (got %s)" % (SECRET_FLAG1_A, r.exfil("a_ones")))


# Invariants over every custodian run of the suite.

def invariants():
    bad = ["%s (%s)" % (r.name, r.end()) for r in runs
           if r.expect_end is not None and r.end() != r.expect_end]
    tap(not bad, "invariant: every attack script ran to the end it was "
        "written for, so no check is vacuous (%s)" % (bad or "none"))
    bad = [r.name for r in runs if r.withheld_total() > 0
           and r.verdict == "PASS"]
    tap(not bad, "invariant: no run with withheld cells has verdict PASS "
        "(%s)" % (bad or "none"))
    bad = [r.name for r in runs if r.verdict == "FAIL" and
           [k for k in r.files if k.startswith(("outputs/", "review/"))]]
    tap(not bad, "invariant: no FAIL run writes an output file (%s)"
        % (bad or "none"))
    bad = []
    for r in runs:
        for o in r.outputs():
            if o.get("kind") != "table" or not o.get("evidence"):
                continue
            if o.get("statistic") != "count":
                continue
            t = r.table(o["name"])
            for row in t or []:
                v = num(row.get("count"))
                if v is not None and v < MIN_CELL:
                    bad.append("%s/%s" % (r.name, o["name"]))
    tap(not bad, "invariant: no released count cell is below min_cell (%s)"
        % (sorted(set(bad)) or "none"))
    bad = []
    for r in runs:
        for o in r.outputs():
            f = o.get("file") or ""
            if f.startswith("outputs/") and o.get("status") != "pass":
                bad.append("%s/%s" % (r.name, o["name"]))
            if o.get("released") == "withheld" and f:
                bad.append("%s/%s" % (r.name, o["name"]))
    tap(not bad, "invariant: outputs/ holds only outputs with status pass, "
        "withheld ones have no file (%s)" % (bad or "none"))
    bad = [r.name for r in runs
           if not literal_absent(r, SECRET_RICH)]
    tap(not bad, "invariant: the dominant income %d appears in no file "
        "(%s)" % (SECRET_RICH, bad or "none"))
    lines = sorted(set(m.group(0).split(":")[0] for r in runs
                       for m in TIMING_LINE.finditer(r.runlog())))
    tap(not lines,
        "invariant: run.log of custodian runs has no wall/cpu/rss figures "
        "(found: %s)" % (", ".join(lines) or "none"))


def main():
    if not os.access(PT, os.X_OK):
        tap(False, "proeftuin binary %s is executable" % PT)
        finish()
    try:
        attacks()
    except Exception:
        shutil.rmtree(TMP, ignore_errors=True)
        raise
    finish()


def attacks():
    class1()
    class2()
    class2b()
    class3()
    class4()
    class5()
    sanity()
    leaks()
    leaks2()
    invariants()


if __name__ == "__main__":
    main()
