package io.extractionguard.engine.memory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.engine.state.AccountProfile;
import io.extractionguard.engine.state.Observation;
import io.extractionguard.engine.state.ProfileStats;
import io.extractionguard.engine.state.Verdict;

/**
 * The {@link InMemoryStateStore}'s expiry semantics on plain access-ordered {@link LinkedHashMap}s,
 * for a caller that uses the store from one thread at a time (the replay decides in trace order on
 * one thread). Caffeine's read buffers and maintenance were ~10% of the replay's decide thread.
 *
 * <p>Same as {@link InMemoryStateStore}: a profile expires {@code idleExpiry} after its last
 * access (observe, peek, usage); a verdict expires at the time its first {@code putVerdict} gave
 * it, and a later put over a live verdict keeps that time (Caffeine's {@code Expiry.creating});
 * an expired entry reads as absent. Differs only past {@code maxAccounts}: this store drops the
 * least recently accessed entry, Caffeine drops by frequency (W-TinyLFU). Not thread-safe.
 */
public final class SingleThreadedStateStore implements StateStore {

    private static final class Profile {
        final AccountProfile profile = new AccountProfile();
        long accessedNanos;
    }

    private record Held(Verdict verdict, long expiresNanos) {
    }

    private final Clock clock;
    private final long idleNanos;
    private final Map<String, Profile> profiles;
    private final Map<String, Held> verdicts;

    public SingleThreadedStateStore(Clock clock) {
        this(clock, InMemoryStateStore.Settings.DEFAULT);
    }

    public SingleThreadedStateStore(Clock clock, InMemoryStateStore.Settings settings) {
        this.clock = clock;
        this.idleNanos = settings.idleExpiry().toNanos();
        this.profiles = bounded(settings.maxAccounts());
        this.verdicts = bounded(settings.maxAccounts());
    }

    private static <V> Map<String, V> bounded(long max) {
        return new LinkedHashMap<>(1 << 16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > max;
            }
        };
    }

    /** The same time base as {@link ClockTicker}. */
    private long nowNanos() {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** The live profile, touched; a new one if absent or idle too long. */
    private AccountProfile profile(String accountId) {
        long now = nowNanos();
        Profile p = profiles.get(accountId);
        if (p == null || now - p.accessedNanos >= idleNanos) {
            p = new Profile();
            profiles.put(accountId, p);
        }
        p.accessedNanos = now;
        return p.profile;
    }

    @Override
    public ProfileStats observe(String accountId, Observation observation, double evidencePrior) {
        return profile(accountId).apply(observation, evidencePrior);
    }

    @Override
    public Optional<ProfileStats> peek(String accountId, Instant now, double evidencePrior) {
        long nanos = nowNanos();
        Profile p = profiles.get(accountId);
        if (p == null || nanos - p.accessedNanos >= idleNanos) {
            return Optional.empty();
        }
        p.accessedNanos = nanos;
        return Optional.of(p.profile.stats(now.toEpochMilli(), evidencePrior));
    }

    @Override
    public void recordUsage(String accountId, long atMillis, long inputTokens, long outputTokens) {
        profile(accountId).addUsage(atMillis, inputTokens, outputTokens);
    }

    private Held live(String accountId) {
        Held h = verdicts.get(accountId);
        return h != null && nowNanos() - h.expiresNanos < 0 ? h : null;
    }

    @Override
    public Optional<Verdict> verdict(String accountId, Instant now) {
        Held h = live(accountId);
        return h != null && h.verdict().isActiveAt(now) ? Optional.of(h.verdict()) : Optional.empty();
    }

    @Override
    public void putVerdict(String accountId, Verdict verdict) {
        Held prior = live(accountId);
        long expires = prior != null ? prior.expiresNanos()
                : nowNanos() + saturatedNanos(Duration.between(clock.instant(), verdict.expiresAt()));
        verdicts.put(accountId, new Held(verdict, expires));
    }

    @Override
    public boolean clearVerdict(String accountId, Instant now) {
        Held h = live(accountId);
        verdicts.remove(accountId);
        return h != null && h.verdict().isActiveAt(now);
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return d.isNegative() ? Long.MIN_VALUE / 2 : Long.MAX_VALUE / 2;
        }
    }
}
