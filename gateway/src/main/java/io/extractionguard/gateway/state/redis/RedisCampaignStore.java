package io.extractionguard.gateway.state.redis;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.redisson.api.BatchOptions;
import org.redisson.api.RBatch;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.extractionguard.engine.campaign.AccountObservation;
import io.extractionguard.engine.campaign.AccountRules;
import io.extractionguard.engine.campaign.AccountState;
import io.extractionguard.engine.spi.CampaignStore;
import io.extractionguard.engine.campaign.IndicatorEvidence;
import io.extractionguard.engine.campaign.IndicatorKind;
import io.extractionguard.engine.campaign.IndicatorRecord;
import io.extractionguard.engine.memory.InMemoryCampaignStore;
import io.extractionguard.engine.campaign.SharedValue;
import io.extractionguard.engine.campaign.TemplateBucket;
import io.extractionguard.engine.campaign.TemplateStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Campaign evidence of a fleet, partitioned in Redis by what it is about: one key per indicator value
 * ({@code {prefix}:{cv:HEX}}: the bottom-k sample of accounts seen with it and their suspicion), per
 * template bucket ({@code {prefix}:{ct:HEX}}: representative, sample, decayed counters) and per account
 * ({@code {prefix}:{ca:HEX}}: a short stream of its recent account and suspicion records). Each key is
 * its own hash tag, so Redis Cluster spreads them over its shards, and each is written and read by a
 * one-key script.
 *
 * <p>Every read of the request path answers from a local {@link InMemoryCampaignStore}, updated at
 * once; the request also notes which keys it touched. Every {@code flush-interval} the thread
 * {@code guard-campaign-sync} sends one pipelined batch: for each touched value its accounts' latest
 * suspicion, for each touched bucket what this replica added since the last batch, for each touched
 * account its records. Each script merges (bottom-k samples, decayed sums: the same merges as the
 * engine) and answers with the key's fleet-wide state, which is folded into the local store
 * ({@link InMemoryCampaignStore#foldValue}, {@link InMemoryCampaignStore#foldBucket}, the other
 * replicas' account records applied). So a replica reads only what its own traffic touches: its CPU,
 * memory and Redis commands follow its own requests, not the fleet's; evidence written on another
 * replica reaches its decisions within about two flush intervals of that replica's request (the
 * writer's batch, then the next batch here that touches the key). Rarity is computed by each
 * replica's correlator for the values its traffic touched, against the fleet's active accounts (a
 * HyperLogLog per day, {@code {prefix}:{campaign-accounts}:DAY}); no replica leads.
 *
 * <p>Redis outage: the request path is unaffected; what was touched waits (at most
 * {@code buffer-records} notes; beyond that they stay local only and are counted in
 * {@code guard.campaign.sync.dropped}) and goes with the first batch after recovery.
 */
public final class RedisCampaignStore implements CampaignStore, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisCampaignStore.class);
    private static final long DAY_MS = 86_400_000L;

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
     * the {@code k} smallest account hashes kept, and the value's kind {@code k}. KEYS[1] value hash; ARGV:
     * ttl ms, k, kind, then pairs of account (16 hex digits) and {@code suspicion,atMillis}. Returns the whole hash.
     */
    static final String VALUE = TRIM + """
            redis.call('HSETNX', KEYS[1], 'k', ARGV[3])
            for i = 4, #ARGV, 2 do
              local old = redis.call('HGET', KEYS[1], ARGV[i])
              if not old or tonumber(string.match(old, ',(%d+)$')) <= tonumber(string.match(ARGV[i + 1], ',(%d+)$')) then
                redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
              end
            end
            trim(KEYS[1], tonumber(ARGV[2]))
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            return redis.call('HGETALL', KEYS[1])
            """;

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
     * with an empty batch for the caller's own entries (it has them; the id still moves its cursor).
     * KEYS[1] account stream; ARGV: ttl ms, max entries, cursor ('-' or '(' id), batch, the batch header that
     * names the caller (version, id length, id).
     */
    static final String ACCOUNT = """
            redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[2], '*', 'b', ARGV[4])
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            local out = {}
            for _, e in ipairs(redis.call('XRANGE', KEYS[1], ARGV[3], '+')) do
              out[#out + 1] = e[1]
              if string.sub(e[2][2], 1, #ARGV[5]) == ARGV[5] then
                out[#out + 1] = ''
              else
                out[#out + 1] = e[2][2]
              end
            end
            return out
            """;

    /** One account's suspicion for one value, as the request left it. */
    private record ValueNote(long value, int kind, long account, float suspicion, long atMillis) {
    }

    private final InMemoryCampaignStore local;
    private final RedissonClient client;
    private final RedisKeys keys;
    private final RedisAvailability availability;
    private final String replica;
    private final RedisStateProperties.Campaign settings;
    private final long timeoutMillis;
    private final long valueTtlMillis;
    private final Clock clock;
    private final ScheduledExecutorService flusher;
    private final ConcurrentLinkedQueue<ValueNote> values = new ConcurrentLinkedQueue<>();
    /** Touched bucket keys → whether the request could have created the bucket (then read it even if absent here). */
    private final ConcurrentHashMap<Long, Boolean> buckets = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, List<byte[]>> accounts = new ConcurrentHashMap<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicInteger dropped = new AtomicInteger();
    /** Per account, the last stream entry this replica has seen (exclusive start of its next read). */
    private final Cache<Long, String> cursors;
    private final Counter shipped;
    private final Counter batches;
    private final Counter applied;
    private final Counter folded;
    private final Counter corrupt;
    private final Counter valueBytes;
    private final Counter bucketBytes;
    private final Counter accountBytes;
    private volatile double fleetAccounts;
    private volatile long fleetAccountsReadAt = Long.MIN_VALUE;

    public RedisCampaignStore(InMemoryCampaignStore local, RedissonClient client, RedisKeys keys,
                              RedisAvailability availability, String replica, RedisStateProperties.Campaign settings,
                              Duration timeout, Duration idleExpiry, Clock clock, MeterRegistry meters) {
        this.local = local;
        this.client = client;
        this.keys = keys;
        this.availability = availability;
        this.replica = replica;
        this.settings = settings;
        this.timeoutMillis = timeout.toMillis();
        this.valueTtlMillis = idleExpiry.toMillis();
        this.clock = clock;
        this.cursors = Caffeine.newBuilder().maximumSize(1_000_000).expireAfterAccess(settings.accountRetention()).build();
        this.shipped = Counter.builder("guard.campaign.sync.shipped")
                .description("Account entries this replica wrote (one per account and batch; its values and buckets "
                        + "went with them)").register(meters);
        this.batches = Counter.builder("guard.campaign.sync.batches")
                .description("Batches this replica sent to Redis (each took everything touched before it began): "
                        + "what a killed replica had flushed").register(meters);
        this.applied = Counter.builder("guard.campaign.sync.applied")
                .description("Account records of other replicas applied here (accounts this replica serves)").register(meters);
        this.folded = Counter.builder("guard.campaign.sync.folded")
                .description("Fleet-wide values and template buckets folded into this replica's evidence").register(meters);
        this.corrupt = Counter.builder("guard.campaign.sync.decode.errors")
                .description("Campaign replies and account records that could not be decoded and were skipped")
                .register(meters);
        this.valueBytes = replyBytes("value", meters);
        this.bucketBytes = replyBytes("bucket", meters);
        this.accountBytes = replyBytes("account", meters);
        FunctionCounter.builder("guard.campaign.sync.dropped", dropped, AtomicInteger::get)
                .description("Touched campaign keys that did not fit the outage buffer: kept on this replica only")
                .register(meters);
        Gauge.builder("guard.campaign.sync.pending", pending, AtomicInteger::get)
                .description("Touched campaign keys waiting for the next batch to Redis").register(meters);
        this.flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "guard-campaign-sync");
            t.setDaemon(true);
            return t;
        });
    }

    private static Counter replyBytes(String kind, MeterRegistry meters) {
        return Counter.builder("guard.campaign.sync.reply.bytes").tag("key", kind)
                .description("Payload bytes of the fleet-wide state Redis answered with, by kind of key").register(meters);
    }

    /** Payload bytes (fields and values) of a flat reply. */
    private static long payload(Object reply) {
        long n = 0;
        for (Object o : (List<?>) reply) {
            n += o instanceof byte[] b ? b.length : 0;
        }
        return n;
    }

    /** Starts the batches (every {@code flush-interval}, on thread {@code guard-campaign-sync}). */
    public void start() {
        long period = settings.flushInterval().toMillis();
        flusher.scheduleWithFixedDelay(this::flush, period, period, TimeUnit.MILLISECONDS);
    }

    /** The local evidence (what every read answers from). */
    public InMemoryCampaignStore local() {
        return local;
    }

    /** Touched keys waiting for the next batch. */
    public int pending() {
        return pending.get();
    }

    private boolean admit() {
        if (pending.incrementAndGet() <= settings.bufferRecords()) {
            return true;
        }
        pending.decrementAndGet();
        dropped.incrementAndGet();
        return false;
    }

    // ---- request path: local at once, keys noted for the next batch ----

    @Override
    public TemplateStats[] observeTemplates(long accountHash, long[] keys, byte[] sketch, double minSimilarity,
                                            double content, double minContentToCreate, long atMillis) {
        TemplateStats[] out = local.observeTemplates(accountHash, keys, sketch, minSimilarity, content,
                minContentToCreate, atMillis);
        boolean creating = content >= minContentToCreate;
        for (long key : keys) {
            noteBucket(key, creating);
        }
        return out;
    }

    @Override
    public AccountState observeAccount(long accountHash, AccountObservation observation, AccountRules rules) {
        AccountState out = local.observeAccount(accountHash, observation, rules);
        note(accountHash, CampaignRecords.account(accountHash, observation, rules));
        return out;
    }

    @Override
    public IndicatorEvidence[] observeIndicators(long accountHash, long[] valueKeys, double suspicion,
                                                 double halfLifeMillis, long atMillis) {
        IndicatorEvidence[] out = local.observeIndicators(accountHash, valueKeys, suspicion, halfLifeMillis, atMillis);
        float peak = local.peak(accountHash);
        for (int i = 0; i < valueKeys.length; i++) {
            if (valueKeys[i] != 0 && admit()) {
                values.add(new ValueNote(valueKeys[i], i, accountHash, peak, atMillis));
            }
        }
        // the account's peak, for the replicas that serve it too (a value-less indicator record)
        note(accountHash, CampaignRecords.indicators(accountHash, new long[0], suspicion, halfLifeMillis, atMillis));
        return out;
    }

    /** Notes a touched bucket once per batch (counted once in the buffer, however many threads race to note it). */
    private void noteBucket(long key, boolean creating) {
        Boolean was = buckets.get(key);
        if (was == null) {
            if (!admit()) {
                return;
            }
            was = buckets.putIfAbsent(key, creating);
            if (was == null) {
                return;
            }
            pending.decrementAndGet(); // another thread noted it first
        }
        if (creating && !was) {
            buckets.replace(key, false, true);
        }
    }

    private void note(long accountHash, byte[] record) {
        accounts.compute(accountHash, (k, list) -> {
            if (list == null) {
                if (!admit()) {
                    return null;
                }
                list = new ArrayList<>(4);
            }
            if (list.size() < settings.accountBatchRecords()) {
                list.add(record);
            }
            return list;
        });
    }

    // ---- correlator: this replica's values, against the fleet's population ----

    @Override
    public long[] drainChanged(int max) {
        return local.drainChanged(max);
    }

    @Override
    public double distinctAccounts(long valueKey) {
        return local.distinctAccounts(valueKey);
    }

    @Override
    public void publishRarity(long valueKey, float rarity) {
        local.publishRarity(valueKey, rarity);
    }

    /** Active accounts: the fleet's (HyperLogLog of the last three days) or this replica's, whichever is larger. */
    @Override
    public long accountCount() {
        return Math.max(local.accountCount(), (long) fleetAccounts);
    }

    @Override
    public void publishPopulation(double accounts) {
        local.publishPopulation(accounts);
    }

    @Override
    public double population() {
        return local.population();
    }

    /**
     * For operators (the listing's worker thread, never the request path): the fleet's values and buckets,
     * read from Redis (a scan of up to {@value #LISTING_SCAN} of their keys) into a throw-away local store, so
     * every replica lists the same; this replica's own evidence while Redis is unreachable. What this replica
     * touched since its last batch is sent first (on the sync thread), so the listing includes it.
     */
    @Override
    public List<SharedValue> sharedValues(int minAccounts, int max) {
        if (!availability.available()) {
            return local.sharedValues(minAccounts, max);
        }
        try {
            flusher.submit(this::flush).get(timeoutMillis * 4, TimeUnit.MILLISECONDS);
            InMemoryCampaignStore fleet = new InMemoryCampaignStore(clock, new InMemoryCampaignStore.Settings(
                    LISTING_SCAN, LISTING_SCAN, LISTING_SCAN, Duration.ofDays(365)));
            scan(keys.campaignValue(0).replace("0000000000000000", "*"), (key, reply) -> foldValue(fleet, key, reply));
            scan(keys.campaignBucket(0).replace("0000000000000000", "*"), (key, reply) -> foldBucket(fleet, key, reply));
            return fleet.sharedValues(minAccounts, max);
        } catch (Exception e) {
            availability.failure(e);
            log.warn("campaign listing read this replica's evidence only: {}", e.toString());
            return local.sharedValues(minAccounts, max);
        }
    }

    static final int LISTING_SCAN = 200_000;

    /** Reads every key matching {@code pattern} (up to the scan bound), 500 per pipelined batch. */
    private void scan(String pattern, java.util.function.BiConsumer<Long, List<Object>> fold) throws Exception {
        List<String> chunk = new ArrayList<>(500);
        int seen = 0;
        for (String key : client.getKeys().getKeysByPattern(pattern, 1000)) {
            chunk.add(key);
            if (++seen >= LISTING_SCAN) {
                break;
            }
            if (chunk.size() == 500) {
                readChunk(chunk, fold);
                chunk.clear();
            }
        }
        readChunk(chunk, fold);
    }

    private void readChunk(List<String> chunk, java.util.function.BiConsumer<Long, List<Object>> fold) throws Exception {
        if (chunk.isEmpty()) {
            return;
        }
        RBatch batch = client.createBatch(BatchOptions.defaults().responseTimeout(timeoutMillis, TimeUnit.MILLISECONDS));
        List<CompletableFuture<List<Object>>> replies = new ArrayList<>(chunk.size());
        chunk.forEach(k -> replies.add(readAll(batch, k)));
        batch.executeAsync().toCompletableFuture().get(timeoutMillis * 4, TimeUnit.MILLISECONDS);
        for (int i = 0; i < chunk.size(); i++) {
            String key = chunk.get(i);
            fold.accept(Long.parseUnsignedLong(key.substring(key.length() - 17, key.length() - 1), 16), replies.get(i).get());
        }
    }

    /** A hash's fields and values, flat (as HGETALL answers a script). */
    private static CompletableFuture<List<Object>> readAll(RBatch batch, String key) {
        return batch.getMap(key, ByteArrayCodec.INSTANCE).readAllEntrySetAsync().toCompletableFuture().thenApply(entries -> {
            List<Object> flat = new ArrayList<>(entries.size() * 2);
            entries.forEach(en -> {
                flat.add(en.getKey());
                flat.add(en.getValue());
            });
            return flat;
        });
    }

    // ---- the batch: merge what was touched, fold back the fleet's state ----

    /** One pipelined batch of everything touched since the last one (the sync thread; tests call it directly). */
    void flush() {
        try {
            if (!availability.available()) {
                return; // the heartbeat probes; the first batch after recovery sends what waited
            }
            Map<Long, Map<Long, ValueNote>> byValue = new HashMap<>();
            ValueNote n;
            while ((n = values.poll()) != null) {
                pending.decrementAndGet();
                byValue.computeIfAbsent(n.value(), k -> new HashMap<>()).merge(samplingHash(n.account()), n,
                        (a, b) -> b.atMillis() >= a.atMillis() ? b : a);
            }
            Map<Long, Boolean> touchedBuckets = new HashMap<>();
            for (Long key : List.copyOf(buckets.keySet())) {
                Boolean creating = buckets.remove(key);
                if (creating != null) {
                    pending.decrementAndGet();
                    touchedBuckets.put(key, creating);
                }
            }
            Map<Long, List<byte[]>> touchedAccounts = new HashMap<>();
            for (Long account : List.copyOf(accounts.keySet())) {
                List<byte[]> records = accounts.remove(account);
                if (records != null) {
                    pending.decrementAndGet();
                    touchedAccounts.put(account, records);
                }
            }
            if (byValue.isEmpty() && touchedBuckets.isEmpty() && touchedAccounts.isEmpty()) {
                return;
            }
            send(byValue, touchedBuckets, touchedAccounts);
        } catch (RuntimeException e) {
            log.warn("campaign evidence batch failed; retrying with the next", e);
        }
    }

    private static long samplingHash(long accountHash) {
        return accountHash & Long.MAX_VALUE; // the sampling hash (AccountSample.key)
    }

    private void send(Map<Long, Map<Long, ValueNote>> byValue, Map<Long, Boolean> touchedBuckets,
                      Map<Long, List<byte[]>> touchedAccounts) {
        RBatch batch = client.createBatch(BatchOptions.defaults().responseTimeout(timeoutMillis, TimeUnit.MILLISECONDS)
                .retryAttempts(0));
        Scripts scripts = new Scripts(batch);
        List<Runnable> onSuccess = new ArrayList<>();
        List<Runnable> onFailure = new ArrayList<>();
        List<CompletableFuture<?>> parts = new ArrayList<>();
        String sample = Integer.toString(IndicatorRecord.SAMPLE);
        String valueTtl = Long.toString(valueTtlMillis);

        for (var e : byValue.entrySet()) {
            long value = e.getKey();
            List<Object> args = new ArrayList<>(3 + 2 * e.getValue().size());
            args.add(bytes(valueTtl));
            args.add(bytes(sample));
            args.add(bytes(Integer.toString(e.getValue().values().iterator().next().kind())));
            for (ValueNote note : e.getValue().values()) {
                args.add(bytes(hex(samplingHash(note.account()))));
                args.add(bytes(note.suspicion() + "," + note.atMillis()));
            }
            parts.add(scripts.eval(keys.campaignValue(value), VALUE, args).thenAccept(r -> {
                foldValue(local, value, r);
                folded.increment();
                valueBytes.increment(payload(r));
            }));
            onFailure.add(() -> e.getValue().values().forEach(v -> {
                if (admit()) {
                    values.add(v);
                }
            }));
        }

        String bucketSample = Integer.toString(TemplateBucket.SAMPLE);
        for (var e : touchedBuckets.entrySet()) {
            long key = e.getKey();
            TemplateBucket.Cut cut = local.cutBucket(key);
            String redisKey = keys.campaignBucket(key);
            if (cut != null) {
                List<Object> args = new ArrayList<>(8 + cut.accounts().length);
                args.add(bytes(valueTtl));
                args.add(bytes(bucketSample));
                args.add(bytes(Long.toString(cut.atMillis())));
                args.add(bytes(Double.toString(cut.requests())));
                args.add(bytes(Double.toString(cut.content())));
                args.add(bytes(Double.toString(cut.repeats())));
                args.add(bytes(cut.matched() ? "1" : ""));
                args.add(cut.representative());
                for (long a : cut.accounts()) {
                    args.add(bytes(hex(a)));
                }
                parts.add(scripts.eval(redisKey, BUCKET, args).thenAccept(r -> {
                    foldBucket(local, key, r);
                    folded.increment();
                    bucketBytes.increment(payload(r));
                }));
                onFailure.add(() -> local.restoreBucket(key, cut));
            } else if (e.getValue()) {
                parts.add(readAll(batch, redisKey).thenAccept(r -> {
                    foldBucket(local, key, r);
                    folded.increment();
                    bucketBytes.increment(payload(r));
                }));
            }
            onFailure.add(() -> noteBucket(key, e.getValue()));
        }

        String accountTtl = Long.toString(settings.accountRetention().toMillis());
        byte[] ownHeader = CampaignRecords.header(replica);
        String maxEntries = Integer.toString(settings.accountEntries());
        for (var e : touchedAccounts.entrySet()) {
            long account = e.getKey();
            String cursor = cursors.getIfPresent(account);
            byte[] records = CampaignRecords.batch(replica, e.getValue());
            parts.add(scripts.eval(keys.campaignAccount(account), ACCOUNT,
                    List.of(bytes(accountTtl), bytes(maxEntries), bytes(cursor == null ? "-" : "(" + cursor), records,
                            ownHeader))
                    .thenAccept(r -> {
                        applyAccount(account, r);
                        accountBytes.increment(payload(r));
                    }));
            onFailure.add(() -> e.getValue().forEach(rec -> note(account, rec)));
        }

        long now = clock.millis();
        if (!touchedAccounts.isEmpty()) {
            List<Object> hashes = new ArrayList<>(touchedAccounts.size());
            touchedAccounts.keySet().forEach(a -> hashes.add(bytes(hex(a))));
            String day = keys.campaignAccounts(now / DAY_MS);
            parts.add(batch.getHyperLogLog(day, ByteArrayCodec.INSTANCE).addAllAsync(hashes).toCompletableFuture());
            parts.add(batch.getKeys().expireAsync(day, 4 * DAY_MS, TimeUnit.MILLISECONDS).toCompletableFuture());
        }
        boolean readPopulation = fleetAccountsReadAt == Long.MIN_VALUE || now - fleetAccountsReadAt >= 30_000;
        if (readPopulation) {
            long today = now / DAY_MS;
            parts.add(batch.getHyperLogLog(keys.campaignAccounts(today), ByteArrayCodec.INSTANCE)
                    .countWithAsync(keys.campaignAccounts(today - 1), keys.campaignAccounts(today - 2))
                    .toCompletableFuture().thenAccept(c -> {
                        fleetAccounts = c;
                        fleetAccountsReadAt = now;
                    }));
        }

        try {
            batch.executeAsync().toCompletableFuture().get(timeoutMillis * 2, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            onFailure.forEach(Runnable::run);
            return;
        } catch (Exception e) {
            availability.failure(e);
            log.debug("campaign evidence batch not sent (kept for the next): {}", e.toString());
            onFailure.forEach(Runnable::run);
            return;
        }
        availability.success();
        shipped.increment(touchedAccounts.size());
        batches.increment();
        for (CompletableFuture<?> part : parts) {
            // sent: a part that failed (a reply that does not decode) is counted and dropped, not retried
            part.exceptionally(e -> {
                corrupt.increment();
                log.warn("campaign evidence reply skipped: {}", e.toString());
                return null;
            });
        }
    }

    /** Folds a value hash (flat HGETALL reply: account hex → "suspicion,at") into the local store. */
    private void foldValue(InMemoryCampaignStore target, long value, Object reply) {
        List<?> flat = (List<?>) reply;
        long[] hashes = new long[flat.size() / 2];
        float[] suspicions = new float[hashes.length];
        int n = 0;
        IndicatorKind kind = null;
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            String field = string(flat.get(i));
            String v = string(flat.get(i + 1));
            if (field.equals("k")) {
                kind = IndicatorKind.of(Integer.parseInt(v));
            } else if (field.length() == 16) {
                hashes[n] = Long.parseUnsignedLong(field, 16);
                suspicions[n++] = Float.parseFloat(v.substring(0, v.indexOf(',')));
            }
        }
        target.foldValue(value, kind, java.util.Arrays.copyOf(hashes, n), java.util.Arrays.copyOf(suspicions, n));
    }

    /** Folds a bucket hash (flat HGETALL reply) into the local store; an empty reply (no such bucket) folds nothing. */
    private void foldBucket(InMemoryCampaignStore target, long key, Object reply) {
        List<?> flat = (List<?>) reply;
        if (flat.isEmpty()) {
            return;
        }
        byte[] representative = null;
        boolean matched = false;
        double r = 0;
        double c = 0;
        double p = 0;
        long t = 0;
        long[] members = new long[flat.size() / 2];
        int n = 0;
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            String field = string(flat.get(i));
            byte[] value = (byte[]) flat.get(i + 1);
            switch (field) {
                case "s" -> representative = value;
                case "m" -> matched = true;
                case "r" -> r = Double.parseDouble(string(value));
                case "c" -> c = Double.parseDouble(string(value));
                case "p" -> p = Double.parseDouble(string(value));
                case "t" -> t = (long) Double.parseDouble(string(value));
                default -> {
                    if (field.length() == 16) {
                        members[n++] = Long.parseUnsignedLong(field, 16);
                    }
                }
            }
        }
        target.foldBucket(key, new TemplateBucket.Fleet(representative, matched, java.util.Arrays.copyOf(members, n),
                r, c, p, t));
    }

    /** Applies the other replicas' records among the account's entries after the cursor; moves the cursor. */
    private void applyAccount(long account, Object reply) {
        List<?> flat = (List<?>) reply;
        String last = null;
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            last = string(flat.get(i));
            byte[] batch = (byte[]) flat.get(i + 1);
            try {
                if (batch.length > 0 && !replica.equals(CampaignRecords.replicaOf(batch))) {
                    applied.increment(CampaignRecords.apply(batch, local));
                }
            } catch (RuntimeException e) {
                corrupt.increment();
                log.warn("campaign account entry {} skipped: {}", last, e.getMessage());
            }
        }
        if (last != null) {
            cursors.put(account, last);
        }
    }

    private static String hex(long v) {
        String h = Long.toHexString(v);
        return "0".repeat(16 - h.length()) + h;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }

    /** Script calls in a batch, by key (Cluster routes each by its hash tag), with byte arguments and a list reply. */
    private record Scripts(RBatch batch) {
        CompletableFuture<Object> eval(String key, String script, List<Object> args) {
            return batch.getScript(ByteArrayCodec.INSTANCE).<Object>evalAsync(key, RScript.Mode.READ_WRITE, script,
                    RScript.ReturnType.LIST, Collections.singletonList(key), args.toArray()).toCompletableFuture();
        }
    }

    /** Sends what is waiting (on the closing thread, never an event loop), then stops the sync thread. */
    public void close(Duration timeout) {
        flusher.shutdown();
        try {
            flusher.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        flush();
        if (pending() > 0) {
            log.warn("campaign evidence: {} touched keys not sent at shutdown", pending());
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
