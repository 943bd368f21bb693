package io.extractionguard.gateway.state.redis;

import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;

import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.gateway.support.GatewayInstance;
import io.extractionguard.gateway.support.TestRedis;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * Measures what the Redis store costs (docs/redis.md, "Measured figures"): Redis commands per
 * request in steady state (INFO commandstats deltas), bytes per account (MEMORY USAGE on the real
 * keys) and verdict propagation as recorded by the gateways. Runs two gateway applications against
 * a Redis of its own (so no other traffic pollutes the counters). Not part of the suite:
 *
 * <pre>./mvnw -B -pl policy-engine,loadtest/demo-backend,gateway verify -Dtest=RedisFootprintMeasurement \
 *     -Dguard.measure=true -Dsurefire.failIfNoSpecifiedTests=false</pre>
 * Results are printed ({@code [measure]} lines) and written to {@code gateway/target/redis-measurements.txt}.
 */
@EnabledIfSystemProperty(named = "guard.measure", matches = "true")
class RedisFootprintMeasurement {

    private static final String BODY = "{\"model\":\"m\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"Please write a short python function and explain it, question %d\"}]}";
    private final List<String> report = new ArrayList<>();

    private void out(String format, Object... args) {
        String line = "[measure] " + String.format(format, args);
        System.out.println(line);
        report.add(line);
    }

    @Test
    void measure() throws Exception {
        TestRedis.Owned redis = TestRedis.Owned.start();
        String prefix = "eg";
        URL policy = getClass().getResource("/policies/shared-limits.yaml");
        Map<String, String> props = new java.util.HashMap<>(Map.of("guard.policy.path", Path.of(policy.toURI()).toString()));
        String durable = System.getProperty("guard.measure.durableInterval"); // to measure the durable writes' share
        if (durable != null) {
            props.put("guard.state.redis.sync.durable-interval", durable);
        }
        URI uri = URI.create(redis.url());
        try (GatewayInstance a = GatewayInstance.redis(redis.url(), prefix, props);
             GatewayInstance b = GatewayInstance.redis(redis.url(), prefix, props);
             Jedis jedis = new Jedis(uri.getHost(), uri.getPort())) {
            GatewayInstance[] gateways = {a, b};
            out("setup: 2 gateway applications, own Redis %s, defaults (flush 200ms, profile stream 1s, durable %s, 32 profile buckets, "
                    + "lease 1%% / min 2, large lease 10%% while the bucket is over half full, idle return 60s)", jedis.info("server").lines().filter(l -> l.startsWith("redis_version"))
                    .findFirst().orElse("?"), durable == null ? "120s" : durable);

            // Phase 0: no traffic: what the replicas send by themselves (connection pings, heartbeat probes)
            jedis.configResetStat();
            Thread.sleep(10_000);
            Map<String, Long> idle = commandStats(jedis);
            out("background with no traffic: %.1f commands/s %s", idle.values().stream().mapToLong(Long::longValue).sum()
                    / 10.0, idle);

            // Phase L: the bench's shape: many light accounts (one request every 3 s each, far under the limit).
            steady(jedis, gateways, 600, Duration.ofMillis(5), Duration.ofSeconds(15), Duration.ofSeconds(30),
                    "600 light accounts x 0.33 req/s, each account alternating between the replicas");
            if (Boolean.getBoolean("guard.measure.lightOnly")) {
                return;
            }

            // Phase 1: many ordinary accounts, 1 request/s each, alternating replicas every second.
            steady(jedis, gateways, 200, Duration.ofMillis(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
                    "200 accounts x 1 req/s, each account alternating between the replicas");
            bytesPerAccount(jedis, prefix);

            // Phase 2: one busy account, 4 req/s (under its 300/min limit), spread over both replicas.
            steady(jedis, gateways, 1, Duration.ofMillis(250), Duration.ofSeconds(5), Duration.ofSeconds(30),
                    "1 account x 4 req/s over both replicas");

            // Verdict hash: bytes per verdict.
            StateStore store = a.bean(StateStore.class);
            long before = memory(jedis, prefix + ":verdicts");
            for (int i = 0; i < 1000; i++) {
                store.putVerdict("acct-verdict-" + i, new Verdict(Verdict.Kind.BLOCK, Instant.now().plusSeconds(3600),
                        "band/block", List.of("cot-elicitation", "prompt-template-reuse"), ""));
            }
            Thread.sleep(1500);
            long after = memory(jedis, prefix + ":verdicts");
            out("verdict hash: %.0f bytes per verdict (MEMORY USAGE of %s:verdicts, 1000 verdicts added)",
                    (after - before) / 1000.0, prefix);
            for (GatewayInstance g : gateways) {
                var timer = g.bean(io.micrometer.core.instrument.MeterRegistry.class).find("guard.state.verdict.propagation")
                        .timer();
                if (timer != null && timer.count() > 0) {
                    out("verdict propagation into a replica (guard.state.verdict.propagation): n=%d mean %.2f ms max %.2f ms",
                            timer.count(), timer.mean(java.util.concurrent.TimeUnit.MILLISECONDS),
                            timer.max(java.util.concurrent.TimeUnit.MILLISECONDS));
                }
            }
        } finally {
            redis.stop();
            Path file = Path.of("target", "redis-measurements.txt");
            Files.write(file, report);
        }
    }

    private static long memory(Jedis jedis, String key) {
        Long m = jedis.memoryUsage(key, 0);
        return m == null ? 0 : m;
    }

    private void steady(Jedis jedis, GatewayInstance[] gateways, int accounts, Duration tick, Duration warmup,
                        Duration measured, String what) {
        WebClient[] clients = {WebClient.create("http://127.0.0.1:" + gateways[0].port()),
                WebClient.create("http://127.0.0.1:" + gateways[1].port())};
        AtomicLong ok = new AtomicLong();
        AtomicLong other = new AtomicLong();
        long ticks = (warmup.toMillis() + measured.toMillis()) / tick.toMillis();
        long warmTicks = warmup.toMillis() / tick.toMillis();
        long[] baseline = new long[1];
        Map<String, Long>[] before = new Map[1];
        Flux.interval(tick).take(ticks).onBackpressureDrop().flatMap(i -> {
            if (i == warmTicks) {
                jedis.configResetStat();
                ok.set(0);
                other.set(0);
                before[0] = Map.of();
                baseline[0] = i;
            }
            int account = (int) (i % accounts);
            long second = i * tick.toMillis() / 1000;
            WebClient client = clients[(int) ((second + account) % 2)];
            return client.post().uri("/v1/messages").header("x-account-id", "acct-" + what.hashCode() + "-" + account)
                    .contentType(MediaType.APPLICATION_JSON).bodyValue(String.format(BODY, i))
                    .exchangeToMono(r -> r.releaseBody().thenReturn(r.statusCode().value()))
                    .doOnNext(s -> (s == 200 ? ok : other).incrementAndGet())
                    .onErrorResume(e -> Mono.empty());
        }, 2048).blockLast(warmup.plus(measured).plusSeconds(30));
        Map<String, Long> calls = commandStats(jedis);
        long requests = ok.get() + other.get();
        long total = calls.values().stream().mapToLong(Long::longValue).sum();
        out("%s: %d requests in %d s (%d answered 200), %d Redis commands = %.2f per request; round trips "
                + "(evalsha+eval+get+set) %.2f per request", what, requests, measured.toSeconds(), ok.get(), total,
                total / (double) requests,
                (calls.getOrDefault("evalsha", 0L) + calls.getOrDefault("eval", 0L) + calls.getOrDefault("get", 0L)
                        + calls.getOrDefault("set", 0L)) / (double) requests);
        List<Map.Entry<String, Long>> sorted = new ArrayList<>(calls.entrySet());
        sorted.sort(Map.Entry.<String, Long>comparingByValue().reversed());
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Long> e : sorted) {
            sb.append(String.format(" %s=%.3f", e.getKey(), e.getValue() / (double) requests));
        }
        out("  per request:%s", sb);
        // The limiter's Bucket4j compare-and-swap is GET + EVALSHA(GET, PSETEX/SET): one psetex/set per CAS.
        long cas = calls.getOrDefault("psetex", 0L) + calls.getOrDefault("set", 0L);
        long limiter = calls.getOrDefault("get", 0L) + 2 * cas;
        long background = calls.getOrDefault("exists", 0L) + calls.getOrDefault("ping", 0L);
        out("  split per request: limiter (get, psetex/set and their evalsha) %.3f; profiles and everything else "
                + "%.3f; heartbeat/pings %.3f", limiter / (double) requests,
                (total - limiter - background) / (double) requests, background / (double) requests);
    }

    /** cmdstat_NAME:calls=N,... → NAME → N (lower case, sub-commands kept as NAME|SUB). */
    private static Map<String, Long> commandStats(Jedis jedis) {
        Map<String, Long> calls = new TreeMap<>();
        for (String line : jedis.info("commandstats").split("\r?\n")) {
            if (!line.startsWith("cmdstat_")) {
                continue;
            }
            String name = line.substring(8, line.indexOf(':'));
            if (name.equals("info") || name.startsWith("config") || name.startsWith("memory") || name.equals("scan")) {
                continue; // the measurement's own commands
            }
            String rest = line.substring(line.indexOf("calls=") + 6);
            calls.put(name, Long.parseLong(rest.substring(0, rest.indexOf(','))));
        }
        return calls;
    }

    private void bytesPerAccount(Jedis jedis, String prefix) {
        List<Long> buckets = new ArrayList<>();
        long profileBytes = 0;
        long records = 0;
        long profileKeys = 0;
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = jedis.scan(cursor, new ScanParams().match(prefix + ":{*").count(1000));
            for (String key : page.getResult()) {
                long bytes = memory(jedis, key);
                if (key.contains("{pd:")) { // a profile bucket: one field per account
                    profileBytes += bytes;
                    records += jedis.hlen(key);
                    profileKeys++;
                } else if (key.contains("}:rl:")) {
                    buckets.add(bytes);
                }
            }
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        Collections.sort(buckets);
        double perRecord = records == 0 ? 0 : profileBytes / (double) records;
        out("bytes per account (MEMORY USAGE SAMPLES 0): profile buckets %d keys, %d records, %.0f bytes per record; "
                        + "rate-limit bucket mean %.0f, max %d; total per account mean %.0f", profileKeys, records, perRecord,
                buckets.stream().mapToLong(Long::longValue).average().orElse(0),
                buckets.isEmpty() ? 0 : buckets.get(buckets.size() - 1),
                perRecord + buckets.stream().mapToLong(Long::longValue).average().orElse(0));
    }
}
