package io.extractionguard.gateway.state.redis;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.extractionguard.engine.state.AccountProfile;
import io.extractionguard.engine.state.ProfileCodec;
import io.micrometer.core.instrument.Counter;

/**
 * The per-account profile hash of builds before 2026-12-08 ({@code {prefix}:{ACCOUNT}:p}: snapshot {@code s},
 * change records {@code d:…}, per replica a high-water mark {@code hw:…}), read for an account the profile
 * buckets do not hold yet, so a rolling upgrade loses no stored profile. Never written: the first durable
 * write of this build puts the account in its bucket, and the hash expires on its own idle expiry.
 */
final class LegacyProfileHash {

    private static final Logger log = LoggerFactory.getLogger(LegacyProfileHash.class);
    private static final String SNAPSHOT = "s";
    private static final String RECORD_PREFIX = "d:";
    private static final String HIGH_WATER_PREFIX = "hw:";

    private final RedissonClient client;
    private final RedisKeys keys;
    private final Counter corrupt;

    LegacyProfileHash(RedissonClient client, RedisKeys keys, Counter corrupt) {
        this.client = client;
        this.keys = keys;
        this.corrupt = corrupt;
    }

    /** The account's old hash as a stored record (marks dated now: they may still name retained batches); empty when none. */
    CompletableFuture<ProfileBuckets.Stored> read(String account) {
        return client.<byte[], byte[]>getMap(keys.profile(account), ByteArrayCodec.INSTANCE).readAllMapAsync()
                .toCompletableFuture().thenApply(this::parse);
    }

    ProfileBuckets.Stored parse(Map<byte[], byte[]> fields) {
        if (fields.isEmpty()) {
            return null;
        }
        long now = System.currentTimeMillis();
        AccountProfile merged = new AccountProfile();
        Map<String, DurableRecord.Mark> marks = new HashMap<>();
        boolean foreign = false;
        for (Map.Entry<byte[], byte[]> f : fields.entrySet()) {
            String field = new String(f.getKey(), StandardCharsets.UTF_8);
            if (field.startsWith(HIGH_WATER_PREFIX)) {
                try {
                    long seq = Long.parseLong(new String(f.getValue(), StandardCharsets.UTF_8));
                    marks.put(field.substring(HIGH_WATER_PREFIX.length()), new DurableRecord.Mark(seq, now));
                } catch (NumberFormatException e) {
                    corrupt.increment();
                }
            } else if (field.equals(SNAPSHOT) || field.startsWith(RECORD_PREFIX)) {
                try {
                    ProfileCodec.Read read = ProfileCodec.read(f.getValue());
                    merged.merge(read.profile());
                    foreign |= !read.complete();
                } catch (RuntimeException ex) {
                    corrupt.increment();
                    log.warn("skipping an undecodable field '{}' of an old profile hash: {}", field, ex.getMessage());
                }
            }
        }
        return new ProfileBuckets.Stored(merged, marks, foreign);
    }
}
