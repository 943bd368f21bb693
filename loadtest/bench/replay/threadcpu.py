#!/usr/bin/env python3
"""Runs a command and reports CPU seconds (utime+stime from /proc/PID/task/TID/stat, polled every 100 ms,
last value per thread) summed per thread name. usage: threadcpu.py -- CMD ARGS..."""
import os, subprocess, sys, time, collections
cmd = sys.argv[sys.argv.index("--") + 1:]
hz = os.sysconf("SC_CLK_TCK")
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
last = {}
def poll():
    try:
        for tid in os.listdir(f"/proc/{p.pid}/task"):
            try:
                with open(f"/proc/{p.pid}/task/{tid}/stat") as f: st = f.read()
                name = st[st.index("(") + 1:st.rindex(")")]
                fields = st[st.rindex(")") + 2:].split()
                last[tid] = (name, (int(fields[11]) + int(fields[12])) / hz)
            except (FileNotFoundError, ProcessLookupError, ValueError): pass
    except FileNotFoundError: pass
while p.poll() is None:
    poll(); time.sleep(0.1)
per = collections.defaultdict(float)
for name, cpu in last.values(): per[name] += cpu
tot = sum(per.values())
print(f"total {tot:.2f} CPU-s (threads seen; a thread's last 100 ms may be missed)")
for n, c in sorted(per.items(), key=lambda x: -x[1]):
    if c >= 0.05: print(f"  {c:6.2f}  {n}")
