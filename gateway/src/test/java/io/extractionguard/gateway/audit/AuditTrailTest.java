package io.extractionguard.gateway.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.redisson.api.RedissonClient;

import io.extractionguard.engine.audit.AuditVerifier;
import io.extractionguard.gateway.state.redis.RedisAuditCheckpoints;
import io.extractionguard.gateway.state.redis.RedisKeys;
import io.extractionguard.gateway.support.AuditFiles;
import io.extractionguard.gateway.support.TestRedis;
import io.extractionguard.gateway.config.GuardProperties;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

class AuditTrailTest {

    @TempDir
    Path dir;

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private final RecentAuditCheckpoints published = new RecentAuditCheckpoints();

    private AuditTrail trail(Path file, double sampleRate, int capacity) {
        return trail(file, sampleRate, capacity, published);
    }

    private AuditTrail trail(Path file, double sampleRate, int capacity, AuditCheckpoints checkpoints) {
        return new AuditTrail(new GuardProperties.Audit(true, file.toString(), sampleRate, capacity, "", Duration.ofSeconds(10),
                false), "gw-test", checkpoints, Clock.systemUTC(), meters);
    }


    @Test
    void decisionsAndOperatorRecordsFormOneVerifiableChainAcrossRestarts() throws Exception {
        Path file = dir.resolve("sub/audit.jsonl");
        AuditTrail first = trail(file, 1.0, 100);
        first.start();
        assertThat(first.sampleDecision()).isTrue();
        first.decision("{\"account\":\"a\",\"action\":\"ALLOW\"}");
        first.record("operator", "{\"actor\":\"alice\",\"action\":\"block\",\"account\":\"b\",\"reason\":\"ticket 7\"}");
        first.stop();

        AuditTrail second = trail(file, 1.0, 100);
        second.start();
        second.record("policy", "{\"outcome\":\"applied\",\"version\":\"v2\"}");
        second.stop();

        AuditVerifier.Result result = AuditFiles.verifier(file).verify(file, published.read(), null);
        assertThat(result.intact()).as(result.toString()).isTrue();
        assertThat(result.records()).isEqualTo(3);
        assertThat(result.anchor()).startsWith("from genesis; anchored to record 3");
        assertThat(Files.readAllLines(file)).extracting(l -> l.substring(0, l.indexOf(",\"ts\"")))
                .containsExactlyInAnyOrder("{\"seq\":1", "{\"seq\":2", "{\"seq\":3");
    }

    @Test
    void aTruncatedTailIsSetAsideAndANewChainStarts() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        Files.writeString(file, "{\"seq\":1,\"ts\":\"2026-01-01T00:00:00Z\",\"replica\":\"x\",\"kin");
        AuditTrail trail = trail(file, 0, 100);
        trail.start();
        trail.record("operator", "{\"action\":\"release\"}");
        trail.stop();
        assertThat(AuditFiles.verifier(file).verify(file).intact()).isTrue();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("audit.jsonl.broken-"));
        }
    }

    @Test
    void checkpointsInRedisExposeACutTailAndAnOldCopyOfTheFile() throws Exception {
        String url = TestRedis.shared();
        String prefix = TestRedis.uniquePrefix("audit");
        RedissonClient client = TestRedis.client(url);
        try {
            RedisAuditCheckpoints redis = new RedisAuditCheckpoints(client, new RedisKeys(prefix), Duration.ofSeconds(2));
            Path file = dir.resolve("redis/audit.jsonl");
            AuditTrail trail = trail(file, 1.0, 100, redis);
            trail.start();
            for (int i = 0; i < 5; i++) {
                trail.record("operator", "{\"action\":\"block\",\"account\":\"a" + i + "\"}");
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> redis.read().stream().anyMatch(c -> c.seq() == 5));
            byte[] oldCopy = Files.readAllBytes(file);
            trail.record("policy", "{\"outcome\":\"applied\",\"version\":\"v3\"}");
            trail.stop(); // a final checkpoint at record 6

            AuditVerifier verifier = AuditFiles.verifier(file);
            assertThat(verifier.verify(file, redis.read(), null).intact()).isTrue();
            List<String> lines = Files.readAllLines(file);
            Files.write(file, lines.subList(0, 4));
            assertThat(verifier.verify(file, redis.read(), null).problem())
                    .startsWith("tail cut").contains("reached record 6 but the file ends at record 4");
            Files.write(file, oldCopy);
            assertThat(verifier.verify(file, redis.read(), null).problem()).contains("the file ends at record 5");
        } finally {
            client.shutdown();
            TestRedis.deleteKeys(url, prefix);
        }
    }

    @Test
    void decisionsAreNotSampledAtRateZeroAndOverflowIsCountedNotBlocking() throws Exception {
        AuditTrail trail = trail(dir.resolve("a.jsonl"), 0.0, 1);
        assertThat(trail.sampleDecision()).isFalse();
        // not started: nothing drains the one-slot queue, so the second offer overflows immediately
        trail.decision("{}");
        long before = System.nanoTime();
        trail.decision("{}");
        assertThat(System.nanoTime() - before).isLessThan(Duration.ofSeconds(1).toNanos());
        assertThat(meters.get("guard.audit.dropped").counter().count()).isEqualTo(1.0);
    }
}
