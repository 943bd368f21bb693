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
     * Refreshes the idle expiry only when the caller says it is due (ARGV[5]) or
     * when both fields are new (a hash that was gone, or this replica's first write to it). Returns
     * the number of fields added (HSET's answer): the caller keeps the hash's field count itself and
     * compacts beyond {@code compact-after}, so no HLEN and, most of the time, no PEXPIRE.
     * KEYS[1] profile hash; ARGV: field, record, high-water field, high-water seq, '1' when the expiry is due or '', ttl ms.
     */
    static final String DURABLE_PROFILE = """
            local added = redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
            if ARGV[5] ~= '' or added == 2 then
              redis.call('PEXPIRE', KEYS[1], ARGV[6])
            end
            return added
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
