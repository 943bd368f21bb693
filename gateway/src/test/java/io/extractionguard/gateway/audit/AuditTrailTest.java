package io.extractionguard.gateway.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.extractionguard.engine.audit.AuditVerifier;
import io.extractionguard.gateway.config.GuardProperties;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

class AuditTrailTest {

    @TempDir
    Path dir;

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private AuditTrail trail(Path file, double sampleRate, int capacity) {
        return new AuditTrail(new GuardProperties.Audit(true, file.toString(), sampleRate, capacity), "gw-test",
                Clock.systemUTC(), meters);
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

        AuditVerifier.Result result = new AuditVerifier().verify(file);
        assertThat(result.intact()).as(result.toString()).isTrue();
        assertThat(result.records()).isEqualTo(3);
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
        assertThat(new AuditVerifier().verify(file).intact()).isTrue();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("audit.jsonl.broken-"));
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
