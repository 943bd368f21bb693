package io.extractionguard.engine.state;

import java.time.Clock;
import java.time.Instant;

import com.github.benmanes.caffeine.cache.Ticker;

/** Adapts the engine's {@link Clock} to Caffeine's {@link Ticker} so caches expire on injected time. */
public final class ClockTicker {

    private ClockTicker() {
    }

    public static Ticker of(Clock clock) {
        return () -> {
            Instant now = clock.instant();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        };
    }
}
