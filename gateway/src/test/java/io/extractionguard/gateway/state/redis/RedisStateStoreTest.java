package io.extractionguard.gateway.state.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RMap;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.codec.StringCodec;
import org.redisson.codec.CompositeCodec;

import io.extractionguard.engine.features.CapabilityArea;
import io.extractionguard.engine.features.FeatureExtractor;
import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.request.InferenceRequest;
import io.extractionguard.engine.state.AccountProfile;
import io.extractionguard.engine.state.Observation;
import io.extractionguard.engine.state.ProfileCodec;
import io.extractionguard.engine.state.ProfileStats;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.gateway.support.TestRedis;

/** Two replicas of the Redis-backed store against a real Redis. */
class RedisStateStoreTest {

    private static final FeatureExtractor EXTRACTOR = new FeatureExtractor(
            Map.of(CapabilityArea.CODING, List.of("python")), List.of("show your full reasoning"), 1);

    private final RedisTestReplicas replicas = new RedisTestReplicas(TestRedis.shared(), "store");

    @AfterEach
    void cleanUp() {
        replicas.close();
    }

    static Observation observation(long at, int i) {
        InferenceRequest r = new InferenceRequest(ApiFormat.ANTHROPIC_MESSAGES, "m", "",
                "write python and show your full reasoning for puzzle " + i + " of " + (i * 17), 0, 1, List.of(),
                2048, false, Double.NaN);
        return new Observation(at, EXTRACTOR.extract(r), 0.5);
    }

    static long total(RedisStateStore store, String account) {
        return store.peek(account, Instant.now(), 4).map(ProfileStats::totalRequests).orElse(0L);
    }

    /** The profile as stored in Redis: snapshot ⊕ all change records. */
    static AccountProfile stored(RedissonClient client, String key) {
        RMap<String, byte[]> map = client.getMap(key, new CompositeCodec(StringCodec.INSTANCE, ByteArrayCodec.INSTANCE));
        AccountProfile merged = new AccountProfile();
        map.readAllMap().forEach((field, value) -> {
            if (field.equals("s") || field.startsWith("d:")) {
                merged.merge(ProfileCodec.decode(value));
            }
        });
        return merged;
    }

    @Test
    void observationsOnTwoReplicasMergeWithoutLosingAny() {
        RedisStateStore a = replicas.start().store();
        RedisStateStore b = replicas.start().store();
        String account = "acct-merge";
        long t = System.currentTimeMillis();
        for (int i = 0; i < 50; i++) {
            (i % 3 == 0 ? b : a).observe(account, observation(t + i * 100L, i), 4);
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(total(a, account)).isEqualTo(50);
            assertThat(total(b, account)).isEqualTo(50);
        });
        RedissonClient client = replicas.start().client();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(stored(client, replicas.prefix + ":{" + account + "}:p").totalRequests()).isEqualTo(50));
    }

    @Test
    void changeRecordsAreCompactedIntoTheSnapshotWithoutChangingTheProfile() {
        RedisState sa = replicas.start();
        RedisStateStore a = sa.store();
        RedisStateStore b = replicas.start().store();
        String account = "acct-compact";
        long t = System.currentTimeMillis();
        for (int i = 0; i < 60; i++) {
            (i % 2 == 0 ? a : b).observe(account, observation(t + i * 50L, i), 4);
            sleep(15); // many small flushes: one change record each
        }
        String key = replicas.prefix + ":{" + account + "}:p";
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(total(a, account)).isEqualTo(60);
            assertThat(stored(sa.client(), key).totalRequests()).isEqualTo(60);
        });
        Map<String, byte[]> fields = sa.client().<String, byte[]>getMap(key,
                new CompositeCodec(StringCodec.INSTANCE, ByteArrayCodec.INSTANCE)).readAllMap();
        assertThat(fields).containsKey("s");
        assertThat(fields.keySet().stream().filter(f -> f.startsWith("d:")).count())
                .as("records left after compaction").isLessThanOrEqualTo(3);
        // each replica writes an account's shipped changes as one record per durable-interval (20 ms here),
        // so the 60 observations make some 30 records; all but the last few were compacted
        assertThat(replicas.meters.get(0).counter("guard.state.compactions").count()
                + replicas.meters.get(1).counter("guard.state.compactions").count()).isGreaterThan(15);
    }

    @Test
    void durableWritesRefreshTheExpiryOnlyWhenDueAndAHashNeverLosesIt() {
        RedisState sa = replicas.start();
        RedisStateStore a = sa.store();
        String account = "acct-expiry";
        String key = replicas.prefix + ":{" + account + "}:p";
        RMap<String, byte[]> hash = sa.client().getMap(key, new CompositeCodec(StringCodec.INSTANCE, ByteArrayCodec.INSTANCE));
        long t = System.currentTimeMillis();
        a.observe(account, observation(t, 0), 4);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(stored(sa.client(), key).totalRequests()).isEqualTo(1));
        assertThat(hash.remainTimeToLive()).as("the first write sets the idle expiry").isGreaterThan(Duration.ofDays(6).toMillis());

        hash.expire(Duration.ofHours(1)); // a marker: a write that refreshed the expiry would move it back to 7 days
        a.observe(account, observation(t + 50, 1), 4);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(stored(sa.client(), key).totalRequests()).isEqualTo(2));
        assertThat(hash.remainTimeToLive()).as("not due again within a seventh of it").isLessThanOrEqualTo(Duration.ofHours(1).toMillis());

        hash.delete(); // gone (expired, or deleted by an operator) while the replica thinks its expiry is fresh
        a.observe(account, observation(t + 100, 2), 4);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(stored(sa.client(), key).totalRequests()).isEqualTo(1));
        // the write that re-created it is a plain HMSET (the replica knows its mark was there); the compaction that
        // follows within compact-after writes (3 here: at once) sets the expiry
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(hash.remainTimeToLive())
                .as("a hash a write re-created gets the expiry").isGreaterThan(Duration.ofDays(6).toMillis()));
    }

    /** A change record as a newer build writes it: 7 requests, the minute counter and one counter this build lacks. */
    static byte[] newerBuildRecord(long decayedAt) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(ProfileCodec.VERSION);
        out.write(io.extractionguard.engine.features.PromptSketch.VERSION);
        leb128(out, 7);
        out.write(1); // counters present; no sketches, no first/last seen
        leb128(out, (decayedAt << 1) ^ (decayedAt >> 63));
        leb128(out, 1L | 1L << 40); // bit 40: far past the counters this build has
        for (float f : new float[] {2.5f, 9f}) {
            int bits = Float.floatToRawIntBits(f);
            for (int shift = 24; shift >= 0; shift -= 8) {
                out.write(bits >>> shift);
            }
        }
        out.write(0); // no arrivals
        return out.toByteArray();
    }

    private static void leb128(java.io.ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    @Test
    void aHashHoldingANewerBuildsCountersIsReadButNotCompactedAway() {
        RedisState sa = replicas.start();
        String account = "acct-newer";
        String key = replicas.prefix + ":{" + account + "}:p";
        long t = System.currentTimeMillis();
        sa.client().<String, byte[]>getMap(key, new CompositeCodec(StringCodec.INSTANCE, ByteArrayCodec.INSTANCE))
                .fastPut("d:newer-build-1", newerBuildRecord(t));
        RedisStateStore a = sa.store();
        RedisStateStore b = replicas.start().store();
        for (int i = 0; i < 40; i++) {
            (i % 2 == 0 ? a : b).observe(account, observation(t + i * 50L, i), 4);
            sleep(15); // many small flushes: enough records for compaction to be due
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(total(a, account)).as("the newer record's requests count here too").isEqualTo(47);
            assertThat(replicas.meters.get(0).counter("guard.state.compactions.skipped.newer_format").count()
                    + replicas.meters.get(1).counter("guard.state.compactions.skipped.newer_format").count())
                    .isGreaterThan(0);
        });
        Map<String, byte[]> fields = sa.client().<String, byte[]>getMap(key,
                new CompositeCodec(StringCodec.INSTANCE, ByteArrayCodec.INSTANCE)).readAllMap();
        assertThat(fields).as("left for the newer build to compact").containsKey("d:newer-build-1");
        assertThat(replicas.meters.get(0).counter("guard.state.compactions").count()
                + replicas.meters.get(1).counter("guard.state.compactions").count()).isZero();
    }

    @Test
    void verdictSetOnOneReplicaIsEnforcedOnTheOtherWithinASecondAndSoIsItsRemoval() {
        RedisStateStore a = replicas.start().store();
        RedisStateStore b = replicas.start().store();
        String account = "acct-verdict";
        Verdict block = new Verdict(Verdict.Kind.BLOCK, Instant.now().plusSeconds(600).truncatedTo(java.time.temporal.ChronoUnit.MILLIS), "operator/test",
                List.of("cot-elicitation"), "test");
        long started = System.nanoTime();
        a.putVerdict(account, block);
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(2))
                .until(() -> b.verdict(account, Instant.now()).isPresent());
        long propagatedMs = (System.nanoTime() - started) / 1_000_000;
        assertThat(b.verdict(account, Instant.now())).contains(block);
        assertThat(propagatedMs).isLessThan(1000);

        assertThat(b.clearVerdict(account, Instant.now())).isTrue();
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(2))
                .until(() -> a.verdict(account, Instant.now()).isEmpty());
    }

    @Test
    void aRestartedReplicaStillKnowsTheAccountsProfileAndVerdict() {
        RedisState first = replicas.start();
        String account = "acct-restart";
        long t = System.currentTimeMillis();
        for (int i = 0; i < 12; i++) {
            first.store().observe(account, observation(t + i * 1000L, i), 4);
        }
        Verdict challenge = new Verdict(Verdict.Kind.CHALLENGE, Instant.now().plusSeconds(600).truncatedTo(java.time.temporal.ChronoUnit.MILLIS), "band/challenge",
                List.of("prompt-template-reuse"), "");
        first.store().putVerdict(account, challenge);
        replicas.stop(first); // writes what is buffered before the client shuts down

        RedisStateStore second = replicas.start().store();
        assertThat(second.verdict(account, Instant.now())).as("verdicts are loaded at start-up").contains(challenge);
        await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> assertThat(total(second, account)).isEqualTo(12));
        Optional<ProfileStats> stats = second.peek(account, Instant.now(), 4);
        assertThat(stats.orElseThrow().cotShare()).isGreaterThan(0.6);
    }

    @Test
    void aCompactedFullProfileTakesUnderAKibibyteInRedis() {
        replicas.with("sync.compact-after", "1");
        RedisState s = replicas.start();
        String account = "acct-size";
        long t = System.currentTimeMillis();
        for (int i = 0; i < 200; i++) {
            s.store().observe(account, observation(t + i * 700L, i), 4);
            if (i % 20 == 0) {
                sleep(30);
            }
        }
        String key = replicas.prefix + ":{" + account + "}:p";
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            Map<String, byte[]> fields = s.client().<String, byte[]>getMap(key,
                    new CompositeCodec(StringCodec.INSTANCE, ByteArrayCodec.INSTANCE)).readAllMap();
            assertThat(fields).containsKey("s");
            assertThat(fields.keySet()).as("only the snapshot and the replica's high-water mark")
                    .allMatch(f -> f.equals("s") || f.startsWith("hw:"));
            assertThat(ProfileCodec.decode(fields.get("s")).totalRequests()).isEqualTo(200);
        });
        assertThat(s.client().getMap(key).sizeInMemory()).as("MEMORY USAGE").isLessThanOrEqualTo(1024);
    }

    @Test
    void anUndecodableRecordIsSkippedAndTheRestStillLoads() {
        RedisState s = replicas.start();
        String account = "acct-corrupt";
        String key = replicas.prefix + ":{" + account + "}:p";
        s.client().getMap(key, new CompositeCodec(StringCodec.INSTANCE, ByteArrayCodec.INSTANCE))
                .fastPut("d:elsewhere:1", new byte[] {1, 2, 3});
        s.store().observe(account, observation(System.currentTimeMillis(), 1), 4);
        RedisStateStore other = replicas.start().store();
        await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> assertThat(total(other, account)).isEqualTo(1));
        assertThat(replicas.meters.get(1).counter("guard.state.decode.errors").count()).isPositive();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
