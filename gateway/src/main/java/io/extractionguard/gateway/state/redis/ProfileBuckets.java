package io.extractionguard.gateway.state.redis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import org.redisson.api.RBatch;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.extractionguard.engine.state.AccountProfile;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Durable profiles, coalesced: accounts are spread over {@code durable-buckets} bucket hashes
 * ({@code {prefix}:{pd:B}:GEN}, one hash tag per bucket, so Cluster spreads them and a bucket's scripts touch
 * one slot), one field per account holding its {@link DurableRecord}. A replica writes all its due accounts of
 * a bucket with one script call (at most {@link #MAX_FIELDS_PER_WRITE} accounts and {@link #MAX_BYTES_PER_WRITE}
 * per call), so its durable writes cost about 3 commands per bucket and {@code durable-interval}, whatever the
 * number of accounts below ~64 per bucket.
 *
 * <p>Idle expiry without per-field TTLs (Redis 7.0): the generation GEN = now ÷ {@code idle-expiry}; writes go to
 * the current generation (moving the account's record out of the previous one), a key expires at the end of
 * the generation after its own, and loads read both: a record lives between one and two {@code idle-expiry}
 * after its last write.
 */
final class ProfileBuckets {

    private static final Logger log = LoggerFactory.getLogger(ProfileBuckets.class);
    static final int MAX_FIELDS_PER_WRITE = 64;
    static final int MAX_BYTES_PER_WRITE = 256 * 1024;
    /** A full profile is ≤ ~1 KiB, the marks ~30 bytes per replica: a larger record is refused, not written. */
    static final int MAX_RECORD_BYTES = 16 * 1024;

    /** An account's durable profile as read: profile, per replica the last batch it includes, newer-build counters skipped. */
    record Stored(AccountProfile profile, Map<String, DurableRecord.Mark> marks, boolean foreign) {
        static Stored none() {
            return new Stored(new AccountProfile(), Map.of(), false);
        }
    }

    private final RedissonClient client;
    private final RedisKeys keys;
    private final WriteBehind writer;
    private final LegacyProfileHash legacy; // null: old hashes are no longer read
    private final int buckets;
    private final long generationMillis;
    private final long markCutoffMillis;
    private final long durableNanos;
    private final ConcurrentHashMap<Integer, Long> dueAt = new ConcurrentHashMap<>();
    private final BucketWrite[] writes;
    private final Counter corrupt;
    private final Counter written;
    private final Counter refused;
    private final Counter oversized;
    private final Counter foreignSkips;
    private volatile Consumer<String> reload = a -> { };

    ProfileBuckets(RedissonClient client, RedisKeys keys, WriteBehind writer, LegacyProfileHash legacy,
                   int buckets, long generationMillis, long markCutoffMillis, long durableNanos, Counter corrupt,
                   MeterRegistry meters) {
        this.client = client;
        this.keys = keys;
        this.writer = writer;
        this.legacy = legacy;
        this.buckets = buckets;
        this.generationMillis = generationMillis;
        this.markCutoffMillis = markCutoffMillis;
        this.durableNanos = durableNanos;
        this.corrupt = corrupt;
        this.writes = new BucketWrite[buckets];
        for (int b = 0; b < buckets; b++) {
            writes[b] = new BucketWrite(b);
        }
        this.written = Counter.builder("guard.state.profile_records.written")
                .description("Durable profile records written to profile buckets by this replica").register(meters);
        this.refused = Counter.builder("guard.state.profile_records.refused")
                .description("Durable profile records refused: the stored one includes changes this view lacks (reloaded, retried)")
                .register(meters);
        this.oversized = Counter.builder("guard.state.profile_records.oversized")
                .description("Durable profile records not written: larger than the per-record bound").register(meters);
        this.foreignSkips = Counter.builder("guard.state.compactions.skipped.newer_format")
                .description("Durable writes left to a newer build: the account's record holds counters this build does not know")
                .register(meters);
    }

    /** Who reloads an account's view when its record was refused (the near cache). */
    void onRefused(Consumer<String> reload) {
        this.reload = reload;
    }

    int bucketOf(String account) {
        return bucketOf(account, buckets);
    }

    /** String.hashCode is specified: every replica puts an account in the same bucket. */
    static int bucketOf(String account, int buckets) {
        int h = account.hashCode() * 0x9E3779B9;
        return Math.floorMod(h ^ (h >>> 16), buckets);
    }

    /** The generation of the bucket keys written at {@code nowMillis}. */
    static long generation(long nowMillis, long generationMillis) {
        return Math.floorDiv(nowMillis, generationMillis);
    }

    private long generation(long nowMillis) {
        return generation(nowMillis, generationMillis);
    }

    // ---- reads ----

    /** Adds the cold load of {@code account} to {@code batch}: the current and previous generation's field; then, if neither holds it, the old hash. */
    CompletableFuture<Stored> load(RBatch batch, String account) {
        long gen = generation(System.currentTimeMillis());
        int b = bucketOf(account);
        byte[] field = bytes(account);
        CompletableFuture<byte[]> cur = batch.<byte[], byte[]>getMap(keys.profileBucket(b, gen), ByteArrayCodec.INSTANCE)
                .getAsync(field).toCompletableFuture();
        CompletableFuture<byte[]> prev = batch.<byte[], byte[]>getMap(keys.profileBucket(b, gen - 1), ByteArrayCodec.INSTANCE)
                .getAsync(field).toCompletableFuture();
        return cur.thenCombine(prev, this::pick).thenCompose(s -> orLegacy(s, account));
    }

    /** The account's durable profile alone, read now (no stream changes): what a cold load has once the stream lost them. */
    CompletableFuture<Stored> read(String account) {
        RBatch batch = client.createBatch();
        CompletableFuture<Stored> stored = load(batch, account);
        batch.executeAsync();
        return stored;
    }

    private Stored pick(byte[] cur, byte[] prev) {
        Stored s = decode(cur);
        return s != null ? s : decode(prev);
    }

    private CompletableFuture<Stored> orLegacy(Stored stored, String account) {
        if (stored != null) {
            return CompletableFuture.completedFuture(stored);
        }
        if (legacy == null) {
            return CompletableFuture.completedFuture(Stored.none());
        }
        return legacy.read(account).thenApply(s -> s == null ? Stored.none() : s);
    }

    private Stored decode(byte[] value) {
        if (value == null) {
            return null;
        }
        try {
            DurableRecord r = DurableRecord.decode(value);
            return new Stored(r.profile(), r.marks(), r.foreign());
        } catch (RuntimeException e) {
            corrupt.increment();
            log.warn("skipping an undecodable durable profile record: {}", e.getMessage());
            return null;
        }
    }

    // ---- when a bucket is due ----

    /** A change of an account in bucket {@code b} was shipped: the bucket is due within {@code durable-interval}. */
    void changed(int b, long nowNanos) {
        dueAt.putIfAbsent(b, nowNanos + durableNanos);
    }

    /** The buckets due now, each with the due time seen (for {@link #settled}); {@code force}: every bucket with changes. */
    Map<Integer, Long> due(long nowNanos, boolean force) {
        Map<Integer, Long> due = new java.util.HashMap<>();
        dueAt.forEach((b, at) -> {
            if (force || nowNanos - at >= 0) {
                due.put(b, at);
            }
        });
        return due;
    }

    /** A pass over the due buckets took every account of theirs except those of {@code waiting} (views still loading). */
    void settled(Map<Integer, Long> due, Set<Integer> waiting) {
        due.forEach((b, at) -> {
            if (!waiting.contains(b)) {
                dueAt.remove(b, at);
            }
        });
    }

    private void dueAgain(int b) {
        dueAt.put(b, System.nanoTime());
    }

    // ---- writes ----

    /**
     * Queues {@code record} (the account's whole view with marks, own mark {@code seq}) for its bucket's next
     * write; {@code foreign} views (a newer build's counters) and oversized records are not written, only counted.
     *
     * @return whether it was queued
     */
    boolean write(OwnChanges.Own own, byte[] record, long seq, boolean urgent) {
        if (record.length > MAX_RECORD_BYTES) {
            oversized.increment();
            log.warn("a durable profile record of {} bytes exceeds {} bytes: not written (its changes stay in the stream "
                    + "for stream-retention)", record.length, MAX_RECORD_BYTES);
            own.written(seq);
            return false;
        }
        int b = bucketOf(own.account());
        writes[b].pending.put(own.account(), new Pending(own, record, seq));
        if (!writer.enqueue("pd:" + b, writes[b], urgent)) {
            dueAgain(b);
        }
        return true;
    }

    /** A view holding a newer build's counters is not written by this build: counted, left to that build. */
    void leftToNewerBuild(OwnChanges.Own own, long seq) {
        foreignSkips.increment();
        own.written(seq);
    }

    /** The marks a record keeps: those shipped since now − 2 × {@code stream-retention} (older ones name no retained batch). */
    long markCutoff(long nowMillis) {
        return nowMillis - markCutoffMillis;
    }

    private record Pending(OwnChanges.Own own, byte[] record, long seq) {
    }

    /** One bucket's queued records, written by the shared writer; one script call per chunk. */
    private final class BucketWrite implements WriteBehind.Task {
        private final int bucket;
        private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();
        private volatile long expirySetAt = Long.MIN_VALUE; // when a write of ours last set the current key's expiry

        BucketWrite(int bucket) {
            this.bucket = bucket;
        }

        @Override
        public CompletableFuture<?> addTo(RBatch batch) {
            List<Pending> all = new ArrayList<>(pending.size());
            for (String account : new ArrayList<>(pending.keySet())) {
                Pending p = pending.remove(account);
                if (p != null) {
                    all.add(p);
                }
            }
            if (all.isEmpty()) {
                return null;
            }
            long now = System.currentTimeMillis();
            long gen = generation(now);
            // on our first write to a generation, and once a seventh of it later (a key deleted behind our back and
            // re-created by a write gets its expiry back)
            long setAt = expirySetAt;
            boolean setExpiry = setAt == Long.MIN_VALUE || generation(setAt) != gen || now - setAt >= generationMillis / 7;
            List<Object> keyList = List.of(keys.profileBucket(bucket, gen), keys.profileBucket(bucket, gen - 1));
            byte[] expireAt = bytes(Long.toString((gen + 2) * generationMillis));
            byte[] cutoff = bytes(Long.toString(markCutoff(now)));
            List<CompletableFuture<?>> calls = new ArrayList<>();
            int from = 0;
            while (from < all.size()) {
                int to = from;
                int size = 0;
                while (to < all.size() && to - from < MAX_FIELDS_PER_WRITE
                        && (to == from || size + all.get(to).record().length <= MAX_BYTES_PER_WRITE)) {
                    size += all.get(to).record().length;
                    to++;
                }
                List<Pending> chunk = all.subList(from, to);
                List<Object> args = new ArrayList<>(3 + chunk.size() * 2);
                args.add(expireAt);
                args.add(cutoff);
                args.add(bytes(setExpiry ? "1" : ""));
                for (Pending p : chunk) {
                    args.add(bytes(p.own().account()));
                    args.add(p.record());
                }
                calls.add(batch.getScript(ByteArrayCodec.INSTANCE)
                        .<List<Object>>evalAsync(keyList.get(0).toString(), RScript.Mode.READ_WRITE, RedisScripts.DURABLE_BUCKET,
                                RScript.ReturnType.LIST, keyList, args.toArray())
                        .toCompletableFuture()
                        .handle((refusedIdx, error) -> {
                            completed(chunk, refusedIdx, error, setExpiry ? now : Long.MIN_VALUE);
                            return null;
                        }));
                from = to;
            }
            return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new));
        }

        private void completed(List<Pending> chunk, List<Object> refusedIdx, Throwable error, long expirySentAt) {
            if (error != null) {
                log.debug("durable write of profile bucket {} failed (retried): {}", bucket, error.toString());
                dueAgain(bucket);
                return;
            }
            if (expirySentAt != Long.MIN_VALUE) {
                expirySetAt = expirySentAt;
            }
            Set<Integer> no = new HashSet<>();
            if (refusedIdx != null) {
                refusedIdx.forEach(i -> no.add(((Number) i).intValue() - 1));
            }
            for (int i = 0; i < chunk.size(); i++) {
                Pending p = chunk.get(i);
                if (no.contains(i)) {
                    refused.increment();
                    reload.accept(p.own().account());
                } else {
                    written.increment();
                    p.own().written(p.seq());
                }
            }
            if (!no.isEmpty()) {
                dueAgain(bucket); // written again once the reloaded views hold what the stored records have
            }
        }

        @Override
        public void failed(Throwable error) {
            dueAgain(bucket);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
