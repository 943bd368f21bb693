#!/usr/bin/env bash
# ./guard cost: the cost model of one request (docs/performance.md). CPU time per request of the gateway JVM,
# per configuration and prompt size, and for the guard routes split into stages from a JFR profile.
#   loadtest/bench/cost/cost.sh [--rounds 3] [--seconds 8] [--warmup 15] [--profile 20] [--connections 32]
#                               [--configs "nofilter bodycache guard-local guard-redis"] [--base-jar JAR [--base-policy FILE]] [--policy FILE] [--out DIR]
#                               [--fixed-low RATE] [--rate RATE]
# Configurations: nofilter, bodycache, ratelimiter (the stock RequestRateLimiter/RedisRateLimiter of ./guard bench),
# guard-local, guard-redis; X-base for any of them from --base-jar.
# Starts the demo backend, one private redis-server per Redis-using configuration (ratelimiter, guard-redis and their
# -base: its commands per request are its own, not an idle gateway's background too) and one gateway JVM per
# configuration (as ./guard bench, same
# JVM flags, config and traffic: 10,000 enterprise accounts, everyday prose that the guard ALLOWs). With --base-jar
# also 'guard-local-base', the embedded default route from that jar (an A/B in the same run; any configuration X
# listed as X-base in --configs runs from that jar instead, e.g. "nofilter nofilter-base"); --base-policy gives it
# a policy file its engine reads (e.g. `git show BASE:config/policies/default.yaml`) when the working tree's is newer.
# Per measured run (closed loop, wrk -t1 -cN, configurations in an order rotated every round): CPU seconds of the
# gateway JVM from /proc (total, and its GC, JIT and VM threads apart) over the run / requests of the run.
# Then one JFR profile (settings=profile) per guard configuration and size during a closed-loop run of --profile s,
# each sample charged to one stage (stages.py); a stage's µs = its sample share x the Java threads' CPU per request
# (the median of the measured rounds). With --fixed-low RATE also the added latency at that fixed low rate: per round
# and configuration (rotated), the bench's FixedRateDriver at RATE requests/s, 2 KiB, --seconds long (latency from the
# intended send time), p50/p99 against nofilter's in the same round. With --rate RATE every run (warm-up, measured,
# profile) is the FixedRateDriver at RATE requests/s over BENCH_ACCOUNTS accounts instead of wrk's closed loop: the
# per-account rate, on which Redis commands per request depend, then no longer follows the machine's load.
# Raw lines: cost-STAMP.tsv; tables: cost-STAMP.md.
set -euo pipefail
cd "$(dirname "$0")/../../.."
ROUNDS=3 SECS=8 WARMUP=15 PROFILE=20 CONNS=32 OUT=loadtest/bench/results BASE_JAR="" BASE_POLICY="" POLICY="" SIZES="2 16" LOW=0 RATE=0
CONFIGS="nofilter bodycache guard-local guard-redis"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;; --seconds) SECS=$2; shift 2 ;; --warmup) WARMUP=$2; shift 2 ;;
    --profile) PROFILE=$2; shift 2 ;; --connections) CONNS=$2; shift 2 ;; --configs) CONFIGS=$2; shift 2 ;;
    --base-jar) BASE_JAR=$(readlink -f "$2"); shift 2 ;; --base-policy) BASE_POLICY=$(readlink -f "$2"); shift 2 ;;
    --policy) POLICY=$(readlink -f "$2"); shift 2 ;; --sizes) SIZES=$2; shift 2 ;; --out) OUT=$2; shift 2 ;;
    --fixed-low) LOW=$2; shift 2 ;; --rate) RATE=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "cost needs wrk (apt-get install -y wrk)" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "cost needs redis-server" >&2; exit 1; }
JAVA_HOME=$(./guard java-home); export JAVA_HOME; export PATH="$JAVA_HOME/bin:$PATH"
[[ -n "${COST_SKIP_BUILD:-}" ]] || ./mvnw -q -B -DskipTests -pl gateway,loadtest/bench -am package
GW_JAR=${COST_GW_JAR:-gateway/target/extraction-guard-gateway.jar}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
WORK=loadtest/bench/target/cost-$STAMP; mkdir -p "$WORK" "$OUT"
RAW="$OUT/cost-$STAMP.tsv"; REPORT="$OUT/cost-$STAMP.md"
CP="loadtest/bench/target/classes:$(cat loadtest/bench/target/bench.classpath)"
# a configuration named X-base runs X from the --base-jar (default: guard-local-base alone)
[[ -n "$BASE_JAR" && " $CONFIGS" != *-base* ]] && CONFIGS="$CONFIGS guard-local-base"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
BACKEND_PORT=$(free_port)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
declare -A PORT PID REDIS # REDIS[c]: the private redis-server's port of a Redis-using configuration
for c in $CONFIGS; do
  case "${c%-base}" in
    guard-redis|ratelimiter)
      REDIS[$c]=$(free_port)
      redis-server --port "${REDIS[$c]}" --bind 127.0.0.1 --save '' --appendonly no >"$WORK/redis-$c.log" 2>&1 &
      pids+=($!) ;;
  esac
done
java -Xms256m -Xmx1g -cp "$CP" io.extractionguard.demo.DemoBackend --port "$BACKEND_PORT" >"$WORK/backend.log" 2>&1 &
pids+=($!)
JVM="-Xms512m -Xmx1g --enable-native-access=ALL-UNNAMED"
EXT="$WORK/ext"; mkdir -p "$EXT" # the ratelimiter's extension (as bench.sh): Spring Data Redis, Lettuce, the key resolver
if [[ " $CONFIGS " == *" ratelimiter"* ]]; then
  have=$(jar tf "$GW_JAR" | sed -n 's|^BOOT-INF/lib/||p')
  for j in loadtest/bench/target/gateway-ext/*.jar; do grep -qxF "$(basename "$j")" <<<"$have" || cp "$j" "$EXT/"; done
  cp loadtest/bench/target/bench-*.jar "$EXT/"
fi
for c in $CONFIGS; do
  PORT[$c]=$(free_port); mport=$(free_port); jar=$GW_JAR; args=(); kind=$c
  if [[ "$c" == *-base ]]; then
    [[ -n "$BASE_JAR" ]] || { echo "$c needs --base-jar" >&2; exit 2; }
    jar=$BASE_JAR; kind=${c%-base}; [[ -z "$BASE_POLICY" ]] || args=(--guard.policy.path="$BASE_POLICY")
  fi
  launch=(-jar "$jar")
  case "$kind" in
    nofilter|bodycache) args+=(--spring.profiles.active=bench-$kind) ;;
    ratelimiter) launch=(-cp "$jar" -Dloader.path="$EXT" org.springframework.boot.loader.launch.PropertiesLauncher)
                 args+=(--spring.profiles.active=bench-ratelimiter --spring.data.redis.port=${REDIS[$c]}
                        --spring.data.redis.repositories.enabled=false) ;;
    guard-redis) args+=(--spring.profiles.active=redis --guard.state.redis.address=redis://127.0.0.1:${REDIS[$c]}
                        --guard.state.redis.key-prefix="cost-$STAMP-$c") ;;
  esac
  # every configuration loads the policy (the guard's beans exist on the bare routes too)
  [[ -z "$POLICY" || "$c" == *-base ]] || args+=(--guard.policy.path="$POLICY")
  java $JVM "${launch[@]}" "${args[@]}" --server.port="${PORT[$c]}" --management.server.port="$mport" \
    --guard.demo-backend.enabled=false --guard.upstream-uri=http://127.0.0.1:$BACKEND_PORT \
    --guard.audit.path="$WORK/audit-$c.jsonl" --spring.config.additional-location=file:loadtest/bench/config/ \
    >"$WORK/$c.out" 2>&1 &
  PID[$c]=$!; pids+=($!)
  echo "$c $mport" >>"$WORK/mports"
done
while read -r c mport; do
  for _ in $(seq 1 300); do curl -fs "localhost:$mport/actuator/health/readiness" >/dev/null 2>&1 && break; sleep 1; done
  curl -fs "localhost:$mport/actuator/health/readiness" >/dev/null || { echo "$c did not start: $WORK/$c.out" >&2; exit 1; }
done <"$WORK/mports"
for kib in $SIZES; do java -cp "$CP" io.extractionguard.bench.driver.BodiesCommand "$WORK/bodies-$kib.jsonl" "$kib"; done

cpu() { python3 loadtest/bench/cost/cpu.py "${PID[$1]}"; }
redis_calls() { # config stats-file: commands since the last reset on the config's own Redis, without the harness's
  # own INFO/CONFIG (0 for a configuration without Redis)
  [[ -n "${REDIS[$1]:-}" ]] || { echo 0; return; }
  redis-cli -p "${REDIS[$1]}" INFO commandstats | tr -d '\r' | tee "$2" \
    | awk -F'[:=,]' '/^cmdstat_/ && $1 !~ /cmdstat_(info|config)/ {n += $3} END {print n + 0}'
}
wrk_run() { # config kib seconds -> "requests non2xx"
  if [[ "$RATE" != 0 ]]; then
    java -Xmx512m -cp "$CP" io.extractionguard.bench.driver.FixedRateDriver --url "http://127.0.0.1:${PORT[$1]}" \
      --bodies "$WORK/bodies-$2.jsonl" --rate "$RATE" --seconds "$3" --connections "$CONNS" \
      --accounts "${BENCH_ACCOUNTS:-10000}" | sed -n 's/.*sent=\([0-9]*\) ok=[0-9]* rejected=\([0-9]*\) errors=\([0-9]*\).*/\1 \2 \3/p' \
      | awk '{print $1, $2 + $3}'
    return
  fi
  BENCH_BODIES="$WORK/bodies-$2.jsonl" wrk -t1 -c"$CONNS" -d"$3"s -s loadtest/bench/wrk-bench.lua \
    "http://127.0.0.1:${PORT[$1]}" | sed -n 's/^BENCH requests=\([0-9]*\) non2xx=\([0-9]*\).*/\1 \2/p'
}
{
  echo "# cost model, started $STAMP on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(java -version 2>&1 | head -1)"
  echo "# rounds=$ROUNDS seconds=$SECS warmup=$WARMUP profile=$PROFILE connections=$CONNS jar=$GW_JAR base=${BASE_JAR:-none} head=$(git rev-parse --short HEAD)"
  echo -e "#phase\tround\tkib\tconfig\tload1\trequests\tnon2xx\tcpu_us_per_req\tjava_us\tgc_us\tjit_us\tvm_us\tredis_per_req"
  echo -e "#fixed-low\tround\tkib\tconfig\tload1\trate\tok\tp50_us\tp99_us"
} >"$RAW"
measure() { # round kib config
  local r=$1 kib=$2 c=$3 before after res load
  load=$(cut -d' ' -f1 /proc/loadavg)
  [[ -z "${REDIS[$c]:-}" ]] || redis-cli -p "${REDIS[$c]}" CONFIG RESETSTAT >/dev/null
  before=$(cpu "$c"); res=$(wrk_run "$c" "$kib" "$SECS"); after=$(cpu "$c")
  local calls; calls=$(redis_calls "$c" "$WORK/commandstats-$r-$kib-$c.txt")
  read -r n bad <<<"$res"
  awk -v b="$before" -v a="$after" -v n="$n" -v bad="$bad" -v calls="$calls" -v pre="measure\t$r\t$kib\t$c\t$load" 'BEGIN {
    split(b, x, " "); split(a, y, " "); line = pre "\t" n "\t" bad
    for (i = 1; i <= 5; i++) line = line "\t" sprintf("%.1f", (y[i] - x[i]) * 1e6 / n)
    print line "\t" sprintf("%.3f", calls / n) }' | tee -a "$RAW"
}

rotate() { local r=$1 arr=($CONFIGS) n; n=${#arr[@]}; for i in $(seq 0 $((n - 1))); do echo "${arr[$(((i + r) % n))]}"; done; }
# Warm-up in three slices per configuration, interleaved in rotated order: in a closed loop a JVM that is warm
# first serves more requests, so it gets warmer still; a same-jar control with one block each, in a fixed order,
# put the second JVM at 0.59-0.91x the first's CPU per request (cost-20261207T135556Z).
echo "warming up ($WARMUP s per configuration and size, in 3 interleaved slices)" >&2
for slice in 0 1 2; do for kib in $SIZES; do for c in $(rotate "$slice"); do
  wrk_run "$c" "$kib" $(( (WARMUP + 2) / 3 )) >/dev/null
done; done; done
for r in $(seq 1 "$ROUNDS"); do for kib in $SIZES; do for c in $(rotate "$r"); do measure "$r" "$kib" "$c"; done; done; done

if (( LOW > 0 )); then
  [[ -f "$WORK/bodies-2.jsonl" ]] || java -cp "$CP" io.extractionguard.bench.driver.BodiesCommand "$WORK/bodies-2.jsonl" 2
  for r in $(seq 1 "$ROUNDS"); do for c in $(rotate "$r"); do
    load=$(cut -d' ' -f1 /proc/loadavg)
    java -Xmx512m -cp "$CP" io.extractionguard.bench.driver.FixedRateDriver --url "http://127.0.0.1:${PORT[$c]}" \
      --bodies "$WORK/bodies-2.jsonl" --rate "$LOW" --seconds "$SECS" --connections "$CONNS" \
      | sed -n 's/.*ok=\([0-9]*\).*p50_us=\([0-9]*\).*p99_us=\([0-9]*\).*/\1 \2 \3/p' \
      | awk -v pre="fixed-low\t$r\t2\t$c\t$load\t$LOW" '{print pre "\t" $1 "\t" $2 "\t" $3}' | tee -a "$RAW"
  done; done
fi

median_java() { # kib config
  awk -F'\t' -v k="$1" -v c="$2" '$1=="measure" && $3==k && $4==c {print $9}' "$RAW" | sort -g \
    | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
if (( PROFILE > 0 )); then
  for kib in $SIZES; do for c in $CONFIGS; do
    jfr="$WORK/profile-$kib-$c.jfr"
    jcmd "${PID[$c]}" JFR.start name=cost settings=profile filename="$(readlink -f "$WORK")/profile-$kib-$c.jfr" >/dev/null
    wrk_run "$c" "$kib" "$PROFILE" >/dev/null
    jcmd "${PID[$c]}" JFR.stop name=cost >/dev/null
    python3 loadtest/bench/cost/stages.py "$jfr" "$(median_java "$kib" "$c")" \
      | awk -F'\t' -v k="$kib" -v c="$c" '{print "stage\t" k "\t" c "\t" $0}' | tee -a "$RAW"
  done; done
fi
python3 loadtest/bench/cost/report.py "$RAW" >"$REPORT"
cat "$REPORT"
echo "raw: $RAW; report: $REPORT" >&2
