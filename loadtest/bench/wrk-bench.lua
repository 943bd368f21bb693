-- wrk script for ./guard bench (closed loop): POST /v1/messages with the bodies in $BENCH_BODIES
-- (one JSON body per line), each request from a random one of $BENCH_ACCOUNTS accounts at the
-- enterprise tier, or always from $BENCH_HOT_ACCOUNT when set.
local bodies = {}
local accounts = tonumber(os.getenv("BENCH_ACCOUNTS") or "10000")
local hot = os.getenv("BENCH_HOT_ACCOUNT")
local i = 0

for line in io.lines(os.getenv("BENCH_BODIES")) do
  bodies[#bodies + 1] = line
end

request = function()
  i = i + 1
  local account = hot or ("bench-" .. math.random(accounts))
  return wrk.format("POST", "/v1/messages", {
    ["content-type"] = "application/json",
    ["x-account-id"] = account,
    ["x-account-tier"] = "enterprise",
  }, bodies[(i % #bodies) + 1])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH requests=%d non2xx=%d errors=%d\n", summary.requests, e.status,
    e.connect + e.read + e.write + e.timeout))
end
