package io.extractionguard.gateway.state.redis;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.redisson.api.RBatch;
import org.redisson.api.RScript;
import org.redisson.api.RStream;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamAddArgs;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.client.codec.ByteArrayCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.extractionguard.engine.state.AccountProfile;
import io.extractionguard.engine.state.Observation;
import io.extractionguard.engine.state.ProfileCodec;
import io.extractionguard.engine.state.ProfileStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;

/**
 * Account profiles shared through Redis, served from a Caffeine near cache.
 *
 * <p>A replica records the changes it makes to each account ({@link Own}) and ships the changes of
 * <em>all</em> its accounts every {@code stream-interval} as one entry of the profile stream
 * ({@code {prefix}:profile-events}, {@code XADD … MINID ~}), tagged with its replica id and a batch
 * sequence number. Every replica tails the stream (one blocking {@code XREAD} returns every replica's
 * latest batch) and merges the other replicas' changes into the accounts it holds; it also keeps the
 * retained changes for {@code stream-retention} ({@link #recent}), for cold loads. Profiles merge
 * commutatively ({@link AccountProfile#merge}), so order does not matter and nothing is overwritten.
 *
 * <p>Durability: an account changed here has its shipped changes written to its hash as one change
 * record at most every {@code durable-interval} (and at shutdown), with this replica's high-water mark
 * {@code hw:<replica>} = the last batch whose changes the hash now includes. A cold load reads the
 * hash and adds, per replica, the retained stream changes after its high-water mark, plus what this
 * replica has not shipped yet — every change exactly once. A replica compacts an account's records
 * into its snapshot on load once there are {@code compact-after} of them.
 */
final class RedisProfiles {

    private static final Logger log = LoggerFactory.getLogger(RedisProfiles.class);
    private static final String SNAPSHOT = "s";
    private static final String RECORD_PREFIX = "d:";
    private static final String HIGH_WATER_PREFIX = "hw:";
    private static final byte[] FIELD = {'b'};
    private static final byte BATCH_VERSION = 1;

    private final RedissonClient client;
    private final RedisKeys keys;
    private final WriteBehind writer;
    private final RedisAvailability availability;
    private final RStream<byte[], byte[]> stream;
    private final Cache<String, Entry> cache;
    private final ConcurrentHashMap<String, Own> own = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ArrayDeque<Delta>> recent = new ConcurrentHashMap<>();
    private final String replicaId;
    private final AtomicLong recordSeq = new AtomicLong();
    private final AtomicLong entrySeq = new AtomicLong();
    private final AtomicLong batchSeq = new AtomicLong();
    private final long ttlMillis;
    private final long streamMillis;
    private final long durableNanos;
    private final long retentionMillis;
    private final int compactAfter;
    private final long expiryRefreshNanos;
    private static final long UNKNOWN = Long.MIN_VALUE;
    private final int maxOwn;
    private final long timeoutMillis;
    private final ScheduledExecutorService shipper;
    private final StreamTail tail;
    private final Counter dropped;
    private final Counter overflow;
    private final Counter corrupt;
    private final Counter compactions;
    private final Counter foreignSkips;
    private final Counter batches;
    private final Counter applied;
    private volatile boolean overflowed; // some entries hold changes that did not fit `own`
    private byte[] unsent; // a batch whose XADD failed: sent again before anything newer (shipper thread only)

    RedisProfiles(RedissonClient client, RedisKeys keys, WriteBehind writer, RedisAvailability availability,
                  String replicaId, RedisStateProperties props, Duration accountTtl, MeterRegistry meters) {
        this.client = client;
        this.keys = keys;
        this.writer = writer;
        this.availability = availability;
        this.replicaId = replicaId;
        this.stream = client.getStream(keys.profileEvents(), ByteArrayCodec.INSTANCE);
        this.ttlMillis = accountTtl.toMillis();
        this.streamMillis = props.sync().streamInterval().toMillis();
        this.durableNanos = props.sync().durableInterval().toNanos();
        this.retentionMillis = props.sync().streamRetention().toMillis();
        this.compactAfter = props.sync().compactAfter();
        this.expiryRefreshNanos = accountTtl.toNanos() / 7;
        this.maxOwn = props.sync().bufferAccounts();
        this.timeoutMillis = props.timeout().toMillis();
        this.cache = Caffeine.newBuilder()
                .maximumSize(props.nearCache().maxAccounts())
                .expireAfterAccess(props.nearCache().idleExpiry())
                .removalListener(this::evicted)
                .recordStats()
                .build();
        CaffeineCacheMetrics.monitor(meters, cache, "guard.state.near_cache");
        this.dropped = Counter.builder("guard.state.writes.dropped")
                .description("Profile changes lost: evicted from the near cache while the write buffer was full")
                .register(meters);
        this.overflow = Counter.builder("guard.state.buffer.overflow") // the writer's counter: one buffer bound
                .description("State changes that did not fit the write buffer (kept locally, retried with the next change)")
                .register(meters);
        this.corrupt = Counter.builder("guard.state.decode.errors")
                .description("Stored profile or verdict blobs that could not be decoded and were skipped")
                .register(meters);
        this.compactions = Counter.builder("guard.state.compactions")
                .description("Profile change records folded into snapshots by this replica")
                .register(meters);
        this.foreignSkips = Counter.builder("guard.state.compactions.skipped.newer_format")
                .description("Compactions left to a newer build: the hash holds counters this build does not know")
                .register(meters);
        this.batches = Counter.builder("guard.state.profile_stream.batches")
                .description("Profile stream entries (one XADD each, all changed accounts) this replica wrote")
                .register(meters);
        this.applied = Counter.builder("guard.state.profile_stream.applied")
                .description("Account changes of other replicas merged into this replica's near cache")
                .register(meters);
        this.shipper = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "guard-profile-sync"));
        this.tail = new StreamTail("profile", stream, availability,
                new StreamMessageId(Math.max(0, System.currentTimeMillis() - retentionMillis), 0),
                props.sync().streamInterval(), this::applyEntry);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Starts tailing and waits until the retained stream is read (at most {@code timeout}, not at all
     * while Redis is unreachable), then starts shipping.
     */
    void start(Duration timeout) {
        tail.start(timeout);
        shipper.scheduleWithFixedDelay(this::ship, streamMillis, streamMillis, TimeUnit.MILLISECONDS);
    }

    ProfileStats observe(String account, Observation o, double prior) {
        Entry e = entry(account);
        synchronized (e) {
            while (true) {
                Own mine = ownFor(account);
                if (mine == null) {
                    return e.view.apply(o, prior, e.unrecorded());
                }
                synchronized (mine) {
                    if (!mine.retired) {
                        return e.view.apply(o, prior, e.recordIn(mine));
                    }
                }
            }
        }
    }

    void recordUsage(String account, long atMillis, long in, long out) {
        Entry e = entry(account);
        synchronized (e) {
            while (true) {
                Own mine = ownFor(account);
                if (mine == null) {
                    e.view.addUsage(atMillis, in, out, e.unrecorded());
                    return;
                }
                synchronized (mine) {
                    if (!mine.retired) {
                        e.view.addUsage(atMillis, in, out, e.recordIn(mine));
                        return;
                    }
                }
            }
        }
    }

    Optional<ProfileStats> peek(String account, Instant now, double prior) {
        Entry e = cache.getIfPresent(account);
        if (e == null) {
            entry(account); // load it for next time; never wait here
            return Optional.empty();
        }
        return e.stats(now.toEpochMilli(), prior);
    }

    /**
     * The account's view once loaded from Redis (the hash ⊕ the retained stream changes ⊕ this replica's
     * own), as a copy; empty, with the load queued, before that. For the fleet's convergence check.
     */
    Optional<AccountProfile> loadedView(String account) {
        Entry e = entry(account);
        synchronized (e) {
            return e.loaded ? Optional.of(e.view.copy()) : Optional.empty();
        }
    }

    /**
     * The account's hash alone (snapshot ⊕ change records), read now: what a cold load will have once the
     * retained stream no longer holds the changes. For the convergence check's durability test.
     */
    CompletableFuture<AccountProfile> readHash(String account) {
        String key = keys.profile(account);
        return client.getScript(ByteArrayCodec.INSTANCE)
                .<List<Object>>evalAsync(key, RScript.Mode.READ_WRITE, RedisScripts.LOAD_PROFILE, RScript.ReturnType.LIST,
                        Collections.singletonList(key), bytes(Long.toString(ttlMillis)))
                .toCompletableFuture().thenApply(hash -> parse(hash).merged());
    }

    /** Number of accounts in the near cache (approximate). */
    long cachedAccounts() {
        return cache.estimatedSize();
    }

    /**
     * After an outage (not on an event loop): queue the loads and durable writes that waited, and reload
     * every cached account only when the stream no longer holds everything after the last entry read
     * (trimmed past it, or Redis lost its data): a short blip keeps the views, the tail resumes where it was.
     */
    void requeueUnwritten() {
        if (streamHasGap()) {
            log.warn("profiles: the profile stream lost entries this replica had not read; reloading {} cached accounts",
                    cache.estimatedSize());
            cache.asMap().values().forEach(Entry::reload);
        } else {
            cache.asMap().values().forEach(Entry::loadIfNeeded);
        }
        long now = System.nanoTime();
        own.values().forEach(o -> o.queueIfDue(now, false));
    }

    private boolean streamHasGap() {
        StreamMessageId read = tail.last();
        if (!tail.readAny()) {
            return false; // nothing read yet: the start-up read covers the retained stream
        }
        try {
            Map<StreamMessageId, Map<byte[], byte[]>> first = stream.rangeAsync(1, StreamMessageId.MIN, StreamMessageId.MAX)
                    .toCompletableFuture().get(timeoutMillis, TimeUnit.MILLISECONDS);
            if (first == null || first.isEmpty()) {
                return true;
            }
            StreamMessageId oldest = first.keySet().iterator().next();
            return oldest.getId0() > read.getId0()
                    || (oldest.getId0() == read.getId0() && oldest.getId1() > read.getId1());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        } catch (Exception e) {
            return true; // cannot tell: reload
        }
    }

    /** Graceful shutdown: ships what is not shipped and queues every account's durable write (the caller drains). */
    void flushForShutdown() {
        tail.halt();
        shipper.shutdown();
        try {
            shipper.awaitTermination(timeoutMillis * 2, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ship();
        long now = System.nanoTime();
        own.values().forEach(o -> o.queueIfDue(now, true));
    }

    /** Stops tailing (after {@link #flushForShutdown} and the writer's drain). */
    void stopTailing() {
        tail.stop(timeoutMillis);
    }

    /** Accounts whose changes made here are not all in Redis yet (shipped and durable). */
    int unwrittenAccounts() {
        return own.size();
    }

    private void evicted(String account, Entry e, com.github.benmanes.caffeine.cache.RemovalCause cause) {
        if (e != null && e.hasUnrecorded()) {
            dropped.increment();
            log.warn("profile changes of an account were dropped: evicted from the near cache while the write buffer "
                    + "was full (guard.state.redis.sync.buffer-accounts)");
        }
    }

    private Entry entry(String account) {
        Entry e = cache.get(account, a -> new Entry(a, keys.profile(a), "p:" + a + "#" + entrySeq.incrementAndGet()));
        e.loadIfNeeded();
        return e;
    }

    /**
     * This replica's record of its changes to {@code account}; null (counted) when {@code buffer-accounts}
     * accounts already have unshared changes: the change then waits in the near-cache entry and is
     * recorded with the account's next change.
     */
    private Own ownFor(String account) {
        Own mine = own.get(account);
        if (mine == null) {
            if (own.size() >= maxOwn) {
                overflow.increment();
                overflowed = true;
                return null;
            }
            mine = own.computeIfAbsent(account, a -> new Own(a, keys.profile(a), "d:" + a + "#" + entrySeq.incrementAndGet()));
        }
        return mine;
    }

    // ---- shipping: one stream entry per interval for all changed accounts ----

    void ship() {
        try {
            if (!availability.available()) {
                return; // the heartbeat probes; the next interval after recovery ships the backlog
            }
            if (unsent == null) {
                unsent = takeBatch();
            }
            if (unsent == null) {
                return;
            }
            long minId = Math.max(0, System.currentTimeMillis() - retentionMillis);
            StreamAddArgs<byte[], byte[]> add = StreamAddArgs.<byte[], byte[]>entry(FIELD, unsent)
                    .trimNonStrict().minId(new StreamMessageId(minId, 0)).noLimit();
            try {
                stream.addAsync(add).toCompletableFuture().get(timeoutMillis, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                availability.failure(e);
                log.debug("profile batch not shipped (retried): {}", e.toString());
                return;
            }
            availability.success();
            batches.increment();
            unsent = null;
        } catch (RuntimeException e) {
            log.warn("profile shipping failed; retrying", e);
        } finally {
            pruneRecent();
        }
    }

    /** Takes every account's unshipped changes into one batch (null when none), and queues due durable writes. */
    private byte[] takeBatch() {
        if (overflowed && own.size() < maxOwn / 2 + 1) {
            overflowed = false;
            cache.asMap().values().forEach(Entry::recordWaiting);
        }
        long seq = batchSeq.incrementAndGet();
        long now = System.nanoTime();
        long nowMillis = System.currentTimeMillis();
        List<String> accounts = new ArrayList<>();
        List<byte[]> blobs = new ArrayList<>();
        for (Own o : own.values()) {
            synchronized (o) {
                if (o.pending != null) {
                    byte[] blob = ProfileCodec.encode(o.pending);
                    o.shipped(seq, now);
                    remember(o.account, new Delta(replicaId, seq, blob, nowMillis)); // under o's lock: see Entry.load
                    accounts.add(o.account);
                    blobs.add(blob);
                }
            }
            o.queueIfDue(now, false);
        }
        return accounts.isEmpty() ? null : encodeBatch(replicaId, seq, accounts, blobs);
    }

    // ---- tailing ----

    private void applyEntry(StreamMessageId id, Map<byte[], byte[]> fields) {
        for (byte[] batch : fields.values()) {
            try {
                decodeBatch(batch, (replica, seq, account, blob) -> {
                    if (replica.equals(replicaId)) {
                        return; // ours: already in our views and remembered when shipped
                    }
                    remember(account, new Delta(replica, seq, blob, id.getId0()));
                    Entry e = cache.getIfPresent(account);
                    if (e != null && e.remote(replica, seq, blob)) {
                        applied.increment();
                    }
                });
            } catch (RuntimeException e) {
                corrupt.increment();
                log.warn("profile stream entry {} skipped: {}", id, e.getMessage());
            }
        }
    }

    /** One account's change shipped in a stream batch, kept for {@code stream-retention} for cold loads. */
    private record Delta(String replica, long seq, byte[] blob, long atMillis) {
    }

    private void remember(String account, Delta d) {
        recent.compute(account, (a, q) -> {
            ArrayDeque<Delta> deltas = q == null ? new ArrayDeque<>(4) : q;
            for (Delta x : deltas) {
                if (x.seq() == d.seq() && x.replica().equals(d.replica())) {
                    return deltas; // read twice (e.g. a retried XADD that had succeeded)
                }
            }
            deltas.add(d);
            return deltas;
        });
    }

    private List<Delta> remembered(String account) {
        List<Delta> out = new ArrayList<>();
        recent.computeIfPresent(account, (a, q) -> {
            out.addAll(q);
            return q;
        });
        return out;
    }

    private void pruneRecent() {
        long cutoff = System.currentTimeMillis() - retentionMillis;
        recent.keySet().forEach(account -> recent.computeIfPresent(account, (a, q) -> {
            while (!q.isEmpty() && q.peekFirst().atMillis() < cutoff) {
                q.pollFirst();
            }
            return q.isEmpty() ? null : q;
        }));
    }

    // ---- batch format ----

    /** batch := version(1) replicaLen(1) replica(utf8) seq(8) count(4) (accountLen(2) account(utf8) blobLen(4) blob)* */
    static byte[] encodeBatch(String replica, long seq, List<String> accounts, List<byte[]> blobs) {
        byte[] id = replica.getBytes(StandardCharsets.UTF_8);
        List<byte[]> names = new ArrayList<>(accounts.size());
        int size = 1 + 1 + id.length + 8 + 4;
        for (int i = 0; i < accounts.size(); i++) {
            byte[] name = accounts.get(i).getBytes(StandardCharsets.UTF_8);
            if (name.length > 65_535) {
                throw new IllegalArgumentException("account id too long");
            }
            names.add(name);
            size += 2 + name.length + 4 + blobs.get(i).length;
        }
        ByteBuffer b = ByteBuffer.allocate(size).put(BATCH_VERSION).put((byte) id.length).put(id).putLong(seq)
                .putInt(accounts.size());
        for (int i = 0; i < names.size(); i++) {
            b.putShort((short) names.get(i).length).put(names.get(i)).putInt(blobs.get(i).length).put(blobs.get(i));
        }
        return b.array();
    }

    interface BatchVisitor {
        void change(String replica, long seq, String account, byte[] blob);
    }

    static void decodeBatch(byte[] batch, BatchVisitor visitor) {
        ByteBuffer b = ByteBuffer.wrap(batch);
        try {
            byte version = b.get();
            if (version != BATCH_VERSION) {
                throw new IllegalArgumentException("unknown profile batch version " + version);
            }
            byte[] id = new byte[b.get() & 0xFF];
            b.get(id);
            String replica = new String(id, StandardCharsets.UTF_8);
            long seq = b.getLong();
            int count = b.getInt();
            for (int i = 0; i < count; i++) {
                byte[] name = new byte[b.getShort() & 0xFFFF];
                b.get(name);
                byte[] blob = new byte[b.getInt()];
                b.get(blob);
                visitor.change(replica, seq, new String(name, StandardCharsets.UTF_8), blob);
            }
        } catch (BufferUnderflowException | NegativeArraySizeException e) {
            throw new IllegalArgumentException("profile batch is truncated", e);
        }
    }

    // ---- the hash ----

    private String newRecordField() {
        return RECORD_PREFIX + replicaId + ":" + Long.toString(recordSeq.incrementAndGet(), 36);
    }

    /** What an account's hash held when read: the merge of all of it, the snapshot's SHA-1, the record names, high-water marks. */
    /**
     * An account's hash as read. {@code foreign}: some field holds counters a newer build added (a
     * rolling upgrade is under way); this build then does not compact the hash, so that what it cannot
     * represent is not folded away.
     */
    private record Stored(AccountProfile merged, String snapshotSha, List<String> records, Map<String, Long> highWater,
                          boolean foreign) {
    }

    private Stored parse(List<Object> flat) {
        AccountProfile merged = new AccountProfile();
        String snapshotSha = "";
        List<String> records = new ArrayList<>();
        Map<String, Long> highWater = new HashMap<>();
        boolean foreign = false;
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            String field = text(flat.get(i));
            Object value = flat.get(i + 1);
            if (field.startsWith(HIGH_WATER_PREFIX)) {
                try {
                    highWater.put(field.substring(HIGH_WATER_PREFIX.length()), Long.parseLong(text(value)));
                } catch (NumberFormatException e) {
                    corrupt.increment();
                }
                continue;
            }
            boolean snapshot = field.equals(SNAPSHOT);
            if (!snapshot && !field.startsWith(RECORD_PREFIX)) {
                continue;
            }
            if (snapshot) {
                snapshotSha = sha1Hex((byte[]) value);
            }
            try {
                ProfileCodec.Read read = ProfileCodec.read((byte[]) value);
                merged.merge(read.profile());
                foreign |= !read.complete();
            } catch (RuntimeException ex) {
                corrupt.increment();
                log.warn("skipping an undecodable profile field '{}': {}", field, ex.getMessage());
                if (snapshot) {
                    continue; // an unreadable snapshot is replaced by the next compaction
                }
            }
            if (!snapshot) {
                records.add(field); // undecodable records are folded away (dropped) by compaction too
            }
        }
        return new Stored(merged, snapshotSha, records, highWater, foreign);
    }

    private static String sha1Hex(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is a mandatory JDK algorithm", e);
        }
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Reads the hash and folds its records into the snapshot (after a durable write found too many); asynchronous. */
    private void compactNow(String key, Entry entry) {
        try {
            client.getScript(ByteArrayCodec.INSTANCE)
                    .<List<Object>>evalAsync(key, RScript.Mode.READ_WRITE, RedisScripts.LOAD_PROFILE, RScript.ReturnType.LIST,
                            Collections.singletonList(key), bytes(Long.toString(ttlMillis)))
                    .whenComplete((hash, error) -> {
                        if (error == null) {
                            Stored stored = parse(hash);
                            if (!stored.records().isEmpty()) {
                                compact(key, stored, entry);
                            }
                        }
                    });
        } catch (RuntimeException e) {
            log.debug("compaction read of a profile failed (will retry later): {}", e.toString());
        }
    }

    /** Folds the records into the snapshot unless someone else compacted first; asynchronous. */
    private void compact(String key, Stored stored, Entry entry) {
        if (stored.foreign()) {
            foreignSkips.increment(); // a newer build's counters are in it: that build compacts it
            return;
        }
        List<Object> args = new ArrayList<>(3 + stored.records().size());
        args.add(bytes(stored.snapshotSha()));
        args.add(ProfileCodec.encode(stored.merged()));
        args.add(bytes(Long.toString(ttlMillis)));
        stored.records().forEach(r -> args.add(bytes(r)));
        CompletableFuture<Long> compacted;
        try {
            compacted = client.getScript(ByteArrayCodec.INSTANCE)
                    .<Long>evalAsync(key, RScript.Mode.READ_WRITE, RedisScripts.COMPACT_PROFILE, RScript.ReturnType.LONG,
                            Collections.singletonList(key), args.toArray())
                    .toCompletableFuture();
        } catch (RuntimeException e) {
            compacted = CompletableFuture.failedFuture(e);
        }
        compacted.whenComplete((done, error) -> {
            if (error != null) {
                log.debug("compaction of a profile failed (will retry later): {}", error.toString());
            } else if (done != null && done == 1L) {
                compactions.increment(stored.records().size());
                entry.compacted(stored.records().size());
            }
        });
    }

    /**
     * This replica's changes to one account: not yet shipped ({@code pending}), shipped but not yet in
     * the hash ({@code undurable}, up to batch {@code highWater}), being written ({@code writing}).
     * Outlives the account's near-cache entry, so eviction loses nothing. Also its durable-write task.
     */
    final class Own implements WriteBehind.Task {
        private final String account;
        private final String key;
        private final String taskId;
        private AccountProfile pending;
        private AccountProfile undurable;
        private long highWater;
        private long dueNanos;
        private AccountProfile writing;
        private long writingHighWater;
        private String field;
        private boolean forceAfterWrite; // a forced write (shutdown) came while one was in flight: write the rest at once
        private boolean retired; // removed from `own` (nothing left to write): changes go to a new one

        Own(String account, String key, String taskId) {
            this.account = account;
            this.key = key;
            this.taskId = taskId;
        }

        /** Must hold the lock. */
        AccountProfile changes() {
            if (pending == null) {
                pending = new AccountProfile();
            }
            return pending;
        }

        /** Must hold the lock: the pending changes went out in batch {@code seq}. */
        void shipped(long seq, long now) {
            if (undurable == null) {
                undurable = pending;
                if (writing == null) {
                    dueNanos = now + durableNanos;
                }
            } else {
                undurable.merge(pending);
            }
            pending = null;
            highWater = seq;
        }

        void queueIfDue(long now, boolean force) {
            boolean due;
            synchronized (this) {
                if (force && writing != null) {
                    forceAfterWrite = true;
                }
                due = undurable != null && writing == null && (force || now - dueNanos >= 0);
            }
            if (due) {
                writer.enqueue(taskId, this, force);
            }
        }

        @Override
        public CompletableFuture<?> addTo(RBatch batch) {
            Entry entry = cache.asMap().get(account); // no stats: not a lookup of the near cache
            long sentNanos = System.nanoTime();
            boolean refresh = entry == null || entry.expiryDue(sentNanos);
            byte[] record;
            String recordField;
            long hw;
            synchronized (this) {
                if (writing != null || undurable == null) {
                    return null;
                }
                writing = undurable;
                writingHighWater = highWater;
                undurable = null;
                if (field == null) {
                    field = newRecordField();
                }
                record = ProfileCodec.encode(writing);
                recordField = field;
                hw = writingHighWater;
            }
            return batch.getScript(ByteArrayCodec.INSTANCE)
                    .<Long>evalAsync(key, RScript.Mode.READ_WRITE, RedisScripts.DURABLE_PROFILE, RScript.ReturnType.LONG,
                            Collections.singletonList(key), bytes(recordField), record,
                            bytes(HIGH_WATER_PREFIX + replicaId), bytes(Long.toString(hw)), bytes(refresh ? "1" : ""),
                            bytes(Long.toString(ttlMillis)))
                    .toCompletableFuture()
                    .handle((added, error) -> {
                        if (error == null && entry != null) {
                            entry.written(added, refresh || added == 2L ? sentNanos : Long.MIN_VALUE);
                        }
                        completed(error == null && entry != null ? entry : null, error);
                        return null;
                    });
        }

        @Override
        public void failed(Throwable error) {
            completed(null, error);
        }

        /** {@code entry}: the account's near-cache entry, when the write succeeded and it is cached. */
        private void completed(Entry entry, Throwable error) {
            boolean retry = false;
            boolean urgent;
            synchronized (this) {
                if (writing == null) {
                    return;
                }
                if (error != null) {
                    // keep it all; the same field name makes the retry (with later changes merged) idempotent
                    if (undurable != null) {
                        writing.merge(undurable);
                    }
                    undurable = writing;
                    retry = true;
                } else {
                    field = null;
                    if (undurable != null) {
                        dueNanos = System.nanoTime() + durableNanos;
                        retry = forceAfterWrite;
                    }
                }
                urgent = forceAfterWrite;
                forceAfterWrite = false;
                writing = null;
                if (pending == null && undurable == null) {
                    retired = true;
                    own.remove(account, this);
                }
            }
            if (retry && availability.available()) {
                writer.enqueue(taskId, this, urgent);
            }
            if (entry != null && entry.fieldsBesideSnapshot() >= compactAfter) {
                compactNow(key, entry);
            }
        }
    }

    /** One account's near-cache entry: its merged view; also its load task. */
    final class Entry implements WriteBehind.Task {
        private final String account;
        private final String key;
        private final String taskId;
        private AccountProfile view = new AccountProfile();
        private Map<String, Long> merged = new HashMap<>(); // per replica: the last batch merged into the view
        private boolean loaded;
        private boolean loading;
        private AccountProfile unrecorded; // changes made while the buffer was full; null when none
        // What this replica knows of the hash, so that a durable write needs no HLEN and rarely a PEXPIRE:
        // its fields besides the snapshot (as loaded, plus the fields our writes added; UNKNOWN before the load;
        // other replicas' records are not seen, so with n replicas a hash holds up to n × compact-after),
        // and when a command of ours last set its expiry (every setter sets now + idle-expiry, so the
        // hash lives at least that long after it).
        private final AtomicLong fields = new AtomicLong(UNKNOWN);
        private volatile long expirySetNanos;
        private volatile boolean expirySet;

        Entry(String account, String key, String taskId) {
            this.account = account;
            this.key = key;
            this.taskId = taskId;
        }

        /** The idle expiry is refreshed once a seventh of it has passed since we last set it. */
        boolean expiryDue(long nowNanos) {
            return !expirySet || nowNanos - expirySetNanos >= expiryRefreshNanos;
        }

        void expirySet(long sentNanos) {
            if (!expirySet || sentNanos - expirySetNanos > 0) {
                expirySetNanos = sentNanos;
                expirySet = true;
            }
        }

        /** A durable write of ours added {@code added} fields; it set the expiry when {@code sentNanos} is not MIN_VALUE. */
        void written(Long added, long sentNanos) {
            if (added != null) {
                fields.getAndUpdate(n -> n == UNKNOWN ? n : n + added);
            }
            if (sentNanos != Long.MIN_VALUE) {
                expirySet(sentNanos);
            }
        }

        long fieldsBesideSnapshot() {
            return fields.get();
        }

        /** A compaction of ours folded {@code folded} records away. */
        void compacted(int folded) {
            fields.getAndUpdate(n -> n == UNKNOWN ? n : Math.max(0, n - folded));
        }

        synchronized Optional<ProfileStats> stats(long nowMillis, double prior) {
            return view.isEmpty() ? Optional.empty() : Optional.of(view.stats(nowMillis, prior));
        }

        /** Must hold the lock. */
        AccountProfile unrecorded() {
            if (unrecorded == null) {
                unrecorded = new AccountProfile();
            }
            return unrecorded;
        }

        /** Must hold both locks: the changes to record in {@code mine}, with any that waited for room. */
        AccountProfile recordIn(Own mine) {
            AccountProfile changes = mine.changes();
            if (unrecorded != null) {
                changes.merge(unrecorded);
                unrecorded = null;
            }
            return changes;
        }

        /** Records the changes that waited for room in the buffer, if there is room now. */
        synchronized void recordWaiting() {
            if (unrecorded == null) {
                return;
            }
            while (true) {
                Own mine = ownFor(account);
                if (mine == null) {
                    return; // still full: flagged again
                }
                synchronized (mine) {
                    if (!mine.retired) {
                        recordIn(mine);
                        return;
                    }
                }
            }
        }

        synchronized boolean hasUnrecorded() {
            return unrecorded != null;
        }

        void loadIfNeeded() {
            boolean queue;
            synchronized (this) {
                queue = !loaded && !loading && availability.available(); // after an outage every entry reloads
            }
            if (queue) {
                writer.enqueue(taskId, this, false);
            }
        }

        void reload() {
            synchronized (this) {
                loaded = false;
            }
            loadIfNeeded();
        }

        /** Merges another replica's change from the stream, once; before the load the load picks it up instead. */
        synchronized boolean remote(String replica, long seq, byte[] blob) {
            if (!loaded || seq <= merged.getOrDefault(replica, 0L)) {
                return false;
            }
            try {
                view.merge(ProfileCodec.decode(blob));
            } catch (RuntimeException e) {
                corrupt.increment();
                log.warn("skipping an undecodable profile change from the stream: {}", e.getMessage());
            }
            merged.put(replica, seq);
            return true;
        }

        @Override
        public CompletableFuture<?> addTo(RBatch batch) {
            synchronized (this) {
                if (loaded || loading) {
                    return null;
                }
                loading = true;
            }
            long sentNanos = System.nanoTime();
            return batch.getScript(ByteArrayCodec.INSTANCE)
                    .<List<Object>>evalAsync(key, RScript.Mode.READ_WRITE, RedisScripts.LOAD_PROFILE,
                            RScript.ReturnType.LIST, Collections.singletonList(key), bytes(Long.toString(ttlMillis)))
                    .toCompletableFuture()
                    .handle((result, error) -> {
                        if (error != null) {
                            failed(error);
                        } else {
                            load(result, sentNanos);
                        }
                        return null;
                    });
        }

        @Override
        public void failed(Throwable error) {
            synchronized (this) {
                loading = false;
            }
            // loaded again on the next use, or on recovery
        }

        /** The view = the hash ⊕ every replica's retained changes after its high-water mark ⊕ our unshipped changes. */
        private void load(List<Object> hash, long sentNanos) {
            Stored stored = parse(hash);
            if (!stored.snapshotSha().isEmpty() || !stored.records().isEmpty() || !stored.highWater().isEmpty()) {
                expirySet(sentNanos); // LOAD_PROFILE's PEXPIRE works only on a hash that exists
            }
            // counted as the former HLEN − 1 (one field taken for the snapshot even before there is one)
            fields.set(stored.records().size() + stored.highWater().size() + (stored.snapshotSha().isEmpty() ? 0 : 1) - 1);
            synchronized (this) {
                AccountProfile fresh = stored.merged().copy();
                Map<String, Long> upTo = new HashMap<>(stored.highWater());
                Own mine = own.get(account);
                if (mine != null) {
                    synchronized (mine) { // the shipper moves pending into `recent` under this lock
                        addRemembered(fresh, stored.highWater(), upTo);
                        if (mine.pending != null) {
                            fresh.merge(mine.pending);
                        }
                    }
                } else {
                    addRemembered(fresh, stored.highWater(), upTo);
                }
                if (unrecorded != null) {
                    fresh.merge(unrecorded);
                }
                view = fresh;
                merged = upTo;
                loaded = true;
                loading = false;
            }
            if (stored.records().size() >= compactAfter) {
                compact(key, stored, this);
            }
        }

        private void addRemembered(AccountProfile into, Map<String, Long> highWater, Map<String, Long> upTo) {
            for (Delta d : remembered(account)) {
                if (d.seq() > highWater.getOrDefault(d.replica(), 0L)) {
                    try {
                        into.merge(ProfileCodec.decode(d.blob()));
                    } catch (RuntimeException e) {
                        corrupt.increment();
                        continue;
                    }
                    upTo.merge(d.replica(), d.seq(), Math::max);
                }
            }
        }
    }
}
