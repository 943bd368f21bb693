package io.extractionguard.gateway.state.redis;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.redisson.api.RBatch;
import org.redisson.api.RMap;
import org.redisson.api.RScript;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.codec.StringCodec;
import org.redisson.codec.CompositeCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.extractionguard.engine.state.Verdict;
import io.extractionguard.engine.state.VerdictCodec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Verdicts replicated in full to every replica: all active verdicts live in local memory, so a
 * blocked account is blocked on its very first request to any replica, without a Redis round
 * trip. A change is applied locally at once and written, as an urgent write-behind task, by a script
 * that updates the verdict hash and publishes the change in one atomic step; every replica
 * (including the writer) applies the published changes in the order Redis applied them, so all
 * converge. The whole hash is re-read at start-up, once the subscription is confirmed, after every
 * re-subscription and every {@code verdict-resync}, which heals changes missed while not listening. A
 * re-read never overwrites an account whose change message arrived after the read was sent: that
 * message (and any later one, delivered in order) is at least as new as the snapshot.
 */
final class RedisVerdicts {

    private static final Logger log = LoggerFactory.getLogger(RedisVerdicts.class);
    private static final int MESSAGE_VERSION = 1;
    private static final CompositeCodec HASH_CODEC = new CompositeCodec(StringCodec.INSTANCE, ByteArrayCodec.INSTANCE);

    private final RedissonClient client;
    private final RedisKeys keys;
    private final WriteBehind writer;
    private final RedisAvailability availability;
    private final Clock clock;
    private final String replicaId;
    private final ConcurrentHashMap<String, Verdict> local = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Write> unwritten = new ConcurrentHashMap<>();
    private final Object resyncLock = new Object();
    private boolean resyncing; // a re-read is in flight; under resyncLock
    private CompletableFuture<Void> resyncNext; // completes after the re-read requested during it
    private final AtomicLong messages = new AtomicLong();
    // accounts with a change message since the oldest re-read in flight began: sequence of their latest message
    private final ConcurrentHashMap<String, Long> messaged = new ConcurrentHashMap<>();
    private final Timer propagation;
    private final Counter corrupt;
    private volatile RTopic topic;

    RedisVerdicts(RedissonClient client, RedisKeys keys, WriteBehind writer, RedisAvailability availability,
                  Clock clock, String replicaId, MeterRegistry meters) {
        this.client = client;
        this.keys = keys;
        this.writer = writer;
        this.availability = availability;
        this.clock = clock;
        this.replicaId = replicaId;
        this.propagation = Timer.builder("guard.state.verdict.propagation")
                .description("Time from a verdict change on one replica to its arrival on this one")
                .publishPercentileHistogram()
                .register(meters);
        this.corrupt = Counter.builder("guard.state.verdict.decode.errors")
                .description("Verdict blobs or messages that could not be decoded and were skipped")
                .register(meters);
        Gauge.builder("guard.state.verdicts", local, Map::size)
                .description("Verdicts held in memory (all active verdicts of all replicas)")
                .register(meters);
    }

    Optional<Verdict> get(String account, Instant now) {
        Verdict v = local.get(account);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isActiveAt(now)) {
            local.remove(account, v);
            return Optional.empty();
        }
        return Optional.of(v);
    }

    void put(String account, Verdict verdict) {
        local.put(account, verdict);
        write(account, verdict);
    }

    boolean clear(String account, Instant now) {
        Verdict removed = local.remove(account);
        write(account, null);
        return removed != null && removed.isActiveAt(now);
    }

    int size() {
        return local.size();
    }

    private void write(String account, Verdict verdict) {
        Write w = unwritten.compute(account, (k, existing) -> {
            Write next = existing == null ? new Write(account) : existing;
            next.set(verdict);
            return next;
        });
        writer.enqueue("v:" + account, w, true);
    }

    /**
     * Subscribes to verdict changes (once; Redisson re-subscribes by itself after reconnects); the
     * confirmation and each re-subscription trigger a full re-read. Without Redis it stays unsubscribed
     * and is called again on recovery.
     */
    synchronized void subscribe() {
        if (topic != null) {
            return;
        }
        try {
            RTopic t = client.getTopic(keys.verdictChannel(), ByteArrayCodec.INSTANCE);
            RedisTopics.listen(t, byte[].class, (channel, message) -> received(message), this::resync, availability);
            topic = t;
        } catch (RuntimeException e) {
            availability.failure(e);
        }
    }

    /**
     * Re-reads the whole verdict hash; the future completes when done (or failed). A request made while a
     * read is in flight gets one more read after it (that snapshot may predate what the request is for),
     * and its future completes after that one. Never wait on it on an event loop.
     */
    CompletableFuture<Void> resync() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (resyncLock) {
            if (resyncing) {
                if (resyncNext == null) {
                    resyncNext = new CompletableFuture<>();
                }
                return resyncNext;
            }
            resyncing = true;
        }
        read(done);
        return done;
    }

    private void read(CompletableFuture<Void> done) {
        long since = messages.get(); // before the read is sent: later messages win over its snapshot
        RMap<String, byte[]> map = client.getMap(keys.verdicts(), HASH_CODEC);
        CompletableFuture<Map<String, byte[]>> read;
        try {
            read = map.readAllMapAsync().toCompletableFuture();
        } catch (RuntimeException e) {
            read = CompletableFuture.failedFuture(e);
        }
        read.whenComplete((all, error) -> {
            if (error != null) {
                availability.failure(error);
            } else {
                availability.success();
                try {
                    applySnapshot(all, since);
                } catch (RuntimeException e) {
                    log.warn("verdict re-read could not be applied (the next one retries): {}", e.toString());
                }
            }
            messaged.values().removeIf(seq -> seq <= since); // conditional per entry: a newer message stays
            CompletableFuture<Void> next;
            synchronized (resyncLock) {
                resyncing = false;
                next = resyncNext;
                resyncNext = null;
            }
            done.complete(null);
            if (next != null) {
                resync().whenComplete((v, e) -> next.complete(null));
            }
        });
    }

    /** Number of change messages received so far (a re-read's snapshot yields to those after its start). */
    long messagesReceived() {
        return messages.get();
    }

    /**
     * Applies a full read of the verdict hash that was sent when {@link #messagesReceived} was {@code since}:
     * accounts with a later message, or with a change of ours not yet written, keep what they have.
     */
    void applySnapshot(Map<String, byte[]> all, long since) {
        Instant now = clock.instant();
        List<String> expired = new ArrayList<>();
        Map<String, Verdict> fresh = new java.util.HashMap<>();
        all.forEach((account, blob) -> {
            try {
                Verdict v = VerdictCodec.decode(blob);
                if (v.isActiveAt(now)) {
                    fresh.put(account, v);
                } else {
                    expired.add(account);
                }
            } catch (RuntimeException e) {
                corrupt.increment();
                log.warn("skipping an undecodable verdict: {}", e.getMessage());
            }
        });
        for (String account : local.keySet()) {
            if (!fresh.containsKey(account) && !unwritten.containsKey(account) && !announcedSince(account, since)) {
                local.remove(account); // cleared elsewhere while we were not listening
            }
        }
        fresh.forEach((account, v) -> {
            if (!unwritten.containsKey(account) && !announcedSince(account, since)) {
                local.put(account, v);
            }
        });
        if (!expired.isEmpty()) {
            client.<String, byte[]>getMap(keys.verdicts(), HASH_CODEC).fastRemoveAsync(expired.toArray(String[]::new));
        }
        log.debug("verdicts re-read: {} active, {} expired removed", fresh.size(), expired.size());
    }

    private boolean announcedSince(String account, long since) {
        Long seq = messaged.get(account);
        return seq != null && seq > since;
    }

    private void received(byte[] message) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(message))) {
            int version = in.readUnsignedByte();
            if (version != MESSAGE_VERSION) {
                throw new IOException("unsupported verdict message version " + version);
            }
            long sentAt = in.readLong();
            String origin = in.readUTF();
            String account = in.readUTF();
            byte[] blob = new byte[in.readInt()];
            in.readFully(blob);
            messaged.put(account, messages.incrementAndGet());
            if (blob.length == 0) {
                local.remove(account);
            } else {
                local.put(account, VerdictCodec.decode(blob));
            }
            if (!origin.equals(replicaId)) {
                propagation.record(Math.max(0, clock.millis() - sentAt), TimeUnit.MILLISECONDS);
            }
        } catch (IOException | RuntimeException e) {
            corrupt.increment();
            log.warn("skipping an undecodable verdict message: {}", e.getMessage());
        }
    }

    private byte[] message(String account, byte[] blob) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + blob.length);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(MESSAGE_VERSION);
            out.writeLong(clock.millis());
            out.writeUTF(replicaId);
            out.writeUTF(account);
            out.writeInt(blob.length);
            out.write(blob);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The latest unwritten verdict change of one account. */
    private final class Write implements WriteBehind.Task {
        private final String account;
        private Verdict verdict;
        private long version;
        private boolean inFlight;

        Write(String account) {
            this.account = account;
        }

        synchronized void set(Verdict v) {
            verdict = v;
            version++;
        }

        @Override
        public CompletableFuture<?> addTo(RBatch batch) {
            Verdict v;
            long sentVersion;
            synchronized (this) {
                if (inFlight) {
                    return null;
                }
                inFlight = true;
                v = verdict;
                sentVersion = version;
            }
            byte[] blob = v == null ? new byte[0] : VerdictCodec.encode(v);
            String key = keys.verdicts();
            long version = sentVersion;
            return batch.getScript(ByteArrayCodec.INSTANCE)
                    .<Long>evalAsync(key, RScript.Mode.READ_WRITE, RedisScripts.WRITE_VERDICT, RScript.ReturnType.LONG,
                            Collections.singletonList(key), account.getBytes(StandardCharsets.UTF_8), blob,
                            keys.verdictChannel().getBytes(StandardCharsets.UTF_8), message(account, blob))
                    .toCompletableFuture()
                    .handle((ok, error) -> {
                        done(version, error);
                        return null;
                    });
        }

        @Override
        public void failed(Throwable error) {
            long version;
            synchronized (this) {
                version = this.version;
            }
            done(version, error);
        }

        private void done(long sentVersion, Throwable error) {
            boolean again;
            synchronized (this) {
                if (!inFlight) {
                    return; // already handled
                }
                inFlight = false;
                again = error != null || version != sentVersion;
            }
            if (!again) {
                // same lock order as write(): map bin, then this
                unwritten.computeIfPresent(account, (k, w) -> {
                    synchronized (w) {
                        return w == this && w.version == sentVersion ? null : w;
                    }
                });
            } else {
                writer.enqueue("v:" + account, this, error == null);
            }
        }
    }

    /** Unsubscribes (shutdown). */
    void stop() {
        RedisTopics.unsubscribe(topic, "verdict changes");
    }
}
