package io.extractionguard.engine.campaign;

import java.util.Arrays;

/**
 * A bounded, uniform sample of the distinct accounts seen with one value: the {@code capacity}
 * accounts with the smallest hashes (a bottom-k / KMV sketch). It estimates how many distinct
 * accounts there were, whatever their number, and two samples of the same value merge by keeping
 * the smallest hashes of both, so replicas can combine theirs.
 *
 * <p>Each sampled account carries a float (its last known suspicion). Not thread-safe: owners synchronise.
 */
public final class AccountSample {

    private final int capacity;
    private long[] hashes;   // ascending, each >= 0
    private float[] values;
    private int size;
    private float evicted = Float.NaN;

    public AccountSample(int capacity) {
        this.capacity = capacity;
        int initial = Math.min(capacity, 4);
        this.hashes = new long[initial];
        this.values = new float[initial];
    }

    /** Sampling hash of an account: its hash with the sign bit cleared. */
    static long key(long accountHash) {
        return accountHash & Long.MAX_VALUE;
    }

    /** Forgets every sampled account. */
    public void clear() {
        size = 0;
    }

    public int size() {
        return size;
    }

    public int capacity() {
        return capacity;
    }

    /** Index of the account in the sample, or a negative number when it is not sampled. */
    public int indexOf(long accountHash) {
        return Arrays.binarySearch(hashes, 0, size, key(accountHash));
    }

    public float value(int index) {
        return values[index];
    }

    public long hash(int index) {
        return hashes[index];
    }

    /** A copy of the sampled accounts' sampling hashes, ascending. */
    public long[] hashes() {
        return Arrays.copyOf(hashes, size);
    }

    /**
     * Puts the account with its value, if it belongs in the sample.
     *
     * @return the index it is stored at, or -1 when it is not sampled
     */
    public int put(long accountHash, float value) {
        evicted = Float.NaN;
        long k = key(accountHash);
        int i = Arrays.binarySearch(hashes, 0, size, k);
        if (i >= 0) {
            values[i] = value;
            return i;
        }
        int at = -i - 1;
        if (size == capacity) {
            if (at >= size) {
                return -1;
            }
            size--; // the largest hash leaves
            evicted = values[size];
        } else if (size == hashes.length) {
            int grown = Math.min(capacity, hashes.length * 2);
            hashes = Arrays.copyOf(hashes, grown);
            values = Arrays.copyOf(values, grown);
        }
        System.arraycopy(hashes, at, hashes, at + 1, size - at);
        System.arraycopy(values, at, values, at + 1, size - at);
        hashes[at] = k;
        values[at] = value;
        size++;
        return at;
    }

    /** The value of the account the last {@link #put} pushed out of the full sample, or NaN when none left. */
    public float lastEvicted() {
        return evicted;
    }

    /**
     * Estimated number of distinct accounts ever put: exact while the sample is not full, else the
     * KMV estimate {@code (k - 1) / (k-th smallest hash / 2^63)}.
     */
    public double distinct() {
        if (size < capacity) {
            return size;
        }
        double fraction = (double) hashes[size - 1] / 0x1p63;
        return fraction <= 0 ? size : Math.max(size, (capacity - 1) / fraction);
    }
}
