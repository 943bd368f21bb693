package io.extractionguard.engine.memory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;

import io.extractionguard.engine.spi.ChallengeLedger;
import io.extractionguard.engine.state.ClockTicker;

/** A {@link ChallengeLedger} in process memory; entries expire on the injected clock. */
public final class InMemoryChallengeLedger implements ChallengeLedger {

    private record Pass(int remaining, Instant expiresAt) {
    }

    private final Clock clock;
    private final Cache<String, Instant> redeemed;
    private final Cache<String, Pass> passes;

    public InMemoryChallengeLedger(Clock clock) {
        this.clock = clock;
        this.redeemed = Caffeine.newBuilder()
                .ticker(ClockTicker.of(clock))
                .maximumSize(5_000_000)
                .expireAfter(Expiry.<String, Instant>creating((k, until) -> untilNow(until)))
                .executor(Runnable::run)
                .build();
        this.passes = Caffeine.newBuilder()
                .ticker(ClockTicker.of(clock))
                .maximumSize(1_000_000)
                .expireAfter(Expiry.<String, Pass>writing((k, p) -> untilNow(p.expiresAt())))
                .executor(Runnable::run)
                .build();
    }

    private Duration untilNow(Instant until) {
        Duration d = Duration.between(clock.instant(), until);
        return d.isNegative() ? Duration.ZERO : d;
    }

    @Override
    public boolean redeem(String nonce, Instant expiresAt) {
        return redeemed.asMap().putIfAbsent(nonce, expiresAt) == null;
    }

    @Override
    public void grantPass(String accountId, int requests, Instant expiresAt) {
        passes.put(accountId, new Pass(requests, expiresAt));
    }

    @Override
    public boolean consumePass(String accountId, Instant now) {
        return consumePasses(accountId, now, 1);
    }

    @Override
    public boolean consumePasses(String accountId, Instant now, int requests) {
        boolean[] consumed = {false};
        passes.asMap().computeIfPresent(accountId, (k, p) -> {
            if (!now.isBefore(p.expiresAt()) || p.remaining() <= 0) {
                return null;
            }
            if (p.remaining() < requests) {
                return p; // all or none: a batch larger than what is left takes nothing
            }
            consumed[0] = true;
            return p.remaining() == requests ? null : new Pass(p.remaining() - requests, p.expiresAt());
        });
        return consumed[0];
    }
}
