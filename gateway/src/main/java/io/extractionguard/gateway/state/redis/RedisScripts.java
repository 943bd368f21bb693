package io.extractionguard.gateway.state.redis;

/**
 * The Lua scripts of the Redis store. They are generic over opaque blobs (profiles are merged in
 * Java by the engine's {@code AccountProfile.merge}), each touches the keys of one hash tag only
 * (an account, a profile bucket: Cluster-safe), and Redisson sends them by SHA.
 */
final class RedisScripts {

    private RedisScripts() {
    }

    /**
     * Writes the durable records of many accounts of one profile bucket ({@link DurableRecord}: the whole
     * profile with, per replica, the last stream batch it includes), each only when its marks are at least
     * the stored record's (marks shipped before ARGV[2] are ignored): an overwrite never drops a change the
     * stored record has, so a change may leave the stream once any record holding it was written. The stored
     * record is the current generation's, else the previous one's (deleted once superseded, so an active
     * account holds one record). Sets the key's expiry when ARGV[3] is '1' (the writer's first write to
     * it). Commands: this script, one HMGET, one HSET (+ an HMGET and HDEL of the previous generation for
     * accounts not yet in this one, + PEXPIREAT once). Returns the indexes (1-based) of the refused records.
     * KEYS[1] bucket of the current generation, KEYS[2] of the previous; ARGV: expire-at ms, cutoff ms,
     * '1'/'' set expiry, then account, record pairs.
     */
    static final String DURABLE_BUCKET = """
            local n = (#ARGV - 3) / 2
            local fields = {}
            for i = 1, n do fields[i] = ARGV[2 + 2 * i] end
            local stored = redis.call('HMGET', KEYS[1], unpack(fields))
            local older, olderAt = {}, {}
            for i = 1, n do
              if not stored[i] then older[#older + 1] = fields[i]; olderAt[#olderAt + 1] = i end
            end
            local moved = {}
            if #older > 0 then
              local prev = redis.call('HMGET', KEYS[2], unpack(older))
              for j = 1, #older do
                if prev[j] then stored[olderAt[j]] = prev[j]; moved[olderAt[j]] = true end
              end
            end
            local cutoff = tonumber(ARGV[2])
            local function marks(v)
              local m = {}
              local head = string.match(v, '^1;([^;]*);')
              if head then
                for r, s, t in string.gmatch(head, '([^=,]+)=(%d+)@(%d+)') do m[r] = {tonumber(s), tonumber(t)} end
              end
              return m
            end
            local put, refused, gone = {}, {}, {}
            for i = 1, n do
              local record = ARGV[3 + 2 * i]
              local ok = true
              if stored[i] then
                local mine = marks(record)
                for r, st in pairs(marks(stored[i])) do
                  if st[2] >= cutoff and (mine[r] == nil or mine[r][1] < st[1]) then ok = false; break end
                end
              end
              if ok then
                put[#put + 1] = fields[i]; put[#put + 1] = record
                if moved[i] then gone[#gone + 1] = fields[i] end
              else
                refused[#refused + 1] = i
              end
            end
            if #put > 0 then
              redis.call('HSET', KEYS[1], unpack(put))
              if ARGV[3] == '1' then redis.call('PEXPIREAT', KEYS[1], ARGV[1]) end
            end
            if #gone > 0 then redis.call('HDEL', KEYS[2], unpack(gone)) end
            return refused
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
