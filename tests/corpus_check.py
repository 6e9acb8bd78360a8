#!/usr/bin/env python3
"""`flaskc check` against the conformance corpus (the CI `check` suite).

Usage: tests/corpus_check.py FLASKC [--corpus DIR]

For every `compile` case of ../shared/corpus/manifest.json, runs
`FLASKC check [-t T] [-M] --message-format json INPUT` (JSON lines on standard output) and checks:
- accepted cases: exit 0 and no error;
- cases rejected with "syntax error": exit 1 and an error at one of the case's lines
  (`source.file` at a `source.lines` entry, or the policy.conf line in `conf_lines`);
- cases rejected for semantic reasons: either exit 0 (not checked yet: counted as
  pending, not failed) or exit 1 with an error at one of the case's lines.
Ends with `N passed, M failed, P pending`; exits 1 when anything failed.
"""
import json
import os
import subprocess
import sys


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        return 2
    flaskc = args[0]
    here = os.path.dirname(os.path.abspath(__file__))
    corpus = os.path.join(here, "..", "..", "shared", "corpus")
    if "--corpus" in args:
        corpus = args[args.index("--corpus") + 1]
    manifest_path = os.path.join(corpus, "manifest.json")
    if not os.path.exists(manifest_path):
        print(f"check: no corpus at {corpus}, skipped")
        return 0
    with open(manifest_path) as f:
        cases = json.load(f)["compile"]
    passed = failed = pending = 0
    for case in cases:
        cmd = flaskc.split() + ["check", "--message-format", "json"]
        a = case.get("args", [])
        if "-t" in a:
            cmd += ["-t", a[a.index("-t") + 1].lower()]
        if "-M" in a:
            cmd.append("-M")
        cmd.append(os.path.join(corpus, case["input"]))
        try:
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:
            print(f"TIMEOUT {case['id']}")
            failed += 1
            continue
        errors = []
        for line in run.stdout.splitlines():
            try:
                d = json.loads(line)
            except ValueError:
                continue
            if d.get("severity") == "error":
                errors.append(d)
        status = judge(case, run.returncode, errors)
        if status == "pass":
            passed += 1
        elif status == "pending":
            pending += 1
        else:
            failed += 1
            print(f"{status} {case['id']} (exit {run.returncode})")
            for d in errors[:3]:
                print(f"    {d.get('file')}:{d.get('line')}: {d.get('message')}")
    print(f"{passed} passed, {failed} failed, {pending} pending")
    return 1 if failed else 0


def at_case_line(case, d):
    source = case.get("source") or {}
    if d.get("file") == source.get("file") and d.get("line") in source.get("lines", []):
        return True
    primary = [l for l in d.get("labels", []) if l.get("primary")]
    generated = (primary[0].get("generated") if primary else None) or {}
    return generated.get("line") in case.get("conf_lines", [])


def judge(case, code, errors):
    if code < 0:
        return "CRASH"
    if case["expect"] == "accept":
        return "pass" if code == 0 and not errors else "WRONG-REJECT"
    if case.get("message") == "syntax error":
        if code != 1:
            return "WRONG-ACCEPT"
        return "pass" if any(at_case_line(case, d) for d in errors) else "REJECT-WRONG-LINE"
    if code == 0 and not errors:
        return "pending"
    if code != 1:
        return "WRONG-EXIT"
    return "pass" if any(at_case_line(case, d) for d in errors) else "REJECT-WRONG-LINE"


if __name__ == "__main__":
    sys.exit(main())
