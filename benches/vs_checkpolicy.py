#!/usr/bin/env python3
"""flaskc against checkpolicy 3.4 and setools, row by row of issue 17's table.

Each row runs the reference tool and flaskc on the same input, checks that the outputs
are identical where they have the same format (binaries, `-b -F`/`-b -C` text), and
prints CPU time (user + sys), wall time and peak resident memory of both, with the
ratios (flaskc splits large inputs over two threads, so its wall time can be below its CPU
time). Rows:

  xen-tree     the corpus's Xen 4.22 tree end to end: m4 + checkpolicy
               (../shared/tools/reference-build.sh) against `flaskc build`
  xen-N        the 4.22 tree plus a module wiring N guest domains with Xen's own
               interfaces, compiled from its policy.conf (N from --domains)
  refpolicy    Debian's refpolicy (selinux-policy-src), monolithic MCS policy.conf,
               `-M -U deny -c 33`, and `refpolicy-O` the same with -O
  types-60000  60,000 types and one rule (a Xen policy.conf)
  info, search, diff, read-F, read-C
               queries on refpolicy's binary: seinfo, `sesearch -A`, sediff (only with
               --sediff: it takes minutes), `checkpolicy -b -F` and `-b -C`

Usage: benches/vs_checkpolicy.py [--flaskc PATH] [--domains 1000,3000] [--rows a,b,...]
       [--runs N] [--cpu CORE] [--flaskc-cpus LIST] [--sediff]
With --cpu every process is pinned to that core (`taskset`), as the issue's figures are;
--flaskc-cpus pins flaskc to LIST instead (`--cpu 1 --flaskc-cpus 0,1`: the targets'
setting, checkpolicy on one core and flaskc free to use both; compare the wall column).
A row whose tools or inputs are missing says so and is skipped. Timing is reported,
never asserted; on a busy machine compare the CPU columns, not wall time.
"""
import argparse, os, shutil, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
TREE = os.path.join(SHARED, "corpus", "xen", "4.22.0", "tree")
REFBUILD = os.path.join(SHARED, "tools", "reference-build.sh")
REFPOLICY_SRC = "/usr/src/selinux-policy-src.tar.zst"

GUEST = """
declare_domain(bench{n}_t)
create_domain(dom0_t, bench{n}_t)
manage_domain(dom0_t, bench{n}_t)
domain_comms(dom0_t, bench{n}_t)
domain_self_comms(bench{n}_t)
migrate_domain_out(dom0_t, bench{n}_t)
"""

ALL_ROWS = "xen-tree,xen-N,refpolicy,refpolicy-O,types-60000,info,search,diff,read-F,read-C"


class Bench:
    def __init__(self, args, tmp):
        self.args, self.tmp = args, tmp
        self.flaskc = os.path.abspath(args.flaskc)
        self.results = {}

    def measure(self, cmd, cpus, out=None, repeat=1, fresh=()):
        """Runs cmd pinned to `cpus` (None: unpinned), stdout to `out` or discarded; (cpu
        seconds, wall seconds, peak MiB), best of --runs. With `repeat` the command runs
        that many times in one shell (for commands shorter than the 10 ms `time` resolves)
        and the times are divided accordingly. The files `fresh` names are removed before
        each run, so that every run writes a new file (replacing a large one costs the
        kernel the freeing of its pages, whichever tool writes it)."""
        pin = ["taskset", "-c", str(cpus)] if cpus is not None else []
        if repeat > 1:
            cmd = ["bash", "-c", f'for _ in $(seq {repeat}); do "$@" || exit 1; done', "repeat"] + cmd
        best = None
        for _ in range(self.args.runs):
            for f in fresh:
                if os.path.exists(f):
                    os.remove(f)
            tf = os.path.join(self.tmp, "time.out")
            with open(out or os.devnull, "wb") as sink:
                r = subprocess.run(pin + ["/usr/bin/time", "-f", "%U %S %e %M", "-o", tf] + cmd,
                                   stdout=sink, stderr=subprocess.PIPE)
            if r.returncode != 0:
                sys.exit(f"failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr.decode(errors='replace')[:2000]}")
            user, sys_, wall, kb = open(tf).read().split()[-4:]
            cpu, wall, mib = (float(user) + float(sys_)) / repeat, float(wall) / repeat, int(kb) / 1024
            best = (cpu, wall, mib) if best is None else (min(best[0], cpu), min(best[1], wall), max(best[2], mib))
        return best

    def row(self, name, ref_cmd, our_cmd, note=None, compare=None, repeat=1):
        """Times both commands; `compare` = (reference output, flaskc output) paths to
        compare afterwards; without a note, the note is the reference output's size."""
        ours = self.args.flaskc_cpus if self.args.flaskc_cpus is not None else self.args.cpu
        # Outputs are removed before each run only where one run is timed at a time.
        fresh_ref, fresh_our = ((compare[0],), (compare[1],)) if compare and repeat == 1 else ((), ())
        t_ref, w_ref, m_ref = self.measure(ref_cmd, self.args.cpu, repeat=repeat, fresh=fresh_ref)
        t_our, w_our, m_our = self.measure(our_cmd, ours, repeat=repeat, fresh=fresh_our)
        same = "-"
        if compare:
            same = "identical" if open(compare[0], "rb").read() == open(compare[1], "rb").read() else "DIFFERENT"
        if note is None:
            note = f"{os.path.getsize(compare[0]) / 1e6:.1f} MB binary"
        self.results[name] = (t_ref, m_ref, t_our, m_our)
        print(f"{name:>14} {t_ref:9.3f}s {m_ref:7.0f}MiB {t_our:8.3f}s {m_our:6.0f}MiB "
              f"{t_ref / max(t_our, 0.005):7.1f}x {w_ref / max(w_our, 0.005):6.1f}x {m_our / max(m_ref, 1):6.2f}x"
              f"  {same:>9}  {note}")
        sys.stdout.flush()

    def compile_row(self, name, conf, flags, note=None):
        ref, ours = os.path.join(self.tmp, "ref.bin"), os.path.join(self.tmp, "ours.bin")
        self.row(name, ["checkpolicy"] + flags + ["-o", ref, conf],
                 [self.flaskc, "checkpolicy"] + flags + ["-o", ours, conf], note, (ref, ours))


def make_tree(tmp, n):
    """The 4.22 tree with a module of n extra guest types; returns its policy directory."""
    dest = os.path.join(tmp, f"tree{n}")
    shutil.copytree(TREE, dest)
    pol = os.path.join(dest, "tools", "flask", "policy")
    if n:
        with open(os.path.join(pol, "modules", "bench.te"), "w") as f:
            f.write("".join(GUEST.format(n=i) for i in range(n)))
        with open(os.path.join(pol, "modules", "modules.conf"), "a") as f:
            f.write("\nbench = on\n")
    return pol


def conf_of(pol, tmp, n):
    """m4 output of a tree in Xen's file order (reference-build.sh's m4 step)."""
    conf = os.path.join(tmp, f"policy{n}.conf")
    script = open(REFBUILD).read().replace('$CHECKPOLICY "${cpargs[@]}" -o "$out" "$conf"', 'cp "$conf" "$out"')
    r = subprocess.run(["bash", "-c", script, "reference-build", pol, conf], capture_output=True)
    if r.returncode != 0:
        sys.exit(r.stderr.decode())
    return conf


def types_conf(tmp, n):
    """A Xen policy.conf with n types besides the one its single rule names."""
    conf = os.path.join(tmp, f"types{n}.conf")
    with open(conf, "w") as f:
        f.write("class xen\nsid xen\nclass xen { read write }\ntype hyp_t;\n")
        f.write("".join(f"type t{i}_t;\n" for i in range(n)))
        f.write("allow hyp_t hyp_t : xen read;\nrole sys_r;\nrole sys_r types hyp_t;\n"
                "user sys_u roles sys_r;\nsid xen sys_u:sys_r:hyp_t\n")
    return conf


def refpolicy_conf(tmp):
    """refpolicy's monolithic MCS policy.conf, made by its own Makefile; None if unavailable."""
    if not os.path.exists(REFPOLICY_SRC) or not shutil.which("make"):
        return None
    subprocess.run(["tar", "--zstd", "-xf", REFPOLICY_SRC, "-C", tmp], check=True)
    tree = os.path.join(tmp, "selinux-policy-src")
    r = subprocess.run(["make", "-C", tree, "-s", "MONOLITHIC=y", "TYPE=mcs", "policy.conf"],
                       capture_output=True)
    if r.returncode != 0:
        sys.exit("refpolicy: make policy.conf failed\n" + r.stderr.decode(errors="replace")[:2000])
    return os.path.join(tree, "policy.conf")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--flaskc", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")),
                                                     "release", "flaskc"))
    p.add_argument("--domains", default="1000,3000")
    p.add_argument("--rows", default=ALL_ROWS)
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--cpu", type=int, default=None)
    p.add_argument("--flaskc-cpus", default=None)
    p.add_argument("--sediff", action="store_true")
    args = p.parse_args()
    rows = set(args.rows.split(","))
    for tool in ("m4", "checkpolicy"):
        if not shutil.which(tool):
            print(f"bench: {tool} is not installed; skipped")
            return
    # time ratio: reference CPU time / flaskc's (higher is better); memory ratio: flaskc's
    # peak RSS / the reference's (lower is better).
    print(f"{'row':>14} {'reference':>20} {'flaskc':>17} {'faster':>8} {'wall':>6} {'memory':>6}  {'outputs':>9}")
    print(f"{'':>14} {'(cpu s, peak RSS)':>20} {'':>17} {'(cpu)':>8} {'faster':>6} {'share':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        b = Bench(args, tmp)
        if os.path.isdir(TREE) and "xen-tree" in rows:
            pol = make_tree(tmp, 0)
            ref, ours = os.path.join(tmp, "ref.bin"), os.path.join(tmp, "ours.bin")
            b.row("xen-tree", ["bash", REFBUILD, pol, ref], [b.flaskc, "build", pol, "-o", ours],
                  "m4 + checkpolicy vs flaskc build (mean of 20)", (ref, ours), repeat=20)
        if os.path.isdir(TREE) and "xen-N" in rows:
            for n in [int(x) for x in args.domains.split(",") if x]:
                conf = conf_of(make_tree(tmp, n), tmp, n)
                b.compile_row(f"xen-{n}", conf, ["-t", "Xen", "-c", "30"])
                shutil.rmtree(os.path.join(tmp, f"tree{n}"))
            if "xen-1000" in b.results and "xen-3000" in b.results:
                (r1, rm1, o1, om1), (r3, rm3, o3, om3) = b.results["xen-1000"], b.results["xen-3000"]
                print(f"{'1000 -> 3000':>14} {r3 / r1:9.1f}x {rm3 / rm1:6.1f}x  {o3 / o1:8.1f}x {om3 / om1:5.1f}x"
                      "   growth (the output grows about 9x)")
        if "types-60000" in rows:
            b.compile_row("types-60000", types_conf(tmp, 60000), ["-t", "Xen", "-c", "30"], "60,000 types, one rule")
        conf = None
        if rows & {"refpolicy", "refpolicy-O", "info", "search", "diff", "read-F", "read-C"}:
            conf = refpolicy_conf(tmp)
            if conf is None:
                print("bench: selinux-policy-src or make is missing; refpolicy rows skipped")
        if conf:
            flags = ["-M", "-U", "deny", "-c", "33"]
            if "refpolicy" in rows:
                b.compile_row("refpolicy", conf, flags, "monolithic MCS, 45 MB policy.conf")
            if "refpolicy-O" in rows:
                b.compile_row("refpolicy-O", conf, flags + ["-O"], "the same with -O")
            binary = os.path.join(tmp, "refpolicy.bin")
            subprocess.run(["checkpolicy"] + flags + ["-o", binary, conf], check=True, capture_output=True)
            queries = [
                ("info", "seinfo", ["seinfo", binary], [b.flaskc, "info", binary], None),
                ("search", "sesearch", ["sesearch", "-A", binary], [b.flaskc, "search", "-A", binary], None),
            ]
            ref_text, our_text = os.path.join(tmp, "ref.txt"), os.path.join(tmp, "our.txt")
            for name, flag in (("read-F", "-F"), ("read-C", "-C")):
                queries.append((name, "checkpolicy", ["checkpolicy", "-M", "-b", flag, "-o", ref_text, binary],
                                [b.flaskc, "checkpolicy", "-M", "-b", flag, "-o", our_text, binary],
                                (ref_text, our_text)))
            if args.sediff:
                queries.append(("diff", "sediff", ["sediff", binary, binary], [b.flaskc, "diff", binary, binary], None))
            elif "diff" in rows:
                print(f"{'diff':>14} sediff takes minutes on refpolicy; run with --sediff")
            for name, tool, ref_cmd, our_cmd, compare in queries:
                if name not in rows:
                    continue
                if not shutil.which(tool):
                    print(f"{name:>14} {tool} is not installed; skipped")
                    continue
                b.row(name, ref_cmd, our_cmd, f"refpolicy binary, against {tool}", compare)


if __name__ == "__main__":
    main()
