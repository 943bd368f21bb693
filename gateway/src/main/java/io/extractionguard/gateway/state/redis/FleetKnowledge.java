package io.extractionguard.gateway.state.redis;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.extractionguard.engine.campaign.IndicatorRecord;
import io.extractionguard.gateway.state.redis.CampaignNotes.ValueNote;

/**
 * What this replica knows the fleet's campaign keys hold, so that a batch ({@link CampaignSync}) writes only
 * what changes fleet evidence and reads a key only when its copy here may be stale:
 *
 * <ul>
 *   <li><b>Values</b>: per indicator value the fleet's bottom-k sample as last answered (sampling hash and
 *       suspicion of each sampled account). A note is written when its account belongs in the sample (its
 *       hash is below the full sample's largest; a bottom-k sample's threshold only falls while the key
 *       lives) and the fleet does not have it, or has it with a suspicion lower by more than
 *       {@link #RISE} or higher by more than {@link #FALL}. Everything is written when the value is not
 *       known here or its last write here is older than a seventh of the key's expiry (so a touched
 *       value's key never expires). A value with nothing to write is read when its copy is older than
 *       {@code value-refresh} or a write announced that its summed suspicion rose ({@link #staleValue}).</li>
 *   <li><b>Accounts</b>: an account's records go to its stream when another replica serves it too (seen
 *       in the stream or announced) and once every half {@code account-retention} (so the stream shows
 *       which replicas serve it); in between they are held here, the last {@code account-batch-records},
 *       and shipped when another replica turns up.</li>
 *   <li><b>Population</b>: an account goes into the day's HyperLogLog once per day and replica.</li>
 * </ul>
 *
 * Entries are bounded; forgetting one only costs a write or a read. Thread-safe.
 */
final class FleetKnowledge {

    /** A rise of an account's suspicion the fleet must see (anything above float noise). */
    static final float RISE = 0.01f;
    /** A fall of an account's suspicion (decay) the fleet may miss: its sample then keeps the higher one. */
    static final float FALL = 0.1f;
    /** A rise of a value's summed suspicion over the highest announced that is announced to the fleet. */
    static final float ANNOUNCE_STEP = 0.5f;
    private static final long DAY_MS = 86_400_000L;

    /** The fleet's sample of a value as last answered: ascending sampling hashes, their suspicion. */
    static final class Known {
        volatile long[] hashes = new long[0];
        volatile float[] suspicions = new float[0];
        volatile long readAt;
        volatile long writtenAt = Long.MIN_VALUE;
    }

    private final Cache<Long, Known> values;
    private final Cache<Long, Boolean> sharedAccounts;
    private final Cache<Long, Long> announced;
    private final Cache<Long, ArrayDeque<byte[]>> held;
    private final Cache<Long, Long> addedOnDay;
    private final long valueRefreshMillis;
    private final long valueRewriteMillis;
    private final int heldRecords;

    FleetKnowledge(Duration valueRefresh, long valueTtlMillis, Duration accountRetention, int heldRecords) {
        this.valueRefreshMillis = valueRefresh.toMillis();
        this.valueRewriteMillis = Math.max(1, valueTtlMillis / 7);
        this.heldRecords = heldRecords;
        this.values = Caffeine.newBuilder().executor(Runnable::run).maximumSize(200_000).build();
        this.sharedAccounts = Caffeine.newBuilder().executor(Runnable::run).maximumSize(1_000_000).expireAfterWrite(accountRetention).build();
        this.announced = Caffeine.newBuilder().executor(Runnable::run).maximumSize(1_000_000).expireAfterWrite(accountRetention.multipliedBy(6).dividedBy(7)).build();
        this.held = Caffeine.newBuilder().executor(Runnable::run).maximumSize(100_000).expireAfterWrite(accountRetention).build();
        this.addedOnDay = Caffeine.newBuilder().executor(Runnable::run).maximumSize(1_000_000).expireAfterWrite(Duration.ofDays(1)).build();
    }

    /** What a batch does with a touched value. */
    sealed interface ValuePlan {
    }

    /** Write these notes (the value's script; its answer is folded). */
    record Write(List<ValueNote> notes) implements ValuePlan {
    }

    /** Nothing to write; read the fleet's state ({@code HGETALL}) and fold it. */
    record Read() implements ValuePlan {
    }

    /** Nothing to write and the copy here is fresh. */
    record Skip() implements ValuePlan {
    }

    static final ValuePlan READ = new Read();
    static final ValuePlan SKIP = new Skip();

    /** The plan for a touched value with its notes (by sampling hash) at {@code now}. */
    ValuePlan plan(long value, Map<Long, ValueNote> notes, long now) {
        Known k = values.getIfPresent(value);
        if (k == null || now - k.writtenAt >= valueRewriteMillis) {
            return new Write(List.copyOf(notes.values()));
        }
        long[] hashes = k.hashes;
        float[] suspicions = k.suspicions;
        boolean full = hashes.length >= IndicatorRecord.SAMPLE;
        List<ValueNote> out = null;
        for (var e : notes.entrySet()) {
            long hash = e.getKey();
            if (full && hash > hashes[hashes.length - 1]) {
                continue; // cannot enter the fleet's sample
            }
            int i = Arrays.binarySearch(hashes, hash);
            float s = e.getValue().suspicion();
            if (i < 0 || s > suspicions[i] + RISE || s < suspicions[i] - FALL) {
                if (out == null) {
                    out = new ArrayList<>(notes.size());
                }
                out.add(e.getValue());
            }
        }
        if (out != null) {
            return new Write(out);
        }
        return now - k.readAt >= valueRefreshMillis ? READ : SKIP;
    }

    /** The fleet's sample of a value as just answered ({@code hashes} any order); {@code written}: by a write. */
    void answered(long value, long[] hashes, float[] suspicions, long now, boolean written) {
        Known k = values.get(value, v -> new Known());
        long[][] sorted = sort(hashes, suspicions);
        float[] s = new float[hashes.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = Float.intBitsToFloat((int) sorted[1][i]);
        }
        synchronized (k) {
            k.hashes = sorted[0];
            k.suspicions = s;
            k.readAt = now;
            if (written) {
                k.writtenAt = now;
            }
        }
    }

    private static long[][] sort(long[] hashes, float[] suspicions) {
        Integer[] order = new Integer[hashes.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compare(hashes[a], hashes[b]));
        long[] h = new long[order.length];
        long[] s = new long[order.length];
        for (int i = 0; i < order.length; i++) {
            h[i] = hashes[order[i]];
            s[i] = Float.floatToRawIntBits(suspicions[order[i]]);
        }
        return new long[][] {h, s};
    }

    /** Another replica raised a suspicion in this value's sample: read it on its next touch here. */
    void staleValue(long value) {
        Known k = values.getIfPresent(value);
        if (k != null) {
            k.readAt = Long.MIN_VALUE / 2;
        }
    }

    /** Announcements may have been missed (a re-subscription): every value is re-read, every account re-announced. */
    void everythingStale() {
        values.asMap().values().forEach(k -> k.readAt = Long.MIN_VALUE / 2);
        announced.invalidateAll();
    }

    /** Forgets what was answered about a value (its write failed: write it whole next time). */
    void forgetValue(long value) {
        values.invalidate(value);
    }

    // ---- accounts ----

    /** Another replica serves the account too: its records go to the stream with every batch. */
    void sharedAccount(long account) {
        sharedAccounts.put(account, Boolean.TRUE);
    }

    boolean isShared(long account) {
        return sharedAccounts.getIfPresent(account) != null;
    }

    /**
     * The records to write for a touched account now (with those held since its last write), or null when
     * they are held here: it is not known to be served elsewhere and this replica's entry is recent.
     */
    List<byte[]> accountRecords(long account, List<byte[]> records) {
        if (!isShared(account) && announced.getIfPresent(account) != null) {
            // the last heldRecords, appended in place (a compute refreshes the entry's expiry like a write); the
            // lists used to be copied whole at every batch that touched the account: ~64 references per request
            held.asMap().compute(account, (k, q) -> {
                ArrayDeque<byte[]> last = q == null ? new ArrayDeque<>(Math.min(heldRecords, 16)) : q;
                for (byte[] r : records) {
                    if (last.size() == heldRecords) {
                        last.pollFirst();
                    }
                    last.addLast(r);
                }
                return last;
            });
            return null;
        }
        ArrayDeque<byte[]> before = held.asMap().remove(account);
        if (before == null) {
            return records;
        }
        List<byte[]> all = new ArrayList<>(before.size() + records.size());
        all.addAll(before);
        all.addAll(records);
        return last(all);
    }

    private List<byte[]> last(List<byte[]> records) {
        return records.size() <= heldRecords ? records : List.copyOf(records.subList(records.size() - heldRecords, records.size()));
    }

    /** The records held for an account (null: none), no longer held. */
    List<byte[]> takeHeld(long account) {
        ArrayDeque<byte[]> q = held.asMap().remove(account);
        return q == null ? null : new ArrayList<>(q);
    }

    /** The account's entry was written at {@code now}. */
    void wroteAccount(long account, long now) {
        announced.put(account, now);
    }

    /** The write did not happen: announce again with the next batch. */
    void unwrittenAccount(long account) {
        announced.invalidate(account);
    }

    // ---- population ----

    /** Whether the account still has to be added to day {@code now}'s HyperLogLog (marks it added). */
    boolean addToDay(long account, long now) {
        long day = now / DAY_MS;
        Long was = addedOnDay.asMap().put(account, day);
        return was == null || was != day;
    }

    /** The add did not happen. */
    void notAddedToDay(long account) {
        addedOnDay.invalidate(account);
    }
}
