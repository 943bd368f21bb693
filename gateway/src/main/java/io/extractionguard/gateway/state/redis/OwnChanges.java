package io.extractionguard.gateway.state.redis;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;

import io.extractionguard.engine.state.AccountProfile;
import io.extractionguard.engine.state.ProfileCodec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The changes this replica made to accounts and has not yet shipped to the stream or seen in a durable
 * record, at most {@code buffer-accounts} accounts of them. An account's record ({@link Own}) outlives its
 * near-cache entry, so eviction loses nothing unshipped.
 */
final class OwnChanges {

    private final ConcurrentHashMap<String, Own> own = new ConcurrentHashMap<>();
    private final int maxOwn;
    private final Counter overflow;
    private volatile boolean overflowed; // some entries hold changes that did not fit

    OwnChanges(int maxOwn, MeterRegistry meters) {
        this.maxOwn = maxOwn;
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
            mine = own.computeIfAbsent(account, a -> new Own(a));
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

    /**
     * This replica's changes to one account: not yet shipped ({@code pending}), shipped up to batch
     * {@code shippedSeq}, and in a durable record up to batch {@code durableSeq}.
     */
    final class Own {
        private final String account;
        private AccountProfile pending;
        private long shippedSeq;
        private long durableSeq;
        private boolean retired; // removed from `own` (nothing left to write): changes go to a new one

        Own(String account) {
            this.account = account;
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
        byte[] ship(long seq) {
            if (pending == null) {
                return null;
            }
            byte[] blob = ProfileCodec.encode(pending);
            pending = null;
            shippedSeq = seq;
            return blob;
        }

        /** Must hold the lock: shipped changes no durable record holds yet. */
        boolean undurable() {
            return shippedSeq > durableSeq;
        }

        /** A durable record holding this replica's changes up to batch {@code seq} was written (or given up on). */
        synchronized void written(long seq) {
            durableSeq = Math.max(durableSeq, seq);
            if (pending == null && !undurable() && !retired) {
                retired = true;
                own.remove(account, this);
            }
        }
    }
}
