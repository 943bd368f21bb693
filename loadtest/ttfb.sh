#!/usr/bin/env bash
# Time-to-first-byte overhead of the gateway on a streamed response (docs/tokens.md).
# Builds the gateway, starts it against a demo backend that the benchmark itself runs, measures
# TTFB through the gateway and directly (interleaved), prints median/p90/p99, stops the gateway.
#   loadtest/ttfb.sh [--samples 2000] [--warmup 500] [--first-byte-delay-ms 0]
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=$(./guard java-home); export JAVA_HOME; export PATH="$JAVA_HOME/bin:$PATH"
./mvnw -q -B -DskipTests package -pl gateway,loadtest -am
./mvnw -q -B dependency:build-classpath -pl loadtest -Dmdep.outputFile=target/ttfb.classpath >/dev/null

GATEWAY_PORT=18480 BACKEND_PORT=18491
log=$(mktemp)
GUARD_UPSTREAM_URI="http://127.0.0.1:$BACKEND_PORT" \
  java --enable-native-access=ALL-UNNAMED -jar gateway/target/extraction-guard-gateway.jar \
  --server.port=$GATEWAY_PORT --management.server.port=18481 >"$log" 2>&1 &
gateway_pid=$!
trap 'kill $gateway_pid 2>/dev/null || true; wait $gateway_pid 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:18481/actuator/health" >/dev/null 2>&1 && break
  sleep 0.5
done
java -cp "loadtest/target/classes:$(cat loadtest/target/ttfb.classpath)" io.extractionguard.loadtest.TtfbBenchmark \
  --gateway "http://127.0.0.1:$GATEWAY_PORT" --backend-port $BACKEND_PORT "$@"
