package io.extractionguard.engine.campaign;

/**
 * Policy parameters an account's links are read with.
 *
 * @param sharePrior     pseudo-requests (template strength 0, content 0) in the account's means
 * @param maxCadenceCv   highest coefficient of variation of gaps that counts as a machine-regular cadence
 * @param minCadenceGaps gaps needed before a cadence is reported ({@link Long#MAX_VALUE}: never)
 */
public record AccountRules(double sharePrior, double maxCadenceCv, long minCadenceGaps) {
}
