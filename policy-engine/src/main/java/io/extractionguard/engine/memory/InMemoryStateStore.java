package io.extractionguard.engine.memory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;

import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.engine.state.AccountProfile;
import io.extractionguard.engine.state.ClockTicker;
import io.extractionguard.engine.state.Observation;
import io.extractionguard.engine.state.ProfileStats;
import io.extractionguard.engine.state.Verdict;

/**
 * A {@link StateStore} in process memory, bounded in size and expiring idle accounts. Time for
 * expiry comes from the injected clock, so replay expires accounts on the trace's clock.
 */
public final class InMemoryStateStore implements StateStore {

    /** Sizing of the store. */
    public record Settings(long maxAccounts, Duration idleExpiry) {
        public static final Settings DEFAULT = new Settings(1_000_000, Duration.ofDays(7));
    }

    private final Cache<String, AccountProfile> profiles;
    private final Cache<String, Verdict> verdicts;

    public InMemoryStateStore(Clock clock) {
        this(clock, Settings.DEFAULT);
    }

    public InMemoryStateStore(Clock clock, Settings settings) {
        var ticker = ClockTicker.of(clock);
        this.profiles = Caffeine.newBuilder()
                .ticker(ticker)
                .maximumSize(settings.maxAccounts())
                .expireAfterAccess(settings.idleExpiry())
                .executor(Runnable::run)
                .build();
        this.verdicts = Caffeine.newBuilder()
                .ticker(ticker)
                .maximumSize(settings.maxAccounts())
                .expireAfter(Expiry.<String, Verdict>creating((key, verdict) ->
                        Duration.between(clock.instant(), verdict.expiresAt())))
                .executor(Runnable::run)
                .build();
    }

    @Override
    public ProfileStats observe(String accountId, Observation observation, double evidencePrior) {
        return profiles.get(accountId, k -> new AccountProfile()).apply(observation, evidencePrior);
    }

    @Override
    public Optional<ProfileStats> peek(String accountId, Instant now, double evidencePrior) {
        AccountProfile profile = profiles.getIfPresent(accountId);
        return profile == null ? Optional.empty() : Optional.of(profile.stats(now.toEpochMilli(), evidencePrior));
    }

    @Override
    public void recordUsage(String accountId, long atMillis, long inputTokens, long outputTokens) {
        profiles.get(accountId, k -> new AccountProfile()).addUsage(atMillis, inputTokens, outputTokens);
    }

    @Override
    public Optional<Verdict> verdict(String accountId, Instant now) {
        Verdict v = verdicts.getIfPresent(accountId);
        return v != null && v.isActiveAt(now) ? Optional.of(v) : Optional.empty();
    }

    @Override
    public void putVerdict(String accountId, Verdict verdict) {
        verdicts.put(accountId, verdict);
    }

    @Override
    public boolean clearVerdict(String accountId, Instant now) {
        Verdict removed = verdicts.asMap().remove(accountId);
        return removed != null && removed.isActiveAt(now);
    }

    /** Number of accounts with a profile (approximate; for metrics and tests). */
    public long accountCount() {
        profiles.cleanUp();
        return profiles.estimatedSize();
    }
}
