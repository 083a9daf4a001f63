#!/usr/bin/env python3
"""tests/property/property.py - a property test of the data engine's
auditor, end to end through `proeftuin run`.

For many random small tables and random sequences of count queries it
runs a bundle, reads back the cells that were released (the output CSVs
and the report's ledger) and checks with an independent brute-force
solver, in exact rational arithmetic, that no population of 1 to
min_cell - 1 rows is linearly derivable from the released cells.  It also
checks the plain facts of every case: each released count is the true
count, each released cell has at least min_cell rows, a cell of fewer
rows is never in a CSV, and the ledger agrees with the files.

Informational checks, reported with a TAP `# TODO` directive so they do
not fail the suite:
  - integer feasibility: a small population whose count is the same in
    every non-negative integer solution of the released cells (a
    determination through non-negativity, which a linear auditor does not
    model), with the released cells alone and with the dataset's total
    rows as report.json publishes it;
  - the linear property again with that published total added;
  - over-suppression: a cell the auditor withheld that could be added to
    the final release without making a small population derivable;
  - the ledger's withheld counts of a total with a filter, which tell a
    group of nobody from a small group.
A further check makes sure the solver can fail at all: in the cases where
the auditor withheld cells, releasing every cell of min_cell rows or more
must make some small population derivable in at least one case.

The model, as the engine's: the atoms are the combinations of values that
occur in the data (a combination that occurs in no row is known to be
empty), which can only make more populations derivable.

Usage: property.py PROEFTUIN SRCDIR [--seed S] [--cases N] [--case K]
                   [--keep DIR] [--verbose] [--stress]
  --case K   run case K only (of the same seed), keep its bundle
  --keep DIR copy the bundle and output of every failing case into DIR
  --stress   larger tables and more queries per case (a hunt, not the suite)
Exit: 0 all ok, 1 a failure, 77 this host cannot isolate (proeftuin 71).
Python 3 standard library only.
"""

import csv
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from fractions import Fraction

DEFAULT_SEED = 20240611
DEFAULT_CASES = 300
MAX_ATOMS = 14
COLUMNS = ["a", "b", "c", "d"]
# Search caps for the informational integer check (nodes per case).
INT_NODE_CAP = 200000


# ---- exact linear algebra ----

def rref(rows, ncols):
    """Reduced row echelon form over Q.  Returns (basis, pivots, combos):
    basis[i] is a list of Fractions with pivot column pivots[i], combos[i]
    a dict {original row index: Fraction} with basis[i] = sum c * rows[j]."""
    basis, pivots, combos = [], [], []
    for idx, r in enumerate(rows):
        v = [Fraction(x) for x in r]
        comb = {idx: Fraction(1)}
        for b, p, c in zip(basis, pivots, combos):
            f = v[p]
            if f:
                v = [x - f * y for x, y in zip(v, b)]
                for k, w in c.items():
                    comb[k] = comb.get(k, 0) - f * w
        p = next((j for j in range(ncols) if v[j] != 0), None)
        if p is None:
            continue
        f = v[p]
        v = [x / f for x in v]
        comb = {k: w / f for k, w in comb.items()}
        # keep the basis reduced: clear column p in the earlier rows
        for i in range(len(basis)):
            g = basis[i][p]
            if g:
                basis[i] = [x - g * y for x, y in zip(basis[i], v)]
                for k, w in comb.items():
                    combos[i][k] = combos[i].get(k, 0) - g * w
        basis.append(v)
        pivots.append(p)
        combos.append(comb)
    return basis, pivots, combos


def null_space_int(basis, pivots, ncols):
    """Integer basis of {x : R x = 0} from the RREF of R."""
    free = [j for j in range(ncols) if j not in pivots]
    out = []
    for fj in free:
        x = [Fraction(0)] * ncols
        x[fj] = Fraction(1)
        for b, p in zip(basis, pivots):
            x[p] = -b[fj]
        den = 1
        for y in x:
            den = den * y.denominator // _gcd(den, y.denominator)
        out.append([int(y * den) for y in x])
    return out


def _gcd(a, b):
    while b:
        a, b = b, a % b
    return a


def express(rows, ncols, target):
    """Coefficients y (dict row -> Fraction) with sum y_j rows[j] = target,
    or None when target is not in the row space."""
    basis, pivots, combos = rref(rows, ncols)
    v = [Fraction(x) for x in target]
    comb = {}
    for b, p, c in zip(basis, pivots, combos):
        f = v[p]
        if f:
            v = [x - f * y for x, y in zip(v, b)]
            for k, w in c.items():
                comb[k] = comb.get(k, 0) + f * w
    if any(v):
        return None
    return {k: w for k, w in comb.items() if w != 0}


def small_subsets(counts, limit, allowed=None):
    """Every non-empty set of atoms (tuple of indices) whose total count is
    in 1..limit-1, restricted to `allowed` atoms when given."""
    idx = [i for i in range(len(counts))
           if (allowed is None or i in allowed) and counts[i] < limit]
    out = []

    def rec(start, cur, total):
        for k in range(start, len(idx)):
            a = idx[k]
            t = total + counts[a]
            if t >= limit:
                continue
            cur.append(a)
            out.append(tuple(cur))
            rec(k + 1, cur, t)
            cur.pop()

    rec(0, [], 0)
    return out


def derivable_small(vectors, counts, limit):
    """The small populations (tuples of atoms) whose indicator lies in the
    row space of `vectors`."""
    n = len(counts)
    if not vectors:
        return []
    basis, pivots, _ = rref(vectors, n)
    null = null_space_int(basis, pivots, n)
    found = []
    for t in small_subsets(counts, limit):
        if all(sum(v[a] for a in t) == 0 for v in null):
            found.append(t)
    return found


# ---- integer feasibility ----

def int_solutions(natoms, eqs, node_cap):
    """Yield the non-negative integer vectors x over the atoms covered by
    `eqs` (list of (frozenset atoms, value)) with sum_{a in S} x_a = value
    for every equation.  Atoms covered by no equation are left at None.
    Raises OverflowError when the search passes node_cap nodes."""
    covered = sorted({a for s, _ in eqs for a in s},
                     key=lambda a: -sum(1 for s, _ in eqs if a in s))
    member = {a: [k for k, (s, _) in enumerate(eqs) if a in s]
              for a in covered}
    rem = [v for _, v in eqs]
    left = [len(s) for s, _ in eqs]
    x = [None] * natoms
    nodes = [0]

    def rec(i):
        nodes[0] += 1
        if nodes[0] > node_cap:
            raise OverflowError
        if i == len(covered):
            if all(r == 0 for r in rem):
                yield list(x)
            return
        a = covered[i]
        ub = min(rem[k] for k in member[a])
        lo = 0
        # an equation whose last unknown this is forces it
        forced = None
        for k in member[a]:
            if left[k] == 1:
                if forced is not None and forced != rem[k]:
                    return
                forced = rem[k]
        if forced is not None:
            if forced < 0 or forced > ub:
                return
            lo, ub = forced, forced
        for k in member[a]:
            left[k] -= 1
        for val in range(lo, ub + 1):
            x[a] = val
            for k in member[a]:
                rem[k] -= val
            yield from rec(i + 1)
            for k in member[a]:
                rem[k] += val
        x[a] = None
        for k in member[a]:
            left[k] += 1

    yield from rec(0)


def int_determined(natoms, counts, eqs, limit, exclude):
    """Small populations inside the covered atoms whose count is the same
    in every integer solution; `exclude`: already known linearly.  Returns
    (list, decided)."""
    covered = {a for s, _ in eqs for a in s}
    cand = [t for t in small_subsets(counts, limit, covered)
            if t not in exclude]
    if not cand:
        return [], True
    try:
        for x in int_solutions(natoms, eqs, INT_NODE_CAP):
            cand = [t for t in cand
                    if sum(x[a] for a in t) == sum(counts[a] for a in t)]
            if not cand:
                return [], True
    except OverflowError:
        return [], False
    return cand, True


# ---- cases ----

class Case:
    pass


# Sizes of the generator; --stress widens them (for hunting, not the suite).
STRESS = {"atoms": MAX_ATOMS, "rows": 30, "queries": 8}
NUMERIC_VALUES = ["1", "2", "01", "1.0", "10", "2.5"]


def gen_case(seed, index):
    rng = random.Random(seed * 1000003 + index)
    c = Case()
    c.seed, c.index = seed, index
    ncols = rng.randint(2, 4)
    c.cols = COLUMNS[:ncols]
    c.domain = {col: ["%s%d" % (col, j + 1)
                      for j in range(rng.randint(2, 3))] for col in c.cols}
    if rng.random() < 0.3:
        # a column of numbers, some equal as numbers and not as text
        col = rng.choice(c.cols)
        c.domain[col] = rng.sample(NUMERIC_VALUES, rng.randint(2, 3))
    combos = list(itertools.product(*(c.domain[col] for col in c.cols)))
    k = rng.randint(3, min(STRESS["atoms"], len(combos)))
    pool = rng.sample(combos, k)
    weights = [rng.choice([1, 1, 2, 3, 5, 8]) for _ in pool]
    nrows = rng.randint(8, STRESS["rows"])
    rows = rng.choices(pool, weights=weights, k=nrows)
    rng.shuffle(rows)
    c.rows = rows
    c.min_cell = rng.randint(3, 6)
    c.queries = []
    for qi in range(rng.randint(2, STRESS["queries"])):
        q = {"name": "q%d" % (qi + 1)}
        if rng.random() < 0.15:
            q["by"] = []
        else:
            q["by"] = rng.sample(c.cols, rng.randint(
                1, min(ncols, rng.choice([1, 1, 2, 2, 3]))))
            if rng.random() < 0.7:
                q["by"].sort(key=c.cols.index)
        q["by_string"] = len(q["by"]) == 1 and rng.random() < 0.3
        where = {}
        if rng.random() < 0.6:
            for col in rng.sample(c.cols, rng.randint(1, min(2, ncols))):
                dom = c.domain[col]
                vals = [("s", v) for v in
                        rng.sample(dom, rng.randint(1, len(dom)))]
                if rng.random() < 0.1:
                    vals.append(rng.choice(vals))  # a duplicate
                if rng.random() < 0.1:
                    vals.append(("s", col + "9"))  # in no row
                if dom[0] in NUMERIC_VALUES and rng.random() < 0.6:
                    vals = [("n", rng.choice([1, 2, 10, 2.5, 3]))
                            if rng.random() < 0.5 else v for v in vals]
                where[col] = vals
        q["where"] = where
        c.queries.append(q)
    c.batch = rng.random() < 0.5  # ask everything first, then output
    return c


def lua_str(s):
    return '"%s"' % s


def lua_val(v):
    return lua_str(v[1]) if v[0] == "s" else repr(v[1])


def lua_query(q):
    parts = []
    if q.get("by_string"):
        parts.append("by = %s" % lua_str(q["by"][0]))
    elif q["by"]:
        parts.append("by = { %s }" % ", ".join(lua_str(b) for b in q["by"]))
    if q["where"]:
        w = ", ".join("%s = { %s }" % (col, ", ".join(lua_val(v)
                                                      for v in vals))
                      for col, vals in sorted(q["where"].items()))
        parts.append("where = { %s }" % w)
    return "d:count{ %s }" % ", ".join(parts)


def script(c):
    out = ['local d = data.open("t")']
    if c.batch:
        for q in c.queries:
            out.append("local %s = %s" % (q["name"], lua_query(q)))
        for q in c.queries:
            out.append('output.table("%s", %s)' % (q["name"], q["name"]))
    else:
        for q in c.queries:
            out.append('output.table("%s", %s)' % (q["name"], lua_query(q)))
    return "\n".join(out) + "\n"


def data_csv(c):
    return ",".join(c.cols) + "\n" + "".join(
        ",".join(r) + "\n" for r in c.rows)


def profile(c):
    return """[profile]
name            = property
version         = 1
owner           = tests/property
description     = random tables for the auditor's property test
purposes        = exploration
legal_basis     = synthetic data
public_interest = public-services

[limits]
wall_seconds = 30
cpu_seconds  = 10
memory_mb    = 128
instructions = 500000000
output_kb    = 256
log_kb       = 32

[dataset.t]
description = random table
access      = aggregate
columns     = %s
personal    = no
special_category = no

[disclosure]
min_cell    = %d
round_to    = 1
dominance_n = 2
dominance_k = 100
p_percent   = 0
max_rows    = 1000
zeros       = pass
negatives   = pass
missing     = pass
""" % (", ".join(c.cols), c.min_cell)


MANIFEST = """[experiment]
name        = property
version     = 0.1.0
team        = tests/property
contact     = property@example.org
purpose     = exploration
description = random count queries for the auditor's property test
entry       = analysis.lua

[dataset.t]
file    = data/t.csv
columns = %s
"""


def write_bundle(c, root):
    b = os.path.join(root, "bundle")
    os.makedirs(os.path.join(b, "data"))
    with open(os.path.join(b, "experiment.ini"), "w") as f:
        f.write(MANIFEST % ", ".join(c.cols))
    with open(os.path.join(b, "analysis.lua"), "w") as f:
        f.write(script(c))
    with open(os.path.join(b, "data", "t.csv"), "w") as f:
        f.write(data_csv(c))
    p = os.path.join(root, "profile.ini")
    with open(p, "w") as f:
        f.write(profile(c))
    return b, p


def as_number(s):
    """The engine's number syntax (query_parse_number) for our values."""
    try:
        return float(s) if s.lstrip("+-").replace(".", "", 1).isdigit() \
            else None
    except ValueError:
        return None


def value_passes(vals, s):
    for kind, v in vals:
        if kind == "s" and v == s:
            return True
        if kind == "n" and as_number(s) == float(v):
            return True
    return False


def passes(q, row, cols):
    return all(value_passes(vals, row[cols.index(col)])
               for col, vals in q["where"].items())


def true_cells(c, q):
    """{key tuple (in q['by'] order): rows} of the cells with a row."""
    cells = {}
    for r in c.rows:
        if passes(q, r, c.cols):
            key = tuple(r[c.cols.index(b)] for b in q["by"])
            cells[key] = cells.get(key, 0) + 1
    return cells


def cell_vector(c, atoms, q, key):
    return [1 if passes(q, a, c.cols) and
            tuple(a[c.cols.index(b)] for b in q["by"]) == key else 0
            for a in atoms]


def describe(c):
    lines = ["case %d of seed %d: min_cell %d, %s" % (
        c.index, c.seed, c.min_cell,
        "all queries asked first, then output" if c.batch
        else "each query output as asked")]
    lines.append("data (t.csv):")
    lines += ["  " + l for l in data_csv(c).splitlines()]
    lines.append("analysis.lua:")
    lines += ["  " + l for l in script(c).splitlines()]
    return lines


def fmt_atom(c, a):
    return "(" + ",".join(a) + ")"


def fmt_cell(q, key):
    k = ",".join("%s=%s" % kv for kv in zip(q["by"], key))
    return "%s[%s]" % (q["name"], k if k else "total")


# ---- one run ----

def run_case(pt, c, tmp, keep):
    root = os.path.join(tmp, "case%d" % c.index)
    os.makedirs(root)
    bundle, prof = write_bundle(c, root)
    out = os.path.join(root, "out")
    p = subprocess.run([pt, "run", bundle, "--profile", prof, "--out", out,
                        "--force"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    res = {"rc": p.returncode, "stderr": p.stderr.decode(errors="replace"),
           "root": root, "out": out}
    return res


def read_release(c, res, totals):
    """Released cells per query from the CSVs, checked against the ledger.
    Returns (released {name: {key: value}}, problems, rows_published);
    appends (query, rows, ledger withheld) of every total to `totals`."""
    problems = []
    out = res["out"]
    try:
        with open(os.path.join(out, "report.json")) as f:
            rep = json.load(f)
    except (OSError, ValueError) as e:
        return None, ["report.json unreadable: %s" % e], None
    ledger = {}
    for e in rep.get("ledger", []):
        for name in e.get("outputs", []):
            ledger[name] = e
    rows_pub = None
    for ds in rep.get("data", {}).get("datasets", []):
        if ds.get("name") == "t":
            rows_pub = ds.get("rows")
    released = {}
    for q in c.queries:
        name = q["name"]
        e = ledger.get(name)
        if e is None:
            problems.append("%s: no ledger entry names this output" % name)
        else:
            if e.get("statistic") != "count":
                problems.append("%s: ledger statistic %r" %
                                (name, e.get("statistic")))
            if list(e.get("by", [])) != q["by"]:
                problems.append("%s: ledger by %r, asked %r" %
                                (name, e.get("by"), q["by"]))
            lw = {w["column"]: {("s", v["string"]) if "string" in v
                                else ("n", Fraction(str(v["number"])))
                                for v in w["values"]}
                  for w in e.get("where", [])}
            asked = {col: {(k, v if k == "s" else Fraction(str(v)))
                           for k, v in vals}
                     for col, vals in q["where"].items()}
            if lw != asked:
                problems.append("%s: ledger where %r, asked %r" %
                                (name, lw, q["where"]))
        path = None
        for d in ("outputs", "review"):
            f = os.path.join(out, d, name + ".csv")
            if os.path.exists(f):
                if path is not None:
                    problems.append("%s: in outputs/ and in review/" % name)
                path = f
        if path is None:
            problems.append("%s: no CSV in outputs/ or review/" % name)
            released[name] = {}
            continue
        with open(path, newline="") as f:
            table = list(csv.reader(f))
        if not table:
            problems.append("%s: empty CSV (no header)" % name)
            released[name] = {}
            continue
        header = table[0]
        if header[:-1] != q["by"] or header[-1] != "count":
            problems.append("%s: header %r" % (name, header))
        cells = {}
        for line in table[1:]:
            if len(line) != len(header):
                problems.append("%s: line %r" % (name, line))
                continue
            key = tuple(line[:-1])
            try:
                v = Fraction(line[-1])
            except ValueError:
                problems.append("%s: value %r" % (name, line[-1]))
                continue
            if key in cells:
                problems.append("%s: cell %r twice" % (name, key))
            cells[key] = v
        released[name] = cells
        if e is not None and e.get("cells_released") != len(cells):
            problems.append("%s: ledger says %r cells released, CSV has %d"
                            % (name, e.get("cells_released"), len(cells)))
        if e is not None:
            # A cell is a group with a row; a total (no `by`) is always
            # one cell, withheld when nobody is in it, so that an empty
            # total and a small one look the same in the ledger too.
            truth = true_cells(c, q)
            if not q["by"] and not truth:
                truth = {(): 0}
            withheld = sum(e.get("withheld", {}).values())
            if len(cells) + withheld != len(truth):
                problems.append(
                    "%s: %d released + %d withheld (%r) != %d non-empty "
                    "cells" % (name, len(cells), withheld, e.get("withheld"),
                               len(truth)))
            nsmall = sum(1 for v in truth.values() if v < c.min_cell)
            if not q["by"]:
                totals.append((q, sum(truth.values()),
                               dict(e.get("withheld", {}))))
            if e.get("withheld", {}).get("min_cell", 0) != nsmall:
                problems.append("%s: ledger withheld min_cell %r, %d cells "
                                "are below min_cell" %
                                (name, e.get("withheld", {}).get("min_cell",
                                                                 0), nsmall))
    return released, problems, rows_pub


def check_facts(c, released):
    problems = []
    for q in c.queries:
        truth = true_cells(c, q)
        for key, v in released.get(q["name"], {}).items():
            t = truth.get(key, 0)
            if v != t:
                problems.append("%s: released %s, true count %d" %
                                (fmt_cell(q, key), v, t))
            if t < c.min_cell:
                problems.append("%s: released with %d rows < min_cell %d" %
                                (fmt_cell(q, key), t, c.min_cell))
    return problems


def released_system(c, atoms, released):
    vecs, labels, vals = [], [], []
    for q in c.queries:
        for key, v in sorted(released.get(q["name"], {}).items()):
            vecs.append(cell_vector(c, atoms, q, key))
            labels.append(fmt_cell(q, key))
            vals.append(v)
    return vecs, labels, vals


def derivation_text(c, atoms, counts, vecs, labels, vals, t):
    target = [1 if i in t else 0 for i in range(len(atoms))]
    y = express(vecs, len(atoms), target)
    pop = " + ".join(fmt_atom(c, atoms[a]) for a in t)
    lines = ["small population: %s = %d rows (min_cell %d)" % (
        pop, sum(counts[a] for a in t), c.min_cell)]
    if y is None:
        lines.append("  (no linear derivation found by express())")
        return lines
    terms, total = [], Fraction(0)
    for k in sorted(y):
        w = y[k]
        terms.append("%s%s*%s" % ("+" if w > 0 else "-", abs(w), labels[k]))
        total += w * vals[k]
    lines.append("  derivation: %s = %s" % (" ".join(terms), total))
    return lines


# ---- TAP ----

class Tap:
    def __init__(self):
        self.n = 0
        self.fails = 0

    def ok(self, good, desc, diag=(), todo=None):
        self.n += 1
        d = ""
        if todo is not None and not good:
            d = " # TODO " + todo
        elif not good:
            self.fails += 1
        print("%s %d - %s%s" % ("ok" if good else "not ok", self.n, desc, d))
        for line in diag:
            print("# " + line)
        sys.stdout.flush()


def main(argv):
    args = list(argv[1:])
    seed, ncases, only, keep, verbose = DEFAULT_SEED, DEFAULT_CASES, None, \
        None, False
    pos = []
    while args:
        a = args.pop(0)
        if a == "--seed":
            seed = int(args.pop(0))
        elif a == "--cases":
            ncases = int(args.pop(0))
        elif a == "--case":
            only = int(args.pop(0))
        elif a == "--keep":
            keep = args.pop(0)
        elif a == "--stress":
            STRESS.update(atoms=16, rows=45, queries=14)
        elif a == "--verbose":
            verbose = True
        else:
            pos.append(a)
    if len(pos) != 2:
        sys.stderr.write(__doc__)
        return 64
    pt = os.path.abspath(pos[0])
    indices = [only] if only is not None else list(range(ncases))
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix="proeftuin-property-")
    start = time.monotonic()
    info = {"over": [], "int": [], "int_rows": [], "lin_rows": [],
            "empty_total": [], "small_total": []}
    undecided = {"int": 0, "int_rows": 0}
    stats = {"released": 0, "atoms": 0, "audited": 0,
             "unsafe_without_audit": 0}
    try:
        for i in indices:
            c = gen_case(seed, i)
            res = run_case(pt, c, tmp, keep)
            if res["rc"] == 71 and tap.n == 0:
                print("1..0 # SKIP this host cannot isolate (proeftuin "
                      "exit 71): " + res["stderr"].strip().replace("\n", " "))
                return 77
            head = "case %d (seed %d)" % (i, seed)
            problems = []
            if res["rc"] not in (0, 1):
                problems.append("proeftuin exit %d: %s" %
                                (res["rc"], res["stderr"].strip()))
            totals = []
            released, p2, rows_pub = read_release(c, res, totals)
            for q, nrows, wh in totals:
                if nrows == 0:
                    info["empty_total"].append((c, q, wh))
                elif nrows < c.min_cell:
                    info["small_total"].append((c, q, nrows, wh))
            problems += p2
            if released is None:
                tap.ok(False, head + ": run and facts", describe(c) +
                       problems)
                tap.ok(False, head + ": no small population derivable",
                       ["no release to check"])
                continue
            problems += check_facts(c, released)
            if rows_pub != len(c.rows):
                problems.append("report.json data rows %r, file has %d" %
                                (rows_pub, len(c.rows)))
            atoms = sorted(set(c.rows))
            counts = [c.rows.count(a) for a in atoms]
            vecs, labels, vals = released_system(c, atoms, released)
            # report.json publishes the data rows of the file: the count
            # of everyone is known, and the auditor counts it as released
            vecs = vecs + [[1] * len(atoms)]
            labels = labels + ["report.json rows"]
            vals = vals + [Fraction(len(c.rows))]
            stats["atoms"] += len(atoms)
            stats["released"] += len(vecs)
            rel_diag = ["released cells:"] + [
                "  %s = %s" % (l, v) for l, v in zip(labels, vals)]
            atom_diag = ["atoms: " + ", ".join(
                "%s:%d" % (fmt_atom(c, a), n) for a, n in zip(atoms, counts))]
            tap.ok(not problems, head + ": run and facts",
                   describe(c) + problems if problems else ())
            # the property: linear derivability from the released cells
            bad = derivable_small(vecs, counts, c.min_cell)
            diag = []
            if bad:
                diag = describe(c) + atom_diag + rel_diag
                for t in bad:
                    diag += derivation_text(c, atoms, counts, vecs, labels,
                                            vals, t)
            # the solver is not vacuous: had every cell of min_cell rows
            # or more been released, would a small population follow?
            allv, held = [], []
            for q in c.queries:
                for key, v in sorted(true_cells(c, q).items()):
                    if v >= c.min_cell:
                        allv.append(cell_vector(c, atoms, q, key))
                        if key not in released.get(q["name"], {}):
                            held.append((q, key, allv[-1]))
            if held:
                stats["audited"] += 1
                if derivable_small(allv, counts, c.min_cell):
                    stats["unsafe_without_audit"] += 1
            # informational: a cell withheld by the auditor that could be
            # added to the final release safely was safe when it was
            # offered too (its release then was a subset of the final one)
            for q, key, v in held:
                if not derivable_small(vecs + [v], counts, c.min_cell):
                    info["over"].append((c, fmt_cell(q, key), rel_diag))
            tap.ok(not bad, head + ": no population of 1..%d rows is "
                   "derivable from the %d released cells" %
                   (c.min_cell - 1, len(vecs)), diag)
            if (problems or bad) and keep:
                dst = os.path.join(keep, "case%d" % i)
                shutil.rmtree(dst, ignore_errors=True)
                shutil.copytree(res["root"], dst)
            # informational: integer feasibility, released cells alone
            eqs = [(frozenset(j for j, x in enumerate(v) if x), int(val))
                   for v, val in zip(vecs, vals)]
            found, decided = int_determined(len(atoms), counts, eqs,
                                            c.min_cell, set(bad))
            if not decided:
                undecided["int"] += 1
            if found:
                info["int"].append((c, atoms, counts, rel_diag, found,
                                    "released cells"))
            # informational: with the published total rows
            if rows_pub is not None:
                vecs_n = vecs + [[1] * len(atoms)]
                lin_n = derivable_small(vecs_n, counts, c.min_cell)
                extra = [t for t in lin_n if t not in bad]
                if extra:
                    info["lin_rows"].append(
                        (c, atoms, counts, rel_diag, extra, vecs_n,
                         labels + ["report.json rows"],
                         vals + [Fraction(rows_pub)]))
                eqs_n = eqs + [(frozenset(range(len(atoms))), rows_pub)]
                found, decided = int_determined(
                    len(atoms), counts, eqs_n, c.min_cell, set(lin_n))
                if not decided:
                    undecided["int_rows"] += 1
                if found:
                    info["int_rows"].append((c, atoms, counts, rel_diag,
                                             found, "released cells and "
                                             "the published total rows"))
            if only is not None or verbose:
                for line in describe(c) + atom_diag + rel_diag:
                    print("# " + line)
            if only is None and not keep:
                shutil.rmtree(res["root"], ignore_errors=True)

        def int_diag(entries):
            diag = []
            for c, atoms, counts, rel_diag, found, what in entries[:5]:
                diag += describe(c) + ["atoms: " + ", ".join(
                    "%s:%d" % (fmt_atom(c, a), n)
                    for a, n in zip(atoms, counts))] + rel_diag
                for t in found[:5]:
                    diag.append(
                        "same count in every non-negative integer solution "
                        "of the %s: %s = %d rows" % (
                            what, " + ".join(fmt_atom(c, atoms[a])
                                             for a in t),
                            sum(counts[a] for a in t)))
                if len(found) > 5:
                    diag.append("... and %d more" % (len(found) - 5))
            if len(entries) > 5:
                diag.append("... and %d more cases: %s" % (
                    len(entries) - 5,
                    " ".join(str(e[0].index) for e in entries[5:])))
            return diag

        n = len(indices)
        tap.ok(not info["int"],
               "integer feasibility: no small population fixed by "
               "non-negativity of the released cells (%d cases, %d too big "
               "to decide)" % (n, undecided["int"]),
               int_diag(info["int"]),
               todo="the auditor is linear; non-negativity is not modelled")
        diag = []
        for (c, atoms, counts, rel_diag, extra, vecs_n, labels_n,
             vals_n) in info["lin_rows"][:5]:
            diag += describe(c) + rel_diag + [
                "report.json data.datasets[t].rows = %d" % len(c.rows)]
            for t in extra[:5]:
                diag += derivation_text(c, atoms, counts, vecs_n, labels_n,
                                        vals_n, t)
        if len(info["lin_rows"]) > 5:
            diag.append("... and %d more cases: %s" % (
                len(info["lin_rows"]) - 5,
                " ".join(str(e[0].index) for e in info["lin_rows"][5:])))
        tap.ok(not info["lin_rows"],
               "with the total rows report.json publishes added, no small "
               "population is linearly derivable (%d of %d cases)" %
               (len(info["lin_rows"]), n), diag,
               todo="the published row total is not an equation of the "
                    "auditor")
        tap.ok(not info["int_rows"],
               "integer feasibility with the published total rows (%d "
               "cases, %d too big to decide)" % (n, undecided["int_rows"]),
               int_diag(info["int_rows"]),
               todo="the auditor is linear and does not know the row total")
        tap.ok(stats["unsafe_without_audit"] > 0 or only is not None,
               "the check can fail: in %d of the %d cases where the "
               "auditor withheld a cell, releasing every cell of min_cell "
               "rows or more would have made a small population derivable"
               % (stats["unsafe_without_audit"], stats["audited"]))
        diag = []
        for c, cell, rel_diag in info["over"][:5]:
            diag += describe(c) + rel_diag + [
                "withheld, yet safe to add to the release: " + cell]
        tap.ok(not info["over"],
               "no cell the auditor withheld was safe to release (%d "
               "found)" % len(info["over"]), diag,
               todo="over-suppression costs utility, not privacy")
        # informational: what the ledger says of a withheld total
        diag = []
        if info["empty_total"] and info["small_total"]:
            for c, q, wh in info["empty_total"][:3]:
                diag.append("case %d, %s (%s): 0 rows, ledger withheld %r" %
                            (c.index, q["name"], lua_query(q), wh))
            for c, q, nrows, wh in info["small_total"][:3]:
                diag.append("case %d, %s (%s): %d rows, ledger withheld %r"
                            % (c.index, q["name"], lua_query(q), nrows, wh))
        whs = set(json.dumps(wh, sort_keys=True)
                  for _, _, wh in info["empty_total"]) | set(
                      json.dumps(wh, sort_keys=True)
                      for _, _, _, wh in info["small_total"])
        tap.ok(len(whs) <= 1,
               "the ledger does not tell a total of 0 rows (%d seen) from "
               "one of 1..min_cell-1 rows (%d seen)" %
               (len(info["empty_total"]), len(info["small_total"])), diag)
    finally:
        if only is None:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print("# bundle kept in " + tmp)
    print("1..%d" % tap.n)
    print("# %d cases in %.1f s: %d atoms, %d released cells" % (
        len(indices), time.monotonic() - start, stats["atoms"],
        stats["released"]))
    return 1 if tap.fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
