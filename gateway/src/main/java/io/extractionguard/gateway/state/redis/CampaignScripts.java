package io.extractionguard.gateway.state.redis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.redisson.api.RBatch;
import org.redisson.api.RScript;
import org.redisson.client.codec.ByteArrayCodec;

/**
 * The one-key scripts of the campaign evidence keys ({@link RedisCampaignStore}; docs/redis.md "Campaign
 * evidence: partitioned by value") and how a batch calls them: by key (Cluster routes each by its hash
 * tag), byte arguments, a flat list reply.
 */
final class CampaignScripts {

    private CampaignScripts() {
    }

    /** Keeps the {@code k} account fields (16 hex digits) with the smallest hashes: a bottom-k sample. */
    private static final String TRIM = """
            local function trim(key, k)
              local hashes = {}
              for _, f in ipairs(redis.call('HKEYS', key)) do
                if #f == 16 then hashes[#hashes + 1] = f end
              end
              if #hashes > k then
                table.sort(hashes)
                for j = k + 1, #hashes do redis.call('HDEL', key, hashes[j]) end
              end
            end
            """;

    /**
     * An indicator value's sample: each account's latest {@code suspicion,atMillis} (the later write wins),
     * the {@code k} smallest account hashes kept, and the value's kind {@code k}. When the sample's summed
     * suspicion exceeds the highest sum announced so far ({@code x}) by {@link FleetKnowledge#ANNOUNCE_STEP},
     * the value is announced on the nudge channel ({@code v} + its 16 hex digits), so replicas that hold it
     * read it again on their next touch: at most {@code k / step} announcements per value while its key lives,
     * however much traffic rises and falls in it. KEYS[1] value hash; ARGV: ttl ms, k, kind, channel, value
     * (16 hex digits), then pairs of account (16 hex digits) and {@code suspicion,atMillis}. Returns the whole
     * hash.
     */
    static final String VALUE = TRIM + """
            redis.call('HSETNX', KEYS[1], 'k', ARGV[3])
            for i = 6, #ARGV, 2 do
              local old = redis.call('HGET', KEYS[1], ARGV[i])
              if not old or tonumber(string.match(old, ',(%d+)$')) <= tonumber(string.match(ARGV[i + 1], ',(%d+)$')) then
                redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
              end
            end
            trim(KEYS[1], tonumber(ARGV[2]))
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            local all = redis.call('HGETALL', KEYS[1])
            local sum = 0
            for j = 1, #all, 2 do
              if #all[j] == 16 then sum = sum + tonumber(string.match(all[j + 1], '^([^,]+),')) end
            end
            if sum >= tonumber(redis.call('HGET', KEYS[1], 'x') or '0') + STEP then
              redis.call('HSET', KEYS[1], 'x', tostring(sum))
              redis.call('PUBLISH', ARGV[4], 'v' .. ARGV[5])
            end
            return all
            """.replace("STEP", Float.toString(FleetKnowledge.ANNOUNCE_STEP));

    /**
     * A template bucket: representative {@code s} (a representative nothing matched yet ({@code m}) gives
     * way to the writer's, counts and all), decayed counters {@code r c p} as of {@code t}, sampled
     * accounts. The writer's counts are added only when it counted against the fleet's representative.
     * KEYS[1] bucket hash; ARGV: ttl ms, k, at ms, requests, content, repeats, matched ('1' or ''),
     * representative, accounts (16 hex digits)... Returns the whole hash.
     */
    static final String BUCKET = TRIM + """
            local key = KEYS[1]
            local stored = redis.call('HGET', key, 's')
            if stored ~= ARGV[8] and redis.call('HGET', key, 'm') ~= '1' then
              if stored then redis.call('DEL', key) end
              redis.call('HSET', key, 's', ARGV[8])
              stored = ARGV[8]
            end
            if stored == ARGV[8] then
              if ARGV[7] == '1' then redis.call('HSET', key, 'm', '1') end
              local at = tonumber(ARGV[3])
              local t = tonumber(redis.call('HGET', key, 't') or ARGV[3])
              local r = tonumber(redis.call('HGET', key, 'r') or '0')
              local c = tonumber(redis.call('HGET', key, 'c') or '0')
              local p = tonumber(redis.call('HGET', key, 'p') or '0')
              local w = 1
              if at > t then
                local f = math.exp((t - at) / 86400000)
                r, c, p, t = r * f, c * f, p * f, at
              else
                w = math.exp((at - t) / 86400000)
              end
              redis.call('HSET', key, 'r', tostring(r + w * tonumber(ARGV[4])), 'c', tostring(c + w * tonumber(ARGV[5])),
                'p', tostring(p + w * tonumber(ARGV[6])), 't', tostring(t))
              for i = 9, #ARGV do redis.call('HSET', key, ARGV[i], '1') end
              trim(key, tonumber(ARGV[2]))
            end
            redis.call('PEXPIRE', key, ARGV[1])
            return redis.call('HGETALL', key)
            """;

    /**
     * An account's recent records from every replica: appends this replica's batch (bounded to the last
     * {@code max} entries) and returns the entries after the caller's cursor, flat: id, batch, id, batch...,
     * with an empty batch for the caller's own entries (it has them; the id still moves its cursor). On the
     * caller's first write (cursor {@code -}) finding another replica's entry, the account is announced on the
     * nudge channel ({@code a} + its 16 hex digits): the replicas that serve it ship its records from then on.
     * KEYS[1] account stream; ARGV: ttl ms, max entries, cursor ('-' or '(' id), batch, the batch header that
     * names the caller (version, id length, id), channel, account (16 hex digits).
     */
    static final String ACCOUNT = """
            redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[2], '*', 'b', ARGV[4])
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            local out = {}
            local others = false
            for _, e in ipairs(redis.call('XRANGE', KEYS[1], ARGV[3], '+')) do
              out[#out + 1] = e[1]
              if string.sub(e[2][2], 1, #ARGV[5]) == ARGV[5] then
                out[#out + 1] = ''
              else
                out[#out + 1] = e[2][2]
                others = true
              end
            end
            if others and ARGV[3] == '-' then redis.call('PUBLISH', ARGV[6], 'a' .. ARGV[7]) end
            return out
            """;

    /** A script call in {@code batch} on {@code key}, with byte arguments and a list reply. */
    static CompletableFuture<Object> eval(RBatch batch, String key, String script, List<Object> args) {
        return batch.getScript(ByteArrayCodec.INSTANCE).<Object>evalAsync(key, RScript.Mode.READ_WRITE, script,
                RScript.ReturnType.LIST, Collections.singletonList(key), args.toArray()).toCompletableFuture();
    }

    /** A hash's fields and values, flat (as HGETALL answers a script). */
    static CompletableFuture<List<Object>> readAll(RBatch batch, String key) {
        return batch.getMap(key, ByteArrayCodec.INSTANCE).readAllEntrySetAsync().toCompletableFuture().thenApply(entries -> {
            List<Object> flat = new ArrayList<>(entries.size() * 2);
            entries.forEach(en -> {
                flat.add(en.getKey());
                flat.add(en.getValue());
            });
            return flat;
        });
    }


    /** 16 hex digits of a 64-bit hash (the key and account field format). */
    static String hex(long v) {
        String h = Long.toHexString(v);
        return "0".repeat(16 - h.length()) + h;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
