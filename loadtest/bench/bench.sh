#!/usr/bin/env bash
# ./guard bench: the side-by-side benchmark of docs/performance.md, in ONE run on this machine over loopback.
# Starts a standalone demo backend, two private redis-servers and five gateways (one per configuration), then
# alternates the configurations round by round so all of them see the same machine conditions:
#   direct       the demo backend, no gateway
#   nofilter     gateway route, no filter
#   bodycache    route with Spring Cloud Gateway's CacheRequestBody only
#   ratelimiter  route with the stock RequestRateLimiter (RedisRateLimiter), keyed by account, on the private Redis
#   guard-local  the ExtractionGuard route, in-memory state (the embedded default)
#   guard-redis  the ExtractionGuard route, guard.state.store=redis on the private Redis (unique key prefix)
# Phases: closed-loop max throughput (wrk, 1 thread, --connections), then fixed-rate latency at 50% of the
# no-filter maximum (FixedRateDriver, CO-free), both at 2 and 16 KiB prompts; Redis commands per request from
# INFO commandstats (CONFIG RESETSTAT before each measured run); the hot-account case (one account at 10x
# its limit from 200 connections vs the same rate spread over 10,000 accounts).
# Traffic: 10,000 enterprise-tier accounts, everyday prose prompts: the guard ALLOWs it (the report shows the
# non-200 share), so throughput measures the filter's cost, not rejections.
#   loadtest/bench/bench.sh [--rounds 5] [--seconds 6] [--warmup 20] [--connections 32] [--low-fraction 0.1] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=5 SECONDS_PER_RUN=6 WARMUP=20 CONNS=32 OUT=loadtest/bench/results HOT_ROUNDS=3 LOW_FRACTION=0.1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --seconds) SECONDS_PER_RUN=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --connections) CONNS=$2; shift 2 ;;
    --low-fraction) LOW_FRACTION=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "bench needs wrk (apt-get install -y wrk)" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "bench needs redis-server (apt-get install -y redis-server)" >&2; exit 1; }
JAVA_HOME=$(./guard java-home); export JAVA_HOME; export PATH="$JAVA_HOME/bin:$PATH"

./mvnw -q -B -DskipTests -pl gateway,loadtest/bench -am package
GW_JAR=gateway/target/extraction-guard-gateway.jar
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
WORK=loadtest/bench/target/run-$STAMP; mkdir -p "$WORK/ext" "$OUT"
RAW="$OUT/bench-$STAMP.tsv"; REPORT="$OUT/bench-$STAMP.md"
CP="loadtest/bench/target/classes:$(cat loadtest/bench/target/bench.classpath)"

# the RedisRateLimiter configuration's extension: Spring Data Redis + Lettuce + the key resolver, minus what the jar has
have=$(jar tf "$GW_JAR" | sed -n 's|^BOOT-INF/lib/||p')
for j in loadtest/bench/target/gateway-ext/*.jar; do
  grep -qxF "$(basename "$j")" <<<"$have" || cp "$j" "$WORK/ext/"
done
cp loadtest/bench/target/bench-*.jar "$WORK/ext/"

REDIS_PORT=16379 RL_REDIS_PORT=16380 BACKEND_PORT=18590
pids=(); declare -A GWPID
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# one private Redis per Redis-backed configuration, so INFO commandstats counts only that configuration's commands
for port in $REDIS_PORT $RL_REDIS_PORT; do
  redis-server --port $port --bind 127.0.0.1 --save '' --appendonly no >"$WORK/redis-$port.log" 2>&1 &
  pids+=($!)
done
java -Xms256m -Xmx1g -cp "$CP" io.extractionguard.demo.DemoBackend --port $BACKEND_PORT >"$WORK/backend.log" 2>&1 &
pids+=($!)

CONFIGS=(direct nofilter bodycache ratelimiter guard-local guard-redis)
declare -A PORT=([direct]=$BACKEND_PORT [nofilter]=18501 [bodycache]=18502 [ratelimiter]=18503 [guard-local]=18504 [guard-redis]=18505)
JVM="-Xms512m -Xmx1g --enable-native-access=ALL-UNNAMED"
start_gateway() { # name, extra args...
  local name=$1; shift
  local port=${PORT[$name]}
  java $JVM "$@" --server.port="$port" --management.server.port=$((port + 100)) \
    --guard.upstream-uri=http://127.0.0.1:$BACKEND_PORT \
    --guard.audit.path="$WORK/audit-$name.jsonl" --spring.config.additional-location=file:loadtest/bench/config/ \
    >"$WORK/$name.out" 2>&1 &   # decision lines included: a file, as a log shipper would tail
  pids+=($!); GWPID[$name]=$!
}
start_gateway nofilter -jar $GW_JAR --spring.profiles.active=bench-nofilter
start_gateway bodycache -jar $GW_JAR --spring.profiles.active=bench-bodycache
start_gateway ratelimiter -cp $GW_JAR -Dloader.path="$WORK/ext" org.springframework.boot.loader.launch.PropertiesLauncher \
  --spring.profiles.active=bench-ratelimiter --spring.data.redis.port=$RL_REDIS_PORT \
  --spring.data.redis.repositories.enabled=false
start_gateway guard-local -jar $GW_JAR
start_gateway guard-redis -jar $GW_JAR --spring.profiles.active=redis \
  --guard.state.redis.address=redis://127.0.0.1:$REDIS_PORT --guard.state.redis.key-prefix="bench-$STAMP"

for name in nofilter bodycache ratelimiter guard-local guard-redis; do
  mport=$((PORT[$name] + 100))
  for _ in $(seq 1 300); do curl -fs "localhost:$mport/actuator/health/readiness" >/dev/null 2>&1 && break; sleep 1; done
  curl -fs "localhost:$mport/actuator/health/readiness" >/dev/null || { echo "$name did not start: $WORK/$name.out" >&2; exit 1; }
done
curl -fs "localhost:$BACKEND_PORT/health" >/dev/null

for kib in 2 16; do java -cp "$CP" io.extractionguard.bench.driver.BodiesCommand "$WORK/bodies-$kib.jsonl" $kib; done

{
  echo "# started $STAMP on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(java -version 2>&1 | head -1)"
  echo "# rounds=$ROUNDS seconds=$SECONDS_PER_RUN warmup=$WARMUP connections=$CONNS"
} >"$RAW"
load() { cut -d' ' -f1 /proc/loadavg; }
redis_port() { case "$1" in ratelimiter) echo $RL_REDIS_PORT ;; guard-redis) echo $REDIS_PORT ;; *) echo "" ;; esac; }
redis_reset() { local p; p=$(redis_port "$1"); [[ -z "$p" ]] || redis-cli -p "$p" CONFIG RESETSTAT >/dev/null; }
redis_calls() { # config stats-file: commands since the reset, without the harness's own INFO/CONFIG (0 without Redis)
  local p; p=$(redis_port "$1")
  if [[ -z "$p" ]]; then echo 0; return; fi
  redis-cli -p "$p" INFO commandstats | tr -d '\r' | tee "$2" \
    | awk -F'[:=,]' '/^cmdstat_/ && $1 !~ /cmdstat_(info|config)/ {n += $3} END {print n + 0}'
}
jvm_cpu() { # config -> CPU seconds its gateway JVM has used (utime + stime; empty for direct)
  if [[ -n "${GWPID[$1]:-}" ]]; then python3 loadtest/bench/cost/cpu.py "${GWPID[$1]}" | cut -d' ' -f1; fi
}
closed() { # config kib seconds -> "rps=.. requests=.. non2xx=.. errors=.. cpu_us=.." (cpu_us: gateway JVM CPU per request)
  local out before after
  before=$(jvm_cpu "$1")
  out=$(BENCH_BODIES="$WORK/bodies-$2.jsonl" wrk -t1 -c"$CONNS" -d"$3"s -s loadtest/bench/wrk-bench.lua "http://127.0.0.1:${PORT[$1]}")
  after=$(jvm_cpu "$1")
  local res; res="rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out") $(sed -n 's/^BENCH //p' <<<"$out")"
  local n; n=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$res")
  [[ -z "$before" || -z "$n" || "$n" == 0 ]] || res="$res cpu_us=$(awk -v a="$after" -v b="$before" -v n="$n" 'BEGIN {printf "%.1f", (a - b) * 1e6 / n}')"
  echo "$res"
}
fixed() { # config kib rate [driver args]
  local c=$1 kib=$2 rate=$3; shift 3
  java -Xmx512m -cp "$CP" io.extractionguard.bench.driver.FixedRateDriver --url "http://127.0.0.1:${PORT[$c]}" \
    --bodies "$WORK/bodies-$kib.jsonl" --rate "$rate" --seconds "$SECONDS_PER_RUN" "$@"
}
record() { # phase round kib config fields...
  local line="$1\t$2\t$3\t$4\tload=$(load)"; shift 4
  for f in "$@"; do line="$line\t$f"; done
  printf "$line\n" | sed 's/ /\t/g' | tee -a "$RAW"
}
measured() { # phase round kib config command... : runs it, with Redis commands counted for the Redis-backed configs
  local phase=$1 round=$2 kib=$3 c=$4; shift 4
  redis_reset "$c"
  local res; res=$("$@")
  record "$phase" "$round" "$kib" "$c" "$res" "redis_calls=$(redis_calls "$c" "$WORK/commandstats-$phase-$round-$kib-$c.txt")"
}

echo "warming up ($WARMUP s per configuration and size)" >&2
for kib in 2 16; do for c in "${CONFIGS[@]}"; do closed "$c" $kib "$WARMUP" >/dev/null; done; done

rotate() { # round -> the configurations, starting at a different one each round
  local r=$1 n=${#CONFIGS[@]}
  for i in $(seq 0 $((n - 1))); do echo "${CONFIGS[$(((i + r) % n))]}"; done
}
for r in $(seq 1 "$ROUNDS"); do
  for kib in 2 16; do for c in $(rotate "$r"); do
    measured closed "$r" $kib "$c" closed "$c" $kib "$SECONDS_PER_RUN"
  done; done
done

median_rps() { # kib config
  awk -F'\t' -v k="$1" -v c="$2" '$1=="closed" && $3==k && $4==c {for (i=5;i<=NF;i++) if ($i ~ /^rps=/) print substr($i,5)}' "$RAW" \
    | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
for kib in 2 16; do
  rate=$(awk -v m="$(median_rps $kib nofilter)" 'BEGIN {printf "%d", m / 2}')
  for r in $(seq 1 "$ROUNDS"); do for c in $(rotate "$r"); do
    measured fixed "$r" $kib "$c" fixed "$c" $kib "$rate" --connections "$CONNS"
  done; done
done

# The same at a low rate (default 10% of the no-filter maximum, 2 KiB): on 2 cores shared by driver, gateway and
# backend, 50% of the no-filter maximum can exceed what a guard route sustains next to the Java driver, and a
# saturated route measures queueing, not the latency the guard adds. This phase shows the added latency itself.
rate=$(awk -v m="$(median_rps 2 nofilter)" -v f="$LOW_FRACTION" 'BEGIN {printf "%d", m * f}')
for r in $(seq 1 "$ROUNDS"); do for c in $(rotate "$r"); do
  measured fixed-low "$r" 2 "$c" fixed "$c" 2 "$rate" --connections "$CONNS"
done; done

# hot account: enterprise tier = 600 requests/min = 10/s; 10x that from 200 connections vs the same rate over 10,000 keys.
# The account's bucket starts full (a minute's burst), so one unrecorded run drains it first: only then is it at 10x.
for c in guard-local guard-redis; do fixed "$c" 2 100 --connections 200 --hot-account acct-hot >/dev/null; done
for r in $(seq 1 "$HOT_ROUNDS"); do for c in guard-local guard-redis; do
  measured hot "$r" 2 "$c" fixed "$c" 2 100 --connections 200 --hot-account acct-hot
  measured spread "$r" 2 "$c" fixed "$c" 2 100 --connections 200
done; done

java -cp "$CP" io.extractionguard.bench.driver.BenchReport "$RAW" >"$REPORT"
cat "$REPORT"
echo "raw results: $RAW; report: $REPORT" >&2
