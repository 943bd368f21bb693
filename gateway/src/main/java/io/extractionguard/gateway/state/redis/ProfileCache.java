package io.extractionguard.gateway.state.redis;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import org.redisson.api.RBatch;
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
 * The near cache of account profiles: per account its merged view (the durable record ⊕ the retained
 * stream changes ⊕ this replica's own), loaded from Redis in the background on first use, changed by this
 * replica's requests (recorded in {@link OwnChanges}) and by other replicas' stream batches.
 */
final class ProfileCache {

    private static final Logger log = LoggerFactory.getLogger(ProfileCache.class);

    private final Cache<String, Entry> cache;
    private final WriteBehind writer;
    private final RedisAvailability availability;
    private final OwnChanges own;
    private final RecentChanges recent;
    private final ProfileBuckets buckets;
    private final AtomicLong taskSeq = new AtomicLong();
    private final Counter dropped;
    private final Counter corrupt;

    ProfileCache(RedisStateProperties.NearCache props, WriteBehind writer, RedisAvailability availability,
                 OwnChanges own, RecentChanges recent, ProfileBuckets buckets, Counter corrupt, MeterRegistry meters) {
        this.writer = writer;
        this.availability = availability;
        this.own = own;
        this.recent = recent;
        this.buckets = buckets;
        this.corrupt = corrupt;
        this.cache = Caffeine.newBuilder()
                .executor(Runnable::run) // upkeep on the threads that use it: no common-pool wake-up per request
                .maximumSize(props.maxAccounts())
                .expireAfterAccess(props.idleExpiry())
                .removalListener(this::evicted)
                .recordStats()
                .build();
        CaffeineCacheMetrics.monitor(meters, cache, "guard.state.near_cache");
        this.dropped = Counter.builder("guard.state.writes.dropped")
                .description("Profile changes lost: evicted from the near cache while the write buffer was full")
                .register(meters);
    }

    ProfileStats observe(String account, Observation o, double prior) {
        Entry e = entry(account);
        synchronized (e) {
            return e.change(changes -> e.view.apply(o, prior, changes));
        }
    }

    void recordUsage(String account, long atMillis, long in, long out) {
        Entry e = entry(account);
        synchronized (e) {
            e.change(changes -> {
                e.view.addUsage(atMillis, in, out, changes);
                return null;
            });
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

    /** The account's view once loaded, as a copy; empty, with the load queued, before that. */
    Optional<AccountProfile> loadedView(String account) {
        Entry e = entry(account);
        synchronized (e) {
            return e.loaded ? Optional.of(e.view.copy()) : Optional.empty();
        }
    }

    /** Merges another replica's change (shipped at {@code atMillis}) into the account's view if it is cached and loaded. */
    boolean remote(String account, String replica, long seq, byte[] blob, long atMillis) {
        Entry e = cache.getIfPresent(account);
        return e != null && e.remote(replica, seq, blob, atMillis);
    }

    /**
     * The account's entry for a durable snapshot (not counted as a use); when it is not cached, it is created and
     * its load queued, and null returned.
     */
    Entry forSnapshot(String account) {
        Entry e = cache.asMap().get(account);
        if (e == null) {
            entry(account);
        }
        return e;
    }

    /** Reloads the account's view (its durable record was refused: the stored one holds changes the view lacks). */
    void reload(String account) {
        Entry e = cache.asMap().get(account);
        if (e != null) {
            e.reload();
        } else {
            entry(account);
        }
    }

    /** Number of accounts in the near cache (approximate). */
    long size() {
        return cache.estimatedSize();
    }

    /** Queues the load of every cached account not loaded yet; {@code reload}: of every cached account. */
    void loadAll(boolean reload) {
        cache.asMap().values().forEach(reload ? Entry::reload : Entry::loadIfNeeded);
    }

    /** Records the changes that waited for room in the own-change buffer, where there is room now. */
    void recordWaiting() {
        cache.asMap().values().forEach(Entry::recordWaiting);
    }

    private void evicted(String account, Entry e, RemovalCause cause) {
        if (e != null && e.hasUnrecorded()) {
            dropped.increment();
            log.warn("profile changes of an account were dropped: evicted from the near cache while the write buffer "
                    + "was full (guard.state.redis.sync.buffer-accounts)");
        }
    }

    private Entry entry(String account) {
        Entry e = cache.get(account, a -> new Entry(a, "p:" + a + "#" + taskSeq.incrementAndGet()));
        e.loadIfNeeded();
        return e;
    }

    /** One account's near-cache entry: its merged view; also its load task. */
    final class Entry implements WriteBehind.Task {
        private final String account;
        private final String taskId;
        private AccountProfile view = new AccountProfile();
        private Map<String, DurableRecord.Mark> merged = new HashMap<>(); // per replica: the last batch in the view
        private boolean loaded;
        private boolean foreign; // loaded from a record holding a newer build's counters
        private boolean loading;
        private AccountProfile unrecorded; // changes made while the buffer was full; null when none

        Entry(String account, String taskId) {
            this.account = account;
            this.taskId = taskId;
        }

        synchronized Optional<ProfileStats> stats(long nowMillis, double prior) {
            return view.isEmpty() ? Optional.empty() : Optional.of(view.stats(nowMillis, prior));
        }

        /**
         * Must hold the lock: applies {@code change} to the view, handing it the profile to record the
         * change in — this replica's own changes to the account (with any that waited for room), or
         * {@code unrecorded} while the buffer is full.
         */
        <T> T change(Function<AccountProfile, T> change) {
            while (true) {
                OwnChanges.Own mine = own.ownFor(account);
                if (mine == null) {
                    return change.apply(unrecorded());
                }
                synchronized (mine) {
                    if (!mine.retired()) {
                        return change.apply(recordIn(mine));
                    }
                }
            }
        }

        /** Must hold the lock. */
        private AccountProfile unrecorded() {
            if (unrecorded == null) {
                unrecorded = new AccountProfile();
            }
            return unrecorded;
        }

        /** Must hold both locks: the changes to record in {@code mine}, with any that waited for room. */
        private AccountProfile recordIn(OwnChanges.Own mine) {
            AccountProfile changes = mine.changes();
            if (unrecorded != null) {
                changes.merge(unrecorded);
                unrecorded = null;
            }
            return changes;
        }

        /** Records the changes that waited for room in the buffer, if there is room now (else flagged again). */
        synchronized void recordWaiting() {
            if (unrecorded != null) {
                change(changes -> null);
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
        synchronized boolean remote(String replica, long seq, byte[] blob, long atMillis) {
            DurableRecord.Mark had = merged.get(replica);
            if (!loaded || (had != null && seq <= had.seq())) {
                return false;
            }
            try {
                view.merge(ProfileCodec.decode(blob));
            } catch (RuntimeException e) {
                corrupt.increment();
                log.warn("skipping an undecodable profile change from the stream: {}", e.getMessage());
            }
            merged.put(replica, new DurableRecord.Mark(seq, atMillis));
            return true;
        }

        /**
         * Must hold this entry's lock and then {@code mine}'s, with nothing of this replica unshipped: the durable
         * record of the view (every replica's changes up to its mark; this replica's up to batch {@code seq}), or
         * null while the view is not loaded or holds changes that wait for room. Marks shipped before {@code
         * cutoffMillis} are left out.
         */
        byte[] durableRecord(String replicaId, long seq, long nowMillis, long cutoffMillis) {
            if (!loaded || unrecorded != null) {
                return null;
            }
            Map<String, DurableRecord.Mark> marks = new HashMap<>();
            merged.forEach((r, m) -> {
                if (m.atMillis() >= cutoffMillis) {
                    marks.put(r, m);
                }
            });
            marks.put(replicaId, new DurableRecord.Mark(seq, nowMillis));
            return DurableRecord.encode(view, marks);
        }

        /** Must hold the lock: the view was loaded from a record holding counters of a newer build. */
        boolean foreign() {
            return foreign;
        }

        @Override
        public CompletableFuture<?> addTo(RBatch batch) {
            synchronized (this) {
                if (loaded || loading) {
                    return null;
                }
                loading = true;
            }
            return buckets.load(batch, account)
                    .handle((stored, error) -> {
                        if (error != null) {
                            failed(error);
                        } else {
                            load(stored);
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

        /** The view = the durable record ⊕ every replica's retained changes after its mark ⊕ our unshipped changes. */
        private void load(ProfileBuckets.Stored stored) {
            synchronized (this) {
                AccountProfile fresh = stored.profile().copy();
                Map<String, DurableRecord.Mark> upTo = new HashMap<>(stored.marks());
                OwnChanges.Own mine = own.get(account);
                if (mine != null) {
                    synchronized (mine) { // the shipper moves pending into `recent` under this lock
                        addRemembered(fresh, stored.marks(), upTo);
                        mine.addPendingTo(fresh);
                    }
                } else {
                    addRemembered(fresh, stored.marks(), upTo);
                }
                if (unrecorded != null) {
                    fresh.merge(unrecorded);
                }
                view = fresh;
                merged = upTo;
                foreign = stored.foreign();
                loaded = true;
                loading = false;
            }
        }

        private void addRemembered(AccountProfile into, Map<String, DurableRecord.Mark> marks,
                                   Map<String, DurableRecord.Mark> upTo) {
            for (RecentChanges.Delta d : recent.of(account)) {
                DurableRecord.Mark mark = marks.get(d.replica());
                if (mark == null || d.seq() > mark.seq()) {
                    try {
                        into.merge(ProfileCodec.decode(d.blob()));
                    } catch (RuntimeException e) {
                        corrupt.increment();
                        continue;
                    }
                    upTo.merge(d.replica(), new DurableRecord.Mark(d.seq(), d.atMillis()), DurableRecord.Mark::max);
                }
            }
        }
    }
}
