"""Prints every allow rule of a binary policy expanded to single types and permissions,
one `source target class perm` line each (` if` added for conditional rules), sorted:
the oracle that tests/explain.rs compares binaries with (setools' Python API)."""
import sys

import setools

policy = setools.SELinuxPolicy(sys.argv[1])
lines = set()
for rule in setools.TERuleQuery(policy, ruletype=["allow"]).results():
    try:
        rule.conditional
        suffix = " if"
    except setools.exception.RuleNotConditional:
        suffix = ""
    for r in rule.expand():
        for p in r.perms:
            lines.add(f"{r.source} {r.target} {r.tclass} {p}{suffix}")
sys.stdout.write("".join(f"{l}\n" for l in sorted(lines)))
