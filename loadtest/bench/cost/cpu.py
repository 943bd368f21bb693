#!/usr/bin/env python3
"""CPU seconds a JVM has used so far, split by thread kind: prints 'total java gc jit vm' (utime + stime of
every live thread from /proc/PID/task; threads that ended are in the process total only, counted as 'java').
usage: cpu.py PID"""
import os, sys

hz = os.sysconf("SC_CLK_TCK"); pid = sys.argv[1]

def kind(name):
    if name.startswith(("GC Thread", "G1 ", "GC ")): return "gc"
    if name.startswith(("C1 Compiler", "C2 Compiler")): return "jit"
    if name.startswith(("VM ", "Service Thread", "Monitor Deflation", "Common-Cleaner", "Reference Handl",
                        "Finalizer", "Signal Dispatch", "Notification Th", "Attach Listener", "JFR ")): return "vm"
    return "java"

def ticks(stat):
    f = stat[stat.rindex(")") + 2:].split()
    return int(f[11]) + int(f[12])

with open(f"/proc/{pid}/stat") as f: total = ticks(f.read())
per = {"gc": 0, "jit": 0, "vm": 0}
for tid in os.listdir(f"/proc/{pid}/task"):
    try:
        with open(f"/proc/{pid}/task/{tid}/stat") as f: st = f.read()
    except (FileNotFoundError, ProcessLookupError):
        continue
    k = kind(st[st.index("(") + 1:st.rindex(")")])
    if k != "java": per[k] += ticks(st)
java = total - per["gc"] - per["jit"] - per["vm"]
print(" ".join(f"{v / hz:.2f}" for v in (total, java, per["gc"], per["jit"], per["vm"])))
