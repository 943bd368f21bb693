#!/usr/bin/env bash
# Fault, evidence and soak scenarios (docs/reliability.md). Loopback only, bounded in time, never in CI.
#   ./guard faults <scenario>     scenarios: redis-down-at-startup redis-killed-under-load redis-slow
#                                 backend-down backend-slow policy-corrupted-while-running
#                                 gateway-killed-mid-stream evidence all
#   ./guard soak [SECONDS]        steady mixed traffic (default 600 s), resources sampled every 30 s to a CSV
# Each run starts its own redis-server on a free port (never the shared one at 6379), the demo backend, the
# gateway jar (guard.state.store=redis) and wrk with mix.lua. Work files: $EG_FAULTS_DIR
# (default /tmp/eg-faults/<scenario>). Needs redis-server, redis-cli, wrk, curl, python3, jcmd.
# Convergence is checked with the CI fault suite's check (io.extractionguard.gateway.faults.ConvergenceCheck, run
# from the gateway jar): the fleet's state as a new replica loads it, per account, against the decision log.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
JAR="$ROOT/gateway/target/extraction-guard-gateway.jar"
DEMO_JAR="$ROOT/loadtest/demo-backend/target/demo-backend.jar"
ADMIN_TOKEN="faults-admin-token-$RANDOM$RANDOM"
PREFIX="egf"
PIDS=()

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
log() { printf '\n=== %s\n' "$*"; }
cleanup() { for p in "${PIDS[@]:-}"; do [[ -n "$p" ]] && kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM   # a signal exits through the EXIT trap (without these, it killed the script and left its children)

setup_dir() {
  [[ -n "${BACKEND_PID:-}" ]] && { kill "$BACKEND_PID" 2>/dev/null || true; BACKEND_PID=""; }   # the previous scenario's
  DIR="${EG_FAULTS_DIR:-/tmp/eg-faults/$1}"; rm -rf "$DIR"; mkdir -p "$DIR"
  RPORT=$(free_port); GPORT=$(free_port); MPORT=$(free_port); BPORT=$(free_port)
  cp "$ROOT/config/policies/default.yaml" "$DIR/policy.yaml"
  RUN="$1-$(date +%s)"; RUN_START=$(date +%s)
}

start_redis() {
  redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly yes --dir "$DIR" --daemonize no \
    >>"$DIR/redis.log" 2>&1 &
  REDIS_PID=$!; PIDS+=("$REDIS_PID")
  for _ in $(seq 50); do redis-cli -p "$RPORT" ping >/dev/null 2>&1 && return; sleep 0.1; done
  echo "redis did not start" >&2; exit 1
}
kill_redis() { kill -9 "$REDIS_PID" 2>/dev/null || true; wait "$REDIS_PID" 2>/dev/null || true; }

# start_backend [demo-backend options...]: the demo model backend on BPORT (it outlives gateway restarts)
start_backend() {
  java -Xms64m -Xmx256m -jar "$DEMO_JAR" --port "$BPORT" "$@" >>"$DIR/backend.log" 2>&1 &
  BACKEND_PID=$!; PIDS+=("$BACKEND_PID")
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$BPORT/health" && return; sleep 0.2; done
  echo "demo backend did not start; see $DIR/backend.log" >&2; exit 1
}

# start_gateway [extra --props...]: the gateway on GPORT/MPORT, forwarding to BPORT, redis on RPORT
start_gateway() {
  java -Xms128m -Xmx256m --enable-native-access=ALL-UNNAMED -jar "$JAR" --spring.profiles.active=redis \
    --server.port="$GPORT" --management.server.port="$MPORT" --guard.upstream-uri="http://127.0.0.1:$BPORT" \
    --guard.state.redis.address="redis://127.0.0.1:$RPORT" --guard.state.redis.key-prefix="$PREFIX" \
    --guard.admin.token="$ADMIN_TOKEN" --guard.audit.path="$DIR/audit.jsonl" --guard.audit.decision-sample-rate=1.0 \
    --guard.decision-log.sample-rate=0.01 --guard.policy.path="$DIR/policy.yaml" --guard.policy.poll-interval=1s \
    --guard.identity.credential-hash-key=faults-credential-key-0123456789 \
    --guard.challenge.hmac-key=faults-challenge-hmac-key-0123456789abcdef "$@" >>"$DIR/gateway.log" 2>&1 &
  GW_PID=$!; PIDS+=("$GW_PID")
  for _ in $(seq 360); do
    curl -s -m 5 -o /dev/null "http://127.0.0.1:$MPORT/actuator/health" && return
    kill -0 "$GW_PID" 2>/dev/null || { echo "gateway exited; see $DIR/gateway.log" >&2; tail -20 "$DIR/gateway.log" >&2; exit 1; }
    sleep 0.5
  done
  echo "gateway did not start in 180 s" >&2; exit 1
}
stop_gateway() { kill "$GW_PID" 2>/dev/null || true; wait "$GW_PID" 2>/dev/null || true; }

health() { curl -s "http://127.0.0.1:$MPORT/actuator/health"; echo; }
metrics() { # key guard metrics, one per line
  curl -s "http://127.0.0.1:$MPORT/actuator/prometheus" | grep -E \
    '^guard_(state_mode|state_outages_total|state_outage_requests_total|state_buffer_pending|state_buffer_overflow_total|state_writes_dropped_total|policy_reloads_total|policy_active|audit_[a-z_]*dropped[a-z_]*|decisions_total)' \
    | awk '{ if ($1 ~ /^guard_decisions_total/) { k = $1; sub(/\{.*action="/, "{action=\"", k); sub(/",.*/, "\"}", k); s[k] += $NF } else print } END { for (k in s) print k, s[k] }' | sort
}
operator_view() { log "operators saw: health"; health; log "operators saw: metrics"; metrics
  log "operators saw: log lines (WARN/ERROR, first 15)"; grep -E ' (WARN|ERROR) ' "$DIR/gateway.log" | cut -c1-240 | head -15 || true; }

# load SECONDS CONNECTIONS DELAY_MS -> wrk output in $DIR/load-<n>.txt, printed
LOADN=0
load() {
  LOADN=$((LOADN + 1)); local out="$DIR/load-$LOADN.txt"
  EG_RUN="$RUN" EG_DELAY_MS="${3:-0}" EG_ACCOUNTS="${EG_ACCOUNTS:-400}" \
    wrk -t1 -c"${2:-4}" -d"${1}s" --timeout 10s -s "$HERE/mix.lua" "http://127.0.0.1:$GPORT" >"$out" 2>&1 || true
  echo "--- clients saw (load $LOADN, $1 s, $2 connections):"; grep -E '^(status|responses|socket_errors|latency_ms|Requests/sec)' "$out"
}
load_bg() { LOADN=$((LOADN + 1)); LOAD_OUT="$DIR/load-$LOADN.txt"
  EG_RUN="$RUN" EG_DELAY_MS="${3:-0}" EG_ACCOUNTS="${EG_ACCOUNTS:-400}" \
    wrk -t1 -c"${2:-4}" -d"${1}s" --timeout 10s -s "$HERE/mix.lua" "http://127.0.0.1:$GPORT" >"$LOAD_OUT" 2>&1 &
  LOAD_PID=$!; }
load_wait() { wait "$LOAD_PID" || true; echo "--- clients saw (load $LOADN):"; grep -E '^(status|responses|socket_errors|latency_ms|Requests/sec)' "$LOAD_OUT"; }
responses() { awk '/^responses/ {s+=$2} END {print s+0}' "$DIR"/load-*.txt; }
# check [extra ConvergenceCheck options]: the fleet's state in Redis, as a new replica loads it, against the audit
check() {
  local shipped; shipped=$(curl -s "http://127.0.0.1:$MPORT/actuator/prometheus" 2>/dev/null \
    | awk '/^guard_campaign_sync_shipped_total/ {printf "%d", $NF}')
  java -cp "$JAR" -Dloader.main=io.extractionguard.gateway.faults.ConvergenceCheck \
    org.springframework.boot.loader.launch.PropertiesLauncher \
    --guard.state.redis.address="redis://127.0.0.1:$RPORT" --guard.state.redis.key-prefix="$PREFIX" \
    --audit="$DIR/audit.jsonl" --account-prefix="$RUN-" --campaign-shipped="${shipped:-0}" \
    --tier=free:10:1500 --tier=pro:60:10000 --tier=enterprise:600:300000 \
    --run-seconds=$(( $(date +%s) - RUN_START + 5 )) "$@" 2>&1 | grep -E '^(convergence|  )' || true
}
audit_decisions() { grep -c '"kind":"decision"' "$DIR/audit.jsonl" 2>/dev/null || echo 0; }
admin() { curl -s -H "Authorization: Bearer $ADMIN_TOKEN" "$@"; echo; }

converged() { # waits for the write-behind buffer to drain, then compares client count with profiles
  for _ in $(seq 30); do
    local pending; pending=$(curl -s "http://127.0.0.1:$MPORT/actuator/prometheus" | awk '/^guard_state_buffer_pending/ {print $2}')
    [[ "${pending%.*}" == "0" ]] && break; sleep 1
  done
  log "state converged?"
  echo "client responses (all loads): $(responses)"; check "$@"
}

# ---------------------------------------------------------------- scenarios
redis_down_at_startup() {
  setup_dir redis-down-at-startup; start_backend
  log "gateway starts while its Redis (port $RPORT) is not running"
  start_gateway; health
  load 10 4
  operator_view
  log "Redis starts"; start_redis; sleep 4; health
  load 10 4
  converged
  stop_gateway
}

redis_killed_under_load() {
  setup_dir redis-killed-under-load; start_redis; start_backend; start_gateway
  log "30 s of load; Redis killed (SIGKILL) at 8 s, restarted (same AOF) at 18 s"
  load_bg 30 4
  sleep 8; kill_redis; echo "$(date +%T) redis killed"; sleep 3; health
  sleep 7; start_redis; echo "$(date +%T) redis restarted"
  load_wait; operator_view; converged; stop_gateway
}

redis_slow() {
  setup_dir redis-slow; start_redis; start_backend; start_gateway
  load 8 4
  log "Redis paused for 5 s (CLIENT PAUSE 5000 ALL) at 4 s into a 15 s load"
  load_bg 15 4; sleep 4; redis-cli -p "$RPORT" CLIENT PAUSE 5000 ALL; echo "$(date +%T) redis paused"
  load_wait; operator_view; converged; stop_gateway
}

backend_down() {
  setup_dir backend-down; start_redis
  start_gateway   # no start_backend: nothing listens on BPORT
  log "model backend unreachable (nothing listens on $BPORT)"
  curl -s -w '\nHTTP %{http_code} in %{time_total}s\n' -H 'content-type: application/json' -H 'x-account-id: probe' \
    -d '{"model":"m","max_tokens":4,"messages":[{"role":"user","content":"hi"}]}' "http://127.0.0.1:$GPORT/v1/messages"
  load 8 4; operator_view; converged; stop_gateway
}

backend_slow() {
  setup_dir backend-slow; start_redis; start_backend --first-byte-delay-ms 5000
  start_gateway --spring.cloud.gateway.server.webflux.httpclient.response-timeout=2s
  log "model backend answers after 5 s; the gateway's response-timeout is 2 s"
  curl -s -w '\nHTTP %{http_code} in %{time_total}s\n' -H 'content-type: application/json' -H 'x-account-id: probe' \
    -d '{"model":"m","max_tokens":4,"messages":[{"role":"user","content":"hi"}]}' "http://127.0.0.1:$GPORT/v1/messages"
  load 8 8; operator_view; converged; stop_gateway
}

policy_corrupted_while_running() {
  setup_dir policy-corrupted-while-running; start_redis; start_backend; start_gateway
  log "policy file overwritten with garbage at 3 s into a 20 s load, a valid new version written at 12 s"
  load_bg 20 4; sleep 3
  printf 'version: "broken"\ntiers: [this is: not {valid\n' >"$DIR/policy.yaml"; echo "$(date +%T) policy corrupted"
  sleep 4; admin "http://127.0.0.1:$MPORT/admin/policy"
  sleep 5; sed 's/^version: .*/version: "faults-2"/' "$ROOT/config/policies/default.yaml" >"$DIR/policy.yaml.new"
  mv "$DIR/policy.yaml.new" "$DIR/policy.yaml"; echo "$(date +%T) valid policy faults-2 written"
  load_wait; sleep 2; admin "http://127.0.0.1:$MPORT/admin/policy"
  grep -E 'policy file .* rejected|policy .* applied' "$DIR/gateway.log" | cut -c1-200
  operator_view; converged; stop_gateway
}

gateway_killed_mid_stream() {
  setup_dir gateway-killed-mid-stream; start_redis; start_backend --chunk-interval-ms 200 --output-tokens 64
  start_gateway
  log "a streaming response (one delta per 200 ms) is cut by kill -9 of the gateway 1 s after its first delta"
  local acct="$RUN-stream"
  admin -X POST -H 'content-type: application/json' -d '{"ttl":"1d","reason":"faults: verdict must survive"}' \
    "http://127.0.0.1:$MPORT/admin/accounts/$RUN-blocked/block"
  ( curl -sN -o "$DIR/stream.txt" -w 'curl: HTTP %{http_code}, %{size_download} bytes\n' -H 'content-type: application/json' \
      -H "x-account-id: $acct" -H 'x-account-tier: enterprise' \
      -d '{"model":"m","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"tell me a story"}]}' \
      "http://127.0.0.1:$GPORT/v1/messages"; echo "curl exit $?" ) >"$DIR/stream.status" 2>&1 &
  local curl_pid=$!
  # kill once the first events have arrived (at most 20 s), so the cut is really mid-stream
  for _ in $(seq 100); do [[ -s "$DIR/stream.txt" ]] && grep -q content_block_delta "$DIR/stream.txt" && break; sleep 0.2; done
  sleep 1; kill -9 "$GW_PID"; echo "$(date +%T) gateway killed"; wait "$curl_pid" || true
  echo "--- client saw:"; cat "$DIR/stream.status"; echo "events received: $(grep -c '^event:' "$DIR/stream.txt" || true); message_stop: $(grep -c message_stop "$DIR/stream.txt" || true)"
  sleep 1; log "gateway restarted"; start_gateway
  health
  echo "--- the blocked account is still blocked after the restart:"
  curl -s -o /dev/null -w 'HTTP %{http_code}\n' -H 'content-type: application/json' -H "x-account-id: $RUN-blocked" \
    -d '{"model":"m","max_tokens":4,"messages":[{"role":"user","content":"hi"}]}' "http://127.0.0.1:$GPORT/v1/messages"
  operator_view
  log "state converged? (the killed gateway's last audit records may be missing: the check covers those written)"
  check --verdict="$RUN-blocked:BLOCK"; stop_gateway
}

# sustained mixed load with a Redis restart (and a gateway restart) in the middle: nothing lost
evidence() {
  setup_dir evidence; start_redis; start_backend; start_gateway
  log "60 s of mixed load (4 connections); Redis SIGKILLed at 15 s, restarted at 25 s; gateway restarted after the load"
  admin -X POST -H 'content-type: application/json' -d '{"ttl":"1d","reason":"evidence: verdict must survive"}' \
    "http://127.0.0.1:$MPORT/admin/accounts/$RUN-blocked/block"
  load_bg 60 4
  sleep 15; kill_redis; echo "$(date +%T) redis killed"; sleep 10; start_redis; echo "$(date +%T) redis restarted"
  load_wait; operator_view; converged --verdict="$RUN-blocked:BLOCK"
  echo "audit decision records: $(audit_decisions)"
  log "gateway stopped (graceful) and Redis restarted again; then both up"
  stop_gateway; kill_redis; start_redis; start_gateway
  echo "after restarts:"; check --verdict="$RUN-blocked:BLOCK"; echo "audit decision records: $(audit_decisions)"
  curl -s -o /dev/null -w 'blocked account after restarts: HTTP %{http_code}\n' -H 'content-type: application/json' \
    -H "x-account-id: $RUN-blocked" -d '{"model":"m","max_tokens":4,"messages":[{"role":"user","content":"hi"}]}' \
    "http://127.0.0.1:$GPORT/v1/messages"
  java -jar "$ROOT/policy-engine/target/policy-engine-cli.jar" audit-verify "$DIR/audit.jsonl" 2>&1 | tail -2 || true
  stop_gateway
}

# soak_verdict CSV: flat = no upward trend after the 120 s warm-up. Heap "after GC" is sampled right after
# a forced GC while traffic keeps allocating, so single samples are noisy; the least-squares slope over
# the window must stay under 10 % of the mean per 10 minutes (fds, connections: under 2 per 10 min).
soak_verdict() {
  python3 - "$1" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if int(r["t_s"]) >= 120]
if len(rows) < 4:
    print("too few samples after warm-up"); sys.exit(0)
ok = True
for col, rel, absolute in (("heap_used_after_gc_mb", 0.10, None), ("near_cache_profiles", 0.10, None),
                           ("fds", None, 2), ("tcp_conns", None, 2)):
    pts = [(float(r["t_s"]), float(r[col])) for r in rows if r[col] not in ("NA", "")]
    if len(pts) < 4:
        print(f"{col}: not available"); continue
    n = len(pts); mx = sum(t for t, _ in pts) / n; my = sum(v for _, v in pts) / n
    slope = sum((t - mx) * (v - my) for t, v in pts) / sum((t - mx) ** 2 for t, _ in pts)
    per10 = slope * 600
    limit = rel * my if rel else absolute
    flat = per10 <= limit
    ok &= flat
    print(f"{col}: {n} samples, min {min(v for _, v in pts):g} max {max(v for _, v in pts):g} mean {my:.1f}, "
          f"trend {per10:+.1f} per 10 min (limit {limit:.1f}) -> {'flat' if flat else 'GROWING'}")
print("SOAK", "PASS" if ok else "FAIL")
PY
}

soak() {
  local secs="${1:-600}"
  setup_dir soak; start_redis; start_backend; start_gateway
  local csv="$DIR/soak.csv"
  echo "t_s,heap_used_after_gc_mb,heap_committed_mb,near_cache_profiles,verdicts_local,fds,tcp_conns,redis_used_mb,responses_per_s" >"$csv"
  log "soak: $secs s of mixed traffic, 4 connections, 10 ms pause per request (EG_ACCOUNTS=${EG_ACCOUNTS:-2000}); sample every 30 s -> $csv"
  EG_ACCOUNTS="${EG_ACCOUNTS:-2000}" load_bg "$secs" 4 10
  local start; start=$(date +%s); local last=0
  while kill -0 "$LOAD_PID" 2>/dev/null; do
    sleep 30
    local t=$(( $(date +%s) - start ))
    jcmd "$GW_PID" GC.run >/dev/null 2>&1 || true
    local heap committed near verd fds conns rmem
    read -r heap committed < <(jcmd "$GW_PID" GC.heap_info 2>/dev/null | awk '/garbage-first heap|total/ {for(i=1;i<=NF;i++){if($i=="committed"||($i=="total"&&t=="")){t=$(i+1)} if($i=="used"){u=$(i+1)}} gsub(/[^0-9]/,"",t); gsub(/[^0-9]/,"",u); if(u!=""&&!done){print int(u/1024), int(t/1024); done=1}}' || true)
    near=$(curl -s "http://127.0.0.1:$MPORT/actuator/prometheus" | awk '/^cache_size\{.*guard.state.near_cache/ {v=$NF} END {print v}' || true)
    verd=$(curl -s "http://127.0.0.1:$MPORT/actuator/prometheus" | awk '/^guard_state_verdicts/ {v=$NF} END {print v}' || true)
    fds=$(ls "/proc/$GW_PID/fd" | wc -l)
    conns=$(ss -tanp 2>/dev/null | grep -c "pid=$GW_PID," || true)
    rmem=$(redis-cli -p "$RPORT" info memory | awk -F: '/^used_memory:/ {printf "%d", $2/1048576}' || true)
    local now; now=$(curl -s "http://127.0.0.1:$MPORT/actuator/prometheus" | awk '/^guard_decisions_total/ {s+=$NF} END {printf "%d", s}' || true)
    echo "$t,$heap,$committed,${near:-NA},${verd:-NA},$fds,$conns,$rmem,$(( (now - last) / 30 ))" | tee -a "$csv"
    last=$now
  done
  load_wait
  soak_verdict "$csv"
  operator_view; converged; stop_gateway
}

[[ -f "$JAR" && -f "$DEMO_JAR" ]] || (cd "$ROOT" && ./mvnw -q -B -DskipTests -pl gateway,loadtest/demo-backend -am package)
[[ -f "$ROOT/policy-engine/target/policy-engine-cli.jar" ]] || (cd "$ROOT" && ./mvnw -q -B -DskipTests -pl policy-engine package)
case "${1:-help}" in
  redis-down-at-startup) redis_down_at_startup ;;
  redis-killed-under-load) redis_killed_under_load ;;
  redis-slow) redis_slow ;;
  backend-down) backend_down ;;
  backend-slow) backend_slow ;;
  policy-corrupted-while-running) policy_corrupted_while_running ;;
  gateway-killed-mid-stream) gateway_killed_mid_stream ;;
  evidence) evidence ;;
  soak) shift; soak "${1:-600}" ;;
  all) for s in redis-down-at-startup redis-killed-under-load redis-slow backend-down backend-slow \
                policy-corrupted-while-running gateway-killed-mid-stream evidence; do "$0" "$s"; done ;;
  *) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
