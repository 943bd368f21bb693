package io.extractionguard.gateway.state.redis;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The profile changes the stream retains, per account, kept for {@code stream-retention}: a cold load
 * adds the ones its hash does not include yet (after each replica's high-water mark). Pruning visits
 * only the changes that expire (a queue in the order they were remembered), not every account.
 */
final class RecentChanges {

    /** One account's change shipped in a stream batch {@code seq} by {@code replica}. */
    record Delta(String replica, long seq, byte[] blob, long atMillis) {
    }

    private record Remembered(String account, Delta delta) {
    }

    private final ConcurrentHashMap<String, ArrayDeque<Delta>> recent = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Remembered> order = new ConcurrentLinkedQueue<>();
    private final long retentionMillis;

    RecentChanges(long retentionMillis) {
        this.retentionMillis = retentionMillis;
    }

    void remember(String account, Delta d) {
        boolean[] added = {false};
        recent.compute(account, (a, q) -> {
            ArrayDeque<Delta> deltas = q == null ? new ArrayDeque<>(4) : q;
            for (Delta x : deltas) {
                if (x.seq() == d.seq() && x.replica().equals(d.replica())) {
                    return deltas; // read twice (e.g. a retried XADD that had succeeded)
                }
            }
            deltas.add(d);
            added[0] = true;
            return deltas;
        });
        if (added[0]) {
            order.add(new Remembered(account, d));
        }
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
     * Forgets the changes older than the retention, oldest first; stops at the first that is not (times are
     * nearly ordered: another replica's change carries the stream's time, so one may leave a little late).
     */
    void prune() {
        long cutoff = System.currentTimeMillis() - retentionMillis;
        Remembered r;
        while ((r = order.peek()) != null && r.delta().atMillis() < cutoff) {
            order.poll();
            Delta gone = r.delta();
            recent.computeIfPresent(r.account(), (a, q) -> {
                q.removeIf(x -> x == gone);
                return q.isEmpty() ? null : q;
            });
        }
    }
}
