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
        boolean inserted = false;
        int i = members.indexOf(accountHash);
        if (i >= 0) {
            float old = members.value(i);
            suspicionSum += suspicion - old;
            members.put(accountHash, suspicion);
        } else {
            i = members.put(accountHash, suspicion);
            if (i >= 0) {
                inserted = true;
                suspicionSum += suspicion;
                float evicted = members.lastEvicted();
                if (!Float.isNaN(evicted)) {
                    suspicionSum -= evicted;
                }
            }
        }
        boolean changed = inserted && !awaitingRarity;
        awaitingRarity |= inserted;
        boolean sampled = i >= 0;
        double own = sampled ? suspicion : 0;
        return new IndicatorEvidence(kind, members.size() - (sampled ? 1 : 0), Math.max(0, suspicionSum - own),
                members.distinct(), rarity, changed);
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
