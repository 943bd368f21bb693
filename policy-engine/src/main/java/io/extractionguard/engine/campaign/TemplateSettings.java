package io.extractionguard.engine.campaign;

import io.extractionguard.engine.action.Mode;

/**
 * The cross-account prompt-template indicator: a prompt whose sketch falls into an LSH bucket that
 * other accounts fill with harvesting-shaped prompts (see {@link ContentWeights}).
 *
 * @param weight       points at full strength (0–100)
 * @param mode         ENFORCE or SHADOW
 * @param minAccounts  other accounts in a bucket at or below which it is no evidence
 * @param fullAccounts other accounts in a bucket from which it is full evidence
 * @param low          bucket heat (mean content score of its requests) at or below which it is no evidence
 * @param high         bucket heat from which it is full evidence
 * @param minSimilarity estimated Jaccard similarity to a bucket's representative prompt a prompt needs
 *                     to count in the bucket (filters chance collisions of the LSH bands)
 * @param minWords     prompts with fewer words (system prompt included) are not indexed: short
 *                     prompts ("thanks", "continue") coincide across honest users all the time
 * @param yieldLow     bucket content yield ({@link TemplateStats#yield()}) at or below which it is no evidence
 * @param yieldHigh    yield from which it counts fully; 0 when yield is not judged. A distiller needs many
 *                     distinct problems in its template; a class pasting the same exercises fills a bucket
 *                     with near-copies of one prompt
 */
public record TemplateSettings(double weight, Mode mode, int minAccounts, int fullAccounts, double low, double high,
                               double minSimilarity, int minWords, double yieldLow, double yieldHigh) {

    public static final TemplateSettings DEFAULT = new TemplateSettings(40, Mode.ENFORCE, 2, 8, 0.45, 0.8, 0.25, 6, 0, 0);

    /** How much a bucket of this yield counts, in [0, 1] (1 when yield is not judged). */
    public double yieldFactor(double yield) {
        return yieldHigh <= 0 ? 1 : io.extractionguard.engine.score.Scorer.ramp(yield, yieldLow, yieldHigh);
    }
}
