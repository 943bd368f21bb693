#!/usr/bin/env python3
"""CPU per request of a JVM's threads, grouped by thread name, user and system apart (docs/performance.md,
"What guard-redis adds over guard-local").
usage: threads.py snap PID OUT.json            snapshot of every thread's utime/stime from /proc/PID/task
       threads.py diff A.json B.json REQUESTS  µs per request per thread group between two snapshots"""
import collections, json, os, re, sys

hz = os.sysconf("SC_CLK_TCK")

def snap(pid, out):
    d = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f: st = f.read()
        except (FileNotFoundError, ProcessLookupError):
            continue
        name = st[st.index("(") + 1:st.rindex(")")]; f = st[st.rindex(")") + 2:].split()
        d[tid] = (name, int(f[11]), int(f[12]))
    with open(f"/proc/{pid}/stat") as fh: st = fh.read()
    f = st[st.rindex(")") + 2:].split(); d["_proc"] = ("_proc", int(f[11]), int(f[12]))
    with open(out, "w") as fh: json.dump(d, fh)

def group(name):
    if name.startswith(("C1 Comp", "C2 Comp")): return "JIT"
    if name.startswith(("GC Thr", "G1 ")): return "GC"
    return re.sub(r"[-#]?\d+$", "", name)

def diff(a_file, b_file, requests):
    a = json.load(open(a_file)); b = json.load(open(b_file)); n = int(requests)
    g = collections.defaultdict(lambda: [0, 0])
    for tid, (name, u, s) in b.items():
        _, u0, s0 = a.get(tid, (name, 0, 0))
        k = group(name); g[k][0] += u - u0; g[k][1] += s - s0
    us = lambda t: t / hz * 1e6 / n
    p = g.pop("_proc")
    print(f"requests {n}  process: user {us(p[0]):.0f} sys {us(p[1]):.0f} total {us(p[0] + p[1]):.0f} µs/request")
    for k, (u, s) in sorted(g.items(), key=lambda x: -(x[1][0] + x[1][1])):
        if u + s: print(f"  {k:24s} user {us(u):6.1f} sys {us(s):6.1f}")

if __name__ == "__main__":
    if sys.argv[1] == "snap": snap(sys.argv[2], sys.argv[3])
    else: diff(sys.argv[2], sys.argv[3], sys.argv[4])
