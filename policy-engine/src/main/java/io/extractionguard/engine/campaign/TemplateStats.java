package io.extractionguard.engine.campaign;

/**
 * A template bucket as one account sees it.
 *
 * @param otherAccounts estimated distinct accounts other than the viewer that sent prompts into it
 * @param requests      time-decayed requests in it (about a day)
 * @param heat          mean content score of those requests, shrunk towards 0 by {@link TemplateBucket#HEAT_PRIOR}
 */
public record TemplateStats(double otherAccounts, double requests, double heat) {

    public static final TemplateStats EMPTY = new TemplateStats(0, 0, 0);
}
