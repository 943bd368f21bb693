package io.extractionguard.gateway.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.extractionguard.demo.DemoBackend;
import io.extractionguard.demo.DemoBackendSettings;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.gateway.support.TestRedis;

/**
 * The CI fault suite, part 2: two gateway replicas (processes of their own) share one Redis under mixed
 * load; replica A is SIGKILLed while it streams an answer. The client of the stream sees it cut (no
 * {@code message_stop}); replica B keeps answering; an operator block issued on A holds on B; and the
 * fleet's evidence converges, per account, with at most what A had not shipped when it died lost. That
 * bound is measured, not guessed: a probe reads A's count of shipped profile batches every 200 ms; when the
 * last count seen is N, batch N was taken after batch N−1 was counted, so every decision A answered before
 * the last probe that still read N−2 or less was shipped. The bound (per account) is A's decisions answered
 * after that probe, plus its requests that got no answer (in flight at the kill; maybe decided). (A fixed window failed here: on this CPU-starved machine A's shipper lagged more than
 * 3 s.) Campaign evidence the same way, with A's count of campaign batches ({@code guard-campaign-sync},
 * one per {@code flush-interval}): the accounts A decided after the last probe that read N−2 or less (and
 * the cut stream's) are excused from "every decided account has campaign records", everything else is
 * checked with bound 0. The probe runs from the start of the traffic; if it saw no usable count (the
 * shipper never counted two batches), the scenario fails as inconclusive rather than excusing all of A.
 * Not checked: the hashes alone — a killed replica's changes not yet durable (its last
 * {@code durable-interval}) are in the stream only (docs/reliability.md, "a killed replica's undurable
 * changes"); the cut stream's token usage.
 */
class ReplicaKilledUnderLoadTest {

    private static final int ACCOUNTS = 120;
    private static final Duration STREAM_INTERVAL = Duration.ofMillis(500);
    private static final Duration DURABLE_INTERVAL = Duration.ofSeconds(2);

    @Test
    void oneOfTwoReplicasKilledMidStreamUnderLoad() throws Exception {
        String prefix = TestRedis.uniquePrefix("faults-kill");
        String admin = "fault-suite-admin-token-0123456789";
        Path dir = Files.createTempDirectory("eg-faults-kill-");
        try (RedisProcess redis = RedisProcess.on().start();
             DemoBackend backend = DemoBackend.start(DemoBackendSettings.DEFAULT.withOutputTokens(64)
                     .withStreaming(1, Duration.ofMillis(150)))) {
            Map<String, String> redisSettings = new LinkedHashMap<>();
            redisSettings.put("guard.state.redis.address", redis.url());
            redisSettings.put("guard.state.redis.key-prefix", prefix);
            redisSettings.put("guard.state.redis.sync.stream-interval", STREAM_INTERVAL.toMillis() + "ms");
            redisSettings.put("guard.state.redis.sync.durable-interval", DURABLE_INTERVAL.toMillis() + "ms");
            redisSettings.put("guard.state.redis.sync.stream-retention", "60s");
            Map<String, String> common = new HashMap<>(redisSettings);
            common.put("guard.upstream-uri", backend.baseUrl());
            common.put("guard.identity.credential-hash-key", "fault-suite-credential-key-0123456789");
            common.put("guard.admin.token", admin);
            common.put("guard.audit.decision-sample-rate", "1.0");
            common.put("guard.decision-log.enabled", "false");
            common.put("guard.policy.path", FaultSupport.policy(dir).toString());
            Map<String, String> a = new HashMap<>(common);
            a.put("guard.audit.path", dir.resolve("audit-a.jsonl").toString());
            Map<String, String> b = new HashMap<>(common);
            b.put("guard.audit.path", dir.resolve("audit-b.jsonl").toString());
            try (GatewayProcess replicaA = new GatewayProcess(dir, "replica-a", a);
                 GatewayProcess replicaB = new GatewayProcess(dir, "replica-b", b)) {
                replicaA.awaitUp(180);
                replicaB.awaitUp(180);
                LoadDriver load = new LoadDriver("replicas-" + System.nanoTime(), ACCOUNTS);
                String blocked = load.account(ACCOUNTS + 1);
                HttpClient http = HttpClient.newHttpClient();
                HttpResponse<String> block = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                + replicaA.managementPort + "/admin/accounts/" + blocked + "/block"))
                        .header("authorization", "Bearer " + admin).header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"ttl\":\"1d\",\"reason\":\"fault suite: must survive\"}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(block.statusCode()).as(block.body()).isEqualTo(200);

                Thread traffic = load.start(Duration.ofSeconds(14), 4,
                        t -> (t == 0 ? replicaA : replicaB).url("/v1/messages"), 2);
                // {probe sent (nanoTime), batches A counted}: its profile stream batches, its campaign batches
                List<long[]> shippedBatches = new CopyOnWriteArrayList<>();
                List<long[]> campaignBatches = new CopyOnWriteArrayList<>();
                AtomicBoolean killed = new AtomicBoolean();
                Thread probe = Thread.ofPlatform().start(() -> {
                    while (!killed.get()) {
                        long sent = System.nanoTime();
                        double n = FaultSupport.metric(replicaA.managementPort, "guard_state_profile_stream_batches_total");
                        double c = FaultSupport.metric(replicaA.managementPort, "guard_campaign_sync_batches_total");
                        if (!killed.get() && n > 0) {
                            shippedBatches.add(new long[]{sent, (long) n});
                        }
                        if (!killed.get() && c > 0) {
                            campaignBatches.add(new long[]{sent, (long) c});
                        }
                        FaultSupport.sleep(200);
                    }
                });
                FaultSupport.sleep(5000); // most of A's decisions fall before the bound's window
                String streamed = load.account(ACCOUNTS + 2);
                AtomicInteger streamStatus = new AtomicInteger();
                AtomicInteger deltas = new AtomicInteger();
                AtomicInteger stops = new AtomicInteger();
                AtomicLong firstDelta = new AtomicLong();
                Thread stream = Thread.ofPlatform().start(() -> readStream(http, replicaA.url("/v1/messages"), streamed,
                        streamStatus, deltas, stops, firstDelta));
                await().atMost(Duration.ofSeconds(20)).until(() -> firstDelta.get() != 0);
                FaultSupport.sleep(1000);
                long shippedByA = (long) FaultSupport.metric(replicaA.managementPort, "guard_campaign_sync_shipped_total");
                long killedAt = System.nanoTime();
                killed.set(true);
                replicaA.kill();
                probe.join();
                stream.join(10_000);
                traffic.join();

                assertThat(streamStatus.get()).as("the stream began").isEqualTo(200);
                assertThat(deltas.get()).as("some deltas arrived before the kill").isPositive();
                assertThat(stops.get()).as("a cut stream has no message_stop: the client can tell").isZero();
                assertThat(load.errorsByTarget.getOrDefault(1, new AtomicLong()).get()).as("replica B: no socket errors").isZero();
                FaultSupport.onlyDocumentedErrors(load);
                assertThat(FaultSupport.health(replicaB.managementPort)).contains("\"status\":\"UP\"");
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> FaultSupport.metric(replicaB.managementPort, "guard_campaign_sync_pending") == 0);
                shippedTwice(http, replicaB); // B's last decisions are in the stream
                HttpResponse<Void> onB = http.send(HttpRequest.newBuilder(URI.create(replicaB.url("/v1/messages")))
                        .header("content-type", "application/json").header("x-account-id", blocked)
                        .POST(HttpRequest.BodyPublishers.ofString(String.format(LoadDriver.PLAIN, 1))).build(),
                        HttpResponse.BodyHandlers.discarding());
                assertThat(onB.statusCode()).as("the operator block issued on A holds on B").isEqualTo(403);
                shippedTwice(http, replicaB);

                long shippedBefore = takenBefore(shippedBatches, "profile stream");
                Map<String, Long> bound = load.decidedBy(0, shippedBefore, killedAt);
                bound.merge(streamed, 1L, Long::sum); // A decided it as the stream began: counted below, not in the load
                long flushedBefore = takenBefore(campaignBatches, "campaign");
                Set<String> unflushed = new TreeSet<>(load.decidedBy(0, flushedBefore, killedAt).keySet());
                unflushed.add(streamed); // A decided it before the window; its records may be noted only as the answer ends
                Ledger ledger = load.ledger(new Ledger().audit(load::mine, dir.resolve("audit-a.jsonl"),
                        dir.resolve("audit-b.jsonl")));
                ledger.client(streamed, 1, 1, "enterprise");
                ledger.client(blocked, 1, 0, "enterprise");
                long shipped = shippedByA + (long) FaultSupport.metric(replicaB.managementPort, "guard_campaign_sync_shipped_total");
                String clients = load.report() + "; A: " + load.statuses(0) + " + " + load.errorsByTarget.get(0)
                        + " refused after the kill, B: " + load.statuses(1) + "; the stream: 200, " + deltas.get()
                        + " deltas, no message_stop";
                FaultSupport.converged("replica-killed-mid-stream (2 replicas)", clients,
                        "B health UP; A's operator block 403 on B", redisSettings, ledger,
                        Map.of(blocked, Verdict.Kind.BLOCK), shipped, false,
                        new ConvergenceCheck.Bounds(bound, Map.of(), 0, unflushed, load.refillSeconds(), String.format(
                                "A's decisions after its last shipped batch but one: its last %.1f s (%d over %d accounts); "
                                        + "campaign: A's accounts after its last campaign batch but one: its last %.1f s "
                                        + "(%d accounts excused)",
                                (killedAt - shippedBefore) / 1e9, sum(bound), bound.size(),
                                (killedAt - flushedBefore) / 1e9, unflushed.size())));
            }
        }
    }

    /**
     * Waits until {@code replica} has counted two more shipped profile batches (a request of an account
     * outside the ledger before each, so there is something to ship): the second batch was taken after the
     * first was counted, i.e. after every decision made before this call (a starved shipper lags).
     */
    private static void shippedTwice(HttpClient http, GatewayProcess replica) throws Exception {
        double start = FaultSupport.metric(replica.managementPort, "guard_state_profile_stream_batches_total");
        for (int i = 1; i <= 2; i++) {
            http.send(HttpRequest.newBuilder(URI.create(replica.url("/v1/messages")))
                    .header("content-type", "application/json").header("x-account-id", "probe-" + System.nanoTime())
                    .POST(HttpRequest.BodyPublishers.ofString(String.format(LoadDriver.PLAIN, i))).build(),
                    HttpResponse.BodyHandlers.discarding());
            double target = start + i;
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                    FaultSupport.metric(replica.managementPort, "guard_state_profile_stream_batches_total") >= target);
        }
    }

    /**
     * When the probe's samples end at count N: the time of the last probe that read N−2 or less — batch N was
     * taken after batch N−1 was counted, hence after that probe, and was counted itself, so everything A decided
     * before that probe was sent. No such sample (the sender never counted two batches while probed):
     * inconclusive, the scenario fails rather than excusing all of A's decisions.
     */
    private static long takenBefore(List<long[]> samples, String what) {
        long lastCount = samples.stream().mapToLong(sample -> sample[1]).max().orElse(0);
        var before = samples.stream().filter(sample -> sample[1] <= lastCount - 2).mapToLong(sample -> sample[0]).max();
        assertThat(before).as("inconclusive: the probe saw no usable count of A's " + what + " batches (" + samples.size()
                + " samples, last count " + lastCount + ")").isPresent();
        return before.getAsLong();
    }

    private static long sum(Map<String, Long> counts) {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    private static void readStream(HttpClient http, String url, String account, AtomicInteger status,
                                   AtomicInteger deltas, AtomicInteger stops, AtomicLong firstDelta) {
        try {
            HttpResponse<java.io.InputStream> r = http.send(HttpRequest.newBuilder(URI.create(url))
                    .header("content-type", "application/json").header("x-account-id", account)
                    .header("x-account-tier", "enterprise")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"max_tokens\":64,\"stream\":true,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"tell me a story\"}]}")).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            status.set(r.statusCode());
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (line.contains("content_block_delta")) {
                        deltas.incrementAndGet();
                        firstDelta.compareAndSet(0, System.nanoTime());
                    }
                    if (line.contains("message_stop")) {
                        stops.incrementAndGet();
                    }
                }
            }
        } catch (Exception e) {
            // the cut: the connection closes (or resets) mid-stream
        }
    }
}
