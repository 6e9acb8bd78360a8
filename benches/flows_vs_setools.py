#!/usr/bin/python3
"""`flaskc flows` against setools' Python API: the same 1,000 shortest-path queries.

Usage: benches/flows_vs_setools.py POLICY [--map MAP] [--flaskc target/release/flaskc]
       [--pairs 1000]
POLICY is a binary SELinux policy, e.g. refpolicy's standard policy that
`tests/refpolicy.sh --keep DIR --types standard` leaves as DIR/refpolicy-standard.conf, compiled with
`flaskc checkpolicy -U deny -o standard.bin DIR/refpolicy-standard.conf`. The pairs are sampled as
tests/analysis/setools_compare.py samples them (seed 18). Reports wall time of each side:
flaskc is one process (read, graph, 1,000 queries); setools builds its graph once, then
answers. Timing is reported, never asserted. Needs setools for /usr/bin/python3.
"""
import argparse, os, random, subprocess, tempfile, time

import setools

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ap = argparse.ArgumentParser()
ap.add_argument("policy")
ap.add_argument("--map", default="/usr/lib/python3/dist-packages/setools/perm_map")
ap.add_argument("--flaskc", default=os.path.join(ROOT, "target", "release", "flaskc"))
ap.add_argument("--pairs", type=int, default=1000)
a = ap.parse_args()

policy = setools.SELinuxPolicy(a.policy)
types = sorted(str(t) for t in policy.types())
rng = random.Random(18)
pairs = [tuple(rng.sample(types, 2)) for _ in range(a.pairs)]

with tempfile.NamedTemporaryFile("w", suffix=".pairs") as f:
    f.write("".join(f"{s} {t}\n" for s, t in pairs))
    f.flush()
    t0 = time.monotonic()
    subprocess.run([a.flaskc, "flows", "--map", a.map, a.policy, "--pairs", f.name],
                   check=True, stdout=subprocess.DEVNULL)
    ours = time.monotonic() - t0

t0 = time.monotonic()
analysis = setools.InfoFlowAnalysis(policy, setools.PermissionMap(a.map))
for s, t in pairs:
    for path in analysis.shortest_path(s, t):
        list(path)
theirs = time.monotonic() - t0
print(f"{a.pairs} shortest flow paths: flaskc {ours:.2f} s, setools {theirs:.2f} s "
      f"({theirs / max(ours, 1e-9):.0f}x)")
