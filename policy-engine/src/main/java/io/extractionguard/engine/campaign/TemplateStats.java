package io.extractionguard.engine.campaign;

/**
 * A template bucket as one account sees it.
 *
 * @param otherAccounts estimated distinct accounts other than the viewer that sent prompts into it
 * @param requests      time-decayed requests in it (about a day)
 * @param heat          mean content score of those requests, shrunk towards 0 by {@link TemplateBucket#HEAT_PRIOR}
 * @param yield         content yield: the share of its requests that were not near-copies of its representative
 *                      prompt (similarity at least {@link TemplateBucket#REPEAT_SIMILARITY}), shrunk towards 1 by
 *                      the same prior
 * @param nearCopy      whether the request this was returned for is itself a near-copy of the representative
 *                      (always false for a bucket seen without a request)
 */
public record TemplateStats(double otherAccounts, double requests, double heat, double yield, boolean nearCopy) {

    public static final TemplateStats EMPTY = new TemplateStats(0, 0, 0, 1, false);

    /** A bucket seen without a request. */
    public TemplateStats(double otherAccounts, double requests, double heat, double yield) {
        this(otherAccounts, requests, heat, yield, false);
    }

    /** The same bucket, as seen by a request that is a near-copy of its representative. */
    TemplateStats asNearCopy() {
        return new TemplateStats(otherAccounts, requests, heat, yield, true);
    }
}
