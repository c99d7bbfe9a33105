#!/usr/bin/env python3
"""Interleaved before/after timings of two tawsim binaries, as BENCHMARKS.md reports them:
every round runs both, one right after the other (the order alternating), so drift of a
shared machine falls on both alike. The first round is a warm-up. Prints the median and the
range of each side's wall times.

    python3 ab.py BEFORE AFTER DIR [ROUNDS] [ONLY]

DIR holds p.tawsim (the corpus imported) and its exports out.jsonl, out.conll,
out.labelstudio and out.hf; imports go into DIR/q.tawsim, removed before each run.
"""
import os
import statistics
import subprocess
import sys
import time

before, after, folder = (os.path.abspath(a) for a in sys.argv[1:4])
rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 8
only = sys.argv[5] if len(sys.argv) > 5 else None
os.chdir(folder)
cells = [
    ("doccano export", "export p.tawsim -o x.jsonl --format doccano --force", None),
    ("doccano import", "import q.tawsim out.jsonl --format doccano", "q.tawsim"),
    ("CoNLL export", "export p.tawsim -o x.conll --format conll --force --lenient", None),
    ("CoNLL import", "import q.tawsim out.conll --format conll", "q.tawsim"),
    ("Label Studio export", "export p.tawsim -o x.ls --format labelstudio --force --lenient", None),
    ("Label Studio import", "import q.tawsim out.labelstudio --format labelstudio", "q.tawsim"),
    ("Label Studio import --lenient", "import q.tawsim out.labelstudio --format labelstudio --lenient", "q.tawsim"),
    ("HF export", "export p.tawsim -o x.hf --format hf --force --lenient", None),
    ("HF import", "import q.tawsim out.hf --format hf", "q.tawsim"),
]
for name, args, fresh in cells:
    if only and only not in name:
        continue
    times = {before: [], after: []}
    for r in range(rounds + 1):
        for b in (before, after) if r % 2 == 0 else (after, before):
            if fresh and os.path.exists(fresh):
                os.remove(fresh)
            start = time.perf_counter()
            subprocess.run([b] + args.split(), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=True)
            if r > 0:
                times[b].append(time.perf_counter() - start)
    show = lambda v: "%.2f (%.2f–%.2f)" % (statistics.median(v), min(v), max(v))
    print(f"{name}: before {show(times[before])} after {show(times[after])} s", flush=True)
