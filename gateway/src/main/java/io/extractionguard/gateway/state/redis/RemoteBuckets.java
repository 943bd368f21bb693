package io.extractionguard.gateway.state.redis;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import org.redisson.Redisson;
import org.redisson.api.RedissonClient;

import io.extractionguard.engine.memory.LocalRateLimiter;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.distributed.proxy.generic.compare_and_swap.AsyncCompareAndSwapOperation;
import io.github.bucket4j.distributed.remote.CommandResult;
import io.github.bucket4j.distributed.remote.RemoteCommand;
import io.github.bucket4j.distributed.remote.RemoteBucketState;
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
 * the bucket is missing, asks again with it: {@code GET}, {@code GET}, {@code SET}. A light account's lease
 * bucket is missing almost every time (its key expires a minute after the bucket would have refilled, and
 * its next lease comes minutes later), so that was
 * three commands a lease where {@link #createAndRun} sends two, {@code GET} then {@code SET} (an
 * existing bucket: {@code GET} and the compare-and-swap script, as before). And when the caller expects
 * the bucket to be missing (its last answer said it would have refilled, so its key expired), not even
 * the {@code GET}: one {@code SET NX}; if the bucket was there after all (another replica), the
 * {@code SET NX} fails and the usual read and compare-and-swap follow.
 */
final class RemoteBuckets {

    /** How long a bucket's key lives after the bucket would have refilled (Bucket4j: refill time + this). */
    static final Duration KEEP_AFTER_REFILL = Duration.ofMinutes(1);
    private static final ExpirationAfterWriteStrategy EXPIRY =
            ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(KEEP_AFTER_REFILL);

    private final Buckets buckets;
    private final TimeMeter time;

    RemoteBuckets(RedissonClient client, Clock clock, RedisStateProperties props) {
        this.time = LocalRateLimiter.timeMeter(clock);
        this.buckets = new Buckets(Bucket4jRedisson
                .casBasedBuilder(((Redisson) client).getCommandExecutor())
                .clientClock(time)
                .requestTimeout(props.timeout())
                .expirationAfterWrite(EXPIRY));
    }

    /** Runs {@code command} on the bucket at {@code key}, created full from {@code config} first if it is missing. */
    <T> CompletableFuture<T> createAndRun(String key, BucketConfiguration config, RemoteCommand<T> command) {
        return createAndRun(key, config, command, false);
    }

    /**
     * As {@link #createAndRun(String, BucketConfiguration, RemoteCommand)}; when {@code expectMissing},
     * first tries to create the bucket without reading it ({@code SET NX}).
     */
    <T> CompletableFuture<T> createAndRun(String key, BucketConfiguration config, RemoteCommand<T> command,
                                          boolean expectMissing) {
        Request<T> request = request(new CreateInitialStateAndExecuteCommand<>(config, command));
        CompletableFuture<CommandResult<T>> result;
        if (expectMissing) {
            Buckets.EXPECT_MISSING.set(Boolean.TRUE);
            try {
                result = buckets.executeAsync(key, request);
            } finally {
                Buckets.EXPECT_MISSING.remove();
            }
        } else {
            result = buckets.executeAsync(key, request);
        }
        return result.thenApply(r -> r.isBucketNotFound() ? null : r.getData());
    }

    /**
     * Runs {@code command} on the bucket at {@code key} if it exists (one {@code GET} when it does not);
     * completes with null when it is missing.
     */
    <T> CompletableFuture<T> runIfPresent(String key, RemoteCommand<T> command) {
        return run(key, command).thenApply(result -> result.isBucketNotFound() ? null : result.getData());
    }

    private <T> CompletableFuture<CommandResult<T>> run(String key, RemoteCommand<T> command) {
        return buckets.executeAsync(key, request(command));
    }

    private <T> Request<T> request(RemoteCommand<T> command) {
        return new Request<>(command, Versions.getLatest(), time.currentTimeNanos(), EXPIRY);
    }

    /**
     * Bucket4j's compare-and-swap over Redisson, whose first read of a bucket expected to be missing is
     * answered "missing" without asking Redis: the write that follows is {@code SET NX}, which cannot
     * overwrite a bucket that exists; when it fails, Bucket4j retries with a real read.
     */
    private static final class Buckets extends RedissonBasedProxyManager<String> {

        /** Set around a synchronous {@code executeAsync} call, which begins its operation on the calling thread. */
        static final ThreadLocal<Boolean> EXPECT_MISSING = new ThreadLocal<>();

        Buckets(Bucket4jRedisson.RedissonBasedProxyManagerBuilder<String> builder) {
            super(builder);
        }

        @Override
        protected AsyncCompareAndSwapOperation beginAsyncCompareAndSwapOperation(String key) {
            AsyncCompareAndSwapOperation real = super.beginAsyncCompareAndSwapOperation(key);
            if (EXPECT_MISSING.get() == null) {
                return real;
            }
            return new AsyncCompareAndSwapOperation() {
                private boolean guessed;

                @Override
                public CompletableFuture<Optional<byte[]>> getStateData(Optional<Long> timeoutNanos) {
                    if (!guessed) {
                        guessed = true;
                        return CompletableFuture.completedFuture(Optional.empty());
                    }
                    return real.getStateData(timeoutNanos);
                }

                @Override
                public CompletableFuture<Boolean> compareAndSwap(byte[] originalData, byte[] newData,
                                                                 RemoteBucketState newState, Optional<Long> timeoutNanos) {
                    return real.compareAndSwap(originalData, newData, newState, timeoutNanos);
                }
            };
        }
    }

    /** Bucket4j's asynchronous proxies of the same buckets (reads outside the leases). */
    AsyncProxyManager<String> proxies() {
        return buckets.asAsync();
    }
}
