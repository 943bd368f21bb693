package io.extractionguard.engine.state;

import io.extractionguard.engine.features.CapabilityArea;

/**
 * Per capability area, the unshrunk share of an account's recent requests that targeted it: for
 * apportioning volume in reports (case files), not for scoring. A value, so two stores that agree give
 * equal {@link ProfileStats}.
 */
public record AreaShares(double coding, double agentic, double planning, double reasoning) {

    /** From shares indexed by {@link CapabilityArea#ordinal()}. */
    static AreaShares byOrdinal(double[] shares) {
        return new AreaShares(shares[CapabilityArea.CODING.ordinal()], shares[CapabilityArea.AGENTIC.ordinal()],
                shares[CapabilityArea.PLANNING.ordinal()], shares[CapabilityArea.REASONING.ordinal()]);
    }

    public double of(CapabilityArea area) {
        return switch (area) {
            case CODING -> coding;
            case AGENTIC -> agentic;
            case PLANNING -> planning;
            case REASONING -> reasoning;
        };
    }
}
