#!/usr/bin/env python3
"""Cost model of one request (docs/performance.md): splits a gateway JVM's CPU per request into stages.
usage: stages.py RECORDING.jfr JAVA_CPU_US_PER_REQUEST [JVM_CPU_US_PER_REQUEST]
Every jdk.ExecutionSample is charged to ONE stage: the innermost frame (nearest the leaf) that matches a
stage's rule below, else 'route (gateway, Netty, Reactor)'. A stage's µs = its share of the samples x the CPU
per request of the JVM's Java threads (GC and JIT threads are measured separately from /proc and not sampled).
Prints 'stage<TAB>share<TAB>µs' lines."""
import json, subprocess, sys, collections

# (stage, predicate on "package.Class.method"): first stage whose rule matches the innermost matching frame wins,
# so the rules are checked per frame from the leaf outwards.
RULES = [
    ("sketch", lambda f: ".features.PromptSketch" in f or "hash4j.similarity" in f),
    ("features", lambda f: ".engine.features." in f or ".engine.text." in f),
    ("scoring", lambda f: ".engine.score." in f),
    ("limits", lambda f: ".engine.limits." in f or "LeasedRateLimiter" in f or "bucket4j" in f),
    ("identity", lambda f: ".engine.identity." in f),
    ("parse", lambda f: ".engine.request." in f),
    ("decision line", lambda f: "DecisionRecorder.line" in f or "DecisionRecorder.drain" in f
        or "AuditTrail" in f),
    ("usage metering", lambda f: ".gateway.usage." in f),
    ("metrics", lambda f: "DecisionRecorder" in f or "io.micrometer.core" in f or "io.micrometer.prometheus" in f
        or "io.prometheus" in f),
    ("tracing", lambda f: "io.micrometer.tracing" in f or "brave." in f or "io.micrometer.observation" in f
        or "ObservationThreadLocal" in f or "io.micrometer.context" in f),
    ("state, campaign, rest of the engine", lambda f: ".extractionguard.engine." in f or ".gateway.state." in f),
    ("body aggregation", lambda f: "DataBufferUtils.join" in f or ".gateway.filter.DataBuffers" in f
        or "cacheRequestBody" in f or "CacheRequestBody" in f or "ServerWebExchangeUtils.cacheRequestBody" in f),
    ("guard filter (other)", lambda f: ".extractionguard.gateway." in f),
]
OTHER = "route (gateway, Netty, Reactor)"

# the guard subscribes to the rest of the route from inside its own frame (sendThen: the request is handed upstream
# before the decision's bookkeeping), so route work under that frame is the route's, not the filter's
ROUTE_UNDER = "ExtractionGuardGatewayFilterFactory.lambda$sendThen"

def stage_of(frames):
    for fr in frames:  # leaf first
        m = fr["method"]; name = m["type"]["name"].replace("/", ".") + "." + m["name"]
        if ROUTE_UNDER in name:
            return OTHER
        for stage, rule in RULES:
            if rule(name):
                return stage
    return OTHER

def main():
    f = sys.argv[1]; java_us = float(sys.argv[2])
    out = subprocess.run(["jfr", "print", "--json", "--stack-depth", "96", "--events", "jdk.ExecutionSample", f],
                         capture_output=True, text=True, check=True).stdout
    ev = json.loads(out)["recording"]["events"]
    counts = collections.Counter()
    for e in ev:
        frames = (e["values"].get("stackTrace") or {}).get("frames") or []
        if frames:
            counts[stage_of(frames)] += 1
    total = sum(counts.values()) or 1
    order = [s for s, _ in RULES] + [OTHER]
    print(f"samples\t{total}")
    for s in order:
        print(f"{s}\t{counts[s] / total:.4f}\t{counts[s] / total * java_us:.1f}")

if __name__ == "__main__":
    main()
