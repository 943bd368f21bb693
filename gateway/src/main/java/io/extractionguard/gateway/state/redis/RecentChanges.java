package io.extractionguard.gateway.state.redis;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The profile changes the stream retains, per account, kept for {@code stream-retention}: a cold load
 * adds the ones its hash does not include yet (after each replica's high-water mark).
 */
final class RecentChanges {

    /** One account's change shipped in a stream batch {@code seq} by {@code replica}. */
    record Delta(String replica, long seq, byte[] blob, long atMillis) {
    }

    private final ConcurrentHashMap<String, ArrayDeque<Delta>> recent = new ConcurrentHashMap<>();
    private static final long PRUNE_EVERY_MS = 10_000;

    private final long retentionMillis;
    private long prunedAt = Long.MIN_VALUE / 2; // the shipper thread's only

    RecentChanges(long retentionMillis) {
        this.retentionMillis = retentionMillis;
    }

    void remember(String account, Delta d) {
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

    List<Delta> of(String account) {
        List<Delta> out = new ArrayList<>();
        recent.computeIfPresent(account, (a, q) -> {
            out.addAll(q);
            return q;
        });
        return out;
    }

    /**
     * Forgets the changes older than the retention, at most every {@link #PRUNE_EVERY_MS} (a pass visits every
     * account: per second it was ~1% of a busy replica's CPU); a change may so stay up to that much longer.
     */
    void prune() {
        long now = System.currentTimeMillis();
        if (now - prunedAt < PRUNE_EVERY_MS) {
            return;
        }
        prunedAt = now;
        long cutoff = now - retentionMillis;
        recent.keySet().forEach(account -> recent.computeIfPresent(account, (a, q) -> {
            while (!q.isEmpty() && q.peekFirst().atMillis() < cutoff) {
                q.pollFirst();
            }
            return q.isEmpty() ? null : q;
        }));
    }
}
