#!/usr/bin/env python3
"""Latency of `flaskc lsp`: from a change of one .te file to the diagnostics published
for it, for Xen 4.22's tree and for the 4.22 tree with 1,000 extra guest domains (the
tree benches/vs_checkpolicy.py generates). The target is under 20 ms for Xen's tree.

Each round replaces the whole text of modules/dom0.te (alternately with and without a
mistake, so the diagnostics really change) and waits for its publishDiagnostics; the
first build, when the file is opened, is reported apart. Wall times depend on what
else the machine runs; the server's CPU time per round (from /proc, Linux only) does not.

Usage: benches/lsp_latency.py [--flaskc target/release/flaskc] [--domains 0,1000]
       [--rounds 50]
Needs ../shared/corpus; says so and exits 0 when it is absent. Timing is reported,
never asserted.
"""
import argparse, json, os, pathlib, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from vs_checkpolicy import ROOT, TREE, make_tree  # noqa: E402


class Server:
    """`flaskc lsp` in a subprocess, spoken to in JSON-RPC over its pipes."""

    def __init__(self, flaskc):
        self.proc = subprocess.Popen([flaskc, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.next = 0

    def send(self, msg):
        body = json.dumps(dict(msg, jsonrpc="2.0")).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def read(self):
        length = 0
        while True:
            line = self.proc.stdout.readline()
            if not line:
                sys.exit("the server stopped")
            if line in (b"\r\n", b"\n"):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.proc.stdout.read(length))

    def request(self, method, params):
        self.next += 1
        self.send({"id": self.next, "method": method, "params": params})
        while True:
            m = self.read()
            if m.get("id") == self.next and "method" not in m:
                return m

    def notify(self, method, params):
        self.send({"method": method, "params": params})

    def diagnostics_for(self, uri):
        while True:
            m = self.read()
            if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri:
                return m["params"]["diagnostics"]

    def cpu_seconds(self):
        """The server's user + system CPU time so far (None where /proc is absent)."""
        try:
            fields = open(f"/proc/{self.proc.pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self):
        self.request("shutdown", None)
        self.notify("exit", None)
        self.proc.wait(timeout=10)


def bench(flaskc, pol, rounds):
    te = pathlib.Path(pol, "modules", "dom0.te")
    uri, text = te.as_uri(), te.read_text()
    broken = text + "\nallow dom0_t nosuch_t:domain pause;\n"
    s = Server(flaskc)
    s.request("initialize", {"capabilities": {}, "rootUri": pathlib.Path(pol).as_uri()})
    s.notify("initialized", {})
    t0 = time.perf_counter()
    s.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "te", "version": 1, "text": text}})
    first = s.diagnostics_for(uri)
    opened = time.perf_counter() - t0
    if first:
        sys.exit(f"{te} should be clean: {first}")
    times = []
    cpu0 = s.cpu_seconds()
    for i in range(rounds):
        new = broken if i % 2 == 0 else text
        t0 = time.perf_counter()
        s.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": i + 2},
                                            "contentChanges": [{"text": new}]})
        diags = s.diagnostics_for(uri)
        times.append(time.perf_counter() - t0)
        if bool(diags) != (i % 2 == 0):
            sys.exit(f"unexpected diagnostics in round {i}: {diags}")
    cpu1 = s.cpu_seconds()
    cpu = (cpu1 - cpu0) / rounds if cpu0 is not None and cpu1 is not None else float("nan")
    s.close()
    return opened, times, cpu


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--flaskc", default=os.path.join(ROOT, "target", "release", "flaskc"))
    p.add_argument("--domains", default="0,1000")
    p.add_argument("--rounds", type=int, default=50)
    args = p.parse_args()
    if not os.path.isdir(TREE):
        print(f"lsp_latency: {TREE} is absent; nothing measured")
        return
    print(f"{'case':<16} {'open ms':>8} {'median ms':>10} {'p90 ms':>8} {'min ms':>8} {'cpu ms':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in [int(x) for x in args.domains.split(",")]:
            opened, times, cpu = bench(args.flaskc, make_tree(tmp, n), args.rounds)
            ms = sorted(t * 1000 for t in times)
            p90 = ms[min(len(ms) - 1, int(len(ms) * 0.9))]
            case = "Xen 4.22" if n == 0 else f"+{n} domains"
            print(f"{case:<16} {opened * 1000:>8.1f} {statistics.median(ms):>10.1f} {p90:>8.1f} {ms[0]:>8.1f} {cpu * 1000:>8.1f}")


if __name__ == "__main__":
    main()
