package io.extractionguard.gateway.state.redis;

/**
 * The Lua scripts of the Redis store. They are generic over opaque blobs (profiles are merged in
 * Java by the engine's {@code AccountProfile.merge}), each touches the keys of one account only
 * (Cluster-safe through the hash tag), and Redisson sends them by SHA.
 */
final class RedisScripts {

    private RedisScripts() {
    }

    /**
     * Writes one durable change record of a profile together with the replica's high-water mark: the
     * sequence number of the last profile-stream batch whose changes of this account the records of
     * this replica now include (a cold load adds only the stream changes after it). The record's field
     * name is unique per replica and write, and reused when a write is retried (with the changes made
     * since merged in), so a retry after an ambiguous failure overwrites instead of adding twice.
     * Returns the hash's field count besides the snapshot (change records and high-water marks; the
     * caller compacts beyond {@code compact-after}) — HLEN, not a scan of the field names.
     * KEYS[1] profile hash; ARGV: field, record, high-water field, high-water seq, ttl ms.
     */
    static final String DURABLE_PROFILE = """
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
            redis.call('PEXPIRE', KEYS[1], ARGV[5])
            return redis.call('HLEN', KEYS[1]) - 1
            """;

    /**
     * Returns the whole profile hash (a cold load), refreshing its idle expiry.
     * KEYS[1] profile hash; ARGV: ttl ms.
     */
    static final String LOAD_PROFILE = """
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            return redis.call('HGETALL', KEYS[1])
            """;

    /**
     * Replaces the snapshot by one that folds in the listed change records, and deletes them, unless
     * the snapshot changed since the caller read the hash (another replica compacted: compared by
     * SHA-1, so no generation field costs memory); records written meanwhile are kept.
     * KEYS[1] profile hash; ARGV: SHA-1 hex of the snapshot read ('' = none), new snapshot, ttl ms,
     * folded field names...
     */
    static final String COMPACT_PROFILE = """
            local s = redis.call('HGET', KEYS[1], 's')
            local current = ''
            if s then
              current = redis.sha1hex(s)
            end
            if current ~= ARGV[1] then
              return 0
            end
            redis.call('HSET', KEYS[1], 's', ARGV[2])
            if #ARGV > 3 then
              redis.call('HDEL', KEYS[1], unpack(ARGV, 4))
            end
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            return 1
            """;

    /**
     * Sets (or, with an empty blob, removes) an account's verdict and announces the change in the
     * same atomic step, so every replica sees changes in the order Redis applied them.
     * KEYS[1] verdict hash; ARGV: account, verdict ('' = clear), channel, message.
     */
    static final String WRITE_VERDICT = """
            if ARGV[2] == '' then
              redis.call('HDEL', KEYS[1], ARGV[1])
            else
              redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
            end
            redis.call('PUBLISH', ARGV[3], ARGV[4])
            return 1
            """;
}
