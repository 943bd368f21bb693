package io.extractionguard.gateway.state.redis;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The campaign keys the request path touched since the last batch ({@link CampaignSync} takes them):
 * per value each account's suspicion, per template bucket whether the request could have created it,
 * per account its records. At most {@code buffer-records} notes wait; beyond that a touch stays local only
 * and is counted as dropped.
 */
final class CampaignNotes {

    /** One account's suspicion for one value, as the request left it. */
    record ValueNote(long value, int kind, long account, float suspicion, long atMillis) {
    }

    /** What one batch takes: per value its notes by sampling hash (latest wins), buckets, account records. */
    record Touched(Map<Long, Map<Long, ValueNote>> values, Map<Long, Boolean> buckets, Map<Long, List<byte[]>> accounts) {
        boolean isEmpty() {
            return values.isEmpty() && buckets.isEmpty() && accounts.isEmpty();
        }
    }

    private final int bufferRecords;
    private final int accountBatchRecords;
    private final ConcurrentLinkedQueue<ValueNote> values = new ConcurrentLinkedQueue<>();
    /** Touched bucket keys → whether the request could have created the bucket (then read it even if absent here). */
    private final ConcurrentHashMap<Long, Boolean> buckets = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, List<byte[]>> accounts = new ConcurrentHashMap<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicInteger dropped = new AtomicInteger();

    CampaignNotes(int bufferRecords, int accountBatchRecords) {
        this.bufferRecords = bufferRecords;
        this.accountBatchRecords = accountBatchRecords;
    }

    /** Touched keys waiting for the next batch (gauge {@code guard.campaign.sync.pending}). */
    AtomicInteger pending() {
        return pending;
    }

    /** Touches that did not fit the buffer (counter {@code guard.campaign.sync.dropped}). */
    AtomicInteger dropped() {
        return dropped;
    }

    private boolean admit() {
        if (pending.incrementAndGet() <= bufferRecords) {
            return true;
        }
        pending.decrementAndGet();
        dropped.incrementAndGet();
        return false;
    }

    void noteValue(ValueNote note) {
        if (admit()) {
            values.add(note);
        }
    }

    /** Notes a touched bucket once per batch (counted once in the buffer, however many threads race to note it). */
    void noteBucket(long key, boolean creating) {
        Boolean was = buckets.get(key);
        if (was == null) {
            if (!admit()) {
                return;
            }
            was = buckets.putIfAbsent(key, creating);
            if (was == null) {
                return;
            }
            pending.decrementAndGet(); // another thread noted it first
        }
        if (creating && !was) {
            buckets.replace(key, false, true);
        }
    }

    void noteAccount(long accountHash, byte[] record) {
        accounts.compute(accountHash, (k, list) -> {
            if (list == null) {
                if (!admit()) {
                    return null;
                }
                list = new ArrayList<>(4);
            }
            if (list.size() < accountBatchRecords) {
                list.add(record);
            }
            return list;
        });
    }

    /** Takes everything noted so far (the sync thread). */
    Touched take() {
        Map<Long, Map<Long, ValueNote>> byValue = new HashMap<>();
        ValueNote n;
        while ((n = values.poll()) != null) {
            pending.decrementAndGet();
            byValue.computeIfAbsent(n.value(), k -> new HashMap<>()).merge(samplingHash(n.account()), n,
                    (a, b) -> b.atMillis() >= a.atMillis() ? b : a);
        }
        Map<Long, Boolean> touchedBuckets = new HashMap<>();
        for (Long key : List.copyOf(buckets.keySet())) {
            Boolean creating = buckets.remove(key);
            if (creating != null) {
                pending.decrementAndGet();
                touchedBuckets.put(key, creating);
            }
        }
        Map<Long, List<byte[]>> touchedAccounts = new HashMap<>();
        for (Long account : List.copyOf(accounts.keySet())) {
            List<byte[]> records = accounts.remove(account);
            if (records != null) {
                pending.decrementAndGet();
                touchedAccounts.put(account, records);
            }
        }
        return new Touched(byValue, touchedBuckets, touchedAccounts);
    }

    static long samplingHash(long accountHash) {
        return accountHash & Long.MAX_VALUE; // the sampling hash (AccountSample.key)
    }
}
