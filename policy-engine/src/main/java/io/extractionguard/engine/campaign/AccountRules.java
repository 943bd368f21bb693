package io.extractionguard.engine.campaign;

/**
 * Policy parameters an account's links are read with.
 *
 * @param sharePrior     pseudo-requests (template strength 0, content 0) in the account's means
 * @param maxCadenceCv   highest coefficient of variation of gaps that counts as a machine-regular cadence
 * @param minCadenceGaps gaps needed before a cadence is reported ({@link Long#MAX_VALUE}: never)
 * @param followUpLow    new-turn characters up to which a continuation counts fully as conversing
 *                       ({@link StructureSettings#followUpLow()})
 * @param followUpHigh   new-turn characters from which it counts as standalone (infinite: never)
 */
public record AccountRules(double sharePrior, double maxCadenceCv, long minCadenceGaps, double followUpLow,
                           double followUpHigh) {

    /** Rules under which every continuation converses, whatever its new turn (records shipped without the ramp). */
    public AccountRules(double sharePrior, double maxCadenceCv, long minCadenceGaps) {
        this(sharePrior, maxCadenceCv, minCadenceGaps, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY);
    }

    /**
     * How much a continuation whose new user turn has {@code newChars} characters counts as conversing:
     * 1 for a follow-up, falling to 0 for a new turn long enough to be a whole new problem.
     */
    public double followUp(long newChars) {
        return newChars <= followUpLow ? 1 : 1 - io.extractionguard.engine.score.Scorer.ramp(newChars, followUpLow,
                followUpHigh);
    }
}
