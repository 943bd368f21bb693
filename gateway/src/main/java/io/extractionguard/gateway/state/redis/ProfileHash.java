package io.extractionguard.gateway.state.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import org.redisson.api.RBatch;
import org.redisson.api.RScript;
import org.redisson.api.RScriptAsync;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.extractionguard.engine.state.AccountProfile;
import io.extractionguard.engine.state.ProfileCodec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * An account's profile hash in Redis, the durable form of its profile: a snapshot ({@code s}), change
 * records ({@code d:<replica>:<n>}, one per durable write) and per replica a high-water mark
 * ({@code hw:<replica>}, the last stream batch whose changes its records include). Reads and parses
 * the hash, writes a change record with its high-water mark, and compacts records into the snapshot
 * once there are {@code compact-after} of them.
 */
final class ProfileHash {

    private static final Logger log = LoggerFactory.getLogger(ProfileHash.class);
    private static final String SNAPSHOT = "s";
    private static final String RECORD_PREFIX = "d:";
    private static final String HIGH_WATER_PREFIX = "hw:";
    private static final long UNKNOWN = Long.MIN_VALUE;

    private final RedissonClient client;
    private final String replicaId;
    private final byte[] ttl;
    private final int compactAfter;
    private final long expiryRefreshNanos;
    private final AtomicLong recordSeq = new AtomicLong();
    private final Counter corrupt;
    private final Counter compactions;
    private final Counter foreignSkips;

    /**
     * An account's hash as read. {@code foreign}: some field holds counters a newer build added (a
     * rolling upgrade is under way); this build then does not compact the hash, so that what it cannot
     * represent is not folded away.
     */
    record Stored(AccountProfile merged, String snapshotSha, List<String> records, Map<String, Long> highWater,
                  boolean foreign) {
    }

    /**
     * What this replica knows of one account's hash, so that a durable write needs no HLEN and rarely a
     * PEXPIRE: its fields besides the snapshot (as loaded, plus the fields our writes added; UNKNOWN before
     * the load; other replicas' records are not seen, so with n replicas a hash holds up to n × compact-after),
     * and when a command of ours last set its expiry (every setter sets now + idle-expiry, so the hash lives
     * at least that long after it). Kept with the account's near-cache entry.
     */
    final class Known {
        private final AtomicLong fields = new AtomicLong(UNKNOWN);
        private volatile long expirySetNanos;
        private volatile boolean expirySet;
        private volatile boolean marked; // the hash holds this replica's high-water field (as loaded or written)

        /**
         * Whether a durable write can be a plain {@code HSET}: the hash is known to hold this replica's
         * high-water field (so the write cannot create the hash, which needs its expiry) and the idle expiry
         * is not due at {@code nowNanos}.
         */
        boolean plainWrite(long nowNanos) {
            return marked && fields.get() != UNKNOWN && !expiryDue(nowNanos);
        }

        /** The idle expiry is refreshed once a seventh of it has passed since we last set it. */
        boolean expiryDue(long nowNanos) {
            return !expirySet || nowNanos - expirySetNanos >= expiryRefreshNanos;
        }

        private void expirySet(long sentNanos) {
            if (!expirySet || sentNanos - expirySetNanos > 0) {
                expirySetNanos = sentNanos;
                expirySet = true;
            }
        }

        /** A durable write of ours added {@code added} fields; it set the expiry when {@code sentNanos} is not MIN_VALUE. */
        void written(Long added, long sentNanos) {
            if (added != null) {
                fields.getAndUpdate(n -> n == UNKNOWN ? n : n + added);
                marked = true;
            }
            if (sentNanos != Long.MIN_VALUE) {
                expirySet(sentNanos);
            }
        }

        /** The hash as a load sent at {@code sentNanos} read it. */
        void loaded(Stored stored, long sentNanos) {
            if (!stored.snapshotSha().isEmpty() || !stored.records().isEmpty() || !stored.highWater().isEmpty()) {
                expirySet(sentNanos); // LOAD_PROFILE's PEXPIRE works only on a hash that exists
            }
            marked = stored.highWater().containsKey(replicaId);
            // counted as the former HLEN − 1 (one field taken for the snapshot even before there is one)
            fields.set(stored.records().size() + stored.highWater().size() + (stored.snapshotSha().isEmpty() ? 0 : 1) - 1);
        }

        private boolean compactionDue() {
            return fields.get() >= compactAfter;
        }

        /** A compaction of ours folded {@code folded} records away. */
        private void compacted(int folded) {
            fields.getAndUpdate(n -> n == UNKNOWN ? n : Math.max(0, n - folded));
        }
    }

    ProfileHash(RedissonClient client, String replicaId, long ttlMillis, int compactAfter, long expiryRefreshNanos,
                Counter corrupt, MeterRegistry meters) {
        this.client = client;
        this.replicaId = replicaId;
        this.ttl = bytes(Long.toString(ttlMillis));
        this.compactAfter = compactAfter;
        this.expiryRefreshNanos = expiryRefreshNanos;
        this.corrupt = corrupt;
        this.compactions = Counter.builder("guard.state.compactions")
                .description("Profile change records folded into snapshots by this replica")
                .register(meters);
        this.foreignSkips = Counter.builder("guard.state.compactions.skipped.newer_format")
                .description("Compactions left to a newer build: the hash holds counters this build does not know")
                .register(meters);
    }

    /** A field name for a new change record: unique per replica and write. */
    String newRecordField() {
        return RECORD_PREFIX + replicaId + ":" + Long.toString(recordSeq.incrementAndGet(), 36);
    }

    /** Reads the whole hash (refreshing its idle expiry) through {@code script}: the client's, or a batch's. */
    CompletableFuture<List<Object>> load(RScriptAsync script, String key) {
        return script.<List<Object>>evalAsync(key, RScript.Mode.READ_WRITE, RedisScripts.LOAD_PROFILE,
                RScript.ReturnType.LIST, Collections.singletonList(key), ttl).toCompletableFuture();
    }

    /** The hash alone (snapshot ⊕ change records), read now. */
    CompletableFuture<AccountProfile> read(String key) {
        return load(client.getScript(ByteArrayCodec.INSTANCE), key).thenApply(hash -> parse(hash).merged());
    }

    /**
     * Writes a change record under {@code field} with this replica's high-water mark {@code highWater} into
     * {@code batch}; completes with the number of fields added. {@code plain} (see {@link Known#plainWrite}):
     * one {@code HSET} of both fields, which adds the record's field alone (a retry's field, overwritten, is
     * counted once more: compaction comes one write early). Otherwise the script, which also refreshes the
     * expiry when {@code refresh} or when it created the hash: an {@code EVALSHA} and its {@code HSET}, with
     * {@code PEXPIRE} when due.
     */
    CompletableFuture<Long> write(RBatch batch, String key, String field, byte[] record, long highWater,
                                  boolean refresh, boolean plain) {
        if (plain) {
            Map<byte[], byte[]> fields = new LinkedHashMap<>(4);
            fields.put(bytes(field), record);
            fields.put(bytes(HIGH_WATER_PREFIX + replicaId), bytes(Long.toString(highWater)));
            return batch.getMap(key, ByteArrayCodec.INSTANCE).putAllAsync(fields).toCompletableFuture().thenApply(v -> 1L);
        }
        return batch.getScript(ByteArrayCodec.INSTANCE).<Long>evalAsync(key, RScript.Mode.READ_WRITE,
                RedisScripts.DURABLE_PROFILE, RScript.ReturnType.LONG, Collections.singletonList(key), bytes(field), record,
                bytes(HIGH_WATER_PREFIX + replicaId), bytes(Long.toString(highWater)), bytes(refresh ? "1" : ""), ttl)
                .toCompletableFuture();
    }

    Stored parse(List<Object> flat) {
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

    /** After a durable write: reads the hash and compacts it when {@code known} counts enough records; asynchronous. */
    void compactIfDue(String key, Known known) {
        if (!known.compactionDue()) {
            return;
        }
        try {
            // a plain HGETALL: the compaction script sets the expiry itself (the load script's EVALSHA + PEXPIRE +
            // HGETALL were 3 commands per compaction, every ~7 durable writes)
            client.<byte[], byte[]>getMap(key, ByteArrayCodec.INSTANCE).readAllEntrySetAsync().toCompletableFuture()
                    .whenComplete((entries, error) -> {
                        if (error == null) {
                            List<Object> flat = new ArrayList<>(entries.size() * 2);
                            entries.forEach(en -> {
                                flat.add(en.getKey());
                                flat.add(en.getValue());
                            });
                            Stored stored = parse(flat);
                            if (!stored.records().isEmpty()) {
                                compact(key, stored, known);
                            }
                        }
                    });
        } catch (RuntimeException e) {
            log.debug("compaction read of a profile failed (will retry later): {}", e.toString());
        }
    }

    /** After a load: compacts the hash as read when it holds enough records; asynchronous. */
    void compactIfDue(String key, Stored stored, Known known) {
        if (stored.records().size() >= compactAfter) {
            compact(key, stored, known);
        }
    }

    /** Folds the records into the snapshot unless someone else compacted first; asynchronous. */
    private void compact(String key, Stored stored, Known known) {
        if (stored.foreign()) {
            foreignSkips.increment(); // a newer build's counters are in it: that build compacts it
            return;
        }
        long sentNanos = System.nanoTime();
        List<Object> args = new ArrayList<>(3 + stored.records().size());
        args.add(bytes(stored.snapshotSha()));
        args.add(ProfileCodec.encode(stored.merged()));
        args.add(ttl); // also gives a hash re-created by a plain write (deleted behind our back) its expiry

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
                known.compacted(stored.records().size());
                known.expirySet(sentNanos);
            }
        });
    }

    private static String sha1Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is a mandatory JDK algorithm", e);
        }
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
