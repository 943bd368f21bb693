package io.extractionguard.engine.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.memory.LocalRateLimiter;
import io.extractionguard.engine.support.MutableClock;

class LocalRateLimiterTest {

    private final MutableClock clock = MutableClock.at("2026-03-02T00:00:00Z");
    private final LocalRateLimiter limiter = new LocalRateLimiter(clock);
    private final TierLimits tier = new TierLimits("free", 10, 15);

    @Test
    void perMinuteAndPerDayWindowsBothApply() {
        for (int i = 0; i < 10; i++) {
            assertThat(limiter.tryAcquire("a", tier, 1.0).allowed()).isTrue();
        }
        LimitOutcome refused = limiter.tryAcquire("a", tier, 1.0);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfterSeconds()).isBetween(1L, 6L);

        clock.advance(Duration.ofMinutes(2));
        int admitted = 0;
        for (int i = 0; i < 10; i++) {
            admitted += limiter.tryAcquire("a", tier, 1.0).allowed() ? 1 : 0;
        }
        assertThat(admitted).as("the day window leaves about 5").isBetween(5, 6);
    }

    @Test
    void limitFactorTightensTheLimitProportionally() {
        int admitted = 0;
        for (int i = 0; i < 10; i++) {
            admitted += limiter.tryAcquire("b", tier, 0.25).allowed() ? 1 : 0;
        }
        assertThat(admitted).isEqualTo(2);
        assertThat(limiter.wouldAdmit("c", tier, 0.25)).isTrue();
    }

    @Test
    void remainingAndResetAreReportedForHeaders() {
        LimitOutcome first = limiter.tryAcquire("d", tier, 1.0);
        assertThat(first.limit()).isEqualTo(10);
        assertThat(first.windowSeconds()).isEqualTo(60);
        assertThat(first.remaining()).isEqualTo(9);
        assertThat(first.resetSeconds()).isBetween(1L, 60L);
    }

    @Test
    void headersReportTheDayWindowOnceItIsTheBindingOne() {
        for (int i = 0; i < 10; i++) {
            limiter.tryAcquire("g", tier, 1.0);
        }
        clock.advance(Duration.ofMinutes(5)); // minute window full again, day window has 5 left
        LimitOutcome o = limiter.tryAcquire("g", tier, 1.0);
        assertThat(o.windowSeconds()).isEqualTo(86_400);
        assertThat(o.limit()).isEqualTo(15);
        assertThat(o.remaining()).isBetween(4L, 5L);
    }

    @Test
    void policyChangeReconfiguresExistingBuckets() {
        for (int i = 0; i < 10; i++) {
            limiter.tryAcquire("e", tier, 1.0);
        }
        assertThat(limiter.tryAcquire("e", tier, 1.0).allowed()).isFalse();
        TierLimits raised = new TierLimits("free", 100, 1000);
        assertThat(limiter.tryAcquire("e", raised, 1.0).limit()).isEqualTo(100);
    }

    @Test
    void unlimitedTierIsNeverRefused() {
        TierLimits unlimited = new TierLimits("enterprise", 0, 0);
        for (int i = 0; i < 1000; i++) {
            assertThat(limiter.tryAcquire("f", unlimited, 0.01).allowed()).isTrue();
        }
    }
}
