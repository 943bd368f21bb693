#!/usr/bin/env python3
"""Aggregate jdk.ExecutionSample from `jfr print --json` : per-thread sample counts, top self frames,
top inclusive frames for a thread (substring). usage: jfrprof.py FILE.jfr [THREAD_SUBSTR] [N]"""
import json, subprocess, sys, collections
f = sys.argv[1]; want = sys.argv[2] if len(sys.argv) > 2 else None; N = int(sys.argv[3]) if len(sys.argv) > 3 else 30
out = subprocess.run(["jfr", "print", "--json", "--stack-depth", "64", "--events", "jdk.ExecutionSample", f],
                     capture_output=True, text=True, check=True).stdout
ev = json.loads(out)["recording"]["events"]
threads = collections.Counter(); self_ = collections.Counter(); incl = collections.Counter(); total = 0
def name(fr):
    m = fr["method"]; return m["type"]["name"].split(".")[-1] + "." + m["name"]
for e in ev:
    t = e["values"]["sampledThread"]; tn = (t.get("javaName") or t.get("osName") or "?")
    threads[tn] += 1
    if want and want not in tn: continue
    frames = (e["values"].get("stackTrace") or {}).get("frames") or []
    if not frames: continue
    total += 1
    self_[name(frames[0])] += 1
    for n in set(name(fr) for fr in frames): incl[n] += 1
print("samples per thread:")
for tn, c in threads.most_common(): print(f"  {c:6d}  {tn}")
if want:
    print(f"\n[{want}] {total} samples; top self:")
    for n, c in self_.most_common(N): print(f"  {100*c/total:5.1f}%  {n}")
    print(f"\n[{want}] top inclusive:")
    for n, c in incl.most_common(N): print(f"  {100*c/total:5.1f}%  {n}")
