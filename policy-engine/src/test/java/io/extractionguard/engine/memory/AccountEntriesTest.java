package io.extractionguard.engine.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.support.MutableClock;

/** The replay's single-threaded limiter entries answer as the gateway's Caffeine cache does (within the bound). */
class AccountEntriesTest {

    @Test
    void singleThreadedEntriesExpireAndComputeAsCaffeineDoes() {
        MutableClock clock = MutableClock.at("2026-03-02T00:00:00Z");
        Duration idle = Duration.ofMinutes(10);
        AccountEntries<int[]> caffeine = AccountEntries.concurrent(clock, 1_000, idle);
        AccountEntries<int[]> single = AccountEntries.singleThreaded(clock, 1_000, idle);
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 50_000; i++) {
            clock.advance(Duration.ofMillis(random.nextInt(2_000)));
            if (i % 5_000 == 0) {
                clock.advance(idle); // everything idle: gone from both
            }
            String key = "acct-" + random.nextInt(300);
            if (random.nextBoolean()) {
                int[] a = caffeine.getIfPresent(key);
                int[] b = single.getIfPresent(key);
                assertThat(b == null ? null : b[0]).isEqualTo(a == null ? null : a[0]);
            } else {
                // a counter per live entry: a fresh entry starts again at 1, so an expiry missed by one shows
                int[] a = caffeine.compute(key, (k, live) -> live == null ? new int[] {1} : new int[] {live[0] + 1});
                int[] b = single.compute(key, (k, live) -> live == null ? new int[] {1} : new int[] {live[0] + 1});
                assertThat(b[0]).isEqualTo(a[0]);
            }
        }
    }
}
