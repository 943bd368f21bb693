package io.extractionguard.engine.campaign;

/**
 * A shared value as one account sees it, right after that account's request was recorded.
 *
 * @param kind            what the value is
 * @param otherMembers    sampled accounts other than the viewer
 * @param otherSuspicion  sum of their last known suspicion
 * @param distinct        estimated distinct accounts seen with the value (viewer included)
 * @param rarity          rarity published by the correlator, NaN before its first run over this value
 * @param changed         whether this request changed the value's sample while its rarity was up to date (the
 *                        value must be queued for the correlator)
 */
public record IndicatorEvidence(IndicatorKind kind, int otherMembers, double otherSuspicion, double distinct,
                                float rarity, boolean changed) {
}
