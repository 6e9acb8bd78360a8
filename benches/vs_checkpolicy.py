#!/usr/bin/env python3
"""flaskc against m4 + checkpolicy, side by side: wall time and peak memory, with ratios.

Cases: the corpus's Xen 4.22 policy.conf, and generated trees with N extra guest domain
types (the 4.22 tree plus a module that declares and wires each guest with Xen's own
interfaces). For each case it compiles the same policy.conf with `checkpolicy -t Xen -c 30`
and `flaskc checkpolicy -t Xen -c 30`, checks the outputs are byte-identical, and (where
`flaskc build` is available) times the whole-tree build against m4 + checkpolicy.

Usage: benches/vs_checkpolicy.py [--flaskc target/release/flaskc] [--domains 1000,3000]
       [--runs 3]
Needs GNU m4, checkpolicy and ../shared/corpus; says so and exits 0 when they are absent.
Timing is reported, never asserted.
"""
import argparse, os, resource, shutil, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CORPUS = os.path.join(os.path.dirname(ROOT), "shared", "corpus")
TREE = os.path.join(CORPUS, "xen", "4.22.0", "tree")
REFBUILD = os.path.join(os.path.dirname(ROOT), "shared", "tools", "reference-build.sh")

GUEST = """
declare_domain(bench{n}_t)
create_domain(dom0_t, bench{n}_t)
manage_domain(dom0_t, bench{n}_t)
domain_comms(dom0_t, bench{n}_t)
domain_self_comms(bench{n}_t)
migrate_domain_out(dom0_t, bench{n}_t)
"""


def measure(cmd, cwd=None, stdout=None):
    """Runs cmd through /usr/bin/time; returns (seconds, peak MB, returncode)."""
    t0 = time.perf_counter()
    with tempfile.NamedTemporaryFile("r") as tf:
        r = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", tf.name] + cmd, cwd=cwd,
                           stdout=stdout or subprocess.DEVNULL, stderr=subprocess.PIPE)
        wall = time.perf_counter() - t0
        try:
            kb = int(tf.read().strip().splitlines()[-1])
        except (ValueError, IndexError):
            kb = 0
    return wall, kb / 1024, r.returncode, r.stderr.decode(errors="replace")


def best_of(runs, cmd, **kw):
    results = [measure(cmd, **kw) for _ in range(runs)]
    ok = [r for r in results if r[2] == 0]
    if not ok:
        sys.exit(f"failed: {' '.join(cmd)}\n{results[0][3][:2000]}")
    return min(r[0] for r in ok), max(r[1] for r in ok)


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
    # reference-build.sh's m4 step, with its checkpolicy step replaced by a copy.
    script = open(REFBUILD).read().replace('$CHECKPOLICY "${cpargs[@]}" -o "$out" "$conf"', 'cp "$conf" "$out"')
    r = subprocess.run(["bash", "-c", script, "reference-build", pol, conf], capture_output=True)
    if r.returncode != 0:
        sys.exit(r.stderr.decode())
    return conf


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--flaskc", default=os.path.join(ROOT, "target", "release", "flaskc"))
    p.add_argument("--domains", default="0,1000,3000")
    p.add_argument("--runs", type=int, default=1)
    args = p.parse_args()
    for tool in ("m4", "checkpolicy"):
        if not shutil.which(tool):
            print(f"bench: {tool} is not installed; skipped")
            return
    if not os.path.isdir(TREE):
        print("bench: ../shared/corpus is absent; skipped")
        return
    flaskc = os.path.abspath(args.flaskc)
    has_build = subprocess.run([flaskc, "build", "--help"], capture_output=True).returncode == 0
    print(f"{'case':>14} {'step':>10} {'checkpolicy':>16} {'flaskc':>16} {'time x':>8} {'mem x':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in [int(x) for x in args.domains.split(",")]:
            pol = make_tree(tmp, n)
            conf = conf_of(pol, tmp, n)
            ref_out, our_out = os.path.join(tmp, "ref.bin"), os.path.join(tmp, "ours.bin")
            t_ref, m_ref = best_of(args.runs, ["checkpolicy", "-t", "Xen", "-c", "30", "-o", ref_out, conf])
            t_our, m_our = best_of(args.runs, [flaskc, "checkpolicy", "-t", "Xen", "-c", "30", "-o", our_out, conf])
            same = open(ref_out, "rb").read() == open(our_out, "rb").read()
            size = os.path.getsize(ref_out) / 1e6
            case = f"{n} domains"
            print(f"{case:>14} {'compile':>10} {t_ref:8.2f}s {m_ref:5.0f}MB {t_our:8.2f}s {m_our:5.0f}MB "
                  f"{t_ref / t_our:7.1f}x {m_ref / max(m_our, 1):6.1f}x  output {size:.1f} MB, "
                  f"{'identical' if same else 'DIFFERENT'}")
            if has_build:
                ref_cmd = ["bash", REFBUILD, pol, ref_out]
                t_ref, m_ref = best_of(args.runs, ref_cmd)
                t_our, m_our = best_of(args.runs, [flaskc, "build", pol, "-o", our_out])
                print(f"{'':>14} {'build':>10} {t_ref:8.2f}s {m_ref:5.0f}MB {t_our:8.2f}s {m_our:5.0f}MB "
                      f"{t_ref / t_our:7.1f}x {m_ref / max(m_our, 1):6.1f}x")


if __name__ == "__main__":
    main()
