package io.extractionguard.gateway.state.redis;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

import io.extractionguard.gateway.intel.TaxiiPollState;

/**
 * TAXII poll state shared by the fleet: per peer a watermark key ({@code prefix:taxii:<peer>:watermark})
 * and a poll slot ({@code prefix:taxii:<peer>:poll}, {@code SET NX PX} for 90% of the interval) that
 * one replica takes per interval. Called from the poller's own thread only (blocks up to the Redis
 * timeout); while Redis is unreachable no replica polls.
 */
public final class RedisTaxiiPollState implements TaxiiPollState {

    private final RedissonClient client;
    private final RedisKeys keys;
    private final String replica;
    private final long timeoutMillis;

    public RedisTaxiiPollState(RedissonClient client, RedisKeys keys, String replica, Duration timeout) {
        this.client = client;
        this.keys = keys;
        this.replica = replica;
        this.timeoutMillis = timeout.toMillis() * 4;
    }

    @Override
    public boolean claim(String peer, Duration interval) {
        return Boolean.TRUE.equals(await(client.<String>getBucket(keys.global("taxii:" + peer + ":poll"), StringCodec.INSTANCE)
                .setIfAbsentAsync(replica, interval.multipliedBy(9).dividedBy(10)).toCompletableFuture()));
    }

    @Override
    public Optional<String> watermark(String peer) {
        return Optional.ofNullable(await(client.<String>getBucket(watermarkKey(peer), StringCodec.INSTANCE).getAsync()
                .toCompletableFuture()));
    }

    @Override
    public void advance(String peer, String dateAdded) {
        await(client.<String>getBucket(watermarkKey(peer), StringCodec.INSTANCE).setAsync(dateAdded).toCompletableFuture());
    }

    private String watermarkKey(String peer) {
        return keys.global("taxii:" + peer + ":watermark");
    }

    private <T> T await(java.util.concurrent.CompletableFuture<T> f) {
        try {
            return f.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (Exception e) {
            throw new IllegalStateException("Redis: " + e.getMessage(), e);
        }
    }
}
