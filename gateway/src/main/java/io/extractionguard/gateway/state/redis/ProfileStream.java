package io.extractionguard.gateway.state.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.redisson.api.RStream;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamAddArgs;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.client.codec.ByteArrayCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.extractionguard.engine.state.ReplicaBatch;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The profile stream ({@code {prefix}:profile-events}): every {@code stream-interval} this replica ships
 * the changes of all its accounts as one entry ({@code XADD … MINID ~}), tagged with its replica id and a
 * batch sequence number; it tails the stream and merges the other replicas' changes into the accounts it
 * holds, and remembers every retained change for cold loads ({@link RecentChanges}).
 */
final class ProfileStream {

    /** The stream's batches: account id → the account's changes ({@code ProfileCodec}). */
    static final ReplicaBatch BATCHES = new ReplicaBatch("profile batch", 1);

    private static final Logger log = LoggerFactory.getLogger(ProfileStream.class);
    private static final byte[] FIELD = {'b'};

    private final RStream<byte[], byte[]> stream;
    private final RedisAvailability availability;
    private final String replicaId;
    private final OwnChanges own;
    private final ProfileCache cache;
    private final RecentChanges recent;
    private final ProfileBuckets buckets;
    private final long streamMillis;
    private final long retentionMillis;
    private final long timeoutMillis;
    private final AtomicLong batchSeq = new AtomicLong();
    private final ScheduledExecutorService shipper;
    private final StreamTail tail;
    private final Counter batches;
    private final Counter applied;
    private final Counter corrupt;
    private byte[] unsent; // a batch whose XADD failed: sent again before anything newer (shipper thread only)
    private volatile boolean viewsLoading; // the last pass left accounts of due buckets unwritten: their views were loading

    ProfileStream(RedissonClient client, RedisKeys keys, RedisAvailability availability, String replicaId,
                  OwnChanges own, ProfileCache cache, RecentChanges recent, ProfileBuckets buckets, RedisStateProperties props,
                  Counter corrupt, MeterRegistry meters) {
        this.stream = client.getStream(keys.profileEvents(), ByteArrayCodec.INSTANCE);
        this.availability = availability;
        this.replicaId = replicaId;
        this.own = own;
        this.cache = cache;
        this.recent = recent;
        this.buckets = buckets;
        this.streamMillis = props.sync().streamInterval().toMillis();
        this.retentionMillis = props.sync().streamRetention().toMillis();
        this.timeoutMillis = props.timeout().toMillis();
        this.corrupt = corrupt;
        this.batches = Counter.builder("guard.state.profile_stream.batches")
                .description("Profile stream entries (one XADD each, all changed accounts) this replica wrote")
                .register(meters);
        this.applied = Counter.builder("guard.state.profile_stream.applied")
                .description("Account changes of other replicas merged into this replica's near cache")
                .register(meters);
        this.shipper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "guard-profile-sync");
            t.setDaemon(true);
            return t;
        });
        this.tail = new StreamTail("profile", stream, availability,
                new StreamMessageId(Math.max(0, System.currentTimeMillis() - retentionMillis), 0),
                props.sync().streamInterval(), this::applyEntry);
    }

    /** Starts tailing, waits for the retained stream (at most {@code timeout}), then starts shipping. */
    void start(Duration timeout) {
        tail.start(timeout);
        shipper.scheduleWithFixedDelay(() -> ship(false), streamMillis, streamMillis, TimeUnit.MILLISECONDS);
    }

    /** Stops shipping on schedule and tailing; then ships what is left and queues every account's durable record. */
    void halt() {
        tail.halt();
        shipper.shutdown();
        try {
            shipper.awaitTermination(timeoutMillis * 2, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        boolean older = unsent != null;
        ship(true);
        if (older && unsent == null) {
            ship(true); // the first call sent an older batch that had failed; this one takes the rest
        }
    }

    /**
     * After {@link #halt} and a drain of the writer (which completes the loads queued meanwhile): takes the records
     * of the accounts whose views were still loading.
     */
    void recordLoadedViews() {
        if (viewsLoading) {
            ship(true);
        }
    }

    /** Whether the last pass left accounts unwritten because their views were loading. */
    boolean recordLoadedViewsPending() {
        return viewsLoading;
    }

    void stopTailing() {
        tail.stop(timeoutMillis);
    }

    /** Ships the changes of every account and takes durable records of the due buckets' accounts ({@code force}: of all). */
    void ship(boolean force) {
        try {
            if (!availability.available()) {
                return; // the heartbeat probes; the next interval after recovery ships the backlog
            }
            if (unsent == null) {
                unsent = takeBatch(force);
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
            recent.prune();
        }
    }

    /**
     * Takes every account's unshipped changes into one batch (null when none). For the accounts of the buckets
     * due for a durable write, with changes no record holds, it takes the record of the view in the same step
     * (under the entry's lock, so the view holds nothing unshipped), and queues the bucket's write.
     */
    private byte[] takeBatch(boolean force) {
        if (own.roomAfterOverflow()) {
            cache.recordWaiting();
        }
        long seq = batchSeq.incrementAndGet();
        long now = System.nanoTime();
        long nowMillis = System.currentTimeMillis();
        long cutoff = buckets.markCutoff(nowMillis);
        Map<Integer, Long> due = buckets.due(now, force);
        Set<Integer> waiting = new HashSet<>();
        List<String> accounts = new ArrayList<>();
        List<byte[]> blobs = new ArrayList<>();
        for (OwnChanges.Own o : own.all()) {
            int bucket = buckets.bucketOf(o.account());
            boolean bucketDue = force || due.containsKey(bucket);
            ProfileCache.Entry e = bucketDue ? cache.forSnapshot(o.account()) : null;
            byte[] blob;
            byte[] record = null;
            boolean undurable;
            boolean foreign = false;
            if (e != null) {
                synchronized (e) {
                    synchronized (o) {
                        blob = shipOne(o, seq, nowMillis);
                        undurable = o.undurable();
                        foreign = e.foreign();
                        if (undurable && !foreign) {
                            record = e.durableRecord(replicaId, seq, nowMillis, cutoff);
                        }
                    }
                }
            } else {
                synchronized (o) {
                    blob = shipOne(o, seq, nowMillis);
                    undurable = o.undurable();
                }
            }
            if (blob != null) {
                accounts.add(o.account());
                blobs.add(blob);
                buckets.changed(bucket, now);
            }
            if (undurable && bucketDue) {
                if (foreign) {
                    buckets.leftToNewerBuild(o, seq);
                } else if (record != null) {
                    buckets.write(o, record, seq, force);
                } else {
                    waiting.add(bucket); // its view is loading: written at the next interval
                }
            }
        }
        buckets.settled(force ? buckets.due(now, true) : due, waiting); // forced: also the buckets this pass made due
        viewsLoading = !waiting.isEmpty();
        return accounts.isEmpty() ? null : BATCHES.encode(replicaId, seq, accounts, blobs);
    }

    /** Must hold o's lock (see ProfileCache.Entry.load): ships o's pending changes in batch {@code seq} and remembers them. */
    private byte[] shipOne(OwnChanges.Own o, long seq, long nowMillis) {
        byte[] blob = o.ship(seq);
        if (blob != null) {
            recent.remember(o.account(), new RecentChanges.Delta(replicaId, seq, blob, nowMillis));
        }
        return blob;
    }

    private void applyEntry(StreamMessageId id, Map<byte[], byte[]> fields) {
        for (byte[] batch : fields.values()) {
            try {
                if (replicaId.equals(BATCHES.replicaOf(batch))) {
                    continue; // ours: already in our views and remembered when shipped; not decoded (an item per account)
                }
                BATCHES.decode(batch, (replica, seq, account, blob) -> {
                    recent.remember(account, new RecentChanges.Delta(replica, seq, blob, id.getId0()));
                    if (cache.remote(account, replica, seq, blob, id.getId0())) {
                        applied.increment();
                    }
                });
            } catch (RuntimeException e) {
                corrupt.increment();
                log.warn("profile stream entry {} skipped: {}", id, e.getMessage());
            }
        }
    }

    /**
     * Whether the stream no longer holds everything after the last entry read (trimmed past it, or Redis
     * lost its data); true when that cannot be told.
     */
    boolean hasGap() {
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
}
