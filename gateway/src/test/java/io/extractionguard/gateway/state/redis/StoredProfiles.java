package io.extractionguard.gateway.state.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.redisson.api.RMap;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;

import io.extractionguard.engine.state.AccountProfile;

/** Reads durable profile records straight from the bucket hashes, as {@link RedisTestReplicas} configure them. */
final class StoredProfiles {

    static final int BUCKETS = 8; // RedisTestReplicas' durable-buckets
    static final long GENERATION_MILLIS = Duration.ofDays(7).toMillis(); // RedisTestReplicas' idle expiry

    private StoredProfiles() {
    }

    static String bucketKey(String prefix, String account, long generation) {
        return bucketKey(prefix, account, generation, BUCKETS);
    }

    static String bucketKey(String prefix, String account, long generation, int buckets) {
        return new RedisKeys(prefix).profileBucket(ProfileBuckets.bucketOf(account, buckets), generation);
    }

    static long generationNow() {
        return ProfileBuckets.generation(System.currentTimeMillis(), GENERATION_MILLIS);
    }

    static RMap<byte[], byte[]> bucket(RedissonClient client, String prefix, String account, long generation) {
        return client.getMap(bucketKey(prefix, account, generation), ByteArrayCodec.INSTANCE);
    }

    /** The account's record in the current generation, else the previous one; null when neither holds it. */
    static byte[] raw(RedissonClient client, String prefix, String account) {
        return raw(client, prefix, account, BUCKETS);
    }

    static byte[] raw(RedissonClient client, String prefix, String account, int buckets) {
        long gen = generationNow();
        byte[] field = account.getBytes(StandardCharsets.UTF_8);
        byte[] cur = client.<byte[], byte[]>getMap(bucketKey(prefix, account, gen, buckets), ByteArrayCodec.INSTANCE).get(field);
        return cur != null ? cur
                : client.<byte[], byte[]>getMap(bucketKey(prefix, account, gen - 1, buckets), ByteArrayCodec.INSTANCE).get(field);
    }

    /** The profile as stored in Redis (empty when there is none). */
    static AccountProfile stored(RedissonClient client, String prefix, String account) {
        return stored(client, prefix, account, BUCKETS);
    }

    /** The same, for a gateway with the default {@code durable-buckets} (32) and {@code idle-expiry} (7 d). */
    static AccountProfile storedByGateway(RedissonClient client, String prefix, String account) {
        return stored(client, prefix, account, 32);
    }

    static AccountProfile stored(RedissonClient client, String prefix, String account, int buckets) {
        byte[] raw = raw(client, prefix, account, buckets);
        return raw == null ? new AccountProfile() : DurableRecord.decode(raw).profile();
    }
}
