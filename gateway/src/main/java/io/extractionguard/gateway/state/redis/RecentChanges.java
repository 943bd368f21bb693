package io.extractionguard.gateway.state.redis;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The profile changes the stream retains, per account, kept for {@code stream-retention}: a cold load
 * adds the ones its hash does not include yet (after each replica's high-water mark).
 *
 * <p>Held as bytes, not objects: every change of every account (one per account, replica and
 * {@code stream-interval}, ~4,000 a second on a busy replica) is copied into the current <em>segment</em>, a
 * 256 KiB array of {@code replica, seq, atMillis, length, blob} entries, and an account's index is one array of
 * positions. A change kept as its own record and array (two objects a change, 350,000 live on a replica serving
 * 10,000 accounts, each one stored from an old queue into a young object and promoted before it expired) made
 * guard-redis's garbage collection cost ~5 times guard-local's per request; segments hold no references, so
 * a change costs the collector nothing until its segment goes. A segment takes changes for at most
 * {@link #PRUNE_EVERY_MS} and is dropped whole once its newest change is older than the retention: a change
 * may stay up to that much longer, as before, never less long.
 */
final class RecentChanges {

    /** One account's change shipped in a stream batch {@code seq} by {@code replica}. */
    record Delta(String replica, long seq, byte[] blob, long atMillis) {
    }

    static final long PRUNE_EVERY_MS = 10_000;
    static final int SEGMENT_BYTES = 256 * 1024;
    private static final int HEADER = 4 + 8 + 8 + 4; // replica index, seq, atMillis, blob length
    private static final int OFFSET_BITS = 31; // a position: segment number << 31 | offset in the segment

    private final long retentionMillis;
    private final LongSupplier clock;
    private final ArrayList<Segment> segments = new ArrayList<>(); // oldest first, numbered consecutively
    private final HashMap<String, Positions> index = new HashMap<>();
    private final HashMap<String, Integer> replicaIndex = new HashMap<>();
    private final List<String> replicas = new ArrayList<>(); // by index; null: free (no held change names it)
    private long[] replicaLastSegment = new long[8]; // by index: the last segment holding one of its changes
    private final ArrayDeque<Integer> freeReplicas = new ArrayDeque<>();
    private long nextSegment;
    private long prunedAt = Long.MIN_VALUE / 2;

    RecentChanges(long retentionMillis) {
        this(retentionMillis, System::currentTimeMillis);
    }

    RecentChanges(long retentionMillis, LongSupplier clock) {
        this.retentionMillis = retentionMillis;
        this.clock = clock;
    }

    /** A run of changes in arrival order, as bytes. */
    private static final class Segment {
        final long number;
        final long openedAt;
        final ByteBuffer data;
        long newestMillis = Long.MIN_VALUE;

        Segment(long number, long openedAt, int size) {
            this.number = number;
            this.openedAt = openedAt;
            this.data = ByteBuffer.allocate(size);
        }
    }

    /** Where an account's changes are, in arrival order. */
    private static final class Positions {
        long[] at = new long[4];
        int n;

        void add(long position) {
            if (n == at.length) {
                at = Arrays.copyOf(at, n * 2);
            }
            at[n++] = position;
        }

        /** Drops the positions in segments before {@code first}; whether none is left. */
        boolean dropBefore(long first) {
            int keep = 0;
            while (keep < n && (at[keep] >>> OFFSET_BITS) < first) {
                keep++;
            }
            if (keep > 0) {
                System.arraycopy(at, keep, at, 0, n - keep);
                n -= keep;
                if (at.length > 16 && n < at.length / 4) {
                    at = Arrays.copyOf(at, Math.max(4, n * 2));
                }
            }
            return n == 0;
        }
    }

    synchronized void remember(String account, Delta d) {
        Positions p = index.get(account);
        int replica = replicaIndex.computeIfAbsent(d.replica(), this::newReplica);
        long first = firstSegment();
        if (p != null) {
            for (int i = p.n - 1; i >= 0; i--) {
                long pos = p.at[i];
                if ((pos >>> OFFSET_BITS) < first) {
                    break; // pruned
                }
                ByteBuffer b = segment(pos).data;
                int off = offset(pos);
                if (b.getInt(off) == replica) {
                    long seq = b.getLong(off + 4);
                    if (seq == d.seq()) {
                        return; // read twice (e.g. a retried XADD that had succeeded)
                    }
                    if (seq < d.seq()) {
                        break; // a replica's batches arrive in order: an earlier one is no copy of this one
                    }
                }
            }
        } else {
            p = new Positions();
            index.put(account, p);
        }
        int need = HEADER + d.blob().length;
        Segment s = segments.isEmpty() ? null : segments.get(segments.size() - 1);
        long now = clock.getAsLong();
        if (s == null || s.data.capacity() - s.data.position() < need || now - s.openedAt >= PRUNE_EVERY_MS) {
            s = new Segment(nextSegment++, now, Math.max(SEGMENT_BYTES, need));
            segments.add(s);
        }
        ByteBuffer b = s.data;
        int off = b.position();
        b.putInt(replica).putLong(d.seq()).putLong(d.atMillis()).putInt(d.blob().length).put(d.blob());
        s.newestMillis = Math.max(s.newestMillis, d.atMillis());
        p.add(s.number << OFFSET_BITS | off);
        replicaLastSegment[replica] = s.number;
    }

    /**
     * Must hold the lock: an index for a replica id; a free one if any. Replica ids are random per start, so
     * without reuse the names of every replica ever started would be kept for the process's life.
     */
    private int newReplica(String replica) {
        Integer free = freeReplicas.poll();
        if (free != null) {
            replicas.set(free, replica);
            return free;
        }
        replicas.add(replica);
        if (replicas.size() > replicaLastSegment.length) {
            replicaLastSegment = Arrays.copyOf(replicaLastSegment, replicaLastSegment.length * 2);
        }
        return replicas.size() - 1;
    }

    synchronized List<Delta> of(String account) {
        Positions p = index.get(account);
        if (p == null) {
            return List.of();
        }
        long first = firstSegment();
        List<Delta> out = new ArrayList<>(p.n);
        for (int i = 0; i < p.n; i++) {
            long pos = p.at[i];
            if ((pos >>> OFFSET_BITS) < first) {
                continue;
            }
            ByteBuffer b = segment(pos).data;
            int off = offset(pos);
            byte[] blob = new byte[b.getInt(off + 20)];
            b.get(off + HEADER, blob);
            out.add(new Delta(replicas.get(b.getInt(off)), b.getLong(off + 4), blob, b.getLong(off + 12)));
        }
        return out;
    }

    /** Bytes of changes held (tests, diagnostics). */
    synchronized long bytesHeld() {
        long n = 0;
        for (Segment s : segments) {
            n += s.data.position();
        }
        return n;
    }

    /**
     * Forgets the changes older than the retention, at most every {@link #PRUNE_EVERY_MS} (a pass visits every
     * account: per second it was ~1% of a busy replica's CPU): the segments whose newest change is older, then
     * the accounts' positions in them.
     */
    void prune() {
        long now = clock.getAsLong();
        if (now - prunedAt < PRUNE_EVERY_MS) {
            return;
        }
        prunedAt = now;
        long cutoff = now - retentionMillis;
        synchronized (this) {
            boolean dropped = false;
            int drop = 0;
            while (drop < segments.size() && segments.get(drop).newestMillis < cutoff
                    && (drop < segments.size() - 1 || now - segments.get(drop).openedAt >= PRUNE_EVERY_MS)) {
                drop++;
            }
            if (drop > 0) {
                segments.subList(0, drop).clear();
                dropped = true;
            }
            if (dropped) {
                long first = firstSegment();
                index.values().removeIf(p -> p.dropBefore(first));
                for (int i = 0; i < replicas.size(); i++) {
                    if (replicas.get(i) != null && replicaLastSegment[i] < first) {
                        replicaIndex.remove(replicas.get(i));
                        replicas.set(i, null);
                        freeReplicas.add(i);
                    }
                }
            }
        }
    }

    /** Must hold the lock. */
    private long firstSegment() {
        return segments.isEmpty() ? nextSegment : segments.get(0).number;
    }

    /** Must hold the lock; the segment must be held. */
    private Segment segment(long pos) {
        return segments.get((int) ((pos >>> OFFSET_BITS) - segments.get(0).number));
    }

    private static int offset(long pos) {
        return (int) (pos & ((1L << OFFSET_BITS) - 1));
    }

    /** Replica ids held (tests). */
    synchronized int replicas() {
        return replicaIndex.size();
    }

    /** Accounts with changes held (tests). */
    synchronized int accounts() {
        return index.size();
    }

    /** The held changes by account (tests). */
    synchronized Map<String, List<Delta>> all() {
        Map<String, List<Delta>> out = new HashMap<>();
        for (String a : index.keySet()) {
            out.put(a, of(a));
        }
        return out;
    }
}
