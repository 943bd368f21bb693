#!/usr/bin/env python3
"""Markdown tables of a cost.sh run. usage: report.py cost-STAMP.tsv"""
import sys, collections, statistics

rows = collections.defaultdict(list); stages = collections.defaultdict(dict); samples = {}; head = []
low = collections.defaultdict(dict)  # round -> config -> (load, rate, ok, p50, p99)
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if line.startswith("#"):
        if not line.startswith(("#phase", "#fixed-low")): head.append(line[2:])
        continue
    f = line.split("\t")
    if f[0] == "measure":
        rows[(f[2], f[3])].append(dict(load=float(f[4]), n=int(f[5]), bad=int(f[6]), cpu=float(f[7]),
                                       java=float(f[8]), gc=float(f[9]), jit=float(f[10]), vm=float(f[11]),
                                       redis=float(f[12])))
    elif f[0] == "fixed-low":
        low[f[1]][f[3]] = (float(f[4]), float(f[5]), int(f[6]), float(f[7]), float(f[8]))
    elif f[0] == "stage":
        if f[3] == "samples": samples[(f[1], f[2])] = int(f[4])
        else: stages[(f[1], f[2])][f[3]] = (float(f[4]), float(f[5]))

med = lambda xs: statistics.median(xs)
sizes = sorted({k for k, _ in rows}, key=int); ORDER = ["nofilter", "nofilter-base", "bodycache", "guard-local", "guard-redis", "guard-local-base", "guard-redis-base"]
configs = sorted(dict.fromkeys(c for _, c in rows), key=lambda c: ORDER.index(c) if c in ORDER else 99)
print("\n".join(f"- {h}" for h in head))
loads = [r["load"] for v in rows.values() for r in v]
if loads: print(f"- load average (1 min) at the start of the measured runs: median {med(loads):.1f}, max {max(loads):.1f}")
print("\n#### CPU per request of the gateway JVM (µs, median of rounds; min–max), closed loop\n")
print("| configuration | " + " | ".join(f"{k} KiB total | {k} KiB Java threads | {k} KiB GC + JIT" for k in sizes)
      + " | non-200 | Redis commands/request |")
print("|---|" + "---|---|---|" * len(sizes) + "---|---|")
for c in configs:
    cells = []; bad = 0; n = 0; redis = []
    for k in sizes:
        v = rows.get((k, c), [])
        if not v: cells += ["", "", ""]; continue
        cpu = [r["cpu"] for r in v]
        cells += [f"{med(cpu):.0f} ({min(cpu):.0f}–{max(cpu):.0f})", f"{med([r['java'] for r in v]):.0f}",
                  f"{med([r['gc'] + r['jit'] for r in v]):.0f}"]
        bad += sum(r["bad"] for r in v); n += sum(r["n"] for r in v); redis += [r["redis"] for r in v]
    print(f"| {c} | " + " | ".join(cells) + f" | {100 * bad / max(n, 1):.1f}% | {med(redis):.3f} |")
base = "nofilter"
if any(c == base for _, c in rows):
    print("\n#### What the filter adds over `nofilter` (µs per request, median of the per-round differences)\n")
    print("| configuration | " + " | ".join(f"{k} KiB added | {k} KiB added / nofilter" for k in sizes) + " |")
    print("|---|" + "---|---|" * len(sizes))
    for c in configs:
        if c == base: continue
        cells = []
        for k in sizes:
            a = rows.get((k, c), []); b = rows.get((k, base), [])
            d = [x["cpu"] - y["cpu"] for x, y in zip(a, b)]; rel = [(x["cpu"] - y["cpu"]) / y["cpu"] for x, y in zip(a, b)]
            cells += [f"{med(d):.0f}" if d else "", f"{100 * med(rel):.0f}%" if rel else ""]
        print(f"| {c} | " + " | ".join(cells) + " |")
pairs = [c for c in configs if c + "-base" in configs]
if pairs:
    print("\n#### This jar against the base jar (CPU per request, median of the per-round ratios; min–max)\n")
    print("| configuration | " + " | ".join(f"{k} KiB head / base" for k in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for c in pairs:
        cells = []
        for k in sizes:
            q = [x["cpu"] / y["cpu"] for x, y in zip(rows.get((k, c), []), rows.get((k, c + "-base"), []))]
            cells.append(f"{med(q):.2f} ({min(q):.2f}–{max(q):.2f})" if q else "")
        print(f"| {c} | " + " | ".join(cells) + " |")
if stages:
    keys = sorted(stages, key=lambda x: (configs.index(x[1]) if x[1] in configs else 99, int(x[0])))
    names = list(dict.fromkeys(s for k in keys for s in stages[k]))
    print("\n#### By stage (µs per request of the Java threads; share of the JFR execution samples)\n")
    print("| stage | " + " | ".join(f"{c} {k} KiB" for k, c in keys) + " |")
    print("|---|" + "---|" * len(keys))
    for s in names:
        print(f"| {s} | " + " | ".join(f"{stages[k].get(s, (0, 0))[1]:.1f} ({100 * stages[k].get(s, (0, 0))[0]:.0f}%)"
                                       for k in keys) + " |")
    print("| (JFR samples) | " + " | ".join(str(samples.get(k, "")) for k in keys) + " |")
if low:
    lows = sorted({c for r in low.values() for c in r}, key=lambda c: ORDER.index(c) if c in ORDER else 99)
    rate = next(iter(next(iter(low.values())).values()))[1]
    print(f"\n#### Latency at a fixed low rate ({rate:.0f} requests/s, 2 KiB; µs from the intended send time, median of rounds)\n")
    print("| configuration | p50 | p99 | added p50 over nofilter (same round) | added p99 over nofilter (same round) | answered |")
    print("|---|---|---|---|---|---|")
    for c in lows:
        runs = [r[c] for r in low.values() if c in r]
        added = [(r[c][3] - r["nofilter"][3], r[c][4] - r["nofilter"][4]) for r in low.values() if c in r and "nofilter" in r]
        cells = [f"{med([x[3] for x in runs]):.0f}", f"{med([x[4] for x in runs]):.0f}"]
        cells += [f"{med([a[0] for a in added]):+.0f}", f"{med([a[1] for a in added]):+.0f}"] if added else ["", ""]
        print(f"| {c} | " + " | ".join(cells) + f" | {sum(x[2] for x in runs)} |")
