package io.extractionguard.engine.campaign;

import io.extractionguard.engine.features.RequestFeatures;

/**
 * How harvesting-shaped one request is, in [0, 1]: what a distiller wants from a model is its
 * reasoning, its capabilities and long answers. A template bucket's heat is the mean of this over
 * its requests, so a template shared by many accounts counts only when it is used to harvest.
 *
 * @param cotElicitation   added when the prompt asks for the model's full reasoning
 * @param capability       added when the prompt targets a capability area
 * @param longOutput       added when the request asks for at least {@code longOutputTokens}
 * @param longOutputTokens the output budget that counts as long
 */
public record ContentWeights(double cotElicitation, double capability, double longOutput, long longOutputTokens) {

    public static final ContentWeights DEFAULT = new ContentWeights(0.5, 0.3, 0.2, 4000);

    public double score(RequestFeatures f) {
        double q = 0;
        if (f.cotElicitation()) {
            q += cotElicitation;
        }
        if (f.targetsAnyCapability()) {
            q += capability;
        }
        if (f.maxOutputTokens() >= longOutputTokens) {
            q += longOutput;
        }
        return Math.min(1.0, q);
    }
}
