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
 * @param oneShot          added when the request asks for a long output and stands alone (no earlier turns): the
 *                         shape of a harvesting ask whatever its wording (0 by default: policies written before
 *                         it keep their heat scale)
 */
public record ContentWeights(double cotElicitation, double capability, double longOutput, long longOutputTokens,
                             double oneShot) {

    public static final ContentWeights DEFAULT = new ContentWeights(0.5, 0.3, 0.2, 4000, 0);

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
            if (f.standalone()) {
                q += oneShot;
            }
        }
        return Math.min(1.0, q);
    }
}
