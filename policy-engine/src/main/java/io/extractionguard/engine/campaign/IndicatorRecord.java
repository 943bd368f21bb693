package io.extractionguard.engine.campaign;

/**
 * One shared value (a payment fingerprint, a network, a cadence, ...): a bounded uniform sample of
 * the accounts seen with it, each with its last known suspicion, the live suspicion sum over that
 * sample, and the value's rarity as last published by the correlator. About 400 bytes at most.
 *
 * <p>Thread-safe.
 */
public final class IndicatorRecord {

    /** Accounts sampled per value. */
    public static final int SAMPLE = 32;

    private final AccountSample members = new AccountSample(SAMPLE);
    private double suspicionSum;
    private float rarity = Float.NaN;
    private boolean awaitingRarity;
    private IndicatorKind kind;

    /**
     * Records that {@code accountHash} (with its current suspicion) uses this value and returns the
     * value as that account sees it: everything about the <em>other</em> sampled accounts.
     */
    public synchronized IndicatorEvidence apply(IndicatorKind kind, long accountHash, float suspicion) {
        this.kind = kind;
        int i = put(accountHash, suspicion, false);
        boolean changed = awaitRarity(joined);
        boolean sampled = i >= 0;
        double own = sampled ? suspicion : 0;
        return new IndicatorEvidence(kind, members.size() - (sampled ? 1 : 0), Math.max(0, suspicionSum - own),
                members.distinct(), rarity, changed);
    }

    /**
     * Folds in the fleet's sample of this value (other replicas' accounts, read from shared state):
     * each account joins the sample if its hash belongs there, with the larger of the two suspicions
     * when it is sampled already, so folding the same view twice changes nothing (a sample is a set).
     *
     * @param kind        what the value is (null: as this record knows it)
     * @param hashes      sampled accounts' sampling hashes
     * @param suspicions  their last known suspicion, index for index
     * @return whether an account joined while the rarity was up to date (queue the value for the correlator)
     */
    public synchronized boolean fold(IndicatorKind kind, long[] hashes, float[] suspicions) {
        if (kind != null) {
            this.kind = kind;
        }
        boolean inserted = false;
        for (int n = 0; n < hashes.length; n++) {
            put(hashes[n], suspicions[n], true);
            inserted |= joined;
        }
        return awaitRarity(inserted);
    }

    /** Whether the account joined the sample in the last {@link #put}. */
    private boolean joined;

    /**
     * Puts the account with its suspicion into the sample, keeping the suspicion already sampled when it is
     * larger and {@code keepLarger}; keeps the suspicion sum and {@link #joined}. Returns its index or -1.
     */
    private int put(long accountHash, float suspicion, boolean keepLarger) {
        joined = false;
        int i = members.indexOf(accountHash);
        if (i >= 0) {
            float old = members.value(i);
            if (!keepLarger || suspicion > old) {
                suspicionSum += suspicion - old;
                members.put(accountHash, suspicion);
            }
            return i;
        }
        i = members.put(accountHash, suspicion);
        if (i >= 0) {
            joined = true;
            suspicionSum += suspicion;
            float evicted = members.lastEvicted();
            if (!Float.isNaN(evicted)) {
                suspicionSum -= evicted;
            }
        }
        return i;
    }

    /** Marks the rarity stale when accounts joined; returns whether it was up to date (queue the value once). */
    private boolean awaitRarity(boolean inserted) {
        boolean changed = inserted && !awaitingRarity;
        awaitingRarity |= inserted;
        return changed;
    }

    /** Estimated distinct accounts seen with this value. */
    public synchronized double distinctAccounts() {
        return members.distinct();
    }

    /** The value as it stands, or null while fewer than {@code minAccounts} accounts are sampled. */
    public synchronized SharedValue shared(long key, int minAccounts) {
        if (members.size() < minAccounts || kind == null) {
            return null;
        }
        return new SharedValue(kind, key, members.hashes(), members.distinct(), suspicionSum, 0, rarity);
    }

    /** Sets the rarity computed by the correlator. */
    public synchronized void publishRarity(float rarity) {
        this.rarity = rarity;
        this.awaitingRarity = false;
    }
}
