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
                assertThat(StoredProfiles.stored(client, replicas.prefix, account).totalRequests()).isEqualTo(50));
    }

    @Test
    void twoReplicasWritingOneAccountConcurrentlyKeepOneRecordThatCountsEveryChange() {
        RedisState sa = replicas.start();
        RedisStateStore a = sa.store();
        RedisStateStore b = replicas.start().store();
        String account = "acct-concurrent";
        long t = System.currentTimeMillis();
        for (int i = 0; i < 60; i++) {
            (i % 2 == 0 ? a : b).observe(account, observation(t + i * 50L, i), 4);
            sleep(15); // many small intervals: both replicas write the account's record again and again
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(total(a, account)).isEqualTo(60);
            assertThat(StoredProfiles.stored(sa.client(), replicas.prefix, account).totalRequests()).isEqualTo(60);
        });
        long gen = StoredProfiles.generationNow();
        assertThat(StoredProfiles.bucket(sa.client(), replicas.prefix, account, gen).size())
                .as("one field: the account's record").isEqualTo(1);
        double written = replicas.meters.get(0).counter("guard.state.profile_records.written").count()
                + replicas.meters.get(1).counter("guard.state.profile_records.written").count();
        assertThat(written).as("both replicas wrote it many times").isGreaterThan(10);
    }

    @Test
    void bucketKeysExpireAtTheEndOfTheNextGenerationAndARecreatedKeyGetsItsExpiryBack() {
        RedisState sa = replicas.start();
        RedisStateStore a = sa.store();
        String account = "acct-expiry";
        long gen = StoredProfiles.generationNow();
        RMap<byte[], byte[]> bucket = StoredProfiles.bucket(sa.client(), replicas.prefix, account, gen);
        long t = System.currentTimeMillis();
        a.observe(account, observation(t, 0), 4);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(StoredProfiles.stored(sa.client(), replicas.prefix, account).totalRequests()).isEqualTo(1));
        long expected = (gen + 2) * StoredProfiles.GENERATION_MILLIS - System.currentTimeMillis();
        assertThat(bucket.remainTimeToLive()).as("expires at the end of the next generation")
                .isBetween(expected - 60_000, expected + 60_000);

        bucket.delete(); // gone (deleted by an operator) while the replica thinks its expiry is set
        a.observe(account, observation(t + 50, 1), 4);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(StoredProfiles.stored(sa.client(), replicas.prefix, account).totalRequests()).isEqualTo(2));
        assertThat(bucket.remainTimeToLive()).as("re-created without expiry until a seventh of the generation passed")
                .isEqualTo(-1);
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
    void aRecordHoldingANewerBuildsCountersIsReadButNotOverwritten() {
        RedisState sa = replicas.start();
        String account = "acct-newer";
        long t = System.currentTimeMillis();
        byte[] newer = DurableRecord.encode(new AccountProfile(), java.util.Map.of()); // "1;;" + blob
        byte[] record = new byte[3 + newerBuildRecord(t).length];
        System.arraycopy(newer, 0, record, 0, 3);
        System.arraycopy(newerBuildRecord(t), 0, record, 3, record.length - 3);
        RMap<byte[], byte[]> bucket = StoredProfiles.bucket(sa.client(), replicas.prefix, account, StoredProfiles.generationNow());
        bucket.fastPut(account.getBytes(java.nio.charset.StandardCharsets.UTF_8), record);
        RedisStateStore a = sa.store();
        RedisStateStore b = replicas.start().store();
        for (int i = 0; i < 40; i++) {
            (i % 2 == 0 ? a : b).observe(account, observation(t + i * 50L, i), 4);
            sleep(15);
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(total(a, account)).as("the newer record's requests count here too").isEqualTo(47);
            assertThat(replicas.meters.get(0).counter("guard.state.compactions.skipped.newer_format").count()
                    + replicas.meters.get(1).counter("guard.state.compactions.skipped.newer_format").count())
                    .isGreaterThan(0);
        });
        assertThat(StoredProfiles.raw(sa.client(), replicas.prefix, account)).as("left for the newer build to write")
                .isEqualTo(record);
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
    void aFullProfileRecordTakesUnderAKibibyteInRedis() {
        RedisState s = replicas.start();
        String account = "acct-size";
        long t = System.currentTimeMillis();
        for (int i = 0; i < 200; i++) {
            s.store().observe(account, observation(t + i * 700L, i), 4);
            if (i % 20 == 0) {
                sleep(30);
            }
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(StoredProfiles.stored(s.client(), replicas.prefix, account).totalRequests()).isEqualTo(200));
        byte[] raw = StoredProfiles.raw(s.client(), replicas.prefix, account);
        RMap<byte[], byte[]> bucket = StoredProfiles.bucket(s.client(), replicas.prefix, account, StoredProfiles.generationNow());
        assertThat(bucket.size()).isEqualTo(1);
        assertThat(raw.length).as("the record").isLessThanOrEqualTo(1024);
        assertThat(bucket.sizeInMemory()).as("MEMORY USAGE of a bucket holding only it").isLessThanOrEqualTo(1024 + 200);
    }

    @Test
    void anUndecodableRecordIsSkippedAndCountedAndTheAccountStillWorks() {
        RedisState s = replicas.start();
        String account = "acct-corrupt";
        StoredProfiles.bucket(s.client(), replicas.prefix, account, StoredProfiles.generationNow())
                .fastPut(account.getBytes(java.nio.charset.StandardCharsets.UTF_8), new byte[] {1, 2, 3});
        RedisStateStore other = replicas.start().store();
        other.observe(account, observation(System.currentTimeMillis(), 1), 4);
        await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> assertThat(total(other, account)).isEqualTo(1));
        assertThat(replicas.meters.get(1).counter("guard.state.decode.errors").count()).isPositive();
        await().atMost(Duration.ofSeconds(3)).untilAsserted(() ->
                assertThat(StoredProfiles.stored(s.client(), replicas.prefix, account).totalRequests()).isEqualTo(1));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
