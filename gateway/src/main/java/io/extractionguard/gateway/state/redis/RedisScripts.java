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
     * Writes one change record of a profile; returns the whole hash, refreshing the key's idle expiry,
     * when asked (to rebuild the merged view: every {@code refresh-interval} per active account and
     * replica, so the expiry stays fresh) or when it holds more than {@code compact-after} records (so
     * the caller compacts them), else just its field count. The record's field name is unique per
     * replica and write, and reused when a write is retried, so a retry after an ambiguous failure
     * overwrites instead of adding twice.
     * KEYS[1] profile hash; ARGV: field ('' = none), record, ttl ms, '1' to return the hash, compact-after.
     */
    static final String SYNC_PROFILE = """
            if ARGV[1] ~= '' then
              redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
            end
            local n = redis.call('HLEN', KEYS[1])
            if ARGV[4] == '1' or n > tonumber(ARGV[5]) then
              redis.call('PEXPIRE', KEYS[1], ARGV[3])
              return redis.call('HGETALL', KEYS[1])
            end
            return {n}
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
