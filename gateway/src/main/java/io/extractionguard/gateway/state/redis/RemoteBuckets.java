package io.extractionguard.gateway.state.redis;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.redisson.Redisson;
import org.redisson.api.RedissonClient;

import io.extractionguard.engine.memory.LocalRateLimiter;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.distributed.remote.CommandResult;
import io.github.bucket4j.distributed.remote.RemoteCommand;
import io.github.bucket4j.distributed.remote.Request;
import io.github.bucket4j.distributed.remote.commands.CreateInitialStateAndExecuteCommand;
import io.github.bucket4j.distributed.versioning.Versions;
import io.github.bucket4j.redis.redisson.Bucket4jRedisson;
import io.github.bucket4j.redis.redisson.cas.RedissonBasedProxyManager;

/**
 * The Redis buckets behind the leases (Bucket4j's compare-and-swap over Redisson), sent commands that
 * carry their bucket's configuration.
 *
 * <p>Why not Bucket4j's bucket proxies: a proxy sends a command without the configuration and, when
 * the bucket is missing, asks again with it: {@code GET}, {@code GET}, {@code SET}. A lease bucket is
 * missing almost every time (its key expires once it would have refilled, within a minute), so that was
 * three commands a lease where {@link #createAndRun} sends two, {@code GET} then {@code SET} (an
 * existing bucket: {@code GET} and the compare-and-swap script, as before).
 */
final class RemoteBuckets {

    private static final ExpirationAfterWriteStrategy EXPIRY =
            ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofMinutes(1));

    private final RedissonBasedProxyManager<String> buckets;
    private final TimeMeter time;

    RemoteBuckets(RedissonClient client, Clock clock, RedisStateProperties props) {
        this.time = LocalRateLimiter.timeMeter(clock);
        this.buckets = (RedissonBasedProxyManager<String>) Bucket4jRedisson
                .casBasedBuilder(((Redisson) client).getCommandExecutor())
                .clientClock(time)
                .requestTimeout(props.timeout())
                .expirationAfterWrite(EXPIRY)
                .build();
    }

    /** Runs {@code command} on the bucket at {@code key}, created full from {@code config} first if it is missing. */
    <T> CompletableFuture<T> createAndRun(String key, BucketConfiguration config, RemoteCommand<T> command) {
        return run(key, new CreateInitialStateAndExecuteCommand<>(config, command))
                .thenApply(result -> result.isBucketNotFound() ? null : result.getData());
    }

    /**
     * Runs {@code command} on the bucket at {@code key} if it exists (one {@code GET} when it does not);
     * completes with null when it is missing.
     */
    <T> CompletableFuture<T> runIfPresent(String key, RemoteCommand<T> command) {
        return run(key, command).thenApply(result -> result.isBucketNotFound() ? null : result.getData());
    }

    private <T> CompletableFuture<CommandResult<T>> run(String key, RemoteCommand<T> command) {
        return buckets.executeAsync(key, new Request<>(command, Versions.getLatest(), time.currentTimeNanos(), EXPIRY));
    }

    /** Bucket4j's asynchronous proxies of the same buckets (reads outside the leases). */
    AsyncProxyManager<String> proxies() {
        return buckets.asAsync();
    }
}
