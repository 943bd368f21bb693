#!/usr/bin/env bash
# The fleet simulation of docs/redis.md ("What a replica pays for campaign evidence"): one real gateway replica
# (its jar, redis profile) takes its own traffic at --rate while a synthetic rest-of-fleet writes campaign evidence
# through the replicas' own writer at 1x, 10x and 100x that rate into the same private Redis. Reports per phase
# the replica's CPU per own request, heap after GC, and the Redis commands and bytes it exchanged per own request.
#   loadtest/bench/fleet-sim.sh [--label NAME] [--tree DIR] [--rate 20] [--seconds 20] [--warmup 10]
#                              [--multipliers 1,10,100] [--counters a,b] [--no-build]
# --tree runs another checkout's build (e.g. an export of an older commit, built there) for a side-by-side run.
# Ports: Redis 6391 (private, --save ""), backend 18890, gateway 18805 (management 18905).
set -euo pipefail
cd "$(dirname "$0")/../.."
LABEL=current TREE=$PWD RATE=20 SECONDS_PER_PHASE=20 WARMUP=10 MULT=1,10,100 BUILD=1
COUNTERS=guard.campaign.sync.applied OUT=loadtest/bench/results
while [[ $# -gt 0 ]]; do
  case "$1" in
    --label) LABEL=$2; shift 2 ;;
    --tree) TREE=$(cd "$2" && pwd); shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --seconds) SECONDS_PER_PHASE=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --multipliers) MULT=$2; shift 2 ;;
    --counters) COUNTERS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
JAVA_HOME=${JAVA_HOME:-$(./guard java-home)}; export JAVA_HOME; export PATH="$JAVA_HOME/bin:$PATH"
if [[ $BUILD == 1 ]]; then
  (cd "$TREE" && ./mvnw -q -B -o -DskipTests -pl gateway,loadtest/bench -am package \
    dependency:build-classpath -Dmdep.outputFile=target/test.classpath -Dmdep.includeScope=test)
fi
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
WORK=$PWD/loadtest/bench/target/fleet-$STAMP; mkdir -p "$WORK" "$OUT"
RAW="$(cd "$OUT" && pwd)/fleet-sim-$STAMP-$LABEL.tsv"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
redis-server --port 6391 --bind 127.0.0.1 --save '' --appendonly no >"$WORK/redis.log" 2>&1 &
pids+=($!)
BENCH_CP="$TREE/loadtest/bench/target/classes:$(cat "$TREE/loadtest/bench/target/bench.classpath")"
java -Xms128m -Xmx512m -cp "$BENCH_CP" io.extractionguard.demo.DemoBackend --port 18890 >"$WORK/backend.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do curl -fs localhost:18890/health >/dev/null 2>&1 && redis-cli -p 6391 ping >/dev/null 2>&1 && break; sleep 0.5; done
echo "# $STAMP $LABEL rate=$RATE seconds=$SECONDS_PER_PHASE warmup=$WARMUP $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$RAW"
java -Xmx1g -cp "$TREE/gateway/target/test-classes:$TREE/gateway/target/classes:$(cat "$TREE/gateway/target/test.classpath")" \
  io.extractionguard.gateway.state.redis.FleetSimulation --jar "$TREE/gateway/target/extraction-guard-gateway.jar" \
  --redis-port 6391 --backend http://127.0.0.1:18890 --label "$LABEL" --rate "$RATE" --seconds "$SECONDS_PER_PHASE" \
  --warmup "$WARMUP" --multipliers "$MULT" --counters "$COUNTERS" --work "$WORK" --out "$RAW"
echo "raw results: $RAW" >&2
