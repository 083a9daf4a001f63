#!/usr/bin/env python3
"""interleave.py RUNS WARMUP NAME=COMMAND... - wall time of whole commands.

Runs every command once per round for RUNS rounds (after WARMUP untimed
rounds), so that whatever else the machine does affects all of them alike;
a block of runs per command (hyperfine's way) lets slow drift on a busy or
virtual machine land on one side of a ratio.  The order within a round is
shuffled (with a fixed seed, so reruns are alike): in a fixed order each
command would always follow the same one and pay for the work the kernel
does after it (a network namespace is torn down in the background, a
report's writeback).  Each run is
posix_spawn + waitpid with stdout and stderr to /dev/null and must exit 0.
Prints one line per command: NAME median_ms q1_ms q3_ms.
"""
import os
import random
import shlex
import statistics
import sys
import time


def run(argv, devnull):
    t0 = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, os.environ,
                         file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1),
                                       (os.POSIX_SPAWN_DUP2, devnull, 2)])
    _, status = os.waitpid(pid, 0)
    t1 = time.perf_counter_ns()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("interleave.py: %s failed (%d)" %
                 (argv[0], os.waitstatus_to_exitcode(status)))
    return (t1 - t0) / 1e6


def main():
    runs, warmup = int(sys.argv[1]), int(sys.argv[2])
    cmds = []
    for spec in sys.argv[3:]:
        name, cmd = spec.split("=", 1)
        argv = shlex.split(cmd)
        if "/" not in argv[0]:
            argv[0] = next(os.path.join(d, argv[0])
                           for d in os.environ["PATH"].split(":")
                           if os.access(os.path.join(d, argv[0]), os.X_OK))
        cmds.append((name, argv))
    times = {name: [] for name, _ in cmds}
    devnull = os.open(os.devnull, os.O_WRONLY)
    order = random.Random(20261202)
    for r in range(warmup + runs):
        round_cmds = list(cmds)
        order.shuffle(round_cmds)
        for name, argv in round_cmds:
            t = run(argv, devnull)
            if r >= warmup:
                times[name].append(t)
    for name, _ in cmds:
        q = statistics.quantiles(times[name], n=4)
        print("%s %.3f %.3f %.3f" % (name, statistics.median(times[name]),
                                     q[0], q[2]))


main()
