package io.extractionguard.gateway.state.redis;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.extractionguard.engine.state.AccountProfile;
import io.extractionguard.engine.state.Observation;
import io.extractionguard.engine.state.ProfileStats;
import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.engine.state.Verdict;

/**
 * The engine's {@link StateStore} shared through Redis: every call is answered from local memory
 * (profiles from the near cache, verdicts from the full local replica); changes reach Redis behind
 * the request, batched, and other replicas' changes flow back (profiles on refresh, verdicts by
 * pub/sub within milliseconds). While Redis is unreachable the store keeps working on local state
 * and buffers its changes; when Redis returns it writes them and re-reads the verdicts.
 */
public final class RedisStateStore implements StateStore, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisStateStore.class);

    private final RedisProfiles profiles;
    private final RedisVerdicts verdicts;
    private final WriteBehind writer;
    private final RedisAvailability availability;
    private final ScheduledExecutorService scheduler;
    private final Duration shutdownFlush;

    RedisStateStore(RedisProfiles profiles, RedisVerdicts verdicts, WriteBehind writer, RedisAvailability availability,
                    ScheduledExecutorService scheduler, RedisStateProperties.Sync sync) {
        this.profiles = profiles;
        this.verdicts = verdicts;
        this.writer = writer;
        this.availability = availability;
        this.scheduler = scheduler;
        this.shutdownFlush = sync.shutdownFlush();
        availability.onRecovery(() -> scheduler.execute(() -> {
            verdicts.subscribe();
            profiles.requeueUnwritten();
            writer.flushSoon();
            verdicts.resync();
        }));
        long resync = sync.verdictResync().toMillis();
        scheduler.scheduleWithFixedDelay(() -> {
            if (availability.available()) {
                verdicts.resync();
            }
        }, resync, resync, TimeUnit.MILLISECONDS);
    }

    /**
     * Subscribes to verdict changes and reads all verdicts, waiting up to {@code timeout} so the first
     * requests already see them. Without Redis it logs, marks the store degraded and carries on.
     */
    public void start(Duration timeout) {
        profiles.start(timeout);
        if (!availability.available()) {
            log.warn("shared state on Redis: Redis does not answer at start-up ({}); serving from local state until "
                    + "it does", availability.lastError());
            return;
        }
        verdicts.subscribe();
        try {
            verdicts.resync().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            log.info("shared state on Redis: {} active verdicts loaded", verdicts.size());
        } catch (Exception e) {
            log.warn("shared state on Redis: verdicts not loaded at start-up ({}); serving from local state until "
                    + "Redis answers", e.toString());
        }
    }

    @Override
    public ProfileStats observe(String accountId, Observation observation, double evidencePrior) {
        return profiles.observe(accountId, observation, evidencePrior);
    }

    @Override
    public Optional<ProfileStats> peek(String accountId, Instant now, double evidencePrior) {
        return profiles.peek(accountId, now, evidencePrior);
    }

    @Override
    public void recordUsage(String accountId, long atMillis, long inputTokens, long outputTokens) {
        profiles.recordUsage(accountId, atMillis, inputTokens, outputTokens);
    }

    /** The account's profile as loaded from Redis, once loaded (see {@link FleetView}). */
    Optional<AccountProfile> loadedProfile(String accountId) {
        return profiles.loadedView(accountId);
    }

    /** The account's profile hash alone, read now (see {@link FleetView#durableTotals}). */
    java.util.concurrent.CompletableFuture<AccountProfile> storedProfile(String accountId) {
        return profiles.readHash(accountId);
    }

    @Override
    public Optional<Verdict> verdict(String accountId, Instant now) {
        return verdicts.get(accountId, now);
    }

    @Override
    public void putVerdict(String accountId, Verdict verdict) {
        verdicts.put(accountId, verdict);
    }

    @Override
    public boolean clearVerdict(String accountId, Instant now) {
        return verdicts.clear(accountId, now);
    }

    /** Whether Redis is reachable. */
    public boolean shared() {
        return availability.available();
    }

    /**
     * Accounts and verdicts with changes not yet in Redis (approximately: an account whose durable write
     * or load is queued counts twice).
     */
    public int unwritten() {
        return writer.pending() + profiles.unwrittenAccounts();
    }

    public long cachedAccounts() {
        return profiles.cachedAccounts();
    }

    public int verdictCount() {
        return verdicts.size();
    }

    /** Writes what is buffered (waiting up to {@code shutdown-flush}) and unsubscribes. */
    @Override
    public void close() {
        profiles.flushForShutdown(writer, shutdownFlush);
        int left = writer.drain(shutdownFlush);
        if (left > 0) {
            log.warn("shutting down with {} accounts/verdicts whose latest changes are not in Redis", left);
        }
        profiles.stopTailing();
        verdicts.stop();
    }
}
