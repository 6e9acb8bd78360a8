#!/usr/bin/python3
"""Compares `flaskc flows` and `flaskc transitions` with setools' Python API.

usage: setools_compare.py FLASKC POLICY MAP {flows|transitions} [N] [SEED]

Samples N (default 1000) ordered pairs of distinct types with a fixed seed (for
transitions, half of them among the types of setools' transition graph, since most types
are not domains), asks setools
(InfoFlowAnalysis or DomainTransitionAnalysis, graph built once) for one shortest path of
each and flaskc for the same pairs (`--pairs`, one process), and fails on any difference:
whether a path exists, its length, and every flaskc step being an edge of setools' graph.
Flows are compared at minimum weights 1 and 5 (half the pairs each), with every
conditional rule counted (setools' default). Exits 0 when all agree, 1 otherwise.
"""
import json
import random
import subprocess
import sys
import tempfile

import setools

flaskc, policy_path, map_path, mode = sys.argv[1:5]
n = int(sys.argv[5]) if len(sys.argv) > 5 else 1000
seed = int(sys.argv[6]) if len(sys.argv) > 6 else 18
policy = setools.SELinuxPolicy(policy_path)
types = sorted(str(t) for t in policy.types())
rng = random.Random(seed)


def sample(names, count):
    """`count` ordered pairs of distinct names."""
    return [tuple(rng.sample(names, 2)) for _ in range(count)]


pairs = sample(types, n)


def flaskc_paths(args, chunk):
    with tempfile.NamedTemporaryFile("w", suffix=".pairs") as f:
        f.write("".join(f"{s} {t}\n" for s, t in chunk))
        f.flush()
        out = subprocess.run([flaskc, *args, policy_path, "--pairs", f.name],
                             check=True, capture_output=True, text=True).stdout
    return [json.loads(line)["path"] for line in out.splitlines()]


found = 0


def compare(analysis, graph, ours, chunk, what):
    global found
    found += sum(p is not None for p in ours)
    bad = 0
    for (s, t), path in zip(chunk, ours):
        theirs = next(iter(analysis.shortest_path(s, t)), None)
        theirs = None if theirs is None else [str(x.source) for x in theirs] + [t]
        if theirs is not None and len(theirs) == 1:
            theirs = None
        mismatch = (theirs is None) != (path is None) or (
            path is not None and len(path) != len(theirs))
        if not mismatch and path is not None:
            by_name = {str(x): x for x in graph.nodes()}
            steps = zip(path, path[1:])
            mismatch = not all(a in by_name and b in by_name and
                               graph.has_edge(by_name[a], by_name[b]) for a, b in steps)
        if mismatch:
            bad += 1
            if bad <= 10:
                print(f"DIFF {what} {s} -> {t}: setools {theirs}, flaskc {path}")
    return bad


bad = 0
if mode == "flows":
    perm_map = setools.PermissionMap(map_path)
    half = len(pairs) // 2
    for weight, chunk in ((1, pairs[:half]), (5, pairs[half:])):
        a = setools.InfoFlowAnalysis(policy, perm_map, min_weight=weight)
        ours = flaskc_paths(["flows", "--map", map_path, "--min-weight", str(weight)], chunk)
        a._build_subgraph()
        bad += compare(a, a.subG, ours, chunk, f"flows (min weight {weight})")
else:
    a = setools.DomainTransitionAnalysis(policy)
    a._build_subgraph()
    domains = sorted(str(x) for x in a.subG.nodes())
    if len(domains) >= 2:
        pairs = pairs[: n - n // 2] + sample(domains, n // 2)
    ours = flaskc_paths(["transitions"], pairs)
    bad += compare(a, a.subG, ours, pairs, "transitions")
print(f"setools_compare {mode}: {len(pairs)} pairs, {found} with a path, {bad} differences")
sys.exit(1 if bad else 0)
