#!/usr/bin/env python3
"""Hostile and benign bundle archives, generated at test time.

Each builder writes one archive into a folder and returns its path.  The
archives are made with Python's tarfile and zipfile, and by hand where those
refuse to write the attack (overlapping zip entries, lying sizes).
"""
import io
import os
import struct
import tarfile
import zipfile
import zlib

EXAMPLE_FILES = {
    "experiment.ini": b"""[experiment]
name        = intake-test
version     = 1.0.0
team        = Team Test
contact     = test@example.org
purpose     = crowd-monitoring
description = Intake test bundle.
entry       = analysis.lua

[dataset.counts]
file    = data/counts.csv
columns = zone, window_start, visitors
""",
    "analysis.lua": b"print('hello')\n",
    "data/counts.csv": b"zone,window_start,visitors\n"
    + b"".join(b"%s,00:%02d,%d\n" % (z, m, v) for z in (b"A", b"B") for m, v in ((0, 3), (15, 4))),
}


def tar_add(t, name, data=b"", kind=tarfile.REGTYPE, linkname="", **kw):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.linkname = linkname
    ti.mode = kw.get("mode", 0o644)
    ti.size = len(data) if kind == tarfile.REGTYPE else 0
    if kind in (tarfile.CHRTYPE, tarfile.BLKTYPE):
        ti.devmajor, ti.devminor = 1, 3
    t.addfile(ti, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def make_tar(path, entries, fmt=tarfile.PAX_FORMAT, mode="w", base=True):
    """entries: list of (name, data, kind, linkname)."""
    with tarfile.open(path, mode, format=fmt, encoding="utf-8",
                      errors="surrogateescape") as t:
        if base:
            for n, d in EXAMPLE_FILES.items():
                tar_add(t, n, d)
        for e in entries:
            tar_add(t, *e)
    return path


def make_zip(path, entries, base=True, method=zipfile.ZIP_DEFLATED):
    """entries: list of (name, data, unix_mode or None)."""
    with zipfile.ZipFile(path, "w", method) as z:
        if base:
            for n, d in EXAMPLE_FILES.items():
                z.writestr(n, d)
        for name, data, mode in entries:
            zi = zipfile.ZipInfo(name) if isinstance(name, str) else None
            if zi is None:  # raw bytes name: write a placeholder, patch later
                zi = zipfile.ZipInfo("@" * len(name))
            zi.compress_type = method
            if mode is not None:
                zi.create_system = 3
                zi.external_attr = mode << 16
            z.writestr(zi, data)
    if any(not isinstance(n, str) for n, _, _ in entries):
        raw = open(path, "rb").read()
        for name, _, _ in entries:
            if not isinstance(name, str):
                raw = raw.replace(b"@" * len(name), name)
        open(path, "wb").write(raw)
    return path


def _deflate(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _local(name, comp, crc, csize, usize, method=8):
    return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, crc,
                       csize, usize, len(name), 0) + name


def _central(name, comp, crc, csize, usize, offset, method=8):
    return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method,
                       0, 0, crc, csize, usize, len(name), 0, 0, 0, 0, 0,
                       offset) + name


def _eocd(n, cd_size, cd_off):
    return struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, cd_size, cd_off, 0)


def make_overlap_zip(path, n_files, kernel_bytes):
    """Fifield-style overlapping zip bomb (bamsoftware.com/hacks/zipbomb):
    every file's deflate stream quotes the next file's local header in a
    non-final stored block and then runs on into that file's data, so all
    files share one kernel.  Each file inflates to about `kernel_bytes`."""
    kernel_out = b"\0" * kernel_bytes
    kernel = _deflate(kernel_out)
    names = [b"bomb/%04d.bin" % i for i in range(n_files)]
    # Built backwards: the data of file i is SBH(LH[i+1]) + LH[i+1] +
    # data[i+1]; the last file's data is the kernel.
    data, out_crc, out_len = kernel, zlib.crc32(kernel_out), kernel_bytes
    headers = [None] * n_files
    outputs_tail = kernel_out
    for i in range(n_files - 1, -1, -1):
        lh = _local(names[i], None, out_crc, len(data), out_len)
        headers[i] = (lh, out_crc, len(data), out_len)
        if i == 0:
            break
        quote = struct.pack("<BHH", 0, len(lh), len(lh) ^ 0xFFFF) + lh
        outputs_tail = lh + outputs_tail
        out_crc = zlib.crc32(outputs_tail)
        out_len = len(outputs_tail)
        data = quote[:5] + lh + data
    body = headers[0][0] + data
    offsets, off = [], 0
    for i in range(n_files):
        offsets.append(off)
        off += len(headers[i][0]) + 5  # the header, then the quote's SBH
    cd = b"".join(_central(names[i], None, headers[i][1], headers[i][2],
                           headers[i][3], offsets[i]) for i in range(n_files))
    with open(path, "wb") as f:
        f.write(body + cd + _eocd(n_files, len(cd), len(body)))
    return path


def make_lying_zip(path, real_bytes, claimed):
    """Central directory and local header both claim `claimed` bytes; the
    deflate stream inflates to `real_bytes`."""
    name = b"data/big.csv"
    data = b"a" * real_bytes
    comp = _deflate(data)
    crc = zlib.crc32(data)
    local = _local(name, comp, crc, len(comp), claimed) + comp
    cd = _central(name, comp, crc, len(comp), claimed, 0)
    with open(path, "wb") as f:
        f.write(local + cd + _eocd(1, len(cd), len(local)))
    return path
