package io.extractionguard.gateway.state.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import org.redisson.api.RBatch;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;

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
 * <p>Each account's near-cache entry holds its merged <em>view</em> (what the engine reads and
 * updates, synchronously, in memory) and the <em>changes</em> made here since the last write. The
 * write-behind sends the changes as one record in the account's Redis hash ({@link RedisScripts#SYNC_PROFILE});
 * when the entry is new, or its view older than {@code refresh-interval}, the same script returns the
 * whole hash and the view is rebuilt as snapshot ⊕ all change records (every replica's) ⊕ the changes
 * made here since the write was taken. Changes are merged, never overwritten, so no replica's
 * observations are lost; a replica compacts an account's records into its snapshot once there are
 * {@code compact-after} of them.
 */
final class RedisProfiles {

    private static final Logger log = LoggerFactory.getLogger(RedisProfiles.class);
    private static final String SNAPSHOT = "s";
    private static final String RECORD_PREFIX = "d:";

    private final RedissonClient client;
    private final RedisKeys keys;
    private final WriteBehind writer;
    private final Cache<String, Entry> cache;
    private final String replicaId;
    private final AtomicLong recordSeq = new AtomicLong();
    private final AtomicLong entrySeq = new AtomicLong();
    private final long ttlMillis;
    private final long refreshNanos;
    private final int compactAfter;
    private final Counter dropped;
    private final Counter corrupt;
    private final Counter compactions;

    RedisProfiles(RedissonClient client, RedisKeys keys, WriteBehind writer, String replicaId,
                  RedisStateProperties props, Duration accountTtl, MeterRegistry meters) {
        this.client = client;
        this.keys = keys;
        this.writer = writer;
        this.replicaId = replicaId;
        this.ttlMillis = accountTtl.toMillis();
        this.refreshNanos = props.sync().refreshInterval().toNanos();
        this.compactAfter = props.sync().compactAfter();
        this.cache = Caffeine.newBuilder()
                .maximumSize(props.nearCache().maxAccounts())
                .expireAfterAccess(props.nearCache().idleExpiry())
                .removalListener(this::evicted)
                .recordStats()
                .build();
        CaffeineCacheMetrics.monitor(meters, cache, "guard.state.near_cache");
        writer.onRoom(this::requeueUnwritten);
        this.dropped = Counter.builder("guard.state.writes.dropped")
                .description("Profile changes lost: evicted from the near cache while the write buffer was full")
                .register(meters);
        this.corrupt = Counter.builder("guard.state.decode.errors")
                .description("Stored profile or verdict blobs that could not be decoded and were skipped")
                .register(meters);
        this.compactions = Counter.builder("guard.state.compactions")
                .description("Profile change records folded into snapshots by this replica")
                .register(meters);
    }

    ProfileStats observe(String account, Observation o, double prior) {
        Entry e = cache.get(account, this::newEntry);
        ProfileStats stats = e.observe(o, prior);
        e.queue();
        return stats;
    }

    void recordUsage(String account, long atMillis, long in, long out) {
        Entry e = cache.get(account, this::newEntry);
        e.usage(atMillis, in, out);
        e.queue();
    }

    Optional<ProfileStats> peek(String account, Instant now, double prior) {
        Entry e = cache.getIfPresent(account);
        if (e == null) {
            cache.get(account, this::newEntry).queue(); // load it for next time; never wait here
            return Optional.empty();
        }
        e.queue(); // refreshes the view from Redis when it is older than refresh-interval
        return e.stats(now.toEpochMilli(), prior);
    }

    /** Number of accounts in the near cache (approximate). */
    long cachedAccounts() {
        return cache.estimatedSize();
    }

    /** Queues every cached account with unwritten changes (after an outage, or once an overflowing buffer has room). */
    void requeueUnwritten() {
        cache.asMap().values().forEach(e -> {
            if (e.hasUnwritten() || e.needsLoad()) {
                e.queue();
            }
        });
    }

    private Entry newEntry(String account) {
        return new Entry(account, keys.profile(account), "p:" + account + "#" + entrySeq.incrementAndGet());
    }

    private void evicted(String account, Entry e, RemovalCause cause) {
        if (e != null && e.hasUnwritten() && !e.queue()) {
            dropped.increment();
            log.warn("profile changes of an account were dropped: evicted from the near cache while the write buffer "
                    + "was full (guard.state.redis.sync.buffer-accounts)");
        }
    }

    private String newRecordField() {
        return RECORD_PREFIX + replicaId + ":" + Long.toString(recordSeq.incrementAndGet(), 36);
    }

    /** What an account's hash held when read: the merge of all of it, the snapshot's SHA-1, the record names. */
    private record Stored(AccountProfile merged, String snapshotSha, List<String> records) {
    }

    /** Whether a script reply is the whole hash (field/value pairs) rather than just its field count. */
    private static boolean isState(List<Object> reply) {
        return !(reply.size() == 1 && reply.get(0) instanceof Long);
    }

    private Stored parse(List<Object> flat) {
        AccountProfile merged = new AccountProfile();
        String snapshotSha = "";
        List<String> records = new ArrayList<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            String field = text(flat.get(i));
            Object value = flat.get(i + 1);
            boolean snapshot = field.equals(SNAPSHOT);
            if (!snapshot && !field.startsWith(RECORD_PREFIX)) {
                continue;
            }
            if (snapshot) {
                snapshotSha = sha1Hex((byte[]) value);
            }
            try {
                merged.merge(ProfileCodec.decode((byte[]) value));
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
        return new Stored(merged, snapshotSha, records);
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

    /** Folds the records into the snapshot unless someone else compacted first; asynchronous. */
    private void compact(String key, Stored stored) {
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
                    }
                });
    }

    /** One account's near-cache entry; also its write-behind task. */
    final class Entry implements WriteBehind.Task {
        private final String key;
        private final String taskId;
        private AccountProfile view = new AccountProfile();
        private AccountProfile pending; // changes not yet sent; null when none (saves ~1 KiB of heap per idle entry)
        private AccountProfile sending;
        private String field;
        private boolean loaded;
        private long loadedAtNanos;

        Entry(String account, String key, String taskId) {
            this.key = key;
            this.taskId = taskId;
        }

        synchronized ProfileStats observe(Observation o, double prior) {
            return view.apply(o, prior, changes());
        }

        synchronized void usage(long atMillis, long in, long out) {
            view.addUsage(atMillis, in, out, changes());
        }

        private AccountProfile changes() {
            if (pending == null) {
                pending = new AccountProfile();
            }
            return pending;
        }

        synchronized Optional<ProfileStats> stats(long nowMillis, double prior) {
            return view.isEmpty() ? Optional.empty() : Optional.of(view.stats(nowMillis, prior));
        }

        /** Whether changes made here are not yet acknowledged by Redis. */
        synchronized boolean hasUnwritten() {
            return sending != null || pending != null;
        }

        synchronized boolean needsLoad() {
            return !loaded;
        }

        boolean queue() {
            return writer.enqueue(taskId, this, false);
        }

        @Override
        public CompletableFuture<?> addTo(RBatch batch) {
            boolean wantState;
            byte[] record;
            String recordField;
            synchronized (this) {
                if (sending != null) {
                    return null; // the write in flight re-queues this entry when it completes
                }
                wantState = !loaded || System.nanoTime() - loadedAtNanos >= refreshNanos;
                if (pending == null && !wantState) {
                    return null;
                }
                sending = pending == null ? new AccountProfile() : pending;
                pending = null;
                record = sending.isEmpty() ? null : ProfileCodec.encode(sending);
                if (record != null && field == null) {
                    field = newRecordField();
                }
                recordField = record == null ? "" : field;
            }
            return batch.getScript(ByteArrayCodec.INSTANCE)
                    .<List<Object>>evalAsync(key, RScript.Mode.READ_WRITE, RedisScripts.SYNC_PROFILE,
                            RScript.ReturnType.LIST, Collections.singletonList(key),
                            bytes(recordField), record == null ? new byte[0] : record,
                            bytes(Long.toString(ttlMillis)), bytes(wantState ? "1" : "0"),
                            bytes(Integer.toString(compactAfter)))
                    .toCompletableFuture()
                    .handle((result, error) -> {
                        completed(result, error);
                        return null;
                    });
        }

        @Override
        public void failed(Throwable error) {
            completed(null, error);
        }

        private void completed(List<Object> result, Throwable error) {
            Stored forCompaction = null;
            synchronized (this) {
                if (sending == null) {
                    return; // already handled
                }
                if (error != null) {
                    // keep everything unwritten; the same field name makes the retry idempotent
                    if (pending != null) {
                        sending.merge(pending);
                    }
                    pending = sending.isEmpty() ? null : sending;
                    sending = null;
                } else {
                    sending = null;
                    field = null;
                    if (isState(result)) {
                        Stored stored = parse(result);
                        AccountProfile fresh = stored.merged().copy();
                        if (pending != null) {
                            fresh.merge(pending);
                        }
                        view = fresh;
                        loaded = true;
                        loadedAtNanos = System.nanoTime();
                        if (stored.records().size() >= compactAfter) {
                            forCompaction = stored;
                        }
                    }
                }
            }
            if (forCompaction != null) {
                compact(key, forCompaction);
            }
            if (hasUnwritten() || needsLoad()) {
                queue();
            }
        }
    }
}
