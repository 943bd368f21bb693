package io.extractionguard.engine.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.features.RequestFeatures;
import io.extractionguard.engine.memory.InMemoryStateStore;
import io.extractionguard.engine.memory.SingleThreadedStateStore;
import io.extractionguard.engine.support.MutableClock;

class SingleThreadedStateStoreTest {

    private static final InMemoryStateStore.Settings SETTINGS =
            new InMemoryStateStore.Settings(10_000, Duration.ofMinutes(10));

    /**
     * The replay's store must answer exactly as the Caffeine-backed store does (below the size
     * bound): random observes, peeks, usage, verdict puts (including over a live verdict), reads
     * and clears across idle expiry and verdict expiry.
     */
    @Test
    void answersLikeTheInMemoryStoreAcrossIdleAndVerdictExpiry() {
        MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");
        InMemoryStateStore caffeine = new InMemoryStateStore(clock, SETTINGS);
        SingleThreadedStateStore plain = new SingleThreadedStateStore(clock, SETTINGS);
        Random random = new Random(11);
        int expiredVerdictReads = 0;
        for (int step = 0; step < 20_000; step++) {
            clock.advance(Duration.ofMillis(random.nextInt(random.nextInt(20) == 0 ? 900_000 : 30_000)));
            Instant now = clock.instant();
            String account = "acct-" + random.nextInt(40);
            switch (random.nextInt(6)) {
                case 0 -> {
                    var features = new RequestFeatures(null, random.nextInt(3), random.nextInt(4), random.nextBoolean(),
                            random.nextInt(8000), random.nextInt(3), random.nextInt(500), random.nextBoolean());
                    var o = new Observation(now.toEpochMilli(), features, random.nextDouble());
                    assertThat(plain.observe(account, o, 0.1)).isEqualTo(caffeine.observe(account, o, 0.1));
                }
                case 1 -> assertThat(plain.peek(account, now, 0.1)).isEqualTo(caffeine.peek(account, now, 0.1));
                case 2 -> {
                    long in = random.nextInt(1000);
                    long out = random.nextInt(1000);
                    plain.recordUsage(account, now.toEpochMilli(), in, out);
                    caffeine.recordUsage(account, now.toEpochMilli(), in, out);
                }
                case 3 -> {
                    Verdict v = new Verdict(Verdict.Kind.values()[random.nextInt(3)],
                            now.plusSeconds(random.nextInt(1200) - 60), "test", List.of("r"), null);
                    plain.putVerdict(account, v);
                    caffeine.putVerdict(account, v);
                }
                case 4 -> {
                    var expected = caffeine.verdict(account, now);
                    assertThat(plain.verdict(account, now)).isEqualTo(expected);
                    if (expected.isEmpty()) {
                        expiredVerdictReads++;
                    }
                }
                default -> assertThat(plain.clearVerdict(account, now)).isEqualTo(caffeine.clearVerdict(account, now));
            }
        }
        assertThat(expiredVerdictReads).isGreaterThan(100); // the expiry paths were exercised
    }
}
