package io.extractionguard.gateway.state.redis;

import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import org.redisson.api.RBatch;

import io.extractionguard.engine.state.AccountProfile;
import io.extractionguard.engine.state.ProfileCodec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The changes this replica made to accounts and has not yet shipped to the stream or written to the
 * accounts' hashes, at most {@code buffer-accounts} accounts of them. An account's record ({@link Own})
 * outlives its near-cache entry, so eviction loses nothing; it is also the account's durable-write task.
 */
final class OwnChanges {

    private final ConcurrentHashMap<String, Own> own = new ConcurrentHashMap<>();
    private final RedisKeys keys;
    private final WriteBehind writer;
    private final RedisAvailability availability;
    private final ProfileHash hash;
    private final Function<String, ProfileHash.Known> knownHash;
    private final int maxOwn;
    private final long durableNanos;
    private final AtomicLong taskSeq = new AtomicLong();
    private final Counter overflow;
    private volatile boolean overflowed; // some entries hold changes that did not fit

    /**
     * @param knownHash what this replica knows of an account's hash while the account is cached (null otherwise)
     */
    OwnChanges(RedisKeys keys, WriteBehind writer, RedisAvailability availability, ProfileHash hash,
               Function<String, ProfileHash.Known> knownHash, int maxOwn, long durableNanos, MeterRegistry meters) {
        this.keys = keys;
        this.writer = writer;
        this.availability = availability;
        this.hash = hash;
        this.knownHash = knownHash;
        this.maxOwn = maxOwn;
        this.durableNanos = durableNanos;
        this.overflow = Counter.builder("guard.state.buffer.overflow") // the writer's counter: one buffer bound
                .description("State changes that did not fit the write buffer (kept locally, retried with the next change)")
                .register(meters);
    }

    /**
     * This replica's record of its changes to {@code account}; null (counted) when {@code buffer-accounts}
     * accounts already have unshared changes: the change then waits in the near-cache entry and is
     * recorded with the account's next change.
     */
    Own ownFor(String account) {
        Own mine = own.get(account);
        if (mine == null) {
            if (own.size() >= maxOwn) {
                overflow.increment();
                overflowed = true;
                return null;
            }
            mine = own.computeIfAbsent(account, a -> new Own(a, keys.profile(a), "d:" + a + "#" + taskSeq.incrementAndGet()));
        }
        return mine;
    }

    /** The account's record, or null when it has nothing unshipped or unwritten. */
    Own get(String account) {
        return own.get(account);
    }

    Collection<Own> all() {
        return own.values();
    }

    int size() {
        return own.size();
    }

    /** True once, when changes had to wait for room and half the buffer is free again. */
    boolean roomAfterOverflow() {
        if (overflowed && own.size() < maxOwn / 2 + 1) {
            overflowed = false;
            return true;
        }
        return false;
    }

    /** Queues the durable writes that are due ({@code force}: all of them, at shutdown). */
    void queueDue(boolean force) {
        long now = System.nanoTime();
        own.values().forEach(o -> o.queueIfDue(now, force));
    }

    /**
     * This replica's changes to one account: not yet shipped ({@code pending}), shipped but not yet in
     * the hash ({@code undurable}, up to batch {@code highWater}), being written ({@code writing}).
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

        String account() {
            return account;
        }

        /** Must hold the lock. */
        boolean retired() {
            return retired;
        }

        /** Must hold the lock: the profile to record changes in. */
        AccountProfile changes() {
            if (pending == null) {
                pending = new AccountProfile();
            }
            return pending;
        }

        /** Must hold the lock: adds the changes not yet shipped to {@code into}. */
        void addPendingTo(AccountProfile into) {
            if (pending != null) {
                into.merge(pending);
            }
        }

        /** Must hold the lock: the pending changes, encoded, now going out in batch {@code seq}; null when none. */
        byte[] ship(long seq, long now) {
            if (pending == null) {
                return null;
            }
            byte[] blob = ProfileCodec.encode(pending);
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
            return blob;
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
            ProfileHash.Known known = knownHash.apply(account);
            long sentNanos = System.nanoTime();
            boolean refresh = known == null || known.expiryDue(sentNanos);
            boolean plain = known != null && known.plainWrite(sentNanos);
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
                    field = hash.newRecordField();
                }
                record = ProfileCodec.encode(writing);
                recordField = field;
                hw = writingHighWater;
            }
            return hash.write(batch, key, recordField, record, hw, refresh, plain)
                    .handle((added, error) -> {
                        if (error == null && known != null) {
                            known.written(added, refresh || added == 2L ? sentNanos : Long.MIN_VALUE);
                        }
                        completed(error == null ? known : null, error);
                        return null;
                    });
        }

        @Override
        public void failed(Throwable error) {
            completed(null, error);
        }

        /** {@code known}: the account's hash as this replica knows it, when the write succeeded and it is cached. */
        private void completed(ProfileHash.Known known, Throwable error) {
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
            if (known != null) {
                hash.compactIfDue(key, known);
            }
        }
    }
}
